import { Router, type Request, type Response } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { ForbiddenError, ValidationError } from '../lib/errors';
import { flash, redirectAfterPost, render, renderInvalid, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import {
  addAffiliation,
  archiveContact,
  contactFormOptions,
  createContact,
  endAffiliation,
  eraseContact,
  exportPersonalData,
  getContactDetail,
  getContactForEdit,
  listContactsPage,
  newContactForm,
  removeAffiliation,
  restoreContact,
  updateContact,
  REVIEW_AFTER_MONTHS,
} from '../services/contacts.service';
import { CSV_CONTENT_TYPE, writeCsv } from '../lib/exports/csv';
import { VCARD_CONTENT_TYPE, vcardFileName, writeVcards } from '../lib/exports/vcard';
import { XLSX_CONTENT_TYPE, writeXlsx } from '../lib/exports/xlsx';
import { contactExport, contactVcard, contactVcards } from '../services/directory-export.service';
import { readTimeline } from '../services/timeline.service';
import { timelineHandler } from './timeline-response';
import { exportFileName } from './organizations.routes';
import { DuplicatesFoundError } from '../services/organizations.service';
import { can } from '../services/permissions';
import { organizationToPrefill } from '../services/contacts.service';
import { setContactEmailOptOut } from '../services/partner-mail.service';

const INACTIVITY_CHOICES = [6, 12, 24, 36];

function asList(value: unknown): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)];
}

function formValues(req: Request) {
  return { ...req.body, unitIds: asList(req.body.unitIds) };
}

function fullName(contact: { firstName: string; lastName: string }): string {
  return `${contact.firstName} ${contact.lastName}`.trim();
}

async function renderFormAgain(req: Request, res: Response, view: string, data: Record<string, unknown>, error: unknown) {
  const options = await contactFormOptions(serviceContext(req));
  if (error instanceof DuplicatesFoundError) {
    return render(req, res, view, { ...data, options, values: formValues(req), duplicateCandidates: error.candidates }, { status: 409 });
  }
  if (error instanceof ValidationError) return renderInvalid(req, res, view, { ...data, options, values: formValues(req) }, error.fieldErrors);
  throw error;
}

async function listPage(req: Request, res: Response, view: 'contacts/index' | 'contacts/review', query: Record<string, unknown>) {
  const ctx = serviceContext(req);
  const [page, options] = await Promise.all([listContactsPage(ctx, query), contactFormOptions(ctx)]);
  render(
    req,
    res,
    view,
    {
      title: view === 'contacts/review' ? t('contacts.toReviewTitle') : t('contacts.title'),
      page,
      options,
      base: view === 'contacts/review' ? '/contacts/a-revoir' : '/contacts',
      inactivityChoices: INACTIVITY_CHOICES.map((months) => ({ value: String(months), label: t('organizations.filterInactiveMonths', { months }) })),
      sortChoices: (['name', 'updated', 'activity'] as const).map((value) => ({ value, label: t(`contacts.sorts.${value}`) })),
      canCreate: can(req.actor, 'directory.edit'),
      canSeeArchived: can(req.actor, 'directory.archive'),
    },
    { fragment: { target: 'contacts-results', partial: 'contacts/results' } },
  );
}

