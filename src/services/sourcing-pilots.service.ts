// Pilots (« expérimentations », docs/sourcing-pilots.md): opened when a case enters « expérimentation »,
// success criteria written before the start, milestones whose checks are tasks, the closing
// decision (déployer, prolonger once, itérer, arrêter) with the criteria's results, pilots past
// their end without a decision (flags, dashboard, reminders); « contractualisation » writes a
// convention draft with the start-up as party and the case linked.
import { formatConventionReference } from '../lib/convention-dates';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, type FieldErrors } from '../lib/errors';
import { formatDate, formatEuros } from '../lib/format';
import { t } from '../lib/i18n';
import { parisDayOf, parisDaysBetween } from '../lib/paris-time';
import { hasControlCharacters } from '../lib/validation';
import { insertConvention, replaceParties, takeReferenceNumber } from '../models/conventions.model';
import type { Database } from '../models/database';
import { caseVisibleTo, findCase, lockCase } from '../models/sourcing-cases.model';
import {
  type CaseSummary,
  type PilotSort,
  type PilotState,
  PILOT_SORTS,
  PILOT_STATES,
  caseSummary,
  criteriaOf,
  decisionOwnerChoices,
  deleteMilestones,
  findPilot,
  insertMilestone,
  insertMilestoneTask,
  insertPilot,
  lastIterationOfCase,
  listChallengeChoices,
  listPilots,
  lockPilot,
  milestonesOf,
  openPilotOfCase,
  overduePilots,
  pilotsOfCase,
  recordCriteriaResults,
  replaceCriteria,
  setCaseConvention,
  tasksByIds,
  updateMilestone,
  updatePilotRow,
  userNames,
} from '../models/sourcing-pilots.model';
import { updateTaskRow } from '../models/tasks.model';
import type { PilotDecision, SourcingCase, SourcingPilot, SourcingPilotMilestone } from '../models/schema';
import { PILOT_DECISIONS } from '../models/schema';
import { recordAudit } from './audit.service';
import { type Actor, type ServiceContext, inTransaction, requireActor } from './context';
import { hasRole } from './permissions';
import { cachedActiveUnits } from './reference-lists';
import { canEditCase, canReadCase, caseViewerOf, moveCaseStage, onCaseEnteredStage } from './sourcing-cases.service';
import type { CaseMover } from '../workflows/sourcing-transitions';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
export const PILOTS_PAGE_SIZE = 30;
/** A pilot holds at most this many criteria and milestones (the form's rows). */
const MAX_ROWS = 20;

// ── wiring ────────────────────────────────────────────────────────────────────────────────
/** Registers what entering « expérimentation », « contractualisation », « en veille » and « abandonnée » does (onCaseEnteredStage). */
export function registerSourcingPilots(): void {
  onCaseEnteredStage('experimentation', (tx, ctx, { after }) => openPilotInTransaction(tx, ctx, after).then(() => undefined));
  onCaseEnteredStage('contractualisation', (tx, ctx, { after }) => draftConventionInTransaction(tx, ctx, after).then(() => undefined));
  // A person taking the case out of the pipeline closes its open pilot (no pilot left « sans décision »).
  onCaseEnteredStage('en_veille', (tx, ctx, entered) => closePilotOnCaseExitInTransaction(tx, ctx, entered).then(() => undefined));
  onCaseEnteredStage('abandonnee', (tx, ctx, entered) => closePilotOnCaseExitInTransaction(tx, ctx, entered).then(() => undefined));
}

/**
 * Opens a pilot « en préparation » for a case (iteration = last + 1): the decision owner is the
 * challenge's sponsor, else the case owner; its units, the case's. Nothing when one is already open.
 */
export async function openPilotInTransaction(tx: Database, ctx: ServiceContext, row: SourcingCase, copyFrom?: SourcingPilot): Promise<SourcingPilot | null> {
  if (await openPilotOfCase(tx, row.id)) return null;
  const summary = await caseSummary(tx, row.id);
  const iteration = (await lastIterationOfCase(tx, row.id)) + 1;
  const pilot = await insertPilot(tx, {
    caseId: row.id,
    iteration,
    status: 'en_preparation',
    decisionOwnerId: copyFrom?.decisionOwnerId ?? summary?.sponsorId ?? row.ownerId ?? null,
    unitIds: copyFrom?.unitIds ?? (row.unitId ? [row.unitId] : []),
    learnersCount: copyFrom?.learnersCount ?? null,
    staffCount: copyFrom?.staffCount ?? null,
    budgetCents: copyFrom?.budgetCents ?? null,
    createdById: ctx.actor?.id ?? null,
  });
  await recordAudit(tx, ctx, {
    action: 'sourcing_pilot.opened',
    entityType: 'sourcing_case',
    entityId: row.id,
    after: { iteration: pilot.iteration, status: pilot.status, decisionOwnerId: pilot.decisionOwnerId },
    metadata: { pilotId: pilot.id, organizationId: row.organizationId, challengeId: row.challengeId },
  });
  return pilot;
}

/**
 * The convention draft of a case entering « contractualisation »: « Convention — <start-up> (<défi>) »,
 * the start-up as party, the case's owner and unit, kind « partenariat », a reference of the year;
 * the case keeps its id. Written with model functions in the mover's transaction.
 */
