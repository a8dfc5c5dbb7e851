// Issue 10 §3 « the unit rule on creation »: a chargé (or manager) attaches an organisation or a
// contact only to one of their own units — on creation, on update and through an import — as
// conventions already do; an admin attaches any unit. Checked in the services.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { contactUnits, contacts, importBatches, organizationUnits, organizations, type User } from '../../src/models/schema';
import { listUnits } from '../../src/models/units.model';
import { createContact, updateContact } from '../../src/services/contacts.service';
import { createImportBatch, mappingForm, saveMapping } from '../../src/services/imports.service';
import { createOrganization, updateOrganization } from '../../src/services/organizations.service';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

const ORG_MESSAGE = 'Vous ne pouvez rattacher une structure qu’à l’une de vos unités.';
const CONTACT_MESSAGE = 'Vous ne pouvez rattacher un contact qu’à l’une de vos unités.';

let harness: TestApp;
let charge: User;
let manager: User;
let admin: User;
let ddpsi: string;
let uoPro: string;
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-unit-rule-'));

async function unitsOfOrganization(id: string): Promise<string[]> {
  return (await harness.db.select().from(organizationUnits).where(eq(organizationUnits.organizationId, id))).map((row) => row.unitId).sort();
}
async function unitsOfContact(id: string): Promise<string[]> {
  return (await harness.db.select().from(contactUnits).where(eq(contactUnits.contactId, id))).map((row) => row.unitId).sort();
}
async function signedIn(user: User): Promise<TestBrowser> {
  const browser = new TestBrowser(harness.app);
  await browser.login(user.email);
  return browser;
}

beforeAll(async () => {
  harness = await startTestApp();
  const units = await listUnits(harness.db);
  ddpsi = units.find((unit) => unit.code === 'DDPSI')?.id ?? '';
  uoPro = units.find((unit) => unit.code === 'UO-PRO')?.id ?? '';
  charge = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
  manager = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'] });
  admin = await buildUser(harness.db, { roles: ['admin'] });
});
afterAll(async () => {
  await harness.close();
  fs.rmSync(tmpDir, { recursive: true, force: true });
});

describe('organisations', () => {
  test('a chargé cannot create one attached only to another unit (422 next to the field, nothing written)', async () => {
    const browser = await signedIn(charge);
    await browser.get('/structures/nouveau');
    const response = await browser.post('/structures/nouveau', { name: 'Hors de mon unité SA', kindCode: 'entreprise', status: 'prospect', unitIds: uoPro });
    expect(response.status).toBe(422);
    expect(response.text).toContain(ORG_MESSAGE);
    expect(await harness.db.select().from(organizations).where(eq(organizations.name, 'Hors de mon unité SA'))).toHaveLength(0);
  });

  test('a manager neither, through the service; one of their units is fine', async () => {
    const ctx = await harness.context(manager);
    await expect(createOrganization(ctx, { name: 'Deux unités SA', kindCode: 'entreprise', status: 'prospect', unitIds: [ddpsi, uoPro] })).rejects.toMatchObject({
      fieldErrors: { unitIds: ORG_MESSAGE },
    });
    const created = await createOrganization(ctx, { name: 'Mon unité SA', kindCode: 'entreprise', status: 'prospect', unitIds: [ddpsi] });
    expect(await unitsOfOrganization(created.id)).toEqual([ddpsi]);
  });

  test('the form greys out the units that are not the chargé’s', async () => {
    const page = (await (await signedIn(charge)).get('/structures/nouveau')).text;
    expect(page).toMatch(new RegExp(`value="${uoPro}"[^>]*disabled`));
    expect(page).not.toMatch(new RegExp(`value="${ddpsi}"[^>]*disabled`));
  });

  test('on update a chargé cannot add another unit, and the other units the record had stay', async () => {
    const shared = await buildOrganization(harness.db, { name: 'Partagée SARL', unitCodes: ['DDPSI'] });
    const ctx = await harness.context(charge);
    const form = { name: 'Partagée SARL', kindCode: 'entreprise', status: 'prospect' };
    await expect(updateOrganization(ctx, shared.id, { ...form, unitIds: [ddpsi, uoPro] })).rejects.toMatchObject({ fieldErrors: { unitIds: ORG_MESSAGE } });
    expect(await unitsOfOrganization(shared.id)).toEqual([ddpsi]);
    // Shared with UO Pro by an admin; the chargé's form (UO Pro greyed out, not sent) keeps it.
    await updateOrganization(await harness.context(admin), shared.id, { ...form, unitIds: [ddpsi, uoPro] });
    await updateOrganization(ctx, shared.id, { ...form, description: 'Mise à jour', unitIds: [ddpsi] });
    expect(await unitsOfOrganization(shared.id)).toEqual([ddpsi, uoPro].sort());
  });

  test('an admin attaches any unit', async () => {
    const created = await createOrganization(await harness.context(admin), { name: 'Choix admin SA', kindCode: 'entreprise', status: 'prospect', unitIds: [uoPro] });
    expect(await unitsOfOrganization(created.id)).toEqual([uoPro]);
  });
});

