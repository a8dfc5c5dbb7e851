import { Router } from 'express';
import { requireLogin } from '../lib/auth-middleware';

/** Mounted at /imports (src/app.ts). */
export function importsRouter(): Router {
  const router = Router();
  router.use(requireLogin);
  return router;
}