export async function draftConventionInTransaction(tx: Database, ctx: ServiceContext, row: SourcingCase) {
  const summary = await caseSummary(tx, row.id);
  if (!summary) throw new NotFoundError();
  if (summary.conventionId) return null;
  const title = summary.challengeTitle
    ? t('sourcingPilots.convention.title', { startup: summary.startupName, challenge: summary.challengeTitle })
    : t('sourcingPilots.convention.titleAlone', { startup: summary.startupName });
  const year = Number(parisDayOf(ctx.now).slice(0, 4));
  const number = await takeReferenceNumber(tx, year);
  const convention = await insertConvention(tx, {
    reference: formatConventionReference(year, number),
    title: title.slice(0, 300),
    kind: 'partenariat',
    status: 'brouillon',
    ownerId: row.ownerId ?? ctx.actor?.id ?? null,
    unitId: row.unitId,
    object: t('sourcingPilots.convention.object', { startup: summary.startupName }),
    createdById: ctx.actor?.id ?? null,
    updatedById: ctx.actor?.id ?? null,
  });
  await replaceParties(tx, convention.id, [{ organizationId: row.organizationId, signatoryContactId: null, role: t('sourcingPilots.convention.partyRole') }]);
  await setCaseConvention(tx, row.id, convention.id, ctx.now);
  await recordAudit(tx, ctx, {
    action: 'convention.created',
    entityType: 'convention',
    entityId: convention.id,
    after: { reference: convention.reference, title: convention.title, kind: convention.kind, status: convention.status, ownerId: convention.ownerId, unitId: convention.unitId, parties: [summary.startupName] },
    metadata: { sourcingCaseId: row.id, related: [row.organizationId] },
  });
  await recordAudit(tx, ctx, {
    action: 'sourcing_case.convention_drafted',
    entityType: 'sourcing_case',
    entityId: row.id,
    after: { conventionId: convention.id, reference: convention.reference },
    metadata: { conventionId: convention.id, organizationId: row.organizationId, challengeId: row.challengeId },
  });
  return convention;
}

// ── who may do what ───────────────────────────────────────────────────────────────────────
interface Loaded {
  pilot: SourcingPilot;
  summary: CaseSummary;
  caseRow: SourcingCase;
}

async function loadReadable(ctx: ServiceContext, id: string): Promise<Loaded> {
  const actor = requireActor(ctx);
  if (!UUID.test(id)) throw new NotFoundError(t('sourcingPilots.notFound'));
  const pilot = await findPilot(ctx.db, id);
  if (!pilot) throw new NotFoundError(t('sourcingPilots.notFound'));
  const [caseRow, summary] = [await findCase(ctx.db, pilot.caseId), await caseSummary(ctx.db, pilot.caseId)];
  if (!caseRow || !summary || !canReadCase(actor, caseRow, pilot.decisionOwnerId === actor.id)) throw new NotFoundError(t('sourcingPilots.notFound'));
  return { pilot, summary, caseRow };
}

/** The closing decision: the decision owner, the case's editors, an admin. */
export function canDecidePilot(actor: Actor | null, pilot: Pick<SourcingPilot, 'decisionOwnerId'>, caseRow: Pick<SourcingCase, 'ownerId' | 'unitId'>): boolean {
  if (!actor) return false;
  return pilot.decisionOwnerId === actor.id || hasRole(actor, 'admin') || canEditCase(actor, caseRow);
}

/** A locked pilot and its locked case, for a change; ForbiddenError when `allowed` says no. */
async function lockForChange(tx: Database, ctx: ServiceContext, id: string, allowed: (actor: Actor, pilot: SourcingPilot, caseRow: SourcingCase) => boolean) {
  const actor = requireActor(ctx);
  if (!UUID.test(id)) throw new NotFoundError(t('sourcingPilots.notFound'));
  const before = await findPilot(tx, id);
  if (!before) throw new NotFoundError(t('sourcingPilots.notFound'));
  const caseRow = await lockCase(tx, before.caseId);
  const pilot = await lockPilot(tx, id);
  if (!caseRow || !pilot) throw new NotFoundError(t('sourcingPilots.notFound'));
  if (!canReadCase(actor, caseRow, pilot.decisionOwnerId === actor.id)) throw new NotFoundError(t('sourcingPilots.notFound'));
  if (!allowed(actor, pilot, caseRow)) throw new ForbiddenError(t('sourcingPilots.errors.notYours'));
  return { actor, pilot, caseRow };
}

// ── the form ──────────────────────────────────────────────────────────────────────────────
type Body = Record<string, unknown>;
const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');
const rowsOf = (value: unknown): Body[] => {
  if (Array.isArray(value)) return value.filter((item): item is Body => typeof item === 'object' && item !== null);
  if (typeof value === 'object' && value !== null) return Object.values(value as Record<string, unknown>).filter((item): item is Body => typeof item === 'object' && item !== null);
  return [];
};
const listOf = (value: unknown): string[] => (Array.isArray(value) ? value.map(text) : typeof value === 'string' ? [text(value)] : []).filter(Boolean);

export interface PilotFormValues {
  startsOn: string;
  endsOn: string;
  decisionOwnerId: string;
  unitIds: string[];
  learnersCount: string;
  staffCount: string;
  budget: string;
  criteria: Array<{ label: string; measure: string; target: string }>;
  milestones: Array<{ id: string; label: string; checkOn: string }>;
}

function formValuesOf(body: Body): PilotFormValues {
  return {
    startsOn: text(body.startsOn),
    endsOn: text(body.endsOn),
    decisionOwnerId: text(body.decisionOwnerId),
    unitIds: listOf(body.unitIds),
    learnersCount: text(body.learnersCount),
    staffCount: text(body.staffCount),
    budget: text(body.budget),
    criteria: rowsOf(body.criteria)
      .map((row) => ({ label: text(row.label), measure: text(row.measure), target: text(row.target) }))
      .filter((row) => row.label || row.measure || row.target)
      .slice(0, MAX_ROWS),
    milestones: rowsOf(body.milestones)
      .map((row) => ({ id: text(row.id), label: text(row.label), checkOn: text(row.checkOn) }))
      .filter((row) => row.label || row.checkOn)
      .slice(0, MAX_ROWS),
  };
}

