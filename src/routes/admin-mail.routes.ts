import { Router } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { render, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { listDevMailbox, readDevMail } from '../services/dev-mail.service';

export function adminMailRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const mailbox = await listDevMailbox(serviceContext(req), req.query);
    render(req, res, 'admin/mail/index', { title: t('mail.title'), mailbox }, { fragment: { target: 'mail-table', partial: 'admin/mail-table' } });
  });

  router.get('/:id', async (req, res) => {
    const mail = await readDevMail(serviceContext(req), req.params.id);
    render(req, res, 'admin/mail/show', { title: mail.subject, mail });
  });

  /** The HTML part alone, framed by the page above in a sandbox: mail HTML never runs scripts here. */
  router.get('/:id/html', async (req, res) => {
    const mail = await readDevMail(serviceContext(req), req.params.id);
    res
      .set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox")
      .type('html')
      .send(mail.htmlBody ?? '');
  });
  return router;
}
