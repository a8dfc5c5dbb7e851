// The shape of a circuit definition. Definitions live in code (one file per circuit, with a
// version number bumped at every change) and are copied into each run when it starts.
import type { Role } from '../../models/schema';

/** A stage runs only when its condition holds; otherwise its steps are recorded as skipped. */
export type StageCondition =
  /** context[field] (a number) is strictly above the run's setting (copied at start). */
  | { kind: 'contextAbove'; field: string; setting: string }
  /** The outcome of the last decided approval stage (branching). */
  | { kind: 'previousOutcome'; outcome: 'approved' | 'rejected' };

export type Due = { workingDays: number } | { ms: number };

export interface ApprovalStepDefinition {
  kind: 'approval';
  key: string;
  label: string;
  /**
   * A role, optionally restricted to the subject's unit; or one named user; or people named by
   * the run's context when it starts: `contextUser` (one id, e.g. the challenge's sponsor) or
   * `contextUsers` (an array of ids: one step each, all in this stage's parallel group, keyed
   * `<key>#1`, `<key>#2`… — e.g. the evaluators a chargé chose).
   */
  assignee: { role: Role; unit?: 'subject' } | { userId: string } | { contextUser: string } | { contextUsers: string };
  due: Due;
  /**
   * Decided through a feature's own form (registerStepForm in workflows.service), not the
   * generic approve / reject buttons: « Mes validations » links to that form, and decideStep
   * refuses the step unless the feature decides it (decideStepInTransaction … { form }).
   */
  form?: string;
  /** Keys of earlier approval steps whose decider may not decide this one. */
  distinctFrom?: string[];
}

export interface ActionStepDefinition {
  kind: 'action';
  key: string;
  label: string;
  /** Name of a handler registered in code (registerActionHandler). */
  handler: string;
  params?: Record<string, unknown>;
}

export interface WaitStepDefinition {
  kind: 'wait';
  key: string;
  label: string;
  /** A date read from the run's context (ISO string), or a named event (signalWorkflowEvent). */
  until: { contextDate: string } | { event: string };
}

export type StepDefinition = ApprovalStepDefinition | ActionStepDefinition | WaitStepDefinition;

/** Steps of one stage run at the same time (a parallel group); all must approve. */
export interface StageDefinition {
  key: string;
  label: string;
  when?: StageCondition;
  steps: StepDefinition[];
}

export interface WorkflowDefinition {
  key: string;
  version: number;
  name: string;
  /** Numbers conditions refer to (thresholds); resolved and copied into the run at start. */
  settings: Record<string, number>;
  stages: StageDefinition[];
}
