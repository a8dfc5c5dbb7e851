// The innovation sourcing pipeline (docs/sourcing.md): challenges (« défis ») expressed by units,
// cases (« pistes ») linking a start-up of the directory to a challenge, their stage history (the
// funnel reads it), stage gates decided on the workflow engine (« Comité de sourcing ») with one
// scorecard per evaluator, and pilots (« expérimentations ») with success criteria and milestones.
import { sql } from 'drizzle-orm';
import { boolean, check, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, idColumn, updatedAt } from './columns';
import { conventions } from './conventions.schema';
import { organizations } from './organizations.schema';
import { tasks } from './exchanges.schema';
import { units, users } from './users.schema';
import { workflowRuns, workflowSteps } from './workflows.schema';

const inList = (values: readonly string[]) => sql.raw(values.map((value) => `'${value}'`).join(', '));

/** brouillon → ouvert → en_sourcing → clos (src/workflows/sourcing-transitions.ts). */
export const CHALLENGE_STATUSES = ['brouillon', 'ouvert', 'en_sourcing', 'clos'] as const;
export type ChallengeStatus = (typeof CHALLENGE_STATUSES)[number];

/** Why a challenge was closed. */
export const CHALLENGE_OUTCOMES = ['solution_deployee', 'sans_solution_retenue', 'besoin_abandonne', 'reporte'] as const;
export type ChallengeOutcome = (typeof CHALLENGE_OUTCOMES)[number];

/** The pipeline, in order, then the two side exits. */
export const CASE_PIPELINE_STAGES = ['reperee', 'qualifiee', 'rencontree', 'evaluee', 'experimentation', 'contractualisation', 'deployee'] as const;
export const CASE_STAGES = [...CASE_PIPELINE_STAGES, 'en_veille', 'abandonnee'] as const;
export type CaseStage = (typeof CASE_STAGES)[number];

export const CASE_SOURCES = ['salon', 'concours_ilab', 'incubateur', 'candidature_spontanee', 'recommandation', 'veille'] as const;
export type CaseSource = (typeof CASE_SOURCES)[number];

/** The stages a gate leads to: the card stays where it is until the sponsor says go. */
export const GATE_TARGETS = ['experimentation', 'contractualisation'] as const;
export type GateTarget = (typeof GATE_TARGETS)[number];

/** en_cours (evaluators, then sponsor) → go / no_go; complement while the owner adds information; annule. */
export const GATE_STATUSES = ['en_cours', 'complement', 'go', 'no_go', 'annule'] as const;
export type GateStatus = (typeof GATE_STATUSES)[number];

export const PILOT_STATUSES = ['en_preparation', 'en_cours', 'clos'] as const;
export type PilotStatus = (typeof PILOT_STATUSES)[number];

/** The closing decision of a pilot. « prolonger » keeps it running, once, with a new end date. */
export const PILOT_DECISIONS = ['deployer', 'prolonger', 'iterer', 'arreter'] as const;
export type PilotDecision = (typeof PILOT_DECISIONS)[number];

/** One criterion of a challenge's scorecard grid (copied from the default grid at creation). */
export interface ScorecardCriterion {
  key: string;
  label: string;
  /** 0 leaves the criterion out of the grid; 1–5 otherwise. */
  weight: number;
}

/** One evaluator's score on one criterion (1–5) with their comment. */
export interface CriterionScore {
  key: string;
  label: string;
  weight: number;
  score: number;
  comment: string;
}

export const sourcingChallenges = pgTable(
  'sourcing_challenges',
  {
    id: idColumn(),
    title: text('title').notNull(),
    problemStatement: text('problem_statement').notNull(),
    expectedBenefits: text('expected_benefits'),
    /** The chargé d'innovation who runs it. */
    ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'set null' }),
    /** The manager who decides its gates (go / no-go). */
    sponsorId: uuid('sponsor_id').references(() => users.id, { onDelete: 'set null' }),
    budgetMinCents: integer('budget_min_cents'),
    budgetMaxCents: integer('budget_max_cents'),
    /** Time frame: by when a solution is wanted. */
    startsOn: date('starts_on', { mode: 'string' }),
    endsOn: date('ends_on', { mode: 'string' }),
    criteria: jsonb('criteria').$type<ScorecardCriterion[]>().notNull(),
    /** The committee circuit its gates start (a key of SOURCING_CIRCUIT_KEYS); null: the default. */
    circuitKey: text('circuit_key'),
    status: text('status').$type<ChallengeStatus>().notNull().default('brouillon'),
    outcome: text('outcome').$type<ChallengeOutcome>(),
    outcomeNote: text('outcome_note'),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    updatedById: uuid('updated_by_id').references(() => users.id, { onDelete: 'set null' }),
    sourceRef: text('source_ref'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('sourcing_challenges_source_ref_key').on(table.sourceRef),
    index('sourcing_challenges_status_idx').on(table.status, table.createdAt),
    check('sourcing_challenges_status_check', sql`${table.status} in (${inList(CHALLENGE_STATUSES)})`),
    check('sourcing_challenges_outcome_check', sql`${table.outcome} is null or ${table.outcome} in (${inList(CHALLENGE_OUTCOMES)})`),
    check('sourcing_challenges_budget_check', sql`${table.budgetMinCents} is null or ${table.budgetMaxCents} is null or ${table.budgetMaxCents} >= ${table.budgetMinCents}`),
    check('sourcing_challenges_period_check', sql`${table.startsOn} is null or ${table.endsOn} is null or ${table.endsOn} >= ${table.startsOn}`),
  ],
);

