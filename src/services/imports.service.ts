// Imports of organisations and contacts from CSV or XLSX files, as a person drives them:
// upload (the file is analysed and stored in PostgreSQL) → map columns to fields, choose
// matching and mode → preview → run as a job (src/services/import-run.service.ts) → report,
// error file, resume after a failure, revert the whole batch.
import fs from 'node:fs';
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors';
import { t } from '../lib/i18n';
import { importFields, presetFieldsOf, suggestMapping, valuesByField } from './imports/fields';
import { decodeSample, detectDelimiter, detectEncoding, looksLikeXlsx, readTable, type TableFormat } from '../lib/imports/table-reader';
import { optionalTrimmed, parseInput, stringList } from '../lib/validation';
import {
  findImportBatch,
  findImportPreset,
  insertImportBatch,
  insertImportFileChunk,
  listImportBatches,
  listImportPresets,
  countImportedConventionParties,
  deleteImportedRecords,
  listImportRows,
  listUpdatedImportRowsDescending,
  lockImportBatch,
  updateImportBatch,
  upsertImportPreset,
} from '../models/imports.model';
import { insertOutboxRow } from '../models/messaging.model';
import { lockContactById, updateContactRow } from '../models/contacts.model';
import { findKind, listKinds, lockOrganizationById, updateOrganizationRow } from '../models/organizations.model';
import {
  IMPORT_ENTITY_TYPES,
  IMPORT_MATCH_KEYS,
  IMPORT_MODES,
  IMPORT_STATUSES,
  ORGANIZATION_STATUSES,
  type ImportBatch,
  type ImportEntityType,
  type ImportMapping,
  type ImportOptions,
  type ImportRow,
  type NewContact,
  type NewOrganization,
} from '../models/schema';
import type { Database } from '../models/database';
import { auditableContact } from './contacts.service';
import { auditableOrganization } from './organizations.service';
import { findUnitsByIds, listUnits } from '../models/units.model';
import { JOB_NAMES, QUEUE_NAMES } from '../workflows/queues';
import { recordAudit } from './audit.service';
import { type Actor, type ServiceContext, inTransaction } from './context';
import { planRow, type RowErrors } from './import-rows';
import { rowContextFor, storedRows } from './import-run.service';
import { assertCan, hasRole, unitsAfterChange } from './permissions';
import { cachedActiveUserOptions } from './reference-lists';

export interface ImportLimits {
  maxBytes: number;
  maxRows: number;
}

const CHUNK_BYTES = 1024 * 1024;
const SAMPLE_BYTES = 64 * 1024;
export const PREVIEW_ROWS = 20;
export const IMPORT_LIST_PAGE_SIZE = 25;
export const REPORT_PAGE_SIZE = 50;

// ── Upload ───────────────────────────────────────────────────────────────────────────────────

/** Refused before anything is stored: the person gets the reason and loses nothing else. */
export class ImportFileError extends ValidationError {
  constructor(message: string) {
    super({ file: message }, message);
  }
}

