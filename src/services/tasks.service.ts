// Tasks (« tâches », issue 12): follow-ups with a due date, given to a person, linked to the
// records they concern. Rules: everyone sees the tasks assigned to them and those they created;
// a manager sees the tasks of their units' members; admins see all. Every change is journaled
// (entity 'task') with metadata.related = the linked organisation, contact, convention and sourcing
// case, so the records' timelines find it. A task linked to a sourcing case (« piste ») needs a case
// the actor may read (canReadCase; the case's timeline lists its tasks by tasks.sourcing_case_id).
import { z } from 'zod';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, type FieldErrors } from '../lib/errors';
import { t } from '../lib/i18n';
import { hasControlCharacters, isUuid, parseInput } from '../lib/validation';
import { addDays, parseIsoDay } from '../lib/convention-dates';
import { isoDateInParis } from '../lib/format';
import type { Database } from '../models/database';
import { TASK_PRIORITIES, type Task, type TaskStatus } from '../models/schema';
import { findUserById } from '../models/users.model';
import { findCase } from '../models/sourcing-cases.model';
import { isEvaluatorOfCase } from '../models/sourcing-links.model';
import { insertTask, isActiveUser, linkedRecordsExist, lockTaskById, updateTaskRow, userInUnits, type TaskViewer } from '../models/tasks.model';
import { checkMove } from '../workflows/transitions';
import { TASK_TRANSITIONS, taskMoveAction } from '../workflows/task-transitions';
import { diffRecords, recordAudit } from './audit.service';
import { type Actor, type ServiceContext, inTransaction, requireActor } from './context';
import { assertCan, can, hasRole } from './permissions';
import { canReadCase } from './sourcing-cases.service';

// ── Fields ───────────────────────────────────────────────────────────────────────────────────

/** A blank form field is « not given ». */
const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const optionalUuid = (message: string) => z.preprocess(blankToUndefined, z.uuid({ error: message }).optional());

/**
 * The fields of a task, as the task form sends them (and as the exchange form's « prochaine
 * étape » and the start-up meeting hand them over). French messages, keyed by field.
 */
export const taskFieldsSchema = z.object({
  title: z
    .string({ error: t('tasks.errors.titleRequired') })
    .trim()
    .min(1, t('tasks.errors.titleRequired'))
    .max(200, t('tasks.errors.titleTooLong'))
    .refine((value) => !hasControlCharacters(value), t('validation.controlCharacters')),
  description: z.preprocess(
    blankToUndefined,
    z.string({ error: t('validation.invalidValue') }).trim().max(5000, t('tasks.errors.descriptionTooLong')).optional(),
  ),
  /** `YYYY-MM-DD` (an `<input type="date">`). */
  dueOn: z
    .string({ error: t('tasks.errors.dueOnRequired') })
    .trim()
    .min(1, t('tasks.errors.dueOnRequired'))
    .refine((value) => parseIsoDay(value) !== null, t('tasks.errors.dueOnInvalid')),
  /** `HH:MM`, Europe/Paris; optional. */
  dueTime: z.preprocess(
    blankToUndefined,
    z
      .string({ error: t('tasks.errors.dueTimeInvalid') })
      .trim()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, t('tasks.errors.dueTimeInvalid'))
      .optional(),
  ),
  /** Absent: the actor. */
  assigneeId: optionalUuid(t('tasks.errors.assigneeInvalid')),
  priority: z.preprocess(blankToUndefined, z.enum(TASK_PRIORITIES, { error: t('tasks.errors.priorityInvalid') }).optional()),
  organizationId: optionalUuid(t('tasks.errors.organizationInvalid')),
  contactId: optionalUuid(t('tasks.errors.contactInvalid')),
  conventionId: optionalUuid(t('tasks.errors.conventionInvalid')),
  exchangeId: optionalUuid(t('tasks.errors.exchangeInvalid')),
  /** The sourcing case (« piste ») the task follows up; one the actor may read. */
  sourcingCaseId: optionalUuid(t('tasks.errors.caseInvalid')),
});

export type TaskFields = z.infer<typeof taskFieldsSchema>;

/** The ids a task's journal rows carry in metadata.related (timelines of these records find them). */
export function relatedIdsOf(task: Pick<Task, 'organizationId' | 'contactId' | 'conventionId'> & Partial<Pick<Task, 'sourcingCaseId'>>): string[] {
  return [task.organizationId, task.contactId, task.conventionId, task.sourcingCaseId].filter((id): id is string => typeof id === 'string');
}

/**
 * Whether the actor may link a task to this case: it exists and they read it (canReadCase; the
 * evaluators of its gates read a confidential one too). Otherwise the French message of the refusal.
 */
