// An event's invitations (issue 13, /evenements/:id/invitations…): invite contacts, (re)send, answers.
import { Router } from 'express';

export function eventInvitationsRouter(): Router {
  const router = Router();
  return router;
}
