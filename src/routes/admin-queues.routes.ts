// /admin/files: the BullMQ dashboard (bull-board), admins only, read-only (no retry/clean/pause:
// those would be POSTs without our CSRF token; PostgreSQL stays the source of truth anyway).
// Its page styles itself with inline styles, so this path alone gets a CSP allowing them;
// scripts stay 'self' only (its config is a JSON <script> block, which is not executed).
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { assertCan } from '../services/permissions';

export const QUEUE_BOARD_PATH = '/admin/files';

const RELAXED_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'self'",
  "form-action 'self'",
  "object-src 'none'",
  "base-uri 'self'",
].join('; ');

export function adminQueuesRouter(queues: Queue[]): Router {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({ queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: true })), serverAdapter: adapter });
  const router = Router();
  router.use(requireLogin);
  router.use((req: Request, res: Response, next: NextFunction) => {
    assertCan(req.actor, 'workflows.admin');
    res.setHeader('Content-Security-Policy', RELAXED_CSP);
    next();
  });
  router.use(adapter.getRouter() as Router);
  return router;
}
