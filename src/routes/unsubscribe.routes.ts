// One-click unsubscribe (issue 13, RFC 8058, /desabonnement/:token), mounted before CSRF: the
// signed token is the proof, and the one-click POST comes from the person's mail client.
// GET only shows a confirmation page with one button — link scanners and previews follow GETs
// and must never unsubscribe anyone. POST unsubscribes at once, whatever its body (the RFC's
// `List-Unsubscribe=One-Click`, the confirmation page's button, or a multipart body we do not read).
import { Router, type Request, type Response } from 'express';
import { formatDate } from '../lib/format';
import { t } from '../lib/i18n';
import { type UnsubscribeLink, readUnsubscribeLink, unsubscribeWithToken } from '../services/partner-mail.service';
import { render, serviceContext } from '../web/http';

function renderOutcome(req: Request, res: Response, link: UnsubscribeLink, view: 'confirm' | 'done'): void {
  // Nothing of these pages belongs in a cache or a referrer (the URL is the person's key).
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Robots-Tag', 'noindex');
  const institution = t('app.institution');
  if (link.state === 'invalid') {
    render(req, res, 'unsubscribe/invalid', { title: t('partnerMail.page.invalidTitle'), heading: t('partnerMail.page.invalidTitle'), message: t('partnerMail.page.invalidIntro') }, { status: 400 });
    return;
  }
  if (link.state === 'unknown') {
    render(req, res, 'unsubscribe/invalid', { title: t('partnerMail.page.unknownTitle'), heading: t('partnerMail.page.unknownTitle'), message: t('partnerMail.page.unknownIntro') }, { status: 404 });
    return;
  }
  const token = String(req.params.token);
  if (view === 'confirm' && !link.alreadyOptedOut) {
    render(req, res, 'unsubscribe/confirm', {
      title: t('partnerMail.page.confirmTitle'),
      token,
      intro: t('partnerMail.page.confirmIntro', { institution, address: link.address }),
    });
    return;
  }
  render(req, res, 'unsubscribe/done', {
    title: t(view === 'confirm' ? 'partnerMail.page.alreadyTitle' : 'partnerMail.page.doneTitle'),
    heading: t(view === 'confirm' ? 'partnerMail.page.alreadyTitle' : 'partnerMail.page.doneTitle'),
    intro: t('partnerMail.page.doneIntro', { institution, address: link.address }),
    already: link.alreadyOptedOut && link.optedOutAt ? t('partnerMail.page.doneAlready', { date: formatDate(link.optedOutAt) }) : null,
  });
}

export function unsubscribeRouter(): Router {
  const router = Router();

  router.get('/:token', async (req, res) => {
    renderOutcome(req, res, await readUnsubscribeLink(serviceContext(req), String(req.params.token)), 'confirm');
  });

  router.post('/:token', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const oneClick = body['List-Unsubscribe'] === 'One-Click' && body.source !== 'page';
    renderOutcome(req, res, await unsubscribeWithToken(serviceContext(req), String(req.params.token), { oneClick }), 'done');
  });

  return router;
}
