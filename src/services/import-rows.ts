// One imported row: read it (the forms' schemas, warnings for optional cells left out), find the
// records its key designates, decide what it does (create, update, leave unchanged, skip, or wait
// for a choice when the key is ambiguous), and do it inside the run's transaction. The run
// (src/services/import-run.service.ts) does this for a chunk of rows at a time: one match query
// per chunk, the records to update read together (locked only when a row changes them), journal
// rows written in one statement.
//
// Matching never guesses: a key that designates several live records — or a key already seen on
// an earlier line of the same file — makes the row « ambiguous »; it is applied only once the
// person chooses (import-choices.service.ts). Updates follow the batch's field policies
// (src/services/imports/field-policies.ts) and compare normalised values, so re-importing a file
// changes nothing the second time.
import { randomUUID } from 'node:crypto';
import type { Database } from '../models/database';
import { t } from '../lib/i18n';
import { splitFullName, type EmployerReference, type KindChoice, type RowValues } from './imports/row-conversion';
import { readContactRow, readOrganizationRow, type RowErrors, type RowReading } from './imports/row-reading';
import { columnsOfPolicyField, fieldPolicy, policyFields } from './imports/field-policies';
import { isValidSiren, sirenOfSiret, splitSiretList, splitUaiList } from '../lib/identifiers';
import {
  findActiveUserIdByEmail,
  findContactKeyHolders,
  findEmployer,
  findImportRedirects,
  findOrganizationKeyHolders,
  type ImportKeyHolder,
  type ImportKeyKind,
} from '../models/imports.model';
import { affiliationsOfContact, findContactById, insertAffiliation, insertContact, replaceContactUnits, updateContactRow } from '../models/contacts.model';
import { findOrganizationById, insertOrganization, replaceOrganizationUnits, updateOrganizationRow } from '../models/organizations.model';
import type {
  Contact,
  ImportBatch,
  ImportEntityType,
  ImportOptions,
  ImportRowChanges,
  ImportRowWarning,
  NewContact,
  NewOrganization,
  Organization,
} from '../models/schema';
import { recordAudit, type AuditRecord } from './audit.service';
import { auditableContact, contactColumnsOf, type ContactInput } from './contacts.service';
import { optOutColumns } from './partner-mail.service';
import type { ServiceContext } from './context';
import { auditableOrganization, organizationColumnsOf, type OrganizationInput } from './organizations.service';
import { can } from './permissions';

/** Field key → French message (one definition, where rows are read). */
export type { RowErrors };

/** What every row of a batch shares: loaded once per run, preview or set of choices. */
export interface RowContext {
  ctx: ServiceContext & { actor: NonNullable<ServiceContext['actor']> };
  batch: ImportBatch;
  options: ImportOptions;
  kinds: KindChoice[];
  /** Which fields the mapping fills: an update only touches those. */
  mappedFields: Set<string>;
  /** Owner e-mail → active user id (null: no such account), looked up once per run. */
  owners?: Map<string, string | null>;
}

/** Thrown by an apply when the row cannot be done after all: the row is reported in error. */
export class RowRefusedError extends Error {
  constructor(readonly errors: RowErrors) {
    super('row refused');
  }
}

// ── Reading ──────────────────────────────────────────────────────────────────────────────────

export type ReadRow =
  | { ok: false; errors: RowErrors; warnings: ImportRowWarning[] }
  | { ok: true; entity: 'organizations'; input: OrganizationInput; ownerId: string | null; warnings: ImportRowWarning[] }
  | { ok: true; entity: 'contacts'; input: ContactInput; employer: EmployerReference | null; employerId: string | null; warnings: ImportRowWarning[] };

/**
 * The owner an « Responsable » cell names. An unknown address is a warning, not a refusal: the
 * record is imported with the importer as owner (creations) or keeps its owner (updates).
 */
async function ownerOf(rows: RowContext, email: string, db: Database, warnings: ImportRowWarning[]): Promise<string | null> {
  if (!email) return null;
  rows.owners ??= new Map();
  let id = rows.owners.get(email);
  if (id === undefined) {
    id = (await findActiveUserIdByEmail(db, email)) ?? null;
    rows.owners.set(email, id);
  }
  if (!id) warnings.push({ field: 'ownerEmail', value: email, message: t('imports.rowErrors.unknownOwner', { value: email }) });
  return id;
}

/** A row read with the forms' rules, before the look-ups that need the database (owner, employer). */
export type CellReading = RowReading<OrganizationInput> | RowReading<ContactInput>;

/**
 * The pure part of reading a row (no query): the run does it for the next chunk while the
 * database writes the current one.
 */
export function readCells(rows: RowContext, values: RowValues): CellReading {
  const context = { kinds: rows.kinds, options: rows.options };
  if (rows.batch.entityType === 'sourcing_cases') {
    // « pistes »: the start-up is read as an organisation; an invalid SIRET is a warning (it is looked up by name then).
    return readOrganizationRow(sirensApart(values), { kinds: rows.kinds, options: { ...rows.options, matchKey: 'none', defaultKindCode: 'startup' } });
  }
  return rows.batch.entityType === 'organizations' ? readOrganizationRow(values, context) : readContactRow(values, context);
}