function valuesOfPilot(pilot: SourcingPilot, criteria: Awaited<ReturnType<typeof criteriaOf>>, milestones: SourcingPilotMilestone[]): PilotFormValues {
  return {
    startsOn: pilot.startsOn ?? '',
    endsOn: pilot.endsOn ?? '',
    decisionOwnerId: pilot.decisionOwnerId ?? '',
    unitIds: pilot.unitIds,
    learnersCount: pilot.learnersCount === null ? '' : String(pilot.learnersCount),
    staffCount: pilot.staffCount === null ? '' : String(pilot.staffCount),
    budget: pilot.budgetCents === null ? '' : String(pilot.budgetCents / 100).replace('.', ','),
    criteria: criteria.map((row) => ({ label: row.label, measure: row.measure, target: row.target })),
    milestones: milestones.map((row) => ({ id: row.id, label: row.label, checkOn: row.checkOn })),
  };
}

function count(value: string, field: string, errors: FieldErrors): number | null {
  if (!value) return null;
  if (!/^\d{1,7}$/.test(value.replace(/\s/g, ''))) {
    errors[field] = t('sourcingPilots.errors.count');
    return null;
  }
  return Number(value.replace(/\s/g, ''));
}

function euros(value: string, errors: FieldErrors): number | null {
  if (!value) return null;
  const normalized = value.replace(/[\s\u00a0€]/g, '').replace(',', '.');
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(normalized)) {
    errors.budget = t('sourcingPilots.errors.budget');
    return null;
  }
  return Math.round(Number(normalized) * 100);
}

function day(value: string, field: string, errors: FieldErrors): string | null {
  if (!value) return null;
  if (!ISO_DAY.test(value) || Number.isNaN(Date.parse(`${value}T12:00:00Z`))) {
    errors[field] = t('sourcingPilots.errors.date');
    return null;
  }
  return value;
}

function clean(value: string, field: string, max: number, errors: FieldErrors): string {
  if (value.length > max) errors[field] = t('validation.tooLong', { max });
  else if (hasControlCharacters(value)) errors[field] = t('validation.controlCharacters');
  return value;
}

/**
 * Saves the pilot's form. Before the start everything is editable; once « en cours » the criteria
 * and the dates are fixed (the end date moves only with « prolonger »); a closed pilot is read-only.
 * Milestones' tasks follow their dates when the pilot is under way.
 */
export async function savePilot(ctx: ServiceContext, id: string, body: Body): Promise<SourcingPilot> {
  const values = formValuesOf(body);
  return inTransaction(ctx, async (tx) => {
    const { pilot, caseRow } = await lockForChange(tx, ctx, id, (actor, _pilot, row) => canEditCase(actor, row));
    if (pilot.status === 'clos') throw new ConflictError(t('sourcingPilots.errors.closed'));
    const running = pilot.status === 'en_cours';
    const errors: FieldErrors = {};
    const startsOn = running ? pilot.startsOn : day(values.startsOn, 'startsOn', errors);
    const endsOn = running ? pilot.endsOn : day(values.endsOn, 'endsOn', errors);
    if (startsOn && endsOn && endsOn < startsOn) errors.endsOn = t('sourcingPilots.errors.endBeforeStart');
    const summary = await caseSummary(tx, caseRow.id);
    const owners = await decisionOwnerChoices(tx, caseRow.unitId, caseRow.ownerId);
    const decisionOwnerId = values.decisionOwnerId || null;
    if (decisionOwnerId && !owners.some((owner) => owner.id === decisionOwnerId) && decisionOwnerId !== pilot.decisionOwnerId) errors.decisionOwnerId = t('sourcingPilots.errors.decisionOwner');
    if (running && !decisionOwnerId) errors.decisionOwnerId = t('sourcingPilots.errors.decisionOwnerRequired');
    const units = await cachedActiveUnits(tx);
    const unitIds = [...new Set(values.unitIds)];
    if (unitIds.some((unitId) => !units.some((unit) => unit.id === unitId))) errors.unitIds = t('validation.unknownUnit');
    const learnersCount = count(values.learnersCount, 'learnersCount', errors);
    const staffCount = count(values.staffCount, 'staffCount', errors);
    const budgetCents = euros(values.budget, errors);
    if (!running) {
      values.criteria.forEach((row, index) => {
        for (const field of ['label', 'measure', 'target'] as const) {
          if (!row[field]) errors[`criteria.${index}.${field}`] = t('sourcingPilots.errors.criterionIncomplete');
          else clean(row[field], `criteria.${index}.${field}`, field === 'label' ? 200 : 500, errors);
        }
      });
    }
    values.milestones.forEach((row, index) => {
      if (!row.label) errors[`milestones.${index}.label`] = t('sourcingPilots.errors.milestoneLabel');
      else clean(row.label, `milestones.${index}.label`, 200, errors);
      if (!row.checkOn) errors[`milestones.${index}.checkOn`] = t('sourcingPilots.errors.milestoneDate');
      else day(row.checkOn, `milestones.${index}.checkOn`, errors);
    });
    if (Object.keys(errors).length > 0) throw new ValidationError(errors, t('validation.formHasErrors'));
    const after = await updatePilotRow(tx, pilot.id, { startsOn, endsOn, decisionOwnerId, unitIds, learnersCount, staffCount, budgetCents });
    if (!running) await replaceCriteria(tx, pilot.id, values.criteria);
    await syncMilestones(tx, ctx, after, caseRow, summary, values.milestones);
    await recordAudit(tx, ctx, {
      action: 'sourcing_pilot.updated',
      entityType: 'sourcing_case',
      entityId: caseRow.id,
      before: auditable(pilot),
      after: { ...auditable(after), ...(running ? {} : { criteria: values.criteria.map((row) => row.label) }), milestones: values.milestones.map((row) => `${row.label} (${row.checkOn})`) },
      metadata: { pilotId: pilot.id, organizationId: caseRow.organizationId, challengeId: caseRow.challengeId },
    });
    return after;
  });
}

