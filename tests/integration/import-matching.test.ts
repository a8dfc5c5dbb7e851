// Imports that never guess (issue 11), on real PostgreSQL (and PGlite at the end): a key that
// designates several records leaves the row ambiguous until the person chooses (before or after
// the run); a key repeated inside the file is reported with its lines; SIRET/UAI are looked for
// among every identifier of a record and through merges; field policies decide what an update
// may change, with before → after kept per row; re-importing a file changes nothing at all.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, asc, count, eq, inArray, like } from 'drizzle-orm';
import { openDatabase } from '../../src/models/database';
import { luhnValid } from '../../src/lib/identifiers';
import {
  affiliations,
  auditLog,
  contacts,
  importBatches,
  importRows,
  organizations,
  type ImportFieldPolicy,
  type ImportOptions,
  type Organization,
  type User,
} from '../../src/models/schema';
import { actorOf } from '../../src/services/auth.service';
import type { ServiceContext } from '../../src/services/context';
import { ambiguousRowsBeforeRun, applyRowChoices, chooseBeforeRun } from '../../src/services/import-choices.service';
import { runImportBatch } from '../../src/services/import-run.service';
import { createImportBatch, revertImport, saveMapping, startImport } from '../../src/services/imports.service';
import { policyFields } from '../../src/services/imports/field-policies';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { buildUser, startTestApp, type TestApp } from '../support/harness';

const LIMITS = { maxBytes: 10 * 1024 * 1024, maxRows: 10_000 };
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-import-matching-'));

/** `prefix` completed with the digit that makes it pass the Luhn check. */
function luhnComplete(prefix: string): string {
  for (let digit = 0; digit <= 9; digit += 1) if (luhnValid(`${prefix}${digit}`)) return `${prefix}${digit}`;
  throw new Error('unreachable');
}

/** A valid SIRET (SIREN and SIRET Luhn-checked), distinct per number. */
function siretOf(number: number): string {
  const siren = luhnComplete(String(31_000_000 + number * 7).padStart(8, '0'));
  return luhnComplete(`${siren}${String(number % 10_000).padStart(4, '0')}`);
}

/** A valid UAI: 7 digits and the key letter. */
function uaiOf(number: number): string {
  const digits = String(number).padStart(7, '0');
  return `${digits}${'ABCDEFGHJKLMNPRSTUVWXYZ'[number % 23]}`;
}

let harness: TestApp;
let importer: User;

async function context(db = harness.db, user = importer): Promise<ServiceContext> {
  return { db, actor: await actorOf(db, user), now: new Date(), baseUrl: 'http://passerelle.test' };
}

async function upload(ctx: ServiceContext, fileName: string, content: string, entityType = 'organizations') {
  const file = path.join(tmpDir, `${Date.now()}-${fileName}`);
  fs.writeFileSync(file, content);
  return createImportBatch(ctx, { entityType, fileName, filePath: file, size: fs.statSync(file).size }, LIMITS);
}

interface MapOptions {
  matchKey: ImportOptions['matchKey'];
  mode?: ImportOptions['mode'];
  fieldPolicies?: Record<string, ImportFieldPolicy>;
}

/** Maps the columns as suggested, sets the options (and the values step's policies), launches. */
async function mapAndStart(ctx: ServiceContext, batchId: string, options: MapOptions) {
  const [batch] = await ctx.db.select().from(importBatches).where(eq(importBatches.id, batchId));
  const columns = Object.fromEntries(Object.entries(batch?.mapping ?? {}).map(([index, field]) => [`column_${index}`, field]));
  const mapped = await saveMapping(ctx, batchId, { ...columns, matchKey: options.matchKey, mode: options.mode ?? 'create_and_update', defaultKindCode: 'entreprise', unitIds: ctx.actor?.unitIds ?? [] });
  if (options.fieldPolicies && mapped.options) {
    await ctx.db.update(importBatches).set({ options: { ...mapped.options, fieldPolicies: options.fieldPolicies } }).where(eq(importBatches.id, batchId));
  }
}

