// The kanban (/sourcing) and the cases (« pistes », /sourcing/pistes): create, edit, move (htmx or « Déplacer vers »).
import { Router } from 'express';
import { requireLogin } from '../web/auth-middleware';

export function sourcingCasesRouter(): Router {
  const router = Router();
  router.use(requireLogin);
  return router;
}
