// SQL of imports: batches, the stored file, per-row outcomes, presets, and how a row finds the
// record it matches.
import { Readable } from 'node:stream';
import { and, asc, count, desc, eq, getTableColumns, getTableName, gte, inArray, isNotNull, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Database } from './database';
import { rowsOf } from './database';
import {
  type ImportBatch,
  type ImportEntityType,
  type ImportPreset,
  type ImportRow,
  type ImportRowOutcome,
  type ImportStatus,
  type Contact,
  type NewOrganization,
  type Organization,
  auditLog,
  contactUnits,
  contacts,
  organizationUnits,
  importBatches,
  importFileChunks,
  importPresets,
  importRows,
  organizations,
  users,
} from './schema';
import { textArray } from './sql-arrays';

export type NewImportBatch = typeof importBatches.$inferInsert;
export type NewImportRow = typeof importRows.$inferInsert;

// ── Batches ──────────────────────────────────────────────────────────────────────────────────

export async function insertImportBatch(db: Database, values: NewImportBatch): Promise<ImportBatch> {
  const [row] = await db.insert(importBatches).values(values).returning();
  if (!row) throw new Error('insert into import_batches returned nothing');
  return row;
}

export async function findImportBatch(db: Database, id: string): Promise<ImportBatch | undefined> {
  const [row] = await db.select().from(importBatches).where(eq(importBatches.id, id)).limit(1);
  return row;
}

/** The batch, locked until the transaction ends: one runner, one revert at a time. */
export async function lockImportBatch(db: Database, id: string): Promise<ImportBatch | undefined> {
  const [row] = await db.select().from(importBatches).where(eq(importBatches.id, id)).for('update').limit(1);
  return row;
}

export async function updateImportBatch(db: Database, id: string, values: Partial<NewImportBatch>): Promise<ImportBatch> {
  const [row] = await db
    .update(importBatches)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(importBatches.id, id))
    .returning();
  if (!row) throw new Error(`import batch ${id} vanished`);
  return row;
}

/** Rows per outcome a chunk (or a set of choices, which moves rows out of `ambiguous`) adds; may be negative. */
export interface ImportCountersDelta {
  processed: number;
  created: number;
  updated: number;
  skipped: number;
  errors: number;
  unchanged?: number;
  ambiguous?: number;
  /** Rows created, updated or found unchanged that carry at least one warning. */
  warnings?: number;
}

/** Adds a chunk's outcomes to the counters and moves the resume point, in the chunk's transaction. */
export async function advanceImportBatch(
  db: Database,
  id: string,
  delta: ImportCountersDelta,
): Promise<void> {
  await db
    .update(importBatches)
    .set({
      processedRows: sql`${importBatches.processedRows} + ${delta.processed}`,
      createdCount: sql`${importBatches.createdCount} + ${delta.created}`,
      updatedCount: sql`${importBatches.updatedCount} + ${delta.updated}`,
      skippedCount: sql`${importBatches.skippedCount} + ${delta.skipped}`,
      errorCount: sql`${importBatches.errorCount} + ${delta.errors}`,
      unchangedCount: sql`${importBatches.unchangedCount} + ${delta.unchanged ?? 0}`,
      ambiguousCount: sql`${importBatches.ambiguousCount} + ${delta.ambiguous ?? 0}`,
      warningCount: sql`${importBatches.warningCount} + ${delta.warnings ?? 0}`,
      updatedAt: sql`now()`,
    })
    .where(eq(importBatches.id, id));
}

export interface ImportBatchFilters {
  entityType?: ImportEntityType;
  status?: ImportStatus;
  createdById?: string;
  limit: number;
  offset: number;
}

export type ImportBatchListRow = ImportBatch & { createdByName: string | null };