async function readSample(filePath: string): Promise<Buffer> {
  const handle = await fs.promises.open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(SAMPLE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SAMPLE_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** XLSX, or the encoding and delimiter of a CSV, from the file's first bytes. */
export function detectFormat(sample: Buffer): TableFormat {
  if (looksLikeXlsx(sample)) return { kind: 'xlsx' };
  const encoding = detectEncoding(sample);
  const text = decodeSample(sample, encoding);
  // NUL bytes outside UTF-16 mean a binary file (PDF, old .xls…), not a table.
  if (encoding !== 'utf-16le' && sample.includes(0)) throw new ImportFileError(t('imports.errors.notATable'));
  return { kind: 'csv', encoding, delimiter: detectDelimiter(text) };
}

/** Headers and the number of data rows, reading the file once as a stream. */
async function scanTable(filePath: string, format: TableFormat, maxRows: number): Promise<{ headers: string[]; rows: number }> {
  let headers: string[] | null = null;
  let rows = 0;
  try {
    for await (const row of readTable(fs.createReadStream(filePath), format)) {
      if (!headers) {
        headers = row.cells.map((cell, index) => cell.trim() || t('imports.unnamedColumn', { number: index + 1 }));
        // Trailing columns without a header nor data are noise from spreadsheets.
        while (headers.length > 0 && /^Colonne \d+$/.test(headers[headers.length - 1] ?? '')) headers.pop();
        continue;
      }
      rows += 1;
      if (rows > maxRows) throw new ImportFileError(t('imports.errors.tooManyRows', { max: maxRows.toLocaleString('fr-FR') }));
    }
  } catch (error) {
    if (error instanceof ImportFileError) throw error;
    throw new ImportFileError(t('imports.errors.unreadable', { reason: error instanceof Error ? error.message.slice(0, 200) : '' }));
  }
  if (!headers || headers.length === 0) throw new ImportFileError(t('imports.errors.empty'));
  if (rows === 0) throw new ImportFileError(t('imports.errors.noDataRows'));
  return { headers, rows };
}

const uploadSchema = z.object({
  entityType: z.enum(IMPORT_ENTITY_TYPES, { error: t('imports.errors.chooseEntity') }),
});

/**
 * Stores an uploaded file (already on disk, size-checked by the route) as a new batch: format
 * detected, rows counted, columns mapped from the headers (and the last preset of that shape).
 */
export async function createImportBatch(
  ctx: ServiceContext,
  upload: { entityType: unknown; fileName: string; filePath: string; size: number },
  limits: ImportLimits,
): Promise<ImportBatch> {
  assertCan(ctx.actor, 'directory.import');
  const { entityType } = parseInput(uploadSchema, { entityType: upload.entityType });
  if (upload.size === 0) throw new ImportFileError(t('imports.errors.empty'));
  if (upload.size > limits.maxBytes) throw new ImportFileError(t('imports.errors.tooLarge', { max: Math.round(limits.maxBytes / 1024 / 1024) }));
  if (!/\.(csv|txt|tsv|xlsx)$/i.test(upload.fileName)) throw new ImportFileError(t('imports.errors.extension'));
  const format = detectFormat(await readSample(upload.filePath));
  const { headers, rows } = await scanTable(upload.filePath, format, limits.maxRows);
  const preset = await bestPreset(ctx, entityType, headers);
  const actor = ctx.actor;
  return inTransaction(ctx, async (tx) => {
    const batch = await insertImportBatch(tx, {
      entityType,
      fileName: upload.fileName.slice(0, 200),
      fileSize: upload.size,
      format: format.kind,
      encoding: format.kind === 'csv' ? format.encoding : null,
      delimiter: format.kind === 'csv' ? format.delimiter : null,
      headers,
      totalRows: rows,
      mapping: suggestMapping(entityType, headers, preset?.fields),
      options: null,
      createdById: actor.id,
    });
    // The file goes into PostgreSQL in 1 MiB pieces: whichever process runs the job reads it back.
    let position = 0;
    for await (const piece of fs.createReadStream(upload.filePath, { highWaterMark: CHUNK_BYTES })) {
      await insertImportFileChunk(tx, batch.id, position, piece as Buffer);
      position += 1;
    }
    await recordAudit(tx, ctx, {
      action: 'import.uploaded',
      entityType: 'import_batch',
      entityId: batch.id,
      metadata: { fileName: batch.fileName, entityType, rows, format: format.kind, presetName: preset?.name ?? null },
    });
    return batch;
  });
}

/** The saved preset that knows most of these headers, if it knows at least half of them. */
async function bestPreset(ctx: ServiceContext, entityType: ImportEntityType, headers: string[]) {
  const presets = await listImportPresets(ctx.db, entityType);
  const mappingSizes = presets.map((preset) => ({ preset, known: Object.keys(suggestMapping(entityType, headers, preset.fields)).length }));
  const best = mappingSizes.sort((a, b) => b.known - a.known)[0];
  return best && best.known >= Math.ceil(Object.keys(best.preset.fields).length / 2) ? best.preset : undefined;
}

// ── Reading a batch ──────────────────────────────────────────────────────────────────────────

/**
 * A batch holds a whole file of someone's personal data: only the person who uploaded it (and
 * admins) may see, map, preview, launch, download or revert it. Anyone else gets « not found »,
 * as for an unknown id, so batch ids are not confirmed.
 */
export function ownsImportBatch(actor: Actor | null, batch: Pick<ImportBatch, 'createdById'>): boolean {
  return !!actor && (hasRole(actor, 'admin') || (batch.createdById !== null && batch.createdById === actor.id));
}

async function loadBatch(ctx: ServiceContext, id: string): Promise<ImportBatch> {
  assertCan(ctx.actor, 'directory.import');
  const batch = z.uuid().safeParse(id).success ? await findImportBatch(ctx.db, id) : undefined;
  if (!batch || !ownsImportBatch(ctx.actor, batch)) throw new NotFoundError(t('imports.notFound'));
  return batch;
}

/** The same check on the row locked inside a transaction (it could not change hands, but say so once). */
function assertOwnedLocked(ctx: ServiceContext, batch: ImportBatch | undefined): ImportBatch {
  if (!batch || !ownsImportBatch(ctx.actor, batch)) throw new NotFoundError(t('imports.notFound'));
  return batch;
}

/**
 * Units an import may attach the records it creates to: an admin any unit, anyone else only
 * their own (the rule of the organisation and contact forms).
 */
function refusedImportUnits(actor: Actor, unitIds: readonly string[]): string[] {
  return unitsAfterChange(actor, unitIds).refused;
}

export async function getImportBatch(ctx: ServiceContext, id: string): Promise<ImportBatch> {
  return loadBatch(ctx, id);
}

const listSchema = z.object({
  type: z.enum(IMPORT_ENTITY_TYPES).optional().catch(undefined),
  status: z.enum(IMPORT_STATUSES).optional().catch(undefined),
  /** Admins only: the batches of one author. */
  auteur: z.uuid().optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).default(1).catch(1),
});

/** One's own batches; an admin sees everyone's and may filter them by author. */
export async function listImportsPage(ctx: ServiceContext, rawQuery: unknown) {
  assertCan(ctx.actor, 'directory.import');
  const isAdmin = hasRole(ctx.actor, 'admin');
  const query = listSchema.parse(rawQuery ?? {});
  if (!isAdmin) query.auteur = undefined;
  const [{ rows, total }, authors] = await Promise.all([
    listImportBatches(ctx.db, {
      entityType: query.type,
      status: query.status,
      createdById: isAdmin ? query.auteur : ctx.actor.id,
      limit: IMPORT_LIST_PAGE_SIZE,
      offset: (query.page - 1) * IMPORT_LIST_PAGE_SIZE,
    }),
    isAdmin ? cachedActiveUserOptions(ctx.db) : Promise.resolve([]),
  ]);
  return {
    query,
    rows,
    total,
    pageCount: Math.max(1, Math.ceil(total / IMPORT_LIST_PAGE_SIZE)),
    authorChoices: isAdmin ? authors.map((user) => ({ value: user.id, label: user.displayName })) : null,
  };
}

/** Sample values per column, for the mapping screen (the first rows of the stored file). */
async function sampleRows(ctx: ServiceContext, batch: ImportBatch, limit: number): Promise<Array<{ line: number; cells: string[] }>> {
  const rows: Array<{ line: number; cells: string[] }> = [];
  const reader = storedRows(ctx.db, batch);
  for await (const row of reader) {
    rows.push({ line: row.line, cells: row.cells });
    if (rows.length >= limit) break;
  }
  await reader.return(undefined);
  return rows;
}

export async function mappingForm(ctx: ServiceContext, id: string, presetId?: string) {
  const batch = await loadBatch(ctx, id);
  if (!['analysed', 'mapped'].includes(batch.status)) throw new ConflictError(t('imports.errors.alreadyStarted'));
  const [samples, presets, kinds, units] = await Promise.all([
    sampleRows(ctx, batch, 3),
    listImportPresets(ctx.db, batch.entityType),
    listKinds(ctx.db),
    listUnits(ctx.db),
  ]);
  const preset = presetId && z.uuid().safeParse(presetId).success ? await findImportPreset(ctx.db, presetId) : undefined;
  const mapping = preset && preset.entityType === batch.entityType ? suggestMapping(batch.entityType, batch.headers, preset.fields) : batch.mapping;
  const options: ImportOptions = batch.options ?? defaultOptions(ctx, batch.entityType);
  return {
    batch,
    columns: batch.headers.map((header, index) => ({
      index,
      header,
      field: mapping[String(index)] ?? '',
      samples: samples.map((row) => row.cells[index] ?? '').filter(Boolean).slice(0, 3),
    })),
    fields: importFields(batch.entityType).map((field) => ({ value: field.key, label: t(`imports.fields.${field.key}`) })),
    presets: presets.map((item) => ({ value: item.id, label: item.name, selected: item.id === preset?.id })),
    options,
    kinds: kinds.map((kind) => ({ value: kind.code, label: kind.label })),
    statuses: ORGANIZATION_STATUSES.map((status) => ({ value: status, label: t(`organizations.statuses.${status}`) })),
    // Records are attached only to one's own units (admins: any unit).
    units: units
      .filter((unit) => hasRole(ctx.actor as Actor, 'admin') || ctx.actor?.unitIds.includes(unit.id))
      .map((unit) => ({ id: unit.id, name: unit.name, checked: options.unitIds.includes(unit.id) })),
    matchKeys: matchKeysFor(batch.entityType).map((key) => ({ value: key, label: t(`imports.matchKeys.${key}`) })),
    modes: IMPORT_MODES.map((mode) => ({ value: mode, label: t(`imports.modes.${mode}`) })),
  };
}

function matchKeysFor(entityType: ImportEntityType) {
  return entityType === 'organizations' ? IMPORT_MATCH_KEYS : (['email', 'name', 'none'] as const);
}

function defaultOptions(ctx: ServiceContext, entityType: ImportEntityType): ImportOptions {
  return {
    matchKey: entityType === 'organizations' ? 'siret' : 'email',
    mode: 'create_and_update',
    defaultKindCode: 'entreprise',
    defaultStatus: 'prospect',
    unitIds: ctx.actor?.unitIds ?? [],
  };
}

// ── Mapping and options ──────────────────────────────────────────────────────────────────────

const optionsSchema = z.object({
  matchKey: z.enum(IMPORT_MATCH_KEYS, { error: t('imports.errors.chooseMatchKey') }),
  mode: z.enum(IMPORT_MODES, { error: t('imports.errors.chooseMode') }),
  defaultKindCode: optionalTrimmed(50),
  defaultStatus: z.enum(ORGANIZATION_STATUSES).optional().catch('prospect'),
  unitIds: stringList().pipe(z.array(z.uuid({ error: t('validation.unknownUnit') }))),
  presetName: optionalTrimmed(80),
});

/** The field a match key needs in the mapping. */
const MATCH_FIELD: Record<string, Record<string, string[]>> = {
  organizations: { siret: ['siret'], uai: ['uai'], email: ['email'], name: ['name'] },
  contacts: { email: ['email'], name: ['lastName', 'fullName'] },
};

export async function saveMapping(ctx: ServiceContext, id: string, input: Record<string, unknown>): Promise<ImportBatch> {
  const batch = await loadBatch(ctx, id);
  const values = parseInput(optionsSchema, input);
  const allowed = new Set(importFields(batch.entityType).map((field) => field.key));
  const multiple = new Set(importFields(batch.entityType).filter((field) => field.multiple).map((field) => field.key));
  const mapping: ImportMapping = {};
  const errors: Record<string, string> = {};
  const used = new Map<string, number>();
  batch.headers.forEach((_header, index) => {
    const field = String(input[`column_${index}`] ?? '').trim();
    if (!field) return;
    if (!allowed.has(field)) {
      errors[`column_${index}`] = t('imports.errors.unknownField');
      return;
    }
    used.set(field, (used.get(field) ?? 0) + 1);
    if (!multiple.has(field) && (used.get(field) ?? 0) > 1) errors[`column_${index}`] = t('imports.errors.fieldTwice', { field: t(`imports.fields.${field}`) });
    mapping[String(index)] = field;
  });
  const mapped = new Set(Object.values(mapping));
  const required = batch.entityType === 'organizations' ? ['name'] : ['lastName', 'fullName'];
  if (!required.some((field) => mapped.has(field))) errors._form = t(`imports.errors.nameRequired.${batch.entityType}`);
  if (values.matchKey !== 'none') {
    const needed = MATCH_FIELD[batch.entityType]?.[values.matchKey];
    if (!needed) errors.matchKey = t('imports.errors.chooseMatchKey');
    else if (!needed.some((field) => mapped.has(field))) errors.matchKey = t('imports.errors.matchFieldMissing', { field: t(`imports.fields.${needed[0]}`) });
  } else if (values.mode === 'update_only') {
    errors.mode = t('imports.errors.updateNeedsMatch');
  }
  const defaultKindCode = values.defaultKindCode || 'entreprise';
  if (!(await findKind(ctx.db, defaultKindCode))) errors.defaultKindCode = t('organizations.unknownKind');
  const units = await findUnitsByIds(ctx.db, values.unitIds);
  if (units.length !== new Set(values.unitIds).size) errors.unitIds = t('validation.unknownUnit');
  else if (refusedImportUnits(ctx.actor as Actor, values.unitIds).length > 0) errors.unitIds = t(`imports.errors.unitNotYours.${batch.entityType}`);
  if (Object.keys(errors).length > 0) throw new ValidationError(errors, t('validation.formHasErrors'));

  const options: ImportOptions = {
    matchKey: values.matchKey,
    mode: values.matchKey === 'none' ? 'create_only' : values.mode,
    defaultKindCode,
    defaultStatus: values.defaultStatus ?? 'prospect',
    unitIds: [...new Set(values.unitIds)],
  };
  const actor = ctx.actor;
  return inTransaction(ctx, async (tx) => {
    const current = assertOwnedLocked(ctx, await lockImportBatch(tx, id));
    if (!['analysed', 'mapped'].includes(current.status)) throw new ConflictError(t('imports.errors.alreadyStarted'));
    const updated = await updateImportBatch(tx, id, { mapping, options, status: 'mapped' });
    if (values.presetName && actor) {
      await upsertImportPreset(tx, { entityType: batch.entityType, name: values.presetName, fields: presetFieldsOf(batch.headers, mapping), createdById: actor.id });
    }
    await recordAudit(tx, ctx, {
      action: 'import.mapped',
      entityType: 'import_batch',
      entityId: id,
      metadata: { mapping, options, presetName: values.presetName || null },
    });
    return updated;
  });
}

// ── Preview ──────────────────────────────────────────────────────────────────────────────────

export interface PreviewRow {
  line: number;
  cells: Array<{ text: string; error: string | null }>;
  action: 'create' | 'update' | 'skip' | 'error';
  note: string;
}

/** Columns shown in the preview and report: the mapped ones, in file order. */
function mappedColumns(batch: ImportBatch) {
  return Object.entries(batch.mapping)
    .map(([index, field]) => ({ index: Number(index), field, header: batch.headers[Number(index)] ?? '', fieldLabel: t(`imports.fields.${field}`) }))
    .sort((a, b) => a.index - b.index);
}

function rowMessages(errors: RowErrors | null | undefined, batch: ImportBatch): string[] {
  if (!errors) return [];
  const headerOf = (field: string) => mappedColumns(batch).find((column) => column.field === field)?.header ?? t(`imports.fields.${field}`);
  return Object.entries(errors).map(([field, message]) => (field === '_row' ? message : `${headerOf(field)} : ${message}`));
}

/**
 * The first rows as the run would see them — validated with the forms' rules, matched
 * against the directory — without writing anything.
 */
export async function previewImport(ctx: ServiceContext, id: string) {
  const batch = await loadBatch(ctx, id);
  if (batch.status !== 'mapped' || !batch.options) throw new ConflictError(t('imports.errors.mapFirst'));
  const rows = await rowContextFor(ctx.db, batch, ctx.now);
  if (!rows) throw new ConflictError(t('imports.failures.importerInactive'));
  const columns = mappedColumns(batch);
  const preview: PreviewRow[] = [];
  for (const row of await sampleRows(ctx, batch, PREVIEW_ROWS)) {
    const plan = await planRow(rows, valuesByField(row.cells, batch.mapping), ctx.db);
    const errors = plan.action === 'error' ? plan.errors : {};
    preview.push({
      line: row.line,
      cells: columns.map((column) => ({ text: row.cells[column.index] ?? '', error: errors[column.field] ?? null })),
      action: plan.action,
      note:
        plan.action === 'error'
          ? rowMessages(Object.fromEntries(Object.entries(errors).filter(([field]) => !columns.some((column) => column.field === field))), batch).join(' ; ')
          : plan.action === 'skip'
            ? plan.reason
            : '',
    });
  }
  return {
    batch,
    columns,
    rows: preview,
    errorCount: preview.filter((row) => row.action === 'error').length,
    optionsSummary: {
      matchKey: t(`imports.matchKeys.${batch.options.matchKey}`),
      mode: t(`imports.modes.${batch.options.mode}`),
    },
  };
}

// ── Run, resume, revert ──────────────────────────────────────────────────────────────────────

function enqueueRun(tx: Parameters<Parameters<typeof inTransaction>[1]>[0], batchId: string) {
  return insertOutboxRow(tx, { queue: QUEUE_NAMES.imports, jobName: JOB_NAMES.importRun, payload: { batchId } });
}

export async function startImport(ctx: ServiceContext, id: string): Promise<ImportBatch> {
  await loadBatch(ctx, id);
  const actor = ctx.actor as Actor;
  return inTransaction(ctx, async (tx) => {
    const batch = assertOwnedLocked(ctx, await lockImportBatch(tx, id));
    if (batch.status !== 'mapped') throw new ConflictError(t('imports.errors.notReady'));
    // Mapped with units the person has left since: map again.
    if (refusedImportUnits(actor, batch.options?.unitIds ?? []).length > 0) throw new ConflictError(t(`imports.errors.unitNotYours.${batch.entityType}`));
    const updated = await updateImportBatch(tx, id, { status: 'queued' });
    await enqueueRun(tx, id);
    await recordAudit(tx, ctx, { action: 'import.started', entityType: 'import_batch', entityId: id, metadata: { fileName: batch.fileName, rows: batch.totalRows } });
    return updated;
  });
}

/** A failed run starts again after its last committed chunk. */
export async function resumeImport(ctx: ServiceContext, id: string): Promise<ImportBatch> {
  await loadBatch(ctx, id);
  const actor = ctx.actor as Actor;
  return inTransaction(ctx, async (tx) => {
    const batch = assertOwnedLocked(ctx, await lockImportBatch(tx, id));
    if (batch.status !== 'failed') throw new ConflictError(t('imports.errors.notFailed'));
    if (refusedImportUnits(actor, batch.options?.unitIds ?? []).length > 0) throw new ConflictError(t(`imports.errors.unitNotYours.${batch.entityType}`));
    const updated = await updateImportBatch(tx, id, { status: 'queued', failureMessage: null, finishedAt: null });
    await enqueueRun(tx, id);
    await recordAudit(tx, ctx, { action: 'import.resumed', entityType: 'import_batch', entityId: id, metadata: { fromRow: batch.processedRows } });
    return updated;
  });
}


/**
 * Undoes a batch in one transaction: records it created are deleted (with their affiliations),
 * records it updated get back the values they had, affiliations it added are removed.
 */
export async function revertImport(
  ctx: ServiceContext,
  id: string,
): Promise<{ batch: ImportBatch; counts: { restored: number; organizations: number; contacts: number; affiliations: number } }> {
  // Who may revert: the person who imported, or an admin (loadBatch lets no one else through).
  await loadBatch(ctx, id);
  return inTransaction(ctx, async (tx) => {
    const current = assertOwnedLocked(ctx, await lockImportBatch(tx, id));
    if (!['completed', 'failed'].includes(current.status)) throw new ConflictError(t('imports.errors.notRevertable'));
    const inConventions = await countImportedConventionParties(tx, id);
    if (inConventions > 0) throw new ConflictError(t('imports.errors.revertConventions', { count: inConventions }));
    const restored = await restoreUpdatedRecords(tx, ctx, current);
    const deleted = await deleteImportedRecords(tx, id, {
      actorId: ctx.actor?.id ?? null,
      actorLabel: ctx.actor ? `${ctx.actor.displayName} <${ctx.actor.email}>` : 'Système',
      at: ctx.now,
      metadata: { importBatchId: id, reason: 'import.reverted' },
    });
    const counts = { restored, ...deleted };
    const updated = await updateImportBatch(tx, id, { status: 'reverted', revertedAt: ctx.now, revertedById: ctx.actor?.id ?? null });
    await recordAudit(tx, ctx, { action: 'import.reverted', entityType: 'import_batch', entityId: id, metadata: { fileName: current.fileName, ...counts } });
    return { batch: updated, counts };
  });
}

/** Puts back, newest row first, the values each update of the batch replaced. */
async function restoreUpdatedRecords(tx: Database, ctx: ServiceContext, batch: ImportBatch): Promise<number> {
  let restored = 0;
  let beforeRow = 2_147_483_647; // PostgreSQL integer maximum
  for (;;) {
    const rows = await listUpdatedImportRowsDescending(tx, batch.id, beforeRow, 500);
    for (const row of rows) {
      if (!row.entityId || !row.before || Object.keys(row.before).length === 0) continue;
      const values = { ...row.before };
      if (typeof values.consentAt === 'string') values.consentAt = new Date(values.consentAt);
      if (batch.entityType === 'organizations') {
        const current = await lockOrganizationById(tx, row.entityId);
        if (!current) continue;
        const updated = await updateOrganizationRow(tx, row.entityId, values as Partial<NewOrganization>);
        await recordAudit(tx, ctx, {
          action: 'organization.updated',
          entityType: 'organization',
          entityId: row.entityId,
          before: auditableOrganization(current),
          after: auditableOrganization(updated),
          metadata: { importBatchId: batch.id, reason: 'import.reverted' },
        });
      } else {
        const current = await lockContactById(tx, row.entityId);
        if (!current) continue;
        const updated = await updateContactRow(tx, row.entityId, values as Partial<NewContact>);
        await recordAudit(tx, ctx, {
          action: 'contact.updated',
          entityType: 'contact',
          entityId: row.entityId,
          before: auditableContact(current),
          after: auditableContact(updated),
          metadata: { importBatchId: batch.id, reason: 'import.reverted' },
        });
      }
      restored += 1;
    }
    if (rows.length < 500) return restored;
    beforeRow = rows[rows.length - 1]?.rowNumber ?? 0;
  }
}

// ── Report ───────────────────────────────────────────────────────────────────────────────────

const reportSchema = z.object({
  outcome: z.enum(['created', 'updated', 'skipped', 'error']).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).default(1).catch(1),
});

