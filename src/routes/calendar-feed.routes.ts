// The personal iCal feed (issue 13, /agenda/:token.ics): a secret URL read by calendar apps,
// without a session; mounted before CSRF and the agenda pages. Only `/<token>.ics` is answered
// here; every other /agenda path goes on to agenda.routes.ts. A token that is forged, of an older
// version, revoked, or whose owner left is a 404 alike (nothing tells them apart).
import { Router } from 'express';
import { serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { calendarFeedBody } from '../services/agenda.service';

export function calendarFeedRouter(): Router {
  const router = Router();
  router.get('/:token.ics', async (req, res) => {
    const body = await calendarFeedBody(serviceContext(req), req.params.token);
    res.set('Cache-Control', 'private, no-cache');
    res.set('X-Robots-Tag', 'noindex, nofollow');
    if (body === null) {
      res.status(404).type('text/plain; charset=utf-8').send(t('agenda.feed.notFound'));
      return;
    }
    res.set('Content-Type', 'text/calendar; charset=utf-8');
    res.set('Content-Disposition', 'inline; filename="passerelle.ics"');
    res.send(body);
  });
  return router;
}
