/**
 * Workflow engine service: approval circuits on any subject (DESIGN.md §5, docs/workflows.md).
 *
 * Public API for features that put a subject through a circuit (conventions, sourcing…):
 *
 *   startRun(tx, ctx, { definitionKey, subject: { type, id, unitId, context } }) → WorkflowRun
 *     Starts a run inside the caller's transaction (the definition is copied into the run);
 *     call ctx.dispatchOutbox?.() after commit, or use inTransaction(ctx, …) which does it.
 *   resubmitRun(tx, ctx, { runId, context? }) → WorkflowRun
 *     After "changes requested": a new round of the stage that asked for changes.
 *   signalWorkflowEvent(tx, ctx, { subjectType, subjectId, event }) → steps released
 *     Completes `wait` steps waiting for that event.
 *   onStatusChange(subjectType, handler)
 *     handler(tx, ctx, { subjectType, subjectId, runId, status }) runs in the transaction of
 *     the transition: status is a run status ('changes_requested', 'approved', 'rejected',
 *     'cancelled', 'completed', 'running' again after resubmission) or the status an action
 *     step sets (the default circuit's 'a_signer').
 *   registerActionHandler(name, handler)
 *     For `action` steps; built in: setSubjectStatus, notifySubmitter, sendEmail, startRun.
 *   listRunsOfSubject(ctx, subjectType, subjectId) → runs with step history (timelines).
 *
 * Every transition runs in one transaction with its audit rows (entityType = subjectType, on
 * the subject's timeline) and the outbox rows of what comes next (emails, deadline jobs).
 */
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../lib/errors';
import { t } from '../lib/i18n';
import { logger } from '../lib/logger';
import type { Database } from '../models/database';
import type { NewOutboxRow } from '../models/messaging.model';
import type { NewWorkflowStep, Role, WorkflowDecision, WorkflowRun, WorkflowRunStatus, WorkflowStep } from '../models/schema';
import {
  type Person,
  type Recipient,
  cancelActiveSteps,
  findActivePerson,
  findOpenRunForSubject,
  findRun,
  findStep,
  insertNotifications,
  insertRun,
  insertSteps,
  listActiveDelegationsTo,
  listPeopleWithRole,
  listRecipients,
  listRunsForSubject,
  listStepHistory,
  listStepsOfRun,
  lockRun,
  lockRunOfStep,
  lockRunOfStepWithPerson,
  updateRun,
  updateStep,
} from '../models/workflows.model';
import { definitionForStart, type WorkflowDefinition } from '../workflows/definitions';
import type { StageDefinition } from '../workflows/definitions/types';
import { recordSentByEngine } from '../models/reminders.model';
import { parisDayOf } from '../lib/paris-time';
import { DECISION_STATUS, commentRequired, dueDate, finalRunStatus, nextStage, reminderDate, stageState, type StageOutcome } from '../workflows/engine';
import { JOB_NAMES, QUEUE_NAMES, stepJobId, type WorkflowStepPayload } from '../workflows/queues';
import { batchAuditRows, recordAudit } from './audit.service';
import { type ServiceContext, inTransaction, requireActor } from './context';
import { type QueuedEmail, queueEmailsAndJobs } from './mail.service';
import { assertCan } from './permissions';

// ── registries ────────────────────────────────────────────────────────────────────────────
export interface SubjectRef {
  type: string;
  id: string;
  unitId: string | null;
  context?: Record<string, unknown>;
}

export interface StatusChange {
  subjectType: string;
  subjectId: string;
  runId: string;
  status: string;
}
export type StatusChangeHandler = (tx: Database, ctx: ServiceContext, change: StatusChange) => Promise<void>;
export type ActionHandler = (tx: Database, ctx: ServiceContext, input: { run: WorkflowRun; step: WorkflowStep; params: Record<string, unknown> }) => Promise<void>;

const statusHandlers = new Map<string, StatusChangeHandler[]>();
const actionHandlers = new Map<string, ActionHandler>();

export function onStatusChange(subjectType: string, handler: StatusChangeHandler): () => void {
  statusHandlers.set(subjectType, [...(statusHandlers.get(subjectType) ?? []), handler]);
  return () => statusHandlers.set(subjectType, (statusHandlers.get(subjectType) ?? []).filter((known) => known !== handler));
}

export function registerActionHandler(name: string, handler: ActionHandler): void {
  actionHandlers.set(name, handler);
}

async function emitStatus(tx: Database, ctx: ServiceContext, run: WorkflowRun, status: string): Promise<void> {
  for (const handler of statusHandlers.get(run.subjectType) ?? []) {
    await handler(tx, ctx, { subjectType: run.subjectType, subjectId: run.subjectId, runId: run.id, status });
  }
}

/** The snapshot copied at start, plus the public URL used in links sent later by workers. */
type RunSnapshot = WorkflowDefinition & { publicUrl: string };
const snapshotOf = (run: WorkflowRun) => run.definition as unknown as RunSnapshot;

// ── one transition, written in a few statements ──────────────────────────────────────────
type NewNotification = Parameters<typeof insertNotifications>[1][number];

/** What a transition writes besides its step and run rows, kept until the end of the transition. */
interface PendingWrites {
  emails: QueuedEmail[];
  jobs: NewOutboxRow[];
  notifications: NewNotification[];
  /** Steps that left « active » in this transition: their notices are done (`at`). */
  stepNoticesDone: { stepIds: string[]; at: Date };
}
const pendingWrites = new WeakMap<Database, PendingWrites>();

