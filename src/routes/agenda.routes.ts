// The agenda (issue 13, /agenda): month and list views, the .ics of one exchange or event, and
// the personal feed's « régénérer » / « révoquer » (shown on /compte). Thin: agenda.service.ts.
import { Router, type Response } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { flash, redirectAfterPost, render, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { agendaPage, eventIcsFile, exchangeIcsFile, renewMyCalendarFeed, revokeMyCalendarFeed, type IcsFile } from '../services/agenda.service';

const FEED_SECTION = '/compte#flux-ical';

function sendIcs(res: Response, file: IcsFile): void {
  res.attachment(file.fileName);
  res.set('Content-Type', 'text/calendar; charset=utf-8');
  res.set('Cache-Control', 'private, no-store');
  res.send(file.body);
}

export function agendaRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const view = await agendaPage(serviceContext(req), req.query);
    render(req, res, 'agenda/index', view, { fragment: { target: 'agenda-results', partial: 'agenda/results' } });
  });

  router.get('/echanges/:id.ics', async (req, res) => {
    sendIcs(res, await exchangeIcsFile(serviceContext(req), req.params.id));
  });

  router.get('/evenements/:id.ics', async (req, res) => {
    sendIcs(res, await eventIcsFile(serviceContext(req), req.params.id));
  });

  router.post('/flux/regenerer', async (req, res) => {
    const outcome = await renewMyCalendarFeed(serviceContext(req));
    flash(req, 'success', outcome === 'created' ? t('agenda.feed.created') : t('agenda.feed.regenerated'));
    redirectAfterPost(res, FEED_SECTION);
  });

  router.post('/flux/revoquer', async (req, res) => {
    await revokeMyCalendarFeed(serviceContext(req));
    flash(req, 'success', t('agenda.feed.revokedFlash'));
    redirectAfterPost(res, FEED_SECTION);
  });

  return router;
}
