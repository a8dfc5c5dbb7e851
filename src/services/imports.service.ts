// Imports of organisations and contacts from CSV or XLSX files, as a person drives them:
// upload (the file is analysed and stored in PostgreSQL) → map columns to fields, choose
// matching and mode → preview → run as a job (src/services/import-run.service.ts) → report,
// error file, resume after a failure, revert the whole batch.
import fs from 'node:fs';
import { z } from 'zod';
import { communeByCode, departmentName, regionName } from '../lib/geography';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors';
import { t } from '../lib/i18n';
import { importFields, normalisedHeaders, presetFieldsOf, sameHeaders, suggestMapping, valuesByField } from './imports/fields';
import { defaultFieldPolicy, isListPolicyField, policyFields } from './imports/field-policies';
import { suggestValueTarget } from './imports/row-reading';
import { type CasePlan, planCaseRow, suggestCaseSource } from './import-sourcing-cases';
import { findChallenge } from '../models/sourcing-challenges.model';
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
  listImportCandidates,
  listImportReportRows,
  listImportRows,
  listUpdatedImportRowsDescending,
  lockImportBatch,
  updateImportBatch,
  upsertImportPreset,
  listChallengesForImport,
  deleteImportedSourcingCases,
} from '../models/imports.model';
import { insertOutboxRow } from '../models/messaging.model';
import { lockContactById, updateContactRow } from '../models/contacts.model';
import { findKind, listKinds, lockOrganizationById, updateOrganizationRow } from '../models/organizations.model';
import {
  CASE_SOURCES,
  CIVILITIES,
  IMPORT_ENTITY_TYPES,
  IMPORT_ENUMERATED_FIELDS,
  IMPORT_FIELD_POLICIES,
  IMPORT_MATCH_KEYS,
  IMPORT_MODES,
  IMPORT_STATUSES,
  LEGAL_BASES,
  ORGANIZATION_STATUSES,
  type ImportBatch,
  type ImportFieldPolicy,
  type ImportPreset,
  type ImportRowChanges,
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
import { ambiguousRowsBeforeRun, applyRowChoices, chooseBeforeRun } from './import-choices.service';
import { rowContextFor, storedRows } from './import-run.service';
import { assertCan, can, hasRole, unitsAfterChange } from './permissions';
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
  /** « pistes »: the challenge the wizard was opened from (/imports/nouveau?type=sourcing_cases&defi=…), pre-selected at the mapping. */
  challengeId: z.uuid().optional().catch(undefined),
});

/**
 * Stores an uploaded file (already on disk, size-checked by the route) as a new batch: format
 * detected, rows counted, columns mapped from the headers (and the last preset of that shape).
 */
export async function createImportBatch(
  ctx: ServiceContext,
  upload: { entityType: unknown; fileName: string; filePath: string; size: number; challengeId?: unknown },
  limits: ImportLimits,
): Promise<ImportBatch> {
  assertCan(ctx.actor, 'directory.import');
  const { entityType, challengeId } = parseInput(uploadSchema, { entityType: upload.entityType, challengeId: upload.challengeId || undefined });
  if (upload.size === 0) throw new ImportFileError(t('imports.errors.empty'));
  if (upload.size > limits.maxBytes) throw new ImportFileError(t('imports.errors.tooLarge', { max: Math.round(limits.maxBytes / 1024 / 1024) }));
  if (!/\.(csv|txt|tsv|xlsx)$/i.test(upload.fileName)) throw new ImportFileError(t('imports.errors.extension'));
  const format = detectFormat(await readSample(upload.filePath));
  const { headers, rows } = await scanTable(upload.filePath, format, limits.maxRows);
  const preset = await bestPreset(ctx, entityType, headers);
  // A preset saved from a file with exactly these columns brings its value maps and update policies too.
  const sameColumns = preset && sameHeaders(preset.headers, normalisedHeaders(headers));
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
      options: sameColumns
        ? { ...defaultOptions(ctx, entityType), ...presetSettings(preset), ...(challengeId ? { challengeId } : {}) }
        : challengeId && entityType === 'sourcing_cases'
          ? { ...defaultOptions(ctx, entityType), challengeId }
          : null,
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

/**
 * The saved preset for these headers: one saved from a file with exactly the same columns
 * (normalised) first, else the one that knows most of them if it knows at least half.
 */
export async function bestPreset(ctx: ServiceContext, entityType: ImportEntityType, headers: string[]): Promise<ImportPreset | undefined> {
  const presets = await listImportPresets(ctx.db, entityType);
  const normalised = normalisedHeaders(headers);
  const same = presets.find((preset) => sameHeaders(preset.headers, normalised));
  if (same) return same;
  const mappingSizes = presets.map((preset) => ({ preset, known: Object.keys(suggestMapping(entityType, headers, preset.fields)).length }));
  const best = mappingSizes.sort((a, b) => b.known - a.known)[0];
  return best && best.known >= Math.ceil(Object.keys(best.preset.fields).length / 2) ? best.preset : undefined;
}

/** A preset's settings, only those the wizard knows (a preset row is data: read it defensively). */
function presetSettings(preset: Pick<ImportPreset, 'settings'>): Pick<ImportOptions, 'valueMaps' | 'valueDefaults' | 'fieldPolicies'> {
  const { valueMaps, valueDefaults, fieldPolicies } = preset.settings ?? {};
  return { ...(valueMaps ? { valueMaps } : {}), ...(valueDefaults ? { valueDefaults } : {}), ...(fieldPolicies ? { fieldPolicies } : {}) };
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
    rows: rows.map((row) => ({ ...row, summary: resultSummary(row) })),
    total,
    pageCount: Math.max(1, Math.ceil(total / IMPORT_LIST_PAGE_SIZE)),
    authorChoices: isAdmin ? authors.map((user) => ({ value: user.id, label: user.displayName })) : null,
  };
}

