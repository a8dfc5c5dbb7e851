import { Router } from 'express';

// Owner: helper F — /admin/parametres (issue 12). Filled in by that work.
export function adminSettingsRouter(): Router {
  return Router();
}