/** The units that expressed a challenge (the first is its main unit). */
export const sourcingChallengeUnits = pgTable(
  'sourcing_challenge_units',
  {
    challengeId: uuid('challenge_id')
      .notNull()
      .references(() => sourcingChallenges.id, { onDelete: 'cascade' }),
    unitId: uuid('unit_id')
      .notNull()
      .references(() => units.id, { onDelete: 'cascade' }),
    position: integer('position').notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.challengeId, table.unitId] }), index('sourcing_challenge_units_unit_idx').on(table.unitId)],
);

/**
 * A case (« piste »): a start-up of the directory for a challenge, or alone (spontaneous
 * sourcing, challengeId null). `stage` moves only through moveCaseStage (the transition table);
 * `stageEnteredAt` copies the open row of sourcing_case_stages so the kanban reads one table.
 */
export const sourcingCases = pgTable(
  'sourcing_cases',
  {
    id: idColumn(),
    challengeId: uuid('challenge_id').references(() => sourcingChallenges.id, { onDelete: 'set null' }),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    /** The unit that runs the case (the challenge's main unit by default): permissions and filters. */
    unitId: uuid('unit_id').references(() => units.id, { onDelete: 'set null' }),
    ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'set null' }),
    source: text('source').$type<CaseSource>().notNull(),
    summary: text('summary'),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    estimatedBudgetCents: integer('estimated_budget_cents'),
    nextStep: text('next_step'),
    nextStepOn: date('next_step_on', { mode: 'string' }),
    stage: text('stage').$type<CaseStage>().notNull().default('reperee'),
    stageEnteredAt: timestamp('stage_entered_at', { withTimezone: true }).notNull(),
    /** Why it is « en veille » or « abandonnée » (required there). */
    stageReason: text('stage_reason'),
    /** Visible only to its unit, owner, evaluators and admins. */
    confidential: boolean('confidential').notNull().default(false),
    /** The convention draft created at « contractualisation ». */
    conventionId: uuid('convention_id').references(() => conventions.id, { onDelete: 'set null' }),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    updatedById: uuid('updated_by_id').references(() => users.id, { onDelete: 'set null' }),
    sourceRef: text('source_ref'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('sourcing_cases_source_ref_key').on(table.sourceRef),
    // A start-up is one case per challenge (spontaneous cases: one open per start-up is the service's rule).
    uniqueIndex('sourcing_cases_challenge_org_key').on(table.challengeId, table.organizationId).where(sql`${table.challengeId} is not null`),
    index('sourcing_cases_stage_idx').on(table.stage, table.stageEnteredAt),
    index('sourcing_cases_challenge_stage_idx').on(table.challengeId, table.stage),
    index('sourcing_cases_org_idx').on(table.organizationId),
    index('sourcing_cases_owner_idx').on(table.ownerId),
    index('sourcing_cases_unit_idx').on(table.unitId),
    check('sourcing_cases_stage_check', sql`${table.stage} in (${inList(CASE_STAGES)})`),
    check('sourcing_cases_source_check', sql`${table.source} in (${inList(CASE_SOURCES)})`),
    check('sourcing_cases_budget_check', sql`${table.estimatedBudgetCents} is null or ${table.estimatedBudgetCents} >= 0`),
  ],
);

/**
 * Every stage a case entered, with when it left it: the funnel (entries per stage, conversion,
 * median time in stage) reads only this table. The open row (leftAt null) is the current stage.
 */
