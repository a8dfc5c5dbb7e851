import { Router } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { ValidationError } from '../lib/errors';
import { flash, redirectAfterPost, render, renderInvalid, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { UNIT_KINDS } from '../models/schema';
import { createUnit, getUnit, listUnitsForAdmin, setUnitArchived, updateUnitDetails } from '../services/units.service';

const kindOptions = UNIT_KINDS.map((kind) => ({ value: kind, label: t(`unitKinds.${kind}`) }));

export function adminUnitsRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const units = await listUnitsForAdmin(serviceContext(req));
    render(req, res, 'admin/units/index', { title: t('units.title'), units, kindOptions, values: { kind: 'unite_operationnelle' } });
  });

  router.post('/', async (req, res) => {
    const ctx = serviceContext(req);
    try {
      const unit = await createUnit(ctx, req.body);
      flash(req, 'success', t('units.created', { name: unit.name }));
      redirectAfterPost(res, '/admin/unites');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      renderInvalid(req, res, 'admin/units/index', { title: t('units.title'), units: await listUnitsForAdmin(ctx), kindOptions, values: req.body }, error.fieldErrors);
    }
  });

  router.get('/:id', async (req, res) => {
    const unit = await getUnit(serviceContext(req), req.params.id);
    render(req, res, 'admin/units/edit', { title: unit.name, unit, values: unit, kindOptions });
  });

  router.post('/:id', async (req, res) => {
    const ctx = serviceContext(req);
    try {
      const unit = await updateUnitDetails(ctx, req.params.id, req.body);
      flash(req, 'success', t('units.updated', { name: unit.name }));
      redirectAfterPost(res, '/admin/unites');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const unit = await getUnit(ctx, req.params.id);
      renderInvalid(req, res, 'admin/units/edit', { title: unit.name, unit, values: req.body, kindOptions }, error.fieldErrors);
    }
  });

  router.post('/:id/archiver', async (req, res) => {
    const unit = await setUnitArchived(serviceContext(req), req.params.id, true);
    flash(req, 'success', t('units.archivedDone', { name: unit.name }));
    redirectAfterPost(res, '/admin/unites');
  });

  router.post('/:id/restaurer', async (req, res) => {
    const unit = await setUnitArchived(serviceContext(req), req.params.id, false);
    flash(req, 'success', t('units.restored', { name: unit.name }));
    redirectAfterPost(res, '/admin/unites');
  });
  return router;
}