async function caseRefusal(db: Database, actor: Actor, caseId: string): Promise<string | null> {
  const row = await findCase(db, caseId);
  if (!row) return t('tasks.errors.caseInvalid');
  if (canReadCase(actor, row)) return null;
  if ((await isEvaluatorOfCase(db, row.id, actor.id)) && canReadCase(actor, row, true)) return null;
  return t('tasks.errors.caseNotReadable');
}

/**
 * The assignee must be an active account; linked records must exist; a linked case must be one
 * the actor reads (`keptCaseId`: the case the task already had stays without that check).
 * ValidationError otherwise.
 */
async function checkTaskReferences(
  tx: Database,
  actor: Actor,
  fields: Pick<TaskFields, 'organizationId' | 'contactId' | 'conventionId' | 'exchangeId' | 'sourcingCaseId'>,
  assigneeId: string | null,
  keptCaseId: string | null = null,
): Promise<void> {
  const errors: FieldErrors = {};
  if (assigneeId !== null && !(await isActiveUser(tx, assigneeId))) errors.assigneeId = t('tasks.errors.assigneeInactive');
  const exist = await linkedRecordsExist(tx, fields);
  if (!exist.organizationId) errors.organizationId = t('tasks.errors.organizationInvalid');
  if (!exist.contactId) errors.contactId = t('tasks.errors.contactInvalid');
  if (!exist.conventionId) errors.conventionId = t('tasks.errors.conventionInvalid');
  if (!exist.exchangeId) errors.exchangeId = t('tasks.errors.exchangeInvalid');
  if (fields.sourcingCaseId && fields.sourcingCaseId !== keptCaseId) {
    const refusal = await caseRefusal(tx, actor, fields.sourcingCaseId);
    if (refusal) errors.sourcingCaseId = refusal;
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors, t('validation.formHasErrors'));
}

/**
 * Inside the caller's transaction: checks the assignee is an active user (ValidationError on
 * 'assigneeId' otherwise) and that the linked records exist, inserts the task (assignee defaults
 * to the actor), writes the 'task.created' audit row with metadata.related. No permission check
 * here: callers have done it.
 */
export async function createTaskInTransaction(tx: Database, ctx: ServiceContext, fields: TaskFields): Promise<Task> {
  const actor = requireActor(ctx);
  const assigneeId = fields.assigneeId ?? actor.id;
  await checkTaskReferences(tx, actor, fields, assigneeId);
  const task = await insertTask(tx, {
    title: fields.title,
    description: fields.description ?? null,
    dueOn: fields.dueOn,
    dueTime: fields.dueTime ?? null,
    assigneeId,
    priority: fields.priority ?? 'normale',
    organizationId: fields.organizationId ?? null,
    contactId: fields.contactId ?? null,
    conventionId: fields.conventionId ?? null,
    exchangeId: fields.exchangeId ?? null,
    sourcingCaseId: fields.sourcingCaseId ?? null,
    createdById: actor.id,
  });
  await recordAudit(tx, ctx, {
    action: 'task.created',
    entityType: 'task',
    entityId: task.id,
    after: auditSnapshot(task),
    metadata: { related: relatedIdsOf(task), title: task.title },
  });
  return task;
}

// ── Access ───────────────────────────────────────────────────────────────────────────────────

/** What the list and the rules need to know about who reads. */
function viewerOf(actor: Actor): TaskViewer {
  return { id: actor.id, isAdmin: hasRole(actor, 'admin'), managedUnitIds: hasRole(actor, 'manager') ? actor.unitIds : [] };
}

/**
 * Whether the actor sees and may change a task: admins any; everyone the tasks assigned to them
 * or created by them; a manager the tasks of their units' members. Changing also needs
 * 'tasks.edit' (a lecteur reads their tasks).
 */
async function accessTo(db: Database, actor: Actor, task: Pick<Task, 'assigneeId' | 'createdById'>): Promise<{ see: boolean; edit: boolean }> {
  const viewer = viewerOf(actor);
  const see =
    viewer.isAdmin || task.assigneeId === actor.id || task.createdById === actor.id || (viewer.managedUnitIds.length > 0 && (await userInUnits(db, task.assigneeId, viewer.managedUnitIds)));
  // The assignee handles their own task (done, postponed) whatever their role.
  return { see, edit: see && (can(actor, 'tasks.edit') || task.assigneeId === actor.id) };
}

/** Locks a task the actor may change: NotFoundError when they may not see it, ForbiddenError when they only see it. */
async function lockEditableTask(tx: Database, actor: Actor, id: string): Promise<Task> {
  if (!isUuid(id)) throw new NotFoundError();
  const task = await lockTaskById(tx, id);
  if (!task) throw new NotFoundError();
  const access = await accessTo(tx, actor, task);
  if (!access.see) throw new NotFoundError();
  if (!access.edit) throw new ForbiddenError(t('tasks.errors.notEditable'));
  return task;
}