export const sourcingCaseStages = pgTable(
  'sourcing_case_stages',
  {
    id: idColumn(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => sourcingCases.id, { onDelete: 'cascade' }),
    stage: text('stage').$type<CaseStage>().notNull(),
    fromStage: text('from_stage').$type<CaseStage>(),
    enteredAt: timestamp('entered_at', { withTimezone: true }).notNull(),
    leftAt: timestamp('left_at', { withTimezone: true }),
    movedById: uuid('moved_by_id').references(() => users.id, { onDelete: 'set null' }),
    /** 'person', 'gate', 'pilot', 'import'… (the transition table's mover). */
    movedBy: text('moved_by').notNull(),
    reason: text('reason'),
  },
  (table) => [
    index('sourcing_case_stages_case_idx').on(table.caseId, table.enteredAt),
    index('sourcing_case_stages_entered_idx').on(table.enteredAt, table.stage),
    uniqueIndex('sourcing_case_stages_open_key').on(table.caseId).where(sql`${table.leftAt} is null`),
    check('sourcing_case_stages_stage_check', sql`${table.stage} in (${inList(CASE_STAGES)})`),
  ],
);

/**
 * A stage gate: the « Comité de sourcing » run that decides whether a case enters
 * `targetStage`. Evaluators score in parallel (one scorecard each), then the sponsor decides.
 */
