// /admin/circuits: every run, filterable; a run's history; cancel a run, reassign a step.
import { Router } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { flash, redirectAfterPost, render, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { cachedActiveUserOptions } from '../services/reference-lists';
import { assertCan } from '../services/permissions';
import { circuitOptions, listRunsFor } from '../services/workflow-inbox.service';
import { cancelRun, getRunWithHistory, reassignStep } from '../services/workflows.service';
import { runStatusOptions } from './validations.routes';

export function adminCircuitsRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const runs = await listRunsFor(serviceContext(req), req.query, 'all');
    render(
      req,
      res,
      'admin/circuits/index',
      { title: t('workflows.admin.title'), runs, base: '/admin/circuits', circuits: circuitOptions(), statusOptions: runStatusOptions() },
      { fragment: { target: 'runs-list', partial: 'validations/runs-list' } },
    );
  });

  router.get('/:id', async (req, res) => {
    const ctx = serviceContext(req);
    assertCan(ctx.actor, 'workflows.admin');
    const { run, steps } = await getRunWithHistory(ctx.db, req.params.id);
    const open = run.status === 'running' || run.status === 'changes_requested';
    render(req, res, 'admin/circuits/show', { title: t('workflows.detail'), run, history: steps, open, people: await cachedActiveUserOptions(ctx.db) });
  });

  router.post('/:id/annuler', async (req, res) => {
    const body = req.body as Record<string, unknown>;
    await cancelRun(serviceContext(req), req.params.id, typeof body.reason === 'string' ? body.reason : '');
    flash(req, 'success', t('workflows.admin.cancelled'));
    redirectAfterPost(res, `/admin/circuits/${req.params.id}`);
  });

  router.post('/etapes/:stepId/reattribuer', async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const step = await reassignStep(serviceContext(req), req.params.stepId, typeof body.userId === 'string' ? body.userId : '');
    flash(req, 'success', t('workflows.admin.reassigned'));
    redirectAfterPost(res, `/admin/circuits/${step.runId}`);
  });

  return router;
}
