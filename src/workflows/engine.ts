// The pure part of the workflow engine: which stage comes next, what a stage's steps add up
// to, when a step is due. No database here, so every rule is unit-tested on its own
// (tests/unit/workflow-engine.test.ts); src/services/workflows.service.ts applies the results.
import { addWorkingDays } from '../lib/working-days';
import { ROLES } from '../models/schema/users.schema';
import type { Due, StageCondition, StageDefinition, WorkflowDefinition } from './definitions/types';

export type StageOutcome = 'approved' | 'rejected';

export function validateDefinition(definition: WorkflowDefinition): void {
  const problems: string[] = [];
  if (definition.stages.length === 0) problems.push('no stage');
  const keys = new Set<string>();
  for (const stage of definition.stages) {
    if (stage.steps.length === 0) problems.push(`stage ${stage.key} has no step`);
    for (const step of stage.steps) {
      if (keys.has(step.key)) problems.push(`step key ${step.key} is used twice`);
      keys.add(step.key);
      if (step.kind === 'approval') {
        if ('role' in step.assignee && !ROLES.includes(step.assignee.role)) problems.push(`step ${step.key}: unknown role`);
        for (const other of step.distinctFrom ?? []) if (!keys.has(other)) problems.push(`step ${step.key}: distinctFrom ${other} is not an earlier step`);
      }
    }
    if (stage.when?.kind === 'contextAbove' && !(stage.when.setting in definition.settings)) {
      problems.push(`stage ${stage.key}: unknown setting ${stage.when.setting}`);
    }
  }
  if (problems.length > 0) throw new Error(`workflow definition ${definition.key}: ${problems.join('; ')}`);
}

export function conditionHolds(
  condition: StageCondition | undefined,
  facts: { context: Record<string, unknown>; settings: Record<string, number>; previousOutcome: StageOutcome | null },
): boolean {
  if (!condition) return facts.previousOutcome !== 'rejected';
  if (condition.kind === 'previousOutcome') return facts.previousOutcome === condition.outcome;
  if (facts.previousOutcome === 'rejected') return false;
  const value = Number(facts.context[condition.field]);
  const threshold = facts.settings[condition.setting];
  return Number.isFinite(value) && threshold !== undefined && value > threshold;
}

/**
 * The stage to activate after `fromIndex` (-1 at start), and the stages skipped on the way.
 * After a rejection only stages that branch on it (`previousOutcome: rejected`) may run;
 * `index: null` means the run is over.
 */
export function nextStage(
  definition: WorkflowDefinition,
  fromIndex: number,
  previousOutcome: StageOutcome | null,
  context: Record<string, unknown>,
): { index: number | null; skipped: number[] } {
  const skipped: number[] = [];
  for (let index = fromIndex + 1; index < definition.stages.length; index += 1) {
    const stage = definition.stages[index] as StageDefinition;
    if (conditionHolds(stage.when, { context, settings: definition.settings, previousOutcome })) return { index, skipped };
    skipped.push(index);
  }
  return { index: null, skipped };
}

export interface StepState {
  kind: 'approval' | 'action' | 'wait';
  status: string;
}

/**
 * What a stage's steps add up to: `open` while one is still active; otherwise the decision
 * that closes it. One rejection or change request closes the stage at once.
 */
export function stageState(steps: StepState[]): 'open' | 'approved' | 'rejected' | 'changes_requested' | 'done' {
  if (steps.some((step) => step.status === 'rejected')) return 'rejected';
  if (steps.some((step) => step.status === 'changes_requested')) return 'changes_requested';
  if (steps.some((step) => step.status === 'active' || step.status === 'pending')) return 'open';
  return steps.some((step) => step.kind === 'approval') ? 'approved' : 'done';
}

/** A run that reaches its end: approved or rejected after its last approval stage, completed without one. */
export function finalRunStatus(lastOutcome: StageOutcome | null): 'approved' | 'rejected' | 'completed' {
  return lastOutcome ?? 'completed';
}

export function dueDate(activatedAt: Date, due: Due): Date {
  return 'ms' in due ? new Date(activatedAt.getTime() + due.ms) : addWorkingDays(activatedAt, due.workingDays);
}

/** Reminder at half the delay. */
export function reminderDate(activatedAt: Date, dueAt: Date): Date {
  return new Date(activatedAt.getTime() + Math.floor((dueAt.getTime() - activatedAt.getTime()) / 2));
}

export const DECISION_STATUS = { approve: 'approved', reject: 'rejected', request_changes: 'changes_requested' } as const;

/** Reject and request changes need a reason the submitter can act on. */
export function commentRequired(decision: keyof typeof DECISION_STATUS): boolean {
  return decision !== 'approve';
}