export function contactsRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', (req, res) => listPage(req, res, 'contacts/index', req.query));

  /** CNIL: prospects without activity for three years are to be reviewed. */
  router.get('/a-revoir', (req, res) => listPage(req, res, 'contacts/review', { sort: 'activity', ...req.query, inactive: String(REVIEW_AFTER_MONTHS) }));

  router.get('/export.csv', async (req, res) => {
    const { columns, rows } = await contactExport(serviceContext(req), req.query, 'csv');
    res.setHeader('Content-Type', CSV_CONTENT_TYPE);
    res.setHeader('Content-Disposition', `attachment; filename="${exportFileName('contacts', 'csv')}"`);
    await writeCsv(res, columns, rows);
  });

  router.get('/export.xlsx', async (req, res) => {
    const { columns, rows } = await contactExport(serviceContext(req), req.query, 'xlsx');
    res.setHeader('Content-Type', XLSX_CONTENT_TYPE);
    res.setHeader('Content-Disposition', `attachment; filename="${exportFileName('contacts', 'xlsx')}"`);
    await writeXlsx(res, columns, rows, { sheetName: t('contacts.title') });
  });

  router.get('/export.vcf', async (req, res) => {
    const cards = await contactVcards(serviceContext(req), req.query);
    res.setHeader('Content-Type', VCARD_CONTENT_TYPE);
    res.setHeader('Content-Disposition', `attachment; filename="${exportFileName('contacts', 'vcf')}"`);
    await writeVcards(res, cards);
  });

  router.get('/nouveau', async (req, res) => {
    const ctx = serviceContext(req);
    const organizationId = typeof req.query.organizationId === 'string' ? req.query.organizationId : '';
    const organization = await organizationToPrefill(ctx, organizationId);
    render(req, res, 'contacts/new', {
      title: t('contacts.createTitle'),
      options: await newContactForm(ctx),
      organization,
      values: { legalBasis: 'interet_legitime', unitIds: req.actor?.unitIds ?? [], organizationId: organization?.id ?? '' },
    });
  });

  router.post('/nouveau', async (req, res) => {
    try {
      const contact = await createContact(serviceContext(req), req.body);
      flash(req, 'success', t('contacts.created', { name: fullName(contact) }));
      redirectAfterPost(res, `/contacts/${contact.id}`);
    } catch (error) {
      const ctx = serviceContext(req);
      const organizationId = typeof req.body.organizationId === 'string' ? req.body.organizationId : '';
      const organization = await organizationToPrefill(ctx, organizationId);
      await renderFormAgain(req, res, 'contacts/new', { title: t('contacts.createTitle'), organization }, error);
    }
  });

  router.get('/:id', async (req, res) => {
    const ctx = serviceContext(req);
    const detail = await getContactDetail(ctx, req.params.id);
    if (detail.kind === 'redirect') return res.redirect(302, detail.to);
    render(req, res, 'contacts/show', {
      title: fullName(detail.contact),
      detail,
      contact: detail.contact,
      hidden: Object.fromEntries(detail.hiddenFields.map((field) => [field, true])),
      timeline: await readTimeline(ctx, { type: 'contact', id: detail.contact.id }, {}),
      today: new Date().toISOString().slice(0, 10),
      breadcrumb: [{ label: t('contacts.title'), href: '/contacts' }, { label: fullName(detail.contact) }],
    });
  });

  router.get('/:id/historique', timelineHandler('contact'));

  router.get('/:id/modifier', async (req, res) => {
    const ctx = serviceContext(req);
    const { contact, unitIds } = await getContactForEdit(ctx, req.params.id);
    render(req, res, 'contacts/edit', {
      title: t('contacts.editTitle', { name: fullName(contact) }),
      contact,
      options: await contactFormOptions(ctx),
      values: {
        ...contact,
        emails: contact.emails.join('\n'),
        phones: contact.phones.join('\n'),
        tags: contact.tags.join(', '),
        consentDate: contact.consentAt ? contact.consentAt.toISOString().slice(0, 10) : '',
        unitIds,
      },
    });
  });

  router.post('/:id/modifier', async (req, res) => {
    const ctx = serviceContext(req);
    try {
      const contact = await updateContact(ctx, req.params.id, req.body);
      flash(req, 'success', t('contacts.updated', { name: fullName(contact) }));
      redirectAfterPost(res, `/contacts/${contact.id}`);
    } catch (error) {
      const { contact } = await getContactForEdit(ctx, req.params.id);
      await renderFormAgain(req, res, 'contacts/edit', { title: t('contacts.editTitle', { name: fullName(contact) }), contact }, error);
    }
  });

  router.post('/:id/archiver', async (req, res) => {
    const contact = await archiveContact(serviceContext(req), req.params.id);
    flash(req, 'success', t('contacts.archived', { name: fullName(contact) }));
    redirectAfterPost(res, '/contacts');
  });

  router.post('/:id/restaurer', async (req, res) => {
    const contact = await restoreContact(serviceContext(req), req.params.id);
    flash(req, 'success', t('contacts.restored', { name: fullName(contact) }));
    redirectAfterPost(res, `/contacts/${contact.id}`);
  });

  /** The person's refusal of partner e-mails, recorded (or lifted at their request) by a user. */
  router.post('/:id/courriels-partenaires', async (req, res) => {
    const contact = await setContactEmailOptOut(serviceContext(req), req.params.id, req.body);
    flash(req, 'success', t(contact.emailOptOut ? 'partnerMail.contactPanel.setDone' : 'partnerMail.contactPanel.clearDone'));
    redirectAfterPost(res, `/contacts/${contact.id}`);
  });

  router.post('/:id/rattachements', async (req, res) => {
    const ctx = serviceContext(req);
    try {
      await addAffiliation(ctx, req.params.id, req.body);
      flash(req, 'success', t('affiliations.added'));
      redirectAfterPost(res, `/contacts/${req.params.id}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const detail = await getContactDetail(ctx, req.params.id);
      if (detail.kind === 'redirect') return res.redirect(303, detail.to);
      renderInvalid(
        req,
        res,
        'contacts/show',
        {
          title: fullName(detail.contact),
          detail,
          contact: detail.contact,
          hidden: Object.fromEntries(detail.hiddenFields.map((field) => [field, true])),
          timeline: await readTimeline(ctx, { type: 'contact', id: detail.contact.id }, {}),
          affiliationValues: req.body,
        },
        error.fieldErrors,
      );
    }
  });

  router.post('/:id/rattachements/:affiliationId/fin', async (req, res) => {
    await endAffiliation(serviceContext(req), req.params.id, req.params.affiliationId, req.body);
    flash(req, 'success', t('affiliations.ended'));
    redirectAfterPost(res, `/contacts/${req.params.id}`);
  });

  router.post('/:id/rattachements/:affiliationId/supprimer', async (req, res) => {
    await removeAffiliation(serviceContext(req), req.params.id, req.params.affiliationId);
    flash(req, 'success', t('affiliations.removed'));
    redirectAfterPost(res, `/contacts/${req.params.id}`);
  });

  /** One contact's card for an address book (same people as the bulk exports). */
  router.get('/:id/vcard', async (req, res) => {
    const result = await contactVcard(serviceContext(req), req.params.id);
    if (result.kind === 'redirect') return res.redirect(302, result.to);
    res.setHeader('Content-Type', VCARD_CONTENT_TYPE);
    res.setHeader('Content-Disposition', `attachment; filename="${vcardFileName(result.card)}"`);
    await writeVcards(res, [result.card]);
  });

  /** RGPD art. 15: a readable page, or the same data as a JSON download. */
  router.get('/:id/donnees-personnelles', async (req, res) => {
    const data = await exportPersonalData(serviceContext(req), req.params.id);
    const name = `${String(data.person.firstName ?? '')} ${String(data.person.lastName ?? '')}`.trim();
    if (req.query.format === 'json') {
      res.setHeader('Content-Disposition', `attachment; filename="donnees-personnelles-${req.params.id}.json"`);
      res.type('application/json').send(JSON.stringify(data, null, 2));
      return;
    }
    render(req, res, 'contacts/personal-data', { title: t('contacts.gdprExportTitle', { name }), data, contactId: req.params.id, name });
  });

  router.get('/:id/effacer', async (req, res) => {
    const detail = await getContactDetail(serviceContext(req), req.params.id);
    if (detail.kind === 'redirect') return res.redirect(303, detail.to);
    if (!detail.permissions.erase) throw new ForbiddenError();
    render(req, res, 'contacts/erase', { title: t('contacts.eraseTitle'), contact: detail.contact, values: {} });
  });

  router.post('/:id/effacer', async (req, res) => {
    const ctx = serviceContext(req);
    try {
      await eraseContact(ctx, req.params.id, req.body);
      flash(req, 'success', t('contacts.erased'));
      redirectAfterPost(res, `/contacts/${req.params.id}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const detail = await getContactDetail(ctx, req.params.id);
      if (detail.kind === 'redirect') return res.redirect(303, detail.to);
      renderInvalid(req, res, 'contacts/erase', { title: t('contacts.eraseTitle'), contact: detail.contact, values: req.body }, error.fieldErrors);
    }
  });

  return router;
}