async function importFile(ctx: ServiceContext, fileName: string, content: string, options: MapOptions & { entityType?: string; chunkRows?: number }) {
  const batch = await upload(ctx, fileName, content, options.entityType);
  await mapAndStart(ctx, batch.id, options);
  await startImport(ctx, batch.id);
  expect(await runImportBatch(ctx.db, batch.id, { chunkRows: options.chunkRows })).toBe('completed');
  return batchOf(ctx, batch.id);
}

async function batchOf(ctx: ServiceContext, id: string) {
  const [batch] = await ctx.db.select().from(importBatches).where(eq(importBatches.id, id));
  if (!batch) throw new Error('batch missing');
  return batch;
}

async function rowsOf(ctx: ServiceContext, batchId: string) {
  return ctx.db.select().from(importRows).where(eq(importRows.batchId, batchId)).orderBy(asc(importRows.rowNumber));
}

async function organization(ctx: ServiceContext, id: string): Promise<Organization> {
  const [row] = await ctx.db.select().from(organizations).where(eq(organizations.id, id));
  if (!row) throw new Error('organisation missing');
  return row;
}

async function journalCount(ctx: ServiceContext, action: string, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const [row] = await ctx.db.select({ total: count() }).from(auditLog).where(and(eq(auditLog.action, action), inArray(auditLog.entityId, ids)));
  return row?.total ?? 0;
}

beforeAll(async () => {
  harness = await startTestApp();
  importer = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
});
afterAll(async () => {
  await harness.close();
  fs.rmSync(tmpDir, { recursive: true, force: true });
});

