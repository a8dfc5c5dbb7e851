// Runs an import batch: streams the stored file back from PostgreSQL and handles its rows in
// chunks, each chunk one transaction that also records the rows' outcomes and moves the
// batch's resume point. A crash, a retry or a second worker therefore never leaves a half
// row nor does a row twice: the next run starts after the last committed chunk.
import type { Database } from '../models/database';
import { t } from '../lib/i18n';
import { logger } from '../lib/logger';
import { valuesByField } from './imports/fields';
import { readTable, type TableFormat, type TableRow } from '../lib/imports/table-reader';
import {
  advanceImportBatch,
  findImportBatch,
  importFileStream,
  insertImportAuditRows,
  insertImportRows,
  insertImportedOrganizations,
  lockContactsForImport,
  lockImportBatch,
  lockOrganizationsForImport,
  mergeImportMatchIndexes,
  refreshImportStatistics,
  updateImportBatch,
  type NewImportRow,
} from '../models/imports.model';
import { insertOrganizationsWithUnits, listKinds } from '../models/organizations.model';
import type { Contact, ImportBatch, ImportEntityType, Organization } from '../models/schema';
import { batchAuditRows, recordAudit } from './audit.service';
import { loadActiveActor } from './auth.service';
import type { ServiceContext } from './context';
import { can, unitsAfterChange } from './permissions';
import {
  RowRefusedError,
  applyContactCreate,
  applyContactUpdate,
  applyOrganizationUpdate,
  planOrganizationUpdate,
  decideRow,
  fileKeysOf,
  prepareOrganizationCreate,
  completeRead,
  readCells,
  namesakeToCompare,
  nameKey,
  resolveLookups,
  rowAlreadyInRecord,
  rowLookupOf,
  type RowLookup,
  sameKeyLines,
  type AppliedRow,
  type CellReading,
  type FileKeyIndex,
  type PreparedCreate,
  type ReadRow,
  type RowContext,
  type RowDecision,
} from './import-rows';
import type { RowValues } from './imports/row-conversion';
import { type CaseRowRead, applyCaseRow, caseLookupOf, decideCaseRow, readCaseCells, resolveCaseCandidates, sirensOf } from './import-sourcing-cases';

/** Rows per transaction: small enough to keep locks short, large enough to amortise commits. */
export const IMPORT_CHUNK_ROWS = 200;
/**
 * Planner statistics are refreshed after chunk 1, 2, 4, 8, 16… (see refreshImportStatistics): the
 * statistics never describe a table less than half its size, for a handful of ANALYZE per run
 * (each samples up to 30,000 rows: every 20 chunks cost a quarter of a 100,000-row run).
 */
function refreshesStatisticsAfter(committedChunks: number): boolean {
  return committedChunks > 0 && (committedChunks & (committedChunks - 1)) === 0;
}

export interface RunOptions {
  /** Tests: fail on purpose after this many committed chunks, as a crash would. */
  stopAfterChunks?: number;
  chunkRows?: number;
}

export type RunOutcome = 'completed' | 'not-runnable' | 'taken-over';

/** Another runner moved the batch on (a retried job, the sweeper): this one steps aside. */
class TakenOverError extends Error {}

export function tableFormatOf(batch: ImportBatch): TableFormat {
  if (batch.format === 'xlsx') return { kind: 'xlsx' };
  return { kind: 'csv', encoding: (batch.encoding ?? 'utf-8') as 'utf-8', delimiter: (batch.delimiter ?? ';') as ';' };
}

/** Data rows of the stored file (header left out), numbered from 0. */
export async function* storedRows(db: Database, batch: ImportBatch): AsyncGenerator<TableRow & { index: number }> {
  let index = -1;
  for await (const row of readTable(importFileStream(db, batch.id), tableFormatOf(batch))) {
    if (index >= 0) yield { ...row, index };
    index += 1;
  }
}

