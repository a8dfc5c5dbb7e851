import { Router } from 'express';

// Owner: helper C — the list /echanges, exports, retention review (issue 12). Filled in by that work.
export function exchangeListRouter(): Router {
  return Router();
}
