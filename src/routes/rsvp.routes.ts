// Public RSVP pages (issue 13, /invitation/:token): no account, a signed link per invitee; mounted
// before CSRF (the token is the proof). GET only shows (mail scanners follow links); POST records.
import { Router, type Request, type Response } from 'express';
import { t } from '../lib/i18n';
import { render, serviceContext } from '../web/http';
import { recordRsvp, rsvpPage, type RsvpFailure, type RsvpView } from '../services/event-invitations.service';

const FAILURES: Record<RsvpFailure['failure'], { status: number; title: string; message: string }> = {
  forged: { status: 400, title: 'rsvp.forgedTitle', message: 'rsvp.forged' },
  expired: { status: 410, title: 'rsvp.expiredTitle', message: 'rsvp.expired' },
  gone: { status: 404, title: 'rsvp.goneTitle', message: 'rsvp.gone' },
};

/** The token is a credential: not cached, not indexed, not leaked to other sites by Referer. */
function privatePage(res: Response): void {
  res.set('Cache-Control', 'no-store');
  res.set('Referrer-Policy', 'no-referrer');
  res.set('X-Robots-Tag', 'noindex, nofollow');
}

function renderFailure(req: Request, res: Response, failure: RsvpFailure['failure']): void {
  const { status, title, message } = FAILURES[failure];
  render(req, res, 'rsvp/failure', { title: t(title), message: t(message) }, { status });
}

function renderView(req: Request, res: Response, view: RsvpView, extra: Record<string, unknown> = {}, status = 200): void {
  render(req, res, 'rsvp/show', { title: t('rsvp.title'), rsvp: view, ...extra }, { status });
}

export function rsvpRouter(): Router {
  const router = Router();

  router.get('/:token', async (req, res) => {
    privatePage(res);
    const ctx = serviceContext(req);
    const view = await rsvpPage(ctx, req.params.token, req.query.reponse);
    if ('failure' in view) {
      renderFailure(req, res, view.failure);
      return;
    }
    const recorded = req.query.enregistre === '1' && view.response !== 'en_attente' ? t(`rsvp.recorded.${view.response}`) : null;
    renderView(req, res, view, { recorded });
  });

  router.post('/:token', async (req, res) => {
    privatePage(res);
    const ctx = serviceContext(req);
    const outcome = await recordRsvp(ctx, req.params.token, (req.body as Record<string, unknown> | undefined)?.reponse);
    if ('failure' in outcome) {
      if (outcome.failure === 'closed') renderView(req, res, outcome.view, {}, 410);
      else if (outcome.failure === 'invalid') renderView(req, res, outcome.view, { error: t('rsvp.invalidResponse') }, 422);
      else renderFailure(req, res, outcome.failure);
      return;
    }
    res.redirect(303, `/invitation/${encodeURIComponent(req.params.token)}?enregistre=1`);
  });

  return router;
}
