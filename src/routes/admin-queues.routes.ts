// /admin/files: the BullMQ dashboard (bull-board), admins only, read-only (no retry/clean/pause:
// those would be POSTs without our CSRF token; PostgreSQL stays the source of truth anyway).
// Its page styles itself with inline styles, so this path alone gets a CSP allowing them;
// scripts stay 'self' only (its config is a JSON <script> block, which is not executed).
// Its page also links fonts from an outside host: the link is dropped (nothing of the app calls
// outside hosts), the board falls back to the system sans-serif; its own assets are served from
// node_modules by the adapter.
//
// bull-board (≈ 0.25 s of module loading) is loaded at the first visit, not at start: every
// start of the app pays for what it loads (docs/operations.md, start time).
import type { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { assertCan } from '../services/permissions';

export const QUEUE_BOARD_PATH = '/admin/files';

/** bull-board's index.ejs: `<link href="https://fonts.googleapis.com/…" rel="stylesheet">`. */
const OUTSIDE_LINK = /<link\b[^>]*\bhref="https?:\/\/[^"]*"[^>]*>/g;

type RenderCallback = (error: Error | null, html?: string) => void;
type ViewEngine = (file: string, options: object, callback: RenderCallback) => void;

/** Wraps the board's view engine so that its page links nothing on another host. */
function dropOutsideLinks(adapter: ExpressAdapter): void {
  const board = adapter.getRouter() as unknown as { engines: Record<string, ViewEngine | undefined>; engine(ext: string, fn: ViewEngine): void };
  const render = board.engines['.ejs'];
  if (!render) throw new Error('bull-board: view engine not found (was setViewsPath renamed?)');
  board.engine('ejs', (file, options, callback) => render(file, options, (error, html) => callback(error, html?.replace(OUTSIDE_LINK, ''))));
}

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

/** The board's own router, built once. */
async function loadBoard(queues: Queue[]): Promise<Router> {
  const [{ createBullBoard }, { BullMQAdapter }, { ExpressAdapter: Adapter }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/express'),
  ]);
  const adapter = new Adapter();
  adapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({ queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: true })), serverAdapter: adapter });
  dropOutsideLinks(adapter);
  return adapter.getRouter() as Router;
}

export function adminQueuesRouter(queues: Queue[]): Router {
  let board: Promise<Router> | undefined;
  const router = Router();
  router.use(requireLogin);
  router.use((req: Request, res: Response, next: NextFunction) => {
    assertCan(req.actor, 'workflows.admin');
    res.setHeader('Content-Security-Policy', RELAXED_CSP);
    next();
  });
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    board ??= loadBoard(queues);
    (await board)(req, res, next);
  });
  return router;
}
