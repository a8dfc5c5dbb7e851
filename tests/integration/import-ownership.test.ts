// Issue 10 §3 « imports of other users »: an import batch holds a whole file of personal data.
// Only its creator (and admins) may see, map, preview, launch, download the error file of or
// revert it; anyone else gets 404 — as for an unknown id — and nothing changes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { count, eq } from 'drizzle-orm';
import { auditLog, importBatches, organizations, type ImportBatch, type User } from '../../src/models/schema';
import { listUnits } from '../../src/models/units.model';
import { createImportBatch, saveMapping, startImport } from '../../src/services/imports.service';
import { runImportBatch } from '../../src/services/import-run.service';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

const LIMITS = { maxBytes: 10 * 1024 * 1024, maxRows: 10_000 };
const CSV = 'Raison sociale;Siret\nAtelier Ownership A;\nAtelier Ownership B;\n';

let harness: TestApp;
let owner: User;
let intruder: User;
let intruderManager: User;
let admin: User;
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-import-ownership-'));

async function upload(user: User, name: string, content = CSV): Promise<ImportBatch> {
  const file = path.join(tmpDir, name);
  fs.writeFileSync(file, content);
  return createImportBatch(await harness.context(user), { entityType: 'organizations', fileName: name, filePath: file, size: fs.statSync(file).size }, LIMITS);
}

async function batchOf(id: string): Promise<ImportBatch> {
  const [batch] = await harness.db.select().from(importBatches).where(eq(importBatches.id, id));
  if (!batch) throw new Error('batch missing');
  return batch;
}

async function signedIn(user: User): Promise<TestBrowser> {
  const browser = new TestBrowser(harness.app);
  await browser.login(user.email);
  return browser;
}

async function unitId(code: string): Promise<string> {
  const unit = (await listUnits(harness.db)).find((item) => item.code === code);
  if (!unit) throw new Error(`unit ${code} missing`);
  return unit.id;
}

async function counts() {
  const [orgs] = await harness.db.select({ n: count() }).from(organizations);
  const [audit] = await harness.db.select({ n: count() }).from(auditLog);
  return { organizations: orgs?.n ?? 0, audit: audit?.n ?? 0 };
}

beforeAll(async () => {
  harness = await startTestApp();
  owner = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
  intruder = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['UO-PRO'] });
  // A manager of the same unit is no exception: a batch is its creator's alone.
  intruderManager = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'] });
  admin = await buildUser(harness.db, { roles: ['admin'] });
});
afterAll(async () => {
  await harness.close();
  fs.rmSync(tmpDir, { recursive: true, force: true });
});