function auditable(pilot: SourcingPilot) {
  return {
    startsOn: pilot.startsOn,
    endsOn: pilot.endsOn,
    decisionOwnerId: pilot.decisionOwnerId,
    learnersCount: pilot.learnersCount,
    staffCount: pilot.staffCount,
    budgetCents: pilot.budgetCents,
    status: pilot.status,
  };
}

/**
 * The milestones as submitted (kept by id, new ones inserted, missing ones removed). Under way,
 * each check is a task assigned to the decision owner, due on its date: created, moved, renamed,
 * reassigned or cancelled with its milestone.
 */
async function syncMilestones(
  tx: Database,
  ctx: ServiceContext,
  pilot: SourcingPilot,
  caseRow: SourcingCase,
  summary: CaseSummary | undefined,
  submitted: PilotFormValues['milestones'],
): Promise<void> {
  const existing = await milestonesOf(tx, pilot.id);
  const byId = new Map(existing.map((row) => [row.id, row]));
  const kept = new Set<string>();
  for (const row of submitted) {
    const current = row.id ? byId.get(row.id) : undefined;
    if (current) {
      kept.add(current.id);
      if (current.label !== row.label || current.checkOn !== row.checkOn) await updateMilestone(tx, current.id, { label: row.label, checkOn: row.checkOn });
    } else {
      await insertMilestone(tx, { pilotId: pilot.id, label: row.label, checkOn: row.checkOn });
    }
  }
  const removed = existing.filter((row) => !kept.has(row.id));
  await deleteMilestones(
    tx,
    removed.map((row) => row.id),
  );
  if (pilot.status === 'en_cours') await syncMilestoneTasks(tx, ctx, pilot, caseRow, summary, removed);
}

function taskTitle(label: string, summary: CaseSummary | undefined): string {
  return t('sourcingPilots.milestoneTask', { label, startup: summary?.startupName ?? '' }).slice(0, 200);
}

/** Creates the tasks of milestones without one, keeps the others' date, title and assignee, cancels those of removed milestones. */
async function syncMilestoneTasks(
  tx: Database,
  ctx: ServiceContext,
  pilot: SourcingPilot,
  caseRow: SourcingCase,
  summary: CaseSummary | undefined,
  removed: SourcingPilotMilestone[] = [],
  options: { onlyCancel?: boolean } = {},
): Promise<void> {
  const actor = requireActor(ctx);
  const assigneeId = pilot.decisionOwnerId ?? caseRow.ownerId ?? actor.id;
  const milestones = options.onlyCancel ? [] : await milestonesOf(tx, pilot.id);
  const taskIds = [...milestones, ...removed].flatMap((row) => (row.taskId ? [row.taskId] : []));
  const tasks = new Map((await tasksByIds(tx, taskIds)).map((task) => [task.id, task]));
  for (const milestone of milestones) {
    const title = taskTitle(milestone.label, summary);
    const task = milestone.taskId ? tasks.get(milestone.taskId) : undefined;
    if (!task) {
      const created = await insertMilestoneTask(tx, {
        title,
        description: t('sourcingPilots.milestoneTaskDescription', { iteration: pilot.iteration }),
        dueOn: milestone.checkOn,
        assigneeId,
        organizationId: caseRow.organizationId,
        sourcingCaseId: caseRow.id,
        createdById: actor.id,
      });
      await updateMilestone(tx, milestone.id, { taskId: created.id });
      await recordAudit(tx, ctx, {
        action: 'task.created',
        entityType: 'task',
        entityId: created.id,
        after: { title: created.title, dueOn: created.dueOn, assigneeId: created.assigneeId, status: created.status, organizationId: created.organizationId },
        metadata: { related: [caseRow.organizationId], title: created.title, sourcingCaseId: caseRow.id, pilotId: pilot.id },
      });
      continue;
    }
    if (task.status !== 'a_faire') continue;
    const changes: Partial<typeof task> = {};
    if (task.dueOn !== milestone.checkOn) changes.dueOn = milestone.checkOn;
    if (task.title !== title) changes.title = title;
    if (task.assigneeId !== assigneeId) changes.assigneeId = assigneeId;
    if (Object.keys(changes).length === 0) continue;
    await updateTaskRow(tx, task.id, changes);
    await recordAudit(tx, ctx, {
      action: 'task.updated',
      entityType: 'task',
      entityId: task.id,
      before: Object.fromEntries(Object.keys(changes).map((key) => [key, task[key as keyof typeof task]])),
      after: changes,
      metadata: { related: [caseRow.organizationId], title, sourcingCaseId: caseRow.id, pilotId: pilot.id },
    });
  }
  for (const milestone of removed) {
    const task = milestone.taskId ? tasks.get(milestone.taskId) : undefined;
    if (!task || task.status !== 'a_faire') continue;
    await updateTaskRow(tx, task.id, { status: 'annulee' });
    await recordAudit(tx, ctx, {
      action: 'task.cancelled',
      entityType: 'task',
      entityId: task.id,
      before: { status: task.status },
      after: { status: 'annulee' },
      metadata: { related: [caseRow.organizationId], title: task.title, sourcingCaseId: caseRow.id, pilotId: pilot.id },
    });
  }
}

