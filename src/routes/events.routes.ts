// Reciprocity events (issue 13, /evenements): list, detail, form, cancellation, attendance, exports.
// Mounted after event-invitations.routes.ts (A2's /evenements/:id/invitations…).
import { Router, type Request, type Response } from 'express';
import { ValidationError, type FieldErrors } from '../lib/errors';
import { CSV_CONTENT_TYPE, writeCsv } from '../lib/exports/csv';
import { XLSX_CONTENT_TYPE, writeXlsx } from '../lib/exports/xlsx';
import { t } from '../lib/i18n';
import {
  attendanceExport,
  eventFilterOptions,
  eventFormOptions,
  getEventDetail,
  listEventsPage,
  newEventValues,
  suggestOrganizationsForEvent,
  valuesOfEvent,
  type EventFormValues,
} from '../services/event-pages.service';
import { invitationsPanelView } from '../services/event-invitations.service';
import { cancelEvent, createEvent, getEventForCancellation, getEventForEdit, recordAttendance, updateEvent } from '../services/events.service';
import { requireLogin } from '../web/auth-middleware';
import { flash, redirectAfterPost, render, serviceContext } from '../web/http';
import { exportFileName } from './organizations.routes';

const listOf = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

interface FormPage {
  eventId?: string;
  previousUnitId?: string | null;
  values: EventFormValues;
  organizationQuery?: string;
  errors?: FieldErrors;
  status?: number;
}

async function renderForm(req: Request, res: Response, page: FormPage) {
  const options = await eventFormOptions(serviceContext(req), page.values, { organizationQuery: page.organizationQuery, previousUnitId: page.previousUnitId });
  const title = page.eventId ? t('events.editEvent') : t('events.newEvent');
  render(
    req,
    res,
    'events/form',
    {
      title,
      breadcrumb: [{ label: t('events.title'), href: '/evenements' }, ...(page.eventId ? [{ label: t('events.event'), href: `/evenements/${page.eventId}` }] : []), { label: title }],
      action: page.eventId ? `/evenements/${page.eventId}/modifier` : '/evenements/nouveau',
      cancelHref: page.eventId ? `/evenements/${page.eventId}` : '/evenements',
      values: page.values,
      options,
      errors: page.errors,
    },
    { status: page.status },
  );
}

/** A posted form: « Chercher » (organisations, without JavaScript) shows it again; otherwise save, 422 keeps what was typed. */
async function handleFormPost(req: Request, res: Response, page: Omit<FormPage, 'values'>, save: () => Promise<{ id: string; message: string }>) {
  const body = req.body as Record<string, unknown>;
  if (body._action === 'searchOrganizations') {
    return renderForm(req, res, { ...page, values: body, organizationQuery: String(body.organizationQuery ?? '') });
  }
  try {
    const saved = await save();
    flash(req, 'success', saved.message);
    redirectAfterPost(res, `/evenements/${saved.id}`);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    await renderForm(req, res, { ...page, values: body, status: 422, errors: error.fieldErrors });
  }
}

async function renderShow(req: Request, res: Response, id: string, extra: { attendanceErrors?: FieldErrors; status?: number } = {}) {
  const ctx = serviceContext(req);
  const detail = await getEventDetail(ctx, id);
  // The invitations panel is A2's (event-invitations.service.ts): rendered inside this page.
  const invitationsPanel = await invitationsPanelView(ctx, id);
  render(
    req,
    res,
    'events/show',
    {
      title: detail.event.title,
      breadcrumb: [{ label: t('events.title'), href: '/evenements' }, { label: detail.event.title }],
      detail,
      invitationsPanel,
      attendanceErrors: extra.attendanceErrors,
    },
    { status: extra.status },
  );
}

function renderCancel(req: Request, res: Response, event: { id: string; title: string }, values: Record<string, unknown>, errors?: FieldErrors, status?: number) {
  render(
    req,
    res,
    'events/cancel',
    {
      title: t('events.cancelTitle'),
      breadcrumb: [{ label: t('events.title'), href: '/evenements' }, { label: event.title, href: `/evenements/${event.id}` }, { label: t('events.cancelTitle') }],
      event,
      values,
      errors,
    },
    { status },
  );
}

