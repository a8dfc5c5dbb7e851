// The import wizard's « pistes » target: a list of start-ups added to a challenge's « repérée »
// column. A row is read with the organisation form's rules (name required, several SIRET per cell,
// address in one cell, optional cells left out with a warning) plus the case's own cells (source,
// summary, tags, estimated budget, owner). Its start-up is found by SIREN (the first nine digits of
// any SIRET or SIREN of the row, every identifier of a record counted, merges followed), else by
// name (accents and case aside); several organisations ⇒ the row is « ambiguë » and waits for the
// person's choice, as for organisations; none ⇒ the organisation is created (kind « startup »,
// the importer's units). Then the case is added through addCaseInTransaction (movedBy 'import').
// A start-up already in the challenge is reported « déjà dans le défi » (skipped, not an error).
// Organisations are never updated by this target.
import { ConflictError, ForbiddenError, ValidationError } from '../lib/errors';
import { t } from '../lib/i18n';
import { sirenOfSiret } from '../lib/identifiers';
import type { Database } from '../models/database';
import { insertOrganizationsWithUnits } from '../models/organizations.model';
import { CASE_SOURCES, type CaseSource, type ImportOptions, type ImportRowWarning } from '../models/schema';
import { findCaseOfChallenge } from '../models/sourcing-cases.model';
import { recordAudit } from './audit.service';
import { headerKey } from './imports/fields';
import type { RowValues } from './imports/row-conversion';
import { type ReadRow, type RowContext, RowRefusedError, candidatesOf, prepareOrganizationCreate, readRow, resolveMatches } from './import-rows';
import { addCaseInTransaction } from './sourcing-cases.service';

type OrganizationRead = Extract<ReadRow, { ok: true; entity: 'organizations' }>;

/** What the row says about the case itself. */
export interface CaseCells {
  source: CaseSource;
  summary: string | null;
  tags: string[];
  estimatedBudgetCents: number | null;
  warnings: ImportRowWarning[];
}

function first(values: RowValues, field: string): string {
  return values.get(field)?.find((cell) => cell.trim())?.trim() ?? '';
}

/** The usual words of source columns (« Salon VivaTech », « i-Lab 2025 », « incubé chez … »). */
const SOURCE_WORDS: Array<[RegExp, CaseSource]> = [
  [/i ?lab|concours/, 'concours_ilab'],
  [/salon|vivatech|educatech|bett|forum/, 'salon'],
  [/incub|accelerat|pepiniere/, 'incubateur'],
  [/spontane|candidature/, 'candidature_spontanee'],
  [/recommand|reseau|bouche/, 'recommandation'],
  [/veille|presse|linkedin|web/, 'veille'],
];

/** The case source a file value suggests, or null: a code or label as such, then the usual words. */
export function suggestCaseSource(text: string): CaseSource | null {
  const key = headerKey(text);
  if (!key) return null;
  for (const source of CASE_SOURCES) {
    if (headerKey(source) === key || headerKey(t(`sourcingCases.sources.${source}`)) === key) return source;
  }
  return SOURCE_WORDS.find(([pattern]) => pattern.test(key))?.[1] ?? null;
}

function mappedSource(options: ImportOptions, text: string): CaseSource | undefined {
  const map = options.valueMaps?.source;
  if (!map) return undefined;
  const key = text.slice(0, 200);
  const found = Object.hasOwn(map, key) ? map[key] : Object.entries(map).find(([value]) => value.trim().toLocaleLowerCase('fr') === key.toLocaleLowerCase('fr'))?.[1];
  return (CASE_SOURCES as readonly string[]).includes(found ?? '') ? (found as CaseSource) : undefined;
}

/** « 15 000 € », « 12 500,50 », « 30k€ », « 1,2 M€ » → cents; null with a warning when unreadable. */
export function budgetCents(text: string): number | null | 'invalid' {
  if (!text) return null;
  const compact = text.toLowerCase().replace(/[\s\u00a0\u202f]/g, '').replace(/€|euros?|eur|ht|ttc/g, '');
  let amount: number;
  if (/^\d{1,3}(\.\d{3})+(,\d{1,2})?$/.test(compact)) {
    amount = Number(compact.replace(/\./g, '').replace(',', '.'));
  } else {
    const match = /^(\d+(?:\.\d+)?)(k|m)?$/.exec(compact.replace(',', '.'));
    if (!match) return 'invalid';
    amount = Number(match[1]) * (match[2] === 'k' ? 1_000 : match[2] === 'm' ? 1_000_000 : 1);
  }
  if (!Number.isFinite(amount) || amount > 1_000_000_000) return 'invalid';
  return Math.round(amount * 100);
}

