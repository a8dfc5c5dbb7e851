import { Router } from 'express';
import { requireLogin } from '../lib/auth-middleware';

/** Mounted at /doublons (src/app.ts). */
export function duplicatesRouter(): Router {
  const router = Router();
  router.use(requireLogin);
  return router;
}