/**
 * Runs one transition in `tx`: its emails, outbox rows (e-mails, timers), notifications and
 * journal rows are kept in memory, then written before returning in one statement (multi-row
 * inserts in CTEs), still inside the transaction: they commit or roll back with the decision. A transition
 * started inside another one (startRun from an action step, a feature's own transaction that
 * already opened one) joins it. Nothing in a transition reads those rows back.
 */
async function inTransition<T>(tx: Database, work: () => Promise<T>): Promise<T> {
  if (pendingWrites.has(tx)) return work();
  const pending: PendingWrites = { emails: [], jobs: [], notifications: [], stepNoticesDone: { stepIds: [], at: new Date() } };
  pendingWrites.set(tx, pending);
  try {
    let written = false;
    const result = await batchAuditRows(tx, work, async (auditRows) => {
      pendingWrites.delete(tx);
      written = true;
      await queueEmailsAndJobs(tx, pending.emails, pending.jobs, { notifications: pending.notifications, auditRows, stepNoticesDone: pending.stepNoticesDone });
    });
    // Inside someone else's journal batch, `write` is theirs: our rows go on their own.
    if (!written) await queueEmailsAndJobs(tx, pending.emails, pending.jobs, { notifications: pending.notifications, stepNoticesDone: pending.stepNoticesDone });
    return result;
  } finally {
    pendingWrites.delete(tx);
  }
}

function pendingOf(tx: Database): PendingWrites {
  const pending = pendingWrites.get(tx);
  if (!pending) throw new Error('workflow writes outside a transition (inTransition)');
  return pending;
}

/**
 * Steps that left « active » (decided, cancelled, reassigned, a wait over): every notice about
 * them still to do is done at `at`, in the transition's last statement — whoever decided, the
 * person, a colleague with the same role, a delegate or an admin.
 */
function stepsLeftActive(tx: Database, stepIds: string[], at: Date): void {
  if (stepIds.length === 0) return;
  const done = pendingOf(tx).stepNoticesDone;
  done.stepIds.push(...stepIds);
  done.at = at;
}

// ── helpers ───────────────────────────────────────────────────────────────────────────────
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const stepLink = (run: WorkflowRun, stepId: string) => `${snapshotOf(run).publicUrl}/validations/etapes/${stepId}`;
const subjectLabel = (run: WorkflowRun) => String(run.context.title ?? run.context.reference ?? `${run.subjectType} ${run.subjectId}`);

async function audit(tx: Database, ctx: ServiceContext, run: WorkflowRun, action: string, metadata: Record<string, unknown>, before?: Record<string, unknown>, after?: Record<string, unknown>) {
  await recordAudit(tx, ctx, {
    action,
    entityType: run.subjectType,
    entityId: run.subjectId,
    before: before ?? null,
    after: after ?? null,
    metadata: { runId: run.id, circuit: run.definitionKey, ...metadata },
  });
}

const assigneeOf = (step: WorkflowStep) => ({ userId: step.assigneeUserId, role: step.assigneeRole as Role | null, unitId: step.assigneeUnitId });

/** Who must act on a step: the named user or the holders of the role (in the unit), and their delegates. */
async function recipientsOf(tx: Database, step: WorkflowStep, now: Date): Promise<Recipient[]> {
  const [recipients = []] = await listRecipients(tx, [assigneeOf(step)], now);
  return recipients;
}

function notifyPeople(
  tx: Database,
  run: WorkflowRun,
  step: WorkflowStep,
  people: Person[],
  kind: 'assignment' | 'reminder' | 'escalation',
  extra: Record<string, unknown> = {},
): void {
  const link = stepLink(run, step.id);
  const circuit = snapshotOf(run).name;
  const subject = subjectLabel(run);
  const pending = pendingOf(tx);
  for (const person of people) {
    pending.emails.push({
      to: person.email,
      template: `workflow_${kind}`,
      data: { displayName: person.displayName, stepLabel: step.label, circuit, subject, link, dueAt: step.dueAt?.toISOString() ?? null, ...extra },
      idempotencyKey: `workflow-step-${step.id}-${kind}-${person.id}`,
    });
    pending.notifications.push({ userId: person.id, kind: `workflow.${kind}`, title: t(`notifications.${kind}`, { step: step.label, subject }), link: `/validations/etapes/${step.id}`, stepId: step.id });
  }
}

function scheduleStepJob(tx: Database, step: WorkflowStep, kind: 'reminder' | 'due', runAt: Date): void {
  const payload: WorkflowStepPayload = { stepId: step.id, jobId: stepJobId(step.id, kind) };
  pendingOf(tx).jobs.push({ queue: QUEUE_NAMES.workflows, jobName: kind === 'reminder' ? JOB_NAMES.workflowStepReminder : JOB_NAMES.workflowStepDue, payload: { ...payload }, runAt });
}

