// Reminder rules (issue 13, /admin/relances): offsets, mandatory, on/off, and the 30-day preview.
import { Router } from 'express';

export function adminRemindersRouter(): Router {
  const router = Router();
  return router;
}