// ── start ─────────────────────────────────────────────────────────────────────────────────
/** « Démarrer l'expérimentation »: needs at least one criterion, both dates and a decision owner; milestones become tasks. */
export async function startPilot(ctx: ServiceContext, id: string): Promise<SourcingPilot> {
  return inTransaction(ctx, async (tx) => {
    const { pilot, caseRow } = await lockForChange(tx, ctx, id, (actor, _pilot, row) => canEditCase(actor, row));
    if (pilot.status !== 'en_preparation') throw new ConflictError(t('sourcingPilots.errors.alreadyStarted'));
    if (caseRow.stage !== 'experimentation') throw new ConflictError(t('sourcingPilots.errors.caseNotInPilot'));
    const criteria = await criteriaOf(tx, pilot.id);
    const errors: FieldErrors = {};
    if (criteria.length === 0) errors.criteria = t('sourcingPilots.errors.criteriaRequired');
    if (!pilot.startsOn) errors.startsOn = t('sourcingPilots.errors.startRequired');
    if (!pilot.endsOn) errors.endsOn = t('sourcingPilots.errors.endRequired');
    if (!pilot.decisionOwnerId) errors.decisionOwnerId = t('sourcingPilots.errors.decisionOwnerRequired');
    if (Object.keys(errors).length > 0) throw new ValidationError(errors, t('sourcingPilots.errors.cannotStart', { missing: Object.values(errors).join(' ') }));
    const after = await updatePilotRow(tx, pilot.id, { status: 'en_cours' });
    await syncMilestoneTasks(tx, ctx, after, caseRow, await caseSummary(tx, caseRow.id));
    await recordAudit(tx, ctx, {
      action: 'sourcing_pilot.started',
      entityType: 'sourcing_case',
      entityId: caseRow.id,
      before: { status: pilot.status },
      after: { status: after.status, startsOn: after.startsOn, endsOn: after.endsOn, criteria: criteria.map((row) => `${row.label} — ${row.target}`) },
      metadata: { pilotId: pilot.id, organizationId: caseRow.organizationId, challengeId: caseRow.challengeId },
    });
    return after;
  });
}

// ── the closing decision ──────────────────────────────────────────────────────────────────
export interface DecisionFormValues {
  decision: string;
  rationale: string;
  newEndsOn: string;
  results: Record<string, { result: string; met: string }>;
}

function decisionValuesOf(body: Body): DecisionFormValues {
  const raw = typeof body.results === 'object' && body.results !== null ? (body.results as Record<string, unknown>) : {};
  const results: DecisionFormValues['results'] = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!UUID.test(key) || typeof value !== 'object' || value === null) continue;
    const row = value as Body;
    results[key] = { result: text(row.result), met: text(row.met) };
  }
  return { decision: text(body.decision), rationale: text(body.rationale), newEndsOn: text(body.newEndsOn), results };
}

export interface DecisionOutcome {
  pilot: SourcingPilot;
  decision: PilotDecision;
  /** « itérer »: the next iteration, in preparation. */
  next: SourcingPilot | null;
}

/**
 * The closing decision (offered from the end date, or earlier): every criterion's result and
 * whether it was met, a rationale. déployer closes (the case page offers the contractualisation
 * gate); prolonger once (new end date after the current one, the original kept); itérer closes
 * and opens iteration n+1 in preparation; arrêter closes and moves the case to « abandonnée ».
 */
export async function decidePilot(ctx: ServiceContext, id: string, body: Body): Promise<DecisionOutcome> {
  const values = decisionValuesOf(body);
  return inTransaction(ctx, async (tx) => {
    const { actor, pilot, caseRow } = await lockForChange(tx, ctx, id, (who, row, caseOf) => canDecidePilot(who, row, caseOf));
    if (pilot.status !== 'en_cours') throw new ConflictError(t(pilot.status === 'clos' ? 'sourcingPilots.errors.alreadyDecided' : 'sourcingPilots.errors.notStarted'));
    const errors: FieldErrors = {};
    const decision = (PILOT_DECISIONS as readonly string[]).includes(values.decision) ? (values.decision as PilotDecision) : null;
    if (!decision) errors.decision = t('sourcingPilots.errors.decisionRequired');
    if (!values.rationale) errors.rationale = t('sourcingPilots.errors.rationaleRequired');
    else clean(values.rationale, 'rationale', 5000, errors);
    const criteria = await criteriaOf(tx, pilot.id);
    const results = criteria.map((criterion) => {
      const given = values.results[criterion.id] ?? { result: '', met: '' };
      if (!given.result) errors[`results.${criterion.id}.result`] = t('sourcingPilots.errors.resultRequired');
      else clean(given.result, `results.${criterion.id}.result`, 1000, errors);
      if (given.met !== 'oui' && given.met !== 'non') errors[`results.${criterion.id}.met`] = t('sourcingPilots.errors.metRequired');
      return { id: criterion.id, label: criterion.label, result: given.result, met: given.met === 'oui' };
    });
    let newEndsOn: string | null = null;
    if (decision === 'prolonger') {
      if (pilot.extendedAt) throw new ConflictError(t('sourcingPilots.errors.extendedOnce', { date: formatDate(pilot.originalEndsOn) }));
      newEndsOn = day(values.newEndsOn, 'newEndsOn', errors);
      if (!values.newEndsOn) errors.newEndsOn = t('sourcingPilots.errors.newEndRequired');
      else if (newEndsOn && pilot.endsOn && newEndsOn <= pilot.endsOn) errors.newEndsOn = t('sourcingPilots.errors.newEndAfter', { date: formatDate(pilot.endsOn) });
    }
    if (Object.keys(errors).length > 0 || !decision) throw new ValidationError(errors, t('validation.formHasErrors'));
    await recordCriteriaResults(tx, pilot.id, results.map(({ id: criterionId, result, met }) => ({ id: criterionId, result, met })));
    const metadata = { pilotId: pilot.id, organizationId: caseRow.organizationId, challengeId: caseRow.challengeId, decision };
    const auditResults = results.map((row) => `${row.label} : ${row.result} (${row.met ? t('sourcingPilots.met.yes') : t('sourcingPilots.met.no')})`);
    if (decision === 'prolonger') {
      const after = await updatePilotRow(tx, pilot.id, { endsOn: newEndsOn, originalEndsOn: pilot.endsOn, extensionReason: values.rationale, extendedAt: ctx.now });
      await recordAudit(tx, ctx, {
        action: 'sourcing_pilot.decided',
        entityType: 'sourcing_case',
        entityId: caseRow.id,
        before: { endsOn: pilot.endsOn },
        after: { decision, endsOn: after.endsOn, rationale: values.rationale, results: auditResults },
        metadata,
      });
      return { pilot: after, decision, next: null };
    }
    const after = await closePilotInTransaction(tx, ctx, pilot, caseRow, { decision, rationale: values.rationale, decidedById: actor.id, action: 'sourcing_pilot.decided', auditAfter: { results: auditResults } });
    let next: SourcingPilot | null = null;
    if (decision === 'iterer') {
      next = await openPilotInTransaction(tx, ctx, caseRow, after);
      if (next) await replaceCriteria(tx, next.id, criteria.map((row) => ({ label: row.label, measure: row.measure, target: row.target })));
    }
    if (decision === 'arreter') {
      await moveCaseStage(tx, ctx, { caseId: caseRow.id, to: 'abandonnee', by: 'pilot', reason: t('sourcingPilots.stopReason', { rationale: values.rationale }) });
    }
    return { pilot: after, decision, next };
  });
}

