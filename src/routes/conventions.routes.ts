import { circuitOfConvention, createAndSubmitConvention, nextCircuitOf, submitConvention } from '../services/convention-circuit';
import { Router, type Request, type Response } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { documentStorageFor } from '../lib/documents/document-storage';
import { ValidationError } from '../lib/errors';
import type { ExportColumn } from '../lib/exports/columns';
import { CSV_CONTENT_TYPE, writeCsv } from '../lib/exports/csv';
import { deps, flash, redirectAfterPost, render, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { receiveUpload } from '../web/uploads';
import type { Convention } from '../models/schema';
import {
  EXPIRING_CHOICES,
  addConventionDocument,
  changeConventionStatus,
  chosenParentConvention,
  conventionFormOptions,
  createConvention,
  deleteConvention,
  emptyConventionValues,
  exportConventions,
  getConventionDetail,
  getConventionForEdit,
  listConventionsPage,
  openConventionDocument,
  partyRowsForForm,
  renewalValues,
  suggestParentConventions,
  terminateConvention,
  underCadreValues,
  updateConvention,
} from '../services/conventions.service';
import { pickOrganizationsFor } from '../services/organizations.service';
import { assertCan, can } from '../services/permissions';
import { exportFileName } from './organizations.routes';

function storageOf(req: Request) {
  return documentStorageFor(deps(req).config.dataDir);
}

function maxMbOf(req: Request): number {
  return deps(req).config.CONVENTION_DOCUMENT_MAX_MB;
}

/** Two empty payment lines after the filled ones, so a plain form can add some. */
function paymentRows(payments: unknown): Array<Record<string, unknown>> {
  const rows = (Array.isArray(payments) ? payments : payments && typeof payments === 'object' ? Object.values(payments) : []) as Array<Record<string, unknown>>;
  const filled = rows.filter((row) => row.dueOn || row.amount || row.label);
  return [...filled, {}, {}].map((row, index) => ({ ...row, index }));
}

function centsToInput(cents: number | null): string {
  if (cents === null) return '';
  return (cents / 100).toFixed(2).replace('.', ',').replace(/,00$/, '');
}

/** Form values of an existing convention. */
function valuesOf(convention: Convention, payments: Array<{ dueOn: string; amountCents: number; label: string | null }>): Record<string, unknown> {
  return {
    ...convention,
    amount: centsToInput(convention.amountCents),
    noticeMonths: convention.noticeMonths ?? '',
    payments: payments.map((payment) => ({ dueOn: payment.dueOn, amount: centsToInput(payment.amountCents), label: payment.label ?? '' })),
  };
}

async function renderForm(
  req: Request,
  res: Response,
  view: 'new' | 'edit',
  data: { title: string; action: string; values: Record<string, unknown>; parent?: { id: string; reference: string; title: string } | null; convention?: Convention },
  options: { status?: number; errors?: Record<string, string>; partyQuery?: string } = {},
) {
  const ctx = serviceContext(req);
  const [formOptions, parties, choices] = await Promise.all([
    conventionFormOptions(ctx),
    partyRowsForForm(ctx, data.values),
    options.partyQuery ? pickOrganizationsFor(ctx, options.partyQuery) : Promise.resolve([]),
  ]);
  render(
    req,
    res,
    `conventions/${view}`,
    {
      ...data,
      options: formOptions,
      parties,
      payments: paymentRows(data.values.payments),
      partyQuery: options.partyQuery ?? '',
      partyChoices: choices,
      errors: options.errors,
      errorSummary: options.errors ? Object.keys(options.errors).length > 0 : false,
      clauseFields: ['clauseGdpr', 'clauseIntellectualProperty', 'clauseExclusivity', 'clauseCommunication'].map((name) => ({
        name,
        label: t(`conventions.clauses.${name}`),
        checked: data.values[name] === true || data.values[name] === 'on',
      })),
    },
    { status: options.status },
  );
}

/** A submit button other than "save": search parties or add the ticked ones, then show the form again. */
function formAction(req: Request): 'search' | 'add' | null {
  const action = (req.body as Record<string, unknown>)._action;
  return action === 'searchParties' ? 'search' : action === 'addParties' ? 'add' : null;
}

function withoutAddedParties(body: Record<string, unknown>, rows: Array<{ organizationId: string; role: string; signatoryContactId: string }>) {
  return { ...body, parties: rows, addPartyIds: [] };
}

async function handleFormPost(
  req: Request,
  res: Response,
  view: 'new' | 'edit',
  data: { title: string; action: string; parent?: { id: string; reference: string; title: string } | null; convention?: Convention },
  save: () => Promise<Convention>,
  /** A catalogue key (success, with the reference), or the message to show for this convention. */
  message: string | ((convention: Convention) => { type: 'success' | 'warning'; text: string }),
) {
  const body = req.body as Record<string, unknown>;
  const action = formAction(req);
  if (action) {
    const rows = await partyRowsForForm(serviceContext(req), body);
    const values = action === 'add' ? withoutAddedParties(body, rows) : body;
    return renderForm(req, res, view, { ...data, values }, { partyQuery: action === 'search' ? String(body.partyQuery ?? '') : '' });
  }
  try {
    const convention = await save();
    const note = typeof message === 'string' ? { type: 'success' as const, text: t(message, { reference: convention.reference }) } : message(convention);
    flash(req, note.type, note.text);
    redirectAfterPost(res, `/conventions/${convention.id}`);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    await renderForm(req, res, view, { ...data, values: body }, { status: 422, errors: error.fieldErrors });
  }
}

function parentLabel(parent: Convention | null | undefined) {
  return parent ? { id: parent.id, reference: parent.reference, title: parent.title } : null;
}

export function conventionsRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const ctx = serviceContext(req);
    const [page, options] = await Promise.all([listConventionsPage(ctx, req.query), conventionFormOptions(ctx)]);
    render(
      req,
      res,
      'conventions/index',
      {
        title: t('conventions.title'),
        page,
        options,
        expiringChoices: EXPIRING_CHOICES.map((days) => ({ value: String(days), label: t('conventions.filterExpiringDays', { days }) })),
        sortChoices: (['reference', 'title', 'endsOn', 'updated'] as const).map((value) => ({ value, label: t(`conventions.sorts.${value}`) })),
        canCreate: can(req.actor, 'conventions.edit'),
      },
      { fragment: { target: 'conventions-results', partial: 'conventions/results' } },
    );
  });

  router.get('/export.csv', async (req, res) => {
    const rows = await exportConventions(serviceContext(req), req.query);
    const columns: ExportColumn[] = [
      { key: 'reference', label: t('conventions.reference') },
      { key: 'title', label: t('conventions.name') },
      { key: 'kind', label: t('conventions.kind'), format: (value) => t(`conventions.kinds.${String(value)}`) },
      { key: 'status', label: t('conventions.status'), format: (value) => t(`conventions.statuses.${String(value)}`) },
      { key: 'partyNames', label: t('conventions.parties') },
      { key: 'endsOn', label: t('conventions.endsOn'), type: 'date' },
      { key: 'noticeDeadline', label: t('conventions.noticeDeadline'), type: 'date' },
      { key: 'amountCents', label: t('conventions.amount'), format: (value) => (typeof value === 'number' ? (value / 100).toFixed(2).replace('.', ',') : '') },
      { key: 'moneyDirection', label: t('conventions.moneyDirection'), format: (value) => t(`conventions.directions.${String(value)}`) },
      { key: 'unitName', label: t('conventions.unit') },
      { key: 'ownerName', label: t('conventions.owner') },
    ];
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
    const ctx = serviceContext(req);
    assertCan(req.actor, 'conventions.edit');
    const cadreId = typeof req.query.cadre === 'string' ? req.query.cadre : null;
    if (cadreId) {
      const { parent, values } = await underCadreValues(ctx, cadreId);
      return renderForm(req, res, 'new', { title: t('conventions.underCadreTitle', { reference: parent.reference }), action: '/conventions/nouvelle', values, parent: parentLabel(parent) });
    }
    await renderForm(req, res, 'new', { title: t('conventions.createTitle'), action: '/conventions/nouvelle', values: emptyConventionValues(ctx) });
  });

  router.post('/nouvelle', async (req, res) => {
    const ctx = serviceContext(req);
    assertCan(req.actor, 'conventions.edit');
    const body = req.body as Record<string, unknown>;
    const parentId = typeof body.parentId === 'string' && body.parentId ? body.parentId : null;
    const parent = parentId ? await getConventionDetail(ctx, parentId).then((detail) => parentLabel(detail.convention)).catch(() => null) : null;
    // « Créer et soumettre au circuit »: created, then submitted (a refusal keeps the draft, and says why).
    const submitAfterCreate = body.then === 'submit';
    let refusal: string | null = null;
    const save = submitAfterCreate
      ? async () => {
          const outcome = await createAndSubmitConvention(ctx, body);
          refusal = outcome.submissionRefused;
          return outcome.convention;
        }
      : () => createConvention(ctx, body);
    await handleFormPost(req, res, 'new', { title: t('conventions.createTitle'), action: '/conventions/nouvelle', parent }, save, (convention) => {
      const reference = convention.reference;
      if (!submitAfterCreate) return { type: 'success', text: t('conventions.created', { reference }) };
      return refusal === null
        ? { type: 'success', text: t('conventions.createdAndSubmitted', { reference }) }
        : { type: 'warning', text: t('conventions.createdNotSubmitted', { reference, reason: refusal }) };
    });
  });

  router.get('/:id', async (req, res) => {
    const detail = await getConventionDetail(serviceContext(req), req.params.id);
    const { convention } = detail;
    const circuit = await circuitOfConvention(serviceContext(req), convention.id);
    const editable = detail.permissions.upload;
    const options = editable ? await conventionFormOptions(serviceContext(req)) : null;
    render(req, res, 'conventions/show', {
      title: `${convention.reference} — ${convention.title}`,
      detail,
      convention,
      options,
      maxMb: maxMbOf(req),
      clauses: (['clauseGdpr', 'clauseIntellectualProperty', 'clauseExclusivity', 'clauseCommunication'] as const).map((name) => ({ label: t(`conventions.clauses.${name}`), present: convention[name] })),
      manualStatuses: options?.statuses.filter((status) => status.value !== 'resiliee'),
      circuit,
      nextCircuit: await nextCircuitOf(serviceContext(req), convention, circuit),
      canSubmit: detail.permissions.edit && ['brouillon', 'modifications_demandees'].includes(convention.status),
      breadcrumb: [{ label: t('conventions.title'), href: '/conventions' }, { label: convention.reference }],
    });
  });

  router.get('/:id/modifier', async (req, res) => {
    const { convention, payments } = await getConventionForEdit(serviceContext(req), req.params.id);
    const parent = convention.parentId ? (await getConventionDetail(serviceContext(req), convention.parentId)).convention : null;
    const parties = (await getConventionDetail(serviceContext(req), convention.id)).parties;
    await renderForm(req, res, 'edit', {
      title: t('conventions.editTitle', { reference: convention.reference }),
      action: `/conventions/${convention.id}/modifier`,
      convention,
      parent: parentLabel(parent),
      values: { ...valuesOf(convention, payments), parties: parties.map((party) => ({ organizationId: party.organizationId, role: party.role ?? '', signatoryContactId: party.signatoryContactId ?? '' })) },
    });
  });

  router.post('/:id/modifier', async (req, res) => {
    const ctx = serviceContext(req);
    const { convention } = await getConventionForEdit(ctx, req.params.id);
    const parent = convention.parentId ? parentLabel((await getConventionDetail(ctx, convention.parentId)).convention) : null;
    await handleFormPost(
      req,
      res,
      'edit',
      { title: t('conventions.editTitle', { reference: convention.reference }), action: `/conventions/${convention.id}/modifier`, convention, parent },
      () => updateConvention(ctx, convention.id, req.body),
      'conventions.updated',
    );
  });

  router.get('/:id/renouveler', async (req, res) => {
    const { parent, values } = await renewalValues(serviceContext(req), req.params.id);
    await renderForm(req, res, 'new', { title: t('conventions.renewTitle', { reference: parent.reference }), action: '/conventions/nouvelle', values, parent: parentLabel(parent) });
  });

  router.post('/:id/soumettre', async (req, res) => {
    const convention = await submitConvention(serviceContext(req), req.params.id);
    flash(req, 'success', t('conventions.submitted', { reference: convention.reference }));
    redirectAfterPost(res, `/conventions/${convention.id}`);
  });

  router.post('/:id/statut', async (req, res) => {
    const convention = await changeConventionStatus(serviceContext(req), req.params.id, req.body);
    flash(req, 'success', t('conventions.statusChanged', { reference: convention.reference, status: t(`conventions.statuses.${convention.status}`) }));
    redirectAfterPost(res, `/conventions/${convention.id}`);
  });

  router.post('/:id/resilier', async (req, res) => {
    const convention = await terminateConvention(serviceContext(req), req.params.id, req.body);
    flash(req, 'success', t('conventions.terminated', { reference: convention.reference }));
    redirectAfterPost(res, `/conventions/${convention.id}`);
  });

  router.post('/:id/supprimer', async (req, res) => {
    const convention = await deleteConvention(serviceContext(req), req.params.id, storageOf(req));
    flash(req, 'success', t('conventions.deleted', { reference: convention.reference }));
    redirectAfterPost(res, '/conventions');
  });

  // multipart/form-data: CSRF is checked by receiveUpload (see src/lib/uploads.ts UPLOAD_PATH_PATTERNS).
  router.post('/:id/documents', async (req, res) => {
    const ctx = serviceContext(req);
    // Refuse before reading the body when the person may not upload here.
    const { convention } = await getConventionForEdit(ctx, req.params.id);
    const maxMb = maxMbOf(req);
    let upload;
    try {
      upload = await receiveUpload(req, { maxBytes: maxMb * 1024 * 1024, expectedToken: res.locals.csrfToken as string | undefined });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      flash(req, 'error', t('conventions.errors.noFile'));
      return redirectAfterPost(res, `/conventions/${convention.id}#documents`);
    }
    try {
      const result = await addConventionDocument(ctx, storageOf(req), convention.id, upload.fields, upload.file, maxMb);
      flash(req, 'success', t('conventions.documentUploaded', { fileName: result.fileName, version: result.version }));
      redirectAfterPost(res, `/conventions/${convention.id}#documents`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const detail = await getConventionDetail(ctx, convention.id);
      render(
        req,
        res.status(422),
        'conventions/show',
        {
          title: `${convention.reference} — ${convention.title}`,
          detail,
          convention: detail.convention,
          options: await conventionFormOptions(ctx),
          maxMb,
          clauses: (['clauseGdpr', 'clauseIntellectualProperty', 'clauseExclusivity', 'clauseCommunication'] as const).map((name) => ({ label: t(`conventions.clauses.${name}`), present: detail.convention[name] })),
          manualStatuses: (await conventionFormOptions(ctx)).statuses.filter((status) => status.value !== 'resiliee'),
          uploadErrors: error.fieldErrors,
          breadcrumb: [{ label: t('conventions.title'), href: '/conventions' }, { label: convention.reference }],
        },
      );
    } finally {
      await upload.cleanup();
    }
  });

  router.get('/:id/documents/:documentId/versions/:version', async (req, res) => {
    const file = await openConventionDocument(serviceContext(req), storageOf(req), req.params.id, req.params.documentId, req.params.version);
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
