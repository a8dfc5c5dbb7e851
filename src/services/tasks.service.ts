// Tasks (« tâches », issue 12): follow-ups with a due date, given to a person, linked to the
// records they concern. Rules: everyone sees the tasks assigned to them and those they created;
// a manager sees the tasks of their units' members; admins see all. Every change is journaled
// (entity 'task') with metadata.related = the linked organisation, contact and convention, so
// the records' timelines find it.
import { z } from 'zod';
import { ValidationError, type FieldErrors } from '../lib/errors';
import { t } from '../lib/i18n';
import { hasControlCharacters } from '../lib/validation';
import { parseIsoDay } from '../lib/convention-dates';
import type { Database } from '../models/database';
import { TASK_PRIORITIES, type Task } from '../models/schema';
import { insertTask, isActiveUser, linkedRecordsExist } from '../models/tasks.model';
import { recordAudit } from './audit.service';
import { type ServiceContext, requireActor } from './context';

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
});

export type TaskFields = z.infer<typeof taskFieldsSchema>;

/** The ids a task's journal rows carry in metadata.related (timelines of these records find them). */
export function relatedIdsOf(task: Pick<Task, 'organizationId' | 'contactId' | 'conventionId'>): string[] {
  return [task.organizationId, task.contactId, task.conventionId].filter((id): id is string => typeof id === 'string');
}

/** The assignee must be an active account; linked records must exist. ValidationError otherwise. */
async function checkTaskReferences(tx: Database, fields: Pick<TaskFields, 'organizationId' | 'contactId' | 'conventionId' | 'exchangeId'>, assigneeId: string | null): Promise<void> {
  const errors: FieldErrors = {};
  if (assigneeId !== null && !(await isActiveUser(tx, assigneeId))) errors.assigneeId = t('tasks.errors.assigneeInactive');
  const exist = await linkedRecordsExist(tx, fields);
  if (!exist.organizationId) errors.organizationId = t('tasks.errors.organizationInvalid');
  if (!exist.contactId) errors.contactId = t('tasks.errors.contactInvalid');
  if (!exist.conventionId) errors.conventionId = t('tasks.errors.conventionInvalid');
  if (!exist.exchangeId) errors.exchangeId = t('tasks.errors.exchangeInvalid');
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
  await checkTaskReferences(tx, fields, assigneeId);
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
    createdById: actor.id,
  });
  await recordAudit(tx, ctx, {
    action: 'task.created',
    entityType: 'task',
    entityId: task.id,
    after: task,
    metadata: { related: relatedIdsOf(task), title: task.title },
  });
  return task;
}
