// The kanban (/sourcing), the cases list (/sourcing/pistes), the case page, its form and the
// « Déplacer vers » move of a card. Rules and permissions of cases live in
// sourcing-cases.service.ts (canReadCase, canEditCase, moveCaseStage, addCaseInTransaction);
// this file shapes the pages around them.
import { z } from 'zod';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, type FieldErrors } from '../lib/errors';
import { formatDate, formatDateTime, formatEuros } from '../lib/format';
import { t } from '../lib/i18n';
import { parisDayOf, parisDaysBetween } from '../lib/paris-time';
import { hasControlCharacters, isUuid } from '../lib/validation';
import { findOrganizationById, organizationLabels } from '../models/organizations.model';
import { findCase, lockCase, updateCaseFields } from '../models/sourcing-cases.model';
import {
  CASE_LIST_SORTS,
  type CaseFilters,
  type KanbanCard,
  caseNames,
  findKanbanCard,
  isEvaluatorOfCase,
  listCaseTags,
  listCases,
  listChallengeChoices,
  listKanbanCards,
  listStagesWithNames,
  summarizeColumns,
} from '../models/sourcing-kanban.model';
import { CASE_PIPELINE_STAGES, CASE_SOURCES, CASE_STAGES, type CaseStage, type SourcingCase } from '../models/schema';
import { GATED_STAGES, STAGES_NEEDING_REASON, caseMoveChoices, checkCaseMove } from '../workflows/sourcing-transitions';
import { recordAudit } from './audit.service';
import { type Actor, type ServiceContext, inTransaction, requireActor } from './context';
import { pickOrganizationsFor } from './organizations.service';
import { assertCan, can } from './permissions';
import { cachedActiveUnits, cachedActiveUserOptions } from './reference-lists';
import { addCaseInTransaction, canEditCase, canReadCase, caseViewerOf, moveCaseStage } from './sourcing-cases.service';

/**
 * Cards per column, the most recently moved first; the rest is one link away (the list filtered
 * by stage, sorted and paged). 25 keeps a column readable and the page light (225 cards at most:
 * each carries its « Déplacer vers » form for keyboard and no-JS users); with 50 the page missed
 * its benchmark objective (docs/benchmarks.md, « Sourcing »).
 */
export const CARDS_PER_COLUMN = 25;
export const CASE_PAGE_SIZE = 25;
const MAX_PAGES = 400;

const stageLabel = (stage: CaseStage) => t(`sourcingCases.stages.${stage}`);

// ── filters ────────────────────────────────────────────────────────────────────────────────
/** Unknown or malformed values are ignored: a bookmarked URL keeps working. */
const boardSchema = z.object({
  defi: z.union([z.uuid(), z.literal('aucun')]).optional().catch(undefined),
  responsable: z.union([z.uuid(), z.literal('moi')]).optional().catch(undefined),
  unite: z.uuid().optional().catch(undefined),
  source: z.enum(CASE_SOURCES).optional().catch(undefined),
  etiquette: z.string().trim().max(60).optional().catch(undefined),
  q: z.string().trim().max(200).optional().catch(undefined),
});
const listSchema = boardSchema.extend({
  etape: z.enum(CASE_STAGES).optional().catch(undefined),
  sort: z.enum(CASE_LIST_SORTS).default('entered').catch('entered'),
  dir: z.enum(['asc', 'desc']).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(MAX_PAGES).default(1).catch(1),
});
export type BoardQuery = z.infer<typeof boardSchema>;

function cleanQuery<T extends Record<string, unknown>>(query: T): Partial<T> {
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined && value !== '')) as Partial<T>;
}

function filtersOf(actor: Actor, query: BoardQuery & { etape?: CaseStage }): CaseFilters {
  return {
    challengeId: query.defi,
    ownerId: query.responsable === 'moi' ? actor.id : query.responsable,
    unitId: query.unite,
    source: query.source,
    tag: query.etiquette || undefined,
    q: query.q || undefined,
    stage: query.etape,
  };
}

