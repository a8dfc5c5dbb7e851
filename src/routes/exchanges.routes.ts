import { Router, type Request, type Response } from 'express';
import { ValidationError, type FieldErrors } from '../lib/errors';
import { t } from '../lib/i18n';
import {
  addExchangeAttachment,
  assertMayAttach,
  contactChoicesForExchange,
  createExchange,
  deleteExchange,
  exchangeFormOptions,
  getExchangeDetail,
  getExchangeForDeletion,
  getExchangeForEdit,
  logChooser,
  newExchangeValues,
  openExchangeAttachment,
  removeExchangeAttachment,
  suggestOrganizationsForExchange,
  updateExchange,
  type ExchangeFormValues,
} from '../services/exchanges.service';
import { requireLogin } from '../web/auth-middleware';
import { flash, redirectAfterPost, render, serviceContext } from '../web/http';
import { documentMaxMbOf, documentStorageOf, receiveUpload } from '../web/uploads';


const listOf = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

interface FormPage {
  exchangeId?: string;
  previousUnitIds?: readonly string[];
  values: ExchangeFormValues;
  organizationQuery?: string;
  errors?: FieldErrors;
  status?: number;
}

async function renderForm(req: Request, res: Response, page: FormPage) {
  const options = await exchangeFormOptions(serviceContext(req), page.values, { organizationQuery: page.organizationQuery, previousUnitIds: page.previousUnitIds });
  const title = page.exchangeId ? t('exchanges.editExchange') : t('exchanges.newExchange');
  render(
    req,
    res,
    'exchanges/form',
    {
      title,
      breadcrumb: [{ label: t('exchanges.title'), href: '/echanges' }, ...(page.exchangeId ? [{ label: t('exchanges.exchange'), href: `/echanges/${page.exchangeId}` }] : []), { label: title }],
      action: page.exchangeId ? `/echanges/${page.exchangeId}/modifier` : '/echanges/nouveau',
      cancelHref: page.exchangeId ? `/echanges/${page.exchangeId}` : '/echanges',
      exchangeId: page.exchangeId,
      values: page.values,
      options,
      errors: page.errors,
    },
    { status: page.status },
  );
}

/**
 * A posted exchange form: « Chercher » (organisations) and « Actualiser les contacts » show the
 * form again with what was typed (the picker without JavaScript); otherwise save, and a 422
 * shows everything typed with the messages.
 */
async function handleFormPost(req: Request, res: Response, page: Omit<FormPage, 'values'>, save: () => Promise<{ exchange: { id: string }; task: { title: string } | null }>) {
  const body = req.body as Record<string, unknown>;
  const action = body._action;
  if (action === 'searchOrganizations' || action === 'refreshContacts') {
    return renderForm(req, res, { ...page, values: body, organizationQuery: action === 'searchOrganizations' ? String(body.organizationQuery ?? '') : '' });
  }
  try {
    const { exchange, task } = await save();
    flash(req, 'success', task ? t('exchanges.createdWithTask', { title: task.title }) : page.exchangeId ? t('exchanges.updated') : t('exchanges.created'));
    redirectAfterPost(res, `/echanges/${exchange.id}`);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    await renderForm(req, res, { ...page, values: body, status: 422, errors: error.fieldErrors });
  }
}

async function renderShow(req: Request, res: Response, id: string, extra: { uploadErrors?: FieldErrors; status?: number } = {}) {
  const detail = await getExchangeDetail(serviceContext(req), id);
  render(
    req,
    res,
    'exchanges/show',
    {
      title: detail.exchange.summary,
      breadcrumb: [{ label: t('exchanges.title'), href: '/echanges' }, { label: detail.kindLabel }],
      detail,
      maxMb: documentMaxMbOf(req),
      uploadErrors: extra.uploadErrors,
    },
    { status: extra.status },
  );
}

/**
 * Mounted at /echanges after the list (exchange-list.routes.ts) and the start-up meeting form:
 * the chooser of the header's « + Saisir », the exchange form, one exchange's page, its edit,
 * deletion and attachments.
 */