/**
 * Closes a pilot with a decision (not « prolonger »): status « clos », decision, rationale, who and
 * when; journaled on the case (`action`); its milestones' checks still open are cancelled (the
 * journal keeps them). The reminders stop on their own: re-planning cancels a closed pilot's
 * occurrences (`experimentation_close`). The caller has locked the case and the pilot.
 */
async function closePilotInTransaction(
  tx: Database,
  ctx: ServiceContext,
  pilot: SourcingPilot,
  caseRow: SourcingCase,
  closing: { decision: Exclude<PilotDecision, 'prolonger'>; rationale: string; decidedById: string | null; action: 'sourcing_pilot.decided' | 'sourcing_pilot.closed_by_move'; auditAfter?: Record<string, unknown>; auditMetadata?: Record<string, unknown> },
): Promise<SourcingPilot> {
  const after = await updatePilotRow(tx, pilot.id, { status: 'clos', decision: closing.decision, decisionRationale: closing.rationale, decidedById: closing.decidedById, decidedAt: ctx.now });
  await recordAudit(tx, ctx, {
    action: closing.action,
    entityType: 'sourcing_case',
    entityId: caseRow.id,
    before: { status: pilot.status },
    after: { status: after.status, decision: closing.decision, rationale: closing.rationale, ...closing.auditAfter },
    metadata: { pilotId: pilot.id, organizationId: caseRow.organizationId, challengeId: caseRow.challengeId, decision: closing.decision, ...closing.auditMetadata },
  });
  const milestones = await milestonesOf(tx, pilot.id);
  await syncMilestoneTasks(tx, ctx, after, caseRow, undefined, milestones, { onlyCancel: true });
  return after;
}

/**
 * A person moved a case with an open pilot to « en veille » or « abandonnée » (the kanban, « Déplacer
 * vers »): the pilot is closed as « arrêter » in the same transaction, the move's reason as its
 * rationale, so that it is not left « sans décision » and reminded every week. The system's own
 * moves (a pilot's « arrêter ») closed it already.
 */
export async function closePilotOnCaseExitInTransaction(tx: Database, ctx: ServiceContext, entered: { before: SourcingCase; after: SourcingCase; by: CaseMover }): Promise<SourcingPilot | null> {
  if (entered.by !== 'person') return null;
  const open = await openPilotOfCase(tx, entered.after.id);
  const pilot = open ? await lockPilot(tx, open.id) : undefined;
  if (!pilot || pilot.status === 'clos') return null;
  const stage = entered.after.stage;
  const rationale = t('sourcingPilots.closedByMove', { stage: t(`sourcingCases.stages.${stage}`), reason: entered.after.stageReason ?? '—' }).slice(0, 5000);
  return closePilotInTransaction(tx, ctx, pilot, entered.after, {
    decision: 'arreter',
    rationale,
    decidedById: ctx.actor?.id ?? null,
    action: 'sourcing_pilot.closed_by_move',
    auditMetadata: { stage },
  });
}

