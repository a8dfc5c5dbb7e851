import { Router, type Request, type Response } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { ValidationError } from '../lib/errors';
import { CSV_CONTENT_TYPE, writeCsv } from '../lib/exports/csv';
import { flash, redirectAfterPost, render, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { documentMaxMbOf, documentStorageOf, receiveUpload } from '../web/uploads';
import { submitConvention } from '../services/convention-circuit';
import {
  type ConventionFormData,
  type SavedConvention,
  conventionCsvExport,
  conventionFormView,
  conventionListPageView,
  conventionPageView,
  editConventionFormData,
  newConventionFormData,
  postedNewConventionFormData,
  renewalFormData,
  saveEditedConvention,
  saveNewConvention,
} from '../services/convention-pages.service';
import {
  addConventionDocument,
  changeConventionStatus,
  chosenParentConvention,
  deleteConvention,
  getConventionForEdit,
  openConventionDocument,
  partyRowsForForm,
  setDocumentConfidentiality,
  suggestParentConventions,
  terminateConvention,
} from '../services/conventions.service';
import { pickOrganizationsFor } from '../services/organizations.service';
import { exportFileName } from './organizations.routes';
import { timelineHandler } from './timeline-response';


async function renderForm(req: Request, res: Response, view: 'new' | 'edit', data: ConventionFormData, options: { status?: number; errors?: Record<string, string>; partyQuery?: string } = {}) {
  render(req, res, `conventions/${view}`, await conventionFormView(serviceContext(req), data, options), { status: options.status });
}

/** A submit button other than "save": search parties or add the ticked ones, then show the form again. */
function formAction(req: Request): 'search' | 'add' | null {
  const action = (req.body as Record<string, unknown>)._action;
  return action === 'searchParties' ? 'search' : action === 'addParties' ? 'add' : null;
}

async function handleFormPost(req: Request, res: Response, view: 'new' | 'edit', data: Omit<ConventionFormData, 'values'>, save: () => Promise<SavedConvention>) {
  const body = req.body as Record<string, unknown>;
  const action = formAction(req);
  if (action) {
    const rows = await partyRowsForForm(serviceContext(req), body);
    const values = action === 'add' ? { ...body, parties: rows, addPartyIds: [] } : body;
    return renderForm(req, res, view, { ...data, values }, { partyQuery: action === 'search' ? String(body.partyQuery ?? '') : '' });
  }
  try {
    const { convention, note } = await save();
    flash(req, note.type, note.text);
    redirectAfterPost(res, `/conventions/${convention.id}`);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    await renderForm(req, res, view, { ...data, values: body }, { status: 422, errors: error.fieldErrors });
  }
}

/** The convention page again, with a failed post's messages next to its fields (422). */
async function renderPageAgain(req: Request, res: Response, id: string, failed: Parameters<typeof conventionPageView>[2]) {
  render(req, res, 'conventions/show', { ...(await conventionPageView(serviceContext(req), id, failed)), maxMb: documentMaxMbOf(req) }, { status: 422 });
}

export function conventionsRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const view = await conventionListPageView(serviceContext(req), req.query);
    render(req, res, 'conventions/index', view, { fragment: { target: 'conventions-results', partial: 'conventions/results' } });
  });

  router.get('/export.csv', async (req, res) => {
    const { columns, rows } = await conventionCsvExport(serviceContext(req), req.query);
    res.setHeader('Content-Type', CSV_CONTENT_TYPE);
    res.setHeader('Content-Disposition', `attachment; filename="${exportFileName('conventions', 'csv')}"`);
    await writeCsv(res, columns, rows);
  });

  /** The deadlines view of DESIGN.md's URL map: conventions ending within 90 days, soonest first. */
  router.get('/echeances', (_req, res) => {
    res.redirect(302, '/conventions?expiring=90&on=fin&sort=endsOn&dir=asc');
  });

  /** Party picker: organisations matching the typed name, as checkboxes `addPartyIds`. */
  router.get('/choix-parties', async (req, res) => {
    const choices = await pickOrganizationsFor(serviceContext(req), String(req.query.partyQuery ?? ''));
    res.render('partials/conventions/party-choices', { layout: false, partyChoices: choices });
  });

  /** Parent picker: conventions that may be the parent of the chosen kind, matching what was typed. */
  router.get('/choix-parent', async (req, res) => {
    const result = await suggestParentConventions(serviceContext(req), req.query);
    res.render('partials/conventions/parent-suggestion-list', { layout: false, ...result });
  });

  /** A suggestion chosen: the parent field again, filled with its reference (saved as typed without JavaScript). */
  router.get('/choix-parent/:id', async (req, res) => {
    const chosen = await chosenParentConvention(serviceContext(req), req.params.id);
    // The edited convention (never its own parent) stays excluded from the next suggestions.
    const excluded = typeof req.query.sauf === 'string' && /^[0-9a-f-]{36}$/i.test(req.query.sauf) ? { id: req.query.sauf } : undefined;
    res.render('partials/conventions/parent-fields', { layout: false, values: { parentId: chosen.reference }, chosen, convention: excluded, autofocus: true });
  });

  router.get('/nouvelle', async (req, res) => {
    await renderForm(req, res, 'new', await newConventionFormData(serviceContext(req), req.query.cadre));
  });

  router.post('/nouvelle', async (req, res) => {
    const ctx = serviceContext(req);
    const body = req.body as Record<string, unknown>;
    await handleFormPost(req, res, 'new', await postedNewConventionFormData(ctx, body), () => saveNewConvention(ctx, body));
  });

  router.get('/:id', async (req, res) => {
    render(req, res, 'conventions/show', { ...(await conventionPageView(serviceContext(req), req.params.id)), maxMb: documentMaxMbOf(req) });
  });

  router.get('/:id/historique', timelineHandler('convention'));

  router.get('/:id/modifier', async (req, res) => {
    await renderForm(req, res, 'edit', await editConventionFormData(serviceContext(req), req.params.id));
  });

  router.post('/:id/modifier', async (req, res) => {
    const ctx = serviceContext(req);
    const { values: _values, ...data } = await editConventionFormData(ctx, req.params.id);
    const id = data.convention?.id ?? req.params.id;
    await handleFormPost(req, res, 'edit', data, () => saveEditedConvention(ctx, id, req.body));
  });

  router.get('/:id/renouveler', async (req, res) => {
    await renderForm(req, res, 'new', await renewalFormData(serviceContext(req), req.params.id));
  });

  router.post('/:id/soumettre', async (req, res) => {
    const convention = await submitConvention(serviceContext(req), req.params.id);
    flash(req, 'success', t('conventions.submitted', { reference: convention.reference }));
    redirectAfterPost(res, `/conventions/${convention.id}`);
  });

  router.post('/:id/statut', async (req, res) => {
    try {
      const convention = await changeConventionStatus(serviceContext(req), req.params.id, req.body);
      flash(req, 'success', t('conventions.statusChanged', { reference: convention.reference, status: t(`conventions.statuses.${convention.status}`) }));
      redirectAfterPost(res, `/conventions/${convention.id}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const body = req.body as Record<string, unknown>;
      await renderPageAgain(req, res, req.params.id, { statusErrors: error.fieldErrors, statusValues: { status: body.status, reason: body.reason } });
    }
  });

  router.post('/:id/resilier', async (req, res) => {
    const convention = await terminateConvention(serviceContext(req), req.params.id, req.body);
    flash(req, 'success', t('conventions.terminated', { reference: convention.reference }));
    redirectAfterPost(res, `/conventions/${convention.id}`);
  });

  router.post('/:id/supprimer', async (req, res) => {
    const convention = await deleteConvention(serviceContext(req), req.params.id, documentStorageOf(req));
    flash(req, 'success', t('conventions.deleted', { reference: convention.reference }));
    redirectAfterPost(res, '/conventions');
  });

  // multipart/form-data: CSRF is checked by receiveUpload (see src/lib/uploads.ts UPLOAD_PATH_PATTERNS).
  router.post('/:id/documents', async (req, res) => {
    const ctx = serviceContext(req);
    // Refuse before reading the body when the person may not upload here.
    const { convention } = await getConventionForEdit(ctx, req.params.id);
    const maxMb = documentMaxMbOf(req);
    let upload;
    try {
      upload = await receiveUpload(req, { maxBytes: maxMb * 1024 * 1024, expectedToken: res.locals.csrfToken as string | undefined });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      flash(req, 'error', t('conventions.errors.noFile'));
      return redirectAfterPost(res, `/conventions/${convention.id}#documents`);
    }
    try {
      const result = await addConventionDocument(ctx, documentStorageOf(req), convention.id, upload.fields, upload.file, maxMb);
      flash(req, 'success', t('conventions.documentUploaded', { fileName: result.fileName, version: result.version }));
      redirectAfterPost(res, `/conventions/${convention.id}#documents`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      await renderPageAgain(req, res, convention.id, { uploadErrors: error.fieldErrors });
    } finally {
      await upload.cleanup();
    }
  });

  router.post('/:id/documents/:documentId/confidentialite', async (req, res) => {
    const document = await setDocumentConfidentiality(serviceContext(req), req.params.id, req.params.documentId, req.body);
    flash(req, 'success', t(document.confidential ? 'conventions.documentMadeConfidential' : 'conventions.documentMadePublic', { title: document.title }));
    redirectAfterPost(res, `/conventions/${req.params.id}#documents`);
  });

  router.get('/:id/documents/:documentId/versions/:version', async (req, res) => {
    const file = await openConventionDocument(serviceContext(req), documentStorageOf(req), req.params.id, req.params.documentId, req.params.version);
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Length', String(file.size));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'private, no-store');
    res.attachment(file.fileName);
    file.stream.on('error', (error) => res.destroy(error));
    file.stream.pipe(res);
  });

  return router;
}
