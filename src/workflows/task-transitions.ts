// The tasks' status transitions (issue 12). Enforced by moveTaskStatus in
// src/services/tasks.service.ts, which every path that changes a task's status goes through
// (« Fait » inline or on the task page, « Rouvrir », « Annuler la tâche »).
import { ROLES, type Role, type TaskStatus } from '../models/schema';
import type { TransitionTable } from './transitions';

/**
 * Only people move tasks (issue 13's reminders will not change a status): editors of tasks
 * ('person'), and the task's assignee whatever their role ('assignee': a juriste asked to review
 * a clause marks it done, though she creates no tasks).
 */
export type TaskMover = 'person' | 'assignee';

const EDITORS: readonly Role[] = ['admin', 'manager', 'charge'];
const ANY_ROLE: readonly Role[] = ROLES;

/** The action (journal and French label) of each move, by target status and origin. */
export type TaskMoveAction = 'task.completed' | 'task.cancelled' | 'task.reopened';

export const TASK_TRANSITIONS: TransitionTable<TaskStatus, TaskMover, Role> = [
  // « Fait »: done_at / done_by set with the status (the table's check keeps them together).
  { from: ['a_faire'], to: 'faite', by: 'person', roles: EDITORS, ownUnitOnly: true },
  // « Annuler la tâche »: no longer needed.
  { from: ['a_faire'], to: 'annulee', by: 'person', roles: EDITORS, ownUnitOnly: true },
  // « Rouvrir »: done too soon, or cancelled by mistake (done_at / done_by cleared).
  { from: ['faite', 'annulee'], to: 'a_faire', by: 'person', roles: EDITORS, ownUnitOnly: true },
  // The assignee completes their own task, or reopens it when done too soon; cancelling stays with editors.
  { from: ['a_faire'], to: 'faite', by: 'assignee', roles: ANY_ROLE },
  { from: ['faite'], to: 'a_faire', by: 'assignee', roles: ANY_ROLE },
];

/** The journal action of a move to `to`. */
export function taskMoveAction(to: TaskStatus): TaskMoveAction {
  if (to === 'faite') return 'task.completed';
  if (to === 'annulee') return 'task.cancelled';
  return 'task.reopened';
}
