// What the person decides for ambiguous rows — rows whose key designates several records, or
// repeats a key of an earlier line of the file: before the run (saved on the batch, honoured by
// the run) or after it (applied at once to the rows left « ambiguë »). Same permissions as the
// batch itself: its creator, or an admin (getImportBatch refuses anyone else with « not found »).
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors';
import { t } from '../lib/i18n';
import { findImportRedirects, lockImportBatch, lockImportRow, updateImportBatch, updateImportRow, advanceImportBatch, type NewImportRow } from '../models/imports.model';
import { listKinds } from '../models/organizations.model';
import type { ImportBatch, ImportRowOutcome } from '../models/schema';
import { recordAudit } from './audit.service';
import { type ServiceContext, inTransaction } from './context';
import { applyDecision, buildFileKeyIndex, lockRecords, rowContextFor, storedRows } from './import-run.service';
import {
  RowRefusedError,
  decideRow,
  fileKeysOf,
  readRow,
  resolveLookups,
  rowLookupOf,
  sameKeyLines,
  type RowContext,
  type RowDecision,
} from './import-rows';
import { getImportBatch, ownsImportBatch } from './imports.service';
import { applyCaseRow, caseLookupOf, decideCaseRow, readCaseRow, resolveCaseCandidates } from './import-sourcing-cases';
import { valuesByField } from './imports/fields';

/** A choice for one row: update that record (its id), `skip` the row, or `create` a new record. */
const choiceSchema = z.union([z.literal('skip'), z.literal('create'), z.uuid()]);

/** Choices as a form sends them (line → choice); an empty choice withdraws an earlier one. */
function parseChoices(batch: ImportBatch, choices: Record<string, string>, allowEmpty: boolean): Map<number, string | null> {
  const parsed = new Map<number, string | null>();
  const errors: Record<string, string> = {};
  for (const [lineText, raw] of Object.entries(choices ?? {})) {
    const line = Number(lineText);
    const value = String(raw ?? '').trim();
    // Line 1 is the header; data lines go from 2 to totalRows + 1 (blank lines included).
    if (!Number.isInteger(line) || line < 2 || line > batch.totalRows + 1000) {
      errors[`choice_${lineText}`] = t('imports.choiceErrors.unknownLine', { line: lineText });
      continue;
    }
    if (!value) {
      if (allowEmpty) parsed.set(line, null);
      continue;
    }
    if (!choiceSchema.safeParse(value).success) {
      errors[`choice_${line}`] = t('imports.choiceErrors.invalid', { line });
      continue;
    }
    parsed.set(line, value);
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors, t('validation.formHasErrors'));
  return parsed;
}

function assertOwned(ctx: ServiceContext, batch: ImportBatch | undefined): ImportBatch {
  if (!batch || !ownsImportBatch(ctx.actor, batch)) throw new NotFoundError(t('imports.notFound'));
  return batch;
}

/**
 * Saves choices before the run (batch « prêt à lancer »): the run applies a row's choice only if
 * the row turns out ambiguous and, for a record id, only if that record is one of the row's
 * candidates then; otherwise the row stays ambiguous. A record id must name a live record of the
 * batch's kind. Returns the batch and how many choices were saved or withdrawn.
 */
export async function chooseBeforeRun(ctx: ServiceContext, batchId: string, choices: Record<string, string>): Promise<{ batch: ImportBatch; saved: number; withdrawn: number }> {
  const batch = await getImportBatch(ctx, batchId);
  if (batch.status !== 'mapped') throw new ConflictError(t('imports.errors.alreadyStarted'));
  const parsed = parseChoices(batch, choices, true);
  const ids = [...new Set([...parsed.values()].filter((value): value is string => !!value && value !== 'skip' && value !== 'create'))];
  const found = await findImportRedirects(ctx.db, batch.entityType, ids);
  const live = new Set(found.filter((record) => record.live && !record.mergedIntoId).map((record) => record.id));
  const errors: Record<string, string> = {};
  for (const [line, value] of parsed) if (value && ids.includes(value) && !live.has(value)) errors[`choice_${line}`] = t('imports.choiceErrors.unknownRecord', { line });
  if (Object.keys(errors).length > 0) throw new ValidationError(errors, t('validation.formHasErrors'));
  return inTransaction(ctx, async (tx) => {
    const current = assertOwned(ctx, await lockImportBatch(tx, batchId));
    if (current.status !== 'mapped') throw new ConflictError(t('imports.errors.alreadyStarted'));
    const rowChoices = { ...current.rowChoices };
    let saved = 0;
    let withdrawn = 0;
    for (const [line, value] of parsed) {
      if (value) {
        rowChoices[String(line)] = value;
        saved += 1;
      } else if (rowChoices[String(line)] !== undefined) {
        delete rowChoices[String(line)];
        withdrawn += 1;
      }
    }
    const updated = await updateImportBatch(tx, batchId, { rowChoices });
    await recordAudit(tx, ctx, {
      action: 'import.choices_saved',
      entityType: 'import_batch',
      entityId: batchId,
      metadata: { choices: Object.fromEntries(parsed), total: Object.keys(rowChoices).length },
    });
    return { batch: updated, saved, withdrawn };
  });
}