export async function listImportBatches(db: Database, filters: ImportBatchFilters): Promise<{ rows: ImportBatchListRow[]; total: number }> {
  const conditions: SQL[] = [];
  if (filters.entityType) conditions.push(eq(importBatches.entityType, filters.entityType));
  if (filters.status) conditions.push(eq(importBatches.status, filters.status));
  if (filters.createdById) conditions.push(eq(importBatches.createdById, filters.createdById));
  const where = conditions.length > 0 ? and(...conditions) : undefined;
  const [rows, totals] = await Promise.all([
    db
      .select({ batch: importBatches, createdByName: users.displayName })
      .from(importBatches)
      .leftJoin(users, eq(users.id, importBatches.createdById))
      .where(where)
      .orderBy(desc(importBatches.createdAt), desc(importBatches.id))
      .limit(filters.limit)
      .offset(filters.offset),
    db.select({ total: count() }).from(importBatches).where(where),
  ]);
  return { rows: rows.map((row) => ({ ...row.batch, createdByName: row.createdByName })), total: totals[0]?.total ?? 0 };
}

/** Batches a worker should be running but that have not moved for a while (lost job). */
export async function listStalledImportBatches(db: Database, before: Date, limit: number): Promise<ImportBatch[]> {
  return db
    .select()
    .from(importBatches)
    .where(and(inArray(importBatches.status, ['queued', 'running']), lt(importBatches.updatedAt, before)))
    .limit(limit);
}

// ── The stored file ──────────────────────────────────────────────────────────────────────────

export async function insertImportFileChunk(db: Database, batchId: string, position: number, data: Buffer): Promise<void> {
  await db.insert(importFileChunks).values({ batchId, position, data });
}

/** The stored file as a stream, read back one chunk (≤ 1 MiB) at a time. */
export function importFileStream(db: Database, batchId: string): Readable {
  let position = 0;
  return new Readable({
    async read() {
      try {
        const [chunk] = await db
          .select({ data: importFileChunks.data })
          .from(importFileChunks)
          .where(and(eq(importFileChunks.batchId, batchId), eq(importFileChunks.position, position)))
          .limit(1);
        position += 1;
        this.push(chunk ? Buffer.from(chunk.data) : null);
      } catch (error) {
        this.destroy(error as Error);
      }
    },
  });
}

// ── Row outcomes ─────────────────────────────────────────────────────────────────────────────

export async function insertImportRows(db: Database, rows: NewImportRow[]): Promise<void> {
  await insertAsJson(db, importRows, rows);
}

/**
 * Many rows in one statement with one parameter: the rows as JSON (keys: the table's column
 * names), expanded by jsonb_populate_recordset. Drizzle's multi-row VALUES binds one parameter per
 * cell (200 organisations × 35 columns = 7,000) and building that query cost more than PostgreSQL
 * inserting the rows (measured for issue 11). A column a row leaves out is null there, not its
 * default: callers give every row the same columns (or only nullable ones vary).
 */
async function insertAsJson<T extends PgTable>(db: Database, table: T, rows: Array<Record<string, unknown>>): Promise<void> {
  if (rows.length === 0) return;
  const columns = getTableColumns(table) as Record<string, { name: string }>;
  const keys = [...new Set(rows.flatMap((row) => Object.keys(row).filter((key) => row[key] !== undefined && columns[key])))];
  const names = keys.map((key) => columns[key]?.name ?? key);
  const records = rows.map((row) => Object.fromEntries(keys.map((key, index) => [names[index], row[key] ?? null])));
  const list = sql.join(names.map((name) => sql.identifier(name)), sql`, `);
  const tableName = sql.identifier(getTableName(table));
  await db.execute(sql`insert into ${tableName} (${list}) select ${list} from jsonb_populate_recordset(null::${tableName}, ${JSON.stringify(records)}::jsonb)`);
}

/** New organisations of an import chunk and their units, in two statements. */
export async function insertImportedOrganizations(db: Database, rows: Array<{ values: NewOrganization & { id: string }; unitIds: string[] }>): Promise<void> {
  await insertAsJson(db, organizations, rows.map((row) => row.values));
  await insertAsJson(db, organizationUnits, rows.flatMap((row) => row.unitIds.map((unitId) => ({ organizationId: row.values.id, unitId }))));
}