// ── steps named by the run's context, steps decided by a feature's form ─────────────────
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The user ids a `contextUser(s)` assignee names, in order, once each. A run without them cannot start. */
function contextAssignees(run: WorkflowRun, assignee: { contextUser: string } | { contextUsers: string }): string[] {
  const value = 'contextUsers' in assignee ? run.context[assignee.contextUsers] : [run.context[assignee.contextUser]];
  const ids = Array.isArray(value) ? [...new Set(value.filter((id): id is string => typeof id === 'string' && UUID_TEXT.test(id)))] : [];
  if (ids.length === 0) throw new Error(`workflow ${run.definitionKey}: context names no assignee (${JSON.stringify(assignee)})`);
  return ids;
}

/** The definition of a step row: its own key, or the key it was expanded from (`evaluation#2` → `evaluation`). */
export function stepDefinitionIn(stage: StageDefinition | undefined, stepKey: string) {
  if (!stage) return undefined;
  const baseKey = stepKey.includes('#') ? stepKey.slice(0, stepKey.indexOf('#')) : stepKey;
  return stage.steps.find((step) => step.key === stepKey) ?? stage.steps.find((step) => step.key === baseKey);
}

/** The feature form (ApprovalStepDefinition.form) that decides this step, if any. */
export function formOfStep(run: WorkflowRun, step: Pick<WorkflowStep, 'stageIndex' | 'stepKey'>): string | null {
  const definition = stepDefinitionIn(snapshotOf(run).stages[step.stageIndex], step.stepKey);
  return definition?.kind === 'approval' ? (definition.form ?? null) : null;
}

const stepForms = new Map<string, (run: WorkflowRun, step: WorkflowStep) => string>();

/** A feature says where its form for such steps lives (« Mes validations » and the step page link there). */
export function registerStepForm(form: string, linkOf: (run: WorkflowRun, step: WorkflowStep) => string): void {
  stepForms.set(form, linkOf);
}

/** The local path of the form that decides this step, or null for the generic decision buttons. */
export function stepFormLink(run: WorkflowRun, step: WorkflowStep): string | null {
  const form = formOfStep(run, step);
  if (!form) return null;
  const linkOf = stepForms.get(form);
  return linkOf ? linkOf(run, step) : null;
}

// ── the state machine, applied ────────────────────────────────────────────────────────────
/**
 * Creates the steps of a stage (with `skippedSteps`, rows of stages skipped on the way, in the
 * same INSERT); actions run at once. Returns whether the stage is already closed.
 */
async function activateStage(tx: Database, ctx: ServiceContext, run: WorkflowRun, index: number, skippedSteps: NewWorkflowStep[] = []): Promise<boolean> {
  const snapshot = snapshotOf(run);
  const stage = snapshot.stages[index] as StageDefinition;
  const now = ctx.now;
  const inserted = await insertSteps(tx, [
    ...skippedSteps,
    ...stage.steps.flatMap((step): NewWorkflowStep[] => {
      const base = { runId: run.id, stageIndex: index, stepKey: step.key, label: step.label, kind: step.kind, parallelGroup: stage.key, round: run.round, status: 'active' as const, activatedAt: now };
      if (step.kind === 'approval') {
        const dueAt = dueDate(now, step.due);
        const approval = { ...base, distinctFrom: step.distinctFrom ?? [], dueAt, remindAt: reminderDate(now, dueAt) };
        const assignee = step.assignee;
        if ('contextUsers' in assignee || 'contextUser' in assignee) {
          return contextAssignees(run, assignee).map((userId, position, all) => ({
            ...approval,
            stepKey: 'contextUsers' in assignee ? `${step.key}#${position + 1}` : step.key,
            label: 'contextUsers' in assignee && all.length > 1 ? `${step.label} (${position + 1}/${all.length})` : step.label,
            assigneeRole: null,
            assigneeUnitId: null,
            assigneeUserId: userId,
          }));
        }
        return [
          {
            ...approval,
            assigneeRole: 'role' in assignee ? assignee.role : null,
            assigneeUnitId: 'role' in assignee && assignee.unit === 'subject' ? run.unitId : null,
            assigneeUserId: 'userId' in assignee ? assignee.userId : null,
          },
        ];
      }
      if (step.kind === 'wait' && 'contextDate' in step.until) {
        const date = new Date(String(run.context[step.until.contextDate] ?? ''));
        const dueAt = Number.isNaN(date.getTime()) ? now : date;
        // A date already past: the wait is over as it starts.
        return [dueAt <= now ? { ...base, dueAt, status: 'done', decidedAt: now } : { ...base, dueAt }];
      }
      // An action runs below, in this transaction: if its handler throws, the row never existed.
      if (step.kind === 'action') return [{ ...base, status: 'done', decidedAt: now }];
      return [base];
    }),
  ]);
  const rows = inserted.filter((row) => row.stageIndex === index);
  await audit(tx, ctx, run, 'workflow.stage_started', { stage: stage.key, label: stage.label, round: run.round });
  // The assignees of every approval step of the stage (a parallel group) in one query.
  const approvals = rows.filter((row) => row.kind === 'approval');
  const recipients = await listRecipients(tx, approvals.map(assigneeOf), now);
  let open = false;
  for (const row of rows) {
    const definition = stepDefinitionIn(stage, row.stepKey);
    if (!definition) continue;
    if (definition.kind === 'approval') {
      open = true;
      const people = recipients[approvals.indexOf(row)] ?? [];
      if (people.length === 0) logger.warn({ stepId: row.id, role: row.assigneeRole }, 'workflow step has nobody to decide it');
      notifyPeople(tx, run, row, people, 'assignment');
      scheduleStepJob(tx, row, 'reminder', row.remindAt ?? now);
      scheduleStepJob(tx, row, 'due', row.dueAt ?? now);
    } else if (definition.kind === 'action') {
      const handler = actionHandlers.get(definition.handler);
      if (!handler) throw new Error(`workflow action handler "${definition.handler}" is not registered`);
      await handler(tx, ctx, { run, step: row, params: definition.params ?? {} });
      await audit(tx, ctx, run, 'workflow.action_done', { step: row.stepKey, label: row.label, handler: definition.handler });
    } else if (row.status !== 'done') {
      open = true;
      if ('contextDate' in definition.until) scheduleStepJob(tx, row, 'due', row.dueAt ?? now);
    }
  }
  return !open;
}

