import { Router } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { flash, redirectAfterPost, render, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { restrictionSettings, saveRestrictionSettings } from '../services/restricted-fields.service';

/** Mounted at /admin/champs-reserves: which fields only owners, units and admins see. */
export function adminRestrictionsRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const entities = await restrictionSettings(serviceContext(req));
    render(req, res, 'admin/restrictions/index', { title: t('restrictions.title'), entities });
  });

  router.post('/', async (req, res) => {
    await saveRestrictionSettings(serviceContext(req), req.body);
    flash(req, 'success', t('restrictions.saved'));
    redirectAfterPost(res, '/admin/champs-reserves');
  });

  return router;
}
