// "Mes validations": the inbox, a step's page and decision, the header badge, a link to the
// notifications (/notifications), delegations, and the runs of one's units. Every rule is in the services.
import { Router, type Request, type Response } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { ValidationError } from '../lib/errors';
import { flash, parseQueryString, redirectAfterPost, render, renderInvalid, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { logger } from '../lib/logger';
import {
  circuitOptions,
  countPendingValidations,
  createDelegation,
  delegationFormOptions,
  endDelegation,
  getInbox,
  getRunPage,
  getStepPage,
  listMyDelegations,
  listRunsFor,
} from '../services/workflow-inbox.service';
import { decideStep } from '../services/workflows.service';
import { countMyUnreadNotifications } from '../services/notifications.service';

const runStatusOptions = () =>
  ['running', 'changes_requested', 'approved', 'rejected', 'cancelled', 'completed'].map((value) => ({ value, label: t(`workflows.runStatuses.${value}`) }));

/**
 * The query string of the page an htmx request came from (`HX-Current-URL`), when that page is
 * `path`; undefined otherwise (a decision from the step's own page, say).
 */
function pageQueryOf(req: Request, path: string): Record<string, unknown> | undefined {
  const current = req.get('HX-Current-URL');
  if (!current) return undefined;
  try {
    const url = new URL(current, 'http://passerelle.invalid');
    // Cleaned like any query string of the app (control characters dropped).
    return url.pathname === path ? parseQueryString(url.search.slice(1)) : undefined;
  } catch {
    return undefined;
  }
}

export function validationsRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const ctx = serviceContext(req);
    const inbox = await getInbox(ctx, req.query);
    const unreadNotifications = await countMyUnreadNotifications(ctx);
    render(
      req,
      res,
      'validations/index',
      { title: t('validations.title'), inbox, unreadNotifications, circuits: circuitOptions() },
      { fragment: { target: 'validations-list', partial: 'validations/inbox-list' } },
    );
  });

  router.get('/compteur', async (req, res) => {
    const count = await countPendingValidations(serviceContext(req));
    res.render('partials/validations/badge', { layout: false, validationsCount: count });
  });

  router.get('/etapes/:id', async (req, res) => {
    const page = await getStepPage(serviceContext(req), req.params.id);
    render(req, res, 'validations/step', { title: t('validations.stepTitle', { label: page.step.label }), ...page, values: {} });
  });

  router.post('/etapes/:id/decision', async (req, res) => {
    const ctx = serviceContext(req);
    const body = req.body as Record<string, unknown>;
    try {
      const { step, decidedForName } = await decideStep(ctx, req.params.id, { decision: body.decision, comment: body.comment });
      const decisionLabel = t(`workflows.decisions.${step.decision ?? 'approve'}`);
      const message = decidedForName ? t('validations.decidedFor', { decision: decisionLabel, name: decidedForName }) : t('validations.decided', { decision: decisionLabel });
      if (req.isHtmx && !req.isBoosted) {
        // The row becomes a confirmation; the badge and the inbox's count (with the page's own
        // filters) are refreshed out of band.
        const count = await countPendingValidations(ctx);
        // The decision is committed: a refresh that fails only leaves the count as it was.
        const onInbox = pageQueryOf(req, '/validations');
        const inbox = onInbox
          ? await getInbox(ctx, onInbox).catch((error: unknown) => {
              logger.warn({ err: error }, 'inbox refresh after a decision failed');
              return undefined;
            })
          : undefined;
        res.render('partials/validations/decided-row', { layout: false, step, message, validationsCount: count, oob: true, inbox });
        return;
      }
      flash(req, 'success', message);
      redirectAfterPost(res, typeof body.back === 'string' && body.back === 'step' ? `/validations/etapes/${step.id}` : '/validations');
    } catch (error) {
      if (!(error instanceof ValidationError) || (req.isHtmx && !req.isBoosted)) throw error;
      const page = await getStepPage(ctx, req.params.id);
      renderInvalid(req, res, 'validations/step', { title: t('validations.stepTitle', { label: page.step.label }), ...page, values: body }, error.fieldErrors);
    }
  });

  const renderDelegations = async (req: Request, res: Response, values: Record<string, unknown> = {}, errors?: Record<string, string>) => {
    const ctx = serviceContext(req);
    const { roles, people } = await delegationFormOptions(ctx);
    const data = {
      title: t('validations.delegations.title'),
      delegations: await listMyDelegations(ctx),
      roleOptions: roles.map((role) => ({ value: role, label: t(`roles.${role}`) })),
      people,
      values,
    };
    if (errors) renderInvalid(req, res, 'validations/delegations', data, errors);
    else render(req, res, 'validations/delegations', data);
  };

  router.get('/delegations', (req, res) => renderDelegations(req, res));

  router.post('/delegations', async (req, res) => {
    try {
      await createDelegation(serviceContext(req), req.body);
      flash(req, 'success', t('validations.delegations.created'));
      redirectAfterPost(res, '/validations/delegations');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      await renderDelegations(req, res, req.body as Record<string, unknown>, error.fieldErrors);
    }
  });

  router.post('/delegations/:id/fin', async (req, res) => {
    await endDelegation(serviceContext(req), req.params.id);
    flash(req, 'success', t('validations.delegations.revoked'));
    redirectAfterPost(res, '/validations/delegations');
  });

  router.get('/circuits', async (req, res) => {
    const runs = await listRunsFor(serviceContext(req), req.query, 'units');
    render(
      req,
      res,
      'validations/circuits',
      { title: t('validations.circuitsTitle'), runs, base: '/validations/circuits', circuits: circuitOptions(), statusOptions: runStatusOptions() },
      { fragment: { target: 'runs-list', partial: 'validations/runs-list' } },
    );
  });

  router.get('/circuits/:id', async (req, res) => {
    const page = await getRunPage(serviceContext(req), req.params.id);
    render(req, res, 'validations/run', { title: t('workflows.detail'), ...page });
  });

  return router;
}

export { runStatusOptions };