// ── the pilot page ────────────────────────────────────────────────────────────────────────
export async function pilotPageView(ctx: ServiceContext, id: string, submitted?: { form?: Body; decision?: Body; errors?: FieldErrors }) {
  const errors = submitted?.errors ?? {};
  const { pilot, summary, caseRow } = await loadReadable(ctx, id);
  const actor = requireActor(ctx);
  const [criteria, milestones, owners, units, history] = [
    await criteriaOf(ctx.db, pilot.id),
    await milestonesOf(ctx.db, pilot.id),
    await decisionOwnerChoices(ctx.db, caseRow.unitId, caseRow.ownerId),
    await cachedActiveUnits(ctx.db),
    await pilotsOfCase(ctx.db, caseRow.id),
  ];
  const taskRows = new Map((await tasksByIds(ctx.db, milestones.flatMap((row) => (row.taskId ? [row.taskId] : [])))).map((task) => [task.id, task]));
  const names = await userNames(ctx.db, [pilot.decisionOwnerId, pilot.decidedById].filter((value): value is string => typeof value === 'string'));
  const today = parisDayOf(ctx.now);
  const editable = canEditCase(actor, caseRow) && pilot.status !== 'clos';
  const running = pilot.status === 'en_cours';
  const values = submitted?.form ? formValuesOf(submitted.form) : valuesOfPilot(pilot, criteria, milestones);
  if (running) values.criteria = criteria.map((row) => ({ label: row.label, measure: row.measure, target: row.target }));
  const criteriaRows = [...values.criteria, ...Array.from({ length: running ? 0 : Math.max(1, 3 - values.criteria.length) }, () => ({ label: '', measure: '', target: '' }))].map((row, index) => ({
    ...row,
    index,
    number: index + 1,
    errors: { label: errors[`criteria.${index}.label`], measure: errors[`criteria.${index}.measure`], target: errors[`criteria.${index}.target`] },
  }));
  const milestoneRows = [...values.milestones, ...Array.from({ length: 2 }, () => ({ id: '', label: '', checkOn: '' }))].map((row, index) => ({
    ...row,
    index,
    number: index + 1,
    errors: { label: errors[`milestones.${index}.label`], checkOn: errors[`milestones.${index}.checkOn`] },
  }));
  const decisionValues = submitted?.decision ? decisionValuesOf(submitted.decision) : null;
  const overdue = running && pilot.endsOn !== null && pilot.endsOn < today;
  const ownerIds = new Set(owners.map((owner) => owner.id));
  const ownerOptions = [...owners.map((owner) => ({ value: owner.id, label: owner.displayName }))];
  if (pilot.decisionOwnerId && !ownerIds.has(pilot.decisionOwnerId)) ownerOptions.push({ value: pilot.decisionOwnerId, label: names.get(pilot.decisionOwnerId) ?? '—' });
  return {
    title: t('sourcingPilots.page.title', { startup: summary.startupName, iteration: pilot.iteration }),
    pilot,
    caseInfo: summary,
    statusLabel: t(`sourcingPilots.statuses.${pilot.status}`),
    isRunning: pilot.status === 'en_cours',
    isClosed: pilot.status === 'clos',
    overdue,
    daysOverdue: overdue && pilot.endsOn ? parisDaysBetween(pilot.endsOn, today) : 0,
    endsSoon: running && pilot.endsOn !== null && !overdue && parisDaysBetween(today, pilot.endsOn) <= 7,
    decisionOwnerName: pilot.decisionOwnerId ? (names.get(pilot.decisionOwnerId) ?? null) : null,
    decidedByName: pilot.decidedById ? (names.get(pilot.decidedById) ?? null) : null,
    budgetText: pilot.budgetCents === null ? null : formatEuros(pilot.budgetCents / 100),
    unitNames: units.filter((unit) => pilot.unitIds.includes(unit.id)).map((unit) => unit.name),
    criteria: criteria.map((row) => ({
      ...row,
      submittedResult: decisionValues?.results[row.id]?.result ?? row.result ?? '',
      submittedMet: decisionValues?.results[row.id]?.met ?? (row.met === null ? '' : row.met ? 'oui' : 'non'),
      errors: { result: errors[`results.${row.id}.result`], met: errors[`results.${row.id}.met`] },
    })),
    milestones: milestones.map((row) => {
      const task = row.taskId ? taskRows.get(row.taskId) : undefined;
      return { ...row, task: task ? { id: task.id, status: task.status, statusLabel: t(`tasks.statuses.${task.status}`) } : null, late: row.checkOn < today && (!task || task.status === 'a_faire') && running };
    }),
    values,
    criteriaRows,
    milestoneRows,
    ownerOptions,
    unitOptions: units.map((unit) => ({ value: unit.id, label: unit.name, checked: values.unitIds.includes(unit.id) })),
    decisionValues: decisionValues ?? { decision: '', rationale: '', newEndsOn: '', results: {} },
    decisionOptions: PILOT_DECISIONS.map((decision) => ({
      value: decision,
      label: t(`sourcingPilots.decisions.${decision}`),
      hint: t(`sourcingPilots.decisionHints.${decision}`),
      disabled: decision === 'prolonger' && pilot.extendedAt !== null,
      checked: decisionValues?.decision === decision,
    })),
    history: history
      .filter((row) => row.id !== pilot.id)
      .map((row) => ({ ...row, statusLabel: t(`sourcingPilots.statuses.${row.status}`), decisionLabel: row.decision ? t(`sourcingPilots.decisions.${row.decision}`) : null })),
    decisionLabel: pilot.decision ? t(`sourcingPilots.decisions.${pilot.decision}`) : null,
    beforeEnd: running && pilot.endsOn !== null && pilot.endsOn > today,
    permissions: {
      edit: editable,
      start: editable && pilot.status === 'en_preparation' && caseRow.stage === 'experimentation',
      decide: running && canDecidePilot(actor, pilot, caseRow),
    },
    contractualisationLink:
      pilot.decision === 'deployer' && caseRow.stage === 'experimentation' && canEditCase(actor, caseRow) ? `/sourcing/comites/nouveau?piste=${caseRow.id}&vers=contractualisation` : null,
    nextPilot: pilot.status === 'clos' ? (history.find((row) => row.iteration === pilot.iteration + 1) ?? null) : null,
  };
}