/** The outcome of the latest approval stage decided in the run (for branching). */
function lastOutcomeOf(steps: WorkflowStep[]): StageOutcome | null {
  const decided = steps.filter((step) => step.kind === 'approval' && (step.status === 'approved' || step.status === 'rejected'));
  const last = decided.sort((a, b) => a.stageIndex - b.stageIndex || a.round - b.round).at(-1);
  if (!last) return null;
  const sameStage = decided.filter((step) => step.stageIndex === last.stageIndex && step.round === last.round);
  return sameStage.some((step) => step.status === 'rejected') ? 'rejected' : 'approved';
}

/** Moves the run past stage `fromIndex`: skipped stages recorded, next stage activated, or the run ends. */
async function advance(tx: Database, ctx: ServiceContext, run: WorkflowRun, fromIndex: number, outcome: StageOutcome | null): Promise<WorkflowRun> {
  const snapshot = snapshotOf(run);
  let current = run;
  let from = fromIndex;
  for (;;) {
    const { index, skipped } = nextStage(snapshot, from, outcome, current.context);
    // Written with the next stage's steps (one INSERT), or alone when the run ends.
    const skippedSteps = skipped.flatMap((skippedIndex) => {
      const stage = snapshot.stages[skippedIndex] as StageDefinition;
      return stage.steps.map((step) => ({ runId: run.id, stageIndex: skippedIndex, stepKey: step.key, label: step.label, kind: step.kind, parallelGroup: stage.key, round: current.round, status: 'skipped' as const }));
    });
    if (index === null) {
      await insertSteps(tx, skippedSteps);
      const status: WorkflowRunStatus = finalRunStatus(outcome);
      current = await updateRun(tx, run.id, { status, finishedAt: ctx.now, currentStage: snapshot.stages.length });
      await audit(tx, ctx, current, `workflow.run_${status}`, {}, { status: run.status }, { status });
      await emitStatus(tx, ctx, current, status);
      return current;
    }
    // A run starts with current_stage 0 already: no second write for the first stage.
    if (current.currentStage !== index) current = await updateRun(tx, run.id, { currentStage: index });
    const closed = await activateStage(tx, ctx, current, index, skippedSteps);
    if (!closed) return current;
    from = index;
  }
}

/** PostgreSQL unique_violation, possibly wrapped by Drizzle (`cause`). */
function isUniqueViolation(error: unknown): boolean {
  const code = (value: unknown) => (typeof value === 'object' && value !== null ? (value as { code?: unknown }).code : undefined);
  return code(error) === '23505' || code((error as { cause?: unknown } | null)?.cause) === '23505';
}

// ── starting and resubmitting ─────────────────────────────────────────────────────────────
export async function startRun(
  tx: Database,
  ctx: ServiceContext,
  input: { definitionKey: string; subject: SubjectRef },
): Promise<WorkflowRun> {
  return inTransition(tx, () => startRunInTransition(tx, ctx, input));
}

async function startRunInTransition(tx: Database, ctx: ServiceContext, input: { definitionKey: string; subject: SubjectRef }): Promise<WorkflowRun> {
  const definition = definitionForStart(input.definitionKey);
  if (!definition) throw new NotFoundError(t('workflows.errors.unknownCircuit'));
  // A unique index backs this check when two submissions race (workflow_runs_open_subject_key).
  const open = await findOpenRunForSubject(tx, input.subject.type, input.subject.id);
  if (open && open.definitionKey === definition.key) throw new ConflictError(t('workflows.errors.alreadyRunning'));
  const snapshot: RunSnapshot = { ...definition, publicUrl: ctx.baseUrl };
  const run = await insertRun(tx, {
    definitionKey: definition.key,
    definitionVersion: definition.version,
    definition: snapshot as unknown as Record<string, unknown>,
    subjectType: input.subject.type,
    subjectId: input.subject.id,
    unitId: input.subject.unitId,
    context: input.subject.context ?? {},
    status: 'running',
    currentStage: 0,
    round: 1,
    startedById: ctx.actor?.id ?? null,
    startedAt: ctx.now,
  }).catch((error: unknown) => {
    if (isUniqueViolation(error)) throw new ConflictError(t('workflows.errors.alreadyRunning'));
    throw error;
  });
  await audit(tx, ctx, run, 'workflow.run_started', { name: definition.name, version: definition.version });
  await emitStatus(tx, ctx, run, 'running');
  return advance(tx, ctx, run, -1, null);
}

export async function resubmitRun(tx: Database, ctx: ServiceContext, input: { runId: string; context?: Record<string, unknown> }): Promise<WorkflowRun> {
  return inTransition(tx, () => resubmitRunInTransition(tx, ctx, input));
}