/** The case's own cells; never a row error (an unreadable optional cell is a warning). */
export function readCaseCells(values: RowValues, options: ImportOptions): CaseCells {
  const warnings: ImportRowWarning[] = [];
  const sourceText = first(values, 'source');
  const fallback = (CASE_SOURCES as readonly string[]).includes(options.valueDefaults?.source ?? '') ? (options.valueDefaults?.source as CaseSource) : 'veille';
  let source: CaseSource = fallback;
  if (sourceText) {
    const found = mappedSource(options, sourceText) ?? suggestCaseSource(sourceText);
    if (found) source = found;
    else if (!options.valueDefaults?.source) warnings.push({ field: 'source', value: sourceText, message: t('imports.rowWarnings.unknownSource', { value: sourceText }) });
  }
  const summary = (values.get('summary') ?? []).map((cell) => cell.trim()).filter(Boolean).join('\n').slice(0, 2000) || null;
  const tags: string[] = [];
  for (const item of (values.get('tags') ?? []).flatMap((cell) => cell.split(/[;,|\n]+/)).map((item) => item.trim()).filter(Boolean)) {
    if (item.length > 100) warnings.push({ field: 'tags', value: item, message: t('imports.rowWarnings.tagTooLong') });
    else if (!tags.includes(item)) tags.push(item);
  }
  const budgetText = first(values, 'estimatedBudget');
  const budget = budgetCents(budgetText);
  if (budget === 'invalid') warnings.push({ field: 'estimatedBudget', value: budgetText, message: t('imports.rowWarnings.invalidBudget', { value: budgetText }) });
  return { source, summary, tags, estimatedBudgetCents: budget === 'invalid' ? null : budget, warnings };
}

/** A row of the « pistes » target read whole: the start-up as the organisation form reads it, and the case. */
export type CaseRowRead = { ok: false; errors: Record<string, string>; warnings: ImportRowWarning[] } | (OrganizationRead & { caseCells: CaseCells });

export async function readCaseRow(rows: RowContext, values: RowValues, db: Database): Promise<CaseRowRead> {
  const read = await readRow(rows, values, db);
  if (!read.ok) return read;
  if (read.entity !== 'organizations') throw new Error('sourcing_cases rows are read as organisations');
  const caseCells = readCaseCells(values, rows.options);
  return { ...read, warnings: [...read.warnings, ...caseCells.warnings], caseCells };
}

/** The SIREN of every identifier the row carries (SIRET, other SIRET, SIREN). */
export function sirensOf(read: OrganizationRead): string[] {
  const input = read.input as OrganizationRead['input'] & { otherSirets?: string[] | null };
  const sirens = [input.siret, ...(input.otherSirets ?? [])].filter((siret): siret is string => !!siret).map(sirenOfSiret);
  if (input.siren) sirens.push(input.siren);
  return [...new Set(sirens)];
}

export interface CaseLookup {
  sirens: string[];
  name: string;
}

/**
 * The organisations each row designates: by SIREN when it has one (one statement for the chunk),
 * by name for the others (one more).
 */
export async function resolveCaseCandidates(db: Database, lookups: Array<CaseLookup | null>): Promise<string[][]> {
  const bySiren = { matchKey: 'siren' } as unknown as ImportOptions;
  const byName = { matchKey: 'name' } as ImportOptions;
  const sirens = lookups.flatMap((lookup) => lookup?.sirens ?? []);
  const names = lookups.flatMap((lookup) => (lookup && lookup.sirens.length === 0 ? [lookup.name] : []));
  const sirenMatches = await resolveMatches(db, 'organizations', bySiren, sirens);
  const nameMatches = await resolveMatches(db, 'organizations', byName, names);
  return lookups.map((lookup) => {
    if (!lookup) return [];
    if (lookup.sirens.length > 0) return candidatesOf(sirenMatches, bySiren, lookup.sirens);
    return candidatesOf(nameMatches, byName, [lookup.name]);
  });
}

export type CaseRowDecision = { action: 'skip'; reason: string } | { action: 'ambiguous'; candidateIds: string[] } | { action: 'create' } | { action: 'use'; organizationId: string };

/**
 * One organisation ⇒ its case; none ⇒ the organisation is created; several ⇒ « ambiguë » until
 * the person chooses one of them, « create » or « skip ».
 */