/** Journal rows of an import chunk, in one statement (the writer given to batchAuditRows). */
export async function insertImportAuditRows(db: Database, entries: Array<typeof auditLog.$inferInsert>): Promise<void> {
  await insertAsJson(db, auditLog, entries);
}

export async function listImportRows(
  db: Database,
  batchId: string,
  options: { outcome?: ImportRowOutcome; afterRow?: number; limit: number; offset?: number },
): Promise<ImportRow[]> {
  const conditions: SQL[] = [eq(importRows.batchId, batchId)];
  if (options.outcome) conditions.push(eq(importRows.outcome, options.outcome));
  if (options.afterRow !== undefined) conditions.push(gte(importRows.rowNumber, options.afterRow + 1));
  return db
    .select()
    .from(importRows)
    .where(and(...conditions))
    .orderBy(asc(importRows.rowNumber))
    .limit(options.limit)
    .offset(options.offset ?? 0);
}

/** The report's rows: one outcome, or the rows imported with warnings, a page at a time. */
export async function listImportReportRows(
  db: Database,
  batchId: string,
  options: { outcome?: ImportRowOutcome; withWarnings?: boolean; limit: number; offset: number },
): Promise<ImportRow[]> {
  const conditions: SQL[] = [eq(importRows.batchId, batchId)];
  if (options.outcome) conditions.push(eq(importRows.outcome, options.outcome));
  if (options.withWarnings) conditions.push(isNotNull(importRows.warnings));
  return db
    .select()
    .from(importRows)
    .where(and(...conditions))
    .orderBy(asc(importRows.rowNumber))
    .limit(options.limit)
    .offset(options.offset);
}

export interface ImportCandidate {
  id: string;
  name: string;
  identifiers: string[];
  city: string | null;
}

/** The records an ambiguous row may designate, with what tells them apart (name, identifiers, town). */
export async function listImportCandidates(db: Database, entityType: ImportEntityType, ids: string[]): Promise<ImportCandidate[]> {
  if (ids.length === 0) return [];
  if (entityType === 'organizations') {
    const rows = await db
      .select({ id: organizations.id, name: organizations.name, siret: organizations.siret, otherSirets: organizations.otherSirets, uai: organizations.uai, city: organizations.city })
      .from(organizations)
      .where(inArray(organizations.id, ids));
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      identifiers: [...(row.siret ? [`SIRET ${row.siret}`] : []), ...(row.otherSirets ?? []).map((siret) => `SIRET ${siret}`), ...(row.uai ?? []).map((uai) => `UAI ${uai}`)],
      city: row.city,
    }));
  }
  const rows = await db
    .select({ id: contacts.id, firstName: contacts.firstName, lastName: contacts.lastName, emails: contacts.emails })
    .from(contacts)
    .where(inArray(contacts.id, ids));
  return rows.map((row) => ({ id: row.id, name: `${row.firstName ?? ''} ${row.lastName}`.trim(), identifiers: row.emails ?? [], city: null }));
}

// ── Presets ──────────────────────────────────────────────────────────────────────────────────

export async function listImportPresets(db: Database, entityType: ImportEntityType): Promise<ImportPreset[]> {
  return db.select().from(importPresets).where(eq(importPresets.entityType, entityType)).orderBy(asc(importPresets.name));
}

export async function findImportPreset(db: Database, id: string): Promise<ImportPreset | undefined> {
  const [row] = await db.select().from(importPresets).where(eq(importPresets.id, id)).limit(1);
  return row;
}