async function resubmitRunInTransition(tx: Database, ctx: ServiceContext, input: { runId: string; context?: Record<string, unknown> }): Promise<WorkflowRun> {
  const run = await lockRun(tx, input.runId);
  if (!run) throw new NotFoundError();
  if (run.status !== 'changes_requested') throw new ConflictError(t('workflows.errors.notAwaitingChanges'));
  const resumed = await updateRun(tx, run.id, { status: 'running', round: run.round + 1, context: { ...run.context, ...input.context } });
  await audit(tx, ctx, resumed, 'workflow.run_resubmitted', { round: resumed.round }, { status: run.status }, { status: 'running' });
  await emitStatus(tx, ctx, resumed, 'running');
  const closed = await activateStage(tx, ctx, resumed, resumed.currentStage);
  if (!closed) return resumed;
  return advance(tx, ctx, resumed, resumed.currentStage, lastOutcomeOf(await listStepsOfRun(tx, run.id)));
}

export async function signalWorkflowEvent(tx: Database, ctx: ServiceContext, input: { subjectType: string; subjectId: string; event: string }): Promise<number> {
  return inTransition(tx, () => signalInTransition(tx, ctx, input));
}

async function signalInTransition(tx: Database, ctx: ServiceContext, input: { subjectType: string; subjectId: string; event: string }): Promise<number> {
  let released = 0;
  for (const candidate of await listRunsForSubject(tx, input.subjectType, input.subjectId)) {
    if (candidate.status !== 'running') continue;
    const run = await lockRun(tx, candidate.id);
    if (!run || run.status !== 'running') continue;
    const stage = snapshotOf(run).stages[run.currentStage];
    const all = await listStepsOfRun(tx, run.id);
    for (const [position, step] of all.entries()) {
      if (step.stageIndex !== run.currentStage || step.round !== run.round) continue;
      const definition = stage?.steps.find((known) => known.key === step.stepKey);
      if (step.status !== 'active' || definition?.kind !== 'wait' || !('event' in definition.until) || definition.until.event !== input.event) continue;
      all[position] = await updateStep(tx, step.id, { status: 'done', decidedAt: ctx.now, decidedById: ctx.actor?.id ?? null });
      stepsLeftActive(tx, [step.id], ctx.now);
      await audit(tx, ctx, run, 'workflow.event_received', { event: input.event, step: step.stepKey });
      released += 1;
    }
    await closeStageIfDone(tx, ctx, run, all);
  }
  return released;
}

/** After a step closed: if its whole stage is closed, move on. `known`: the run's steps as they are now, when the caller has them. */
async function closeStageIfDone(tx: Database, ctx: ServiceContext, run: WorkflowRun, known?: WorkflowStep[]): Promise<WorkflowRun> {
  const all = known ?? (await listStepsOfRun(tx, run.id));
  const stageSteps = all.filter((step) => step.stageIndex === run.currentStage && step.round === run.round);
  const state = stageState(stageSteps);
  if (state === 'open') return run;
  if (state === 'changes_requested') {
    stepsLeftActive(tx, await cancelActiveSteps(tx, run.id, ctx.now), ctx.now);
    const updated = await updateRun(tx, run.id, { status: 'changes_requested' });
    await audit(tx, ctx, updated, 'workflow.run_changes_requested', {}, { status: run.status }, { status: 'changes_requested' });
    if (run.startedById) {
      const submitter = await findActivePerson(tx, run.startedById);
      const decided = stageSteps.find((step) => step.status === 'changes_requested');
      if (submitter && decided) {
        pendingOf(tx).emails.push({
          to: submitter.email,
          template: 'workflow_changes_requested',
          data: { displayName: submitter.displayName, stepLabel: decided.label, circuit: snapshotOf(run).name, subject: subjectLabel(run), comment: decided.comment ?? '', link: `${snapshotOf(run).publicUrl}/validations/circuits/${run.id}` },
          idempotencyKey: `workflow-step-${decided.id}-changes-${submitter.id}`,
        });
        pendingOf(tx).notifications.push({ userId: submitter.id, kind: 'workflow.changes_requested', title: t('notifications.changesRequested', { subject: subjectLabel(run) }), link: `/validations/circuits/${run.id}` });
      }
    }
    await emitStatus(tx, ctx, updated, 'changes_requested');
    return updated;
  }
  if (state === 'rejected') stepsLeftActive(tx, await cancelActiveSteps(tx, run.id, ctx.now), ctx.now);
  return advance(tx, ctx, run, run.currentStage, state === 'done' ? lastOutcomeOf(all) : state);
}

// ── deciding ──────────────────────────────────────────────────────────────────────────────
/** Whether `person` may decide `step` directly (role ∩ unit, or named). */
function directlyEligible(person: Pick<Person, 'id' | 'roles' | 'unitIds'>, step: WorkflowStep): boolean {
  if (step.assigneeUserId) return step.assigneeUserId === person.id;
  if (!step.assigneeRole || !person.roles.includes(step.assigneeRole as Role)) return false;
  return !step.assigneeUnitId || person.unitIds.includes(step.assigneeUnitId);
}

/**
 * Null: the actor decides in their own right (they would qualify without any delegation); a
 * person: the delegator they stand in for — the step is named for that person, or waits for a
 * role (within a unit) that person holds and delegated. Several active delegators could be the
 * one: the earliest delegation wins (start, creation, id), as in the inbox. Throws when neither.
 */
