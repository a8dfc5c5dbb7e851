import { Router } from 'express';

// Owner: helper A — log, read, edit, delete one exchange (issue 12). Filled in by that work.
export function exchangesRouter(): Router {
  return Router();
}
