// Stage gates (/sourcing/comites): start a committee, scorecards, the sponsor's decision, the decision log exports.
import { Router, type Request, type Response } from 'express';
import { ValidationError } from '../lib/errors';
import { CSV_CONTENT_TYPE, writeCsv } from '../lib/exports/csv';
import { t } from '../lib/i18n';
import {
  decideGate,
  decisionLog,
  decisionLogExport,
  declareConflict,
  gateFormOptions,
  getDecisionPage,
  getGatePage,
  getScorecardPage,
  replaceEvaluator,
  resubmitGate,
  startGate,
  submitScorecard,
} from '../services/sourcing-gates.service';
import { decisionLogPdf } from '../services/sourcing-gates-pdf';
import { requireLogin } from '../web/auth-middleware';
import { flash, redirectAfterPost, render, renderInvalid, serviceContext } from '../web/http';

const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;

export function sourcingGatesRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  const renderStart = async (req: Request, res: Response, values: Record<string, unknown> = {}, errors?: Record<string, string>) => {
    const options = await gateFormOptions(serviceContext(req), req.query.piste, req.query.vers);
    const selected = Array.isArray(values.evaluatorIds) ? values.evaluatorIds : values.evaluatorIds ? [values.evaluatorIds] : [];
    const data = { ...options, caseTitle: options.title, title: t('sourcingGates.startTitle'), values: { ...values, evaluatorIds: selected } };
    if (errors) renderInvalid(req, res, 'sourcing/gates/new', data, errors);
    else render(req, res, 'sourcing/gates/new', data);
  };

  router.get('/nouveau', (req, res) => renderStart(req, res));

  router.post('/nouveau', async (req, res) => {
    try {
      const gate = await startGate(serviceContext(req), req.query.piste ?? body(req).piste, req.query.vers ?? body(req).vers, body(req));
      flash(req, 'success', t('sourcingGates.started'));
      redirectAfterPost(res, `/sourcing/comites/${gate.id}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      await renderStart(req, res, body(req), error.fieldErrors);
    }
  });

  router.get('/journal', async (req, res) => {
    const ctx = serviceContext(req);
    const format = req.query.format;
    if (format === 'csv') {
      const { columns, rows } = await decisionLogExport(ctx, req.query.defi, 'csv');
      res.setHeader('Content-Type', CSV_CONTENT_TYPE);
      res.setHeader('Content-Disposition', 'attachment; filename="journal-des-decisions.csv"');
      await writeCsv(res, columns, rows);
      return;
    }
    if (format === 'pdf') {
      const pdf = await decisionLogPdf(ctx, req.query.defi);
      res.setHeader('Content-Type', 'application/pdf');
      res.setHeader('Content-Disposition', 'attachment; filename="journal-des-decisions.pdf"');
      res.end(pdf);
      return;
    }
    const log = await decisionLog(ctx, req.query.defi);
    render(req, res, 'sourcing/gates/journal', { title: t('sourcingGates.log.title', { title: log.challenge.title }), ...log });
  });

  const renderScorecard = async (req: Request, res: Response, values?: Record<string, unknown>, errors?: Record<string, string>, view = 'scorecard') => {
    const page = await getScorecardPage(serviceContext(req), String(req.params.stepId));
    const title = view === 'conflict' ? t('sourcingGates.scorecard.conflictTitle') : t('sourcingGates.scorecard.title', { title: page.title });
    const data = { ...page, title, pageTitle: page.title, values: view === 'conflict' ? page.values : (values ?? page.values), conflict: view === 'conflict' ? (values ?? {}) : {} };
    if (errors) renderInvalid(req, res, `sourcing/gates/${view}`, data, errors);
    else render(req, res, `sourcing/gates/${view}`, data);
  };

  router.get('/etapes/:stepId/evaluation', (req, res) => renderScorecard(req, res));

  router.post('/etapes/:stepId/evaluation', async (req, res) => {
    try {
      await submitScorecard(serviceContext(req), String(req.params.stepId), body(req));
      flash(req, 'success', t('sourcingGates.scorecard.submitted'));
      redirectAfterPost(res, `/sourcing/comites/etapes/${req.params.stepId}/evaluation`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      await renderScorecard(req, res, body(req), error.fieldErrors);
    }
  });

  router.get('/etapes/:stepId/conflit', (req, res) => renderScorecard(req, res, undefined, undefined, 'conflict'));

  router.post('/etapes/:stepId/conflit', async (req, res) => {
    try {
      const { replacement } = await declareConflict(serviceContext(req), String(req.params.stepId), body(req));
      flash(req, 'success', t('sourcingGates.scorecard.recused', { name: replacement.displayName }));
      redirectAfterPost(res, '/validations');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      await renderScorecard(req, res, body(req), error.fieldErrors, 'conflict');
    }
  });

  const renderDecision = async (req: Request, res: Response, values: Record<string, unknown> = {}, errors?: Record<string, string>) => {
    const page = await getDecisionPage(serviceContext(req), String(req.params.stepId));
    const data = { ...page, title: t('sourcingGates.decision.title', { title: page.title }), pageTitle: page.title, values };
    if (errors) renderInvalid(req, res, 'sourcing/gates/decision', data, errors);
    else render(req, res, 'sourcing/gates/decision', data);
  };

  router.get('/etapes/:stepId/decision', (req, res) => renderDecision(req, res));

  router.post('/etapes/:stepId/decision', async (req, res) => {
    try {
      const { gate, decision } = await decideGate(serviceContext(req), String(req.params.stepId), body(req));
      flash(req, 'success', t('sourcingGates.decision.done', { decision: t(`sourcingGates.decisions.${decision}`) }));
      redirectAfterPost(res, `/sourcing/comites/${gate.id}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      await renderDecision(req, res, body(req), error.fieldErrors);
    }
  });

  const renderGate = async (req: Request, res: Response, values: Record<string, unknown> = {}, errors?: Record<string, string>) => {
    const page = await getGatePage(serviceContext(req), String(req.params.gateId));
    const data = { ...page, title: t('sourcingGates.gateTitle', { title: page.title }), pageTitle: page.title, values };
    if (errors) renderInvalid(req, res, 'sourcing/gates/show', data, errors);
    else render(req, res, 'sourcing/gates/show', data);
  };

  router.get('/:gateId', (req, res) => renderGate(req, res));

  router.post('/:gateId/remplacer', async (req, res) => {
    try {
      const { replacement } = await replaceEvaluator(serviceContext(req), String(req.params.gateId), body(req));
      flash(req, 'success', t('sourcingGates.page.replaced', { name: replacement.displayName }));
      redirectAfterPost(res, `/sourcing/comites/${req.params.gateId}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      await renderGate(req, res, body(req), error.fieldErrors);
    }
  });

  router.post('/:gateId/complement', async (req, res) => {
    try {
      await resubmitGate(serviceContext(req), String(req.params.gateId), body(req));
      flash(req, 'success', t('sourcingGates.page.resubmitted'));
      redirectAfterPost(res, `/sourcing/comites/${req.params.gateId}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      await renderGate(req, res, body(req), error.fieldErrors);
    }
  });

  return router;
}
