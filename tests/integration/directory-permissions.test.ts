// The role × route matrix for the partner directory: everyone signed in reads the shared file;
// charge and manager edit records of their units (or that they own); archive and erase are
// manager/admin; restore and field restrictions are admin only. Bulk exports and one contact's
// vCard are for chargé, manager and admin; the GDPR access export for admins and the DPO.
import { and, desc, eq, inArray } from 'drizzle-orm';
import { auditLog, type Role } from '../../src/models/schema';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

type Who = Role | 'anonymous';
const WHO: Who[] = ['anonymous', 'admin', 'manager', 'charge', 'juriste', 'finance', 'lecteur'];
const EDITORS: Who[] = ['admin', 'manager', 'charge'];

interface Fixtures {
  ownUnitOrg: string;
  otherUnitOrg: string;
  archivableOrg: string;
  archivedOrg: string;
  contact: string;
  otherUnitContact: string;
}

interface RouteCase {
  method: 'GET' | 'POST';
  path: (ids: Fixtures) => string;
  form?: Record<string, string>;
  expect: (who: Who) => number;
}

const signedIn = (allowed: number) => (who: Who) => (who === 'anonymous' ? 303 : allowed);
const only = (roles: Who[], allowed: number) => (who: Who) => (who === 'anonymous' ? 303 : roles.includes(who) ? allowed : 403);