async function decidingFor(tx: Database, ctx: ServiceContext, person: Person, step: WorkflowStep): Promise<Person | null> {
  if (directlyEligible(person, step)) return null;
  for (const delegation of await listActiveDelegationsTo(tx, person.id, ctx.now)) {
    if (step.assigneeRole && delegation.role !== step.assigneeRole) continue;
    const from = await findActivePerson(tx, delegation.fromUserId);
    if (from && directlyEligible(from, step)) return from;
  }
  throw new ForbiddenError(t('workflows.errors.notAssignee'));
}

export interface DecisionInput {
  decision: unknown;
  comment?: unknown;
}

export interface DecisionResult {
  run: WorkflowRun;
  step: WorkflowStep;
  decidedForName: string | null;
}

/** The generic decision (« Mes validations », the step page): approvers' roles; never a step a feature's form decides. */
export async function decideStep(ctx: ServiceContext, stepId: string, input: DecisionInput): Promise<DecisionResult> {
  const actor = requireActor(ctx);
  assertCan(actor, 'workflows.decide');
  return inTransaction(ctx, (tx) => decideStepInTransaction(tx, ctx, stepId, input));
}

/**
 * The decision inside the caller's transaction: a feature that decides a step through its own
 * form (a scorecard) writes its rows and the decision together, passing `form` (the step
 * definition's). Whoever the step names (or their delegate) decides, whatever their role: the
 * feature checked its own rights first.
 */
export async function decideStepInTransaction(tx: Database, ctx: ServiceContext, stepId: string, input: DecisionInput, options: { form?: string } = {}): Promise<DecisionResult> {
  const actor = requireActor(ctx);
  const decision = typeof input.decision === 'string' && input.decision in DECISION_STATUS ? (input.decision as WorkflowDecision) : null;
  // The message is the field's: an inline (htmx) decision shows it in the flash region.
  if (!decision) throw new ValidationError({ decision: t('workflows.errors.decisionRequired') }, t('workflows.errors.decisionRequired'));
  const comment = typeof input.comment === 'string' ? input.comment.trim().slice(0, 4000) : '';
  if (commentRequired(decision) && comment === '') throw new ValidationError({ comment: t('workflows.errors.commentRequired') }, t('workflows.errors.commentRequired'));
  if (!UUID.test(stepId)) throw new NotFoundError();
  return inTransition(tx, async () => {
    // The run lock serialises every decision on the run: two managers at once → one wins.
    const locked = await lockRunOfStepWithPerson(tx, stepId, actor.id);
    if (!locked) throw new NotFoundError();
    const { run, person } = locked;
    // Read after the lock: the step as the previous decision on this run left it.
    const steps = await listStepsOfRun(tx, run.id);
    const position = steps.findIndex((candidate) => candidate.id === stepId);
    const step = steps[position];
    if (!step) throw new NotFoundError();
    if (!person) throw new ForbiddenError();
    if (step.kind !== 'approval' || step.status !== 'active' || run.status !== 'running') throw new ConflictError(t('workflows.errors.alreadyDecided'));
    if (formOfStep(run, step) !== (options.form ?? null)) throw new ConflictError(t('workflows.errors.decidedByForm'));
    const standingIn = await decidingFor(tx, ctx, person, step);
    const decidedFor = standingIn?.id ?? null;
    if (step.distinctFrom.length > 0) {
      const earlier = steps.filter((other) => step.distinctFrom.includes(other.stepKey) && other.status === 'approved');
      if (earlier.some((other) => other.decidedById === actor.id || other.decidedForId === actor.id || (decidedFor && other.decidedById === decidedFor))) {
        throw new ForbiddenError(t('workflows.errors.sameDecider'));
      }
    }
    const decided = await updateStep(tx, step.id, {
      status: DECISION_STATUS[decision],
      decision,
      comment: comment || null,
      decidedById: actor.id,
      decidedForId: decidedFor,
      decidedAt: ctx.now,
    });
    stepsLeftActive(tx, [step.id], ctx.now);
    // The name too: timelines read it as « X pour Y » without looking the person up.
    await audit(
      tx,
      ctx,
      run,
      `workflow.step_${DECISION_STATUS[decision]}`,
      { step: step.stepKey, label: step.label, round: step.round, comment: comment || undefined, decidedFor: decidedFor ?? undefined, decidedForName: standingIn?.displayName },
      { status: 'active' },
      { status: decided.status },
    );
    steps[position] = decided;
    const after = await closeStageIfDone(tx, ctx, run, steps);
    return { run: after, step: decided, decidedForName: standingIn?.displayName ?? null };
  });
}

// ── deadlines (run by the workflows queue) ────────────────────────────────────────────────
/**
 * The reminder engine's rule « workflow.step_overdue » is these timers: each person reached is
 * recorded as a sent occurrence (history, /admin/relances), in the same transaction.
 */
async function recordStepReminders(tx: Database, step: WorkflowStep, people: Person[], kind: 'reminder' | 'escalation', now: Date): Promise<void> {
  await recordSentByEngine(
    tx,
    people.map((person) => ({ offsetDays: kind === 'reminder' ? 1 : 0, stepId: step.id, occursOn: parisDayOf(now), userId: person.id, at: now, payload: { label: step.label, kind, link: `/validations/etapes/${step.id}` } })),
  );
}