export function exchangesRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  /** « + Saisir »: what to log (works without JavaScript; the header links here). */
  router.get('/saisir', (req, res) => {
    render(req, res, 'exchanges/chooser', { title: t('exchanges.chooserTitle'), ...logChooser(serviceContext(req)) });
  });

  /** Organisation suggestions (htmx): unchecked checkboxes `organizationIds`, those already chosen left out. */
  router.get('/choix-structures', async (req, res) => {
    const choices = await suggestOrganizationsForExchange(serviceContext(req), String(req.query.organizationQuery ?? ''), listOf(req.query.organizationIds));
    res.render('partials/exchanges/organization-suggestions', { layout: false, suggestions: choices, searched: String(req.query.organizationQuery ?? '').trim().length >= 2 });
  });

  /** The contacts of the chosen organisations (htmx, when the organisations change), chosen ones kept. */
  router.get('/choix-contacts', async (req, res) => {
    const contactChoices = await contactChoicesForExchange(serviceContext(req), listOf(req.query.organizationIds), listOf(req.query.contactIds));
    res.render('partials/exchanges/contact-choices', { layout: false, options: { contactChoices } });
  });

  router.get('/nouveau', async (req, res) => {
    await renderForm(req, res, { values: await newExchangeValues(serviceContext(req), req.query) });
  });

  router.post('/nouveau', async (req, res) => {
    const ctx = serviceContext(req);
    await handleFormPost(req, res, {}, () => createExchange(ctx, req.body));
  });

  router.get('/:id', async (req, res) => {
    await renderShow(req, res, req.params.id);
  });

  router.get('/:id/modifier', async (req, res) => {
    const { exchange, links, values } = await getExchangeForEdit(serviceContext(req), req.params.id);
    await renderForm(req, res, { exchangeId: exchange.id, previousUnitIds: links.unitIds, values });
  });

  router.post('/:id/modifier', async (req, res) => {
    const ctx = serviceContext(req);
    const { exchange, links } = await getExchangeForEdit(ctx, req.params.id);
    await handleFormPost(req, res, { exchangeId: exchange.id, previousUnitIds: links.unitIds }, () => updateExchange(ctx, exchange.id, req.body));
  });

  router.get('/:id/supprimer', async (req, res) => {
    const { exchange } = await getExchangeForDeletion(serviceContext(req), req.params.id);
    render(req, res, 'exchanges/delete', { title: t('exchanges.deleteTitle'), breadcrumb: [{ label: t('exchanges.title'), href: '/echanges' }, { label: t('exchanges.deleteTitle') }], exchange, values: {} });
  });

  router.post('/:id/supprimer', async (req, res) => {
    const ctx = serviceContext(req);
    try {
      await deleteExchange(ctx, documentStorageOf(req), req.params.id, req.body);
      flash(req, 'success', t('exchanges.deleted'));
      redirectAfterPost(res, '/echanges');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const { exchange } = await getExchangeForDeletion(ctx, req.params.id);
      render(
        req,
        res,
        'exchanges/delete',
        { title: t('exchanges.deleteTitle'), breadcrumb: [{ label: t('exchanges.title'), href: '/echanges' }, { label: t('exchanges.deleteTitle') }], exchange, values: req.body, errors: error.fieldErrors },
        { status: 422 },
      );
    }
  });

  // multipart/form-data: CSRF is checked by receiveUpload (see src/web/uploads.ts UPLOAD_PATH_PATTERNS).
  router.post('/:id/pieces-jointes', async (req, res) => {
    const ctx = serviceContext(req);
    // Refuse before reading the body when the person may not add files here.
    const exchange = await assertMayAttach(ctx, req.params.id);
    const maxMb = documentMaxMbOf(req);
    let upload;
    try {
      upload = await receiveUpload(req, { maxBytes: maxMb * 1024 * 1024, expectedToken: res.locals.csrfToken as string | undefined });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      flash(req, 'error', t('exchanges.errors.noFile'));
      return redirectAfterPost(res, `/echanges/${exchange.id}#pieces-jointes`);
    }
    try {
      const attachment = await addExchangeAttachment(ctx, documentStorageOf(req), exchange.id, upload.file, maxMb);
      flash(req, 'success', t('exchanges.attachmentAdded', { fileName: attachment.fileName }));
      redirectAfterPost(res, `/echanges/${exchange.id}#pieces-jointes`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      await renderShow(req, res, exchange.id, { uploadErrors: error.fieldErrors, status: 422 });
    } finally {
      await upload.cleanup();
    }
  });

  router.get('/:id/pieces-jointes/:attachmentId', async (req, res) => {
    const file = await openExchangeAttachment(serviceContext(req), documentStorageOf(req), req.params.id, req.params.attachmentId);
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Length', String(file.size));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'private, no-store');
    res.attachment(file.fileName);
    file.stream.on('error', (error) => res.destroy(error));
    file.stream.pipe(res);
  });

  router.post('/:id/pieces-jointes/:attachmentId/supprimer', async (req, res) => {
    const attachment = await removeExchangeAttachment(serviceContext(req), documentStorageOf(req), req.params.id, req.params.attachmentId);
    flash(req, 'success', t('exchanges.attachmentRemoved', { fileName: attachment.fileName }));
    redirectAfterPost(res, `/echanges/${req.params.id}#pieces-jointes`);
  });

  return router;
}
