import { Router } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { ValidationError } from '../lib/errors';
import { flash, redirectAfterPost, render, renderInvalid, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { PASSWORD_MIN_LENGTH } from '../lib/passwords';
import { readOwnProfile } from '../services/account.service';
import { changeOwnPassword } from '../services/auth.service';

export function accountRouter(): Router {
  const router = Router();
  router.use('/compte', requireLogin);

  router.get('/compte', async (req, res) => {
    const profile = await readOwnProfile(serviceContext(req));
    render(req, res, 'account/profile', { title: t('account.title'), profile, passwordMin: PASSWORD_MIN_LENGTH });
  });

  router.post('/compte/mot-de-passe', async (req, res) => {
    const ctx = serviceContext(req);
    try {
      await changeOwnPassword(ctx, req.body, req.sessionID);
      flash(req, 'success', t('auth.passwordChanged'));
      redirectAfterPost(res, '/compte');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const profile = await readOwnProfile(ctx);
      renderInvalid(req, res, 'account/profile', { title: t('account.title'), profile, passwordMin: PASSWORD_MIN_LENGTH }, error.fieldErrors);
    }
  });
  return router;
}
