import { Router } from 'express';
import { requireLogin } from '../lib/auth-middleware';

/** Mounted at /admin/types-de-structures (src/app.ts): organisation kinds, reference data an admin extends. */
export function adminKindsRouter(): Router {
  const router = Router();
  router.use(requireLogin);
  return router;
}
