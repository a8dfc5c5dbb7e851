// Tasks (issue 12): « Mes tâches » with its groups and filters, the inline actions (« Fait »,
// « Reporter », « Réattribuer », « Fait, et consigner l'échange »), the task form and page, the
// header badge. Thin: every rule is in tasks.service.ts, every view model in task-pages.service.ts.
import { Router, type Request, type Response } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors';
import { flash, redirectAfterPost, render, renderInvalid, safeNext, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { formatDate } from '../lib/format';
import { cancelTask, completeTask, createTask, postponeTask, reassignTask, reopenTask, updateTask } from '../services/tasks.service';
import {
  countMyOverdueTasks,
  editTaskFormView,
  listTasksPage,
  newTaskFormView,
  taskPageView,
  taskRowViewById,
} from '../services/task-pages.service';
import type { ServiceContext } from '../services/context';

/** Where a no-JS action goes back to: the page it came from (`back`), or the task's page. */
function backOf(req: Request, fallback: string): string {
  const back = (req.body as Record<string, unknown> | undefined)?.back;
  return typeof back === 'string' && back !== '' ? safeNext(back) : fallback;
}

/** A refused action's message in one sentence (a date's message rather than « the form has errors »). */
function messageOf(error: ConflictError | ValidationError): string {
  if (error instanceof ValidationError) return Object.values(error.fieldErrors)[0] ?? error.message;
  return error.message;
}

/**
 * An inline action: with htmx (a row of « Mes tâches » or of the dashboard) the row comes back
 * with a notice and the header badge out of band; without JavaScript, 303 back with a flash.
 * A refusal (a cancelled task cannot be done…) is a flash message either way.
 */
async function inlineAction(req: Request, res: Response, run: (ctx: ServiceContext) => Promise<{ message: string; next?: string }>): Promise<void> {
  const ctx = serviceContext(req);
  const id = req.params.id as string;
  const fragment = req.isHtmx && !req.isBoosted;
  let outcome: { message: string; next?: string };
  try {
    outcome = await run(ctx);
  } catch (error) {
    if (!(error instanceof ConflictError || error instanceof ValidationError)) throw error;
    if (fragment) throw new ValidationError({ _form: messageOf(error) }, messageOf(error));
    flash(req, 'error', messageOf(error));
    redirectAfterPost(res, backOf(req, `/taches/${id}`));
    return;
  }
  if (fragment && !outcome.next) {
    const overdueCount = await countMyOverdueTasks(ctx);
    // After a reassignment the task may have left what this person sees: the row says so and stays empty.
    const task = await taskRowViewById(ctx, id).catch((error: unknown) => {
      if (error instanceof NotFoundError) return null;
      throw error;
    });
    // A list row: its reassign menu links to the task's page (see tasks/actions).
    res.render('partials/tasks/row-updated', { layout: false, task, notice: outcome.message, overdueCount, back: backOf(req, '/taches') });
    return;
  }
  flash(req, 'success', outcome.message);
  redirectAfterPost(res, outcome.next ?? backOf(req, `/taches/${id}`));
}

export function tasksRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const view = await listTasksPage(serviceContext(req), req.query);
    render(req, res, 'tasks/index', view, { fragment: { target: 'tasks-results', partial: 'tasks/results' } });
  });

  /** The header badge (htmx, every minute): my overdue tasks. */
  router.get('/compteur', async (req, res) => {
    const overdueCount = await countMyOverdueTasks(serviceContext(req));
    res.render('partials/tasks/badge', { layout: false, overdueCount });
  });

  router.get('/nouvelle', async (req, res) => {
    render(req, res, 'tasks/form', await newTaskFormView(serviceContext(req), req.query));
  });

  router.post('/nouvelle', async (req, res) => {
    const ctx = serviceContext(req);
    const body = req.body as Record<string, unknown>;
    try {
      const task = await createTask(ctx, body);
      flash(req, 'success', t('tasks.flash.created'));
      redirectAfterPost(res, `/taches/${task.id}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      renderInvalid(req, res, 'tasks/form', await newTaskFormView(ctx, {}, body), error.fieldErrors);
    }
  });

  router.get('/:id', async (req, res) => {
    render(req, res, 'tasks/show', await taskPageView(serviceContext(req), req.params.id));
  });

  router.get('/:id/modifier', async (req, res) => {
    render(req, res, 'tasks/form', await editTaskFormView(serviceContext(req), req.params.id));
  });

  router.post('/:id/modifier', async (req, res) => {
    const ctx = serviceContext(req);
    const body = req.body as Record<string, unknown>;
    try {
      const task = await updateTask(ctx, req.params.id, body);
      flash(req, 'success', t('tasks.flash.updated'));
      redirectAfterPost(res, `/taches/${task.id}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      renderInvalid(req, res, 'tasks/form', await editTaskFormView(ctx, req.params.id, body), error.fieldErrors);
    }
  });

  router.post('/:id/faite', (req, res) =>
    inlineAction(req, res, async (ctx) => {
      const task = await completeTask(ctx, req.params.id);
      // « Fait, et consigner l'échange »: the exchange form, pre-filled from the task.
      const next = (req.body as Record<string, unknown>).ensuite === 'echange' ? `/echanges/nouveau?tache=${task.id}` : undefined;
      return { message: t('tasks.flash.completed', { title: task.title }), next };
    }),
  );

  router.post('/:id/rouvrir', (req, res) =>
    inlineAction(req, res, async (ctx) => {
      await reopenTask(ctx, req.params.id);
      return { message: t('tasks.flash.reopened') };
    }),
  );

  router.post('/:id/annuler', (req, res) =>
    inlineAction(req, res, async (ctx) => {
      await cancelTask(ctx, req.params.id);
      return { message: t('tasks.flash.cancelled') };
    }),
  );

  router.post('/:id/reporter', (req, res) =>
    inlineAction(req, res, async (ctx) => {
      const task = await postponeTask(ctx, req.params.id, req.body);
      return { message: t('tasks.flash.postponed', { date: formatDate(task.dueOn) }) };
    }),
  );

  router.post('/:id/reattribuer', (req, res) =>
    inlineAction(req, res, async (ctx) => {
      const { assigneeName } = await reassignTask(ctx, req.params.id, req.body);
      return { message: t('tasks.flash.reassigned', { name: assigneeName }) };
    }),
  );

  return router;
}
