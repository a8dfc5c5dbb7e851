// Sourcing challenges (« défis », /sourcing/defis): the rules. Everyone signed in reads them
// ('sourcing.read'); chargés, managers and admins create them and, within the challenge's units
// or as its owner, edit them and change their status ('sourcing.edit' with the challenge's
// scope). Units follow the unit rule (unitsAfterChange). The status moves only through
// moveChallengeStatus and the transition table CHALLENGE_TRANSITIONS
// (src/workflows/sourcing-transitions.ts); closing needs an outcome. Every change is journaled
// (entity 'sourcing_challenge') with readable before/after values.
import { z } from 'zod';
import { parseIsoDay } from '../lib/convention-dates';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, type FieldErrors } from '../lib/errors';
import { formatEuros } from '../lib/format';
import { t } from '../lib/i18n';
import { hasControlCharacters, isUuid, parseInput } from '../lib/validation';
import type { Database } from '../models/database';
import { CHALLENGE_OUTCOMES, CHALLENGE_STATUSES, type ChallengeOutcome, type ChallengeStatus, type ScorecardCriterion, type SourcingChallenge } from '../models/schema';
import {
  findChallenge,
  insertChallenge,
  listActiveUsersWithRoles,
  listUnitIdsOfChallenge,
  lockChallenge,
  namesOfUsers,
  replaceChallengeUnits,
  unitsByIds,
  updateChallengeRow,
} from '../models/sourcing-challenges.model';
import { DEFAULT_SOURCING_CIRCUIT_KEY, SOURCING_CIRCUIT_KEYS, findWorkflowDefinition } from '../workflows/definitions';
import { DEFAULT_CRITERIA, MAX_WEIGHT } from '../workflows/sourcing-scorecard';
import { CHALLENGE_TRANSITIONS } from '../workflows/sourcing-transitions';
import { checkMove, movesFrom } from '../workflows/transitions';
import { recordAudit } from './audit.service';
import { type Actor, type ServiceContext, inTransaction, requireActor } from './context';
import { parseEuros } from './conventions.service';
import { PERMISSIONS, assertCan, can, type RecordScope, unitsAfterChange } from './permissions';

/** Budgets are integers in cents: at most twenty million euros. */
const MAX_BUDGET_CENTS = 2_000_000_000;

// ── Rules ────────────────────────────────────────────────────────────────────────────────────

export function challengeScope(challenge: Pick<SourcingChallenge, 'ownerId'>, unitIds: readonly string[]): RecordScope {
  return { ownerId: challenge.ownerId, unitIds: [...unitIds] };
}

/** Whether the actor edits this challenge and changes its status (its units' chargés and managers, its owner, admins). */
export function canEditChallenge(actor: Actor | null, challenge: Pick<SourcingChallenge, 'ownerId'>, unitIds: readonly string[]): boolean {
  return can(actor, 'sourcing.edit', challengeScope(challenge, unitIds));
}

/** The challenge and its units when it exists (everyone signed in reads challenges). */
export async function loadChallenge(db: Database, ctx: ServiceContext, id: string): Promise<{ challenge: SourcingChallenge; unitIds: string[] }> {
  assertCan(ctx.actor, 'sourcing.read');
  const challenge = isUuid(id) ? await findChallenge(db, id) : undefined;
  if (!challenge) throw new NotFoundError(t('sourcingChallenges.notFound'));
  return { challenge, unitIds: await listUnitIdsOfChallenge(db, challenge.id) };
}

/** The statuses the actor may move this challenge to now (the page's buttons), in table order. */
export function challengeStatusChoices(actor: Actor | null, challenge: SourcingChallenge, unitIds: readonly string[]): ChallengeStatus[] {
  if (!actor || !canEditChallenge(actor, challenge, unitIds)) return [];
  return movesFrom(CHALLENGE_TRANSITIONS, challenge.status, { by: 'person', roles: actor.roles, inUnit: true });
}

/** Roles that hold a permission (owner and sponsor pickers). */
export function rolesWith(permission: 'sourcing.edit' | 'sourcing.sponsor'): readonly string[] {
  return PERMISSIONS[permission];
}

/** The committee circuits a challenge may choose, the default first, with their names. */
export function circuitChoices(): Array<{ value: string; label: string }> {
  return SOURCING_CIRCUIT_KEYS.map((key) => ({ value: key, label: findWorkflowDefinition(key)?.name ?? key }));
}