export interface AppliedChoice {
  line: number;
  outcome: ImportRowOutcome;
  entityId: string | null;
}

/**
 * Applies choices to the ambiguous rows of a completed batch, in one transaction: each row's
 * stored cells are read again, then it updates the chosen record (field policies, before → after
 * kept for the report and the revert), creates a record, or is skipped. Lines that are not
 * ambiguous (any more), and record ids that are not among the row's candidates, are left as they
 * are and listed in `ignored`. Counters move with the rows; one journal row for the whole set.
 */
export async function applyRowChoices(
  ctx: ServiceContext,
  batchId: string,
  choices: Record<string, string>,
): Promise<{ batch: ImportBatch; applied: AppliedChoice[]; ignored: number[] }> {
  const batch = await getImportBatch(ctx, batchId);
  if (batch.status !== 'completed') throw new ConflictError(t('imports.choiceErrors.notCompleted'));
  if (!batch.options || !ctx.actor) throw new ConflictError(t('imports.errors.mapFirst'));
  const parsed = parseChoices(batch, choices, false);
  const actor = ctx.actor;
  return inTransaction(ctx, async (tx) => {
    const current = assertOwned(ctx, await lockImportBatch(tx, batchId));
    if (current.status !== 'completed' || !current.options) throw new ConflictError(t('imports.choiceErrors.notCompleted'));
    const kinds = (await listKinds(tx)).map((kind) => ({ code: kind.code, label: kind.label }));
    // The person choosing applies the rows: their rights, their name in the journal.
    const rows: RowContext = {
      ctx: { ...ctx, db: tx, actor },
      batch: current,
      options: current.options,
      kinds,
      mappedFields: new Set(Object.values(current.mapping)),
    };
    const applied: AppliedChoice[] = [];
    const ignored: number[] = [];
    const delta = { processed: 0, created: 0, updated: 0, skipped: 0, errors: 0, unchanged: 0, ambiguous: 0, warnings: 0 };
    for (const [line, choice] of [...parsed].sort(([a], [b]) => a - b)) {
      if (!choice) continue;
      const row = await lockImportRow(tx, batchId, line);
      const candidates = row?.candidateIds ?? [];
      if (!row || row.outcome !== 'ambiguous' || (choice !== 'skip' && choice !== 'create' && !candidates.includes(choice))) {
        ignored.push(line);
        continue;
      }
      let outcome: ImportRowOutcome;
      let values: Partial<NewImportRow>;
      if (choice === 'skip') {
        outcome = 'skipped';
        values = { outcome, errors: { _row: t('imports.skipReasons.chosen') } };
      } else if (current.entityType === 'sourcing_cases') {
        // « Pistes »: the chosen start-up (or a new one) gets its case, or the row is « déjà dans le défi ».
        const cells = valuesByField(row.cells ?? [], current.mapping);
        try {
          const read = await readCaseRow(rows, cells, tx);
          if (!read.ok) throw new RowRefusedError(read.errors);
          const decision = choice === 'create' ? ({ action: 'create' } as const) : ({ action: 'use', organizationId: choice } as const);
          const result = await tx.transaction((savepoint) => applyCaseRow(rows, savepoint, read, decision));
          outcome = result.outcome;
          values = { outcome, entityId: result.entityId, createdOrganizationId: result.createdOrganizationId, errors: result.reason ? { _row: result.reason } : null };
          if (outcome === 'created' && read.warnings.length > 0) delta.warnings += 1;
        } catch (error) {
          if (!(error instanceof RowRefusedError)) throw error;
          outcome = 'error';
          values = { outcome, errors: error.errors };
        }
      } else {
        const cells = valuesByField(row.cells ?? [], current.mapping);
        const read = await readRow(rows, cells, tx);
        const decision: Extract<RowDecision, { action: 'create' | 'update' }> = choice === 'create' ? { action: 'create' } : { action: 'update', targetId: choice };
        try {
          if (!read.ok) throw new RowRefusedError(read.errors);
          const locked = await lockRecords(tx, current.entityType, decision.action === 'update' ? [decision.targetId] : []);
          // A candidate merged or archived since the run is not updated: the row stays to be decided.
          const target = decision.action === 'update' ? locked.records.get(decision.targetId) : undefined;
          if (decision.action === 'update' && (!target || target.mergedIntoId || target.archivedAt)) {
            ignored.push(line);
            continue;
          }
          const result = await applyDecision(rows, tx, read, cells, decision, locked);
          outcome = result.applied.outcome;
          values = {
            outcome,
            entityId: result.applied.entityId,
            before: result.applied.before ?? null,
            changes: result.applied.changes ?? null,
            createdOrganizationId: result.applied.createdOrganizationId ?? null,
            errors: null,
          };
          if (read.warnings.length > 0) delta.warnings += 1;
        } catch (error) {
          if (!(error instanceof RowRefusedError)) throw error;
          outcome = 'error';
          values = { outcome, errors: error.errors };
        }
      }
      await updateImportRow(tx, batchId, line, values);
      delta.ambiguous -= 1;
      if (outcome === 'error') delta.errors += 1;
      else if (outcome === 'created' || outcome === 'updated' || outcome === 'unchanged' || outcome === 'skipped') delta[outcome] += 1;
      applied.push({ line, outcome, entityId: values.entityId ?? null });
    }
    if (applied.length > 0) {
      await advanceImportBatch(tx, batchId, delta);
      await recordAudit(tx, ctx, {
        action: 'import.choices_applied',
        entityType: 'import_batch',
        entityId: batchId,
        metadata: { choices: Object.fromEntries(applied.map((item) => [String(item.line), parsed.get(item.line)])), outcomes: applied },
      });
    }
    const updated = await lockImportBatch(tx, batchId);
    return { batch: updated ?? current, applied, ignored };
  });
}