describe('contacts', () => {
  test('a chargé cannot create one attached only to another unit (422, nothing written)', async () => {
    const browser = await signedIn(charge);
    await browser.get('/contacts/nouveau');
    const response = await browser.post('/contacts/nouveau', { lastName: 'Horsunite', legalBasis: 'interet_legitime', unitIds: uoPro });
    expect(response.status).toBe(422);
    expect(response.text).toContain(CONTACT_MESSAGE);
    expect(await harness.db.select().from(contacts).where(eq(contacts.lastName, 'Horsunite'))).toHaveLength(0);
  });

  test('on update a chargé cannot move a contact to another unit; an admin can', async () => {
    const contact = await buildContact(harness.db, { unitCodes: ['DDPSI'] });
    const form = { lastName: contact.lastName, firstName: contact.firstName, legalBasis: 'interet_legitime' };
    await expect(updateContact(await harness.context(charge), contact.id, { ...form, unitIds: [uoPro] })).rejects.toMatchObject({ fieldErrors: { unitIds: CONTACT_MESSAGE } });
    expect(await unitsOfContact(contact.id)).toEqual([ddpsi]);
    await updateContact(await harness.context(admin), contact.id, { ...form, unitIds: [uoPro] });
    expect(await unitsOfContact(contact.id)).toEqual([uoPro]);
  });

  test('a chargé creates in their own unit (the default when none is ticked)', async () => {
    const created = await createContact(await harness.context(charge), { lastName: 'Dansmonunite', legalBasis: 'interet_legitime' });
    expect(await unitsOfContact(created.id)).toEqual([ddpsi]);
  });
});

describe('imports', () => {
  async function upload(user: User, entityType: 'organizations' | 'contacts') {
    const file = path.join(tmpDir, `${entityType}-${user.id}.csv`);
    fs.writeFileSync(file, entityType === 'organizations' ? 'Raison sociale\nImportée SA\n' : 'Nom\nImporté\n');
    return createImportBatch(await harness.context(user), { entityType, fileName: path.basename(file), filePath: file, size: fs.statSync(file).size }, { maxBytes: 1e6, maxRows: 100 });
  }

  test('the mapping form offers only the chargé’s units; an admin’s offers all', async () => {
    const batch = await upload(charge, 'organizations');
    const form = await mappingForm(await harness.context(charge), batch.id);
    expect(form.units.map((unit) => unit.id)).toEqual([ddpsi]);
    const adminBatch = await upload(admin, 'organizations');
    const adminForm = await mappingForm(await harness.context(admin), adminBatch.id);
    expect(adminForm.units.map((unit) => unit.id)).toEqual(expect.arrayContaining([ddpsi, uoPro]));
  });

  test.each([
    ['organizations', ORG_MESSAGE, { column_0: 'name', matchKey: 'none' }],
    ['contacts', CONTACT_MESSAGE, { column_0: 'lastName', matchKey: 'none' }],
  ] as const)('saving a %s mapping with another unit is refused (422 next to the units)', async (entityType, message, columns) => {
    const batch = await upload(charge, entityType);
    const browser = await signedIn(charge);
    await browser.get(`/imports/${batch.id}`);
    const response = await browser.post(`/imports/${batch.id}/correspondance`, { ...columns, mode: 'create_only', defaultKindCode: 'entreprise', unitIds: uoPro });
    expect(response.status).toBe(422);
    expect(response.text).toContain(message);
    const [stored] = await harness.db.select().from(importBatches).where(eq(importBatches.id, batch.id));
    expect(stored).toMatchObject({ status: 'analysed', options: null });
    // Their own unit is accepted.
    await saveMapping(await harness.context(charge), batch.id, { ...columns, mode: 'create_only', defaultKindCode: 'entreprise', unitIds: [ddpsi] });
  });

  test('an admin maps an import to any unit', async () => {
    const batch = await upload(admin, 'organizations');
    const saved = await saveMapping(await harness.context(admin), batch.id, { column_0: 'name', matchKey: 'none', mode: 'create_only', defaultKindCode: 'entreprise', unitIds: [uoPro] });
    expect(saved.options?.unitIds).toEqual([uoPro]);
  });
});