/** The fields of a task the journal shows (no ids of its own, no technical columns). */
function auditSnapshot(task: Task): Record<string, unknown> {
  return {
    title: task.title,
    description: task.description,
    dueOn: task.dueOn,
    dueTime: task.dueTime ? task.dueTime.slice(0, 5) : null,
    assigneeId: task.assigneeId,
    priority: task.priority,
    status: task.status,
    organizationId: task.organizationId,
    contactId: task.contactId,
    conventionId: task.conventionId,
    // The case is not a field here: the journal has no reference kind naming a case (a raw id);
    // it is in metadata.related, and the form carries it unchanged.
  };
}

// ── Create and edit ──────────────────────────────────────────────────────────────────────────

/** The task form (« Nouvelle tâche »): one transaction, the task and its journal row. */
export async function createTask(ctx: ServiceContext, input: unknown): Promise<Task> {
  assertCan(ctx.actor, 'tasks.edit');
  const fields = parseInput(taskFieldsSchema, input);
  return inTransaction(ctx, (tx) => createTaskInTransaction(tx, ctx, fields));
}

/** « Modifier la tâche »: every field but the status (its own actions). */
export async function updateTask(ctx: ServiceContext, id: string, input: unknown): Promise<Task> {
  const actor = requireActor(ctx);
  assertCan(actor, 'tasks.edit');
  const fields = parseInput(taskFieldsSchema, input);
  return inTransaction(ctx, async (tx) => {
    const before = await lockEditableTask(tx, actor, id);
    const assigneeId = fields.assigneeId ?? before.assigneeId;
    await checkTaskReferences(tx, actor, fields, assigneeId === before.assigneeId ? null : assigneeId, before.sourcingCaseId);
    const after = await updateTaskRow(tx, before.id, {
      title: fields.title,
      description: fields.description ?? null,
      dueOn: fields.dueOn,
      dueTime: fields.dueTime ?? null,
      assigneeId,
      priority: fields.priority ?? before.priority,
      organizationId: fields.organizationId ?? null,
      contactId: fields.contactId ?? null,
      conventionId: fields.conventionId ?? null,
      exchangeId: fields.exchangeId ?? null,
      sourcingCaseId: fields.sourcingCaseId ?? null,
    });
    const changes = diffRecords(auditSnapshot(before), auditSnapshot(after));
    if (Object.keys(changes).length > 0) {
      await recordAudit(tx, ctx, {
        action: 'task.updated',
        entityType: 'task',
        entityId: after.id,
        before: auditSnapshot(before),
        after: auditSnapshot(after),
        metadata: { related: [...new Set([...relatedIdsOf(before), ...relatedIdsOf(after)])], title: after.title },
      });
    }
    return after;
  });
}

// ── Status ───────────────────────────────────────────────────────────────────────────────────

/**
 * The one path that changes a task's status (TASK_TRANSITIONS): « Fait » sets done at / by,
 * « Rouvrir » clears them, « Annuler la tâche ». A move the table does not have is refused with
 * a French message naming the current status (ConflictError).
 */
export async function moveTaskStatus(ctx: ServiceContext, id: string, to: TaskStatus): Promise<Task> {
  const actor = requireActor(ctx);
  // Cancelling is for editors only; completing and reopening are open to the task's assignee too.
  if (to === 'annulee') assertCan(actor, 'tasks.edit');
  return inTransaction(ctx, async (tx) => {
    const before = await lockEditableTask(tx, actor, id);
    // As an editor first; an assignee without 'tasks.edit' has their own, narrower moves.
    const asPerson = checkMove(TASK_TRANSITIONS, before.status, to, { by: 'person', roles: actor.roles, inUnit: true });
    const asAssignee = before.assigneeId === actor.id ? checkMove(TASK_TRANSITIONS, before.status, to, { by: 'assignee', roles: actor.roles }) : 'notPermitted';
    const verdict = asPerson === 'allowed' || asAssignee === 'allowed' ? 'allowed' : asPerson;
    if (verdict === 'notPermitted') throw new ForbiddenError(t('tasks.errors.notEditable'));
    if (verdict === 'notAllowed') {
      throw new ConflictError(t(`tasks.errors.transition.${to}`, { status: t(`tasks.statuses.${before.status}`).toLowerCase() }));
    }
    const after = await updateTaskRow(tx, before.id, {
      status: to,
      doneAt: to === 'faite' ? ctx.now : null,
      doneById: to === 'faite' ? actor.id : null,
    });
    await recordAudit(tx, ctx, {
      action: taskMoveAction(to),
      entityType: 'task',
      entityId: after.id,
      before: { status: before.status },
      after: { status: after.status },
      metadata: { related: relatedIdsOf(after), title: after.title },
    });
    return after;
  });
}