/** Saving under an existing name replaces that preset's mapping, headers and settings. */
export async function upsertImportPreset(
  db: Database,
  values: {
    entityType: ImportEntityType;
    name: string;
    fields: Record<string, string>;
    headers: string[];
    settings: ImportPreset['settings'];
    createdById: string | null;
  },
): Promise<ImportPreset> {
  const [row] = await db
    .insert(importPresets)
    .values(values)
    .onConflictDoUpdate({ target: [importPresets.entityType, importPresets.name], set: { fields: values.fields, headers: values.headers, settings: values.settings } })
    .returning();
  if (!row) throw new Error('upsert into import_presets returned nothing');
  return row;
}

// ── Matching existing records ────────────────────────────────────────────────────────────────


/**
 * Same name, accents and case aside. The LIKE on the generated search_name (name + acronym)
 * lets the trigram index find the few candidates; the equality then keeps the exact ones.
 */
function sameOrganizationName(name: string): SQL {
  const escaped = name.replace(/[\\%_]/g, (character) => `\\${character}`);
  return sql`(${organizations.searchName} like lower(immutable_unaccent(${escaped})) || ' %'
          and lower(immutable_unaccent(${organizations.name})) = lower(immutable_unaccent(${name})))`;
}

const liveOrganization = and(isNull(organizations.mergedIntoId), isNull(organizations.archivedAt));

/** The live organisation a row designates by SIRET, UAI, e-mail or exact name (accents and case aside). */
export async function findOrganizationMatch(
  db: Database,
  key: { siret?: string | null; uai?: string[]; email?: string | null; name?: string | null },
): Promise<{ id: string } | undefined> {
  let condition: SQL | undefined;
  if (key.siret) condition = eq(organizations.siret, key.siret);
  else if (key.uai && key.uai.length > 0) condition = sql`${organizations.uai} && ${textArray(key.uai)}`;
  else if (key.email) condition = eq(organizations.email, key.email);
  else if (key.name) condition = sameOrganizationName(key.name);
  if (!condition) return undefined;
  const [row] = await db
    .select({ id: organizations.id })
    .from(organizations)
    .where(and(condition, liveOrganization))
    .orderBy(asc(organizations.createdAt))
    .limit(1);
  return row;
}

/** An employer named by SIRET, UAI or name, whichever the row gives (in that order). */
export async function findEmployer(db: Database, reference: { siret?: string; uai?: string; name?: string }): Promise<{ id: string } | undefined> {
  if (reference.siret) {
    const bySiret = await findOrganizationMatch(db, { siret: reference.siret });
    if (bySiret) return bySiret;
  }
  if (reference.uai) {
    const byUai = await findOrganizationMatch(db, { uai: [reference.uai] });
    if (byUai) return byUai;
  }
  if (!reference.name) return undefined;
  // By name: the organisation's name, or its name and acronym as the generated column holds them.
  const [row] = await db
    .select({ id: organizations.id })
    .from(organizations)
    .where(
      and(
        sql`(${sameOrganizationName(reference.name)} or ${organizations.acronym} = ${reference.name})`,
        liveOrganization,
      ),
    )
    .orderBy(asc(organizations.createdAt))
    .limit(1);
  return row;
}

/** The live contact a row designates by one of its e-mails or by first and last name. */
export async function findContactMatch(db: Database, key: { emails?: string[]; firstName?: string; lastName?: string }): Promise<{ id: string } | undefined> {
  let condition: SQL | undefined;
  if (key.emails && key.emails.length > 0) condition = sql`${contacts.emails} && ${textArray(key.emails)}`;
  else if (key.lastName) condition = sql`${contacts.searchName} = lower(immutable_unaccent(${key.firstName ?? ''} || ' ' || ${key.lastName}))`;
  if (!condition) return undefined;
  const [row] = await db
    .select({ id: contacts.id })
    .from(contacts)
    .where(and(condition, isNull(contacts.mergedIntoId), isNull(contacts.archivedAt), isNull(contacts.erasedAt)))
    .orderBy(asc(contacts.createdAt))
    .limit(1);
  return row;
}

