// The agenda (issue 13, /agenda): month and list views; .ics downloads.
import { Router } from 'express';

export function agendaRouter(): Router {
  const router = Router();
  return router;
}