/** The challenge's grid as the form shows it: every default criterion (0 = left out), then any other the challenge has. */
export function criteriaGrid(criteria: readonly ScorecardCriterion[] | null): ScorecardCriterion[] {
  const own = criteria ?? DEFAULT_CRITERIA;
  const defaults = DEFAULT_CRITERIA.map((criterion) => ({ ...criterion, weight: criteria ? (own.find((item) => item.key === criterion.key)?.weight ?? 0) : criterion.weight }));
  return [...defaults, ...own.filter((item) => !DEFAULT_CRITERIA.some((criterion) => criterion.key === item.key))];
}

export const weightFieldName = (key: string) => `weight_${key}`;

// ── Fields ───────────────────────────────────────────────────────────────────────────────────

const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const printable = (value: string) => !hasControlCharacters(value);

const requiredText = (max: number, message: string) =>
  z
    .string({ error: message })
    .trim()
    .min(1, message)
    .max(max, t('validation.tooLong', { max }))
    .refine(printable, t('validation.controlCharacters'));

const optionalText = (max: number) =>
  z.preprocess(blankToUndefined, z.string({ error: t('validation.notScalar') }).trim().max(max, t('validation.tooLong', { max })).refine(printable, t('validation.controlCharacters')).optional());

const optionalDay = () =>
  z.preprocess(
    blankToUndefined,
    z
      .string({ error: t('validation.notScalar') })
      .trim()
      .refine((value) => parseIsoDay(value) !== null, t('sourcingChallenges.errors.dateInvalid'))
      .optional(),
  );

const optionalEuros = () =>
  z.preprocess(
    blankToUndefined,
    z
      .string({ error: t('validation.notScalar') })
      .trim()
      .transform((value, context) => {
        const cents = parseEuros(value);
        if (cents === null || cents > MAX_BUDGET_CENTS) {
          context.addIssue({ code: 'custom', message: t('sourcingChallenges.errors.budgetInvalid') });
          return z.NEVER;
        }
        return cents;
      })
      .optional(),
  );

const idList = (message: string) =>
  z.preprocess(
    (value) => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]).filter((item) => !(typeof item === 'string' && item.trim() === '')),
    z.array(z.uuid({ error: message }), { error: message }).max(50, message),
  );

const weightField = z.preprocess(
  (value) => (value === undefined || (typeof value === 'string' && value.trim() === '') ? '0' : value),
  z.coerce
    .number({ error: t('sourcingChallenges.errors.weightInvalid', { max: MAX_WEIGHT }) })
    .int(t('sourcingChallenges.errors.weightInvalid', { max: MAX_WEIGHT }))
    .min(0, t('sourcingChallenges.errors.weightInvalid', { max: MAX_WEIGHT }))
    .max(MAX_WEIGHT, t('sourcingChallenges.errors.weightInvalid', { max: MAX_WEIGHT })),
);

/** The form's fields (HTML names are these keys; one `weight_<criterion>` per criterion of the grid). */
function fieldsSchema(grid: readonly ScorecardCriterion[]) {
  return z
    .object({
      title: requiredText(200, t('sourcingChallenges.errors.titleRequired')),
      problemStatement: requiredText(10_000, t('sourcingChallenges.errors.problemRequired')),
      expectedBenefits: optionalText(10_000),
      ownerId: z.preprocess(blankToUndefined, z.uuid({ error: t('sourcingChallenges.errors.ownerUnknown') }).optional()),
      sponsorId: z.preprocess(blankToUndefined, z.uuid({ error: t('sourcingChallenges.errors.sponsorUnknown') }).optional()),
      unitIds: idList(t('sourcingChallenges.errors.unitUnknown')),
      budgetMin: optionalEuros(),
      budgetMax: optionalEuros(),
      startsOn: optionalDay(),
      endsOn: optionalDay(),
      circuitKey: z.preprocess(blankToUndefined, z.enum(SOURCING_CIRCUIT_KEYS as [string, ...string[]], { error: t('sourcingChallenges.errors.circuitUnknown') }).optional()),
      ...Object.fromEntries(grid.map((criterion) => [weightFieldName(criterion.key), weightField])),
    })
    .superRefine((fields, context) => {
      if (fields.budgetMin !== undefined && fields.budgetMax !== undefined && fields.budgetMax < fields.budgetMin) {
        context.addIssue({ code: 'custom', path: ['budgetMax'], message: t('sourcingChallenges.errors.budgetOrder') });
      }
      if (fields.startsOn && fields.endsOn && fields.endsOn < fields.startsOn) {
        context.addIssue({ code: 'custom', path: ['endsOn'], message: t('sourcingChallenges.errors.periodOrder') });
      }
      const weights = grid.map((criterion) => (fields as Record<string, unknown>)[weightFieldName(criterion.key)]);
      if (weights.every((weight) => typeof weight === 'number') && !weights.some((weight) => (weight as number) > 0)) {
        context.addIssue({ code: 'custom', path: ['criteria'], message: t('sourcingChallenges.errors.criteriaEmpty') });
      }
    });
}