function queryString(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '' && value !== null) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The kanban's own URL for these filters (where a move without JavaScript returns). */
export function boardUrl(rawQuery: unknown): string {
  const query = boardSchema.parse(rawQuery ?? {});
  return `/sourcing${queryString(cleanQuery(query))}`;
}

/** Choices of the filter form and the case form. */
export async function caseFilterOptions(ctx: ServiceContext) {
  assertCan(ctx.actor, 'sourcing.read');
  const [challenges, units, users, tags] = await Promise.all([listChallengeChoices(ctx.db), cachedActiveUnits(ctx.db), cachedActiveUserOptions(ctx.db), listCaseTags(ctx.db)]);
  return {
    challenges: challenges.map((row) => ({ value: row.id, label: row.title, closed: row.status === 'clos' })),
    units: units.filter((unit) => !unit.archivedAt).map((unit) => ({ value: unit.id, label: unit.name })),
    users: users.map((user) => ({ value: user.id, label: user.displayName })),
    sources: CASE_SOURCES.map((value) => ({ value, label: t(`sourcingCases.sources.${value}`) })),
    stages: CASE_STAGES.map((value) => ({ value, label: stageLabel(value) })),
    tags: tags.map((tag) => ({ value: tag, label: tag })),
    sorts: CASE_LIST_SORTS.map((value) => ({ value, label: t(`sourcingCases.sorts.${value}`) })),
  };
}

// ── cards ──────────────────────────────────────────────────────────────────────────────────
export interface MoveOption {
  stage: CaseStage;
  label: string;
  gate: boolean;
  needsReason: boolean;
}

function moveOptionsFor(actor: Actor, stage: CaseStage, editable: boolean): MoveOption[] {
  if (!editable) return [];
  return caseMoveChoices(stage, { by: 'person', roles: actor.roles, inUnit: true }).map((choice) => ({
    stage: choice.stage,
    label: choice.gate ? `${stageLabel(choice.stage)} ${t('sourcingCases.card.gateSuffix')}` : stageLabel(choice.stage),
    gate: choice.gate,
    needsReason: STAGES_NEEDING_REASON.includes(choice.stage),
  }));
}

export type CardView = ReturnType<typeof cardView>;

/** The words of a card, computed once a page (the cards read them from the root: no helper call per card). */
export function cardLabels() {
  const keys = ['pilotOverdue', 'confidential', 'spontaneous', 'open', 'logExchange', 'nextStep', 'overdue', 'moveTo', 'moveButton', 'reason', 'reasonHint'] as const;
  return Object.fromEntries(keys.map((key) => [key, t(`sourcingCases.card.${key}`)])) as Record<(typeof keys)[number], string>;
}

/** What a card's template reads from its page's root, for a card rendered alone (after a move). */
export function cardPageContext(ctx: ServiceContext) {
  return { cardLabels: cardLabels(), canLogExchanges: can(ctx.actor, 'exchanges.edit') };
}

function cardView(actor: Actor, card: KanbanCard, moves: MoveOption[]) {
  return {
    ...card,
    daysText: t('sourcingCases.card.daysInStage', { days: card.daysInStage }),
    hasBadges: card.pilotOverdue || card.confidential,
    hasNextStep: Boolean(card.nextStep || card.nextStepOn),
    stageLabel: stageLabel(card.stage),
    nextStepDate: card.nextStepOn ? formatDate(card.nextStepOn) : null,
    canMove: moves.length > 0,
    moves,
    moveTargets: moves.map((move) => move.stage).join(' '),
    needsReason: moves.some((move) => move.needsReason),
  };
}

/** Memoises the « Déplacer vers » options per (stage, editable): computed once per column, not per card. */
function moveOptionsCache(actor: Actor) {
  const cache = new Map<string, MoveOption[]>();
  return (card: KanbanCard) => {
    const editable = canEditCase(actor, card);
    const key = `${card.stage}:${editable}`;
    let moves = cache.get(key);
    if (!moves) {
      moves = moveOptionsFor(actor, card.stage, editable);
      cache.set(key, moves);
    }
    return moves;
  };
}