export const sourcingGates = pgTable(
  'sourcing_gates',
  {
    id: idColumn(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => sourcingCases.id, { onDelete: 'cascade' }),
    runId: uuid('run_id').references(() => workflowRuns.id, { onDelete: 'set null' }),
    targetStage: text('target_stage').$type<GateTarget>().notNull(),
    /** The stage the case was in when the gate started (where a no-go leaves it). */
    fromStage: text('from_stage').$type<CaseStage>().notNull(),
    status: text('status').$type<GateStatus>().notNull().default('en_cours'),
    evaluatorIds: uuid('evaluator_ids').array().notNull(),
    sponsorId: uuid('sponsor_id').references(() => users.id, { onDelete: 'set null' }),
    /** The criteria grid as it was when the gate started (the challenge's, or the default). */
    criteria: jsonb('criteria').$type<ScorecardCriterion[]>().notNull(),
    /** What the committee is given to read (links, file names), written by the owner. */
    documentsSeen: text('documents_seen'),
    /** The sponsor's written rationale (go, no-go, complément). */
    rationale: text('rationale'),
    decidedById: uuid('decided_by_id').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    /** Aggregate copied at the decision (the decision log reads it as the committee saw it). */
    weightedMean: integer('weighted_mean_x100'),
    startedById: uuid('started_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index('sourcing_gates_case_idx').on(table.caseId, table.createdAt),
    uniqueIndex('sourcing_gates_run_key').on(table.runId),
    uniqueIndex('sourcing_gates_open_case_key').on(table.caseId).where(sql`${table.status} in ('en_cours', 'complement')`),
    index('sourcing_gates_decided_idx').on(table.decidedAt),
    check('sourcing_gates_target_check', sql`${table.targetStage} in (${inList(GATE_TARGETS)})`),
    check('sourcing_gates_status_check', sql`${table.status} in (${inList(GATE_STATUSES)})`),
  ],
);

/**
 * One evaluator's scorecard for one gate (their workflow step). Hidden from everyone until every
 * evaluator of the gate has submitted. A declared conflict of interest recuses the evaluator: the
 * row keeps the declaration, the step goes to the replacement (who gets a scorecard of their own).
 */
export const sourcingScorecards = pgTable(
  'sourcing_scorecards',
  {
    id: idColumn(),
    gateId: uuid('gate_id')
      .notNull()
      .references(() => sourcingGates.id, { onDelete: 'cascade' }),
    stepId: uuid('step_id').references(() => workflowSteps.id, { onDelete: 'set null' }),
    evaluatorId: uuid('evaluator_id').references(() => users.id, { onDelete: 'set null' }),
    scores: jsonb('scores').$type<CriterionScore[]>().notNull().default([]),
    overallComment: text('overall_comment'),
    conflictDeclared: boolean('conflict_declared').notNull().default(false),
    conflictNote: text('conflict_note'),
    replacedById: uuid('replaced_by_id').references(() => users.id, { onDelete: 'set null' }),
    /** Weighted mean × 100 (integer): the aggregate reads it without re-parsing the scores. */
    weightedMean: integer('weighted_mean_x100'),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [
    index('sourcing_scorecards_gate_idx').on(table.gateId),
    uniqueIndex('sourcing_scorecards_gate_evaluator_key').on(table.gateId, table.evaluatorId),
  ],
);

/** A pilot (« expérimentation ») of a case. `iteration` counts pilots of the same case (« itérer »). */
export const sourcingPilots = pgTable(
  'sourcing_pilots',
  {
    id: idColumn(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => sourcingCases.id, { onDelete: 'cascade' }),
    iteration: integer('iteration').notNull().default(1),
    status: text('status').$type<PilotStatus>().notNull().default('en_preparation'),
    startsOn: date('starts_on', { mode: 'string' }),
    endsOn: date('ends_on', { mode: 'string' }),
    /** The end date before the one allowed extension. */
    originalEndsOn: date('original_ends_on', { mode: 'string' }),
    extensionReason: text('extension_reason'),
    extendedAt: timestamp('extended_at', { withTimezone: true }),
    decisionOwnerId: uuid('decision_owner_id').references(() => users.id, { onDelete: 'set null' }),
    unitIds: uuid('unit_ids').array().notNull().default(sql`'{}'::uuid[]`),
    learnersCount: integer('learners_count'),
    staffCount: integer('staff_count'),
    budgetCents: integer('budget_cents'),
    decision: text('decision').$type<PilotDecision>(),
    decisionRationale: text('decision_rationale'),
    decidedById: uuid('decided_by_id').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    sourceRef: text('source_ref'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('sourcing_pilots_source_ref_key').on(table.sourceRef),
    uniqueIndex('sourcing_pilots_case_iteration_key').on(table.caseId, table.iteration),
    // One pilot not closed per case.
    uniqueIndex('sourcing_pilots_open_case_key').on(table.caseId).where(sql`${table.status} <> 'clos'`),
    index('sourcing_pilots_ends_idx').on(table.endsOn).where(sql`${table.status} <> 'clos'`),
    check('sourcing_pilots_status_check', sql`${table.status} in (${inList(PILOT_STATUSES)})`),
    check('sourcing_pilots_decision_check', sql`${table.decision} is null or ${table.decision} in (${inList(PILOT_DECISIONS)})`),
    check('sourcing_pilots_period_check', sql`${table.startsOn} is null or ${table.endsOn} is null or ${table.endsOn} >= ${table.startsOn}`),
    check('sourcing_pilots_counts_check', sql`coalesce(${table.learnersCount}, 0) >= 0 and coalesce(${table.staffCount}, 0) >= 0 and coalesce(${table.budgetCents}, 0) >= 0`),
  ],
);

/** A success criterion, written before the pilot starts; its result is recorded at the closing decision. */
export const sourcingPilotCriteria = pgTable(
  'sourcing_pilot_criteria',
  {
    id: idColumn(),
    pilotId: uuid('pilot_id')
      .notNull()
      .references(() => sourcingPilots.id, { onDelete: 'cascade' }),
    position: integer('position').notNull().default(0),
    label: text('label').notNull(),
    /** How it is measured (« taux de complétion du parcours »). */
    measure: text('measure').notNull(),
    target: text('target').notNull(),
    result: text('result'),
    met: boolean('met'),
  },
  (table) => [index('sourcing_pilot_criteria_pilot_idx').on(table.pilotId, table.position)],
);

/** A milestone with its check date; the check is a task (tasks.id) assigned to the pilot's decision owner. */
export const sourcingPilotMilestones = pgTable(
  'sourcing_pilot_milestones',
  {
    id: idColumn(),
    pilotId: uuid('pilot_id')
      .notNull()
      .references(() => sourcingPilots.id, { onDelete: 'cascade' }),
    label: text('label').notNull(),
    checkOn: date('check_on', { mode: 'string' }).notNull(),
    taskId: uuid('task_id').references(() => tasks.id, { onDelete: 'set null' }),
  },
  (table) => [index('sourcing_pilot_milestones_pilot_idx').on(table.pilotId, table.checkOn)],
);

export type SourcingChallenge = typeof sourcingChallenges.$inferSelect;
export type NewSourcingChallenge = typeof sourcingChallenges.$inferInsert;
export type SourcingCase = typeof sourcingCases.$inferSelect;
export type NewSourcingCase = typeof sourcingCases.$inferInsert;
export type SourcingCaseStage = typeof sourcingCaseStages.$inferSelect;
export type SourcingGate = typeof sourcingGates.$inferSelect;
export type SourcingScorecard = typeof sourcingScorecards.$inferSelect;
export type SourcingPilot = typeof sourcingPilots.$inferSelect;
export type SourcingPilotCriterion = typeof sourcingPilotCriteria.$inferSelect;
export type SourcingPilotMilestone = typeof sourcingPilotMilestones.$inferSelect;
