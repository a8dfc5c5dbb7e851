// Sourcing cases (« pistes ») and the kanban (/sourcing): who reads and moves a case, the one
// function every stage change goes through (moveCaseStage, the transition table of
// src/workflows/sourcing-transitions.ts), creation and edition, the kanban's columns.
// Gates (sourcing-gates.service.ts) and pilots (sourcing-pilots.service.ts) move cases through
// moveCaseStage with their own mover; what must happen when a case enters a stage (a pilot opens on
// « expérimentation », a convention draft on « contractualisation ») is registered with
// onCaseEnteredStage by those services (src/services/sourcing-pipeline.ts wires them at boot).
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../lib/errors';
import { t } from '../lib/i18n';
import type { Database } from '../models/database';
import { findChallenge, listUnitIdsOfChallenge } from '../models/sourcing-challenges.model';
import { type CaseViewer, findCaseOfChallenge, insertCase, lockCase, recordStageMove } from '../models/sourcing-cases.model';
import type { CaseSource, CaseStage, SourcingCase } from '../models/schema';
import { type CaseMover, CASE_TRANSITIONS, STAGES_NEEDING_REASON, checkCaseMove } from '../workflows/sourcing-transitions';
import { checkMove } from '../workflows/transitions';
import { recordAudit } from './audit.service';
import { type Actor, type ServiceContext, requireActor } from './context';
import { can, hasRole } from './permissions';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// ── who may do what with a case ───────────────────────────────────────────────────────────
export function caseViewerOf(actor: Actor): CaseViewer {
  return { userId: actor.id, unitIds: actor.unitIds, isAdmin: hasRole(actor, 'admin') };
}

/** A person moves and edits a case when chargé or manager of its unit, its owner, or admin. */
export function canEditCase(actor: Actor | null, row: Pick<SourcingCase, 'ownerId' | 'unitId'>): boolean {
  return can(actor, 'sourcing.edit', { ownerId: row.ownerId, unitIds: row.unitId ? [row.unitId] : [] });
}

/**
 * Reading: everyone signed in reads a case that is not confidential; a confidential one its
 * unit, owner, evaluators (`isEvaluator`: the caller looked it up) and admins.
 */
export function canReadCase(actor: Actor | null, row: Pick<SourcingCase, 'ownerId' | 'unitId' | 'confidential'>, isEvaluator = false): boolean {
  if (!actor || !can(actor, 'sourcing.read')) return false;
  if (!row.confidential || hasRole(actor, 'admin') || isEvaluator) return true;
  return row.ownerId === actor.id || (row.unitId !== null && actor.unitIds.includes(row.unitId));
}

// ── moving a case ─────────────────────────────────────────────────────────────────────────
export type StageEnteredHandler = (tx: Database, ctx: ServiceContext, entered: { before: SourcingCase; after: SourcingCase; by: CaseMover }) => Promise<void>;
const stageHandlers = new Map<CaseStage, StageEnteredHandler[]>();

/** What must happen in the same transaction when a case enters `stage` (a pilot opens, a convention draft is written). */
export function onCaseEnteredStage(stage: CaseStage, handler: StageEnteredHandler): void {
  stageHandlers.set(stage, [...(stageHandlers.get(stage) ?? []), handler]);
}

export interface CaseMove {
  caseId: string;
  to: CaseStage;
  by: CaseMover;
  reason?: string | null;
  /** The stage the mover saw (a card dragged from a stale page): a different stage is a conflict, not a silent move. */
  expectedFrom?: CaseStage;
}

/**
 * The one path that changes a case's stage: checks the transition table for the mover (a person's
 * roles and unit; 'gate' and 'pilot' are the system's), locks the case, closes its open stage row
 * and opens the next, journals, and runs the stage's handlers — all in `tx`. A person asking for a
 * gated stage gets a ConflictError whose message says to start the committee (the route offers it).
 */
