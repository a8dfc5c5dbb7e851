import { Router } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { ValidationError } from '../lib/errors';
import { flash, redirectAfterPost, render, renderInvalid, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { createKind, getKind, listKindsForAdmin, removeKind, setKindActive, updateKindDetails } from '../services/organization-kinds.service';

const BASE = '/admin/types-de-structures';

/** Mounted at /admin/types-de-structures (src/app.ts): organisation kinds, reference data an admin extends. */
export function adminKindsRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const kinds = await listKindsForAdmin(serviceContext(req));
    render(req, res, 'admin/kinds/index', { title: t('organizationKinds.title'), kinds, values: {} });
  });

  router.post('/', async (req, res) => {
    const ctx = serviceContext(req);
    try {
      const kind = await createKind(ctx, req.body);
      flash(req, 'success', t('organizationKinds.created', { label: kind.label }));
      redirectAfterPost(res, BASE);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      renderInvalid(req, res, 'admin/kinds/index', { title: t('organizationKinds.title'), kinds: await listKindsForAdmin(ctx), values: req.body }, error.fieldErrors);
    }
  });

  router.get('/:code', async (req, res) => {
    const kind = await getKind(serviceContext(req), req.params.code);
    render(req, res, 'admin/kinds/edit', { title: t('organizationKinds.editTitle', { label: kind.label }), kind, values: kind });
  });

  router.post('/:code', async (req, res) => {
    const ctx = serviceContext(req);
    try {
      const kind = await updateKindDetails(ctx, req.params.code, req.body);
      flash(req, 'success', t('organizationKinds.updated', { label: kind.label }));
      redirectAfterPost(res, BASE);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const kind = await getKind(ctx, req.params.code);
      renderInvalid(req, res, 'admin/kinds/edit', { title: t('organizationKinds.editTitle', { label: kind.label }), kind, values: req.body }, error.fieldErrors);
    }
  });

  router.post('/:code/desactiver', async (req, res) => {
    const kind = await setKindActive(serviceContext(req), req.params.code, false);
    flash(req, 'success', t('organizationKinds.deactivated', { label: kind.label }));
    redirectAfterPost(res, BASE);
  });

  router.post('/:code/reactiver', async (req, res) => {
    const kind = await setKindActive(serviceContext(req), req.params.code, true);
    flash(req, 'success', t('organizationKinds.reactivated', { label: kind.label }));
    redirectAfterPost(res, BASE);
  });

  router.post('/:code/supprimer', async (req, res) => {
    const kind = await removeKind(serviceContext(req), req.params.code);
    flash(req, 'success', t('organizationKinds.deleted', { label: kind.label }));
    redirectAfterPost(res, BASE);
  });
  return router;
}