function systemContext(db: Database, now: Date, run: WorkflowRun): ServiceContext {
  return { db, actor: null, now, baseUrl: snapshotOf(run).publicUrl };
}

/** Half-way reminder to the assignees. Idempotent: a reminded, decided or cancelled step is left alone. */
export async function remindStep(db: Database, stepId: string, now = new Date()): Promise<'reminded' | 'skipped'> {
  return db.transaction((tx) => inTransition(tx, async () => {
    const run = await lockRunOfStep(tx, stepId);
    const step = run && (await findStep(tx, stepId));
    if (!run || !step || run.status !== 'running' || step.status !== 'active' || step.remindedAt || step.kind !== 'approval') return 'skipped';
    if (step.escalatedAt) {
      // Past its deadline already (timers restored late): the escalation said it all; mark it handled.
      await updateStep(tx, step.id, { remindedAt: now });
      return 'skipped';
    }
    const people = await recipientsOf(tx, step, now);
    notifyPeople(tx, run, step, people, 'reminder');
    await updateStep(tx, step.id, { remindedAt: now });
    await recordStepReminders(tx, step, people, 'reminder', now);
    return 'reminded';
  }));
}

/** At the deadline: an approval is flagged overdue and escalated to the unit's managers; a dated wait ends. */
export async function stepDeadlineReached(db: Database, stepId: string, now = new Date()): Promise<'escalated' | 'released' | 'skipped'> {
  return db.transaction((tx) => inTransition(tx, async () => {
    const run = await lockRunOfStep(tx, stepId);
    const step = run && (await findStep(tx, stepId));
    if (!run || !step || run.status !== 'running' || step.status !== 'active') return 'skipped';
    const ctx = systemContext(tx, now, run);
    if (step.kind === 'wait') {
      await updateStep(tx, step.id, { status: 'done', decidedAt: now });
      stepsLeftActive(tx, [step.id], now);
      await audit(tx, ctx, run, 'workflow.wait_over', { step: step.stepKey });
      await closeStageIfDone(tx, ctx, run);
      return 'released';
    }
    if (step.escalatedAt) return 'skipped';
    let managers = await listPeopleWithRole(tx, 'manager', run.unitId);
    if (managers.length === 0) managers = await listPeopleWithRole(tx, 'admin', null);
    await updateStep(tx, step.id, { overdue: true, escalatedAt: now });
    notifyPeople(tx, run, step, managers, 'escalation');
    await recordStepReminders(tx, step, managers, 'escalation', now);
    await audit(tx, ctx, run, 'workflow.step_overdue', { step: step.stepKey, label: step.label, escalatedTo: managers.map((person) => person.id) });
    return 'escalated';
  }));
}

// ── built-in action handlers ──────────────────────────────────────────────────────────────
registerActionHandler('setSubjectStatus', async (tx, ctx, { run, params }) => {
  if (typeof params.status !== 'string') throw new Error('setSubjectStatus needs params.status');
  await emitStatus(tx, ctx, run, params.status);
});

registerActionHandler('notifySubmitter', async (tx, _ctx, { run, step }) => {
  if (!run.startedById) return;
  await insertNotifications(tx, [{ userId: run.startedById, kind: 'workflow.notice', title: `${step.label} — ${subjectLabel(run)}`, link: `/validations/circuits/${run.id}` }]);
});

/**
 * Sends an email (and an in-app notice) to the run's submitter or to the holders of a role
 * (optionally in the subject's unit). params: { to: 'submitter' | { role, unit?: 'subject' },
 * message?: string }. The email says what happened and links to the run; it never decides.
 */
registerActionHandler('sendEmail', async (tx, _ctx, { run, step, params }) => {
  const to = params.to;
  let people: Person[] = [];
  if (to === 'submitter') {
    const submitter = run.startedById ? await findActivePerson(tx, run.startedById) : undefined;
    people = submitter ? [submitter] : [];
  } else if (typeof to === 'object' && to !== null && typeof (to as { role?: unknown }).role === 'string') {
    const target = to as { role: Role; unit?: string };
    people = await listPeopleWithRole(tx, target.role, target.unit === 'subject' ? run.unitId : null);
  } else {
    throw new Error('sendEmail needs params.to: "submitter" or { role, unit? }');
  }
  if (people.length === 0) logger.warn({ runId: run.id, step: step.stepKey }, 'workflow email action has nobody to write to');
  const subject = subjectLabel(run);
  const link = `${snapshotOf(run).publicUrl}/validations/circuits/${run.id}`;
  const message = typeof params.message === 'string' ? params.message : '';
  const pending = pendingOf(tx);
  for (const person of people) {
    pending.emails.push({
      to: person.email,
      template: 'workflow_notice',
      data: { displayName: person.displayName, stepLabel: step.label, circuit: snapshotOf(run).name, subject, message, link },
      idempotencyKey: `workflow-step-${step.id}-notice-${person.id}`,
    });
    pending.notifications.push({ userId: person.id, kind: 'workflow.notice', title: `${step.label} — ${subject}`, link: `/validations/circuits/${run.id}` });
  }
});

registerActionHandler('startRun', async (tx, ctx, { run, params }) => {
  if (typeof params.definitionKey !== 'string') throw new Error('startRun needs params.definitionKey');
  await startRun(tx, ctx, { definitionKey: params.definitionKey, subject: { type: run.subjectType, id: run.subjectId, unitId: run.unitId, context: run.context } });
});

