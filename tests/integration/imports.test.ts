// Imports end to end on real PostgreSQL and Redis: upload through HTTP (multipart + CSRF),
// detection, mapping, preview, the run (chunks, savepoints), error file, revert, resume, limits.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, count, eq } from 'drizzle-orm';
import iconv from 'iconv-lite';
import { auditLog, contacts, conventionParties, conventions, importBatches, importRows, organizations, affiliations, type ImportFieldPolicy, type User } from '../../src/models/schema';
import { createImportBatch, resumeImport, revertImport, saveMapping, startImport } from '../../src/services/imports.service';
import { markImportFailed, runImportBatch } from '../../src/services/import-run.service';
import { buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, eventually, startTestApp, type TestApp } from '../support/harness';

// The real file from ../shared/data, copied into the repository with the seed data (CI has no ../shared).
const CFA_FILE = path.join(__dirname, '..', '..', 'src', 'seed', 'data', 'cfa-reseau-amue.csv');
const LIMITS = { maxBytes: 10 * 1024 * 1024, maxRows: 10_000 };

let harness: TestApp;
let importer: User;
let browser: TestBrowser;
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-import-test-'));

function writeFile(name: string, content: string | Buffer): string {
  const file = path.join(tmpDir, name);
  fs.writeFileSync(file, content);
  return file;
}

async function uploadThroughService(fileName: string, content: string | Buffer, entityType = 'organizations', limits = LIMITS) {
  const file = writeFile(fileName, content);
  return createImportBatch(await harness.context(importer), { entityType, fileName, filePath: file, size: fs.statSync(file).size }, limits);
}

async function mapAndRun(batchId: string, form: Record<string, unknown>, fieldPolicies?: Record<string, ImportFieldPolicy>) {
  const ctx = await harness.context(importer);
  const batch = await harness.db.select().from(importBatches).where(eq(importBatches.id, batchId));
  const mapping = batch[0]?.mapping ?? {};
  const columns = Object.fromEntries(Object.entries(mapping).map(([index, field]) => [`column_${index}`, field]));
  const mapped = await saveMapping(ctx, batchId, { ...columns, matchKey: 'siret', mode: 'create_and_update', defaultKindCode: 'entreprise', ...form });
  // The wizard's « valeurs et mises à jour » step, as the saved options it leaves.
  if (fieldPolicies && mapped.options) await harness.db.update(importBatches).set({ options: { ...mapped.options, fieldPolicies } }).where(eq(importBatches.id, batchId));
  await startImport(ctx, batchId);
  return runImportBatch(harness.db, batchId);
}

async function batchOf(id: string) {
  const [batch] = await harness.db.select().from(importBatches).where(eq(importBatches.id, id));
  if (!batch) throw new Error('batch missing');
  return batch;
}

beforeAll(async () => {
  // No BullMQ worker here: tests run batches themselves, deterministically (the worker path has its own test).
  harness = await startTestApp();
  importer = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
  browser = new TestBrowser(harness.app);
  await browser.login(importer.email);
});
afterAll(async () => {
  await harness.close();
  fs.rmSync(tmpDir, { recursive: true, force: true });
});

