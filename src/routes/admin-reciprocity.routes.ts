// Reciprocity figures per kind of organisation or convention (issue 13, /admin/reciprocite).
import { Router } from 'express';
import { ValidationError } from '../lib/errors';
import { t } from '../lib/i18n';
import { readReciprocityFigures, saveReciprocityFigures } from '../services/reciprocity.service';
import { requireLogin } from '../web/auth-middleware';
import { flash, redirectAfterPost, render, renderInvalid, serviceContext } from '../web/http';

const BASE = '/admin/reciprocite';

export function adminReciprocityRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const figures = await readReciprocityFigures(serviceContext(req));
    render(req, res, 'admin/reciprocity/index', { title: t('reciprocity.admin.title'), figures });
  });

  router.post('/', async (req, res) => {
    const ctx = serviceContext(req);
    try {
      const { changed } = await saveReciprocityFigures(ctx, req.body);
      flash(req, 'success', changed > 0 ? t('reciprocity.admin.saved', { count: changed }) : t('reciprocity.admin.unchanged'));
      redirectAfterPost(res, BASE);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const figures = await readReciprocityFigures(ctx, req.body as Record<string, unknown>);
      renderInvalid(req, res, 'admin/reciprocity/index', { title: t('reciprocity.admin.title'), figures }, error.fieldErrors);
    }
  });
  return router;
}