export const completeTask = (ctx: ServiceContext, id: string) => moveTaskStatus(ctx, id, 'faite');
export const reopenTask = (ctx: ServiceContext, id: string) => moveTaskStatus(ctx, id, 'a_faire');
export const cancelTask = (ctx: ServiceContext, id: string) => moveTaskStatus(ctx, id, 'annulee');

/** Postponing and reassigning are for tasks still to do. */
function assertOpen(task: Task): void {
  if (task.status !== 'a_faire') throw new ConflictError(t('tasks.errors.closed', { status: t(`tasks.statuses.${task.status}`).toLowerCase() }));
}

const postponeSchema = z.object({
  /** +1 day, +1 week (from the due day, or from today when the task is overdue), or a date. */
  delai: z.enum(['jour', 'semaine', 'date'], { error: t('tasks.errors.postponeInvalid') }),
  dueOn: z.preprocess(blankToUndefined, z.string({ error: t('tasks.errors.dueOnInvalid') }).trim().optional()),
});

/** The new due day of a postponement; `today` in Paris. */
export function postponedDueOn(currentDueOn: string, today: string, choice: { delai: 'jour' | 'semaine' | 'date'; dueOn?: string }): string {
  if (choice.delai === 'date') {
    if (!choice.dueOn) throw new ValidationError({ dueOn: t('tasks.errors.dueOnRequired') }, t('validation.formHasErrors'));
    if (parseIsoDay(choice.dueOn) === null) throw new ValidationError({ dueOn: t('tasks.errors.dueOnInvalid') }, t('validation.formHasErrors'));
    if (choice.dueOn < today) throw new ValidationError({ dueOn: t('tasks.errors.postponePast') }, t('validation.formHasErrors'));
    return choice.dueOn;
  }
  const from = currentDueOn < today ? today : currentDueOn;
  return addDays(from, choice.delai === 'jour' ? 1 : 7);
}

/** « Reporter »: +1 jour, +1 semaine, or a given date. Journaled 'task.postponed' (from → to). */
export async function postponeTask(ctx: ServiceContext, id: string, input: unknown): Promise<Task> {
  // The assignee may postpone their own task whatever their role (lockEditableTask checks it).
  const actor = requireActor(ctx);
  const choice = parseInput(postponeSchema, input);
  return inTransaction(ctx, async (tx) => {
    const before = await lockEditableTask(tx, actor, id);
    assertOpen(before);
    const dueOn = postponedDueOn(before.dueOn, isoDateInParis(ctx.now), choice);
    const after = await updateTaskRow(tx, before.id, { dueOn });
    await recordAudit(tx, ctx, {
      action: 'task.postponed',
      entityType: 'task',
      entityId: after.id,
      before: { dueOn: before.dueOn },
      after: { dueOn: after.dueOn },
      metadata: { related: relatedIdsOf(after), title: after.title, from: before.dueOn, to: after.dueOn },
    });
    return after;
  });
}

const reassignSchema = z.object({ assigneeId: z.uuid({ error: t('tasks.errors.assigneeInvalid') }) });

/**
 * « Réattribuer » to an active user: a chargé their own tasks (assigned to or created by them),
 * a manager also their units' members' tasks, an admin any. Journaled 'task.reassigned'.
 */
export async function reassignTask(ctx: ServiceContext, id: string, input: unknown): Promise<{ task: Task; assigneeName: string }> {
  const actor = requireActor(ctx);
  assertCan(actor, 'tasks.edit');
  const { assigneeId } = parseInput(reassignSchema, input);
  return inTransaction(ctx, async (tx) => {
    const before = await lockEditableTask(tx, actor, id);
    assertOpen(before);
    const assignee = await findUserById(tx, assigneeId);
    if (!assignee || !assignee.active) throw new ValidationError({ assigneeId: t('tasks.errors.assigneeInactive') }, t('validation.formHasErrors'));
    if (assigneeId === before.assigneeId) return { task: before, assigneeName: assignee.displayName };
    const after = await updateTaskRow(tx, before.id, { assigneeId });
    await recordAudit(tx, ctx, {
      action: 'task.reassigned',
      entityType: 'task',
      entityId: after.id,
      before: { assigneeId: before.assigneeId },
      after: { assigneeId: after.assigneeId },
      metadata: { related: relatedIdsOf(after), title: after.title },
    });
    return { task: after, assigneeName: assignee.displayName };
  });
}
