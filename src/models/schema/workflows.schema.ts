import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, idColumn, updatedAt } from './columns';
import { units, users } from './users.schema';

export const WORKFLOW_RUN_STATUSES = ['running', 'changes_requested', 'approved', 'rejected', 'cancelled', 'completed'] as const;
export type WorkflowRunStatus = (typeof WORKFLOW_RUN_STATUSES)[number];

/** `done` is for action and wait steps (they have no decision). */
export const WORKFLOW_STEP_STATUSES = ['pending', 'active', 'approved', 'rejected', 'changes_requested', 'skipped', 'cancelled', 'done'] as const;
export type WorkflowStepStatus = (typeof WORKFLOW_STEP_STATUSES)[number];

export const WORKFLOW_STEP_KINDS = ['approval', 'action', 'wait'] as const;
export type WorkflowStepKind = (typeof WORKFLOW_STEP_KINDS)[number];

export const WORKFLOW_DECISIONS = ['approve', 'reject', 'request_changes'] as const;
export type WorkflowDecision = (typeof WORKFLOW_DECISIONS)[number];

/**
 * One run of a circuit on one subject (a convention, a sourcing case…). The definition is
 * copied at start (DESIGN.md §5.6): editing a circuit in code never changes a run under way.
 */
export const workflowRuns = pgTable(
  'workflow_runs',
  {
    id: idColumn(),
    definitionKey: text('definition_key').notNull(),
    definitionVersion: integer('definition_version').notNull(),
    definition: jsonb('definition').$type<Record<string, unknown>>().notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    unitId: uuid('unit_id').references(() => units.id, { onDelete: 'set null' }),
    context: jsonb('context').$type<Record<string, unknown>>().notNull().default({}),
    status: text('status').$type<WorkflowRunStatus>().notNull().default('running'),
    /** Index of the stage in progress (or where changes were requested) in the snapshot. */
    currentStage: integer('current_stage').notNull().default(0),
    /** 1, then +1 at each resubmission after "changes requested". */
    round: integer('round').notNull().default(1),
    startedById: uuid('started_by_id').references(() => users.id, { onDelete: 'set null' }),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index('workflow_runs_subject_idx').on(table.subjectType, table.subjectId),
    index('workflow_runs_status_idx').on(table.status, table.definitionKey),
    index('workflow_runs_unit_idx').on(table.unitId),
    // One open run of a circuit per subject: a double submission cannot start two.
    uniqueIndex('workflow_runs_open_subject_key')
      .on(table.subjectType, table.subjectId, table.definitionKey)
      .where(sql`${table.status} in ('running', 'changes_requested')`),
    check(
      'workflow_runs_status_check',
      sql`${table.status} in ('running', 'changes_requested', 'approved', 'rejected', 'cancelled', 'completed')`,
    ),
  ],
);

export const workflowSteps = pgTable(
  'workflow_steps',
  {
    id: idColumn(),
    runId: uuid('run_id')
      .notNull()
      .references(() => workflowRuns.id, { onDelete: 'cascade' }),
    stageIndex: integer('stage_index').notNull(),
    stepKey: text('step_key').notNull(),
    label: text('label').notNull(),
    kind: text('kind').$type<WorkflowStepKind>().notNull(),
    /** The stage key: steps of one group run at the same time and all must approve. */
    parallelGroup: text('parallel_group').notNull(),
    round: integer('round').notNull().default(1),
    assigneeRole: text('assignee_role'),
    assigneeUnitId: uuid('assignee_unit_id').references(() => units.id, { onDelete: 'set null' }),
    assigneeUserId: uuid('assignee_user_id').references(() => users.id, { onDelete: 'set null' }),
    /** Keys of earlier steps of the run whose decider may not decide this one (two different managers). */
    distinctFrom: text('distinct_from').array().notNull().default(sql`'{}'::text[]`),
    status: text('status').$type<WorkflowStepStatus>().notNull().default('pending'),
    activatedAt: timestamp('activated_at', { withTimezone: true }),
    remindAt: timestamp('remind_at', { withTimezone: true }),
    dueAt: timestamp('due_at', { withTimezone: true }),
    decision: text('decision').$type<WorkflowDecision>(),
    comment: text('comment'),
    decidedById: uuid('decided_by_id').references(() => users.id, { onDelete: 'set null' }),
    /** Set when a delegate decided: the person they stood in for. */
    decidedForId: uuid('decided_for_id').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    remindedAt: timestamp('reminded_at', { withTimezone: true }),
    escalatedAt: timestamp('escalated_at', { withTimezone: true }),
    overdue: boolean('overdue').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index('workflow_steps_run_idx').on(table.runId, table.stageIndex),
    index('workflow_steps_active_idx').on(table.assigneeRole, table.dueAt).where(sql`${table.status} = 'active'`),
    index('workflow_steps_active_user_idx').on(table.assigneeUserId).where(sql`${table.status} = 'active'`),
    check(
      'workflow_steps_status_check',
      sql`${table.status} in ('pending', 'active', 'approved', 'rejected', 'changes_requested', 'skipped', 'cancelled', 'done')`,
    ),
    check('workflow_steps_kind_check', sql`${table.kind} in ('approval', 'action', 'wait')`),
    check('workflow_steps_decision_check', sql`${table.decision} is null or ${table.decision} in ('approve', 'reject', 'request_changes')`),
  ],
);

/** "While I am away, X decides my approvals for this role." */
export const workflowDelegations = pgTable(
  'workflow_delegations',
  {
    id: idColumn(),
    fromUserId: uuid('from_user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    toUserId: uuid('to_user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [
    index('workflow_delegations_to_idx').on(table.toUserId, table.endsAt),
    index('workflow_delegations_from_idx').on(table.fromUserId, table.endsAt),
    check('workflow_delegations_period_check', sql`${table.endsAt} > ${table.startsAt}`),
    check('workflow_delegations_distinct_check', sql`${table.fromUserId} <> ${table.toUserId}`),
  ],
);

/** In-app notifications: the header's bell and /notifications (workflow notices and reminders). */
export const notifications = pgTable(
  'notifications',
  {
    id: idColumn(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    link: text('link'),
    /** The workflow step the notice asks to decide: once the step is decided (by anyone), `doneAt` is set. */
    stepId: uuid('step_id').references(() => workflowSteps.id, { onDelete: 'set null' }),
    readAt: timestamp('read_at', { withTimezone: true }),
    doneAt: timestamp('done_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [
    index('notifications_user_idx').on(table.userId, table.createdAt),
    index('notifications_unread_idx').on(table.userId).where(sql`${table.readAt} is null`),
    index('notifications_step_idx').on(table.stepId).where(sql`${table.doneAt} is null`),
  ],
);

export type WorkflowRun = typeof workflowRuns.$inferSelect;
export type NewWorkflowRun = typeof workflowRuns.$inferInsert;
export type WorkflowStep = typeof workflowSteps.$inferSelect;
export type NewWorkflowStep = typeof workflowSteps.$inferInsert;
export type WorkflowDelegation = typeof workflowDelegations.$inferSelect;
export type Notification = typeof notifications.$inferSelect;