/** A record holding one of the keys looked for; `key` is the file's value it holds. */
export interface ImportKeyHolder {
  key: string;
  id: string;
  mergedIntoId: string | null;
  /** Not archived (nor erased, for a contact): a merged record is followed to its kept one instead. */
  live: boolean;
}

/** `siren`: the « pistes » target finds a start-up by any of its SIRET's first nine digits. */
export type ImportKeyKind = 'siret' | 'siren' | 'uai' | 'email' | 'name';

/**
 * The GIN indexes a chunk's match reads, with their pending lists merged. GIN indexes take new
 * entries into a pending list that every search scans whole until (auto)vacuum merges it; the
 * import inserts thousands of rows between two autovacuums, and the per-key look-ups below then
 * cost a scan of that list each (measured: 1.5 ms per key instead of microseconds). Merging the
 * few hundred rows of the last chunk is cheap. Outside the chunk's transaction; a database that
 * refuses (not the index's owner) just keeps the slower look-ups.
 */
export async function mergeImportMatchIndexes(db: Database, entityType: ImportEntityType, kind: ImportKeyKind): Promise<void> {
  const indexes: Record<string, Partial<Record<ImportKeyKind, string>>> = {
    organizations: { siret: 'organizations_other_sirets_idx', uai: 'organizations_uai_idx', name: 'organizations_search_name_trgm_idx' },
    contacts: { email: 'contacts_emails_idx', name: 'contacts_search_name_trgm_idx' },
  };
  const index = indexes[entityType]?.[kind];
  if (!index) return;
  try {
    await db.execute(sql`select gin_clean_pending_list(${index}::regclass)`);
  } catch {
    // Not the owner of the index (a managed database's restricted role): matching stays correct.
  }
}

/**
 * Every organisation holding one of `values` (merged and archived ones too: the caller follows
 * merged_into), in one statement for a whole chunk of rows. SIRET: the main SIRET (btree) or one
 * of the other SIRET; UAI: any of its UAI — both one GIN look-up per key (`@> array[key]`): a
 * single `&& keys` is estimated to match half the table, so the planner scans it whole; e-mail:
 * case aside (values given in lower case); name: accents and case aside, the trigram index on
 * search_name finding the few candidates.
 */
export async function findOrganizationKeyHolders(db: Database, kind: ImportKeyKind, values: string[]): Promise<ImportKeyHolder[]> {
  if (values.length === 0) return [];
  const list = textArray(values);
  const columns = sql`o.id, o.merged_into_id as "mergedIntoId", (o.archived_at is null) as live`;
  let query: SQL;
  switch (kind) {
    case 'siret':
      query = sql`select o.siret as key, ${columns} from organizations o where o.siret = any(${list})
        union all
        select k.v as key, ${columns} from unnest(${list}) as k(v) join organizations o on o.other_sirets @> array[k.v]`;
      break;
    case 'siren':
      // The « pistes » target (a few hundred rows): the SIREN, the main SIRET's or another SIRET's first nine digits.
      query = sql`select k.v as key, ${columns} from unnest(${list}) as k(v) join organizations o
          on o.siren = k.v or left(o.siret, 9) = k.v or exists (select 1 from unnest(o.other_sirets) s(v) where left(s.v, 9) = k.v)`;
      break;
    case 'uai':
      query = sql`select k.v as key, ${columns} from unnest(${list}) as k(v) join organizations o on o.uai @> array[k.v]`;
      break;
    case 'email':
      query = sql`select lower(o.email) as key, ${columns} from organizations o where lower(o.email) = any(${list})`;
      break;
    case 'name':
      // organizations_name_key_idx: one btree probe per name.
      query = sql`select k.v as key, ${columns} from unnest(${list}) as k(v)
          join organizations o on lower(immutable_unaccent(o.name)) = lower(immutable_unaccent(k.v))`;
      break;
  }
  return rowsOf<ImportKeyHolder>(await db.execute(query));
}

