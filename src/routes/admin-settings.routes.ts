import { Router } from 'express';
import { ValidationError } from '../lib/errors';
import { t } from '../lib/i18n';
import { getSettings, updateSettings } from '../services/settings.service';
import { requireLogin } from '../web/auth-middleware';
import { flash, redirectAfterPost, render, renderInvalid, serviceContext } from '../web/http';

// /admin/parametres (issue 12): the dashboard's inactivity threshold, the exchanges' retention.
export function adminSettingsRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const values = await getSettings(serviceContext(req));
    render(req, res, 'admin/settings/index', { title: t('appSettings.title'), values });
  });

  router.post('/', async (req, res) => {
    try {
      const { changed } = await updateSettings(serviceContext(req), req.body);
      flash(req, 'success', t(changed > 0 ? 'appSettings.saved' : 'appSettings.unchanged'));
      redirectAfterPost(res, '/admin/parametres');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      renderInvalid(req, res, 'admin/settings/index', { title: t('appSettings.title'), values: req.body }, error.fieldErrors);
    }
  });
  return router;
}
