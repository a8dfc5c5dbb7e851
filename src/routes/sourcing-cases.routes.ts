// The kanban (/sourcing) and the cases (« pistes », /sourcing/pistes): create, edit, move (htmx or « Déplacer vers »).
import { Router, type Request, type Response } from 'express';
import { ConflictError, ForbiddenError, ValidationError } from '../lib/errors';
import { CSV_CONTENT_TYPE, writeCsv } from '../lib/exports/csv';
import { t } from '../lib/i18n';
import {
  caseFilterOptions,
  cardPageContext,
  casesExport,
  caseFormAgain,
  casePage,
  casesListPage,
  columnSummaries,
  createCase,
  editCaseForm,
  kanbanBoard,
  moveFromBoard,
  newCaseForm,
  pickCaseOrganizations,
  updateCase,
} from '../services/sourcing-kanban.service';
import { gatesPanelOfCase } from '../services/sourcing-gates.service';
import { pilotsPanelOfCase } from '../services/sourcing-pilots.service';
import { requireLogin } from '../web/auth-middleware';
import { exportFileName } from './organizations.routes';
import { flash, redirectAfterPost, render, renderInvalid, safeNext, serviceContext } from '../web/http';

const FORM_VIEW = 'sourcing/cases/form';

/** Where a move goes back to: a /sourcing page of this site, else the kanban. */
function returnPathOf(req: Request): string {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const path = safeNext(body.retour);
  return path === '/sourcing' || path.startsWith('/sourcing?') || path.startsWith('/sourcing/pistes') ? path : '/sourcing';
}

function queryOfPath(path: string): Record<string, string> {
  return Object.fromEntries(new URL(path, 'http://passerelle.invalid').searchParams.entries());
}

const fragmentRequest = (req: Request) => req.isHtmx && !req.isBoosted;