/** Contacts holding one of the e-mails, or one of the names (« Prénom Nom », accents and case aside). */
export async function findContactKeyHolders(db: Database, kind: 'email' | 'name', values: string[]): Promise<ImportKeyHolder[]> {
  if (values.length === 0) return [];
  const list = textArray(values);
  const columns = sql`c.id, c.merged_into_id as "mergedIntoId", (c.archived_at is null and c.erased_at is null) as live`;
  const query =
    kind === 'email'
      ? sql`select k.v as key, ${columns} from unnest(${list}) as k(v) join contacts c on c.emails @> array[k.v]`
      : sql`select k.v as key, ${columns} from unnest(${list}) as k(v) join contacts c on c.search_name = lower(immutable_unaccent(k.v))`;
  return rowsOf<ImportKeyHolder>(await db.execute(query));
}

/** Where merged records went: their merged_into and whether that one is live (one hop). */
export async function findImportRedirects(db: Database, entityType: ImportEntityType, ids: string[]): Promise<Array<Omit<ImportKeyHolder, 'key'>>> {
  if (ids.length === 0) return [];
  const query =
    entityType === 'organizations'
      ? sql`select id, merged_into_id as "mergedIntoId", (archived_at is null) as live from organizations where id = any(${textArray(ids)}::uuid[])`
      : sql`select id, merged_into_id as "mergedIntoId", (archived_at is null and erased_at is null) as live from contacts where id = any(${textArray(ids)}::uuid[])`;
  return rowsOf<Omit<ImportKeyHolder, 'key'>>(await db.execute(query));
}

/**
 * The organisations an import chunk may update, with their units; locked until the transaction
 * ends unless `lock` is false (the run reads first and locks only those it changes).
 */
export async function lockOrganizationsForImport(db: Database, ids: string[], lock = true): Promise<{ records: Organization[]; unitIds: Map<string, string[]> }> {
  if (ids.length === 0) return { records: [], unitIds: new Map() };
  // The generated search columns (a tsvector, the longest value of the row) are neither compared nor journaled.
  const { searchDocument: _document, searchName: _name, ...columns } = getTableColumns(organizations);
  const query = db.select(columns).from(organizations).where(inArray(organizations.id, ids)).orderBy(asc(organizations.id));
  const records = (lock ? await query.for('update') : await query) as Organization[];
  const links = await db.select().from(organizationUnits).where(inArray(organizationUnits.organizationId, ids));
  const unitIds = new Map<string, string[]>();
  for (const link of links) unitIds.set(link.organizationId, [...(unitIds.get(link.organizationId) ?? []), link.unitId]);
  return { records, unitIds };
}

/** The contacts an import chunk updates, locked, with their units. */
export async function lockContactsForImport(db: Database, ids: string[]): Promise<{ records: Contact[]; unitIds: Map<string, string[]> }> {
  if (ids.length === 0) return { records: [], unitIds: new Map() };
  const { searchDocument: _document, searchName: _name, ...columns } = getTableColumns(contacts);
  const records = (await db.select(columns).from(contacts).where(inArray(contacts.id, ids)).orderBy(asc(contacts.id)).for('update')) as Contact[];
  const links = await db.select().from(contactUnits).where(inArray(contactUnits.contactId, ids));
  const unitIds = new Map<string, string[]>();
  for (const link of links) unitIds.set(link.contactId, [...(unitIds.get(link.contactId) ?? []), link.unitId]);
  return { records, unitIds };
}

/** One ambiguous row, locked: choices made after the run re-plan it. */
export async function lockImportRow(db: Database, batchId: string, rowNumber: number): Promise<ImportRow | undefined> {
  const [row] = await db
    .select()
    .from(importRows)
    .where(and(eq(importRows.batchId, batchId), eq(importRows.rowNumber, rowNumber)))
    .for('update')
    .limit(1);
  return row;
}