const ROUTES: RouteCase[] = [
  { method: 'GET', path: () => '/structures', expect: signedIn(200) },
  { method: 'GET', path: () => '/structures?kind=universite&status=actif&sort=updated&dir=desc', expect: signedIn(200) },
  { method: 'GET', path: (ids) => `/structures/${ids.ownUnitOrg}`, expect: signedIn(200) },
  // Bulk exports carry personal data: chargé, manager and admin only (a lecteur reads on screen).
  { method: 'GET', path: () => '/structures/export.csv', expect: only(EDITORS, 200) },
  { method: 'GET', path: () => '/structures/export.xlsx', expect: only(EDITORS, 200) },
  { method: 'GET', path: () => '/structures/export.csv?kind=universite&q=test', expect: only(EDITORS, 200) },
  { method: 'GET', path: () => '/structures/nouveau', expect: only(EDITORS, 200) },
  { method: 'POST', path: () => '/structures/nouveau', form: { name: '' }, expect: only(EDITORS, 422) },
  { method: 'GET', path: (ids) => `/structures/${ids.ownUnitOrg}/modifier`, expect: only(EDITORS, 200) },
  // A record of another unit that they do not own: only admins edit it.
  { method: 'GET', path: (ids) => `/structures/${ids.otherUnitOrg}/modifier`, expect: only(['admin'], 200) },
  { method: 'POST', path: (ids) => `/structures/${ids.otherUnitOrg}/modifier`, form: { name: '' }, expect: only(['admin'], 422) },
  { method: 'POST', path: (ids) => `/structures/${ids.archivableOrg}/archiver`, expect: only(['admin', 'manager'], 303) },
  { method: 'POST', path: (ids) => `/structures/${ids.archivedOrg}/restaurer`, expect: only(['admin'], 303) },
  { method: 'GET', path: () => '/contacts', expect: signedIn(200) },
  { method: 'GET', path: () => '/contacts/a-revoir', expect: signedIn(200) },
  { method: 'GET', path: (ids) => `/contacts/${ids.contact}`, expect: signedIn(200) },
  { method: 'GET', path: () => '/contacts/export.csv', expect: only(EDITORS, 200) },
  { method: 'GET', path: () => '/contacts/export.xlsx', expect: only(EDITORS, 200) },
  { method: 'GET', path: () => '/contacts/export.vcf', expect: only(EDITORS, 200) },
  // One contact's card: the same people as the bulk exports, whatever the contact's unit.
  { method: 'GET', path: (ids) => `/contacts/${ids.contact}/vcard`, expect: only(EDITORS, 200) },
  { method: 'GET', path: (ids) => `/contacts/${ids.otherUnitContact}/vcard`, expect: only(EDITORS, 200) },
  // The GDPR access export answers a data subject's request: admins (and the DPO capability, below).
  { method: 'GET', path: (ids) => `/contacts/${ids.contact}/donnees-personnelles`, expect: only(['admin'], 200) },
  { method: 'GET', path: (ids) => `/contacts/${ids.contact}/donnees-personnelles?format=json`, expect: only(['admin'], 200) },
  { method: 'GET', path: () => '/contacts/nouveau', expect: only(EDITORS, 200) },
  { method: 'POST', path: () => '/contacts/nouveau', form: { lastName: '' }, expect: only(EDITORS, 422) },
  { method: 'GET', path: (ids) => `/contacts/${ids.otherUnitContact}/modifier`, expect: only(['admin'], 200) },
  { method: 'GET', path: (ids) => `/contacts/${ids.contact}/effacer`, expect: only(['admin', 'manager'], 200) },
  { method: 'POST', path: (ids) => `/contacts/${ids.contact}/effacer`, form: { reason: '' }, expect: only(['admin', 'manager'], 422) },
  { method: 'GET', path: () => '/admin/champs-reserves', expect: only(['admin'], 200) },
  { method: 'GET', path: () => '/doublons', expect: signedIn(200) },
  { method: 'GET', path: () => '/doublons?type=contacts&motif=courriel', expect: signedIn(200) },
  { method: 'POST', path: () => '/doublons/ecarter', form: { type: 'structures' }, expect: only(['admin', 'manager'], 422) },
  { method: 'GET', path: (ids) => `/doublons/structures/${ids.ownUnitOrg}`, expect: only(['admin', 'manager'], 200) },
  { method: 'GET', path: (ids) => `/doublons/structures/${ids.ownUnitOrg}/${ids.otherUnitOrg}`, expect: only(['admin', 'manager'], 200) },
  { method: 'POST', path: (ids) => `/doublons/structures/${ids.ownUnitOrg}/${ids.ownUnitOrg}`, expect: only(['admin', 'manager'], 409) },
  { method: 'GET', path: (ids) => `/doublons/contacts/${ids.contact}/${ids.otherUnitContact}`, expect: only(['admin', 'manager'], 200) },
  { method: 'GET', path: () => '/doublons/fusions', expect: only(['admin', 'manager'], 200) },
  { method: 'POST', path: () => '/doublons/fusions/00000000-0000-4000-8000-000000000000/annuler', expect: only(['admin'], 404) },
  // Imports: charge, manager and admin; a lecteur (or juriste, finance) cannot import.
  { method: 'GET', path: () => '/imports', expect: only(EDITORS, 200) },
  { method: 'GET', path: () => '/imports?type=organizations&status=completed&page=2', expect: only(EDITORS, 200) },
  { method: 'GET', path: () => '/imports/nouveau', expect: only(EDITORS, 200) },
  // Not multipart: no file, so the form comes back with a French message.
  { method: 'POST', path: () => '/imports', form: { entityType: 'organizations' }, expect: only(EDITORS, 422) },
  { method: 'GET', path: () => '/imports/00000000-0000-4000-8000-000000000000', expect: only(EDITORS, 404) },
  { method: 'POST', path: () => '/imports/00000000-0000-4000-8000-000000000000/annuler', expect: only(EDITORS, 404) },
];

