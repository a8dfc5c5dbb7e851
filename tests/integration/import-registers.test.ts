// Imports of files shaped like the public registers the team receives (issue 11), through the
// whole pipeline on real PostgreSQL: upload and detection, mapping, the values step, the run.
// One establishment list in three encodings (UTF-8 CSV, Windows-1252 CSV, XLSX): the first
// import creates the records with everything the file says (several UAI and SIRET per cell,
// addresses split with their own postcode, overseas switchboards in the territory's E.164); the
// same list again, in the other encodings, changes nothing. A register with a bad optional
// phone on half its rows imports every row, with a warning per bad cell.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import { auditLog, importBatches, importRows, organizations, type User } from '../../src/models/schema';
import { createImportBatch, saveMapping, saveValues, startImport, valuesForm } from '../../src/services/imports.service';
import { runImportBatch } from '../../src/services/import-run.service';
import { csvOf, establishmentList, siretOf, windows1252, xlsxOf } from '../support/register-files';
import { buildUser, startTestApp, type TestApp } from '../support/harness';

const LIMITS = { maxBytes: 10 * 1024 * 1024, maxRows: 10_000 };

let harness: TestApp;
let importer: User;
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-registers-'));

beforeAll(async () => {
  harness = await startTestApp();
  importer = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
});
afterAll(async () => {
  await harness.close();
  fs.rmSync(tmpDir, { recursive: true, force: true });
});

/** Upload → mapping (the given field per column) → values step with its suggestions → run. */
async function importFile(fileName: string, content: string | Buffer, fields: string[], options: Record<string, unknown>) {
  const file = path.join(tmpDir, fileName);
  fs.writeFileSync(file, content);
  const ctx = await harness.context(importer);
  const uploaded = await createImportBatch(ctx, { entityType: 'organizations', fileName, filePath: file, size: fs.statSync(file).size }, LIMITS);
  const columns = Object.fromEntries(fields.map((field, index) => [`column_${index}`, field]));
  await saveMapping(ctx, uploaded.id, { ...columns, defaultKindCode: 'entreprise', unitIds: [], ...options });
  // The values step as the person leaves it: every suggested target and default accepted.
  const step = await valuesForm(ctx, uploaded.id);
  const accepted: Record<string, string> = {};
  for (const field of step.fields) {
    for (const value of field.values) {
      accepted[`from_${field.field}_${value.index}`] = value.value;
      accepted[`to_${field.field}_${value.index}`] = value.target;
    }
    accepted[`default_${field.field}`] = field.defaultTarget;
  }
  for (const policy of step.policies) accepted[`policy_${policy.field}`] = policy.value;
  await saveValues(ctx, uploaded.id, accepted);
  await startImport(ctx, uploaded.id);
  expect(await runImportBatch(harness.db, uploaded.id)).toBe('completed');
  const [batch] = await harness.db.select().from(importBatches).where(eq(importBatches.id, uploaded.id));
  if (!batch) throw new Error('batch missing');
  return { batch, step };
}

const LIST_FIELDS = ['uai', 'name', 'kind', 'siret', 'addressLine', 'city', 'phone', 'website'];

