import { Router } from 'express';

// Owner: helper D — « Mes tâches » and every task action (issue 12). Filled in by that work.
export function tasksRouter(): Router {
  return Router();
}