interface ChallengeFields {
  title: string;
  problemStatement: string;
  expectedBenefits?: string;
  ownerId?: string;
  sponsorId?: string;
  unitIds: string[];
  budgetMin?: number;
  budgetMax?: number;
  startsOn?: string;
  endsOn?: string;
  circuitKey?: string;
}

function parseFields(input: unknown, grid: readonly ScorecardCriterion[]): { fields: ChallengeFields; criteria: ScorecardCriterion[] } {
  const parsed = parseInput(fieldsSchema(grid), input) as ChallengeFields & Record<string, unknown>;
  const criteria = grid.map((criterion) => ({ key: criterion.key, label: criterion.label, weight: Number(parsed[weightFieldName(criterion.key)] ?? 0) })).filter((criterion) => criterion.weight > 0);
  return { fields: parsed, criteria };
}

interface Checked {
  columns: {
    title: string;
    problemStatement: string;
    expectedBenefits: string | null;
    ownerId: string;
    sponsorId: string | null;
    budgetMinCents: number | null;
    budgetMaxCents: number | null;
    startsOn: string | null;
    endsOn: string | null;
    criteria: ScorecardCriterion[];
    circuitKey: string;
  };
  unitIds: string[];
}

/**
 * The people and units must exist: the owner a person who may edit sourcing records, the sponsor a
 * manager (sourcing.sponsor), the units active and allowed by the unit rule (at least one).
 * Those the challenge already had stay acceptable. ValidationError by field.
 */
async function checkFields(tx: Database, ctx: ServiceContext, parsed: ReturnType<typeof parseFields>, previous: { challenge: SourcingChallenge; unitIds: string[] } | null): Promise<Checked> {
  const actor = requireActor(ctx);
  const { fields, criteria } = parsed;
  const errors: FieldErrors = {};
  const ownerId = fields.ownerId ?? previous?.challenge.ownerId ?? actor.id;
  const sponsorId = fields.sponsorId ?? null;
  // Sequential: statements on a transaction never run concurrently.
  const owners = await listActiveUsersWithRoles(tx, rolesWith('sourcing.edit'));
  const sponsors = await listActiveUsersWithRoles(tx, rolesWith('sourcing.sponsor'));
  if (!owners.some((user) => user.id === ownerId) && ownerId !== previous?.challenge.ownerId) errors.ownerId = t('sourcingChallenges.errors.ownerUnknown');
  if (sponsorId && !sponsors.some((user) => user.id === sponsorId) && sponsorId !== previous?.challenge.sponsorId) errors.sponsorId = t('sourcingChallenges.errors.sponsorUnknown');
  else if (!sponsorId && previous && previous.challenge.status !== 'brouillon') errors.sponsorId = t('sourcingChallenges.errors.sponsorKept');
  const requested = [...new Set(fields.unitIds)];
  const { unitIds, refused } = unitsAfterChange(actor, requested, previous?.unitIds ?? []);
  const known = await unitsByIds(tx, unitIds);
  if (refused.length > 0) errors.unitIds = t('sourcingChallenges.errors.unitNotYours');
  else if (!unitIds.every((id) => known.some((unit) => unit.id === id && (!unit.archived || previous?.unitIds.includes(id))))) errors.unitIds = t('sourcingChallenges.errors.unitUnknown');
  else if (unitIds.length === 0) errors.unitIds = t('sourcingChallenges.errors.unitRequired');
  if (Object.keys(errors).length > 0) throw new ValidationError(errors, t('validation.formHasErrors'));
  // Keep the order the person ticked (the first is the main unit), then the units kept by the rule.
  const ordered = [...requested.filter((id) => unitIds.includes(id)), ...unitIds.filter((id) => !requested.includes(id))];
  return {
    columns: {
      title: fields.title,
      problemStatement: fields.problemStatement,
      expectedBenefits: fields.expectedBenefits ?? null,
      ownerId,
      sponsorId,
      budgetMinCents: fields.budgetMin ?? null,
      budgetMaxCents: fields.budgetMax ?? null,
      startsOn: fields.startsOn ?? null,
      endsOn: fields.endsOn ?? null,
      criteria,
      circuitKey: fields.circuitKey ?? previous?.challenge.circuitKey ?? DEFAULT_SOURCING_CIRCUIT_KEY,
    },
    unitIds: ordered,
  };
}