// ── the kanban ─────────────────────────────────────────────────────────────────────────────
export async function kanbanBoard(ctx: ServiceContext, rawQuery: unknown) {
  assertCan(ctx.actor, 'sourcing.read');
  const actor = requireActor(ctx);
  const query = cleanQuery(boardSchema.parse(rawQuery ?? {}));
  const filters = filtersOf(actor, query);
  const viewer = caseViewerOf(actor);
  const today = parisDayOf(ctx.now);
  const [summaries, cards] = await Promise.all([summarizeColumns(ctx.db, viewer, filters), listKanbanCards(ctx.db, viewer, filters, CARDS_PER_COLUMN, today)]);
  const movesOf = moveOptionsCache(actor);
  const byStage = new Map<CaseStage, ReturnType<typeof cardView>[]>();
  for (const card of cards) {
    const list = byStage.get(card.stage) ?? [];
    list.push(cardView(actor, card, movesOf(card)));
    byStage.set(card.stage, list);
  }
  const columnOf = (stage: CaseStage) => {
    const summary = summaries.find((entry) => entry.stage === stage);
    const count = summary?.count ?? 0;
    const shown = byStage.get(stage) ?? [];
    return {
      stage,
      label: stageLabel(stage),
      count,
      budget: summary && summary.budgetCents > 0 ? formatEuros(summary.budgetCents / 100) : null,
      cards: shown,
      hidden: Math.max(0, count - shown.length),
      moreUrl: `/sourcing/pistes${queryString({ ...query, etape: stage })}`,
      gated: GATED_STAGES.includes(stage),
      exit: stage === 'en_veille' || stage === 'abandonnee',
    };
  };
  return {
    query,
    queryString: queryString(query),
    columns: CASE_PIPELINE_STAGES.map(columnOf),
    exits: (['en_veille', 'abandonnee'] as const).map(columnOf),
    total: summaries.reduce((sum, entry) => sum + entry.count, 0),
    canCreate: can(actor, 'sourcing.edit'),
    /** « Consigner un échange » on each card (the start-up and the case pre-filled). */
    canLogExchanges: can(actor, 'exchanges.edit'),
    returnTo: `/sourcing${queryString(query)}`,
    cardLabels: cardLabels(),
  };
}

/** Column header figures after a move (the same filters as the page the card was on). */
export async function columnSummaries(ctx: ServiceContext, rawQuery: unknown) {
  const actor = requireActor(ctx);
  const query = cleanQuery(boardSchema.parse(rawQuery ?? {}));
  const summaries = await summarizeColumns(ctx.db, caseViewerOf(actor), filtersOf(actor, query));
  return CASE_STAGES.map((stage) => {
    const summary = summaries.find((entry) => entry.stage === stage);
    return { stage, count: summary?.count ?? 0, budget: summary && summary.budgetCents > 0 ? formatEuros(summary.budgetCents / 100) : null };
  });
}

// ── the list ───────────────────────────────────────────────────────────────────────────────
export async function casesListPage(ctx: ServiceContext, rawQuery: unknown) {
  assertCan(ctx.actor, 'sourcing.read');
  const actor = requireActor(ctx);
  const { page, ...parsed } = listSchema.parse(rawQuery ?? {});
  const query = cleanQuery(parsed);
  const direction = parsed.dir ?? (parsed.sort === 'entered' || parsed.sort === 'budget' ? 'desc' : 'asc');
  const today = parisDayOf(ctx.now);
  const found = await listCases(ctx.db, caseViewerOf(actor), filtersOf(actor, parsed), { sort: parsed.sort, direction }, { limit: CASE_PAGE_SIZE, offset: (page - 1) * CASE_PAGE_SIZE }, today);
  if (page > 1 && found.rows.length === 0) return casesListPage(ctx, { ...query, page: 1 });
  return {
    query: { ...query, dir: direction },
    rows: found.rows.map((row) => ({
      ...row,
      stageLabel: stageLabel(row.stage),
      sourceLabel: t(`sourcingCases.sources.${row.source}`),
      budget: row.estimatedBudgetCents !== null ? formatEuros(row.estimatedBudgetCents / 100) : '',
      nextStepDate: row.nextStepOn ? formatDate(row.nextStepOn) : null,
    })),
    total: found.total,
    page,
    pageCount: Math.min(MAX_PAGES, Math.max(1, Math.ceil(found.total / CASE_PAGE_SIZE))),
    canCreate: can(actor, 'sourcing.edit'),
    canExport: can(actor, 'sourcing.export'),
    boardUrl: `/sourcing${queryString({ ...query, etape: undefined, sort: undefined, dir: undefined })}`,
  };
}

