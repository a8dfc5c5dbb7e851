// The pages of sourcing challenges (« défis », /sourcing/defis): the list (filters in the URL,
// sort, pages, case counts per stage), one challenge's page (header, criteria grid, its cases by
// stage, the exchanges about its cases, its committee decisions, its status forms), and the
// form's values and choices. Rules and writes: sourcing-challenges.service.ts.
import { z } from 'zod';
import { formatEuros } from '../lib/format';
import { t } from '../lib/i18n';
import { parisDayOf, parisDaysBetween } from '../lib/paris-time';
import { CASE_STAGES, CHALLENGE_OUTCOMES, CHALLENGE_STATUSES, type CaseStage, type SourcingChallenge } from '../models/schema';
import {
  CHALLENGE_LIST_SORTS,
  listActiveUsersWithRoles,
  listCasesOfChallenge,
  listChallenges,
  listDecisionsOfChallenge,
  listExchangesOfCases,
  namesOfUsers,
  unitsByIds,
} from '../models/sourcing-challenges.model';
import { DEFAULT_SOURCING_CIRCUIT_KEY, findWorkflowDefinition } from '../workflows/definitions';
import { GATED_STAGES } from '../workflows/sourcing-transitions';
import type { ServiceContext } from './context';
import { assertCan, can, canAttachUnit } from './permissions';
import { cachedActiveUnits, cachedActiveUserOptions } from './reference-lists';
import { caseViewerOf } from './sourcing-cases.service';
import { canEditChallenge, challengeStatusChoices, circuitChoices, criteriaGrid, loadChallenge, rolesWith, weightFieldName } from './sourcing-challenges.service';

export const CHALLENGE_PAGE_SIZE = 25;
const MAX_PAGES = 400;
/** Exchanges and decisions shown on a challenge's page (the rest: the exchanges list, the decision log). */
const EXCHANGES_SHOWN = 20;
const DECISIONS_SHOWN = 20;
/** Stages counted as « en expérimentation ou au-delà » in the list. */
const ADVANCED_STAGES: readonly CaseStage[] = ['experimentation', 'contractualisation', 'deployee'];

const userRef = z.union([z.literal('me'), z.literal('moi'), z.uuid()]);

/** Unknown or malformed values are ignored: a bookmarked URL keeps working. */
const listSchema = z.object({
  q: z.string().trim().max(200).optional().catch(undefined),
  status: z.enum(CHALLENGE_STATUSES).optional().catch(undefined),
  unit: z.uuid().optional().catch(undefined),
  owner: userRef.optional().catch(undefined),
  sort: z.enum(CHALLENGE_LIST_SORTS).default('created').catch('created'),
  dir: z.enum(['asc', 'desc']).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(MAX_PAGES).default(1).catch(1),
});

function budgetText(min: number | null, max: number | null): string | null {
  if (min === null && max === null) return null;
  if (min !== null && max !== null) return t('sourcingChallenges.budgetRange', { min: formatEuros(min / 100), max: formatEuros(max / 100) });
  if (min !== null) return t('sourcingChallenges.budgetFrom', { min: formatEuros(min / 100) });
  return t('sourcingChallenges.budgetUpTo', { max: formatEuros((max ?? 0) / 100) });
}

function periodText(startsOn: string | null, endsOn: string | null): string | null {
  const day = (value: string) => value.split('-').reverse().join('/');
  if (!startsOn && !endsOn) return null;
  if (startsOn && endsOn) return t('sourcingChallenges.period', { from: day(startsOn), to: day(endsOn) });
  if (startsOn) return t('sourcingChallenges.periodFrom', { from: day(startsOn) });
  return t('sourcingChallenges.periodUntil', { to: day(endsOn ?? '') });
}

const STATUS_BADGES: Record<string, string> = { brouillon: 'fr-badge--info', ouvert: 'fr-badge--new', en_sourcing: 'fr-badge--success', clos: '' };

/** One page of the list. */
export async function listChallengesPage(ctx: ServiceContext, rawQuery: unknown) {
  assertCan(ctx.actor, 'sourcing.read');
  const actor = ctx.actor;
  const { page, ...query } = listSchema.parse(rawQuery ?? {});
  // Newest first by default; titles and statuses read in order.
  const direction = query.dir ?? (query.sort === 'created' || query.sort === 'cases' ? 'desc' : 'asc');
  const found = await listChallenges(
    ctx.db,
    {
      q: query.q || undefined,
      status: query.status,
      unitId: query.unit,
      ownerId: query.owner === 'me' || query.owner === 'moi' ? actor.id : query.owner,
      sort: query.sort,
      direction,
      viewer: caseViewerOf(actor),
    },
    { limit: CHALLENGE_PAGE_SIZE, offset: (page - 1) * CHALLENGE_PAGE_SIZE },
  );
  if (page > 1 && found.rows.length === 0) return listChallengesPage(ctx, { ...query, page: 1 });
  return {
    query: { ...query, dir: direction },
    direction,
    rows: found.rows.map((row) => ({
      ...row,
      statusLabel: t(`sourcingChallenges.statuses.${row.status}`),
      statusBadge: STATUS_BADGES[row.status] ?? '',
      outcomeLabel: row.outcome ? t(`sourcingChallenges.outcomes.${row.outcome}`) : null,
      periodText: periodText(row.startsOn, row.endsOn),
      stages: {
        experimentation: row.stageCounts.experimentation ?? 0,
        contractualisation: row.stageCounts.contractualisation ?? 0,
        deployee: row.stageCounts.deployee ?? 0,
        advanced: ADVANCED_STAGES.reduce((sum, stage) => sum + (row.stageCounts[stage] ?? 0), 0),
      },
    })),
    total: found.total,
    page,
    pageCount: Math.min(MAX_PAGES, Math.max(1, Math.ceil(found.total / CHALLENGE_PAGE_SIZE))),
    canCreate: can(actor, 'sourcing.edit'),
  };
}

