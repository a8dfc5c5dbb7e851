import { Router } from 'express';
import { deps } from '../web/http';
import { checkReadiness } from '../services/health.service';

/** Probes for orchestrators: no session, no CSRF, JSON only. */
export function healthRouter(): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ ok: true, uptimeSeconds: Math.round(process.uptime()) });
  });
  router.get('/readyz', async (req, res) => {
    const { db, redis, config } = deps(req);
    const readiness = await checkReadiness(db, redis, config.HEARTBEAT_SECONDS);
    res.status(readiness.ok ? 200 : 503).json(readiness);
  });
  return router;
}