export interface AmbiguousRowBeforeRun {
  line: number;
  cells: string[];
  candidateIds: string[];
  sameKeyRows: number[];
  /** The choice already saved for the line, if any. */
  choice: string | null;
}

/** Rows read and matched per statement when looking for ambiguous rows before the run. */
const SCAN_CHUNK_ROWS = 500;

/**
 * The rows the run would leave ambiguous, found before it (read-only): the whole stored file is
 * read and matched a chunk at a time, as the run does, and the first `limit` ambiguous rows are
 * returned (`truncated` when there are more). Reading a 100,000-row file takes a few tens of
 * seconds: call it on demand (the preview's « lignes ambiguës »), not on every page view.
 */
export async function ambiguousRowsBeforeRun(ctx: ServiceContext, batchId: string, limit = 50): Promise<{ rows: AmbiguousRowBeforeRun[]; truncated: boolean }> {
  const batch = await getImportBatch(ctx, batchId);
  if (batch.status !== 'mapped' || !batch.options) throw new ConflictError(t('imports.errors.mapFirst'));
  const rows = await rowContextFor(ctx.db, batch, ctx.now);
  if (!rows) throw new ConflictError(t('imports.failures.importerInactive'));
  const options = batch.options;
  const fileKeys = await buildFileKeyIndex(ctx.db, batch);
  const found: AmbiguousRowBeforeRun[] = [];
  let chunk: Array<{ line: number; cells: string[] }> = [];
  const scan = async (): Promise<boolean> => {
    if (batch.entityType === 'sourcing_cases') {
      // « Pistes »: a row is ambiguous when its SIREN (or, without one, its name) designates several organisations.
      const reads = [];
      for (const row of chunk) reads.push({ row, read: await readCaseRow(rows, valuesByField(row.cells, batch.mapping), ctx.db) });
      chunk = [];
      const candidates = await resolveCaseCandidates(ctx.db, reads.map(({ read }) => caseLookupOf(read)));
      for (const [index, { row }] of reads.entries()) {
        const candidateIds = candidates[index] ?? [];
        if (decideCaseRow(candidateIds, undefined).action !== 'ambiguous') continue;
        if (found.length >= limit) return true;
        found.push({ line: row.line, cells: row.cells, candidateIds, sameKeyRows: [], choice: batch.rowChoices[String(row.line)] ?? null });
      }
      return false;
    }
    const items = [];
    for (const row of chunk) {
      const values = valuesByField(row.cells, batch.mapping);
      const read = await readRow(rows, values, ctx.db);
      if (!read.ok) continue;
      items.push({ row, lookup: rowLookupOf(options, batch.entityType, read), sameKey: sameKeyLines(fileKeys, fileKeysOf(batch.entityType, options.matchKey, values), row.line) });
    }
    chunk = [];
    const candidates = await resolveLookups(ctx.db, batch.entityType, items.map((item) => item.lookup));
    for (const [index, item] of items.entries()) {
      const candidateIds = candidates[index] ?? [];
      // Ambiguous as the run would find it before any choice (a saved choice is shown with it).
      if (decideRow(options, candidateIds, item.sameKey.later, undefined, item.lookup.byNameOnly).action !== 'ambiguous') continue;
      if (found.length >= limit) return true;
      found.push({ line: item.row.line, cells: item.row.cells, candidateIds, sameKeyRows: item.sameKey.lines, choice: batch.rowChoices[String(item.row.line)] ?? null });
    }
    return false;
  };
  const reader = storedRows(ctx.db, batch);
  for await (const row of reader) {
    chunk.push({ line: row.line, cells: row.cells });
    if (chunk.length >= SCAN_CHUNK_ROWS && (await scan())) {
      await reader.return(undefined);
      return { rows: found, truncated: true };
    }
  }
  const truncated = chunk.length > 0 ? await scan() : false;
  return { rows: found, truncated };
}