describe('a key that designates several records', () => {
  test('the row is ambiguous with both candidates and changes nothing; a choice after the run applies it, and the revert undoes it', async () => {
    const ctx = await context();
    const shared = siretOf(101);
    const first = await buildOrganization(ctx.db, { name: 'Lycée Jean Moulin', siret: shared, unitCodes: ['DDPSI'] });
    // The same SIRET among the other establishments of a second record.
    const second = await buildOrganization(ctx.db, { name: 'Cité scolaire Jean Moulin', siret: siretOf(102), otherSirets: [shared], unitCodes: ['DDPSI'] });
    const batch = await importFile(ctx, 'deux-fiches.csv', `Raison sociale;SIRET;Téléphone\nLYCEE JEAN MOULIN;${shared};01 45 67 89 10\n`, { matchKey: 'siret' });
    expect(batch).toMatchObject({ createdCount: 0, updatedCount: 0, ambiguousCount: 1, errorCount: 0 });
    const [row] = await rowsOf(ctx, batch.id);
    expect(row).toMatchObject({ outcome: 'ambiguous', entityId: null });
    expect(row?.candidateIds).toEqual([first.id, second.id].sort());
    expect(row?.cells).toEqual(['LYCEE JEAN MOULIN', shared, '01 45 67 89 10']);
    expect(await organization(ctx, first.id)).toEqual(first);
    expect(await organization(ctx, second.id)).toEqual(second);
    expect(await journalCount(ctx, 'organization.updated', [first.id, second.id])).toBe(0);

    // Chosen after the run: the row updates that record (empty phone filled), nothing else.
    const chosen = await applyRowChoices(ctx, batch.id, { '2': second.id });
    expect(chosen.applied).toEqual([{ line: 2, outcome: 'updated', entityId: second.id }]);
    expect(chosen.ignored).toEqual([]);
    expect(await batchOf(ctx, batch.id)).toMatchObject({ updatedCount: 1, ambiguousCount: 0 });
    const [updated] = await rowsOf(ctx, batch.id);
    expect(updated).toMatchObject({ outcome: 'updated', entityId: second.id, changes: { phone: { before: null, after: '+33145678910' } } });
    expect((await organization(ctx, second.id)).name).toBe('Cité scolaire Jean Moulin');
    expect(await organization(ctx, first.id)).toEqual(first);
    // A row already decided is not decided again.
    expect((await applyRowChoices(ctx, batch.id, { '2': first.id })).ignored).toEqual([2]);

    await revertImport(ctx, batch.id);
    expect((await organization(ctx, second.id)).phone).toBeNull();
  });

  test('in « créer seulement » a key on two records is simply skipped: nothing to update, nothing to choose', async () => {
    const ctx = await context();
    const shared = siretOf(111);
    await buildOrganization(ctx.db, { name: 'Greta Sud Aquitaine', siret: shared, unitCodes: ['DDPSI'] });
    await buildOrganization(ctx.db, { name: 'Greta Sud Aquitaine (Bayonne)', siret: siretOf(112), otherSirets: [shared], unitCodes: ['DDPSI'] });
    const batch = await importFile(ctx, 'creer-seulement.csv', `Nom;SIRET\nGRETA SUD AQUITAINE;${shared}\n`, { matchKey: 'siret', mode: 'create_only' });
    expect(batch).toMatchObject({ skippedCount: 1, ambiguousCount: 0, createdCount: 0 });
  });

  test('choices saved before the run are honoured: a candidate, skip, create; an id that is not a candidate leaves the row ambiguous', async () => {
    const ctx = await context();
    const [u1, u2, u3, u4] = [uaiOf(2001), uaiOf(2002), uaiOf(2003), uaiOf(2004)];
    // Each UAI held by two records: A–B, B–C, C–D, D–E.
    const a = await buildOrganization(ctx.db, { name: 'Collège Les Tilleuls', uai: [u1], unitCodes: ['DDPSI'] });
    const b = await buildOrganization(ctx.db, { name: 'Lycée des Tilleuls', uai: [u1, u2], unitCodes: ['DDPSI'] });
    const c = await buildOrganization(ctx.db, { name: 'GRETA des Tilleuls', uai: [u2, u3], unitCodes: ['DDPSI'] });
    const d = await buildOrganization(ctx.db, { name: 'CFA des Tilleuls', uai: [u3, u4], unitCodes: ['DDPSI'] });
    await buildOrganization(ctx.db, { name: 'Lycée agricole des Tilleuls', uai: [u4], unitCodes: ['DDPSI'] });
    const file = ['Nom;UAI;Site web', `Collège Les Tilleuls;${u1};https://tilleuls.example.fr`, `Tilleuls 2;${u2};`, `Antenne des Tilleuls;${u3};`, `Tilleuls 4;${u4};`].join('\n');
    const batch = await upload(ctx, 'choix-avant.csv', file);
    await mapAndStart(ctx, batch.id, { matchKey: 'uai' });

    const found = await ambiguousRowsBeforeRun(ctx, batch.id);
    expect(found.rows.map((row) => [row.line, row.candidateIds])).toEqual([
      [2, [a.id, b.id].sort()],
      [3, [b.id, c.id].sort()],
      [4, [c.id, d.id].sort()],
      [5, [d.id, (await ctx.db.select().from(organizations).where(eq(organizations.name, 'Lycée agricole des Tilleuls')))[0]?.id].sort()],
    ]);

    // Someone else cannot choose for this batch.
    const other = await buildUser(ctx.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
    await expect(chooseBeforeRun(await context(ctx.db, other), batch.id, { '2': 'skip' })).rejects.toThrow('Cet import n’existe pas.');
    await expect(chooseBeforeRun(ctx, batch.id, { '2': 'peut-être' })).rejects.toThrow();
    const saved = await chooseBeforeRun(ctx, batch.id, { '2': a.id, '3': 'skip', '4': 'create', '5': a.id });
    expect(saved).toMatchObject({ saved: 4, withdrawn: 0 });
    expect(saved.batch.rowChoices).toEqual({ '2': a.id, '3': 'skip', '4': 'create', '5': a.id });

    await startImport(ctx, batch.id);
    await expect(chooseBeforeRun(ctx, batch.id, { '2': 'skip' })).rejects.toThrow('déjà lancé');
    expect(await runImportBatch(ctx.db, batch.id)).toBe('completed');
    const rows = await rowsOf(ctx, batch.id);
    expect(rows.map((row) => [row.rowNumber, row.outcome, row.entityId])).toEqual([
      [2, 'updated', a.id],
      [3, 'skipped', null],
      [4, 'created', expect.any(String)],
      [5, 'ambiguous', null],
    ]);
    expect(rows[0]?.changes).toEqual({ website: { before: null, after: 'https://tilleuls.example.fr' } });
    expect(await batchOf(ctx, batch.id)).toMatchObject({ updatedCount: 1, skippedCount: 1, createdCount: 1, ambiguousCount: 1 });
    expect((await organization(ctx, rows[2]?.entityId ?? '')).name).toBe('Antenne des Tilleuls');
    expect(await organization(ctx, b.id)).toEqual(b);
  });
});

describe('identifiers of a record: other SIRET and merges', () => {
  test('a SIRET among the other SIRET designates its record; one on a merged record designates the kept one (counted once)', async () => {
    const ctx = await context();
    const [kept, merged, holder] = [siretOf(301), siretOf(302), siretOf(303)];
    const keptRecord = await buildOrganization(ctx.db, { name: 'Université de Lorraine', siret: kept, otherSirets: [merged], unitCodes: ['DDPSI'] });
    const mergedRecord = await buildOrganization(ctx.db, { name: 'Université Nancy 2', siret: merged, mergedIntoId: keptRecord.id, unitCodes: ['DDPSI'] });
    const holderRecord = await buildOrganization(ctx.db, { name: 'Institut national polytechnique', siret: siretOf(304), otherSirets: [holder], unitCodes: ['DDPSI'] });
    const file = ['Nom;SIRET;Site web', `UNIVERSITE NANCY 2;${merged};https://univ-lorraine.example.fr`, `INP Lorraine;${holder};https://inp.example.fr`].join('\n');
    const batch = await importFile(ctx, 'identifiants.csv', file, { matchKey: 'siret' });
    expect(batch).toMatchObject({ updatedCount: 2, ambiguousCount: 0, createdCount: 0 });
    const rows = await rowsOf(ctx, batch.id);
    expect(rows.map((row) => [row.outcome, row.entityId])).toEqual([
      ['updated', keptRecord.id],
      ['updated', holderRecord.id],
    ]);
    expect((await organization(ctx, keptRecord.id)).website).toBe('https://univ-lorraine.example.fr');
    expect(await organization(ctx, mergedRecord.id)).toEqual(mergedRecord);
    // The main SIRET is kept (fill_empty) and the file's SIRET is already there: nothing added.
    expect(await organization(ctx, holderRecord.id)).toMatchObject({ siret: siretOf(304), otherSirets: [holder] });
  });
});

describe('a key repeated inside the file', () => {
  test('the first line is applied, later lines wait with the lines that share their key, across chunks; choices after the run settle them', async () => {
    const ctx = await context();
    const siret = siretOf(401);
    const spaced = `${siret.slice(0, 3)} ${siret.slice(3, 6)} ${siret.slice(6, 9)} ${siret.slice(9)}`;
    const file = [
      'Raison sociale;SIRET;Étiquettes',
      `Atelier Chantereine;${siret};salon`,
      `Atelier Chantereine (siège);${siret};réseau`,
      `Autre structure;${siretOf(402)};`,
      `Atelier Chantereine Sud;${spaced};sud`,
    ].join('\n');
    // Two rows per chunk: the repeated key is met in the same chunk and in a later one.
    const batch = await importFile(ctx, 'cles-repetees.csv', file, { matchKey: 'siret', chunkRows: 2 });
    expect(batch).toMatchObject({ createdCount: 2, ambiguousCount: 2, updatedCount: 0 });
    const rows = await rowsOf(ctx, batch.id);
    const created = rows[0]?.entityId ?? '';
    expect(rows.map((row) => [row.rowNumber, row.outcome, row.sameKeyRows, row.candidateIds])).toEqual([
      [2, 'created', [3, 5], null],
      [3, 'ambiguous', [2, 5], [created]],
      [4, 'created', null, null],
      [5, 'ambiguous', [2, 3], [created]],
    ]);
    expect(await ctx.db.select().from(organizations).where(eq(organizations.siret, siret))).toHaveLength(1);
    expect((await organization(ctx, created)).tags).toEqual(['salon']);

    const chosen = await applyRowChoices(ctx, batch.id, { '3': created, '5': 'skip' });
    expect(chosen.applied).toEqual([
      { line: 3, outcome: 'updated', entityId: created },
      { line: 5, outcome: 'skipped', entityId: null },
    ]);
    // Name kept (fill_empty), the tag added (lists: overwrite adds).
    expect(await organization(ctx, created)).toMatchObject({ name: 'Atelier Chantereine', tags: ['salon', 'réseau'] });
    expect(await batchOf(ctx, batch.id)).toMatchObject({ createdCount: 2, updatedCount: 1, skippedCount: 1, ambiguousCount: 0 });
  });
});

describe('update policies', () => {
  test('by default curated text is kept and only empty fields are filled; overwrite and never do what they say, before → after per row', async () => {
    const ctx = await context();
    const siret = siretOf(501);
    const record = await buildOrganization(ctx.db, {
      name: 'ICN Business School',
      siret,
      phone: '+33383173000',
      tags: ['partenaire'],
      description: 'École de management, campus Artem.',
      unitCodes: ['DDPSI'],
    });
    const file = ['Raison sociale;SIRET;Site web;Téléphone;Étiquettes;Description', `ECOLE ENSEIGNEMENT SUPERIEUR PRIVE ICN;${siret};https://icn.example.fr;03 83 17 30 01;enseignement supérieur;Établissement privé.`].join('\n');

    const byDefault = await importFile(ctx, 'registre-1.csv', file, { matchKey: 'siret' });
    expect(byDefault).toMatchObject({ updatedCount: 1 });
    const [first] = await rowsOf(ctx, byDefault.id);
    expect(first?.changes).toEqual({
      website: { before: null, after: 'https://icn.example.fr' },
      tags: { before: ['partenaire'], after: ['partenaire', 'enseignement supérieur'] },
    });
    expect(await organization(ctx, record.id)).toMatchObject({ name: 'ICN Business School', phone: '+33383173000', description: 'École de management, campus Artem.' });

    const chosen = await importFile(ctx, 'registre-2.csv', file.replace('enseignement supérieur', 'grande école'), {
      matchKey: 'siret',
      fieldPolicies: { name: 'overwrite', phone: 'overwrite', tags: 'never', description: 'never', website: 'never' },
    });
    const [second] = await rowsOf(ctx, chosen.id);
    expect(second?.changes).toEqual({
      name: { before: 'ICN Business School', after: expect.stringMatching(/^[ÉE]cole [Ee]nseignement [Ss]up[ée]rieur [Pp]riv[ée] I[Cc][Nn]$/) },
      phone: { before: '+33383173000', after: '+33383173001' },
    });
    expect((await organization(ctx, record.id)).tags).toEqual(['partenaire', 'enseignement supérieur']);

    // The revert gives back what each update replaced, newest first.
    await revertImport(ctx, chosen.id);
    expect(await organization(ctx, record.id)).toMatchObject({ name: 'ICN Business School', phone: '+33383173000' });
  });

  test('a new SIRET for a record found by name: added to its other SIRET by default, made the main one (the old kept) under overwrite', async () => {
    const ctx = await context();
    const [main, fresh, newer] = [siretOf(601), siretOf(602), siretOf(603)];
    const record = await buildOrganization(ctx.db, { name: 'Fédération nationale de la coiffure', siret: main, unitCodes: ['DDPSI'] });
    const first = await importFile(ctx, 'siret-1.csv', `Nom;SIRET\nFédération nationale de la coiffure;${fresh}\n`, { matchKey: 'name' });
    const [row] = await rowsOf(ctx, first.id);
    expect(row?.changes).toEqual({ otherSirets: { before: [], after: [fresh] } });
    expect(await organization(ctx, record.id)).toMatchObject({ siret: main, otherSirets: [fresh] });
    // Again: the SIRET is now known, nothing changes.
    expect(await importFile(ctx, 'siret-2.csv', `Nom;SIRET\nFEDERATION NATIONALE DE LA COIFFURE;${fresh}\n`, { matchKey: 'name' })).toMatchObject({ unchangedCount: 1, updatedCount: 0 });
    await importFile(ctx, 'siret-3.csv', `Nom;SIRET\nFédération nationale de la coiffure;${newer}\n`, { matchKey: 'name', fieldPolicies: { siret: 'overwrite' } });
    expect(await organization(ctx, record.id)).toMatchObject({ siret: newer, siren: newer.slice(0, 9), otherSirets: [fresh, main] });
  });
});

/** A register as the partnerships team receives them: capitals, several UAI, an address in one cell, overseas numbers. */
function registerFile(tag: string): string {
  return [
    'Raison sociale;SIRET;UAI;Adresse;Téléphone;Site web;Courriel;Étiquettes',
    `LYCEE PROFESSIONNEL HONORE BARADAT ${tag};${siretOf(701)};${uaiOf(7011)} ${uaiOf(7012)};12 rue des Écoles 64000 Pau;05 59 00 00 01;https://baradat.example.fr;contact@baradat.example.fr;lycée, ${tag}`,
    `UNIVERSITE DES ANTILLES ${tag};${siretOf(702)},${siretOf(703)};${uaiOf(7021)};Campus de Fouillole 97110 Pointe-à-Pitre;0590 48 30 30;;;université`,
    `Université de La Réunion ${tag};${siretOf(704)};;15 avenue René Cassin 97400 Saint-Denis;+33 262 93 80 80;https://univ-reunion.example.fr;;`,
    `CFA des métiers ${tag};${siretOf(705)};${uaiOf(7051)};;01 02 03;;pas-une-adresse;cfa`,
    `Conservatoire ${tag};${siretOf(706)};;8 bd de la Liberté 13001 Marseille;;;;`,
    `Campus connecté ${tag};${siretOf(707)};;;;;;tiers-lieu`,
  ].join('\n');
}

async function organizationsOfBatch(ctx: ServiceContext, batchId: string): Promise<Organization[]> {
  return ctx.db.select().from(organizations).where(eq(organizations.importBatchId, batchId)).orderBy(asc(organizations.siret));
}

describe('re-importing the same file', () => {
  test('organisations: every row unchanged, no record differs, no journal row — with the default policies and with overwrite everywhere', async () => {
    const ctx = await context();
    const file = registerFile('stable');
    const created = await importFile(ctx, 'registre.csv', file, { matchKey: 'siret' });
    expect(created).toMatchObject({ createdCount: 6, errorCount: 0 });
    // The bad optional phone and e-mail of the CFA are warnings; the row is imported.
    expect(created.warningCount).toBe(1);
    const records = await organizationsOfBatch(ctx, created.id);
    const ids = records.map((record) => record.id);
    expect(records.find((record) => record.siret === siretOf(702))?.otherSirets).toEqual([siretOf(703)]);
    const recordJournal = async () => (await ctx.db.select({ total: count() }).from(auditLog).where(like(auditLog.action, 'organization.%')))[0]?.total ?? 0;
    const journalBefore = await recordJournal();

    const everywhere = Object.fromEntries(policyFields('organizations').map((field) => [field, 'overwrite' as const]));
    for (const [name, fieldPolicies] of [['défaut', undefined], ['tout remplacer', everywhere]] as const) {
      const again = await importFile(ctx, `registre-${name}.csv`, file, { matchKey: 'siret', mode: 'create_and_update', fieldPolicies });
      expect(again).toMatchObject({ createdCount: 0, updatedCount: 0, unchangedCount: 6, ambiguousCount: 0, errorCount: 0 });
      const rows = await rowsOf(ctx, again.id);
      expect(rows.every((row) => row.outcome === 'unchanged' && row.changes === null && row.before === null)).toBe(true);
      expect(rows.map((row) => row.entityId).sort()).toEqual([...ids].sort());
      expect(await organizationsOfBatch(ctx, created.id)).toEqual(records);
    }
    // Not one journal row about a record: only the batches' own (uploaded, mapped, started, completed).
    expect(await recordJournal()).toBe(journalBefore);
    expect(await journalCount(ctx, 'organization.updated', ids)).toBe(0);
  });

  test('rows without the batch\'s key: found by their other identifiers, or proposed by name — never created twice, never updated by name alone', async () => {
    const ctx = await context();
    // A register matched by SIRET whose public bodies have none: one carries a UAI, one nothing but its name.
    const file = [
      'Raison sociale;SIRET;UAI;Commune',
      `Lycée fictif des Embruns;${siretOf(901)};;Brest`,
      `Lycée fictif des Salines;;${uaiOf(9_010_001)};Ajaccio`,
      'Syndicat mixte fictif du Haut-Val;;;Gap',
    ].join('\r\n');
    const created = await importFile(ctx, 'sans-siret.csv', file, { matchKey: 'siret' });
    expect(created).toMatchObject({ createdCount: 3, ambiguousCount: 0 });
    const records = await organizationsOfBatch(ctx, created.id);
    const syndicate = records.find((record) => record.name === 'Syndicat mixte fictif du Haut-Val');
    expect(syndicate).toBeDefined();
    // The same file again: the syndicate, found by its name alone, is identical to its only namesake (itself).
    const same = await importFile(ctx, 'sans-siret-bis.csv', file, { matchKey: 'siret' });
    expect(same).toMatchObject({ createdCount: 0, updatedCount: 0, unchangedCount: 3, ambiguousCount: 0 });
    expect((await rowsOf(ctx, same.id)).find((row) => row.rowNumber === 4)?.entityId).toBe(syndicate?.id);
    // A different town under that name is not the same body: proposed, never updated by the name alone.
    const moved = file.replace(';;;Gap', ';;;Embrun');
    const proposed = await importFile(ctx, 'sans-siret-autre-ville.csv', moved, { matchKey: 'siret' });
    expect(proposed).toMatchObject({ createdCount: 0, updatedCount: 0, unchangedCount: 2, ambiguousCount: 1 });
    expect((await organization(ctx, syndicate?.id as string)).city).toBe('Gap');
    // A record of another town with the name of the syndicate: a name alone designates nothing for sure.
    const namesake = await buildOrganization(harness.db, { name: 'Syndicat mixte fictif du Haut-Val', city: 'Briançon', kindCode: 'collectivite' });

    const again = await importFile(ctx, 'sans-siret-encore.csv', file, { matchKey: 'siret' });
    expect(again).toMatchObject({ createdCount: 0, updatedCount: 0, unchangedCount: 2, ambiguousCount: 1 });
    const rows = await rowsOf(ctx, again.id);
    const byLine = (line: number) => rows.find((row) => row.rowNumber === line);
    // The UAI found the lycée without SIRET; the syndicate is proposed with its namesake, not created again.
    expect(byLine(3)).toMatchObject({ outcome: 'unchanged', entityId: records.find((record) => record.name === 'Lycée fictif des Salines')?.id });
    expect(byLine(4)?.outcome).toBe('ambiguous');
    expect([...(byLine(4)?.candidateIds ?? [])].sort()).toEqual([syndicate?.id, namesake.id].sort());
    expect(await organization(ctx, namesake.id)).toMatchObject({ city: 'Briançon', importBatchId: null });

    // Chosen after the run: the row designates the imported syndicate, which it leaves as it is.
    const { applied } = await applyRowChoices(ctx, again.id, { '4': syndicate?.id as string });
    expect(applied).toEqual([{ line: 4, outcome: 'unchanged', entityId: syndicate?.id }]);
    expect(await batchOf(ctx, again.id)).toMatchObject({ ambiguousCount: 0, unchangedCount: 3, createdCount: 0 });
  });

  test('contacts with their employer: the second import changes nothing (same e-mails, phones, affiliation)', async () => {
    const ctx = await context();
    const file = [
      'Civilité;Prénom;Nom;Courriel;Téléphone;Fonction;Structure',
      'Mme;Maëlle;Le Goff;maelle.legoff@exemple-cfa.fr;0262 93 80 81;Directrice;CFA Océan Indien',
      'M.;Yannick;Bérard;y.berard@exemple-lycee.fr;06 11 22 33 44;Proviseur adjoint;Lycée Leconte de Lisle',
    ].join('\n');
    const first = await importFile(ctx, 'contacts.csv', file, { matchKey: 'email', entityType: 'contacts' });
    expect(first).toMatchObject({ createdCount: 2, errorCount: 0 });
    const people = await ctx.db.select().from(contacts).where(eq(contacts.importBatchId, first.id)).orderBy(asc(contacts.lastName));
    expect(people.map((person) => person.phones)).toEqual([['+33611223344'], ['+262262938081']]);
    const again = await importFile(ctx, 'contacts-bis.csv', file, { matchKey: 'email', entityType: 'contacts' });
    expect(again).toMatchObject({ createdCount: 0, updatedCount: 0, unchangedCount: 2 });
    expect(await ctx.db.select().from(contacts).where(eq(contacts.importBatchId, first.id)).orderBy(asc(contacts.lastName))).toEqual(people);
    expect(await journalCount(ctx, 'contact.updated', people.map((person) => person.id))).toBe(0);
  });

  test('a contact found by e-mail on two records is ambiguous', async () => {
    const ctx = await context();
    const one = await buildContact(ctx.db, { firstName: 'Inès', lastName: 'Moreau', emails: ['ines.moreau@exemple-univ.fr'], unitCodes: ['DDPSI'] });
    const two = await buildContact(ctx.db, { firstName: 'Inès', lastName: 'Moreau-Lefèvre', emails: ['ines.moreau@exemple-univ.fr', 'i.ml@exemple.fr'], unitCodes: ['DDPSI'] });
    const batch = await importFile(ctx, 'contact-ambigu.csv', 'Prénom;Nom;Courriel\nInès;Moreau;ines.moreau@exemple-univ.fr\n', { matchKey: 'email', entityType: 'contacts' });
    expect(batch).toMatchObject({ ambiguousCount: 1, createdCount: 0 });
    expect((await rowsOf(ctx, batch.id))[0]?.candidateIds).toEqual([one.id, two.id].sort());
  });
});

describe('a contact’s employer', () => {
  test('an employer SIRET held by two organisations is not guessed: the contact is imported without affiliation, with a warning', async () => {
    const ctx = await context();
    const siret = siretOf(901);
    await buildOrganization(ctx.db, { name: 'Chambre de métiers de la Sarthe', siret, unitCodes: ['DDPSI'] });
    await buildOrganization(ctx.db, { name: 'CMA Pays de la Loire', siret: siretOf(902), otherSirets: [siret], unitCodes: ['DDPSI'] });
    const batch = await importFile(ctx, 'employeur-ambigu.csv', `Prénom;Nom;Courriel;SIRET structure\nGaëlle;Fournier;g.fournier@exemple-cma.fr;${siret}\n`, { matchKey: 'email', entityType: 'contacts' });
    expect(batch).toMatchObject({ createdCount: 1, warningCount: 1 });
    const [row] = await rowsOf(ctx, batch.id);
    expect(row?.warnings).toEqual([{ field: 'organizationSiret', value: siret, message: expect.stringContaining('plusieurs structures correspondent') }]);
    const [contact] = await ctx.db.select().from(contacts).where(eq(contacts.id, row?.entityId ?? ''));
    expect(contact?.lastName).toBe('Fournier');
    expect(await ctx.db.select().from(affiliations).where(eq(affiliations.contactId, contact?.id ?? ''))).toEqual([]);
  });
});

describe('on PGlite (embedded mode)', () => {
  test('ambiguous rows, a choice after the run and a stable re-import behave the same', async () => {
    // PGlite migrates its database first (several seconds on a busy machine).
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-import-pglite-'));
    const handle = await openDatabase({ driver: 'pglite', dataDir });
    try {
      await handle.migrate();
      const db = handle.db;
      const user = await buildUser(db, { roles: ['charge'], unitCodes: ['DDPSI'] });
      const ctx = await context(db, user);
      const shared = siretOf(801);
      const a = await buildOrganization(db, { name: 'Lycée Victor Hugo', siret: shared, unitCodes: ['DDPSI'] });
      const b = await buildOrganization(db, { name: 'Lycée Victor-Hugo (annexe)', siret: siretOf(802), otherSirets: [shared], unitCodes: ['DDPSI'] });
      const ambiguous = await importFile(ctx, 'pglite.csv', `Nom;SIRET;Site web\nLycée Victor Hugo;${shared};https://hugo.example.fr\n`, { matchKey: 'siret' });
      expect(ambiguous).toMatchObject({ ambiguousCount: 1 });
      expect((await rowsOf(ctx, ambiguous.id))[0]?.candidateIds).toEqual([a.id, b.id].sort());
      expect((await applyRowChoices(ctx, ambiguous.id, { '2': a.id })).applied).toEqual([{ line: 2, outcome: 'updated', entityId: a.id }]);

      const file = registerFile('pglite');
      const created = await importFile(ctx, 'registre.csv', file, { matchKey: 'siret' });
      expect(created).toMatchObject({ createdCount: 6 });
      const again = await importFile(ctx, 'registre-bis.csv', file, { matchKey: 'siret' });
      expect(again).toMatchObject({ unchangedCount: 6, updatedCount: 0, createdCount: 0 });
    } finally {
      await handle.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