// ── reading one case ───────────────────────────────────────────────────────────────────────
/** The case if the actor may read it; a confidential case one may not read is « not found ». */
export async function loadReadableCase(ctx: ServiceContext, caseId: string): Promise<SourcingCase> {
  assertCan(ctx.actor, 'sourcing.read');
  if (!isUuid(caseId)) throw new NotFoundError(t('sourcingCases.notFound'));
  const row = await findCase(ctx.db, caseId);
  if (!row) throw new NotFoundError(t('sourcingCases.notFound'));
  const actor = requireActor(ctx);
  if (!canReadCase(actor, row, row.confidential ? await isEvaluatorOfCase(ctx.db, row.id, actor.id) : false)) throw new NotFoundError(t('sourcingCases.notFound'));
  return row;
}

/** The case page: header, « Déplacer vers », stage history. */
export async function casePage(ctx: ServiceContext, caseId: string, gateAsked?: unknown) {
  const actor = requireActor(ctx);
  const row = await loadReadableCase(ctx, caseId);
  const [names, stages] = await Promise.all([caseNames(ctx.db, row.id), listStagesWithNames(ctx.db, row.id)]);
  const today = parisDayOf(ctx.now);
  const editable = canEditCase(actor, row);
  const moves = moveOptionsFor(actor, row.stage, editable);
  const gateStage = typeof gateAsked === 'string' && (GATED_STAGES as readonly string[]).includes(gateAsked) ? (gateAsked as CaseStage) : null;
  return {
    case: {
      ...row,
      organizationName: names?.organization_name ?? '',
      challengeTitle: names?.challenge_title ?? null,
      ownerName: names?.owner_name ?? null,
      unitName: names?.unit_name ?? null,
      conventionTitle: names?.convention_title ?? null,
      stageLabel: stageLabel(row.stage),
      sourceLabel: t(`sourcingCases.sources.${row.source}`),
      since: formatDate(row.stageEnteredAt),
      daysInStage: parisDaysBetween(parisDayOf(row.stageEnteredAt), today),
      budget: row.estimatedBudgetCents !== null ? formatEuros(row.estimatedBudgetCents / 100) : null,
      nextStepDate: row.nextStepOn ? formatDate(row.nextStepOn) : null,
      nextStepOverdue: row.nextStepOn !== null && row.nextStepOn < today,
    },
    card: { id: row.id, stage: row.stage, moves, canMove: moves.length > 0, organizationName: names?.organization_name ?? '' },
    stages: stages.map((entry) => ({
      ...entry,
      stageLabel: stageLabel(entry.stage),
      fromLabel: entry.from_stage ? stageLabel(entry.from_stage) : '',
      entered: formatDateTime(entry.entered_at),
      left: entry.left_at ? formatDateTime(entry.left_at) : null,
      moverLabel: t(`sourcingCases.page.movers.${entry.moved_by}`),
    })),
    canEdit: editable,
    gateNotice: gateStage && editable ? { stage: gateStage, message: t('sourcingCases.gate.message', { name: names?.organization_name ?? '', from: stageLabel(row.stage), stage: stageLabel(gateStage) }) } : null,
  };
}