describe('the CFA network file (BOM, semicolons, French headers, dozens of columns)', () => {
  let batchId: string;

  test('uploads from the browser form and is analysed: UTF-8, « ; », 52 rows, columns suggested', async () => {
    await browser.get('/imports/nouveau');
    const response = await browser.agent
      .post('/imports')
      .field('_csrf', browser.csrfToken)
      .field('entityType', 'organizations')
      .attach('file', CFA_FILE, { filename: 'cfa-reseau-amue.csv', contentType: 'text/csv' });
    expect(response.status).toBe(303);
    batchId = /\/imports\/([0-9a-f-]{36})/.exec(response.headers.location ?? '')?.[1] ?? '';
    const batch = await batchOf(batchId);
    expect(batch).toMatchObject({ format: 'csv', encoding: 'utf-8', delimiter: ';', totalRows: 52, status: 'analysed' });
    const mapped = Object.fromEntries(Object.entries(batch.mapping).map(([index, field]) => [batch.headers[Number(index)], field]));
    expect(mapped).toMatchObject({ Siret: 'siret', 'UAI validée': 'uai', 'Raison sociale': 'name', Adresse: 'addressLine', 'Réseaux à jour': 'tags' });
    // The mapping page shows the columns with sample values.
    const page = await browser.get(`/imports/${batchId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Raison sociale');
    expect(page.text).toContain('UNIVERSITE DE MONTPELLIER');
  });

  test('mapping saved through the form, preview validates the first rows, the run creates every row', async () => {
    const batch = await batchOf(batchId);
    const columns = Object.fromEntries(Object.entries(batch.mapping).map(([index, field]) => [`column_${index}`, field]));
    const saved = await browser.post(`/imports/${batchId}/correspondance`, { ...columns, matchKey: 'siret', mode: 'create_and_update', defaultKindCode: 'cfa', defaultStatus: 'actif', presetName: 'Fichier AMUE des CFA' });
    expect(saved.status).toBe(303);
    const preview = await browser.get(`/imports/${batchId}`);
    expect(preview.text).toContain('Aperçu des 20 premières lignes');
    expect(preview.text).toContain('Création');
    const launched = await browser.post(`/imports/${batchId}/lancer`);
    expect(launched.status).toBe(303);
    expect(await batchOf(batchId)).toMatchObject({ status: 'queued' });
    const running = await browser.get(`/imports/${batchId}`);
    expect(running.text).toContain('lignes traitées sur 52');
    // What the worker's job does (the worker itself is exercised below).
    expect(await runImportBatch(harness.db, batchId)).toBe('completed');
    const done = await batchOf(batchId);
    expect(done.createdCount + done.errorCount + done.skippedCount).toBe(52);
    expect(done.createdCount).toBeGreaterThanOrEqual(50);
    const [montpellier] = await harness.db.select().from(organizations).where(eq(organizations.siret, '19341089100017'));
    expect(montpellier).toMatchObject({ kindCode: 'universite', status: 'actif', postalCode: '34090', communeCode: '34172', departmentCode: '34', regionCode: '76' });
    expect(montpellier?.name).toBe('Université Montpellier III Paul Valéry');
    expect(montpellier?.uai).toEqual(['0341089Z']);
    expect(montpellier?.tags).toContain('amue');
    expect(montpellier?.importBatchId).toBe(batchId);
    const report = await browser.get(`/imports/${batchId}`);
    expect(report.text).toContain('Compte rendu');
    const progress = await browser.get(`/imports/${batchId}/progression`, { 'HX-Request': 'true', 'HX-Target': 'import-progress' });
    expect(progress.headers['hx-refresh']).toBe('true');
  });

  test('the same file again updates nothing and creates nothing (matched by SIRET); the preset is offered', async () => {
    const second = await uploadThroughService('cfa-reseau-amue.csv', fs.readFileSync(CFA_FILE));
    expect(Object.values(second.mapping)).toContain('name');
    await mapAndRun(second.id, { defaultKindCode: 'cfa' });
    const batch = await batchOf(second.id);
    expect(batch.createdCount).toBe(0);
    // Matched rows that change nothing are « inchangées », not « mises à jour » (issue 11).
    expect(batch.updatedCount).toBe(0);
    expect(batch.unchangedCount).toBeGreaterThanOrEqual(50);
    const [{ total } = { total: 0 }] = await harness.db.select({ total: count() }).from(organizations).where(eq(organizations.siret, '19341089100017'));
    expect(total).toBe(1);
  });
});

describe('broken rows, Windows-1252 and commas', () => {
  test('rows in error are reported with their reason, the others are imported', async () => {
    const csv = [
      'Nom,SIRET,UAI,Ville,Code postal,Type',
      'Lycée Émile Zola,,0351907H,Rennes,35000,',
      'Société Générale Test,12345678901234,,Paris,75001,entreprise',
      ',19341089100017,,,,',
      'École du Louvre,,"0754239A, 1234567A",Paris,75001,',
      'Fédération Française de Test,,,Lyon,69001,type inexistant',
      'Campus connecté de Mende,,,Mende,48000,',
    ].join('\r\n');
    const batch = await uploadThroughService('structures.csv', iconv.encode(csv, 'windows-1252'));
    expect(batch).toMatchObject({ encoding: 'windows-1252', delimiter: ',', totalRows: 6 });
    await mapAndRun(batch.id, { matchKey: 'siret' });
    const done = await batchOf(batch.id);
    // An invalid optional cell (a bad second UAI, an unknown kind) is a warning, not a row error:
    // only the match key (SIRET) and the required name refuse a row.
    expect(done).toMatchObject({ status: 'completed', createdCount: 4, errorCount: 2, warningCount: 2 });
    const warned = await harness.db.select().from(importRows).where(and(eq(importRows.batchId, batch.id), eq(importRows.outcome, 'created')));
    expect(warned.filter((row) => row.warnings).map((row) => [row.rowNumber, row.warnings?.map((warning) => warning.field)])).toEqual([[5, ['uai']], [6, ['kind']]]);
    const [lycee] = await harness.db.select().from(organizations).where(eq(organizations.name, 'Lycée Émile Zola'));
    expect(lycee).toMatchObject({ kindCode: 'lycee', uai: ['0351907H'], communeCode: '35238' });
    const [campus] = await harness.db.select().from(organizations).where(eq(organizations.name, 'Campus connecté de Mende'));
    expect(campus?.kindCode).toBe('tiers_lieu');

    const file = await browser.get(`/imports/${batch.id}/erreurs.csv`);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toContain('text/csv');
    const text = file.text;
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const lines = text.slice(1).trim().split('\r\n');
    expect(lines[0]).toBe('Ligne;Motif du refus;Nom;SIRET;UAI;Ville;Code postal;Type');
    expect(lines).toHaveLength(3);
    expect(lines.find((line) => line.startsWith('3;'))).toMatch(/SIRET : Le SIRET doit comporter 14 chiffres/);
    expect(lines.find((line) => line.startsWith('4;'))).toMatch(/Nom : /);
    // The report page filters by outcome.
    const errors = await browser.get(`/imports/${batch.id}?outcome=error`);
    expect(errors.text).toContain('Le SIRET doit comporter 14 chiffres');
  });

  test('two rows of one file for the same SIRET: the first creates the record, the second waits for a choice (ambiguous)', async () => {
    const csv = 'Nom;SIRET;Étiquettes\nDoublon interne SA;40483304800006;salon\nDoublon interne SA (siège);40483304800006;réseau\n';
    const batch = await uploadThroughService('doublon-interne.csv', csv);
    await mapAndRun(batch.id, { matchKey: 'siret' });
    expect(await batchOf(batch.id)).toMatchObject({ createdCount: 1, updatedCount: 0, ambiguousCount: 1, errorCount: 0 });
    const found = await harness.db.select().from(organizations).where(eq(organizations.siret, '40483304800006'));
    expect(found).toHaveLength(1);
    expect(found[0]?.name).toBe('Doublon interne SA');
    expect(found[0]?.tags).toEqual(['salon']);
    const rows = await harness.db.select().from(importRows).where(eq(importRows.batchId, batch.id)).orderBy(importRows.rowNumber);
    expect(rows.map((row) => [row.rowNumber, row.outcome, row.sameKeyRows])).toEqual([[2, 'created', [3]], [3, 'ambiguous', [2]]]);
    expect(rows[1]?.candidateIds).toEqual([found[0]?.id]);
  });

  test('an XLSX file is read from its first sheet', async () => {
    const ExcelJS = (await import('exceljs')).default;
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Structures');
    sheet.addRow(['Raison sociale', 'Site web', 'Statut']);
    sheet.addRow(['Tiers-lieu XLSX de Brest', 'https://tiers-lieu-brest.example.fr', 'Prospect']);
    sheet.addRow([]);
    sheet.addRow(['OPCO Atlas test', 'atlas.example.fr', 'actif']);
    const buffer = Buffer.from(await workbook.xlsx.writeBuffer());
    const batch = await uploadThroughService('structures.xlsx', buffer);
    expect(batch).toMatchObject({ format: 'xlsx', totalRows: 2 });
    await mapAndRun(batch.id, { matchKey: 'name' });
    const done = await batchOf(batch.id);
    expect(done).toMatchObject({ createdCount: 2, errorCount: 0 });
    const [opco] = await harness.db.select().from(organizations).where(eq(organizations.name, 'OPCO Atlas test'));
    expect(opco).toMatchObject({ kindCode: 'opco', status: 'actif', website: 'https://atlas.example.fr' });
    const rows = await harness.db.select().from(importRows).where(eq(importRows.batchId, batch.id));
    expect(rows.map((row) => row.rowNumber).sort()).toEqual([2, 4]);
  });
});

describe('revert and resume', () => {
  test('reverting deletes what the batch created and restores what it updated', async () => {
    const existing = await buildOrganization(harness.db, { name: 'Ancien nom SAS', siret: '73282932000074', unitCodes: ['DDPSI'] });
    const csv = 'Nom;SIRET\nNouveau nom SAS;73282932000074\nCréée par import SARL;\n';
    const batch = await uploadThroughService('revert.csv', csv);
    // A name is only filled when empty unless the person asks for the file's to win.
    await mapAndRun(batch.id, { matchKey: 'siret' }, { name: 'overwrite' });
    expect(await batchOf(batch.id)).toMatchObject({ createdCount: 1, updatedCount: 1 });
    const [renamed] = await harness.db.select().from(organizations).where(eq(organizations.id, existing.id));
    expect(renamed?.name).toBe('Nouveau nom SAS');

    await browser.get(`/imports/${batch.id}`);
    const response = await browser.post(`/imports/${batch.id}/annuler`);
    expect(response.status).toBe(303);
    expect(await batchOf(batch.id)).toMatchObject({ status: 'reverted' });
    const [restored] = await harness.db.select().from(organizations).where(eq(organizations.id, existing.id));
    expect(restored?.name).toBe('Ancien nom SAS');
    const created = await harness.db.select().from(organizations).where(eq(organizations.importBatchId, batch.id));
    expect(created).toHaveLength(0);
    const journal = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityType, 'import_batch'), eq(auditLog.entityId, batch.id)));
    expect(journal.map((entry) => entry.action)).toEqual(expect.arrayContaining(['import.uploaded', 'import.mapped', 'import.started', 'import.completed', 'import.reverted']));
    const deleted = await harness.db.select().from(auditLog).where(eq(auditLog.action, 'organization.deleted'));
    expect(deleted.some((entry) => (entry.metadata as { importBatchId?: string }).importBatchId === batch.id)).toBe(true);
    // Reverting twice is refused with a French message.
    await expect(revertImport(await harness.context(importer), batch.id)).rejects.toThrow('Seul un import terminé ou en échec peut être annulé.');
  });

  test('a batch whose organisation became a convention party is not reverted (clear message, nothing deleted)', async () => {
    const batch = await uploadThroughService('partie.csv', 'Nom;Ville\nPartenaire conventionné SAS;Nantes\n');
    await mapAndRun(batch.id, { matchKey: 'name' });
    const [created] = await harness.db.select().from(organizations).where(eq(organizations.importBatchId, batch.id));
    const [convention] = await harness.db.insert(conventions).values({ reference: 'CONV-2026-9001', title: 'Convention de test', kind: 'partenariat' }).returning();
    await harness.db.insert(conventionParties).values({ conventionId: convention?.id ?? '', organizationId: created?.id ?? '' });
    await expect(revertImport(await harness.context(importer), batch.id)).rejects.toThrow('sont désormais parties à une convention');
    expect(await batchOf(batch.id)).toMatchObject({ status: 'completed' });
    expect(await harness.db.select().from(organizations).where(eq(organizations.importBatchId, batch.id))).toHaveLength(1);
  });

  test('a run interrupted after its first chunk resumes where it stopped: no row twice, none half done', async () => {
    const lines = ['Nom;Ville'];
    for (let index = 1; index <= 450; index += 1) lines.push(`Entreprise reprise ${index};Lyon`);
    const batch = await uploadThroughService('reprise.csv', lines.join('\n'));
    const ctx = await harness.context(importer);
    const columns = Object.fromEntries(Object.entries(batch.mapping).map(([index, field]) => [`column_${index}`, field]));
    await saveMapping(ctx, batch.id, { ...columns, matchKey: 'name', mode: 'create_and_update', defaultKindCode: 'entreprise' });
    await startImport(ctx, batch.id);
    await expect(runImportBatch(harness.db, batch.id, { stopAfterChunks: 1 })).rejects.toThrow('interruption');
    expect(await batchOf(batch.id)).toMatchObject({ processedRows: 200, createdCount: 200, status: 'running' });
    await markImportFailed(harness.db, batch.id, 'arrêt du processus');
    expect(await batchOf(batch.id)).toMatchObject({ status: 'failed' });
    const page = await browser.get(`/imports/${batch.id}`);
    expect(page.text).toContain('Reprendre l’import');

    await resumeImport(ctx, batch.id);
    // A second runner at the same time (a retried job) steps aside instead of doubling rows.
    const [first, second] = await Promise.all([runImportBatch(harness.db, batch.id), runImportBatch(harness.db, batch.id)]);
    expect([first, second]).toContain('completed');
    const done = await batchOf(batch.id);
    expect(done).toMatchObject({ status: 'completed', processedRows: 450, createdCount: 450 });
    const [{ total } = { total: 0 }] = await harness.db.select({ total: count() }).from(organizations).where(eq(organizations.importBatchId, batch.id));
    expect(total).toBe(450);
    const [{ rows } = { rows: 0 }] = await harness.db.select({ rows: count() }).from(importRows).where(eq(importRows.batchId, batch.id));
    expect(rows).toBe(450);
  });
});

describe('contacts with their organisation', () => {
  test('creates contacts, finds their employer by SIRET or creates it by name, and affiliates them', async () => {
    const employer = await buildOrganization(harness.db, { name: 'Employeur connu', siret: '35600000000048' });
    const csv = [
      'Civilité;Prénom;Nom;Courriel;Téléphone;Fonction;Structure;SIRET structure',
      'Mme;Claire;Dubois;claire.dubois@example.fr;06 12 34 56 78;Directrice;Employeur connu;35600000000048',
      'M.;Paul;Martin;paul.martin@example.fr;;Chargé de mission;Nouvelle structure importée;',
      'Docteur;Anne;Petit;pas-une-adresse;;;;',
    ].join('\n');
    const batch = await uploadThroughService('contacts.csv', csv, 'contacts');
    expect(Object.values(batch.mapping)).toEqual(expect.arrayContaining(['civility', 'firstName', 'lastName', 'email', 'phone', 'jobTitle', 'organizationName', 'organizationSiret']));
    await mapAndRun(batch.id, { matchKey: 'email' });
    const done = await batchOf(batch.id);
    expect(done).toMatchObject({ createdCount: 2, errorCount: 1 });
    const [claire] = await harness.db.select().from(contacts).where(eq(contacts.lastName, 'Dubois'));
    expect(claire).toMatchObject({ civility: 'Mme', emails: ['claire.dubois@example.fr'], phones: ['+33612345678'], source: 'import' });
    const [link] = await harness.db.select().from(affiliations).where(eq(affiliations.contactId, claire?.id ?? ''));
    expect(link?.organizationId).toBe(employer.id);
    const [created] = await harness.db.select().from(organizations).where(eq(organizations.name, 'Nouvelle structure importée'));
    expect(created?.importBatchId).toBe(batch.id);
    const [row] = await harness.db.select().from(importRows).where(and(eq(importRows.batchId, batch.id), eq(importRows.rowNumber, 3)));
    expect(row?.createdOrganizationId).toBe(created?.id);
    const [error] = await harness.db.select().from(importRows).where(and(eq(importRows.batchId, batch.id), eq(importRows.outcome, 'error')));
    // The match key's cell (the e-mail) refuses the row; an unknown civility is only a warning.
    expect(Object.keys(error?.errors ?? {})).toEqual(['email']);
    expect(error?.warnings?.map((warning) => warning.field)).toEqual(['civility']);
  });
});

describe('the worker', () => {
  test('a launched import is run by the BullMQ worker through the outbox', async () => {
    const withWorker = await startTestApp({ worker: true });
    try {
      const user = await buildUser(withWorker.db, { roles: ['manager'] });
      const ctx = await withWorker.context(user);
      const file = writeFile('worker.csv', 'Nom;Ville\nStructure du worker;Brest\n');
      const batch = await createImportBatch(ctx, { entityType: 'organizations', fileName: 'worker.csv', filePath: file, size: fs.statSync(file).size }, LIMITS);
      await saveMapping(ctx, batch.id, { column_0: 'name', column_1: 'city', matchKey: 'name', mode: 'create_and_update', defaultKindCode: 'entreprise' });
      await startImport(ctx, batch.id);
      const done = await eventually(async () => {
        const [current] = await withWorker.db.select().from(importBatches).where(eq(importBatches.id, batch.id));
        return current?.status === 'completed' ? current : null;
      }, 20_000);
      expect(done.createdCount).toBe(1);
    } finally {
      await withWorker.close();
    }
  });
});

describe('limits and protection', () => {
  test('too many rows, an empty file, a wrong extension and a binary file are refused in French', async () => {
    const rows = ['Nom', ...Array.from({ length: 12 }, (_value, index) => `Structure ${index}`)].join('\n');
    await expect(uploadThroughService('trop.csv', rows, 'organizations', { maxBytes: LIMITS.maxBytes, maxRows: 10 })).rejects.toThrow('Le fichier compte plus de 10 lignes');
    await expect(uploadThroughService('vide.csv', 'Nom\n')).rejects.toThrow('aucune ligne à importer');
    await expect(uploadThroughService('photo.png', 'Nom\nA\n')).rejects.toThrow('Seuls les fichiers CSV');
    await expect(uploadThroughService('faux.csv', Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0x01, 0x02]))).rejects.toThrow('n’est pas un tableau');
    const [{ total } = { total: 0 }] = await harness.db.select({ total: count() }).from(importBatches).where(eq(importBatches.fileName, 'trop.csv'));
    expect(total).toBe(0);
  });

  test('a file over the size limit gets a clear message; an upload without the CSRF token is refused', async () => {
    const small = await startTestApp({ env: { IMPORT_MAX_MB: '1' } });
    try {
      const user = await buildUser(small.db, { roles: ['charge'] });
      const client = new TestBrowser(small.app);
      await client.login(user.email);
      await client.get('/imports/nouveau');
      const big = Buffer.alloc(1024 * 1024 + 10, 'a');
      const tooBig = await client.agent.post('/imports').field('_csrf', client.csrfToken).field('entityType', 'organizations').attach('file', big, 'gros.csv');
      expect(tooBig.status).toBe(422);
      expect(tooBig.text).toContain('dépasse la taille maximale de 1 Mo');
      const forged = await client.agent.post('/imports').field('entityType', 'organizations').attach('file', Buffer.from('Nom\nA\n'), 'a.csv');
      expect(forged.status).toBe(403);
      const lecteur = await buildUser(small.db, { roles: ['lecteur'] });
      const reader = new TestBrowser(small.app);
      await reader.login(lecteur.email);
      expect((await reader.get('/imports')).status).toBe(403);
    } finally {
      await small.close();
    }
  });
});
