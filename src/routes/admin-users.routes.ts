import { Router, type Request } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { ValidationError } from '../lib/errors';
import { flash, redirectAfterPost, render, renderInvalid, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { CAPABILITIES, ROLES } from '../models/schema';
import { listActiveUnits } from '../services/units.service';
import {
  createUser,
  deactivateUser,
  getUserForEdit,
  listUsersPage,
  reactivateUser,
  resetUserPassword,
  updateUserAccount,
} from '../services/users.service';

const roleOptions = ROLES.map((role) => ({ value: role, label: t(`roles.${role}`) }));
const capabilityOptions = CAPABILITIES.map((capability) => ({ value: capability, label: t(`users.capabilityLabels.${capability}`), hint: t(`users.capabilityHints.${capability}`) }));

/** Form values as arrays, whether one or several boxes were ticked. */
function asList(value: unknown): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)];
}

function formValues(req: Request) {
  return { ...req.body, roles: asList(req.body.roles), unitIds: asList(req.body.unitIds), capabilities: asList(req.body.capabilities) };
}

export function adminUsersRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const ctx = serviceContext(req);
    const page = await listUsersPage(ctx, req.query);
    const units = await listActiveUnits(ctx);
    render(
      req,
      res,
      'admin/users/index',
      { title: t('users.title'), page, units, roleOptions },
      { fragment: { target: 'users-table', partial: 'admin/users-table' } },
    );
  });

  router.get('/nouveau', async (req, res) => {
    const ctx = serviceContext(req);
    await listUsersPage(ctx, {}); // permission check, same as the list
    render(req, res, 'admin/users/new', { title: t('users.createTitle'), units: await listActiveUnits(ctx), roleOptions, capabilityOptions, values: { roles: [], unitIds: [], capabilities: [], sendInvitation: 'on' } });
  });

  router.post('/nouveau', async (req, res) => {
    const ctx = serviceContext(req);
    try {
      const created = await createUser(ctx, req.body);
      flash(
        req,
        'success',
        created.emailed
          ? t('users.createdMailed', { name: created.user.displayName })
          : t('users.created', { name: created.user.displayName, days: Math.round(created.hours / 24), link: created.link }),
      );
      redirectAfterPost(res, `/admin/utilisateurs/${created.user.id}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      renderInvalid(req, res, 'admin/users/new', { title: t('users.createTitle'), units: await listActiveUnits(ctx), roleOptions, capabilityOptions, values: formValues(req) }, error.fieldErrors);
    }
  });

  router.get('/:id', async (req, res) => {
    const ctx = serviceContext(req);
    const user = await getUserForEdit(ctx, req.params.id);
    render(req, res, 'admin/users/edit', {
      title: t('users.editTitle', { name: user.displayName }),
      user,
      values: user,
      units: await listActiveUnits(ctx),
      roleOptions,
      capabilityOptions,
      isSelf: user.id === req.actor?.id,
    });
  });

  router.post('/:id', async (req, res) => {
    const ctx = serviceContext(req);
    try {
      const user = await updateUserAccount(ctx, req.params.id, req.body);
      flash(req, 'success', t('users.updated', { name: user.displayName }));
      redirectAfterPost(res, `/admin/utilisateurs/${user.id}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const user = await getUserForEdit(ctx, req.params.id);
      renderInvalid(
        req,
        res,
        'admin/users/edit',
        { title: t('users.editTitle', { name: user.displayName }), user, values: formValues(req), units: await listActiveUnits(ctx), roleOptions, capabilityOptions, isSelf: user.id === req.actor?.id },
        error.fieldErrors,
      );
    }
  });

  router.post('/:id/desactiver', async (req, res) => {
    const user = await deactivateUser(serviceContext(req), req.params.id);
    flash(req, 'success', t('users.deactivated', { name: user.displayName }));
    redirectAfterPost(res, `/admin/utilisateurs/${user.id}`);
  });

  router.post('/:id/reactiver', async (req, res) => {
    const user = await reactivateUser(serviceContext(req), req.params.id);
    flash(req, 'success', t('users.reactivated', { name: user.displayName }));
    redirectAfterPost(res, `/admin/utilisateurs/${user.id}`);
  });

  router.post('/:id/reinitialiser-mot-de-passe', async (req, res) => {
    const { user, link, hours } = await resetUserPassword(serviceContext(req), req.params.id);
    flash(req, 'success', t('users.resetDone', { name: user.displayName, hours, link }));
    redirectAfterPost(res, `/admin/utilisateurs/${user.id}`);
  });

  return router;
}