/** Choices of the filter form. */
export async function challengeFilterOptions(ctx: ServiceContext) {
  assertCan(ctx.actor, 'sourcing.read');
  const [units, users] = await Promise.all([cachedActiveUnits(ctx.db), cachedActiveUserOptions(ctx.db)]);
  return {
    statuses: CHALLENGE_STATUSES.map((value) => ({ value, label: t(`sourcingChallenges.statuses.${value}`) })),
    units: units.filter((unit) => !unit.archivedAt).map((unit) => ({ value: unit.id, label: unit.name })),
    users: users.map((user) => ({ value: user.id, label: user.displayName })),
    sorts: CHALLENGE_LIST_SORTS.map((value) => ({ value, label: t(`sourcingChallenges.sorts.${value}`) })),
    directions: (['asc', 'desc'] as const).map((value) => ({ value, label: t(`sourcingChallenges.directions.${value}`) })),
  };
}

// ── One challenge ────────────────────────────────────────────────────────────────────────────

function excerpt(text: string | null, max = 200): string | null {
  if (!text) return null;
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat;
}

/** The challenge page: header, grid, cases by stage, exchanges, decisions, status forms. */
export async function getChallengeDetail(ctx: ServiceContext, id: string) {
  const { challenge, unitIds } = await loadChallenge(ctx.db, ctx, id);
  const actor = ctx.actor;
  if (!actor) throw new Error('signed in');
  const viewer = caseViewerOf(actor);
  const [people, units, cases, decisions] = await Promise.all([
    namesOfUsers(ctx.db, [challenge.ownerId, challenge.sponsorId].filter((value): value is string => value !== null)),
    unitsByIds(ctx.db, unitIds),
    listCasesOfChallenge(ctx.db, challenge.id, viewer),
    listDecisionsOfChallenge(ctx.db, challenge.id, viewer, DECISIONS_SHOWN),
  ]);
  const exchanges = await listExchangesOfCases(ctx.db, cases.map((row) => row.id), actor, EXCHANGES_SHOWN);
  const today = parisDayOf(ctx.now);
  const casesById = new Map(cases.map((row) => [row.id, row]));
  const stages = CASE_STAGES.map((stage) => {
    const rows = cases.filter((row) => row.stage === stage);
    return {
      stage,
      label: t(`sourcingCases.stages.${stage}`),
      count: rows.length,
      cases: rows.map((row) => ({ ...row, daysInStage: Math.max(0, parisDaysBetween(parisDayOf(row.stageEnteredAt), today)) })),
    };
  });
  const mayEdit = canEditChallenge(actor, challenge, unitIds);
  const statusChoices = challengeStatusChoices(actor, challenge, unitIds);
  const circuitKey = challenge.circuitKey ?? DEFAULT_SOURCING_CIRCUIT_KEY;
  const weightTotal = challenge.criteria.reduce((sum, criterion) => sum + criterion.weight, 0);
  return {
    challenge,
    statusLabel: t(`sourcingChallenges.statuses.${challenge.status}`),
    statusBadge: STATUS_BADGES[challenge.status] ?? '',
    outcomeLabel: challenge.outcome ? t(`sourcingChallenges.outcomes.${challenge.outcome}`) : null,
    closed: challenge.status === 'clos',
    ownerName: challenge.ownerId ? (people.get(challenge.ownerId) ?? null) : null,
    sponsorName: challenge.sponsorId ? (people.get(challenge.sponsorId) ?? null) : null,
    units: unitIds.map((unitId) => units.find((unit) => unit.id === unitId)).filter((unit) => unit !== undefined),
    budgetText: budgetText(challenge.budgetMinCents, challenge.budgetMaxCents),
    periodText: periodText(challenge.startsOn, challenge.endsOn),
    circuitName: findWorkflowDefinition(circuitKey)?.name ?? circuitKey,
    criteria: challenge.criteria.map((criterion) => ({ ...criterion, share: weightTotal > 0 ? Math.round((criterion.weight * 100) / weightTotal) : 0 })),
    caseCount: cases.length,
    stages,
    pipelineStages: stages.filter((entry) => !['en_veille', 'abandonnee'].includes(entry.stage)),
    sideStages: stages.filter((entry) => ['en_veille', 'abandonnee'].includes(entry.stage)),
    exchanges: {
      rows: exchanges.rows.map((row) => ({
        ...row,
        kindLabel: t(`exchanges.kinds.${row.kind}`),
        startupName: casesById.get(row.caseId)?.organizationName ?? row.organizationNames[0] ?? '',
      })),
      total: exchanges.total,
      more: exchanges.total > exchanges.rows.length,
    },
    decisions: decisions.map((row) => ({
      ...row,
      statusLabel: t(`sourcingChallenges.gateStatuses.${row.status}`),
      statusBadge: row.status === 'go' ? 'fr-badge--success' : row.status === 'no_go' ? 'fr-badge--error' : 'fr-badge--warning',
      targetLabel: t(`sourcingCases.stages.${row.targetStage}`),
      rationaleExcerpt: excerpt(row.rationale),
    })),
    gatedStages: GATED_STAGES,
    statusForms: statusChoices.map((to) => ({
      to,
      label: challenge.status === 'clos' ? t('sourcingChallenges.actions.reopen') : t(`sourcingChallenges.actions.${to}`),
      closing: to === 'clos',
    })),
    outcomes: CHALLENGE_OUTCOMES.map((value) => ({ value, label: t(`sourcingChallenges.outcomes.${value}`) })),
    permissions: {
      edit: mayEdit && challenge.status !== 'clos',
      addCase: mayEdit && challenge.status !== 'clos',
      status: statusChoices.length > 0,
      export: can(actor, 'sourcing.export'),
    },
  };
}