/** « 2 créées · 1 mise à jour · 3 inchangées »: the counts that are not zero, in the report's order. */
function resultSummary(batch: ImportBatch): string {
  const counts: Array<[string, number]> = [
    ['created', batch.createdCount],
    ['updated', batch.updatedCount],
    ['unchanged', batch.unchangedCount],
    ['skipped', batch.skippedCount],
    ['ambiguous', batch.ambiguousCount],
    ['error', batch.errorCount],
    ['warning', batch.warningCount],
  ];
  return counts
    .filter(([, count]) => count > 0)
    .map(([key, count]) => t(`imports.summary.${key}`, { count: count.toLocaleString('fr-FR') }))
    .join(' · ');
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
  const [samples, presets, kinds, units, challenges] = await Promise.all([
    sampleRows(ctx, batch, 3),
    listImportPresets(ctx.db, batch.entityType),
    listKinds(ctx.db),
    listUnits(ctx.db),
    batch.entityType === 'sourcing_cases' ? importableChallenges(ctx) : Promise.resolve([]),
  ]);
  const preset = presetId && z.uuid().safeParse(presetId).success ? await findImportPreset(ctx.db, presetId) : undefined;
  const mapping = preset && preset.entityType === batch.entityType ? suggestMapping(batch.entityType, batch.headers, preset.fields) : batch.mapping;
  const options: ImportOptions = batch.options ?? defaultOptions(ctx, batch.entityType);
  const normalised = normalisedHeaders(batch.headers);
  // Said on the first visit only: afterwards the mapping is the person's own.
  const sameColumnsPreset = !preset && batch.status === 'analysed' ? presets.find((item) => sameHeaders(item.headers, normalised)) : undefined;
  return {
    batch,
    sameColumnsPreset: sameColumnsPreset ? { name: sameColumnsPreset.name } : null,
    // A preset chosen in the list: its settings (value maps, policies) follow the mapping when saved.
    appliedPresetId: preset && preset.entityType === batch.entityType ? preset.id : null,
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
    challenges: challenges.map((challenge) => ({ value: challenge.id, label: challenge.title })),
    isCases: batch.entityType === 'sourcing_cases',
  };
}

/** « Pistes »: the challenges a person may add start-ups to — open ones (not draft, not closed) they may edit. */
async function importableChallenges(ctx: ServiceContext): Promise<Array<{ id: string; title: string }>> {
  const actor = ctx.actor as Actor;
  return (await listChallengesForImport(ctx.db)).filter((challenge) => can(actor, 'sourcing.edit', { ownerId: challenge.ownerId, unitIds: challenge.unitIds }));
}

/** The batch's challenge, checked: exists, open, and the importer may add cases to it. */
async function checkImportChallenge(ctx: ServiceContext, challengeId: string | undefined): Promise<string | null> {
  if (!challengeId || !z.uuid().safeParse(challengeId).success) return t('imports.errors.chooseChallenge');
  const challenge = (await importableChallenges(ctx)).find((item) => item.id === challengeId);
  return challenge ? null : t('imports.errors.challengeNotOpen');
}

function matchKeysFor(entityType: ImportEntityType) {
  if (entityType === 'sourcing_cases') return ['none'] as const;
  return entityType === 'organizations' ? IMPORT_MATCH_KEYS : (['email', 'name', 'none'] as const);
}