export function decideCaseRow(candidateIds: string[], choice: string | undefined): CaseRowDecision {
  if (candidateIds.length > 1) {
    if (choice === 'skip') return { action: 'skip', reason: t('imports.skipReasons.chosen') };
    if (choice === 'create') return { action: 'create' };
    if (choice && candidateIds.includes(choice)) return { action: 'use', organizationId: choice };
    return { action: 'ambiguous', candidateIds };
  }
  return candidateIds[0] ? { action: 'use', organizationId: candidateIds[0] } : { action: 'create' };
}

export interface AppliedCaseRow {
  outcome: 'created' | 'skipped';
  /** The case created, or the case the start-up already has in the challenge. */
  entityId: string;
  createdOrganizationId: string | null;
  reason?: string;
}

/**
 * Writes a decided row in `tx` (the caller's savepoint): the organisation when it is new, then the
 * case. A start-up already in the challenge is skipped « déjà dans le défi »; refusals of
 * addCaseInTransaction (closed challenge, not the importer's unit) refuse the row.
 */
export async function applyCaseRow(rows: RowContext, tx: Database, read: OrganizationRead & { caseCells: CaseCells }, decision: Extract<CaseRowDecision, { action: 'create' | 'use' }>): Promise<AppliedCaseRow> {
  const challengeId = rows.options.challengeId;
  if (!challengeId) throw new RowRefusedError({ _row: t('imports.errors.chooseChallenge') });
  let organizationId: string;
  let createdOrganizationId: string | null = null;
  if (decision.action === 'use') {
    organizationId = decision.organizationId;
    const existing = await findCaseOfChallenge(tx, challengeId, organizationId);
    if (existing) return { outcome: 'skipped', entityId: existing.id, createdOrganizationId: null, reason: t('imports.skipReasons.alreadyInChallenge') };
  } else {
    // A start-up: the kind is « startup » whatever the name suggests; the tags are the case's.
    const prepared = prepareOrganizationCreate(rows, { ...read, input: { ...read.input, kindCode: 'startup', tags: [] } });
    await insertOrganizationsWithUnits(tx, [{ values: prepared.organization, unitIds: prepared.unitIds }]);
    await recordAudit(tx, rows.ctx, prepared.audit);
    organizationId = prepared.organization.id;
    createdOrganizationId = organizationId;
  }
  try {
    const created = await addCaseInTransaction(
      tx,
      rows.ctx,
      {
        organizationId,
        challengeId,
        source: read.caseCells.source,
        ownerId: read.ownerId,
        summary: read.caseCells.summary,
        tags: read.caseCells.tags,
        estimatedBudgetCents: read.caseCells.estimatedBudgetCents,
      },
      'import',
    );
    return { outcome: 'created', entityId: created.id, createdOrganizationId };
  } catch (error) {
    if (error instanceof ConflictError || error instanceof ForbiddenError) throw new RowRefusedError({ _row: error.message });
    if (error instanceof ValidationError) throw new RowRefusedError({ _row: Object.values(error.fieldErrors)[0] ?? error.message });
    throw error;
  }
}

export function caseLookupOf(read: CaseRowRead): CaseLookup | null {
  return read.ok ? { sirens: sirensOf(read), name: read.input.name } : null;
}

export type CasePlan =
  | { action: 'error'; errors: Record<string, string>; warnings: ImportRowWarning[] }
  | { action: 'skip'; reason: string; warnings: ImportRowWarning[] }
  | { action: 'ambiguous'; candidateIds: string[]; sameKeyRows: number[]; warnings: ImportRowWarning[] }
  | { action: 'create'; warnings: ImportRowWarning[] };

/** What a row would do, without writing (the preview): « déjà dans le défi » is said here too. */
export async function planCaseRow(rows: RowContext, values: RowValues, db: Database, line?: number): Promise<CasePlan> {
  const read = await readCaseRow(rows, values, db);
  if (!read.ok) return { action: 'error', errors: read.errors, warnings: read.warnings };
  const [candidateIds = []] = await resolveCaseCandidates(db, [caseLookupOf(read)]);
  const decision = decideCaseRow(candidateIds, line === undefined ? undefined : rows.batch.rowChoices[String(line)]);
  const { warnings } = read;
  if (decision.action === 'skip') return { action: 'skip', reason: decision.reason, warnings };
  if (decision.action === 'ambiguous') return { action: 'ambiguous', candidateIds: decision.candidateIds, sameKeyRows: [], warnings };
  if (decision.action === 'use' && rows.options.challengeId && (await findCaseOfChallenge(db, rows.options.challengeId, decision.organizationId))) {
    return { action: 'skip', reason: t('imports.skipReasons.alreadyInChallenge'), warnings };
  }
  return { action: 'create', warnings };
}