/** What the journal keeps: readable values (names, euros, the circuit's name), no technical ids. */
async function auditable(tx: Database, challenge: SourcingChallenge, unitIds: readonly string[]) {
  const people = await namesOfUsers(tx, [challenge.ownerId, challenge.sponsorId].filter((id): id is string => id !== null));
  const unitNames = await unitsByIds(tx, unitIds);
  return {
    title: challenge.title,
    problemStatement: challenge.problemStatement,
    expectedBenefits: challenge.expectedBenefits,
    owner: challenge.ownerId ? (people.get(challenge.ownerId) ?? null) : null,
    sponsor: challenge.sponsorId ? (people.get(challenge.sponsorId) ?? null) : null,
    units: unitIds.map((id) => unitNames.find((unit) => unit.id === id)?.name ?? id),
    budgetMin: challenge.budgetMinCents === null ? null : formatEuros(challenge.budgetMinCents / 100),
    budgetMax: challenge.budgetMaxCents === null ? null : formatEuros(challenge.budgetMaxCents / 100),
    startsOn: challenge.startsOn,
    endsOn: challenge.endsOn,
    criteria: challenge.criteria.map((criterion) => `${criterion.label} (${criterion.weight})`),
    circuit: findWorkflowDefinition(challenge.circuitKey ?? DEFAULT_SOURCING_CIRCUIT_KEY)?.name ?? challenge.circuitKey,
  };
}

// ── Create, edit ─────────────────────────────────────────────────────────────────────────────

/** The form's « Enregistrer » for a new challenge (status « brouillon »), journaled. */
export async function createChallenge(ctx: ServiceContext, input: unknown): Promise<SourcingChallenge> {
  assertCan(ctx.actor, 'sourcing.edit');
  const actor = ctx.actor;
  const parsed = parseFields(input, criteriaGrid(null));
  return inTransaction(ctx, async (tx) => {
    const checked = await checkFields(tx, ctx, parsed, null);
    if (!can(actor, 'sourcing.edit', { ownerId: checked.columns.ownerId, unitIds: checked.unitIds })) throw new ForbiddenError(t('sourcingChallenges.errors.notYours'));
    const challenge = await insertChallenge(tx, { ...checked.columns, status: 'brouillon', createdById: actor.id, updatedById: actor.id });
    await replaceChallengeUnits(tx, challenge.id, checked.unitIds);
    await recordAudit(tx, ctx, {
      action: 'sourcing_challenge.created',
      entityType: 'sourcing_challenge',
      entityId: challenge.id,
      after: { ...(await auditable(tx, challenge, checked.unitIds)), status: challenge.status },
    });
    return challenge;
  });
}

/** The challenge for its edit form: the actor must be able to edit it, and it must not be closed. */
export async function getChallengeForEdit(ctx: ServiceContext, id: string) {
  const loaded = await loadChallenge(ctx.db, ctx, id);
  if (!canEditChallenge(ctx.actor, loaded.challenge, loaded.unitIds)) throw new ForbiddenError(t('sourcingChallenges.errors.notYours'));
  if (loaded.challenge.status === 'clos') throw new ConflictError(t('sourcingChallenges.errors.closedNoEdit'));
  return loaded;
}

/** The edit form's « Enregistrer »: the row and its units in one transaction, journaled with what changed. */
export async function updateChallenge(ctx: ServiceContext, id: string, input: unknown): Promise<SourcingChallenge> {
  const loaded = await getChallengeForEdit(ctx, id);
  const actor = requireActor(ctx);
  const parsed = parseFields(input, criteriaGrid(loaded.challenge.criteria));
  return inTransaction(ctx, async (tx) => {
    const before = await lockChallenge(tx, loaded.challenge.id);
    if (!before) throw new NotFoundError(t('sourcingChallenges.notFound'));
    const unitsBefore = await listUnitIdsOfChallenge(tx, before.id);
    if (!canEditChallenge(actor, before, unitsBefore)) throw new ForbiddenError(t('sourcingChallenges.errors.notYours'));
    if (before.status === 'clos') throw new ConflictError(t('sourcingChallenges.errors.closedNoEdit'));
    const checked = await checkFields(tx, ctx, parsed, { challenge: before, unitIds: unitsBefore });
    const after = await updateChallengeRow(tx, before.id, { ...checked.columns, updatedById: actor.id, updatedAt: ctx.now });
    await replaceChallengeUnits(tx, before.id, checked.unitIds);
    const previous = await auditable(tx, before, unitsBefore);
    const next = await auditable(tx, after, checked.unitIds);
    if (JSON.stringify(previous) !== JSON.stringify(next)) {
      await recordAudit(tx, ctx, { action: 'sourcing_challenge.updated', entityType: 'sourcing_challenge', entityId: before.id, before: previous, after: next });
    }
    return after;
  });
}