/**
 * Start-up lists have one « SIREN / SIRET » column: a valid SIREN among its items (« 847 937 489 »)
 * is read as the SIREN (when no SIREN column says otherwise), the others as SIRET.
 */
function sirensApart(values: RowValues): RowValues {
  const items = (values.get('siret') ?? []).flatMap(splitSiretList);
  const sirens = items.filter((item) => item.length === 9 && isValidSiren(item));
  if (sirens.length === 0) return values;
  const apart = new Map(values);
  const sirets = items.filter((item) => !sirens.includes(item));
  if (sirets.length > 0) apart.set('siret', [sirets.join(' ; ')]);
  else apart.delete('siret');
  if (!apart.get('siren')?.some((cell) => cell.trim())) apart.set('siren', [sirens[0] ?? '']);
  return apart;
}

/** Employer reference → the organisation found for it, per run (only found ones: see readContact). */
const employerCache = new WeakMap<RowContext, Map<string, string | null>>();

/** Completes a reading with what needs the database: the owner an e-mail names, a contact's employer. */
export async function completeRead(rows: RowContext, reading: CellReading, db: Database): Promise<ReadRow> {
  if (!reading.ok) return reading;
  const warnings = [...reading.warnings];
  if (rows.batch.entityType !== 'contacts') {
    const ownerId = await ownerOf(rows, reading.ownerEmail ?? '', db, warnings);
    return { ok: true, entity: 'organizations', input: reading.input as OrganizationInput, ownerId, warnings };
  }
  let employer = reading.employer ?? null;
  let employerId: string | null = null;
  if (employer) {
    const cache = employerCache.get(rows) ?? new Map<string, string | null>();
    employerCache.set(rows, cache);
    const key = JSON.stringify([employer.siret, employer.uai, employer.name]);
    const cached = cache.get(key);
    const found = cached !== undefined ? { id: cached, ambiguous: false } : await findEmployerOf(db, employer);
    // Only found ones are kept: an employer created by a later row is then found again at apply.
    if (found.id) cache.set(key, found.id);
    if (found.ambiguous) {
      // Matching never guesses, for the employer either: the contact comes without its affiliation.
      warnings.push({ field: employer.siret ? 'organizationSiret' : employer.uai ? 'organizationUai' : 'organizationName', value: employer.siret || employer.uai || employer.name, message: t('imports.rowWarnings.employerAmbiguous', { value: employer.siret || employer.uai || employer.name }) });
      employer = null;
    } else {
      employerId = found.id;
      if (!employerId && !employer.name) return { ok: false, errors: { organizationSiret: t('imports.rowErrors.unknownEmployer') }, warnings };
    }
  }
  return { ok: true, entity: 'contacts', input: reading.input as ContactInput, employer, employerId, warnings };
}

/**
 * The organisation a contact row names: by SIRET (any of a record's SIRET), else UAI, else name,
 * merges followed; several live organisations for the first identifier given is `ambiguous`.
 * A name that matches no organisation's name may still be an acronym (findEmployer).
 */
async function findEmployerOf(db: Database, employer: EmployerReference): Promise<{ id: string | null; ambiguous: boolean }> {
  const attempts: Array<[ImportOptions['matchKey'], string]> = [];
  if (employer.siret) attempts.push(['siret', employer.siret]);
  if (employer.uai) attempts.push(['uai', employer.uai]);
  if (employer.name) attempts.push(['name', employer.name]);
  for (const [matchKey, value] of attempts) {
    const options = { matchKey } as ImportOptions;
    const ids = candidatesOf(await resolveMatches(db, 'organizations', options, [value]), options, [value]);
    if (ids.length > 1) return { id: null, ambiguous: true };
    if (ids[0]) return { id: ids[0], ambiguous: false };
  }
  const byAcronym = employer.name ? await findEmployer(db, { name: employer.name }) : undefined;
  return { id: byAcronym?.id ?? null, ambiguous: false };
}

/** The row read with the forms' rules: its input, or why it is refused; warnings either way. */
export async function readRow(rows: RowContext, values: RowValues, db: Database): Promise<ReadRow> {
  return completeRead(rows, readCells(rows, values), db);
}

// ── Keys ─────────────────────────────────────────────────────────────────────────────────────

