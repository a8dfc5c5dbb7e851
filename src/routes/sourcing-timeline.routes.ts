// The history (one timeline) of a case and of a challenge (/sourcing/historique/pistes/:id,
// /sourcing/historique/defis/:id): a full page without JavaScript, the fragment with htmx (the
// case and challenge pages load it in place).
import { Router } from 'express';
import { requireLogin } from '../web/auth-middleware';

export function sourcingTimelineRouter(): Router {
  const router = Router();
  router.use(requireLogin);
  return router;
}