/** PostgreSQL refused the values themselves (class 22 data exception, 23 integrity): the row's fault. */
function isDataError(error: unknown): error is { code: string; message: string } {
  const code = (error as { code?: unknown; cause?: { code?: unknown } })?.code ?? (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

export async function rowContextFor(db: Database, batch: ImportBatch, now: Date): Promise<RowContext | null> {
  const actor = batch.createdById ? await loadActiveActor(db, batch.createdById) : null;
  if (!actor || !batch.options) return null;
  const ctx: RowContext['ctx'] = { db, actor, now, baseUrl: '' };
  const kinds = (await listKinds(db)).map((kind) => ({ code: kind.code, label: kind.label }));
  return { ctx, batch, options: batch.options, kinds, mappedFields: new Set(Object.values(batch.mapping)) };
}

/**
 * The lines of the stored file that share a match key, read before the run (cells → keys only,
 * no validation): only keys found on two lines or more are kept, so memory stays bounded by the
 * file's distinct keys while reading and by its duplicates afterwards.
 */
export async function buildFileKeyIndex(db: Database, batch: ImportBatch): Promise<FileKeyIndex> {
  const lines = new Map<string, number[]>();
  if (!batch.options || batch.options.matchKey === 'none') return { lines };
  const first = new Map<string, number>();
  // Only the columns the key is read from (the pre-pass reads every line of the file).
  const keyFields = new Set(['siret', 'uai', 'email', 'name', 'firstName', 'lastName', 'fullName']);
  const keyMapping = Object.fromEntries(Object.entries(batch.mapping).filter(([, field]) => keyFields.has(field)));
  for await (const row of storedRows(db, batch)) {
    for (const key of fileKeysOf(batch.entityType, batch.options.matchKey, valuesByField(row.cells, keyMapping))) {
      const seen = first.get(key);
      if (seen === undefined) {
        first.set(key, row.line);
        continue;
      }
      const holders = lines.get(key) ?? [seen];
      holders.push(row.line);
      lines.set(key, holders);
    }
  }
  return { lines };
}

/** Records a chunk may update, with their units (who may edit them); `locked`: those locked. */
interface LockedRecords {
  records: Map<string, Organization | Contact>;
  unitIds: Map<string, string[]>;
  locked: Set<string>;
}

/**
 * Reads the records rows may update, locked (`lock`) or not: the run reads a chunk's
 * organisations unlocked and locks (and reads again) only those a row changes — a re-import
 * that changes nothing then writes nothing, not even row locks.
 */
async function lockRecords(tx: Database, entityType: ImportEntityType, ids: string[], into?: LockedRecords, lock = true): Promise<LockedRecords> {
  const locked = into ?? { records: new Map(), unitIds: new Map(), locked: new Set() };
  const found = entityType === 'organizations' ? await lockOrganizationsForImport(tx, ids, lock) : await lockContactsForImport(tx, ids);
  for (const record of found.records) {
    locked.records.set(record.id, record);
    if (lock || entityType === 'contacts') locked.locked.add(record.id);
  }
  for (const id of ids) locked.unitIds.set(id, found.unitIds.get(id) ?? []);
  return locked;
}

/**
 * `bulk`: creations are written together (one INSERT per chunk), journal rows too (one INSERT),
 * rows without savepoints — validation already ran, so the database refusing a row is rare. If
 * it happens, the chunk's transaction is rolled back and the chunk runs again in `safe` mode: one
 * savepoint per row, so the refused row alone is reported in error.
 */
type ChunkMode = 'bulk' | 'safe';

type ChunkRow = TableRow & { index: number };

/** A row of a chunk read ahead of its transaction: its fields and the pure part of its reading. */
interface PreparedRow {
  row: ChunkRow;
  values: RowValues;
  reading: CellReading;
}

/** Rows read between two yields to the event loop while the previous chunk's statements run. */
const ROWS_PER_YIELD = 25;

/**
 * Reads a chunk's rows with the forms' rules (pure, no query). The run starts it for the next
 * chunk just before committing the current one: reading is CPU work in this process, writing is
 * work in PostgreSQL's, so on a machine with two cores or more they overlap (yielding every few
 * rows lets the current chunk's statements go on as soon as their results arrive).
 */
async function prepareChunk(rows: RowContext, mapping: ImportBatch['mapping'], chunk: ChunkRow[]): Promise<PreparedRow[]> {
  const prepared: PreparedRow[] = [];
  for (const [position, row] of chunk.entries()) {
    const values = valuesByField(row.cells, mapping);
    prepared.push({ row, values, reading: readCells(rows, values) });
    if (position % ROWS_PER_YIELD === ROWS_PER_YIELD - 1) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return prepared;
}

interface ChunkItem {
  row: TableRow & { index: number };
  values: RowValues;
  read: ReadRow;
  lookup: RowLookup;
  candidates: string[];
  sameKey: { later: boolean; lines: number[] };
}

async function runChunk(
  db: Database,
  rows: RowContext,
  fileKeys: FileKeyIndex,
  batchId: string,
  start: number,
  chunk: PreparedRow[],
  mode: ChunkMode = 'bulk',
): Promise<void> {
  if (rows.options.matchKey !== 'none') await mergeImportMatchIndexes(db, rows.batch.entityType, rows.options.matchKey);
  try {
    await db.transaction(async (tx) => {
      const batch = await lockImportBatch(tx, batchId);
      if (!batch || batch.status !== 'running' || batch.processedRows !== start) throw new TakenOverError();
      const work = () => chunkRows(tx, rows, fileKeys, batch, chunk, mode);
      // Bulk: every journal row of the chunk in one INSERT at its end (same transaction).
      // « Pistes » rows run one savepoint each (a few hundred rows a file): journal rows written with them.
      if (mode === 'bulk' && batch.entityType !== 'sourcing_cases') await batchAuditRows(tx, work, (entries) => insertImportAuditRows(tx, entries));
      else await work();
    });
  } catch (error) {
    if (mode === 'bulk' && isDataError(error)) return runChunk(db, rows, fileKeys, batchId, start, chunk, 'safe');
    throw error;
  }
}

async function chunkRows(tx: Database, rows: RowContext, fileKeys: FileKeyIndex, batch: ImportBatch, chunk: PreparedRow[], mode: ChunkMode): Promise<void> {
  if (batch.entityType === 'sourcing_cases') return caseChunkRows(tx, rows, batch, chunk);
  const { options } = rows;
  const entityType = batch.entityType;
  const batchId = batch.id;
  const outcomes: NewImportRow[] = [];
  const delta = { processed: chunk.length, created: 0, updated: 0, skipped: 0, errors: 0, unchanged: 0, ambiguous: 0, warnings: 0 };

  // 1. Every row's reading completed (no query but the cached owner and employer look-ups).
  const items: ChunkItem[] = [];
  for (const { row, values, reading } of chunk) {
    const read = await completeRead(rows, reading, tx);
    const sameKey = sameKeyLines(fileKeys, fileKeysOf(entityType, options.matchKey, values), row.line);
    items.push({ row, values, read, lookup: rowLookupOf(options, entityType, read), candidates: [], sameKey });
  }
  // 2. The records the chunk's keys designate: one statement for the whole chunk (one more per
  //    other key that rows without the batch's key are looked up by).
  const candidates = await resolveLookups(tx, entityType, items.map((item) => item.lookup));
  // 3. The records the chunk may update, locked together.
  const targets = new Set<string>();
  items.forEach((item, index) => {
    item.candidates = candidates[index] ?? [];
  });
  for (const item of items) {
    if (!item.read.ok) continue;
    const choice = batch.rowChoices[String(item.row.line)];
    if (item.candidates.length === 1 && !item.sameKey.later && !item.lookup.byNameOnly && item.candidates[0]) targets.add(item.candidates[0]);
    else if (choice && item.candidates.includes(choice)) targets.add(choice);
  }
  const locked = await lockRecords(tx, entityType, [...targets], undefined, false);

  const counted = (outcome: 'created' | 'updated' | 'unchanged', warnings: unknown[]) => {
    delta[outcome] += 1;
    if (warnings.length > 0) delta.warnings += 1;
  };
  // New organisations of the chunk, written in one INSERT (bulk mode).
  let pending: Array<{ base: NewImportRow; prepared: PreparedCreate; warnings: unknown[] }> = [];
  const writePending = async () => {
    if (pending.length === 0) return;
    await insertImportedOrganizations(tx, pending.map(({ prepared }) => ({ values: prepared.organization, unitIds: prepared.unitIds })));
    for (const { base, prepared, warnings } of pending) {
      outcomes.push({ ...base, outcome: 'created', entityId: prepared.organization.id });
      counted('created', warnings);
    }
    pending = [];
  };

  // 4. The rows in file order.
  for (const item of items) {
    const { row, read, values } = item;
    const base: NewImportRow = {
      batchId,
      rowNumber: row.line,
      outcome: 'error',
      warnings: read.warnings.length > 0 ? read.warnings : null,
      sameKeyRows: item.sameKey.lines.length > 0 ? item.sameKey.lines : null,
    };
    if (!read.ok) {
      outcomes.push({ ...base, outcome: 'error', errors: read.errors, cells: row.cells });
      delta.errors += 1;
      continue;
    }
    let candidates = item.candidates;
    if (item.sameKey.later) {
      // The first line with this key may have created or changed a record in this very chunk.
      await writePending();
      candidates = (await resolveLookups(tx, entityType, [item.lookup]))[0] ?? [];
    }
    const decision = decideRow(options, candidates, item.sameKey.later, batch.rowChoices[String(row.line)], item.lookup.byNameOnly);
    if (decision.action === 'skip') {
      outcomes.push({ ...base, outcome: 'skipped', entityId: decision.targetId ?? null, errors: { _row: decision.reason } });
      delta.skipped += 1;
      continue;
    }
    const namesakeId = namesakeToCompare(item.lookup, decision, item.sameKey.later);
    if (namesakeId && read.ok) {
      if (!locked.records.has(namesakeId)) await lockRecords(tx, entityType, [namesakeId], locked, false);
      const namesake = locked.records.get(namesakeId);
      if (namesake && !namesake.mergedIntoId && rowAlreadyInRecord(rows, read, values, namesake)) {
        outcomes.push({ ...base, outcome: 'unchanged', entityId: namesakeId });
        counted('unchanged', read.warnings);
        continue;
      }
    }
    if (decision.action === 'ambiguous') {
      // Cells kept: a choice made after the run reads the row again.
      outcomes.push({ ...base, outcome: 'ambiguous', candidateIds: decision.candidateIds, cells: row.cells });
      delta.ambiguous += 1;
      continue;
    }
    if (decision.action === 'create' && read.entity === 'organizations' && mode === 'bulk') {
      const prepared = prepareOrganizationCreate(rows, read);
      await recordAudit(tx, rows.ctx, prepared.audit);
      pending.push({ base, prepared, warnings: read.warnings });
      continue;
    }
    try {
      if (decision.action === 'update' && !locked.records.has(decision.targetId)) await lockRecords(tx, entityType, [decision.targetId], locked, false);
      const apply = (handle: Database) => applyDecision(rows, handle, read, values, decision, locked);
      // In safe mode a savepoint per row: a row the database refuses is undone alone.
      const result = mode === 'safe' ? await tx.transaction((savepoint) => apply(savepoint)) : await apply(tx);
      // The record as this row left it: a later row of the chunk updating it again compares with that.
      if (result.record) locked.records.set(result.record.id, result.record);
      const { applied } = result;
      outcomes.push({
        ...base,
        outcome: applied.outcome,
        entityId: applied.entityId,
        before: applied.before ?? null,
        changes: applied.changes ?? null,
        createdOrganizationId: applied.createdOrganizationId ?? null,
      });
      counted(applied.outcome, read.warnings);
    } catch (error) {
      if (error instanceof RowRefusedError) {
        outcomes.push({ ...base, outcome: 'error', errors: error.errors, cells: row.cells });
      } else if (mode === 'safe' && isDataError(error)) {
        outcomes.push({ ...base, outcome: 'error', errors: { _row: t('imports.rowErrors.refusedByDatabase') }, cells: row.cells });
      } else {
        throw error;
      }
      delta.errors += 1;
    }
  }
  await writePending();
  await insertImportRows(tx, outcomes);
  await advanceImportBatch(tx, batchId, delta);
}

/** Start-ups created by this run, by SIREN and by name: a later line naming one again finds it. */
const createdThisRun = new WeakMap<RowContext, Map<string, string>>();

/**
 * A chunk of the « pistes » target (src/services/import-sourcing-cases.ts): rows read, their
 * start-ups found (one statement by SIREN, one by name), then each row in its savepoint: the
 * organisation created when new, the case added, or « déjà dans le défi ».
 */
async function caseChunkRows(tx: Database, rows: RowContext, batch: ImportBatch, chunk: PreparedRow[]): Promise<void> {
  const outcomes: NewImportRow[] = [];
  const delta = { processed: chunk.length, created: 0, updated: 0, skipped: 0, errors: 0, unchanged: 0, ambiguous: 0, warnings: 0 };
  const reads: CaseRowRead[] = [];
  for (const { values, reading } of chunk) {
    const read = await completeRead(rows, reading, tx);
    if (!read.ok || read.entity !== 'organizations') {
      reads.push(read as CaseRowRead);
      continue;
    }
    const caseCells = readCaseCells(values, rows.options);
    reads.push({ ...read, warnings: [...read.warnings, ...caseCells.warnings], caseCells });
  }
  const candidates = await resolveCaseCandidates(tx, reads.map(caseLookupOf));
  const created = createdThisRun.get(rows) ?? new Map<string, string>();
  createdThisRun.set(rows, created);
  for (const [index, { row }] of chunk.entries()) {
    const read = reads[index];
    if (!read) continue;
    const base: NewImportRow = { batchId: batch.id, rowNumber: row.line, outcome: 'error', warnings: read.warnings.length > 0 ? read.warnings : null };
    if (!read.ok) {
      outcomes.push({ ...base, errors: read.errors, cells: row.cells });
      delta.errors += 1;
      continue;
    }
    const keys = [...sirensOf(read).map((siren) => `siren:${siren}`), `name:${nameKey(read.input.name)}`];
    let decision = decideCaseRow(candidates[index] ?? [], batch.rowChoices[String(row.line)]);
    if (decision.action === 'create') {
      const again = keys.map((key) => created.get(key)).find(Boolean);
      if (again) decision = { action: 'use', organizationId: again };
    }
    if (decision.action === 'skip') {
      outcomes.push({ ...base, outcome: 'skipped', errors: { _row: decision.reason } });
      delta.skipped += 1;
      continue;
    }
    if (decision.action === 'ambiguous') {
      outcomes.push({ ...base, outcome: 'ambiguous', candidateIds: decision.candidateIds, cells: row.cells });
      delta.ambiguous += 1;
      continue;
    }
    const decided = decision;
    try {
      const applied = await tx.transaction((savepoint) => applyCaseRow(rows, savepoint, read, decided));
      if (applied.createdOrganizationId) for (const key of keys) created.set(key, applied.createdOrganizationId);
      if (applied.outcome === 'skipped') {
        outcomes.push({ ...base, outcome: 'skipped', entityId: applied.entityId, errors: { _row: applied.reason ?? '' } });
        delta.skipped += 1;
        continue;
      }
      outcomes.push({ ...base, outcome: 'created', entityId: applied.entityId, createdOrganizationId: applied.createdOrganizationId });
      delta.created += 1;
      if (read.warnings.length > 0) delta.warnings += 1;
    } catch (error) {
      if (error instanceof RowRefusedError) outcomes.push({ ...base, outcome: 'error', errors: error.errors, cells: row.cells });
      else if (isDataError(error)) outcomes.push({ ...base, outcome: 'error', errors: { _row: t('imports.rowErrors.refusedByDatabase') }, cells: row.cells });
      else throw error;
      delta.errors += 1;
    }
  }
  await insertImportRows(tx, outcomes);
  await advanceImportBatch(tx, batch.id, delta);
}

/** Creates or updates the record of a decided row (the run, and choices made after it). */
export async function applyDecision(
  rows: RowContext,
  tx: Database,
  read: Extract<ReadRow, { ok: true }>,
  values: RowValues,
  decision: Extract<RowDecision, { action: 'create' | 'update' }>,
  locked: LockedRecords,
): Promise<{ applied: AppliedRow; record?: Organization | Contact }> {
  if (decision.action === 'create') {
    if (read.entity === 'contacts') return { applied: await applyContactCreate(rows, tx, read) };
    const prepared = prepareOrganizationCreate(rows, read);
    await insertOrganizationsWithUnits(tx, [{ values: prepared.organization, unitIds: prepared.unitIds }]);
    await recordAudit(tx, rows.ctx, prepared.audit);
    return { applied: { outcome: 'created', entityId: prepared.organization.id } };
  }
  let record = locked.records.get(decision.targetId);
  const unitIds = locked.unitIds.get(decision.targetId) ?? [];
  if (!record) throw new RowRefusedError({ _row: t(read.entity === 'organizations' ? 'organizations.notFound' : 'contacts.notFound') });
  if (read.entity === 'organizations' && !locked.locked.has(record.id)) {
    if (!can(rows.ctx.actor, 'directory.edit', { ownerId: record.ownerId, unitIds })) throw new RowRefusedError({ _row: t('imports.rowErrors.notAllowed') });
    if (Object.keys(planOrganizationUpdate(rows, read, values, record as Organization).set).length === 0) {
      return { applied: { outcome: 'unchanged', entityId: record.id } };
    }
    // Something to write: lock the record and read it again (it may have changed since).
    await lockRecords(tx, 'organizations', [record.id], locked, true);
    record = locked.records.get(decision.targetId);
    if (!record) throw new RowRefusedError({ _row: t('organizations.notFound') });
  }
  return read.entity === 'organizations'
    ? applyOrganizationUpdate(rows, tx, read, values, record as Organization, unitIds)
    : applyContactUpdate(rows, tx, read, values, record as Contact, unitIds);
}

export { lockRecords, type LockedRecords };

/**
 * Runs (or resumes) a batch to its end. Safe to call twice at once or again after a crash:
 * rows before `processed_rows` are skipped, and a chunk whose start another runner already
 * committed makes this one step aside.
 */
export async function runImportBatch(db: Database, batchId: string, options: RunOptions = {}): Promise<RunOutcome> {
  const chunkRows = options.chunkRows ?? IMPORT_CHUNK_ROWS;
  const initial = await findImportBatch(db, batchId);
  if (!initial || !['queued', 'running'].includes(initial.status)) return 'not-runnable';
  const rows = await rowContextFor(db, initial, new Date());
  if (!rows) {
    await markImportFailed(db, batchId, t('imports.failures.importerInactive'));
    return 'not-runnable';
  }
  // Records go only to the importer's own units (admins: any); checked again here, where they are written.
  if (unitsAfterChange(rows.ctx.actor, rows.options.unitIds).refused.length > 0) {
    await markImportFailed(db, batchId, t(`imports.errors.unitNotYours.${initial.entityType}`));
    return 'not-runnable';
  }
  const batch = await updateImportBatch(db, batchId, { status: 'running', startedAt: initial.startedAt ?? new Date(), failureMessage: null });
  await refreshImportStatistics(db, batch.entityType, rows.options.matchKey);
  rows.batch = batch;
  // Lines sharing a key, known before the first row is applied (see decideRow).
  const fileKeys = await buildFileKeyIndex(db, batch);

  let committedChunks = 0;
  let chunk: ChunkRow[] = [];
  let start = batch.processedRows;
  // The chunk read from the file and being read with the forms' rules, waiting for its transaction.
  let ready: { size: number; prepared: Promise<PreparedRow[]> } | null = null;
  /**
   * Runs the ready chunk while the next one (`next`) is read with the forms' rules (CPU only, no
   * query). The next rows are pulled from the file only after the chunk's transaction ends; a
   * piece of the stored file the stream fetches ahead meanwhile is a query outside the transaction,
   * which on PGlite (one connection) waits for it — the transaction never waits for that query, so
   * nothing can lock up. Two chunks in memory at most.
   */
  const advance = async (next: ChunkRow[] | null) => {
    const following = next && next.length > 0 ? { size: next.length, prepared: prepareChunk(rows, batch.mapping, next) } : null;
    // Awaited below (or dropped with the run): no unhandled rejection in between.
    following?.prepared.catch(() => undefined);
    const current = ready;
    ready = following;
    if (!current) return;
    await runChunk(db, rows, fileKeys, batchId, start, await current.prepared);
    start += current.size;
    committedChunks += 1;
    if (refreshesStatisticsAfter(committedChunks)) await refreshImportStatistics(db, batch.entityType, rows.options.matchKey);
    if (options.stopAfterChunks !== undefined && committedChunks >= options.stopAfterChunks) {
      throw new Error('interruption simulée (test)');
    }
  };
  try {
    for await (const row of storedRows(db, batch)) {
      if (row.index < batch.processedRows) continue;
      chunk.push(row);
      if (chunk.length >= chunkRows) {
        await advance(chunk);
        chunk = [];
      }
    }
    await advance(chunk);
    await advance(null);
  } catch (error) {
    if (error instanceof TakenOverError) return 'taken-over';
    throw error;
  }

  await db.transaction(async (tx) => {
    const done = await lockImportBatch(tx, batchId);
    if (!done || done.status !== 'running') return;
    const finished = await updateImportBatch(tx, batchId, { status: 'completed', finishedAt: new Date() });
    await recordAudit(tx, { ...rows.ctx, now: new Date() }, {
      action: 'import.completed',
      entityType: 'import_batch',
      entityId: batchId,
      metadata: {
        fileName: finished.fileName,
        created: finished.createdCount,
        updated: finished.updatedCount,
        skipped: finished.skippedCount,
        errors: finished.errorCount,
        unchanged: finished.unchangedCount,
        ambiguous: finished.ambiguousCount,
        warnings: finished.warningCount,
      },
    });
  });
  logger.info({ batchId }, 'import completed');
  return 'completed';
}

/** After the last attempt: the batch shows as failed, with the reason, and can be resumed. */
export async function markImportFailed(db: Database, batchId: string, message: string): Promise<void> {
  await db.transaction(async (tx) => {
    const batch = await lockImportBatch(tx, batchId);
    if (!batch || !['queued', 'running'].includes(batch.status)) return;
    await updateImportBatch(tx, batchId, { status: 'failed', failureMessage: message.slice(0, 500), finishedAt: new Date() });
    const ctx: ServiceContext = { db: tx, actor: null, now: new Date(), baseUrl: '' };
    await recordAudit(tx, ctx, { action: 'import.failed', entityType: 'import_batch', entityId: batchId, metadata: { message: message.slice(0, 500), processedRows: batch.processedRows } });
  });
}
