// Reciprocity figures per kind of organisation or convention (issue 13, /admin/reciprocite).
import { Router } from 'express';

export function adminReciprocityRouter(): Router {
  const router = Router();
  return router;
}