function defaultOptions(ctx: ServiceContext, entityType: ImportEntityType): ImportOptions {
  // « Pistes » find their start-up by SIREN then name (import-sourcing-cases.ts) and never update an organisation.
  if (entityType === 'sourcing_cases') return { matchKey: 'none', mode: 'create_only', defaultKindCode: 'startup', defaultStatus: 'prospect', unitIds: ctx.actor?.unitIds ?? [] };
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
  appliedPresetId: z.uuid().optional().catch(undefined),
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
  const isCases = batch.entityType === 'sourcing_cases';
  if (isCases) {
    values.matchKey = 'none';
    values.mode = 'create_only';
    values.defaultKindCode = 'startup';
    const refused = await checkImportChallenge(ctx, typeof input.challengeId === 'string' ? input.challengeId : undefined);
    if (refused) errors.challengeId = refused;
  }
  const required = batch.entityType === 'contacts' ? ['lastName', 'fullName'] : ['name'];
  if (!required.some((field) => mapped.has(field))) errors._form = t(`imports.errors.nameRequired.${batch.entityType}`);
  if (values.matchKey !== 'none') {
    const needed = MATCH_FIELD[batch.entityType]?.[values.matchKey];
    if (!needed) errors.matchKey = t('imports.errors.chooseMatchKey');
    else if (!needed.some((field) => mapped.has(field))) errors.matchKey = t('imports.errors.matchFieldMissing', { field: t(`imports.fields.${needed[0]}`) });
  } else if (values.mode === 'update_only' && !isCases) {
    errors.mode = t('imports.errors.updateNeedsMatch');
  }
  const defaultKindCode = values.defaultKindCode || 'entreprise';
  if (!(await findKind(ctx.db, defaultKindCode))) errors.defaultKindCode = t('organizations.unknownKind');
  const units = await findUnitsByIds(ctx.db, values.unitIds);
  if (units.length !== new Set(values.unitIds).size) errors.unitIds = t('validation.unknownUnit');
  else if (refusedImportUnits(ctx.actor as Actor, values.unitIds).length > 0) errors.unitIds = t(`imports.errors.unitNotYours.${batch.entityType}`);
  if (Object.keys(errors).length > 0) throw new ValidationError(errors, t('validation.formHasErrors'));

  const applied = values.appliedPresetId ? await findImportPreset(ctx.db, values.appliedPresetId) : undefined;
  const previous = applied && applied.entityType === batch.entityType ? { ...(batch.options ?? defaultOptions(ctx, batch.entityType)), ...presetSettings(applied) } : batch.options;
  const options: ImportOptions = {
    matchKey: values.matchKey,
    mode: values.matchKey === 'none' ? 'create_only' : values.mode,
    defaultKindCode,
    defaultStatus: values.defaultStatus ?? 'prospect',
    unitIds: [...new Set(values.unitIds)],
    ...settingsStillMapped(previous, mapped),
    ...(isCases ? { challengeId: String(input.challengeId) } : {}),
  };
  const actor = ctx.actor;
  return inTransaction(ctx, async (tx) => {
    const current = assertOwnedLocked(ctx, await lockImportBatch(tx, id));
    if (!['analysed', 'mapped'].includes(current.status)) throw new ConflictError(t('imports.errors.alreadyStarted'));
    const updated = await updateImportBatch(tx, id, { mapping, options, status: 'mapped' });
    if (values.presetName && actor) await savePreset(tx, updated, values.presetName, actor.id);
    await recordAudit(tx, ctx, {
      action: 'import.mapped',
      entityType: 'import_batch',
      entityId: id,
      metadata: { mapping, options, presetName: values.presetName || null },
    });
    return updated;
  });
}

/** Value maps and policies chosen before (or brought by a preset) for the fields the new mapping still fills. */
function settingsStillMapped(previous: ImportOptions | null, mapped: Set<string>): Pick<ImportOptions, 'valueMaps' | 'valueDefaults' | 'fieldPolicies'> {
  if (!previous) return {};
  const keep = <T>(record: Record<string, T> | undefined) => (record ? Object.fromEntries(Object.entries(record).filter(([field]) => mapped.has(field))) : undefined);
  return {
    ...(previous.valueMaps ? { valueMaps: keep(previous.valueMaps) } : {}),
    ...(previous.valueDefaults ? { valueDefaults: keep(previous.valueDefaults) } : {}),
    // Policies are kept whole: a field mapped again later finds the choice made for it.
    ...(previous.fieldPolicies ? { fieldPolicies: previous.fieldPolicies } : {}),
  };
}

/** Saves (or replaces) a preset with the batch's mapping, its headers and its settings. */
async function savePreset(tx: Database, batch: ImportBatch, name: string, actorId: string): Promise<ImportPreset> {
  return upsertImportPreset(tx, {
    entityType: batch.entityType,
    name,
    fields: presetFieldsOf(batch.headers, batch.mapping),
    headers: normalisedHeaders(batch.headers),
    settings: batch.options ? presetSettings({ settings: batch.options }) : {},
    createdById: actorId,
  });
}

// ── Values of enumerated columns and update policies (the step after the mapping) ─────────────

/** Distinct values listed per field: a register's kind column has a dozen, a free-text one thousands. */
export const MAX_DISTINCT_VALUES = 200;
const MAX_VALUE_LENGTH = 200;

type EnumeratedField = 'kind' | 'status' | 'civility' | 'legalBasis' | 'source';

/** The enumerated fields the mapping fills, with their column. */
function mappedEnumeratedColumns(batch: ImportBatch): Array<{ field: EnumeratedField; index: number; header: string }> {
  const enumerated: readonly string[] = IMPORT_ENUMERATED_FIELDS[batch.entityType];
  return Object.entries(batch.mapping)
    .filter(([, field]) => enumerated.includes(field))
    .map(([index, field]) => ({ field: field as EnumeratedField, index: Number(index), header: batch.headers[Number(index)] ?? '' }))
    .sort((a, b) => a.index - b.index);
}

/** Import fields whose mapping makes a policy field relevant (an address in parts, a SIRET list…). */
const POLICY_FIELD_SOURCES: Record<string, string[]> = {
  addressLine: ['addressLine', 'postalCode', 'city', 'communeCode'],
  siret: ['siret', 'siren'],
  otherSirets: ['siret'],
  firstName: ['firstName', 'fullName'],
  lastName: ['lastName', 'fullName'],
  legalBasis: ['legalBasis', 'consentDate'],
};

/** The policy fields an update of this batch may touch: those the mapping fills. */
function mappedPolicyFields(batch: ImportBatch): string[] {
  const mapped = new Set(Object.values(batch.mapping));
  return policyFields(batch.entityType).filter((field) => (POLICY_FIELD_SOURCES[field] ?? [field]).some((source) => mapped.has(source)));
}