export type ChallengeDetail = Awaited<ReturnType<typeof getChallengeDetail>>;

// ── The form ─────────────────────────────────────────────────────────────────────────────────

export type ChallengeFormValues = Record<string, unknown>;

/** A new challenge: owned by the actor, in their first unit, the default grid and circuit. */
export function newChallengeValues(ctx: ServiceContext): ChallengeFormValues {
  assertCan(ctx.actor, 'sourcing.edit');
  return {
    ownerId: ctx.actor.id,
    unitIds: ctx.actor.unitIds.slice(0, 1),
    circuitKey: DEFAULT_SOURCING_CIRCUIT_KEY,
    ...Object.fromEntries(criteriaGrid(null).map((criterion) => [weightFieldName(criterion.key), String(criterion.weight)])),
  };
}

const euros = (cents: number | null) => (cents === null ? '' : (cents / 100).toFixed(cents % 100 === 0 ? 0 : 2).replace('.', ','));

/** A challenge's values in the form's shape (the edit form). */
export function valuesOfChallenge(challenge: SourcingChallenge, unitIds: readonly string[]): ChallengeFormValues {
  return {
    title: challenge.title,
    problemStatement: challenge.problemStatement,
    expectedBenefits: challenge.expectedBenefits ?? '',
    ownerId: challenge.ownerId ?? '',
    sponsorId: challenge.sponsorId ?? '',
    unitIds: [...unitIds],
    budgetMin: euros(challenge.budgetMinCents),
    budgetMax: euros(challenge.budgetMaxCents),
    startsOn: challenge.startsOn ?? '',
    endsOn: challenge.endsOn ?? '',
    circuitKey: challenge.circuitKey ?? DEFAULT_SOURCING_CIRCUIT_KEY,
    ...Object.fromEntries(criteriaGrid(challenge.criteria).map((criterion) => [weightFieldName(criterion.key), String(criterion.weight)])),
  };
}

const asList = (value: unknown): string[] =>
  (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === 'string' && item !== '');

/**
 * The form's choices: owners (people who may edit sourcing records), sponsors (managers), units
 * (those the actor may not attach are shown locked), circuits, and the criteria grid with the
 * typed weights.
 */
export async function challengeFormOptions(ctx: ServiceContext, values: ChallengeFormValues, challenge: SourcingChallenge | null = null) {
  assertCan(ctx.actor, 'sourcing.edit');
  const actor = ctx.actor;
  const chosenUnits = asList(values.unitIds);
  const [units, owners, sponsors] = await Promise.all([cachedActiveUnits(ctx.db), listActiveUsersWithRoles(ctx.db, rolesWith('sourcing.edit')), listActiveUsersWithRoles(ctx.db, rolesWith('sourcing.sponsor'))]);
  const weights = Array.from({ length: 6 }, (_, weight) => String(weight));
  return {
    owners: owners.map((user) => ({ value: user.id, label: user.displayName })),
    sponsors: sponsors.map((user) => ({ value: user.id, label: user.displayName })),
    units: units
      .filter((unit) => !unit.archivedAt || chosenUnits.includes(unit.id))
      .map((unit) => ({ id: unit.id, name: unit.name, checked: chosenUnits.includes(unit.id), locked: !canAttachUnit(actor, unit.id) })),
    circuits: circuitChoices(),
    criteria: criteriaGrid(challenge?.criteria ?? null).map((criterion) => {
      const name = weightFieldName(criterion.key);
      const value = typeof values[name] === 'string' ? (values[name] as string) : '0';
      return { ...criterion, name, value, choices: weights.map((weight) => ({ value: weight, label: weight === '0' ? t('sourcingChallenges.form.weightNone') : weight, selected: weight === value })) };
    }),
  };
}
