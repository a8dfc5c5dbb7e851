// Pilots (« expérimentations », /sourcing/pilotes): list, the pilot's form, milestones, closing decision.
// Thin: every rule and view model is in src/services/sourcing-pilots.service.ts.
import { Router, type Request, type Response } from 'express';
import { ConflictError, ValidationError } from '../lib/errors';
import { formatDate } from '../lib/format';
import { t } from '../lib/i18n';
import { decidePilot, listPilotsPage, pilotPageView, savePilot, startPilot } from '../services/sourcing-pilots.service';
import { requireLogin } from '../web/auth-middleware';
import { flash, redirectAfterPost, render, renderInvalid, serviceContext } from '../web/http';

type Body = Record<string, unknown>;

/** A refused form: the page again (422) with what was typed, and the messages. */
async function invalid(req: Request, res: Response, error: ValidationError | ConflictError, submitted: { form?: Body; decision?: Body }) {
  const errors = error instanceof ValidationError ? error.fieldErrors : { _form: error.message };
  const view = await pilotPageView(serviceContext(req), req.params.id as string, { ...submitted, errors });
  renderInvalid(req, res, 'sourcing/pilots/show', { ...view, formMessage: error.message, openDecision: Boolean(submitted.decision) }, errors);
}

export function sourcingPilotsRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const view = await listPilotsPage(serviceContext(req), req.query as Record<string, unknown>);
    render(req, res, 'sourcing/pilots/index', view, { fragment: { target: 'pilots-results', partial: 'sourcing/pilots/results' } });
  });

  router.get('/:id', async (req, res) => {
    render(req, res, 'sourcing/pilots/show', await pilotPageView(serviceContext(req), req.params.id));
  });

  router.post('/:id', async (req, res) => {
    const body = req.body as Body;
    try {
      await savePilot(serviceContext(req), req.params.id, body);
    } catch (error) {
      if (!(error instanceof ValidationError || error instanceof ConflictError)) throw error;
      await invalid(req, res, error, { form: body });
      return;
    }
    flash(req, 'success', t('sourcingPilots.flash.saved'));
    redirectAfterPost(res, `/sourcing/pilotes/${req.params.id}`);
  });

  router.post('/:id/demarrer', async (req, res) => {
    try {
      await startPilot(serviceContext(req), req.params.id);
    } catch (error) {
      if (!(error instanceof ValidationError || error instanceof ConflictError)) throw error;
      await invalid(req, res, error, {});
      return;
    }
    flash(req, 'success', t('sourcingPilots.flash.started'));
    redirectAfterPost(res, `/sourcing/pilotes/${req.params.id}`);
  });

  router.post('/:id/decision', async (req, res) => {
    const body = req.body as Body;
    let outcome: Awaited<ReturnType<typeof decidePilot>>;
    try {
      outcome = await decidePilot(serviceContext(req), req.params.id, body);
    } catch (error) {
      if (!(error instanceof ValidationError || error instanceof ConflictError)) throw error;
      await invalid(req, res, error, { decision: body });
      return;
    }
    if (outcome.decision === 'prolonger') flash(req, 'success', t('sourcingPilots.flash.extended', { date: formatDate(outcome.pilot.endsOn) }));
    else if (outcome.next) flash(req, 'success', t('sourcingPilots.flash.iterated', { iteration: outcome.next.iteration }));
    else flash(req, 'success', t('sourcingPilots.flash.decided', { decision: t(`sourcingPilots.decisions.${outcome.decision}`) }));
    redirectAfterPost(res, outcome.next ? `/sourcing/pilotes/${outcome.next.id}` : `/sourcing/pilotes/${req.params.id}`);
  });

  return router;
}
