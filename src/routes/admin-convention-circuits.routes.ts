// /admin/circuits-des-conventions: the approval circuit each convention kind starts (admins).
import { Router } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { ValidationError } from '../lib/errors';
import { flash, redirectAfterPost, render, renderInvalid, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { conventionCircuitOptions, listConventionKindCircuitsForAdmin, saveConventionKindCircuits } from '../services/convention-circuit';

export const CONVENTION_CIRCUITS_PATH = '/admin/circuits-des-conventions';

async function pageData(req: Parameters<typeof serviceContext>[0], values?: Record<string, unknown>) {
  const kinds = await listConventionKindCircuitsForAdmin(serviceContext(req));
  const circuits = conventionCircuitOptions();
  return {
    title: t('workflows.kindCircuits.title'),
    circuits,
    circuitChoices: circuits.map((circuit) => ({ value: circuit.key, label: circuit.name })),
    // After a refused form, the selects show what was sent, not what is stored.
    kinds: kinds.map((row) => ({ ...row, value: typeof values?.[row.kind] === 'string' ? values[row.kind] : row.definitionKey })),
  };
}

export function adminConventionCircuitsRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    render(req, res, 'admin/convention-circuits/index', await pageData(req));
  });

  router.post('/', async (req, res) => {
    try {
      const changed = await saveConventionKindCircuits(serviceContext(req), req.body);
      flash(req, 'success', changed > 0 ? t('workflows.kindCircuits.saved', { count: changed }) : t('workflows.kindCircuits.unchanged'));
      redirectAfterPost(res, CONVENTION_CIRCUITS_PATH);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      renderInvalid(req, res, 'admin/convention-circuits/index', await pageData(req, req.body as Record<string, unknown>), error.fieldErrors);
    }
  });
  return router;
}