export function sourcingCasesRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const ctx = serviceContext(req);
    const [board, options] = await Promise.all([kanbanBoard(ctx, req.query), caseFilterOptions(ctx)]);
    render(req, res, 'sourcing/cases/kanban', { title: t('sourcingCases.title'), board, options, returnTo: board.returnTo, cardLabels: board.cardLabels, canLogExchanges: board.canLogExchanges });
  });

  router.get('/pistes', async (req, res) => {
    const ctx = serviceContext(req);
    if (req.query.format === 'csv') {
      const { columns, rows } = await casesExport(ctx, req.query);
      res.setHeader('Content-Type', CSV_CONTENT_TYPE);
      res.setHeader('Content-Disposition', `attachment; filename="${exportFileName(t('sourcingCases.list.fileName'), 'csv')}"`);
      await writeCsv(res, columns, rows);
      return;
    }
    const [page, options] = await Promise.all([casesListPage(ctx, req.query), caseFilterOptions(ctx)]);
    render(req, res, 'sourcing/cases/list', { title: t('sourcingCases.listTitle'), page, options }, { fragment: { target: 'sourcing-cases-results', partial: 'sourcing/cases/list-results' } });
  });

  /** Start-up suggestions of the form's picker (htmx; without JavaScript « Chercher » sends the form back). */
  router.get('/pistes/structures', async (req, res) => {
    const typed = String(req.query.organizationQuery ?? '');
    const choices = await pickCaseOrganizations(serviceContext(req), typed);
    res.render('partials/sourcing/cases/organization-choices', { layout: false, choices, searched: typed.trim().length >= 2 });
  });

  router.get('/pistes/nouvelle', async (req, res) => {
    const form = await newCaseForm(serviceContext(req), req.query);
    render(req, res, FORM_VIEW, { title: t('sourcingCases.newTitle'), ...form });
  });

  router.post('/pistes/nouvelle', async (req, res) => {
    const ctx = serviceContext(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body.searchOrganization) {
      render(req, res, FORM_VIEW, { title: t('sourcingCases.newTitle'), ...(await caseFormAgain(ctx, body)) });
      return;
    }
    try {
      const created = await createCase(ctx, body);
      flash(req, 'success', t('sourcingCases.created', { name: created.name }));
      redirectAfterPost(res, `/sourcing/pistes/${created.id}`);
    } catch (error) {
      await formAgain(req, res, error, t('sourcingCases.newTitle'));
    }
  });

  router.get('/pistes/:id', async (req, res) => {
    const ctx = serviceContext(req);
    const page = await casePage(ctx, req.params.id, req.query.comite);
    // The committees' (sourcing-gates) and pilots' (sourcing-pilots) panels, once the case is known readable.
    const [gatesPanel, pilotsPanel] = await Promise.all([gatesPanelOfCase(ctx, page.case.id), pilotsPanelOfCase(ctx, page.case.id)]);
    render(req, res, 'sourcing/cases/show', { title: page.case.organizationName, ...page, gatesPanel, pilotsPanel, returnTo: `/sourcing/pistes/${page.case.id}` });
  });

  router.get('/pistes/:id/modifier', async (req, res) => {
    const form = await editCaseForm(serviceContext(req), req.params.id);
    render(req, res, FORM_VIEW, { title: t('sourcingCases.editTitle'), ...form });
  });

  router.post('/pistes/:id/modifier', async (req, res) => {
    const ctx = serviceContext(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      await updateCase(ctx, req.params.id, body);
      flash(req, 'success', t('sourcingCases.updated'));
      redirectAfterPost(res, `/sourcing/pistes/${req.params.id}`);
    } catch (error) {
      await formAgain(req, res, error, t('sourcingCases.editTitle'), req.params.id);
    }
  });

  /**
   * A move (« Déplacer vers » or a drop on the kanban). htmx: the card re-rendered at the top of its
   * new column, the columns' figures and the message (aria-live #flash), or — refused or gated —
   * only the message (the script puts a dropped card back). Without JavaScript: 303 with a flash.
   */
  router.post('/pistes/:id/deplacer', async (req, res) => {
    const ctx = serviceContext(req);
    const back = returnPathOf(req);
    try {
      const result = await moveFromBoard(ctx, req.params.id, (req.body ?? {}) as Record<string, unknown>);
      if (result.outcome === 'gate') {
        const link = `/sourcing/comites/nouveau?piste=${result.caseId}&vers=${result.stage}`;
        if (fragmentRequest(req)) {
          res.status(409).set('HX-Retarget', '#flash').set('HX-Reswap', 'innerHTML');
          res.render('partials/sourcing/cases/gate-notice', { layout: false, message: result.message, link });
          return;
        }
        flash(req, 'info', result.message);
        redirectAfterPost(res, `/sourcing/pistes/${result.caseId}?comite=${result.stage}`);
        return;
      }
      const message = t('sourcingCases.moved', { name: result.name, stage: result.card.stageLabel });
      if (fragmentRequest(req)) {
        const summaries = await columnSummaries(ctx, queryOfPath(back));
        res.render('partials/sourcing/cases/moved', { layout: false, card: result.card, summaries, message, returnTo: back, ...cardPageContext(ctx) });
        return;
      }
      flash(req, 'success', message);
      redirectAfterPost(res, back);
    } catch (error) {
      if (!(error instanceof ConflictError || error instanceof ForbiddenError || error instanceof ValidationError)) throw error;
      const status = error instanceof ConflictError ? 409 : error instanceof ForbiddenError ? 403 : 422;
      if (fragmentRequest(req)) {
        res.status(status).set('HX-Retarget', '#flash').set('HX-Reswap', 'innerHTML');
        res.render('partials/ui/flash-messages', { layout: false, flash: [{ type: 'error', message: error.message }] });
        return;
      }
      flash(req, 'error', error.message);
      redirectAfterPost(res, back);
    }
  });

  return router;
}

async function formAgain(req: Request, res: Response, error: unknown, title: string, caseId?: string): Promise<void> {
  const ctx = serviceContext(req);
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (error instanceof ValidationError) {
    renderInvalid(req, res, FORM_VIEW, { title, ...(await caseFormAgain(ctx, body, caseId)) }, error.fieldErrors);
    return;
  }
  if (error instanceof ConflictError) {
    renderInvalid(req, res, FORM_VIEW, { title, ...(await caseFormAgain(ctx, body, caseId)) }, { challengeId: error.message });
    return;
  }
  throw error;
}
