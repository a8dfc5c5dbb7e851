// The funnel (/sourcing/statistiques): charts with their data tables, CSV/XLSX export.
import { Router } from 'express';
import { requireLogin } from '../web/auth-middleware';

export function sourcingStatsRouter(): Router {
  const router = Router();
  router.use(requireLogin);
  return router;
}
