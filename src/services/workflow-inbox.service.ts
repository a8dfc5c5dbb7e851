// "Mes validations" and what surrounds it: the inbox, the badge count, a step's page,
// delegations, and the lists of runs for managers and admins (the notices are at /notifications:
// notifications.service.ts).
// The transitions themselves are in workflows.service.ts.
import { z } from 'zod';
import { ForbiddenError, NotFoundError, ValidationError } from '../lib/errors';
import { t } from '../lib/i18n';
import { isoDateInParis, startOfParisDay } from '../lib/format';
import { parseInput } from '../lib/validation';
import type { Role } from '../models/schema';
import { WORKFLOW_RUN_STATUSES } from '../models/schema';
import {
  type Person,
  countInbox,
  findActivePerson,
  findDelegation,
  findRun,
  findStep,
  insertDelegation,
  listDelegationsOf,
  listInbox,
  listPeopleWithRole,
  listRuns,
  listStepHistory,
  revokeDelegation,
} from '../models/workflows.model';
import { listWorkflowDefinitions } from '../workflows/definitions';
import { recordAudit } from './audit.service';
import { type ServiceContext, inTransaction, requireActor } from './context';
import { PERMISSIONS, assertCan, can, hasRole } from './permissions';
import { canDecideStep, stepFormLink } from './workflows.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE_SIZE = 20;
const DECIDING_ROLES: readonly Role[] = PERMISSIONS['workflows.decide'];

function personOf(ctx: ServiceContext): Person {
  const actor = requireActor(ctx);
  return { id: actor.id, email: actor.email, displayName: actor.displayName, roles: actor.roles, unitIds: actor.unitIds };
}

const pageOf = (value: unknown) => Math.max(1, Math.min(10_000, Number.parseInt(String(value ?? '1'), 10) || 1));

export function circuitOptions() {
  return listWorkflowDefinitions().map((definition) => ({ value: definition.key, label: definition.name }));
}

