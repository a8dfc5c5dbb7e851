// The history (one timeline) of a case and of a challenge (/sourcing/historique/pistes/:id,
// /sourcing/historique/defis/:id): a full page without JavaScript, the fragment with htmx (the
// case and challenge pages load it in place). Rules in timeline.service: a case only to whoever
// reads it (404 otherwise), a challenge's confidential cases only to whoever reads them.
import { Router } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { timelineHandler } from './timeline-response';

export function sourcingTimelineRouter(): Router {
  const router = Router();
  router.use(requireLogin);
  router.get('/pistes/:id', timelineHandler('sourcing_case'));
  router.get('/defis/:id', timelineHandler('sourcing_challenge'));
  return router;
}