// ── Status ───────────────────────────────────────────────────────────────────────────────────

export interface ChallengeStatusMove {
  challengeId: string;
  to: ChallengeStatus;
  /** Required to close. */
  outcome?: ChallengeOutcome | null;
  note?: string | null;
  /** The status the person saw: a different one is a conflict, not a silent move. */
  expectedFrom?: ChallengeStatus;
}

/**
 * The one path that changes a challenge's status: the transition table for the actor (roles,
 * the challenge's units or ownership), an outcome to close (cleared on reopening), journaled
 * 'sourcing_challenge.status_changed'. Runs in the caller's transaction.
 */
export async function moveChallengeStatus(tx: Database, ctx: ServiceContext, move: ChallengeStatusMove): Promise<SourcingChallenge> {
  if (!isUuid(move.challengeId)) throw new NotFoundError(t('sourcingChallenges.notFound'));
  const actor = ctx.actor;
  const before = await lockChallenge(tx, move.challengeId);
  if (!before) throw new NotFoundError(t('sourcingChallenges.notFound'));
  const label = (status: ChallengeStatus) => t(`sourcingChallenges.statuses.${status}`);
  if (move.expectedFrom && move.expectedFrom !== before.status) throw new ConflictError(t('sourcingChallenges.errors.changedMeanwhile', { status: label(before.status) }));
  if (before.status === move.to) return before;
  const unitIds = await listUnitIdsOfChallenge(tx, before.id);
  if (!actor || !canEditChallenge(actor, before, unitIds)) throw new ForbiddenError(t('sourcingChallenges.errors.notYours'));
  const verdict = checkMove(CHALLENGE_TRANSITIONS, before.status, move.to, { by: 'person', roles: actor.roles, inUnit: true });
  if (verdict === 'notPermitted') throw new ForbiddenError(t('sourcingChallenges.errors.statusNotPermitted', { from: label(before.status), to: label(move.to) }));
  if (verdict === 'notAllowed') throw new ConflictError(t('sourcingChallenges.errors.statusNotAllowed', { from: label(before.status), to: label(move.to) }));
  const note = move.note?.trim().slice(0, 2000) || null;
  if (move.to === 'clos' && !move.outcome) throw new ValidationError({ outcome: t('sourcingChallenges.errors.outcomeRequired') }, t('sourcingChallenges.errors.outcomeRequired'));
  if ((move.to === 'ouvert' || move.to === 'en_sourcing') && !before.sponsorId) {
    throw new ValidationError({ to: t('sourcingChallenges.errors.sponsorNeeded') }, t('sourcingChallenges.errors.sponsorNeeded'));
  }
  const closing = move.to === 'clos';
  const after = await updateChallengeRow(tx, before.id, {
    status: move.to,
    outcome: closing ? (move.outcome ?? null) : null,
    outcomeNote: closing ? note : null,
    closedAt: closing ? ctx.now : null,
    updatedById: actor.id,
    updatedAt: ctx.now,
  });
  await recordAudit(tx, ctx, {
    action: 'sourcing_challenge.status_changed',
    entityType: 'sourcing_challenge',
    entityId: before.id,
    before: { status: before.status, outcome: before.outcome, outcomeNote: before.outcomeNote },
    after: { status: after.status, outcome: after.outcome, outcomeNote: after.outcomeNote },
    metadata: { title: before.title },
  });
  return after;
}

const statusSchema = z.object({
  to: z.enum(CHALLENGE_STATUSES, { error: t('sourcingChallenges.errors.statusUnknown') }),
  expectedFrom: z.preprocess(blankToUndefined, z.enum(CHALLENGE_STATUSES).optional().catch(undefined)),
  outcome: z.preprocess(blankToUndefined, z.enum(CHALLENGE_OUTCOMES, { error: t('sourcingChallenges.errors.outcomeRequired') }).optional()),
  note: optionalText(2000),
});

/** The page's status forms (« Ouvrir », « Passer en sourcing », « Clore »…): one transaction through moveChallengeStatus. */
export async function changeChallengeStatus(ctx: ServiceContext, id: string, input: unknown): Promise<SourcingChallenge> {
  await loadChallenge(ctx.db, ctx, id);
  const fields = parseInput(statusSchema, input);
  return inTransaction(ctx, (tx) => moveChallengeStatus(tx, ctx, { challengeId: id, to: fields.to, outcome: fields.outcome ?? null, note: fields.note ?? null, expectedFrom: fields.expectedFrom }));
}