export async function getInbox(ctx: ServiceContext, query: Record<string, unknown>) {
  assertCan(ctx.actor, 'workflows.inbox');
  const person = personOf(ctx);
  const page = pageOf(query.page);
  const definitionKey = typeof query.circuit === 'string' && query.circuit ? query.circuit : undefined;
  const overdueOnly = query.overdue === '1';
  const { rows, total } = await listInbox(ctx.db, person, ctx.now, { definitionKey, overdueOnly, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  return {
    items: rows.map(({ step, run, decidingForName }) => ({
      step,
      run,
      decidingForName,
      // A step decided through a feature's own form (a scorecard) links there instead of the generic buttons.
      formLink: stepFormLink(run, step),
      circuitName: String(run.definition.name ?? run.definitionKey),
      subject: String(run.context.title ?? run.subjectId),
    })),
    total,
    page,
    pageCount: Math.max(1, Math.ceil(total / PAGE_SIZE)),
    query: { circuit: definitionKey ?? '', overdue: overdueOnly ? '1' : '' },
  };
}

export async function countPendingValidations(ctx: ServiceContext): Promise<number> {
  if (!ctx.actor) return 0;
  return countInbox(ctx.db, personOf(ctx), ctx.now);
}

/** A step's page: its run and history; visible to who may decide it, the run's unit managers, the submitter, admins. */
export async function getStepPage(ctx: ServiceContext, stepId: string) {
  assertCan(ctx.actor, 'workflows.inbox');
  const person = personOf(ctx);
  if (!UUID.test(stepId)) throw new NotFoundError();
  const step = await findStep(ctx.db, stepId);
  if (!step) throw new NotFoundError();
  const run = await findRun(ctx.db, step.runId);
  if (!run) throw new NotFoundError();
  // A step with its own form is decided there by whoever it names, whatever their role.
  const formLink = stepFormLink(run, step);
  const { canDecide, decidingForName } = formLink || can(ctx.actor, 'workflows.decide') ? await canDecideStep(ctx.db, person, step, ctx.now) : { canDecide: false, decidingForName: null };
  // Also visible to who decided it and to holders of its role (after someone else decided).
  const involved =
    step.decidedById === person.id ||
    step.decidedForId === person.id ||
    step.assigneeUserId === person.id ||
    (can(ctx.actor, 'workflows.decide') && step.assigneeRole !== null && person.roles.includes(step.assigneeRole as Role));
  if (!canDecide && !involved && !mayFollowRun(ctx, run)) throw new ForbiddenError();
  return { step, run, canDecide, decidingForName, formLink, history: await listStepHistory(ctx.db, run.id) };
}

function mayFollowRun(ctx: ServiceContext, run: { unitId: string | null; startedById: string | null }): boolean {
  const actor = requireActor(ctx);
  if (hasRole(actor, 'admin') || run.startedById === actor.id) return true;
  return can(actor, 'workflows.follow') && run.unitId !== null && actor.unitIds.includes(run.unitId);
}

export async function getRunPage(ctx: ServiceContext, runId: string) {
  assertCan(ctx.actor, 'workflows.inbox');
  if (!UUID.test(runId)) throw new NotFoundError();
  const run = await findRun(ctx.db, runId);
  if (!run) throw new NotFoundError();
  if (!mayFollowRun(ctx, run)) throw new ForbiddenError();
  return { run, history: await listStepHistory(ctx.db, run.id) };
}

/** Runs of the actor's units (managers) or of every unit (/admin/circuits). */
export async function listRunsFor(ctx: ServiceContext, query: Record<string, unknown>, scope: 'units' | 'all') {
  const actor = requireActor(ctx);
  assertCan(actor, scope === 'all' ? 'workflows.admin' : 'workflows.follow');
  const page = pageOf(query.page);
  const status = typeof query.status === 'string' && (WORKFLOW_RUN_STATUSES as readonly string[]).includes(query.status) ? query.status : undefined;
  const definitionKey = typeof query.circuit === 'string' && query.circuit ? query.circuit : undefined;
  const overdueOnly = query.overdue === '1';
  const { rows, total } = await listRuns(ctx.db, {
    unitIds: scope === 'all' || hasRole(actor, 'admin') ? null : actor.unitIds,
    definitionKey,
    status,
    overdueOnly,
    limit: PAGE_SIZE,
    offset: (page - 1) * PAGE_SIZE,
  });
  return {
    rows: rows.map((row) => ({ ...row, circuitName: String(row.run.definition.name ?? row.run.definitionKey), subject: String(row.run.context.title ?? row.run.subjectId) })),
    total,
    page,
    pageCount: Math.max(1, Math.ceil(total / PAGE_SIZE)),
    query: { circuit: definitionKey ?? '', status: status ?? '', overdue: overdueOnly ? '1' : '' },
  };
}

// ── delegations ───────────────────────────────────────────────────────────────────────────
const dateField = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, t('validations.delegations.errors.date'));
const delegationSchema = z.object({
  toUserId: z.string().regex(UUID, t('validations.delegations.errors.to')),
  role: z.string().min(1, t('validations.delegations.errors.role')),
  startsOn: dateField,
  endsOn: dateField,
});

export function delegableRolesOf(ctx: ServiceContext): Role[] {
  return requireActor(ctx).roles.filter((role) => DECIDING_ROLES.includes(role));
}

/** Whether `YYYY-MM-DD` is a day of the calendar (not 2026-02-31). */
const isCalendarDay = (isoDay: string) => {
  const date = new Date(`${isoDay}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === isoDay;
};

/** The day after a `YYYY-MM-DD` day. */
const nextDay = (isoDay: string) => new Date(new Date(`${isoDay}T00:00:00Z`).getTime() + 24 * 3600_000).toISOString().slice(0, 10);

/**
 * A delegation's period is whole days in Paris: from midnight (Paris) of the first day to
 * midnight (Paris) after the last, exclusive — active through the whole last day, whatever the
 * daylight-saving time in between. `lastDay` gives back the inclusive day as it was entered.
 */
export function delegationPeriod(startsOn: string, endsOn: string): { startsAt: Date; endsAt: Date } {
  return { startsAt: startOfParisDay(startsOn), endsAt: startOfParisDay(nextDay(endsOn)) };
}

/** The first and last (inclusive) days of a delegation in Paris, and « du 02/12/2026 au 09/12/2026 ». */
export function delegationDays(delegation: { startsAt: Date; endsAt: Date }): { firstDay: string; lastDay: string; periodText: string } {
  // Delegations made before periods were Paris days end at a UTC midnight (never a Paris one):
  // their last day is the UTC day before.
  const lastInstant = new Date(delegation.endsAt.getTime() - 1);
  const utcMidnight = delegation.endsAt.getTime() % (24 * 3600_000) === 0;
  const firstDay = isoDateInParis(delegation.startsAt);
  const lastDay = utcMidnight ? lastInstant.toISOString().slice(0, 10) : isoDateInParis(lastInstant);
  const french = (isoDay: string) => isoDay.split('-').reverse().join('/');
  return { firstDay, lastDay, periodText: t('validations.delegations.period', { from: french(firstDay), to: french(lastDay) }) };
}

/** Who may receive a delegation: active users who may decide steps at all (whatever their roles), but the actor. */
export async function delegationFormOptions(ctx: ServiceContext) {
  const actor = requireActor(ctx);
  assertCan(actor, 'workflows.decide');
  const people = (await Promise.all(DECIDING_ROLES.map((role) => listPeopleWithRole(ctx.db, role, null))))
    .flat()
    .filter((person, index, all) => person.id !== actor.id && all.findIndex((other) => other.id === person.id) === index)
    .sort((a, b) => a.displayName.localeCompare(b.displayName, 'fr'));
  return { roles: delegableRolesOf(ctx), people };
}

export async function createDelegation(ctx: ServiceContext, input: unknown) {
  const actor = requireActor(ctx);
  assertCan(actor, 'workflows.decide');
  const values = parseInput(delegationSchema, input);
  const role = values.role as Role;
  if (!delegableRolesOf(ctx).includes(role)) throw new ValidationError({ role: t('validations.delegations.errors.role') });
  if (values.toUserId === actor.id) throw new ValidationError({ toUserId: t('validations.delegations.errors.self') });
  if (!isCalendarDay(values.startsOn)) throw new ValidationError({ startsOn: t('validations.delegations.errors.date') });
  if (!isCalendarDay(values.endsOn)) throw new ValidationError({ endsOn: t('validations.delegations.errors.date') });
  if (values.endsOn < values.startsOn) throw new ValidationError({ endsOn: t('validations.delegations.errors.dates') });
  const { startsAt, endsAt } = delegationPeriod(values.startsOn, values.endsOn);
  return inTransaction(ctx, async (tx) => {
    // The delegate need not hold the role: they decide for the delegator (decided_for).
    const delegate = await findActivePerson(tx, values.toUserId);
    if (!delegate || !delegate.roles.some((held) => DECIDING_ROLES.includes(held))) throw new ValidationError({ toUserId: t('validations.delegations.errors.to') });
    const delegation = await insertDelegation(tx, { fromUserId: actor.id, toUserId: delegate.id, role, startsAt, endsAt, createdById: actor.id });
    await recordAudit(tx, ctx, {
      action: 'workflow.delegation_created',
      entityType: 'user',
      entityId: actor.id,
      after: { toUserId: delegate.id, role, startsOn: values.startsOn, endsOn: values.endsOn },
      metadata: { delegationId: delegation.id },
    });
    return delegation;
  });
}

export async function listMyDelegations(ctx: ServiceContext) {
  const rows = await listDelegationsOf(ctx.db, personOf(ctx).id, ctx.now);
  return rows.map((row) => ({ ...row, ...delegationDays(row.delegation) }));
}

export async function endDelegation(ctx: ServiceContext, id: string): Promise<void> {
  const actor = requireActor(ctx);
  if (!UUID.test(id)) throw new NotFoundError();
  const delegation = await findDelegation(ctx.db, id);
  if (!delegation) throw new NotFoundError();
  if (delegation.fromUserId !== actor.id && !hasRole(actor, 'admin')) throw new ForbiddenError();
  await inTransaction(ctx, async (tx) => {
    await revokeDelegation(tx, id, ctx.now);
    await recordAudit(tx, ctx, { action: 'workflow.delegation_ended', entityType: 'user', entityId: delegation.fromUserId, metadata: { delegationId: id } });
  });
}