/** A list (UAI, tags, other SIRET…) is never replaced: « overwrite » adds the file's items. */
function policyLabel(entityType: ImportEntityType, field: string, policy: ImportFieldPolicy): string {
  return policy === 'overwrite' && isListPolicyField(entityType, field) ? t('imports.policyAddItems') : t(`imports.policies.${policy}`);
}

function updatesRecords(batch: ImportBatch): boolean {
  return !!batch.options && batch.options.mode !== 'create_only';
}

/** Whether the wizard has a values-and-policies step for this batch. */
export function hasValueStep(batch: ImportBatch): boolean {
  return mappedEnumeratedColumns(batch).length > 0 || (updatesRecords(batch) && mappedPolicyFields(batch).length > 0);
}

/** An enumerated field is mapped but its values were never chosen: the step comes before the preview. */
export function needsValueStep(batch: ImportBatch): boolean {
  return mappedEnumeratedColumns(batch).some(({ field }) => !batch.options?.valueMaps?.[field]);
}

/** The codes an enumerated field takes, with their French labels. */
function targetChoices(field: EnumeratedField, kinds: Array<{ code: string; label: string }>): Array<{ value: string; label: string }> {
  switch (field) {
    case 'kind':
      return kinds.map((kind) => ({ value: kind.code, label: kind.label }));
    case 'status':
      return ORGANIZATION_STATUSES.map((status) => ({ value: status, label: t(`organizations.statuses.${status}`) }));
    case 'civility':
      return [{ value: '', label: t('imports.valueEmpty') }, ...CIVILITIES.map((civility) => ({ value: civility, label: civility }))];
    case 'legalBasis':
      return LEGAL_BASES.map((basis) => ({ value: basis, label: t(`contacts.legalBases.${basis}`) }));
    case 'source':
      return CASE_SOURCES.map((source) => ({ value: source, label: t(`sourcingCases.sources.${source}`) }));
  }
}

/** The code a value takes when the person has not chosen: the batch's default for the field. */
function fallbackTarget(field: EnumeratedField, options: ImportOptions): string {
  if (options.valueDefaults?.[field] !== undefined) return options.valueDefaults[field] ?? '';
  switch (field) {
    case 'kind':
      return options.defaultKindCode;
    case 'status':
      return options.defaultStatus;
    case 'civility':
      return '';
    case 'legalBasis':
      return 'interet_legitime';
    case 'source':
      return 'veille';
  }
}

/** Each field's distinct values (trimmed, empty cells left out) with their row counts, first seen first. */
async function distinctValues(ctx: ServiceContext, batch: ImportBatch, columns: Array<{ field: string; index: number }>) {
  const found = new Map(columns.map((column) => [column.field, { counts: new Map<string, number>(), truncated: false }]));
  if (columns.length === 0) return found;
  for await (const row of storedRows(ctx.db, batch)) {
    for (const column of columns) {
      const value = (row.cells[column.index] ?? '').trim().slice(0, MAX_VALUE_LENGTH);
      const entry = found.get(column.field);
      if (!value || !entry) continue;
      const count = entry.counts.get(value);
      if (count !== undefined) entry.counts.set(value, count + 1);
      else if (entry.counts.size < MAX_DISTINCT_VALUES) entry.counts.set(value, 1);
      else entry.truncated = true;
    }
  }
  return found;
}

/** The values step: each enumerated column's values with a target each, then the update policies. */
export async function valuesForm(ctx: ServiceContext, id: string) {
  const batch = await loadBatch(ctx, id);
  if (batch.status !== 'mapped' || !batch.options) throw new ConflictError(t('imports.errors.mapFirst'));
  const options = batch.options;
  const columns = mappedEnumeratedColumns(batch);
  const [kinds, found, presets] = await Promise.all([listKinds(ctx.db), distinctValues(ctx, batch, columns), listImportPresets(ctx.db, batch.entityType)]);
  const kindChoices = kinds.map((kind) => ({ code: kind.code, label: kind.label }));
  const normalised = normalisedHeaders(batch.headers);
  return {
    batch,
    fields: columns.map(({ field, header }) => {
      const choices = targetChoices(field, kindChoices);
      const known = new Set(choices.map((choice) => choice.value));
      const suggestable = choices.filter((choice) => choice.value).map((choice) => ({ code: choice.value, label: choice.label }));
      const saved = options.valueMaps?.[field] ?? {};
      const entry = found.get(field);
      const values = [...(entry?.counts ?? new Map<string, number>())].map(([value, count], index) => {
        const suggested = saved[value] ?? (field === 'source' ? suggestCaseSource(value) : suggestValueTarget(field, value, suggestable)) ?? fallbackTarget(field, options);
        return { index, value, count, target: known.has(suggested) ? suggested : fallbackTarget(field, options) };
      });
      return {
        field,
        header,
        label: t(`imports.fields.${field}`),
        choices,
        values,
        truncated: entry?.truncated ?? false,
        defaultTarget: fallbackTarget(field, options),
      };
    }),
    policies: updatesRecords(batch)
      ? mappedPolicyFields(batch).map((field) => ({
          field,
          label: t(`imports.fields.${field}`),
          value: options.fieldPolicies?.[field] ?? defaultFieldPolicy(batch.entityType, field),
          choices: IMPORT_FIELD_POLICIES.map((policy) => ({ value: policy, label: policyLabel(batch.entityType, field, policy) })),
        }))
      : [],
    createOnly: !updatesRecords(batch),
    // The preset this file's columns were saved under (at the mapping step, or before): its settings follow.
    presetName: presets.find((preset) => sameHeaders(preset.headers, normalised))?.name ?? '',
    maxValues: MAX_DISTINCT_VALUES,
  };
}