export async function updateImportRow(db: Database, batchId: string, rowNumber: number, values: Partial<NewImportRow>): Promise<void> {
  await db
    .update(importRows)
    .set(values)
    .where(and(eq(importRows.batchId, batchId), eq(importRows.rowNumber, rowNumber)));
}

export async function findActiveUserIdByEmail(db: Database, email: string): Promise<string | undefined> {
  const result = await db.execute(sql`select id from users where lower(email) = lower(${email}) and active limit 1`);
  return rowsOf<{ id: string }>(result)[0]?.id;
}

// ── Revert ───────────────────────────────────────────────────────────────────────────────────

/** Rows the batch updated, newest first: undone in that order, the oldest `before` wins. */
export async function listUpdatedImportRowsDescending(db: Database, batchId: string, beforeRow: number, limit: number): Promise<ImportRow[]> {
  return db
    .select()
    .from(importRows)
    .where(and(eq(importRows.batchId, batchId), eq(importRows.outcome, 'updated'), lt(importRows.rowNumber, beforeRow)))
    .orderBy(desc(importRows.rowNumber))
    .limit(limit);
}

interface RevertActor {
  actorId: string | null;
  actorLabel: string;
  at: Date;
  metadata: Record<string, unknown>;
}

/**
 * Deletes what a batch created — affiliations it added, contacts, then organisations — and
 * writes one journal row per deleted record first, so the journal still tells what existed.
 */
export async function deleteImportedRecords(db: Database, batchId: string, actor: RevertActor): Promise<{ organizations: number; contacts: number; affiliations: number }> {
  const metadata = JSON.stringify(actor.metadata);
  const journal = (table: 'organizations' | 'contacts', entityType: string, label: SQL) => sql`
    insert into audit_log (actor_id, actor_label, action, entity_type, entity_id, changes, metadata, at)
    select ${actor.actorId}::uuid, ${actor.actorLabel}, ${`${entityType}.deleted`}, ${entityType}, id::text, '{}'::jsonb,
           ${metadata}::jsonb || jsonb_build_object('label', ${label}), ${actor.at}
      from ${sql.identifier(table)} where import_batch_id = ${batchId}`;
  await db.execute(journal('contacts', 'contact', sql`first_name || ' ' || last_name`));
  await db.execute(journal('organizations', 'organization', sql`name`));
  const affiliationsDeleted = rowsOf<{ n: number }>(
    await db.execute(sql`with gone as (delete from affiliations where import_batch_id = ${batchId} returning 1) select count(*)::int as n from gone`),
  )[0]?.n ?? 0;
  const contactsDeleted = rowsOf<{ n: number }>(
    await db.execute(sql`with gone as (delete from contacts where import_batch_id = ${batchId} returning 1) select count(*)::int as n from gone`),
  )[0]?.n ?? 0;
  const organizationsDeleted = rowsOf<{ n: number }>(
    await db.execute(sql`with gone as (delete from organizations where import_batch_id = ${batchId} returning 1) select count(*)::int as n from gone`),
  )[0]?.n ?? 0;
  return { organizations: organizationsDeleted, contacts: contactsDeleted, affiliations: affiliationsDeleted };
}

/**
 * Fresh planner statistics for the tables an import fills. A table that grows by thousands of
 * rows in minutes keeps the statistics of when it was small until autovacuum catches up, and
 * the planner then picks a wrong index for the match (measured: a 11,000-row table scanned whole
 * for each SIRET lookup, 25 ms instead of 0.05 ms).
 */