describe('directory: role × route matrix', () => {
  let harness: TestApp;
  const browsers = new Map<Who, TestBrowser>();
  const fixtures = new Map<Who, Fixtures>();

  beforeAll(async () => {
    harness = await startTestApp();
    const ownUnitOrg = await buildOrganization(harness.db, { name: 'Université de test (DDPSI)', kindCode: 'universite', unitCodes: ['DDPSI'] });
    const otherUnitOrg = await buildOrganization(harness.db, { name: 'Entreprise de l’UO Pro', unitCodes: ['UO-PRO'] });
    const contact = await buildContact(harness.db, { unitCodes: ['DDPSI'], organizationId: ownUnitOrg.id, emails: ['camille@exemple.fr'] });
    const otherUnitContact = await buildContact(harness.db, { unitCodes: ['UO-PRO'], organizationId: otherUnitOrg.id });
    for (const who of WHO) {
      // Each visitor archives and restores records of their own, so the cases stay independent.
      const archivableOrg = await buildOrganization(harness.db, { name: `À archiver par ${who}`, unitCodes: ['DDPSI'] });
      const archivedOrg = await buildOrganization(harness.db, { name: `Archivée pour ${who}`, unitCodes: ['DDPSI'], archivedAt: new Date() });
      fixtures.set(who, {
        ownUnitOrg: ownUnitOrg.id,
        otherUnitOrg: otherUnitOrg.id,
        archivableOrg: archivableOrg.id,
        archivedOrg: archivedOrg.id,
        contact: contact.id,
        otherUnitContact: otherUnitContact.id,
      });
      const browser = new TestBrowser(harness.app);
      if (who !== 'anonymous') {
        const user = await buildUser(harness.db, { roles: [who], unitCodes: ['DDPSI'] });
        await browser.login(user.email);
      } else {
        await browser.get('/login');
      }
      browsers.set(who, browser);
    }
  });
  afterAll(() => harness.close());

  const cases = ROUTES.flatMap((route, index) => WHO.map((who) => [who, route.method, index, route] as const));

  test.each(cases)('%s: %s route #%i', async (who, method, _index, route) => {
    const browser = browsers.get(who) as TestBrowser;
    const path = route.path(fixtures.get(who) as Fixtures);
    // A fresh page first, so the form carries a current CSRF token.
    if (method === 'POST') await browser.get('/compte');
    const response = method === 'GET' ? await browser.get(path) : await browser.post(path, route.form ?? {});
    expect({ path, status: response.status }).toEqual({ path, status: route.expect(who) });
    if (response.status === 403) expect(response.text).toContain('Accès refusé');
  });

  test('an owner edits their record even outside their units', async () => {
    const owner = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
    const owned = await buildOrganization(harness.db, { name: 'Suivie par sa responsable', unitCodes: ['UO-PRO'], ownerId: owner.id });
    const browser = new TestBrowser(harness.app);
    await browser.login(owner.email);
    expect((await browser.get(`/structures/${owned.id}/modifier`)).status).toBe(200);
  });

  test('a lecteur sees no export button nor « Exporter ses données »; a chargé sees the exports and the card, not the GDPR export', async () => {
    const lecteur = browsers.get('lecteur') as TestBrowser;
    const contactId = (fixtures.get('lecteur') as Fixtures).contact;
    for (const path of ['/structures', '/contacts', '/contacts/a-revoir']) {
      const page = (await lecteur.get(path)).text;
      expect({ path, exports: /export\.(csv|xlsx|vcf)/.test(page) }).toEqual({ path, exports: false });
    }
    const lecteurContact = (await lecteur.get(`/contacts/${contactId}`)).text;
    expect(lecteurContact).not.toContain('Exporter ses données');
    expect(lecteurContact).not.toContain(`/contacts/${contactId}/vcard`);
    const charge = browsers.get('charge') as TestBrowser;
    expect((await charge.get('/structures')).text).toContain('/structures/export.csv');
    expect((await charge.get('/contacts')).text).toContain('/contacts/export.vcf');
    const chargeContact = (await charge.get(`/contacts/${contactId}`)).text;
    expect(chargeContact).toContain('Télécharger la fiche (vCard)');
    expect(chargeContact).not.toContain('donnees-personnelles');
    expect((await (browsers.get('admin') as TestBrowser).get(`/contacts/${contactId}`)).text).toContain('Exporter ses données');
  });

  test('an admin grants the DPO capability on the user page (journaled): the DPO gets the GDPR export, not the bulk exports; removing it closes access', async () => {
    const dpoUser = await buildUser(harness.db, { roles: ['lecteur'], unitCodes: ['DDPSI'], displayName: 'Dominique Délégué' });
    const dpo = new TestBrowser(harness.app);
    await dpo.login(dpoUser.email);
    const contactId = (fixtures.get('lecteur') as Fixtures).contact;
    expect((await dpo.get(`/contacts/${contactId}/donnees-personnelles`)).status).toBe(403);

    const admin = browsers.get('admin') as TestBrowser;
    const form = (await admin.get(`/admin/utilisateurs/${dpoUser.id}`)).text;
    expect(form).toContain('Délégué(e) à la protection des données (DPO)');
    const lecteurRole = { displayName: 'Dominique Délégué', roles: ['lecteur'], unitIds: [] as string[] };
    expect((await admin.post(`/admin/utilisateurs/${dpoUser.id}`, { ...lecteurRole, capabilities: ['dpo'] })).status).toBe(303);
    const [granted] = await harness.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, dpoUser.id), eq(auditLog.action, 'user.updated')))
      .orderBy(desc(auditLog.at))
      .limit(1);
    expect(granted?.metadata).toMatchObject({ capabilitiesGranted: ['dpo'], capabilitiesRemoved: [] });
    expect((await admin.get(`/admin/utilisateurs/${dpoUser.id}`)).text).toMatch(/id="capability-dpo"[^>]*checked/);
    // The journal says it in words.
    const journal = (await admin.get(`/admin/journal?entityType=user&entityId=${dpoUser.id}`)).text;
    expect(journal).toContain('Capacités');
    expect(journal).toContain('Délégué(e) à la protection des données (DPO)');

    // Effective at the DPO's next request, without signing in again.
    const page = await dpo.get(`/contacts/${contactId}`);
    expect(page.text).toContain('Exporter ses données');
    expect((await dpo.get(`/contacts/${contactId}/donnees-personnelles`)).status).toBe(200);
    const json = await dpo.get(`/contacts/${contactId}/donnees-personnelles?format=json`);
    expect(json.status).toBe(200);
    expect(JSON.parse(json.text).person).toMatchObject({ emails: ['camille@exemple.fr'] });
    for (const path of ['/structures/export.csv', '/contacts/export.csv', '/contacts/export.vcf', `/contacts/${contactId}/vcard`]) {
      expect({ path, status: (await dpo.get(path)).status }).toEqual({ path, status: 403 });
    }

    expect((await admin.post(`/admin/utilisateurs/${dpoUser.id}`, lecteurRole)).status).toBe(303);
    expect((await dpo.get(`/contacts/${contactId}/donnees-personnelles?format=json`)).status).toBe(403);
    const [removed] = await harness.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, dpoUser.id), eq(auditLog.action, 'user.updated')))
      .orderBy(desc(auditLog.at))
      .limit(1);
    expect(removed?.metadata).toMatchObject({ capabilitiesGranted: [], capabilitiesRemoved: ['dpo'] });
  });

  test('each bulk export is journaled with the filter used, its format and the number of rows sent', async () => {
    const manager = browsers.get('manager') as TestBrowser;
    const csv = await manager.get('/structures/export.csv?kind=universite&status=');
    expect(csv.status).toBe(200);
    const rowsSent = csv.text.trim().split('\r\n').length - 1;
    expect(rowsSent).toBeGreaterThanOrEqual(1);
    const vcf = await manager.get('/contacts/export.vcf?q=camille');
    const cardsSent = (vcf.text.match(/BEGIN:VCARD/g) ?? []).length;
    const xlsx = await manager.get('/contacts/export.xlsx');
    expect(xlsx.status).toBe(200);
    const entries = await harness.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, 'liste'), inArray(auditLog.action, ['organization.exported', 'contact.exported'])))
      .orderBy(desc(auditLog.at))
      .limit(3);
    const byFormat = Object.fromEntries(entries.map((entry) => [String((entry.metadata as Record<string, unknown>).format), entry]));
    expect(byFormat.csv).toMatchObject({ action: 'organization.exported', metadata: { filters: { kind: 'universite' }, rowCount: rowsSent, complete: true } });
    expect((byFormat.csv?.metadata as { filters: Record<string, unknown> }).filters).not.toHaveProperty('status');
    expect(byFormat.vcard).toMatchObject({ action: 'contact.exported', metadata: { filters: { q: 'camille' }, rowCount: cardsSent, complete: true } });
    expect(byFormat.xlsx).toMatchObject({ action: 'contact.exported', metadata: { complete: true } });
    // Refused exports leave no rows and write no entry.
    const before = await harness.db.select().from(auditLog).where(eq(auditLog.entityId, 'liste'));
    expect((await (browsers.get('lecteur') as TestBrowser).get('/contacts/export.csv')).status).toBe(403);
    expect(await harness.db.select().from(auditLog).where(eq(auditLog.entityId, 'liste'))).toHaveLength(before.length);
  });

  test('one contact’s vCard: the card as the page shows it; an erased person has none (404), a merged record answers with the kept one', async () => {
    const charge = browsers.get('charge') as TestBrowser;
    const contactId = (fixtures.get('charge') as Fixtures).contact;
    const card = await charge.get(`/contacts/${contactId}/vcard`);
    expect(card.status).toBe(200);
    expect(card.headers['content-type']).toContain('text/vcard');
    expect(card.headers['content-disposition']).toMatch(/attachment; filename="[a-z0-9-]+\.vcf"/);
    expect(card.text).toContain('BEGIN:VCARD');
    expect(card.text).toContain('EMAIL;PREF=1:camille@exemple.fr');
    expect(card.text).toContain('ORG:Université de test (DDPSI)');
    expect((card.text.match(/BEGIN:VCARD/g) ?? []).length).toBe(1);
    const [journaled] = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, contactId), eq(auditLog.action, 'contact.vcard_exported')));
    expect(journaled).toBeDefined();

    const erased = await buildContact(harness.db, { unitCodes: ['DDPSI'], firstName: '', lastName: 'Personne effacée', emails: [], erasedAt: new Date() });
    expect((await charge.get(`/contacts/${erased.id}/vcard`)).status).toBe(404);
    const kept = await buildContact(harness.db, { unitCodes: ['DDPSI'] });
    const merged = await buildContact(harness.db, { unitCodes: ['DDPSI'], mergedIntoId: kept.id });
    const redirect = await charge.get(`/contacts/${merged.id}/vcard`);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.location).toBe(`/contacts/${kept.id}/vcard`);
    expect((await charge.get('/contacts/pas-un-id/vcard')).status).toBe(404);
  });

  test('restricted fields are hidden from readers outside the record’s units', async () => {
    const admin = new TestBrowser(harness.app);
    const adminUser = await buildUser(harness.db, { roles: ['admin'] });
    await admin.login(adminUser.email);
    await admin.get('/admin/champs-reserves');
    expect((await admin.post('/admin/champs-reserves', { organization: ['phone'] })).status).toBe(303);
    const org = await buildOrganization(harness.db, { name: 'Numéro réservé', unitCodes: ['UO-PRO'], phone: '+33123456789' });
    const reader = new TestBrowser(harness.app);
    const readerUser = await buildUser(harness.db, { roles: ['lecteur'], unitCodes: ['DDPSI'] });
    await reader.login(readerUser.email);
    const page = await reader.get(`/structures/${org.id}`);
    expect(page.text).toContain('Information réservée');
    expect(page.text).not.toContain('+33123456789');
    const insider = new TestBrowser(harness.app);
    const insiderUser = await buildUser(harness.db, { roles: ['lecteur'], unitCodes: ['UO-PRO'] });
    await insider.login(insiderUser.email);
    expect((await insider.get(`/structures/${org.id}`)).text).toContain('+33123456789');
  });
});