// ── the list ──────────────────────────────────────────────────────────────────────────────
function one(value: unknown): string {
  return typeof value === 'string' ? value.trim() : Array.isArray(value) && typeof value[0] === 'string' ? value[0].trim() : '';
}

export async function listPilotsPage(ctx: ServiceContext, rawQuery: Record<string, unknown>) {
  const actor = requireActor(ctx);
  const state = (PILOT_STATES as readonly string[]).includes(one(rawQuery.etat)) ? (one(rawQuery.etat) as PilotState) : null;
  const sort = (PILOT_SORTS as readonly string[]).includes(one(rawQuery.sort)) ? (one(rawQuery.sort) as PilotSort) : 'fin';
  const dir = one(rawQuery.dir) === 'desc' ? 'desc' : 'asc';
  const uuidOrNull = (value: string) => (UUID.test(value) ? value : null);
  const challengeId = uuidOrNull(one(rawQuery.defi));
  const unitId = uuidOrNull(one(rawQuery.unite));
  const decisionOwnerId = one(rawQuery.responsable) === 'moi' ? actor.id : uuidOrNull(one(rawQuery.responsable));
  const requestedPage = Number.parseInt(one(rawQuery.page), 10);
  const page = Number.isFinite(requestedPage) && requestedPage > 0 ? Math.min(requestedPage, 10_000) : 1;
  const today = parisDayOf(ctx.now);
  const { rows, total } = await listPilots(
    ctx.db,
    { state, challengeId, unitId, decisionOwnerId, today, sort, dir, visible: caseVisibleTo(caseViewerOf(actor)) },
    { limit: PILOTS_PAGE_SIZE, offset: (page - 1) * PILOTS_PAGE_SIZE },
  );
  const [challenges, units, owners] = [await listChallengeChoices(ctx.db), await cachedActiveUnits(ctx.db), await decisionOwnerChoices(ctx.db, null, null)];
  const query: Record<string, string> = {};
  if (state) query.etat = state;
  if (challengeId) query.defi = challengeId;
  if (unitId) query.unite = unitId;
  if (one(rawQuery.responsable) === 'moi') query.responsable = 'moi';
  else if (decisionOwnerId) query.responsable = decisionOwnerId;
  if (sort !== 'fin') query.sort = sort;
  if (dir !== 'asc') query.dir = dir;
  return {
    title: t('sourcingPilots.list.title'),
    query: { ...query, sort, dir },
    urlQuery: query,
    page,
    pageCount: Math.max(1, Math.ceil(total / PILOTS_PAGE_SIZE)),
    total,
    filtered: Boolean(state || challengeId || unitId || decisionOwnerId),
    rows: rows.map((row) => ({
      ...row,
      statusLabel: row.overdue ? t('sourcingPilots.states.sans_decision') : t(`sourcingPilots.statuses.${row.status}`),
      isRunning: row.status === 'en_cours',
      decisionLabel: row.decision ? t(`sourcingPilots.decisions.${row.decision}`) : null,
      daysOverdue: row.overdue && row.endsOn ? parisDaysBetween(row.endsOn, today) : 0,
    })),
    options: {
      states: PILOT_STATES.map((value) => ({ value, label: t(`sourcingPilots.states.${value}`) })),
      challenges: challenges.map((row) => ({ value: row.id, label: row.title })),
      units: units.map((unit) => ({ value: unit.id, label: unit.name })),
      owners: owners.filter((owner) => owner.id !== actor.id).map((owner) => ({ value: owner.id, label: owner.displayName })),
    },
  };
}

// ── for the dashboard and the case page ───────────────────────────────────────────────────
/** Pilots en cours past their end date without a decision, of cases run by these units (the dashboard's block). */
export async function overduePilotsOfUnits(ctx: ServiceContext, unitIds: readonly string[], limit: number) {
  const today = parisDayOf(ctx.now);
  const all = ctx.actor !== null && hasRole(ctx.actor, 'admin') && unitIds.length === 0;
  return overduePilots(ctx.db, all ? null : unitIds, today, Math.max(1, Math.min(limit, 100)));
}

/** The case page's « Expérimentation » panel: the open pilot (or the last), its state, links, earlier iterations. */
export async function pilotsPanelOfCase(ctx: ServiceContext, caseId: string) {
  const actor = requireActor(ctx);
  if (!UUID.test(caseId)) return null;
  const caseRow = await findCase(ctx.db, caseId);
  if (!caseRow || !canReadCase(actor, caseRow)) return null;
  const pilots = await pilotsOfCase(ctx.db, caseId);
  const today = parisDayOf(ctx.now);
  const rows = pilots.map((row) => {
    const overdue = row.status === 'en_cours' && row.endsOn !== null && row.endsOn < today;
    return {
      ...row,
      link: `/sourcing/pilotes/${row.id}`,
      overdue,
      daysOverdue: overdue && row.endsOn ? parisDaysBetween(row.endsOn, today) : 0,
      statusLabel: overdue ? t('sourcingPilots.states.sans_decision') : t(`sourcingPilots.statuses.${row.status}`),
      decisionLabel: row.decision ? t(`sourcingPilots.decisions.${row.decision}`) : null,
    };
  });
  const current = rows[0] ?? null;
  return {
    caseId,
    current,
    earlier: rows.slice(1),
    pilots: rows,
    contractualisationLink:
      current?.decision === 'deployer' && caseRow.stage === 'experimentation' && canEditCase(actor, caseRow) ? `/sourcing/comites/nouveau?piste=${caseId}&vers=contractualisation` : null,
  };
}
