// In-app notifications (issue 13, /notifications): the bell's count, the list, mark read.
import { Router } from 'express';

export function notificationsRouter(): Router {
  const router = Router();
  return router;
}