// ── reading ───────────────────────────────────────────────────────────────────────────────
export async function listRunsOfSubject(ctx: ServiceContext, subjectType: string, subjectId: string) {
  const runs = await listRunsForSubject(ctx.db, subjectType, subjectId);
  return Promise.all(runs.map(async (run) => ({ run, steps: await listStepHistory(ctx.db, run.id) })));
}

export async function getRunWithHistory(db: Database, runId: string) {
  if (!UUID.test(runId)) throw new NotFoundError();
  const run = await findRun(db, runId);
  if (!run) throw new NotFoundError();
  return { run, steps: await listStepHistory(db, run.id) };
}

// ── administration ────────────────────────────────────────────────────────────────────────
export async function cancelRun(ctx: ServiceContext, runId: string, reason: string): Promise<WorkflowRun> {
  const actor = requireActor(ctx);
  assertCan(actor, 'workflows.admin');
  if (!UUID.test(runId)) throw new NotFoundError();
  const trimmed = reason.trim().slice(0, 2000);
  if (trimmed === '') throw new ValidationError({ reason: t('workflows.errors.commentRequired') });
  return inTransaction(ctx, (tx) => inTransition(tx, async () => {
    const run = await lockRun(tx, runId);
    if (!run) throw new NotFoundError();
    if (run.status !== 'running' && run.status !== 'changes_requested') throw new ConflictError(t('workflows.errors.runClosed'));
    stepsLeftActive(tx, await cancelActiveSteps(tx, run.id, ctx.now), ctx.now);
    const cancelled = await updateRun(tx, run.id, { status: 'cancelled', finishedAt: ctx.now });
    await audit(tx, ctx, cancelled, 'workflow.run_cancelled', { reason: trimmed }, { status: run.status }, { status: 'cancelled' });
    await emitStatus(tx, ctx, cancelled, 'cancelled');
    return cancelled;
  }));
}

/** Gives an active approval step to one named person (who is then notified like any assignee). */
export async function reassignStep(ctx: ServiceContext, stepId: string, userId: string): Promise<WorkflowStep> {
  const actor = requireActor(ctx);
  assertCan(actor, 'workflows.admin');
  return inTransaction(ctx, (tx) => reassignStepInTransaction(tx, ctx, stepId, userId));
}

/**
 * The reassignment inside the caller's transaction, for a feature with its own rule about who
 * may hand a step over (an evaluator recused for a conflict of interest names their replacement).
 */
export async function reassignStepInTransaction(tx: Database, ctx: ServiceContext, stepId: string, userId: string): Promise<WorkflowStep> {
  if (!UUID.test(stepId)) throw new NotFoundError();
  if (!UUID.test(userId)) throw new ValidationError({ userId: t('workflows.errors.reassignTarget') });
  return inTransition(tx, async () => {
    const run = await lockRunOfStep(tx, stepId);
    const step = run && (await findStep(tx, stepId));
    if (!run || !step) throw new NotFoundError();
    if (step.kind !== 'approval' || step.status !== 'active' || run.status !== 'running') throw new ConflictError(t('workflows.errors.alreadyDecided'));
    const person = await findActivePerson(tx, userId);
    if (!person) throw new ValidationError({ userId: t('workflows.errors.reassignTarget') });
    const updated = await updateStep(tx, step.id, { assigneeUserId: person.id, assigneeRole: null, assigneeUnitId: null });
    // The step stays active but is no longer the role's: the notices sent so far are done, the new assignee gets one to do.
    stepsLeftActive(tx, [step.id], ctx.now);
    await audit(
      tx,
      ctx,
      run,
      'workflow.step_reassigned',
      { step: step.stepKey, label: step.label },
      { assigneeRole: step.assigneeRole, assigneeUnitId: step.assigneeUnitId, assigneeUserId: step.assigneeUserId },
      { assigneeRole: null, assigneeUnitId: null, assigneeUserId: person.id },
    );
    notifyPeople(tx, run, updated, [person], 'assignment');
    return updated;
  });
}

/**
 * Whether `actor` may decide `step` now (for showing the decision form), and for whom: null in
 * their own right, the delegator's name when they would stand in for them.
 */
export async function canDecideStep(db: Database, actor: Person, step: WorkflowStep, now: Date): Promise<{ canDecide: boolean; decidingForName: string | null }> {
  const no = { canDecide: false, decidingForName: null };
  if (step.kind !== 'approval' || step.status !== 'active') return no;
  try {
    const ctx: ServiceContext = { db, actor: null, now, baseUrl: '' };
    const standingIn = await decidingFor(db, ctx, actor, step);
    const yes = { canDecide: true, decidingForName: standingIn?.displayName ?? null };
    if (step.distinctFrom.length === 0) return yes;
    const earlier = (await listStepsOfRun(db, step.runId)).filter((other) => step.distinctFrom.includes(other.stepKey) && other.status === 'approved');
    const sameDecider = earlier.some((other) => other.decidedById === actor.id || other.decidedForId === actor.id || (standingIn && other.decidedById === standingIn.id));
    return sameDecider ? no : yes;
  } catch (error) {
    if (error instanceof ForbiddenError) return no;
    throw error;
  }
}
