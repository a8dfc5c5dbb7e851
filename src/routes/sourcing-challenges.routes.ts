// Challenges (« défis », /sourcing/defis): list, form, page with cases by stage, exchanges and decisions.
import { Router } from 'express';
import { requireLogin } from '../web/auth-middleware';

export function sourcingChallengesRouter(): Router {
  const router = Router();
  router.use(requireLogin);
  return router;
}