describe('an establishment list (several identifiers per cell, addresses in one cell, overseas phones)', () => {
  const list = establishmentList();
  const sirets = list.expected.map((row) => row.siret);

  test('is imported with everything the file says, nothing invented', async () => {
    const { batch, step } = await importFile('etablissements.csv', `\uFEFF${csvOf(list.rows)}`, LIST_FIELDS, { matchKey: 'siret', mode: 'create_and_update' });
    expect(batch).toMatchObject({ createdCount: 6, errorCount: 0, ambiguousCount: 0, encoding: 'utf-8', delimiter: ';' });
    // The register's own kind labels were offered with a target each.
    const kinds = step.fields.find((field) => field.field === 'kind');
    expect(kinds?.values.map((value) => value.value).sort()).toEqual(['Autre établissement', 'Grand établissement', 'Université']);
    expect(kinds?.values.find((value) => value.value === 'Université')?.target).toBe('universite');

    const rows = await harness.db.select().from(organizations).where(inArray(organizations.siret, sirets));
    expect(rows).toHaveLength(6);
    for (const expected of list.expected) {
      const row = rows.find((candidate) => candidate.siret === expected.siret);
      expect(row).toMatchObject({
        name: expected.name,
        postalCode: expected.postalCode,
        phone: expected.phone,
        uai: expected.uai,
        otherSirets: expected.otherSirets,
      });
      expect(row?.city?.startsWith(expected.city)).toBe(true);
      // The commune is resolved (department and region follow) without touching the postcode.
      expect(row?.communeCode).toBeTruthy();
      expect(row?.departmentCode).toBeTruthy();
    }
    const bySiret = (siret: string) => rows.find((row) => row.siret === siret);
    expect(bySiret(siretOf(3))?.kindCode).toBe('universite');
    expect(bySiret(siretOf(1, 19))?.kindCode).toBe('ecole');
    expect(bySiret(siretOf(3))?.communeCode).toBe('97411');
    expect(bySiret(siretOf(4))?.communeCode).toBe('97120');
    expect(bySiret(siretOf(6))?.communeCode).toBe('72181');
  });

  test.each([
    ['Windows-1252 CSV', 'etablissements-excel.csv', async () => windows1252(csvOf(list.rows))],
    ['XLSX', 'etablissements.xlsx', async () => xlsxOf(list.rows)],
  ])('imported again (%s) in update mode, it changes nothing: every row unchanged, no journal entry', async (_label, fileName, content) => {
    const before = await harness.db.select().from(organizations).where(inArray(organizations.siret, sirets));
    const ids = before.map((row) => row.id);
    const journalBefore = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityType, 'organization'), inArray(auditLog.entityId, ids)));

    const { batch } = await importFile(fileName, await content(), LIST_FIELDS, { matchKey: 'siret', mode: 'create_and_update' });
    expect(batch).toMatchObject({ createdCount: 0, updatedCount: 0, unchangedCount: 6, ambiguousCount: 0, errorCount: 0 });

    const after = await harness.db.select().from(organizations).where(inArray(organizations.siret, sirets));
    const comparable = (rows: typeof before) =>
      rows.map(({ updatedAt: _updatedAt, searchDocument: _searchDocument, ...row }) => row).sort((a, b) => a.id.localeCompare(b.id));
    expect(comparable(after)).toEqual(comparable(before));
    const journalAfter = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityType, 'organization'), inArray(auditLog.entityId, ids)));
    expect(journalAfter).toHaveLength(journalBefore.length);
  });
});

describe('a register with a bad optional phone on half its rows', () => {
  test('imports every row, each bad cell reported as a warning (line, column, value)', async () => {
    const rows = [['Raison sociale', 'SIRET', 'Téléphone', 'Code postal', 'Localité']];
    for (let index = 0; index < 10; index += 1) {
      rows.push([`Organisme de formation fictif n° ${index + 1}`, siretOf(100 + index), index % 2 === 0 ? '01 23' : '05 56 00 00 0' + String(index), '33000', 'Bordeaux']);
    }
    const { batch } = await importFile('organismes.csv', csvOf(rows), ['name', 'siret', 'phone', 'postalCode', 'city'], { matchKey: 'siret', mode: 'create_and_update' });
    expect(batch).toMatchObject({ createdCount: 10, errorCount: 0, warningCount: 5 });
    const warned = await harness.db.select().from(importRows).where(eq(importRows.batchId, batch.id));
    const withWarnings = warned.filter((row) => row.warnings && row.warnings.length > 0);
    expect(withWarnings.map((row) => row.rowNumber).sort((a, b) => a - b)).toEqual([2, 4, 6, 8, 10]);
    for (const row of withWarnings) {
      expect(row.outcome).toBe('created');
      expect(row.warnings?.[0]).toMatchObject({ field: 'phone', value: '01 23' });
      expect(row.warnings?.[0]?.message).toMatch(/\S/);
    }
    const created = await harness.db.select().from(organizations).where(inArray(organizations.siret, [siretOf(100), siretOf(101)]));
    expect(created.find((row) => row.siret === siretOf(100))?.phone).toBeNull();
    expect(created.find((row) => row.siret === siretOf(101))?.phone).toBe('+33556000001');
    expect(created.every((row) => row.postalCode === '33000' && row.city === 'Bordeaux')).toBe(true);
  });
});
