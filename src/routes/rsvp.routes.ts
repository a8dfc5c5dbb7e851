// Public RSVP pages (issue 13, /invitation/:token): no account, a signed link per invitee; mounted before CSRF (the token is the proof).
import { Router } from 'express';

export function rsvpRouter(): Router {
  const router = Router();
  return router;
}