// ── moving a card (« Déplacer vers », drag and drop) ─────────────────────────────────────
export type BoardMoveResult =
  | { outcome: 'moved'; from: CaseStage; card: CardView; name: string }
  | { outcome: 'gate'; stage: CaseStage; from: CaseStage; caseId: string; name: string; message: string };

/**
 * A person's move from the board or the case page. A gated stage (expérimentation,
 * contractualisation) moves nothing: the answer says a committee decides and where to start it.
 * Anything else goes through moveCaseStage (table, permissions, reason, stale card → 409).
 */
export async function moveFromBoard(ctx: ServiceContext, caseId: string, input: Record<string, unknown>): Promise<BoardMoveResult> {
  const actor = requireActor(ctx);
  const current = await loadReadableCase(ctx, caseId);
  const to = typeof input.stage === 'string' ? input.stage : '';
  if (!(CASE_STAGES as readonly string[]).includes(to)) throw new ValidationError({ stage: t('sourcingCases.errors.unknownStage') }, t('sourcingCases.errors.unknownStage'));
  const target = to as CaseStage;
  const expected = typeof input.expectedFrom === 'string' && (CASE_STAGES as readonly string[]).includes(input.expectedFrom) ? (input.expectedFrom as CaseStage) : undefined;
  const reason = typeof input.reason === 'string' && !hasControlCharacters(input.reason) ? input.reason : null;
  const names = await caseNames(ctx.db, current.id);
  const name = names?.organization_name ?? '';
  if (!canEditCase(actor, current)) throw new ForbiddenError(t('sourcingCases.errors.notYours'));
  if (expected && expected !== current.stage) throw new ConflictError(t('sourcingCases.errors.movedMeanwhile', { stage: stageLabel(current.stage) }));
  if (checkCaseMove(current.stage, target, { by: 'person', roles: actor.roles, inUnit: true }) === 'gate') {
    return { outcome: 'gate', stage: target, from: current.stage, caseId: current.id, name, message: t('sourcingCases.gate.message', { name, from: stageLabel(current.stage), stage: stageLabel(target) }) };
  }
  const moved = await inTransaction(ctx, (tx) => moveCaseStage(tx, ctx, { caseId: current.id, to: target, by: 'person', reason, expectedFrom: expected ?? current.stage }));
  const card = await findKanbanCard(ctx.db, moved.id, parisDayOf(ctx.now));
  if (!card) throw new NotFoundError(t('sourcingCases.notFound'));
  return { outcome: 'moved', from: current.stage, card: cardView(actor, card, moveOptionsFor(actor, card.stage, canEditCase(actor, card))), name };
}

// ── the form ───────────────────────────────────────────────────────────────────────────────
export interface CaseFormValues {
  organizationId: string;
  organizationQuery: string;
  challengeId: string;
  source: string;
  ownerId: string;
  unitId: string;
  tags: string;
  estimatedBudget: string;
  nextStep: string;
  nextStepOn: string;
  summary: string;
  confidential: boolean;
}

const str = (value: unknown) => (typeof value === 'string' ? value : '');

function valuesFrom(input: Record<string, unknown>): CaseFormValues {
  return {
    organizationId: str(input.organizationId).trim(),
    organizationQuery: str(input.organizationQuery).slice(0, 100),
    challengeId: str(input.challengeId).trim(),
    source: str(input.source),
    ownerId: str(input.ownerId),
    unitId: str(input.unitId),
    tags: str(input.tags).slice(0, 600),
    estimatedBudget: str(input.estimatedBudget).slice(0, 30),
    nextStep: str(input.nextStep).slice(0, 600),
    nextStepOn: str(input.nextStepOn).slice(0, 20),
    summary: str(input.summary).slice(0, 6000),
    confidential: input.confidential === 'on' || input.confidential === 'true' || input.confidential === true,
  };
}