const valuesSchema = z.object({ presetName: optionalTrimmed(80) });

/** Saves the values step: value maps and defaults, update policies, and the preset when named. */
export async function saveValues(ctx: ServiceContext, id: string, input: Record<string, unknown>): Promise<ImportBatch> {
  const batch = await loadBatch(ctx, id);
  if (batch.status !== 'mapped' || !batch.options) throw new ConflictError(t('imports.errors.mapFirst'));
  const { presetName } = parseInput(valuesSchema, input);
  const kinds = (await listKinds(ctx.db)).map((kind) => ({ code: kind.code, label: kind.label }));
  const errors: Record<string, string> = {};
  const valueMaps: Record<string, Record<string, string>> = { ...(batch.options.valueMaps ?? {}) };
  const valueDefaults: Record<string, string> = { ...(batch.options.valueDefaults ?? {}) };
  for (const { field } of mappedEnumeratedColumns(batch)) {
    const known = new Set(targetChoices(field, kinds).map((choice) => choice.value));
    const map: Record<string, string> = {};
    for (let index = 0; index < MAX_DISTINCT_VALUES; index += 1) {
      const from = input[`from_${field}_${index}`];
      if (typeof from !== 'string') break;
      const to = String(input[`to_${field}_${index}`] ?? '');
      if (!known.has(to)) errors[`to_${field}_${index}`] = t('imports.errors.chooseValue');
      else if (from.trim()) map[from.trim().slice(0, MAX_VALUE_LENGTH)] = to;
    }
    const fallback = String(input[`default_${field}`] ?? '');
    if (!known.has(fallback)) errors[`default_${field}`] = t('imports.errors.chooseValue');
    valueMaps[field] = map;
    valueDefaults[field] = fallback;
  }
  const fieldPolicies: Record<string, ImportFieldPolicy> = { ...(batch.options.fieldPolicies ?? {}) };
  if (updatesRecords(batch)) {
    for (const field of mappedPolicyFields(batch)) {
      const policy = String(input[`policy_${field}`] ?? defaultFieldPolicy(batch.entityType, field));
      if (!(IMPORT_FIELD_POLICIES as readonly string[]).includes(policy)) errors[`policy_${field}`] = t('imports.errors.chooseValue');
      else fieldPolicies[field] = policy as ImportFieldPolicy;
    }
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors, t('validation.formHasErrors'));
  const actor = ctx.actor;
  return inTransaction(ctx, async (tx) => {
    const current = assertOwnedLocked(ctx, await lockImportBatch(tx, id));
    if (current.status !== 'mapped' || !current.options) throw new ConflictError(t('imports.errors.mapFirst'));
    const updated = await updateImportBatch(tx, id, { options: { ...current.options, valueMaps, valueDefaults, fieldPolicies } });
    if (presetName && actor) await savePreset(tx, updated, presetName, actor.id);
    await recordAudit(tx, ctx, { action: 'import.values', entityType: 'import_batch', entityId: id, metadata: { valueMaps, valueDefaults, fieldPolicies, presetName: presetName || null } });
    return updated;
  });
}

// ── Preview ──────────────────────────────────────────────────────────────────────────────────

export interface PreviewRow {
  line: number;
  /**
   * `target`: for an enumerated column, the label of the code the file's value takes (value step);
   * `warning`: why the cell will be left out while the row is imported.
   */
  cells: Array<{ text: string; error: string | null; warning: string | null; target: string | null }>;
  /** create · update · unchanged · skip · ambiguous · error (as the row plan says). */
  action: string;
  note: string;
  /** Updates: what the row would change in the record, field by field. */
  changeList: ChangeView[];
  /** Ambiguous rows: the records the key designates, and the choice already made, if any. */
  candidates: CandidateView[];
  sameKeyRows: string | null;
  choice: string;
}

export interface ChangeView {
  label: string;
  before: string;
  after: string;
}

/** Before → after of an update, labelled through the catalogue. */
function changeViews(changes: ImportRowChanges | null | undefined, kinds: Map<string, string>): ChangeView[] {
  return Object.entries(changes ?? {}).map(([column, change]) => ({
    label: labelOr(`imports.changeFields.${column}`, column),
    before: displayValue(column, change.before, kinds),
    after: displayValue(column, change.after, kinds),
  }));
}

export interface CandidateView {
  id: string;
  name: string;
  identifiers: string;
  city: string | null;
  href: string;
}

function recordHref(entityType: ImportEntityType, id: string): string {
  if (entityType === 'sourcing_cases') return `/sourcing/pistes/${id}`;
  return `/${entityType === 'organizations' ? 'structures' : 'contacts'}/${id}`;
}

