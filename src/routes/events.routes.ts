// Reciprocity events (issue 13, /evenements): list, detail, form, cancellation, attendance, exports.
import { Router } from 'express';

export function eventsRouter(): Router {
  const router = Router();
  return router;
}
