import { Router, type Request, type Response } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { ValidationError } from '../lib/errors';
import { flash, redirectAfterPost, render, renderInvalid, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { CSV_CONTENT_TYPE, writeCsv } from '../lib/exports/csv';
import { XLSX_CONTENT_TYPE, writeXlsx } from '../lib/exports/xlsx';
import { organizationExport } from '../services/directory-export.service';
import { readTimeline } from '../services/timeline.service';
import { timelineHandler } from './timeline-response';
import { can } from '../services/permissions';
import { reciprocityFilterChoices, reciprocityOfOrganization } from '../services/reciprocity.service';
import { eventsOfOrganization } from '../services/event-pages.service';
import {
  DuplicatesFoundError,
  archiveOrganization,
  createOrganization,
  getOrganizationDetail,
  getOrganizationForEdit,
  listOrganizationsPage,
  newOrganizationForm,
  organizationFormOptions,
  pickOrganizationsFor,
  restoreOrganization,
  updateOrganization,
} from '../services/organizations.service';

/** passerelle-structures-2026-11-23.csv */
export function exportFileName(what: string, extension: string): string {
  return `passerelle-${what}-${new Date().toISOString().slice(0, 10)}.${extension}`;
}

const INACTIVITY_CHOICES = [6, 12, 24, 36];

/** Form values as arrays, whether one or several boxes were ticked. */
function asList(value: unknown): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)];
}

function formValues(req: Request) {
  return { ...req.body, unitIds: asList(req.body.unitIds) };
}

/** Re-renders a form after a validation error or a duplicate warning, keeping what was typed. */
async function renderFormAgain(req: Request, res: Response, view: string, data: Record<string, unknown>, error: unknown) {
  const options = await organizationFormOptions(serviceContext(req));
  if (error instanceof DuplicatesFoundError) {
    // Not an error of the person: a warning that needs an explicit confirmation (409).
    return render(req, res, view, { ...data, options, values: formValues(req), duplicateCandidates: error.candidates }, { status: 409 });
  }
  if (error instanceof ValidationError) {
    return renderInvalid(req, res, view, { ...data, options, values: formValues(req) }, error.fieldErrors);
  }
  throw error;
}

export function organizationsRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const ctx = serviceContext(req);
    const [page, options] = await Promise.all([listOrganizationsPage(ctx, req.query), organizationFormOptions(ctx)]);
    render(
      req,
      res,
      'organizations/index',
      {
        title: t('organizations.title'),
        page,
        options,
        inactivityChoices: INACTIVITY_CHOICES.map((months) => ({ value: String(months), label: t('organizations.filterInactiveMonths', { months }) })),
        sortChoices: (['name', 'updated', 'created', 'activity'] as const).map((value) => ({ value, label: t(`organizations.sorts.${value}`) })),
        reciprocityChoices: reciprocityFilterChoices(),
        canCreate: can(req.actor, 'directory.edit'),
        canSeeArchived: can(req.actor, 'directory.archive'),
      },
      { fragment: { target: 'organizations-results', partial: 'organizations/results' } },
    );
  });

  router.get('/nouveau', async (req, res) => {
    const options = await newOrganizationForm(serviceContext(req));
    render(req, res, 'organizations/new', {
      title: t('organizations.createTitle'),
      options,
      values: { status: 'prospect', kindCode: '', unitIds: req.actor?.unitIds ?? [] },
    });
  });

  router.post('/nouveau', async (req, res) => {
    try {
      const organization = await createOrganization(serviceContext(req), req.body);
      flash(req, 'success', t('organizations.created', { name: organization.name }));
      redirectAfterPost(res, `/structures/${organization.id}`);
    } catch (error) {
      await renderFormAgain(req, res, 'organizations/new', { title: t('organizations.createTitle') }, error);
    }
  });

  router.get('/export.csv', async (req, res) => {
    const { columns, rows } = await organizationExport(serviceContext(req), req.query, 'csv');
    res.setHeader('Content-Type', CSV_CONTENT_TYPE);
    res.setHeader('Content-Disposition', `attachment; filename="${exportFileName('structures', 'csv')}"`);
    await writeCsv(res, columns, rows);
  });

  router.get('/export.xlsx', async (req, res) => {
    const { columns, rows } = await organizationExport(serviceContext(req), req.query, 'xlsx');
    res.setHeader('Content-Type', XLSX_CONTENT_TYPE);
    res.setHeader('Content-Disposition', `attachment; filename="${exportFileName('structures', 'xlsx')}"`);
    await writeXlsx(res, columns, rows, { sheetName: t('organizations.title') });
  });

  /** Picker for the parent organisation (and later the affiliation form): a list of choices. */
  router.get('/choix', async (req, res) => {
    const typed = req.query.q ?? req.query.parentQuery ?? req.query.organizationQuery ?? '';
    const choices = await pickOrganizationsFor(serviceContext(req), String(typed));
    res.render('partials/organizations/picker-choices', {
      layout: false,
      choices,
      field: String(req.query.field ?? 'parentId').replace(/[^a-zA-Z]/g, ''),
    });
  });

  router.get('/:id', async (req, res) => {
    const ctx = serviceContext(req);
    const detail = await getOrganizationDetail(ctx, req.params.id);
    if (detail.kind === 'redirect') return res.redirect(302, detail.to);
    render(req, res, 'organizations/show', {
      title: detail.organization.name,
      detail,
      organization: detail.organization,
      hidden: Object.fromEntries(detail.hiddenFields.map((field) => [field, true])),
      timeline: await readTimeline(ctx, { type: 'organization', id: detail.organization.id }, {}),
      reciprocity: await reciprocityOfOrganization(ctx, detail.organization.id),
      events: await eventsOfOrganization(ctx, detail.organization.id),
      breadcrumb: [{ label: t('organizations.title'), href: '/structures' }, { label: detail.organization.name }],
    });
  });

  router.get('/:id/historique', timelineHandler('organization'));

  router.get('/:id/modifier', async (req, res) => {
    const ctx = serviceContext(req);
    const { organization, unitIds, parent } = await getOrganizationForEdit(ctx, req.params.id);
    const options = await organizationFormOptions(ctx);
    render(req, res, 'organizations/edit', {
      title: t('organizations.editTitle', { name: organization.name }),
      organization,
      parent,
      options,
      values: { ...organization, uai: organization.uai.join(', '), otherSirets: organization.otherSirets.join(', '), tags: organization.tags.join(', '), unitIds },
    });
  });

  router.post('/:id/modifier', async (req, res) => {
    const ctx = serviceContext(req);
    try {
      const organization = await updateOrganization(ctx, req.params.id, req.body);
      flash(req, 'success', t('organizations.updated', { name: organization.name }));
      redirectAfterPost(res, `/structures/${organization.id}`);
    } catch (error) {
      const { organization, parent } = await getOrganizationForEdit(ctx, req.params.id);
      await renderFormAgain(req, res, 'organizations/edit', { title: t('organizations.editTitle', { name: organization.name }), organization, parent }, error);
    }
  });

  router.post('/:id/archiver', async (req, res) => {
    const organization = await archiveOrganization(serviceContext(req), req.params.id, req.body);
    flash(req, 'success', t('organizations.archived', { name: organization.name }));
    redirectAfterPost(res, '/structures');
  });

  router.post('/:id/restaurer', async (req, res) => {
    const organization = await restoreOrganization(serviceContext(req), req.params.id);
    flash(req, 'success', t('organizations.restored', { name: organization.name }));
    redirectAfterPost(res, `/structures/${organization.id}`);
  });

  return router;
}
