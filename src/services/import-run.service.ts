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
  insertImportRows,
  lockImportBatch,
  refreshImportStatistics,
  updateImportBatch,
  type NewImportRow,
} from '../models/imports.model';
import { listKinds } from '../models/organizations.model';
import type { ImportBatch } from '../models/schema';
import { insertAuditEntries } from '../models/audit.model';
import { insertOrganizationsWithUnits } from '../models/organizations.model';
import { auditEntryOf, recordAudit } from './audit.service';
import { loadActiveActor } from './auth.service';
import type { ServiceContext } from './context';
import { unitsAfterChange } from './permissions';
import { RowRefusedError, planRow, type PreparedCreate, type RowContext } from './import-rows';

/** Rows per transaction: small enough to keep locks short, large enough to amortise commits. */
export const IMPORT_CHUNK_ROWS = 200;
/** Planner statistics are refreshed every this many chunks (see refreshImportStatistics). */
const STATISTICS_EVERY_CHUNKS = 20;

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
 * `bulk`: creations are written together (one INSERT per chunk) and rows without savepoints —
 * validation already ran, so the database refusing a row is rare. If it happens, the chunk's
 * transaction is rolled back and the chunk runs again in `safe` mode: one savepoint per row,
 * so the refused row alone is reported in error.
 */
type ChunkMode = 'bulk' | 'safe';

async function runChunk(db: Database, rows: RowContext, batchId: string, start: number, chunk: Array<TableRow & { index: number }>, mode: ChunkMode = 'bulk'): Promise<void> {
  try {
    await db.transaction(async (tx) => {
      const batch = await lockImportBatch(tx, batchId);
      if (!batch || batch.status !== 'running' || batch.processedRows !== start) throw new TakenOverError();
      const outcomes: NewImportRow[] = [];
      const delta = { processed: chunk.length, created: 0, updated: 0, skipped: 0, errors: 0 };
      let pending: Array<{ line: number; prepared: PreparedCreate }> = [];
      const pendingKeys = new Set<string>();
      const writePending = async () => {
        await insertOrganizationsWithUnits(tx, pending.map(({ prepared }) => ({ values: prepared.organization, unitIds: prepared.unitIds })));
        await insertAuditEntries(tx, pending.map(({ prepared }) => auditEntryOf(rows.ctx, prepared.audit)));
        for (const { line, prepared } of pending) outcomes.push({ batchId, rowNumber: line, outcome: 'created', entityId: prepared.organization.id });
        delta.created += pending.length;
        pending = [];
        pendingKeys.clear();
      };
      for (const row of chunk) {
        const values = valuesByField(row.cells, batch.mapping);
        let plan = await planRow(rows, values, tx);
        if (mode === 'bulk' && plan.action === 'create' && plan.prepared) {
          // A record this chunk is about to create matches the row: write them first, then plan it again.
          if (plan.prepared.keys.some((key) => pendingKeys.has(key))) {
            await writePending();
            plan = await planRow(rows, values, tx);
          }
          if (plan.action === 'create' && plan.prepared) {
            pending.push({ line: row.line, prepared: plan.prepared });
            for (const key of plan.prepared.keys) pendingKeys.add(key);
            continue;
          }
        }
        if (plan.action === 'error') {
          outcomes.push({ batchId, rowNumber: row.line, outcome: 'error', errors: plan.errors, cells: row.cells });
          delta.errors += 1;
          continue;
        }
        if (plan.action === 'skip') {
          outcomes.push({ batchId, rowNumber: row.line, outcome: 'skipped', entityId: plan.targetId ?? null, errors: { _row: plan.reason } });
          delta.skipped += 1;
          continue;
        }
        try {
          // In safe mode a savepoint per row: a row the database refuses is undone alone.
          const apply = plan.apply;
          const applied = mode === 'safe' ? await tx.transaction((savepoint) => apply(savepoint)) : await apply(tx);
          outcomes.push({
            batchId,
            rowNumber: row.line,
            outcome: plan.action === 'create' ? 'created' : 'updated',
            entityId: applied.entityId,
            before: applied.before ?? null,
            createdOrganizationId: applied.createdOrganizationId ?? null,
          });
          if (plan.action === 'create') delta.created += 1;
          else delta.updated += 1;
        } catch (error) {
          if (error instanceof RowRefusedError) {
            outcomes.push({ batchId, rowNumber: row.line, outcome: 'error', errors: error.errors, cells: row.cells });
          } else if (mode === 'safe' && isDataError(error)) {
            outcomes.push({ batchId, rowNumber: row.line, outcome: 'error', errors: { _row: t('imports.rowErrors.refusedByDatabase') }, cells: row.cells });
          } else {
            throw error;
          }
          delta.errors += 1;
        }
      }
      await writePending();
      await insertImportRows(tx, outcomes);
      await advanceImportBatch(tx, batchId, delta);
    });
  } catch (error) {
    if (mode === 'bulk' && isDataError(error)) return runChunk(db, rows, batchId, start, chunk, 'safe');
    throw error;
  }
}

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
  await refreshImportStatistics(db);
  rows.batch = batch;

  let committedChunks = 0;
  let chunk: Array<TableRow & { index: number }> = [];
  let start = batch.processedRows;
  const flush = async () => {
    if (chunk.length === 0) return;
    await runChunk(db, rows, batchId, start, chunk);
    start += chunk.length;
    chunk = [];
    committedChunks += 1;
    if (committedChunks % STATISTICS_EVERY_CHUNKS === 0) await refreshImportStatistics(db);
    if (options.stopAfterChunks !== undefined && committedChunks >= options.stopAfterChunks) {
      throw new Error('interruption simulée (test)');
    }
  };
  try {
    for await (const row of storedRows(db, batch)) {
      if (row.index < batch.processedRows) continue;
      chunk.push(row);
      if (chunk.length >= chunkRows) await flush();
    }
    await flush();
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
