// Stage gates (/sourcing/comites): start a committee, scorecards, the sponsor's decision, the decision log exports.
import { Router } from 'express';
import { requireLogin } from '../web/auth-middleware';

export function sourcingGatesRouter(): Router {
  const router = Router();
  router.use(requireLogin);
  return router;
}