export async function moveCaseStage(tx: Database, ctx: ServiceContext, move: CaseMove): Promise<SourcingCase> {
  if (!UUID.test(move.caseId)) throw new NotFoundError();
  const before = await lockCase(tx, move.caseId);
  if (!before) throw new NotFoundError(t('sourcingCases.notFound'));
  const stageLabel = (stage: CaseStage) => t(`sourcingCases.stages.${stage}`);
  if (move.expectedFrom && move.expectedFrom !== before.stage) {
    throw new ConflictError(t('sourcingCases.errors.movedMeanwhile', { stage: stageLabel(before.stage) }));
  }
  if (before.stage === move.to) return before;
  const reason = move.reason?.trim().slice(0, 2000) || null;
  if (move.by === 'person') {
    const actor = ctx.actor;
    if (!actor || !canEditCase(actor, before)) throw new ForbiddenError(t('sourcingCases.errors.notYours'));
    const verdict = checkCaseMove(before.stage, move.to, { by: 'person', roles: actor.roles, inUnit: true });
    if (verdict === 'gate') throw new ConflictError(t('sourcingCases.errors.needsGate', { stage: stageLabel(move.to) }));
    if (verdict === 'notPermitted') throw new ForbiddenError(t('sourcingCases.errors.notYours'));
    if (verdict === 'notAllowed') throw new ConflictError(t('sourcingCases.errors.moveNotAllowed', { from: stageLabel(before.stage), to: stageLabel(move.to) }));
  } else if (checkMove(CASE_TRANSITIONS, before.stage, move.to, { by: move.by }) !== 'allowed') {
    throw new ConflictError(t('sourcingCases.errors.moveNotAllowed', { from: stageLabel(before.stage), to: stageLabel(move.to) }));
  }
  if (STAGES_NEEDING_REASON.includes(move.to) && !reason) {
    throw new ValidationError({ reason: t('sourcingCases.errors.reasonRequired') }, t('sourcingCases.errors.reasonRequired'));
  }
  const after = await recordStageMove(tx, { caseId: before.id, from: before.stage, to: move.to, at: ctx.now, movedBy: move.by, movedById: ctx.actor?.id ?? null, reason });
  await recordAudit(tx, ctx, {
    action: 'sourcing_case.stage_moved',
    entityType: 'sourcing_case',
    entityId: before.id,
    before: { stage: before.stage },
    after: { stage: after.stage },
    metadata: { by: move.by, ...(reason ? { reason } : {}), organizationId: before.organizationId, challengeId: before.challengeId },
  });
  for (const handler of stageHandlers.get(move.to) ?? []) await handler(tx, ctx, { before, after, by: move.by });
  return after;
}

// ── adding a case (the form, the import wizard's « pistes », the start-up meeting, the seed) ──
export interface NewCaseValues {
  organizationId: string;
  challengeId: string | null;
  source: CaseSource;
  ownerId?: string | null;
  /** Default: the challenge's main unit, else the actor's first unit. */
  unitId?: string | null;
  summary?: string | null;
  tags?: string[];
  estimatedBudgetCents?: number | null;
  nextStep?: string | null;
  nextStepOn?: string | null;
  confidential?: boolean;
  /** Default « repérée » (the import wizard and the form); the seed may place a case further. */
  stage?: CaseStage;
  sourceRef?: string | null;
}

/**
 * Adds a case inside the caller's transaction (values already validated by the caller's form or
 * import row): the challenge must exist and not be closed, a start-up is one case per challenge
 * (ConflictError naming the existing case), the actor must be able to edit the result. Journaled.
 */
export async function addCaseInTransaction(tx: Database, ctx: ServiceContext, values: NewCaseValues, movedBy: 'person' | 'import' | 'seed' = 'person'): Promise<SourcingCase> {
  const actor = requireActor(ctx);
  let unitId = values.unitId ?? null;
  if (values.challengeId) {
    const challenge = await findChallenge(tx, values.challengeId);
    if (!challenge) throw new ValidationError({ challengeId: t('sourcingCases.errors.unknownChallenge') });
    if (challenge.status === 'clos') throw new ConflictError(t('sourcingCases.errors.challengeClosed'));
    if (await findCaseOfChallenge(tx, values.challengeId, values.organizationId)) throw new ConflictError(t('sourcingCases.errors.alreadyInChallenge'));
    unitId ??= (await listUnitIdsOfChallenge(tx, values.challengeId))[0] ?? null;
  }
  unitId ??= actor.unitIds[0] ?? null;
  const ownerId = values.ownerId ?? actor.id;
  if (movedBy !== 'seed' && !canEditCase(actor, { ownerId, unitId })) throw new ForbiddenError(t('sourcingCases.errors.notYours'));
  const stage = values.stage ?? 'reperee';
  const row = await insertCase(
    tx,
    {
      organizationId: values.organizationId,
      challengeId: values.challengeId,
      unitId,
      ownerId,
      source: values.source,
      summary: values.summary ?? null,
      tags: values.tags ?? [],
      estimatedBudgetCents: values.estimatedBudgetCents ?? null,
      nextStep: values.nextStep ?? null,
      nextStepOn: values.nextStepOn ?? null,
      confidential: values.confidential ?? false,
      stage,
      stageEnteredAt: ctx.now,
      createdById: actor.id,
      updatedById: actor.id,
      sourceRef: values.sourceRef ?? null,
    },
    movedBy,
    actor.id,
  ).catch((error: unknown) => {
    if (isUniqueViolation(error)) throw new ConflictError(t('sourcingCases.errors.alreadyInChallenge'));
    throw error;
  });
  await recordAudit(tx, ctx, {
    action: 'sourcing_case.created',
    entityType: 'sourcing_case',
    entityId: row.id,
    after: { stage: row.stage, source: row.source, challengeId: row.challengeId, organizationId: row.organizationId, ownerId: row.ownerId, unitId: row.unitId },
    metadata: { by: movedBy, organizationId: row.organizationId, challengeId: row.challengeId },
  });
  return row;
}

/** PostgreSQL unique_violation, possibly wrapped by Drizzle (`cause`). */
function isUniqueViolation(error: unknown): boolean {
  const code = (value: unknown) => (typeof value === 'object' && value !== null ? (value as { code?: unknown }).code : undefined);
  return code(error) === '23505' || code((error as { cause?: unknown } | null)?.cause) === '23505';
}
