import { Router } from 'express';

// Owner: helper B — the one-form start-up meeting /echanges/rencontre-startup (issue 12). Filled in by that work.
export function startupMeetingRouter(): Router {
  return Router();
}