export async function refreshImportStatistics(db: Database, entityType: ImportEntityType, matchKey: ImportKeyKind | 'none'): Promise<void> {
  // Only the columns the import's queries filter on: the full-text and trigram columns' statistics
  // are the costly part of an ANALYZE (measured: 0.7 s → 0.3 s on 20,000 organisations).
  const organizationColumns: Record<string, string> = { siret: 'siret, other_sirets', uai: 'uai', email: 'email', name: 'search_name, name', none: 'siret' };
  await db.execute(sql.raw(`analyze organizations (id, merged_into_id, archived_at, ${organizationColumns[matchKey] ?? 'siret'})`));
  // A contact import also creates employers (found by SIRET, UAI or name): both tables grow.
  if (entityType === 'contacts') await db.execute(sql.raw(`analyze contacts (id, merged_into_id, archived_at, emails, search_name)`));
}

/** Organisations the batch created that have since become a convention's party (a revert must not delete them). */
export async function countImportedConventionParties(db: Database, batchId: string): Promise<number> {
  const result = await db.execute(sql`
    select count(distinct o.id)::int as n from organizations o join convention_parties p on p.organization_id = o.id
     where o.import_batch_id = ${batchId}`);
  return rowsOf<{ n: number }>(result)[0]?.n ?? 0;
}

/**
 * « Pistes » target: the challenges start-ups can be imported into (open or in sourcing, not draft
 * nor closed), with what permissions need (owner, units); the service keeps those the importer may edit.
 */
export async function listChallengesForImport(db: Database): Promise<Array<{ id: string; title: string; ownerId: string | null; unitIds: string[] }>> {
  const result = await db.execute(sql`
    select c.id, c.title, c.owner_id as "ownerId",
           coalesce((select array_agg(u.unit_id::text order by u.position) from sourcing_challenge_units u where u.challenge_id = c.id), '{}') as "unitIds"
      from sourcing_challenges c
     where c.status in ('ouvert', 'en_sourcing')
     order by c.title`);
  return rowsOf<{ id: string; title: string; ownerId: string | null; unitIds: string[] }>(result);
}

/**
 * Undoes a « pistes » batch: the cases it created (journal row `sourcing_case.deleted` first; their
 * stage history, gates and pilots go with them), then the organisations it created that no case
 * references any more (another challenge may have taken one up since: it is kept), journaled as
 * the organisations' revert does.
 */
export async function deleteImportedSourcingCases(db: Database, batchId: string, actor: RevertActor): Promise<{ cases: number; organizations: number }> {
  const metadata = JSON.stringify(actor.metadata);
  const created = sql`select r.entity_id from import_rows r where r.batch_id = ${batchId} and r.outcome = 'created' and r.entity_id is not null`;
  await db.execute(sql`
    insert into audit_log (actor_id, actor_label, action, entity_type, entity_id, changes, metadata, at)
    select ${actor.actorId}::uuid, ${actor.actorLabel}, 'sourcing_case.deleted', 'sourcing_case', c.id::text, '{}'::jsonb,
           ${metadata}::jsonb || jsonb_build_object('label', o.name, 'organizationId', c.organization_id, 'challengeId', c.challenge_id), ${actor.at}
      from sourcing_cases c join organizations o on o.id = c.organization_id where c.id in (${created})`);
  const cases = rowsOf<{ n: number }>(await db.execute(sql`with gone as (delete from sourcing_cases where id in (${created}) returning 1) select count(*)::int as n from gone`))[0]?.n ?? 0;
  const orphans = sql`select o.id from organizations o where o.import_batch_id = ${batchId} and not exists (select 1 from sourcing_cases c where c.organization_id = o.id)`;
  await db.execute(sql`
    insert into audit_log (actor_id, actor_label, action, entity_type, entity_id, changes, metadata, at)
    select ${actor.actorId}::uuid, ${actor.actorLabel}, 'organization.deleted', 'organization', o.id::text, '{}'::jsonb,
           ${metadata}::jsonb || jsonb_build_object('label', o.name), ${actor.at}
      from organizations o where o.id in (${orphans})`);
  const organizations = rowsOf<{ n: number }>(await db.execute(sql`with gone as (delete from organizations where id in (${orphans}) returning 1) select count(*)::int as n from gone`))[0]?.n ?? 0;
  return { cases, organizations };
}