export async function importReport(ctx: ServiceContext, id: string, rawQuery: unknown) {
  const batch = await loadBatch(ctx, id);
  const query = reportSchema.parse(rawQuery ?? {});
  const rows = await listImportRows(ctx.db, id, { outcome: query.outcome, limit: REPORT_PAGE_SIZE + 1, offset: (query.page - 1) * REPORT_PAGE_SIZE });
  const totals: Record<string, number> = { created: batch.createdCount, updated: batch.updatedCount, skipped: batch.skippedCount, error: batch.errorCount };
  const filteredTotal = query.outcome ? totals[query.outcome] ?? 0 : batch.processedRows;
  return {
    batch,
    query,
    rows: rows.slice(0, REPORT_PAGE_SIZE).map((row) => ({
      ...row,
      messages: rowMessages(row.errors, batch),
      href: row.entityId && row.outcome !== 'error' ? `/${batch.entityType === 'organizations' ? 'structures' : 'contacts'}/${row.entityId}` : null,
    })),
    hasNext: rows.length > REPORT_PAGE_SIZE,
    pageCount: Math.max(1, Math.ceil(filteredTotal / REPORT_PAGE_SIZE)),
    percent: batch.totalRows > 0 ? Math.min(100, Math.floor((batch.processedRows / batch.totalRows) * 100)) : 100,
    permissions: {
      revert: ['completed', 'failed'].includes(batch.status),
      resume: batch.status === 'failed',
    },
  };
}

/** The rows in error, page after page, for the downloadable error file (bounded memory). */
export async function* importErrorRows(ctx: ServiceContext, id: string): AsyncGenerator<{ batch: ImportBatch; row?: ImportRow & { reason: string } }> {
  const batch = await loadBatch(ctx, id);
  yield { batch };
  let afterRow = 0;
  for (;;) {
    const rows = await listImportRows(ctx.db, id, { outcome: 'error', afterRow, limit: 500 });
    for (const row of rows) yield { batch, row: { ...row, reason: rowMessages(row.errors, batch).join(' ; ') } };
    if (rows.length < 500) return;
    afterRow = rows[rows.length - 1]?.rowNumber ?? afterRow;
  }
}