function valuesOfCase(row: SourcingCase): CaseFormValues {
  return {
    organizationId: row.organizationId,
    organizationQuery: '',
    challengeId: row.challengeId ?? '',
    source: row.source,
    ownerId: row.ownerId ?? '',
    unitId: row.unitId ?? '',
    tags: row.tags.join(', '),
    estimatedBudget: row.estimatedBudgetCents !== null ? String(row.estimatedBudgetCents / 100).replace('.', ',') : '',
    nextStep: row.nextStep ?? '',
    nextStepOn: row.nextStepOn ?? '',
    summary: row.summary ?? '',
    confidential: row.confidential,
  };
}

interface ParsedCase {
  organizationId: string;
  challengeId: string | null;
  source: (typeof CASE_SOURCES)[number];
  ownerId: string | null;
  unitId: string | null;
  tags: string[];
  estimatedBudgetCents: number | null;
  nextStep: string | null;
  nextStepOn: string | null;
  summary: string | null;
  confidential: boolean;
}

async function parseCase(ctx: ServiceContext, values: CaseFormValues): Promise<ParsedCase> {
  const errors: FieldErrors = {};
  const options = await caseFilterOptions(ctx);
  const all = Object.entries(values).filter(([, value]) => typeof value === 'string') as Array<[string, string]>;
  for (const [field, value] of all) if (hasControlCharacters(value)) errors[field] = t('validation.controlCharacters');
  if (!isUuid(values.organizationId)) errors.organizationId = t('sourcingCases.errors.organizationRequired');
  else if (!(await findOrganizationById(ctx.db, values.organizationId))) errors.organizationId = t('sourcingCases.errors.unknownOrganization');
  if (values.challengeId && !options.challenges.some((choice) => choice.value === values.challengeId)) errors.challengeId = t('sourcingCases.errors.unknownChallenge');
  if (!(CASE_SOURCES as readonly string[]).includes(values.source)) errors.source = t('sourcingCases.errors.sourceRequired');
  if (values.ownerId && !options.users.some((choice) => choice.value === values.ownerId)) errors.ownerId = t('sourcingCases.errors.unknownOwner');
  if (values.unitId && !options.units.some((choice) => choice.value === values.unitId)) errors.unitId = t('sourcingCases.errors.unknownUnit');
  let budget: number | null = null;
  const budgetText = values.estimatedBudget.replace(/[\s\u00a0\u202f€]/g, '').replace(',', '.');
  if (budgetText) {
    const amount = Number(budgetText);
    if (!Number.isFinite(amount) || amount < 0 || amount > 20_000_000) errors.estimatedBudget = t('sourcingCases.errors.badBudget');
    else budget = Math.round(amount * 100);
  }
  const day = values.nextStepOn.trim();
  if (day && (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`)))) errors.nextStepOn = t('sourcingCases.errors.badDate');
  if (values.nextStep.length > 500) errors.nextStep = t('sourcingCases.errors.tooLong');
  if (values.summary.length > 5000) errors.summary = t('sourcingCases.errors.tooLong');
  const tags = [...new Set(values.tags.split(',').map((tag) => tag.trim().toLowerCase().slice(0, 60)).filter(Boolean))].slice(0, 20);
  if (Object.keys(errors).length > 0) throw new ValidationError(errors, t('validation.formHasErrors'));
  return {
    organizationId: values.organizationId,
    challengeId: values.challengeId || null,
    source: values.source as ParsedCase['source'],
    ownerId: values.ownerId || null,
    unitId: values.unitId || null,
    tags,
    estimatedBudgetCents: budget,
    nextStep: values.nextStep.trim() || null,
    nextStepOn: day || null,
    summary: values.summary.trim() || null,
    confidential: values.confidential,
  };
}

/** Everything the form shows: choices, the chosen start-up, the matches of a search. */
export async function caseForm(ctx: ServiceContext, values: CaseFormValues, caseId?: string) {
  const options = await caseFilterOptions(ctx);
  const [chosen] = isUuid(values.organizationId) ? await organizationLabels(ctx.db, [values.organizationId]) : [];
  const searched = values.organizationQuery.trim().length >= 2;
  const matches = searched ? await pickOrganizationsFor(ctx, values.organizationQuery) : [];
  return {
    values,
    options: { ...options, challenges: options.challenges.filter((choice) => !choice.closed || choice.value === values.challengeId) },
    organization: chosen ?? null,
    organizationChoices: matches.filter((match) => match.id !== chosen?.id),
    searchedOrganizations: searched,
    caseId: caseId ?? null,
  };
}

export async function newCaseForm(ctx: ServiceContext, rawQuery: Record<string, unknown>) {
  assertCan(ctx.actor, 'sourcing.edit');
  const actor = requireActor(ctx);
  const values = valuesFrom({ organizationId: rawQuery.structure, challengeId: rawQuery.defi, ownerId: actor.id, source: '' });
  if (values.challengeId && !isUuid(values.challengeId)) values.challengeId = '';
  if (values.organizationId && !isUuid(values.organizationId)) values.organizationId = '';
  return caseForm(ctx, values);
}

/** The form sent back (a search for the start-up without JavaScript, or errors). */
export async function caseFormAgain(ctx: ServiceContext, input: Record<string, unknown>, caseId?: string) {
  assertCan(ctx.actor, 'sourcing.edit');
  return caseForm(ctx, valuesFrom(input), caseId);
}

export async function createCase(ctx: ServiceContext, input: Record<string, unknown>): Promise<{ id: string; name: string }> {
  assertCan(ctx.actor, 'sourcing.edit');
  const parsed = await parseCase(ctx, valuesFrom(input));
  const row = await inTransaction(ctx, (tx) => addCaseInTransaction(tx, ctx, parsed, 'person'));
  const [label] = await organizationLabels(ctx.db, [row.organizationId]);
  return { id: row.id, name: label?.name ?? '' };
}

export async function editCaseForm(ctx: ServiceContext, caseId: string) {
  const row = await loadReadableCase(ctx, caseId);
  if (!canEditCase(requireActor(ctx), row)) throw new ForbiddenError(t('sourcingCases.errors.notYours'));
  return caseForm(ctx, valuesOfCase(row), row.id);
}

const AUDITED_FIELDS = ['challengeId', 'unitId', 'ownerId', 'source', 'summary', 'tags', 'estimatedBudgetCents', 'nextStep', 'nextStepOn', 'confidential'] as const;

/** Edits a case (not its stage, nor its start-up); journaled with the changed fields before and after. */
export async function updateCase(ctx: ServiceContext, caseId: string, input: Record<string, unknown>): Promise<void> {
  const actor = requireActor(ctx);
  const existing = await loadReadableCase(ctx, caseId);
  if (!canEditCase(actor, existing)) throw new ForbiddenError(t('sourcingCases.errors.notYours'));
  const parsed = await parseCase(ctx, { ...valuesFrom(input), organizationId: existing.organizationId });
  await inTransaction(ctx, async (tx) => {
    const before = await lockCase(tx, existing.id);
    if (!before) throw new NotFoundError(t('sourcingCases.notFound'));
    const next = { ...parsed, ownerId: parsed.ownerId ?? before.ownerId, unitId: parsed.unitId ?? before.unitId };
    // Moving the case to a unit one is not in would lose it: the result must stay editable.
    if (!canEditCase(actor, next)) throw new ForbiddenError(t('sourcingCases.errors.notYours'));
    if (next.challengeId && next.challengeId !== before.challengeId) {
      const options = await listChallengeChoices(tx);
      if (options.find((choice) => choice.id === next.challengeId)?.status === 'clos') throw new ConflictError(t('sourcingCases.errors.challengeClosed'));
    }
    const changedBefore: Record<string, unknown> = {};
    const changedAfter: Record<string, unknown> = {};
    for (const field of AUDITED_FIELDS) {
      const was = before[field];
      const now = next[field];
      if (JSON.stringify(was ?? null) !== JSON.stringify(now ?? null)) {
        changedBefore[field] = was ?? null;
        changedAfter[field] = now ?? null;
      }
    }
    if (Object.keys(changedAfter).length === 0) return;
    await updateCaseFields(tx, before.id, {
      challengeId: next.challengeId,
      unitId: next.unitId,
      ownerId: next.ownerId,
      source: next.source,
      summary: next.summary,
      tags: next.tags,
      estimatedBudgetCents: next.estimatedBudgetCents,
      nextStep: next.nextStep,
      nextStepOn: next.nextStepOn,
      confidential: next.confidential,
      updatedById: actor.id,
      updatedAt: ctx.now,
    }).catch((error: unknown) => {
      const code = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code;
      if (code === '23505') throw new ConflictError(t('sourcingCases.errors.alreadyInChallenge'));
      throw error;
    });
    await recordAudit(tx, ctx, {
      action: 'sourcing_case.updated',
      entityType: 'sourcing_case',
      entityId: before.id,
      before: changedBefore,
      after: changedAfter,
      metadata: { organizationId: before.organizationId, challengeId: next.challengeId },
    });
  });
}

/** Organisation suggestions of the form's picker (htmx). */
export async function pickCaseOrganizations(ctx: ServiceContext, query: string) {
  assertCan(ctx.actor, 'sourcing.edit');
  return pickOrganizationsFor(ctx, query);
}

// ── export ─────────────────────────────────────────────────────────────────────────────────
const EXPORT_LIMIT = 10_000;

/** The list's cases as CSV rows (same filters and order, up to 10,000), journaled « sourcing_case.exported ». */
export async function casesExport(ctx: ServiceContext, rawQuery: unknown) {
  assertCan(ctx.actor, 'sourcing.export');
  const actor = requireActor(ctx);
  const { page: _page, ...parsed } = listSchema.parse(rawQuery ?? {});
  const direction = parsed.dir ?? (parsed.sort === 'entered' || parsed.sort === 'budget' ? 'desc' : 'asc');
  const found = await listCases(ctx.db, caseViewerOf(actor), filtersOf(actor, parsed), { sort: parsed.sort, direction }, { limit: EXPORT_LIMIT, offset: 0 }, parisDayOf(ctx.now));
  await inTransaction(ctx, (tx) =>
    recordAudit(tx, ctx, {
      action: 'sourcing_case.exported',
      entityType: 'sourcing_case',
      entityId: 'liste',
      metadata: { filters: cleanQuery({ ...parsed, page: undefined }), format: 'csv', rowCount: found.rows.length, complete: found.total <= EXPORT_LIMIT },
    }),
  );
  const col = (key: string, label: string, type?: 'number' | 'date') => ({ key, label: t(label), ...(type ? { type } : {}) });
  return {
    columns: [
      col('organizationName', 'sourcingCases.list.cols.startup'),
      col('challengeTitle', 'sourcingCases.list.cols.challenge'),
      col('stageLabel', 'sourcingCases.list.cols.stage'),
      col('daysInStage', 'sourcingCases.list.cols.days', 'number'),
      col('ownerName', 'sourcingCases.list.cols.owner'),
      col('unitName', 'sourcingCases.list.cols.unit'),
      col('sourceLabel', 'sourcingCases.list.cols.source'),
      col('budgetEuros', 'sourcingCases.list.cols.budget', 'number'),
      col('tagList', 'sourcingCases.fields.tags'),
      col('nextStep', 'sourcingCases.list.cols.nextStep'),
      col('nextStepOn', 'sourcingCases.fields.nextStepOn', 'date'),
      col('confidentialText', 'sourcingCases.fields.confidential'),
    ],
    rows: found.rows.map((row) => ({
      ...row,
      stageLabel: stageLabel(row.stage),
      sourceLabel: t(`sourcingCases.sources.${row.source}`),
      budgetEuros: row.estimatedBudgetCents !== null ? row.estimatedBudgetCents / 100 : null,
      tagList: row.tags.join(', '),
      confidentialText: row.confidential ? 'oui' : '',
    })),
  };
}