/** A name as the match by name compares it (accents and case aside). */
export function nameKey(name: string): string {
  return name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** How the directory is searched for the batch's match key. */
function keyKindOf(options: ImportOptions): ImportKeyKind | null {
  return options.matchKey === 'none' ? null : options.matchKey;
}

/** The row's values for the batch's match key, as the directory is searched for them. */
export function matchValuesOf(options: ImportOptions, read: ReadRow): string[] {
  if (!read.ok) return [];
  if (read.entity === 'organizations') {
    const { input } = read;
    switch (options.matchKey) {
      case 'siret':
        return [...new Set([input.siret, ...otherSiretsOf(input)].filter((siret): siret is string => !!siret))];
      case 'uai':
        return input.uai;
      case 'email':
        return input.email ? [input.email.toLowerCase()] : [];
      case 'name':
        return [input.name];
      default:
        return [];
    }
  }
  const { input } = read;
  if (options.matchKey === 'email') return input.emails;
  // The contact's search_name is « first last » (first name possibly empty).
  if (options.matchKey === 'name') return [`${input.firstName ?? ''} ${input.lastName}`];
  return [];
}

/** A match value as a file key: the same record key written twice in one file gives the same text. */
function fileKeyOf(matchKey: ImportOptions['matchKey'], value: string): string {
  return `${matchKey}:${matchKey === 'name' ? nameKey(value) : value.toLowerCase()}`;
}

/**
 * The row's keys, read cheaply from its cells (no validation): what the run's pre-pass over the
 * whole file compares to find the lines that share a key, split as the row reading splits them
 * (several SIRET or UAI per cell, a SIRET written in groups).
 */
export function fileKeysOf(entityType: ImportEntityType, matchKey: ImportOptions['matchKey'], values: RowValues): string[] {
  const keys = new Set<string>();
  const add = (value: string) => keys.add(fileKeyOf(matchKey, value));
  switch (matchKey) {
    case 'siret':
      for (const cell of values.get('siret') ?? []) for (const siret of splitSiretList(cell)) if (/^\d{14}$/.test(siret)) add(siret);
      break;
    case 'uai':
      for (const cell of values.get('uai') ?? []) for (const uai of splitUaiList(cell)) if (/^\d{7}[A-Z]$/.test(uai)) add(uai);
      break;
    case 'email': {
      const emails = (values.get('email') ?? []).flatMap((cell) => cell.split(/[\s;,|]+/)).filter((item) => item.includes('@'));
      for (const email of entityType === 'organizations' ? emails.slice(0, 1) : emails) add(email.toLowerCase());
      break;
    }
    case 'name': {
      if (entityType === 'organizations') {
        const name = values.get('name')?.[0]?.trim();
        if (name) add(name);
      } else {
        let firstName = values.get('firstName')?.[0]?.trim() ?? '';
        let lastName = values.get('lastName')?.[0]?.trim() ?? '';
        const fullName = values.get('fullName')?.[0]?.trim() ?? '';
        if (!firstName && !lastName && fullName) ({ firstName, lastName } = splitFullName(fullName));
        if (lastName) add(`${firstName} ${lastName}`);
      }
      break;
    }
    default:
      break;
  }
  return [...keys];
}

/** The other lines of the file sharing a key with a row (see buildFileKeyIndex in the run). */
export interface FileKeyIndex {
  /** Key → every line holding it, ascending; only keys found on two lines or more. */
  lines: Map<string, number[]>;
}

/** The file-level duplicates of a row: the other lines with one of its keys, and whether one comes first. */
export function sameKeyLines(index: FileKeyIndex | undefined, keys: string[], line: number): { later: boolean; lines: number[] } {
  if (!index) return { later: false, lines: [] };
  const lines = new Set<number>();
  let later = false;
  for (const key of keys) {
    const holders = index.lines.get(key);
    if (!holders) continue;
    if ((holders[0] ?? line) < line) later = true;
    for (const other of holders) if (other !== line) lines.add(other);
  }
  return { later, lines: [...lines].sort((a, b) => a - b).slice(0, 100) };
}

// ── Matching ─────────────────────────────────────────────────────────────────────────────────

/** A merged record designates the record it was merged into, possibly through several merges. */
const MAX_MERGE_HOPS = 5;

/**
 * Match value → the live records it designates, for a whole chunk in one statement (plus one per
 * merge hop, rare). Every identifier of a record counts (SIRET and other SIRET, every UAI); a
 * value found on a merged record designates the record it was merged into; duplicates removed.
 */
export async function resolveMatches(db: Database, entityType: ImportEntityType, options: ImportOptions, values: string[]): Promise<Map<string, string[]>> {
  const kind = keyKindOf(options);
  const result = new Map<string, string[]>();
  const unique = [...new Set(values)];
  if (!kind || unique.length === 0) return result;
  const holders: ImportKeyHolder[] =
    entityType === 'organizations' ? await findOrganizationKeyHolders(db, kind, unique) : await findContactKeyHolders(db, kind === 'email' ? 'email' : 'name', unique);
  // Follow merged_into: fetch the records merged ones point at, a hop at a time (rare).
  const known = new Map<string, { mergedIntoId: string | null; live: boolean }>(holders.map((holder) => [holder.id, holder]));
  for (let hop = 0; hop < MAX_MERGE_HOPS; hop += 1) {
    const missing = [...new Set([...known.values()].map((record) => record.mergedIntoId).filter((id): id is string => !!id && !known.has(id)))];
    if (missing.length === 0) break;
    for (const redirect of await findImportRedirects(db, entityType, missing)) known.set(redirect.id, redirect);
    for (const id of missing) if (!known.has(id)) known.set(id, { mergedIntoId: null, live: false });
  }
  const finalOf = (id: string): string | null => {
    let current = id;
    for (let hop = 0; hop <= MAX_MERGE_HOPS; hop += 1) {
      const record = known.get(current);
      if (!record) return null;
      if (!record.mergedIntoId) return record.live ? current : null;
      current = record.mergedIntoId;
    }
    return null;
  };
  for (const holder of holders) {
    const id = finalOf(holder.id);
    if (!id) continue;
    const ids = result.get(holder.key) ?? [];
    if (!ids.includes(id)) ids.push(id);
    result.set(holder.key, ids);
  }
  return result;
}

/** The records a row's match values designate, in a stable order. */
export function candidatesOf(matches: Map<string, string[]>, options: ImportOptions, values: string[]): string[] {
  const ids = new Set<string>();
  for (const value of values) {
    // Name and e-mail lookups come back in the database's form (names as given, e-mails lower case).
    const found = matches.get(value) ?? (options.matchKey === 'email' ? matches.get(value.toLowerCase()) : undefined);
    for (const id of found ?? []) ids.add(id);
  }
  return [...ids].sort();
}

/**
 * How a row is looked up in the directory. By the batch's key; a row with no value for it (a
 * register's public body without SIRET) by the other identifiers it carries — SIRET, UAI,
 * e-mail, in that order — and, without any, by its name. Records found by name alone are only
 * proposed: the row waits for a choice (« ambiguë »), it never updates them on its own (a
 * « Lycée Jean Moulin » without UAI is not the one of another town), and it is not created
 * again either, so a file re-imported with such rows creates no duplicate.
 */
export interface RowLookup {
  /** The batch's options with the key the row is looked up by. */
  options: ImportOptions;
  values: string[];
  byNameOnly: boolean;
}

/** Identifier keys tried, in order, for a row without the batch's key. */
const FALLBACK_KEYS: Record<ImportEntityType, Array<ImportOptions['matchKey']>> = {
  organizations: ['siret', 'uai', 'email'],
  contacts: ['email'],
  sourcing_cases: ['siret'],
};

export function rowLookupOf(options: ImportOptions, entityType: ImportEntityType, read: ReadRow): RowLookup {
  const values = matchValuesOf(options, read);
  if (options.matchKey === 'none' || values.length > 0 || !read.ok) return { options, values, byNameOnly: false };
  for (const key of FALLBACK_KEYS[entityType]) {
    if (key === options.matchKey) continue;
    const fallback = { ...options, matchKey: key };
    const found = matchValuesOf(fallback, read);
    if (found.length > 0) return { options: fallback, values: found, byNameOnly: false };
  }
  const byName = { ...options, matchKey: 'name' as const };
  return { options: byName, values: matchValuesOf(byName, read), byNameOnly: options.matchKey !== 'name' };
}

/** Each lookup's candidates, in order: one statement per key kind the lookups use (usually one). */
export async function resolveLookups(db: Database, entityType: ImportEntityType, lookups: RowLookup[]): Promise<string[][]> {
  const byKind = new Map<string, { options: ImportOptions; values: string[] }>();
  for (const lookup of lookups) {
    const group = byKind.get(lookup.options.matchKey) ?? { options: lookup.options, values: [] };
    group.values.push(...lookup.values);
    byKind.set(lookup.options.matchKey, group);
  }
  const matches = new Map<string, Map<string, string[]>>();
  for (const [kind, group] of byKind) matches.set(kind, await resolveMatches(db, entityType, group.options, group.values));
  return lookups.map((lookup) => candidatesOf(matches.get(lookup.options.matchKey) ?? new Map(), lookup.options, lookup.values));
}

// ── Deciding ─────────────────────────────────────────────────────────────────────────────────

export type RowDecision =
  | { action: 'skip'; reason: string; targetId?: string }
  | { action: 'ambiguous'; candidateIds: string[] }
  | { action: 'create' }
  | { action: 'update'; targetId: string };

/**
 * What a valid row does. A row is ambiguous when its key designates several records, or when an
 * earlier line of the file has the same key (that first line is applied; the later ones wait, so
 * two lines never silently merge into one record). In « créer seulement » a row whose key designates
 * existing records is skipped, however many. An ambiguous row is applied only by a choice:
 * `skip`, `create`, or one of its candidates' id — a choice is explicit, so it wins over the mode.
 * A choice on a row that is not ambiguous is ignored. `byNameOnly`: the candidates were found by
 * the row's name alone (see RowLookup), so even one is only proposed.
 */
export function decideRow(options: ImportOptions, candidateIds: string[], laterSameKey: boolean, choice: string | undefined, byNameOnly = false): RowDecision {
  // « Créer seulement »: a row whose key designates existing records is skipped, however many
  // (nothing would be updated, so there is nothing to choose).
  if (options.mode === 'create_only' && candidateIds.length > 0 && !laterSameKey && !byNameOnly) {
    return { action: 'skip', reason: t('imports.skipReasons.exists'), targetId: candidateIds.length === 1 ? candidateIds[0] : undefined };
  }
  if (candidateIds.length > 1 || laterSameKey || (byNameOnly && candidateIds.length > 0)) {
    if (choice === 'skip') return { action: 'skip', reason: t('imports.skipReasons.chosen') };
    if (choice === 'create') return { action: 'create' };
    if (choice && candidateIds.includes(choice)) return { action: 'update', targetId: choice };
    return { action: 'ambiguous', candidateIds };
  }
  const [targetId] = candidateIds;
  if (targetId && options.mode === 'create_only') return { action: 'skip', reason: t('imports.skipReasons.exists'), targetId };
  if (!targetId && options.mode === 'update_only') return { action: 'skip', reason: t('imports.skipReasons.noMatch') };
  return targetId ? { action: 'update', targetId } : { action: 'create' };
}

// ── Comparing values ─────────────────────────────────────────────────────────────────────────

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

/** A value as compared: dates as ISO text, lists as sorted sets, empty as null. */
function comparable(value: unknown): unknown {
  if (isEmpty(value)) return null;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return [...new Set(value.map((item) => String(item)))].sort();
  return value;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(comparable(a)) === JSON.stringify(comparable(b));
}

function union(current: readonly string[] | null | undefined, added: readonly string[] | null | undefined): string[] {
  return [...new Set([...(current ?? []), ...(added ?? [])])];
}

/** JSON-safe copy for import_rows (dates as ISO text). */
function stored(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : (value ?? null);
}

export interface PlannedUpdate {
  /** Columns to write (only those that change). */
  set: Record<string, unknown>;
  /** Column → before/after, for the report. */
  changes: ImportRowChanges;
  /** Column → value before, for the revert. */
  before: Record<string, unknown>;
}

function plannedUpdate(record: Record<string, unknown>, next: Record<string, unknown>): PlannedUpdate {
  const planned: PlannedUpdate = { set: {}, changes: {}, before: {} };
  for (const [column, value] of Object.entries(next)) {
    if (sameValue(record[column], value)) continue;
    planned.set[column] = value;
    planned.before[column] = stored(record[column]);
    planned.changes[column] = { before: stored(record[column]), after: stored(value) };
  }
  return planned;
}

/**
 * Applies a policy field's policy to the file's values for its columns. `overwrite`: the file's
 * value (lists: its items added, none removed); `fill_empty`: only when the record's field is
 * empty (for the address, when the record has no address at all, so street, postal code and
 * commune always come from one source); `never`: nothing.
 */
function applyPolicy(
  entityType: ImportEntityType,
  options: ImportOptions,
  field: string,
  record: Record<string, unknown>,
  offered: Record<string, unknown>,
  next: Record<string, unknown>,
): void {
  const policy = fieldPolicy(options, entityType, field);
  if (policy === 'never') return;
  const columns = columnsOfPolicyField(entityType, field).filter((column) => column in offered);
  if (columns.length === 0) return;
  if (field === 'addressLine') {
    if (policy === 'fill_empty' && columnsOfPolicyField(entityType, field).some((column) => !isEmpty(record[column]))) return;
    for (const column of columns) next[column] = offered[column];
    return;
  }
  for (const column of columns) {
    const value = offered[column];
    if (Array.isArray(value)) {
      if (policy === 'fill_empty' && !isEmpty(record[column])) continue;
      next[column] = union(record[column] as string[] | null, value as string[]);
    } else {
      if (policy === 'fill_empty' && !isEmpty(record[column])) continue;
      next[column] = value;
    }
  }
}

// ── Organisations ────────────────────────────────────────────────────────────────────────────

/** Import field → the organisation columns it writes on an update. */
const ORGANIZATION_COLUMNS_OF_FIELD: Record<string, string[]> = {
  name: ['name'],
  acronym: ['acronym'],
  kind: ['kindCode'],
  status: ['status'],
  siren: ['siren'],
  uai: ['uai'],
  website: ['website'],
  email: ['email'],
  phone: ['phone'],
  addressLine: ['addressLine', 'postalCode', 'city', 'communeCode', 'departmentCode', 'regionCode'],
  postalCode: ['postalCode', 'city', 'communeCode', 'departmentCode', 'regionCode'],
  city: ['postalCode', 'city', 'communeCode', 'departmentCode', 'regionCode'],
  communeCode: ['postalCode', 'city', 'communeCode', 'departmentCode', 'regionCode'],
  tags: ['tags'],
  description: ['description'],
  ownerEmail: ['ownerId'],
};

/** The SIRET after the first of a cell (« 39779265600019, 39779265600027 »). */
function otherSiretsOf(input: OrganizationInput): string[] {
  const others = (input as OrganizationInput & { otherSirets?: string[] | null }).otherSirets ?? [];
  return others.filter((siret) => siret && siret !== input.siret);
}

/**
 * SIRET: a SIRET of the file the record already holds (main or other) changes nothing. A new one
 * becomes the main SIRET under `overwrite` — the previous main one is kept among the other SIRET,
 * so the record is still found by it — or under `fill_empty` when the record has none; otherwise
 * (fill_empty with a SIRET already, never) it is added to the other SIRET, unless that list's
 * policy says otherwise. The SIREN follows the main SIRET.
 */
function planSirets(options: ImportOptions, input: OrganizationInput, record: Organization, siretMapped: boolean, next: Record<string, unknown>): void {
  const policy = fieldPolicy(options, 'organizations', 'siret');
  const othersPolicy = fieldPolicy(options, 'organizations', 'otherSirets');
  if (!siretMapped) return;
  const held = new Set([record.siret, ...record.otherSirets].filter(Boolean));
  const fresh = [input.siret, ...otherSiretsOf(input)].filter((siret): siret is string => !!siret && !held.has(siret));
  const additions: string[] = [];
  const main = input.siret && fresh.includes(input.siret) ? input.siret : null;
  for (const siret of fresh) if (siret !== main) additions.push(siret);
  if (main) {
    if (policy === 'overwrite' || (policy === 'fill_empty' && !record.siret)) {
      next.siret = main;
      next.siren = sirenOfSiret(main);
      // The replaced SIRET is kept: nothing the record said is lost, and it still finds the record.
      if (record.siret) next.otherSirets = union(record.otherSirets, [record.siret]);
    } else {
      additions.unshift(main);
    }
  }
  if (additions.length > 0 && othersPolicy !== 'never' && !(othersPolicy === 'fill_empty' && record.otherSirets.length > 0)) {
    next.otherSirets = union((next.otherSirets as string[] | undefined) ?? record.otherSirets, additions);
  }
}

/** What updating `record` with the row would change, field policies applied; nothing written. */
export function planOrganizationUpdate(rows: RowContext, read: Extract<ReadRow, { entity: 'organizations' }>, values: RowValues, record: Organization): PlannedUpdate {
  const { options } = rows;
  const file: Record<string, unknown> = { ...(organizationColumnsOf(read.input) as Record<string, unknown>), ownerId: read.ownerId };
  // Only what the file fills: an empty or unmapped cell never blanks a field.
  const offered: Record<string, unknown> = {};
  for (const field of rows.mappedFields) {
    if (!values.has(field)) continue;
    for (const column of ORGANIZATION_COLUMNS_OF_FIELD[field] ?? []) {
      const value = file[column];
      if (!isEmpty(value)) offered[column] = value;
    }
  }
  const next: Record<string, unknown> = {};
  const current = record as unknown as Record<string, unknown>;
  planSirets(options, read.input, record, values.has('siret'), next);
  // A SIREN alone (no SIRET in the file) fills or replaces the record's only when it has no SIRET.
  if (!('siren' in next) && offered.siren && !record.siret) applyPolicy('organizations', options, 'siret', current, { siren: offered.siren }, next);
  for (const field of policyFields('organizations')) {
    if (field === 'siret' || field === 'otherSirets') continue;
    applyPolicy('organizations', options, field, current, offered, next);
  }
  return plannedUpdate(current, next);
}

/**
 * A creation the run may write together with its chunk's other creations (one INSERT for all
 * of them) instead of row by row.
 */
export interface PreparedCreate {
  organization: NewOrganization & { id: string };
  unitIds: string[];
  audit: AuditRecord;
}

export function prepareOrganizationCreate(rows: RowContext, read: Extract<ReadRow, { entity: 'organizations' }>): PreparedCreate {
  const { ctx, options } = rows;
  const batchId = rows.batch.id;
  const unitIds = options.unitIds.length > 0 ? options.unitIds : ctx.actor.unitIds;
  const id = randomUUID();
  const values: NewOrganization & { id: string } = {
    ...(organizationColumnsOf(read.input) as NewOrganization),
    otherSirets: otherSiretsOf(read.input),
    id,
    ownerId: read.ownerId ?? ctx.actor.id,
    createdById: ctx.actor.id,
    updatedById: ctx.actor.id,
    importBatchId: batchId,
  };
  return {
    organization: values,
    unitIds,
    audit: { action: 'organization.created', entityType: 'organization', entityId: id, after: { ...values, unitIds }, metadata: { importBatchId: batchId } },
  };
}

export interface AppliedRow {
  outcome: 'created' | 'updated' | 'unchanged';
  entityId: string;
  before?: Record<string, unknown> | null;
  changes?: ImportRowChanges | null;
  createdOrganizationId?: string | null;
}

/**
 * Updates an organisation the run has locked (`record`, with its units): the importer must be
 * allowed to edit it; nothing changed means no UPDATE and no journal row.
 */
export async function applyOrganizationUpdate(
  rows: RowContext,
  tx: Database,
  read: Extract<ReadRow, { entity: 'organizations' }>,
  values: RowValues,
  record: Organization,
  unitIds: string[],
): Promise<{ applied: AppliedRow; record: Organization }> {
  const { ctx } = rows;
  if (!can(ctx.actor, 'directory.edit', { ownerId: record.ownerId, unitIds })) throw new RowRefusedError({ _row: t('imports.rowErrors.notAllowed') });
  const planned = planOrganizationUpdate(rows, read, values, record);
  if (Object.keys(planned.set).length === 0) return { applied: { outcome: 'unchanged', entityId: record.id }, record };
  const updated = await updateOrganizationRow(tx, record.id, { ...planned.set, updatedById: ctx.actor.id } as Partial<NewOrganization>);
  await recordAudit(tx, ctx, {
    action: 'organization.updated',
    entityType: 'organization',
    entityId: record.id,
    before: auditableOrganization(record),
    after: auditableOrganization(updated),
    metadata: { importBatchId: rows.batch.id },
  });
  return { applied: { outcome: 'updated', entityId: record.id, before: planned.before, changes: planned.changes }, record: updated };
}

// ── Contacts ─────────────────────────────────────────────────────────────────────────────────

const CONTACT_COLUMNS_OF_FIELD: Record<string, string[]> = {
  civility: ['civility'],
  firstName: ['firstName'],
  lastName: ['lastName'],
  fullName: ['firstName', 'lastName'],
  jobTitle: ['jobTitle'],
  email: ['emails'],
  phone: ['phones'],
  linkedinUrl: ['linkedinUrl'],
  tags: ['tags'],
  notes: ['notes'],
  legalBasis: ['legalBasis', 'consentAt'],
  consentDate: ['consentAt'],
};

export function planContactUpdate(rows: RowContext, read: Extract<ReadRow, { entity: 'contacts' }>, values: RowValues, record: Contact): PlannedUpdate {
  const file = contactColumnsOf(read.input) as Record<string, unknown>;
  const offered: Record<string, unknown> = {};
  for (const field of rows.mappedFields) {
    if (!values.has(field)) continue;
    for (const column of CONTACT_COLUMNS_OF_FIELD[field] ?? []) {
      const value = file[column];
      if (!isEmpty(value)) offered[column] = value;
    }
  }
  const next: Record<string, unknown> = {};
  const current = record as unknown as Record<string, unknown>;
  for (const field of policyFields('contacts')) applyPolicy('contacts', rows.options, field, current, offered, next);
  return plannedUpdate(current, next);
}

/** The employer found when the row was read, or created on the way (by name, with the import's default kind). */
async function employerOf(rows: RowContext, tx: Database, read: Extract<ReadRow, { entity: 'contacts' }>): Promise<{ id: string; created: boolean } | null> {
  const { ctx, options } = rows;
  const employer = read.employer;
  if (!employer) return null;
  if (read.employerId) return { id: read.employerId, created: false };
  // Created by an earlier row of this run since the row was read?
  const again = await findEmployer(tx, { name: employer.name });
  if (again) return { id: again.id, created: false };
  const batchId = rows.batch.id;
  const organization = await insertOrganization(tx, {
    name: employer.name,
    kindCode: options.defaultKindCode,
    status: 'prospect',
    siret: null,
    ownerId: ctx.actor.id,
    createdById: ctx.actor.id,
    updatedById: ctx.actor.id,
    importBatchId: batchId,
  });
  const unitIds = options.unitIds.length > 0 ? options.unitIds : ctx.actor.unitIds;
  await replaceOrganizationUnits(tx, organization.id, unitIds);
  await recordAudit(tx, ctx, {
    action: 'organization.created',
    entityType: 'organization',
    entityId: organization.id,
    after: { ...auditableOrganization(organization), unitIds },
    metadata: { importBatchId: batchId },
  });
  return { id: organization.id, created: true };
}

/** Adds the affiliation unless a current one to that organisation exists; says whether it did. */
async function affiliate(rows: RowContext, tx: Database, read: Extract<ReadRow, { entity: 'contacts' }>, contactId: string, organizationId: string): Promise<boolean> {
  const { ctx } = rows;
  const existing = await affiliationsOfContact(tx, contactId);
  if (existing.some((affiliation) => affiliation.organizationId === organizationId && !affiliation.endDate)) return false;
  const affiliation = await insertAffiliation(tx, {
    contactId,
    organizationId,
    role: read.input.role ?? null,
    startDate: read.input.startDate ?? null,
    isPrimary: !existing.some((other) => other.isPrimary && !other.endDate),
    importBatchId: rows.batch.id,
    createdById: ctx.actor.id,
  });
  await recordAudit(tx, ctx, {
    action: 'affiliation.created',
    entityType: 'contact',
    entityId: contactId,
    after: { organizationId, role: affiliation.role, startDate: affiliation.startDate },
    metadata: { importBatchId: rows.batch.id, affiliationId: affiliation.id },
  });
  return true;
}

export async function applyContactCreate(rows: RowContext, tx: Database, read: Extract<ReadRow, { entity: 'contacts' }>): Promise<AppliedRow> {
  const { ctx, options } = rows;
  const columns = contactColumnsOf(read.input) as NewContact;
  const contact = await insertContact(tx, {
    ...columns,
    // A refusal read from the file is dated the day of the import.
    ...optOutColumns(false, columns.emailOptOut === true, ctx.now, 'import'),
    ownerId: ctx.actor.id,
    createdById: ctx.actor.id,
    updatedById: ctx.actor.id,
    importBatchId: rows.batch.id,
  });
  const unitIds = options.unitIds.length > 0 ? options.unitIds : ctx.actor.unitIds;
  await replaceContactUnits(tx, contact.id, unitIds);
  await recordAudit(tx, ctx, {
    action: 'contact.created',
    entityType: 'contact',
    entityId: contact.id,
    after: { ...auditableContact(contact), unitIds },
    metadata: { importBatchId: rows.batch.id },
  });
  const organization = await employerOf(rows, tx, read);
  if (organization) await affiliate(rows, tx, read, contact.id, organization.id);
  return { outcome: 'created', entityId: contact.id, createdOrganizationId: organization?.created ? organization.id : null };
}

/** Updates a locked contact; an affiliation added counts as a change (« affiliation » in changes). */
export async function applyContactUpdate(
  rows: RowContext,
  tx: Database,
  read: Extract<ReadRow, { entity: 'contacts' }>,
  values: RowValues,
  record: Contact,
  unitIds: string[],
): Promise<{ applied: AppliedRow; record: Contact }> {
  const { ctx } = rows;
  if (!can(ctx.actor, 'directory.edit', { ownerId: record.ownerId, unitIds })) throw new RowRefusedError({ _row: t('imports.rowErrors.notAllowed') });
  const planned = planContactUpdate(rows, read, values, record);
  let updated = record;
  if (Object.keys(planned.set).length > 0) {
    updated = await updateContactRow(tx, record.id, { ...planned.set, updatedById: ctx.actor.id } as Partial<NewContact>);
    await recordAudit(tx, ctx, {
      action: 'contact.updated',
      entityType: 'contact',
      entityId: record.id,
      before: auditableContact(record),
      after: auditableContact(updated),
      metadata: { importBatchId: rows.batch.id },
    });
  }
  const organization = await employerOf(rows, tx, read);
  const affiliated = organization ? await affiliate(rows, tx, read, record.id, organization.id) : false;
  if (affiliated && organization) planned.changes.affiliation = { before: null, after: organization.id };
  const changed = Object.keys(planned.changes).length > 0;
  return {
    applied: {
      outcome: changed ? 'updated' : 'unchanged',
      entityId: record.id,
      before: changed ? planned.before : null,
      changes: changed ? planned.changes : null,
      createdOrganizationId: organization?.created ? organization.id : null,
    },
    record: updated,
  };
}

/**
 * Whether every value the row gives is already the record's (as « overwrite » everywhere would
 * compare them: scalars equal, list items all present). A row proposed by its name alone that is
 * identical to its only namesake — typically the record the same file created the first time —
 * is « inchangée »: nothing is written, so nothing can be wrongly guessed.
 */
export function rowAlreadyInRecord(rows: RowContext, read: Extract<ReadRow, { ok: true }>, values: RowValues, record: Organization | Contact): boolean {
  const everywhere = Object.fromEntries(policyFields(rows.batch.entityType).map((field) => [field, 'overwrite' as const]));
  const strict: RowContext = { ...rows, options: { ...rows.options, fieldPolicies: everywhere } };
  const planned =
    read.entity === 'organizations' ? planOrganizationUpdate(strict, read, values, record as Organization) : planContactUpdate(strict, read, values, record as Contact);
  return Object.keys(planned.set).length === 0;
}

/** The only namesake a row found by its name alone may be settled against (see rowAlreadyInRecord). */
export function namesakeToCompare(lookup: RowLookup, decision: RowDecision, laterSameKey: boolean): string | undefined {
  if (!lookup.byNameOnly || laterSameKey || decision.action !== 'ambiguous' || decision.candidateIds.length !== 1) return undefined;
  return decision.candidateIds[0];
}

// ── One row, without writing (the preview) ──────────────────────────────────────────────────

export type RowPlan =
  | { action: 'error'; errors: RowErrors; warnings: ImportRowWarning[] }
  | { action: 'skip'; reason: string; targetId?: string; warnings: ImportRowWarning[] }
  | { action: 'ambiguous'; candidateIds: string[]; sameKeyRows: number[]; warnings: ImportRowWarning[] }
  | { action: 'create'; warnings: ImportRowWarning[] }
  | { action: 'update'; targetId: string; changes: ImportRowChanges; warnings: ImportRowWarning[] }
  | { action: 'unchanged'; targetId: string; warnings: ImportRowWarning[] };

/**
 * What one row would do — read, matched, decided, and for an update the fields it would change —
 * without writing anything (the preview). `line` and `fileKeys` (buildFileKeyIndex) let it see
 * the earlier lines of the file with the same key; the batch's pre-run choices are honoured.
 */
export async function planRow(rows: RowContext, values: RowValues, db: Database, line?: number, fileKeys?: FileKeyIndex): Promise<RowPlan> {
  const read = await readRow(rows, values, db);
  if (!read.ok) return { action: 'error', errors: read.errors, warnings: read.warnings };
  const entityType = rows.batch.entityType;
  const lookup = rowLookupOf(rows.options, entityType, read);
  const [candidateIds = []] = await resolveLookups(db, entityType, [lookup]);
  const sameKey = line === undefined ? { later: false, lines: [] } : sameKeyLines(fileKeys, fileKeysOf(entityType, rows.options.matchKey, values), line);
  const decision = decideRow(rows.options, candidateIds, sameKey.later, line === undefined ? undefined : rows.batch.rowChoices[String(line)], lookup.byNameOnly);
  const { warnings } = read;
  const namesakeId = namesakeToCompare(lookup, decision, sameKey.later);
  if (namesakeId) {
    const namesake = read.entity === 'organizations' ? await findOrganizationById(db, namesakeId) : await findContactById(db, namesakeId);
    if (namesake && !namesake.mergedIntoId && rowAlreadyInRecord(rows, read, values, namesake)) return { action: 'unchanged', targetId: namesakeId, warnings };
  }
  switch (decision.action) {
    case 'skip':
      return { ...decision, warnings };
    case 'ambiguous':
      return { action: 'ambiguous', candidateIds: decision.candidateIds, sameKeyRows: sameKey.lines, warnings };
    case 'create':
      return { action: 'create', warnings };
    case 'update': {
      let planned: PlannedUpdate | null = null;
      if (read.entity === 'organizations') {
        const record = await findOrganizationById(db, decision.targetId);
        if (record) planned = planOrganizationUpdate(rows, read, values, record);
      } else {
        const record = await findContactById(db, decision.targetId);
        if (record) planned = planContactUpdate(rows, read, values, record);
      }
      if (!planned || Object.keys(planned.changes).length === 0) return { action: 'unchanged', targetId: decision.targetId, warnings };
      return { action: 'update', targetId: decision.targetId, changes: planned.changes, warnings };
    }
  }
}