export function eventsRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const ctx = serviceContext(req);
    const [page, options] = await Promise.all([listEventsPage(ctx, req.query), eventFilterOptions(ctx)]);
    render(req, res, 'events/list', { title: t('events.title'), page, options }, { fragment: { target: 'events-results', partial: 'events/list-results' } });
  });

  /** Organisation suggestions of the form's picker (htmx). */
  router.get('/choix-structures', async (req, res) => {
    const suggestions = await suggestOrganizationsForEvent(serviceContext(req), String(req.query.organizationQuery ?? ''), listOf(req.query.organizationIds));
    res.render('partials/exchanges/organization-suggestions', { layout: false, suggestions, searched: String(req.query.organizationQuery ?? '').trim().length >= 2 });
  });

  router.get('/nouveau', async (req, res) => {
    await renderForm(req, res, { values: await newEventValues(serviceContext(req), req.query) });
  });

  router.post('/nouveau', async (req, res) => {
    const ctx = serviceContext(req);
    await handleFormPost(req, res, {}, async () => {
      const event = await createEvent(ctx, req.body);
      return { id: event.id, message: t('events.created') };
    });
  });

  router.get('/:id', async (req, res) => {
    await renderShow(req, res, req.params.id);
  });

  router.get('/:id/modifier', async (req, res) => {
    const { event, links } = await getEventForEdit(serviceContext(req), req.params.id);
    await renderForm(req, res, { eventId: event.id, previousUnitId: event.unitId, values: valuesOfEvent(event, links) });
  });

  router.post('/:id/modifier', async (req, res) => {
    const ctx = serviceContext(req);
    const { event } = await getEventForEdit(ctx, req.params.id);
    await handleFormPost(req, res, { eventId: event.id, previousUnitId: event.unitId }, async () => {
      const saved = await updateEvent(ctx, event.id, req.body);
      return { id: saved.event.id, message: saved.queued > 0 ? t('events.updatedAndSent', { count: saved.queued }) : t('events.updated') };
    });
  });

  router.get('/:id/annuler', async (req, res) => {
    const event = await getEventForCancellation(serviceContext(req), req.params.id);
    renderCancel(req, res, event, {});
  });

  router.post('/:id/annuler', async (req, res) => {
    const ctx = serviceContext(req);
    try {
      const { event, queued } = await cancelEvent(ctx, req.params.id, req.body);
      flash(req, 'success', queued > 0 ? t('events.cancelledAndSent', { count: queued }) : t('events.cancelled'));
      redirectAfterPost(res, `/evenements/${event.id}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const event = await getEventForCancellation(ctx, req.params.id);
      renderCancel(req, res, event, req.body as Record<string, unknown>, error.fieldErrors, 422);
    }
  });

  /** « Enregistrer les présences »: one form for the whole list (a boosted POST, then the page again with the message). */
  router.post('/:id/presences', async (req, res) => {
    const ctx = serviceContext(req);
    try {
      const result = await recordAttendance(ctx, req.params.id, req.body);
      flash(req, 'success', t('events.invitees.saved', { present: result.present, organizations: result.attendedOrganizations }));
      redirectAfterPost(res, `/evenements/${req.params.id}#presences`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      await renderShow(req, res, req.params.id, { attendanceErrors: error.fieldErrors, status: 422 });
    }
  });

  router.get('/:id/presences.csv', async (req, res) => {
    const { columns, rows } = await attendanceExport(serviceContext(req), req.params.id, 'csv');
    res.setHeader('Content-Type', CSV_CONTENT_TYPE);
    res.setHeader('Content-Disposition', `attachment; filename="${exportFileName('presences', 'csv')}"`);
    await writeCsv(res, columns, rows);
  });

  router.get('/:id/presences.xlsx', async (req, res) => {
    const { columns, rows } = await attendanceExport(serviceContext(req), req.params.id, 'xlsx');
    res.setHeader('Content-Type', XLSX_CONTENT_TYPE);
    res.setHeader('Content-Disposition', `attachment; filename="${exportFileName('presences', 'xlsx')}"`);
    await writeXlsx(res, columns, rows, { sheetName: t('events.export.sheetName') });
  });

  return router;
}
