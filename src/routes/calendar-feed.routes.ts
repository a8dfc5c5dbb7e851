// The personal iCal feed (issue 13, /agenda/:token.ics): a secret URL, no session; mounted before CSRF and the agenda pages.
import { Router } from 'express';

export function calendarFeedRouter(): Router {
  const router = Router();
  return router;
}