describe('another user’s import batch', () => {
  test.each([
    ['a chargé of another unit', () => intruder],
    ['a manager of the same unit', () => intruderManager],
  ])('%s gets 404 on every route of the batch, and nothing changes', async (_who, whoFn) => {
    // One batch waiting for its mapping, one mapped (preview), one finished (report, errors, revert).
    const analysed = await upload(owner, 'a-parametrer.csv');
    const mapped = await upload(owner, 'pret.csv');
    const ownerCtx = await harness.context(owner);
    await saveMapping(ownerCtx, mapped.id, { column_0: 'name', column_1: 'siret', matchKey: 'none', mode: 'create_only', defaultKindCode: 'entreprise' });
    // A row without a name is refused (a bad optional SIRET would only be a warning since issue 11).
    const done = await upload(owner, 'termine.csv', 'Raison sociale;Siret\nAtelier fini;\n;123\n');
    await saveMapping(ownerCtx, done.id, { column_0: 'name', column_1: 'siret', matchKey: 'none', mode: 'create_only', defaultKindCode: 'entreprise' });
    await startImport(ownerCtx, done.id);
    expect(await runImportBatch(harness.db, done.id)).toBe('completed');
    expect((await batchOf(done.id)).errorCount).toBe(1);

    const browser = await signedIn(whoFn());
    await browser.get('/imports/nouveau'); // a current CSRF token
    const before = { analysed: await batchOf(analysed.id), mapped: await batchOf(mapped.id), done: await batchOf(done.id), ...(await counts()) };
    const otherUnit = await unitId('UO-PRO');
    const responses = {
      show: (await browser.get(`/imports/${analysed.id}`)).status,
      showMapped: (await browser.get(`/imports/${mapped.id}`)).status,
      showDone: (await browser.get(`/imports/${done.id}`)).status,
      progress: (await browser.get(`/imports/${done.id}/progression`)).status,
      mappingPage: (await browser.get(`/imports/${analysed.id}/correspondance`)).status,
      mapping: (
        await browser.post(`/imports/${analysed.id}/correspondance`, { column_0: 'name', column_1: 'siret', matchKey: 'none', mode: 'create_only', defaultKindCode: 'entreprise', unitIds: otherUnit })
      ).status,
      launch: (await browser.post(`/imports/${mapped.id}/lancer`)).status,
      resume: (await browser.post(`/imports/${done.id}/reprendre`)).status,
      report: (await browser.get(`/imports/${done.id}?outcome=error`)).status,
      errors: (await browser.get(`/imports/${done.id}/erreurs.csv`)).status,
      revert: (await browser.post(`/imports/${done.id}/annuler`)).status,
    };
    expect(responses).toEqual({
      show: 404,
      showMapped: 404,
      showDone: 404,
      progress: 404,
      mappingPage: 404,
      mapping: 404,
      launch: 404,
      resume: 404,
      report: 404,
      errors: 404,
      revert: 404,
    });
    // The error page does not leak the file name either.
    expect((await browser.get(`/imports/${done.id}`)).text).not.toContain('termine.csv');
    const after = { analysed: await batchOf(analysed.id), mapped: await batchOf(mapped.id), done: await batchOf(done.id), ...(await counts()) };
    expect(after).toEqual(before);

    // The owner still has every step.
    const ownerBrowser = await signedIn(owner);
    expect((await ownerBrowser.get(`/imports/${analysed.id}`)).status).toBe(200);
    expect((await ownerBrowser.get(`/imports/${done.id}/erreurs.csv`)).status).toBe(200);
  });

  test('the list shows one’s own batches only; an admin sees all and filters by author', async () => {
    const mine = await upload(owner, 'liste-proprietaire.csv');
    const theirs = await upload(intruder, 'liste-autre.csv');
    const ownerList = (await (await signedIn(owner)).get('/imports')).text;
    expect(ownerList).toContain(mine.fileName);
    expect(ownerList).not.toContain(theirs.fileName);
    // A forged author filter changes nothing for a non-admin.
    const forged = (await (await signedIn(owner)).get(`/imports?auteur=${intruder.id}`)).text;
    expect(forged).not.toContain(theirs.fileName);
    expect(forged).toContain(mine.fileName);

    const adminBrowser = await signedIn(admin);
    const all = (await adminBrowser.get('/imports')).text;
    expect(all).toContain(mine.fileName);
    expect(all).toContain(theirs.fileName);
    expect(all).toContain('name="auteur"');
    const filtered = (await adminBrowser.get(`/imports?auteur=${intruder.id}`)).text;
    expect(filtered).toContain(theirs.fileName);
    expect(filtered).not.toContain(mine.fileName);
  });

  test('an admin may open, map and launch someone else’s batch', async () => {
    const batch = await upload(owner, 'pour-admin.csv');
    const adminBrowser = await signedIn(admin);
    expect((await adminBrowser.get(`/imports/${batch.id}`)).status).toBe(200);
    const mapped = await adminBrowser.post(`/imports/${batch.id}/correspondance`, { column_0: 'name', column_1: 'siret', matchKey: 'none', mode: 'create_only', defaultKindCode: 'entreprise' });
    expect(mapped.status).toBe(303);
    expect((await adminBrowser.post(`/imports/${batch.id}/lancer`)).status).toBe(303);
    expect((await batchOf(batch.id)).status).toBe('queued');
  });

  test('services refuse too, whatever the caller', async () => {
    const batch = await upload(owner, 'service.csv');
    const ctx = await harness.context(intruder);
    await expect(saveMapping(ctx, batch.id, { column_0: 'name', matchKey: 'none', mode: 'create_only', defaultKindCode: 'entreprise' })).rejects.toThrow('Cet import n’existe pas.');
    await expect(startImport(ctx, batch.id)).rejects.toThrow('Cet import n’existe pas.');
    expect((await batchOf(batch.id)).status).toBe('analysed');
  });
});
