// Pilots (« expérimentations », /sourcing/pilotes): list, the pilot's form, milestones, closing decision.
import { Router } from 'express';
import { requireLogin } from '../web/auth-middleware';

export function sourcingPilotsRouter(): Router {
  const router = Router();
  router.use(requireLogin);
  return router;
}