/** The candidate records of ambiguous rows, read once for a page of rows. */
async function candidateViews(ctx: ServiceContext, batchEntityType: ImportEntityType, ids: string[]): Promise<Map<string, CandidateView>> {
  // « Pistes »: the candidates of an ambiguous row are organisations.
  const entityType = batchEntityType === 'sourcing_cases' ? 'organizations' : batchEntityType;
  const candidates = await listImportCandidates(ctx.db, entityType, [...new Set(ids)]);
  return new Map(
    candidates.map((candidate) => [
      candidate.id,
      { id: candidate.id, name: candidate.name, identifiers: candidate.identifiers.join(' · '), city: candidate.city, href: recordHref(entityType, candidate.id) },
    ]),
  );
}

function sameKeyText(lines: number[] | null | undefined): string | null {
  return lines && lines.length > 0 ? t('imports.sameKeyRows', { lines: lines.join(', ') }) : null;
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
export async function previewImport(ctx: ServiceContext, id: string, options: { wholeFile?: boolean } = {}) {
  const batch = await loadBatch(ctx, id);
  if (batch.status !== 'mapped' || !batch.options) throw new ConflictError(t('imports.errors.mapFirst'));
  const rows = await rowContextFor(ctx.db, batch, ctx.now);
  if (!rows) throw new ConflictError(t('imports.failures.importerInactive'));
  const columns = mappedColumns(batch);
  const planned: Array<{ line: number; cells: string[]; plan: Awaited<ReturnType<typeof planRow>> | CasePlan }> = [];
  for (const row of await sampleRows(ctx, batch, PREVIEW_ROWS)) {
    const values = valuesByField(row.cells, batch.mapping);
    const plan = batch.entityType === 'sourcing_cases' ? await planCaseRow(rows, values, ctx.db, row.line) : await planRow(rows, values, ctx.db);
    planned.push({ line: row.line, cells: row.cells, plan });
  }
  const ambiguityOf = (plan: unknown) => plan as { candidateIds?: string[]; sameKeyRows?: number[] };
  // On demand only: finding the ambiguous rows of the whole file reads and matches all of it.
  const scan = options.wholeFile ? await ambiguousRowsBeforeRun(ctx, id) : null;
  const candidates = await candidateViews(ctx, batch.entityType, [
    ...planned.flatMap(({ plan }) => ambiguityOf(plan).candidateIds ?? []),
    ...(scan?.rows ?? []).flatMap((row) => row.candidateIds),
  ]);
  // What the values step decided for each enumerated column, shown next to the file's value.
  const enumerated = mappedEnumeratedColumns(batch);
  const kindChoices = (await listKinds(ctx.db, { includeArchived: true })).map((kind) => ({ code: kind.code, label: kind.label }));
  const kindLabels = new Map(kindChoices.map((kind) => [kind.code, kind.label]));
  const labels = new Map(enumerated.map(({ field }) => [field as string, new Map(targetChoices(field, kindChoices).map((choice) => [choice.value, choice.label]))]));
  const targetOf = (field: string, text: string): string | null => {
    const value = text.trim();
    const map = batch.options?.valueMaps?.[field];
    if (!value || !map) return null;
    const code = map[value.slice(0, MAX_VALUE_LENGTH)] ?? batch.options?.valueDefaults?.[field];
    return code ? labels.get(field)?.get(code) ?? null : null;
  };
  const preview: PreviewRow[] = planned.map(({ line, cells, plan }) => {
    const errors = plan.action === 'error' ? plan.errors : {};
    const action: string = plan.action;
    const ambiguity = ambiguityOf(plan);
    const warnings = plan.action === 'error' ? [] : plan.warnings ?? [];
    const shown = (field: string) => columns.some((column) => column.field === field);
    return {
      line,
      cells: columns.map((column) => ({
        text: cells[column.index] ?? '',
        error: errors[column.field] ?? null,
        warning: warnings.find((warning) => warning.field === column.field)?.message ?? null,
        target: targetOf(column.field, cells[column.index] ?? ''),
      })),
      action,
      note: [
        ...(plan.action === 'error' ? rowMessages(Object.fromEntries(Object.entries(errors).filter(([field]) => !shown(field))), batch) : []),
        ...(plan.action === 'skip' ? [plan.reason] : []),
        ...warnings.filter((warning) => !shown(warning.field)).map((warning) => warning.message),
      ].join(' ; '),
      changeList: plan.action === 'update' ? changeViews(plan.changes, kindLabels) : [],
      candidates: action === 'ambiguous' ? (ambiguity.candidateIds ?? []).flatMap((candidateId) => candidates.get(candidateId) ?? []) : [],
      sameKeyRows: action === 'ambiguous' ? sameKeyText(ambiguity.sameKeyRows) : null,
      choice: batch.rowChoices?.[String(line)] ?? '',
    };
  });
  const policies = updatesRecords(batch)
    ? mappedPolicyFields(batch).map((field) => `${t(`imports.fields.${field}`)} : ${policyLabel(batch.entityType, field, batch.options?.fieldPolicies?.[field] ?? defaultFieldPolicy(batch.entityType, field)).toLowerCase()}`)
    : [];
  return {
    batch,
    columns,
    rows: preview,
    ambiguousRows: [
      ...preview.filter((row) => row.action === 'ambiguous'),
      ...(scan?.rows ?? [])
        .filter((row) => !preview.some((shown) => shown.line === row.line))
        .map((row) => ({
          line: row.line,
          candidates: row.candidateIds.flatMap((candidateId) => candidates.get(candidateId) ?? []),
          sameKeyRows: sameKeyText(row.sameKeyRows),
          choice: row.choice ?? '',
        })),
    ],
    wholeFileScanned: !!scan,
    wholeFileTruncated: scan?.truncated ?? false,
    errorCount: preview.filter((row) => row.action === 'error').length,
    warningCount: planned.filter(({ plan }) => plan.action !== 'error' && plan.warnings.length > 0).length,
    hasValueStep: hasValueStep(batch),
    challengeTitle: batch.entityType === 'sourcing_cases' && batch.options.challengeId ? ((await findChallenge(ctx.db, batch.options.challengeId))?.title ?? null) : null,
    optionsSummary: {
      matchKey: batch.entityType === 'sourcing_cases' ? t('imports.casesMatch') : t(`imports.matchKeys.${batch.options.matchKey}`),
      mode: t(`imports.modes.${batch.options.mode}`),
      policies: policies.length > 0 ? t('imports.policiesSummary', { summary: policies.join(' ; ') }) : null,
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

/** « Lancer » from the preview: the choices ticked for ambiguous rows are saved first, then the run is queued. */
export async function launchImport(ctx: ServiceContext, id: string, input: Record<string, unknown>): Promise<ImportBatch> {
  const choices = Object.entries(input).filter(([key, value]) => /^choice_\d+$/.test(key) && typeof value === 'string' && value);
  if (choices.length > 0) await saveRowChoices(ctx, id, Object.fromEntries(choices));
  return startImport(ctx, id);
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
): Promise<{ batch: ImportBatch; counts: { restored: number; organizations: number; contacts: number; affiliations: number; cases?: number } }> {
  // Who may revert: the person who imported, or an admin (loadBatch lets no one else through).
  await loadBatch(ctx, id);
  return inTransaction(ctx, async (tx) => {
    const current = assertOwnedLocked(ctx, await lockImportBatch(tx, id));
    if (!['completed', 'failed'].includes(current.status)) throw new ConflictError(t('imports.errors.notRevertable'));
    const inConventions = await countImportedConventionParties(tx, id);
    if (inConventions > 0) throw new ConflictError(t('imports.errors.revertConventions', { count: inConventions }));
    const revertActor = {
      actorId: ctx.actor?.id ?? null,
      actorLabel: ctx.actor ? `${ctx.actor.displayName} <${ctx.actor.email}>` : 'Système',
      at: ctx.now,
      metadata: { importBatchId: id, reason: 'import.reverted' },
    };
    // « Pistes »: the cases it created, then the start-ups it created that no case references any more.
    if (current.entityType === 'sourcing_cases') {
      const deleted = await deleteImportedSourcingCases(tx, id, revertActor);
      const counts = { restored: 0, organizations: deleted.organizations, contacts: 0, affiliations: 0, cases: deleted.cases };
      const updated = await updateImportBatch(tx, id, { status: 'reverted', revertedAt: ctx.now, revertedById: ctx.actor?.id ?? null });
      await recordAudit(tx, ctx, { action: 'import.reverted', entityType: 'import_batch', entityId: id, metadata: { fileName: current.fileName, ...counts } });
      return { batch: updated, counts };
    }
    const restored = await restoreUpdatedRecords(tx, ctx, current);
    const deleted = await deleteImportedRecords(tx, id, revertActor);
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

/** The report's tabs: each outcome, and the rows imported with warnings (whatever their outcome). */
export const REPORT_FILTERS = ['created', 'updated', 'unchanged', 'skipped', 'ambiguous', 'error', 'warning'] as const;
type ReportFilter = (typeof REPORT_FILTERS)[number];

const reportSchema = z.object({
  outcome: z.enum(REPORT_FILTERS).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).default(1).catch(1),
});

/** A catalogue label, or the raw text when the catalogue has none (a column added later). */
function labelOr(key: string, fallback: string): string {
  const label = t(key);
  return label === key ? fallback : label;
}

/** A value of a record column as the report shows it (a code by its label, a list joined, nothing as « (vide) »). */
function displayValue(column: string, value: unknown, kinds: Map<string, string>): string {
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return t('imports.noValue');
  if (Array.isArray(value)) return value.map(String).join(', ');
  if (column === 'kindCode') return kinds.get(String(value)) ?? String(value);
  if (column === 'status') return labelOr(`organizations.statuses.${String(value)}`, String(value));
  if (column === 'legalBasis') return labelOr(`contacts.legalBases.${String(value)}`, String(value));
  // INSEE codes as people read them: « Auvergne-Rhône-Alpes (84) », « Puy-de-Dôme (63) », « Clermont-Ferrand (63113) ».
  const named = column === 'regionCode' ? regionName(String(value)) : column === 'departmentCode' ? departmentName(String(value)) : column === 'communeCode' ? communeByCode(String(value))?.name : undefined;
  if (named) return `${named} (${String(value)})`;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export async function importReport(ctx: ServiceContext, id: string, rawQuery: unknown) {
  const batch = await loadBatch(ctx, id);
  const query = reportSchema.parse(rawQuery ?? {});
  const filter: ReportFilter | undefined = query.outcome;
  const rows = await listImportReportRows(ctx.db, id, {
    outcome: filter && filter !== 'warning' ? filter : undefined,
    withWarnings: filter === 'warning',
    limit: REPORT_PAGE_SIZE + 1,
    offset: (query.page - 1) * REPORT_PAGE_SIZE,
  });
  const totals: Record<ReportFilter, number> = {
    created: batch.createdCount,
    updated: batch.updatedCount,
    unchanged: batch.unchangedCount,
    skipped: batch.skippedCount,
    ambiguous: batch.ambiguousCount,
    error: batch.errorCount,
    warning: batch.warningCount,
  };
  const filteredTotal = filter ? totals[filter] : batch.processedRows;
  const page = rows.slice(0, REPORT_PAGE_SIZE);
  const [candidates, kinds] = await Promise.all([
    candidateViews(ctx, batch.entityType, page.flatMap((row) => (row.outcome === 'ambiguous' ? row.candidateIds ?? [] : []))),
    page.some((row) => row.changes) ? listKinds(ctx.db, { includeArchived: true }) : Promise.resolve([]),
  ]);
  const kindLabels = new Map(kinds.map((kind) => [kind.code, kind.label]));
  const headerOf = (field: string) => mappedColumns(batch).find((column) => column.field === field)?.header ?? t(`imports.fields.${field}`);
  return {
    batch,
    query,
    counts: REPORT_FILTERS.map((key) => ({ key, count: totals[key], label: t(`imports.outcomeTabs.${key}`), current: key === filter })),
    rows: page.map((row) => ({
      ...row,
      messages: rowMessages(row.errors, batch),
      href: row.entityId && row.outcome !== 'error' ? recordHref(batch.entityType, row.entityId) : null,
      changeList: changeViews(row.changes, kindLabels),
      warningList: (row.warnings ?? []).map((warning) =>
        t('imports.warningCell', { line: row.rowNumber, column: headerOf(warning.field), value: warning.value || t('imports.noValue'), message: warning.message }),
      ),
      candidates: row.outcome === 'ambiguous' ? (row.candidateIds ?? []).flatMap((candidateId) => candidates.get(candidateId) ?? []) : [],
      sameKeyRows: row.outcome === 'ambiguous' ? sameKeyText(row.sameKeyRows) : null,
      choice: batch.rowChoices?.[String(row.rowNumber)] ?? '',
    })),
    hasNext: rows.length > REPORT_PAGE_SIZE,
    pageCount: Math.max(1, Math.ceil(filteredTotal / REPORT_PAGE_SIZE)),
    percent: batch.totalRows > 0 ? Math.min(100, Math.floor((batch.processedRows / batch.totalRows) * 100)) : 100,
    permissions: {
      revert: ['completed', 'failed'].includes(batch.status),
      resume: batch.status === 'failed',
      // Ambiguous rows of a finished run can still be settled, one choice per row.
      choose: batch.status === 'completed' && batch.ambiguousCount > 0,
    },
  };
}

// ── Choices for ambiguous rows ───────────────────────────────────────────────────────────────

/**
 * The person's choices for ambiguous rows (`choice_<line>` → a record id, `skip` or `create`):
 * kept for the run when made from the preview, applied at once when made from the report.
 */
export async function saveRowChoices(
  ctx: ServiceContext,
  id: string,
  input: Record<string, unknown>,
): Promise<{ batch: ImportBatch; count: number; applied: boolean; ignored: number[] }> {
  const batch = await loadBatch(ctx, id);
  const choices: Record<string, string> = {};
  for (const [key, value] of Object.entries(input)) {
    const line = /^choice_(\d{1,9})$/.exec(key)?.[1];
    if (!line || typeof value !== 'string' || !value) continue;
    if (value !== 'skip' && value !== 'create' && !z.uuid().safeParse(value).success) continue;
    choices[String(Number(line))] = value;
  }
  const count = Object.keys(choices).length;
  if (count === 0) throw new ValidationError({ _form: t('imports.noChoice') }, t('imports.noChoice'));
  if (batch.status === 'mapped') {
    const { saved } = await chooseBeforeRun(ctx, id, choices);
    return { batch, count: saved, applied: false, ignored: [] };
  }
  if (batch.status !== 'completed') throw new ConflictError(t('imports.errors.notReady'));
  const { applied, ignored } = await applyRowChoices(ctx, id, choices);
  return { batch, count: applied.length, applied: true, ignored };
}

/** Every warning of the batch (line, column header, value, reason), page after page, for its CSV file. */
export async function* importWarningLines(ctx: ServiceContext, id: string): AsyncGenerator<{ batch: ImportBatch; line?: { line: number; column: string; value: string; reason: string } }> {
  const batch = await loadBatch(ctx, id);
  yield { batch };
  const headerOf = (field: string) => mappedColumns(batch).find((column) => column.field === field)?.header ?? t(`imports.fields.${field}`);
  for (let offset = 0; ; offset += 500) {
    const rows = await listImportReportRows(ctx.db, id, { withWarnings: true, limit: 500, offset });
    for (const row of rows) {
      for (const warning of row.warnings ?? []) yield { batch, line: { line: row.rowNumber, column: headerOf(warning.field), value: warning.value, reason: warning.message } };
    }
    if (rows.length < 500) return;
  }
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
