// View models of the conventions pages, so src/routes/conventions.routes.ts stays parse → one
// call → render: the list, the CSV export's columns, the convention page (with its circuit and
// the status moves offered now) and the create/edit form (parties, payment lines, clauses).
import type { ExportColumn } from '../lib/exports/columns';
import { t } from '../lib/i18n';
import type { Convention } from '../models/schema';
import type { ServiceContext } from './context';
import { circuitOfConvention, createAndSubmitConvention, nextCircuitOf } from './convention-circuit';
import {
  EXPIRING_CHOICES,
  conventionFormOptions,
  createConvention,
  emptyConventionValues,
  exportConventions,
  getConventionDetail,
  getConventionForEdit,
  listConventionsPage,
  manualStatusChoices,
  partyRowsForForm,
  renewalValues,
  underCadreValues,
  updateConvention,
} from './conventions.service';
import { pickOrganizationsFor } from './organizations.service';
import { readTimeline } from './timeline.service';
import { assertCan, can } from './permissions';

const CLAUSES = ['clauseGdpr', 'clauseIntellectualProperty', 'clauseExclusivity', 'clauseCommunication'] as const;
const SUBMITTABLE = ['brouillon', 'modifications_demandees'];

export async function conventionListPageView(ctx: ServiceContext, query: unknown) {
  const [page, options] = await Promise.all([listConventionsPage(ctx, query), conventionFormOptions(ctx)]);
  return {
    title: t('conventions.title'),
    page,
    options,
    expiringChoices: EXPIRING_CHOICES.map((days) => ({ value: String(days), label: t('conventions.filterExpiringDays', { days }) })),
    sortChoices: (['reference', 'title', 'endsOn', 'updated'] as const).map((value) => ({ value, label: t(`conventions.sorts.${value}`) })),
    canCreate: can(ctx.actor, 'conventions.edit'),
  };
}

/** The CSV export: French column labels and formats, rows matching the list's filters. */
export async function conventionCsvExport(ctx: ServiceContext, query: unknown) {
  const rows = await exportConventions(ctx, query);
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
  return { columns, rows };
}

/**
 * The convention page: detail, circuit, the status moves this person may make now (none while a
 * circuit runs: the form is not shown), and what a failed post wants shown next to its fields.
 */
export async function conventionPageView(ctx: ServiceContext, id: string, failed: { uploadErrors?: Record<string, string>; statusErrors?: Record<string, string>; statusValues?: { status?: unknown; reason?: unknown } } = {}) {
  const detail = await getConventionDetail(ctx, id);
  const { convention } = detail;
  const circuit = await circuitOfConvention(ctx, convention.id);
  const [options, manualStatuses, nextCircuit, timeline] = await Promise.all([
    detail.permissions.upload ? conventionFormOptions(ctx) : Promise.resolve(null),
    manualStatusChoices(ctx, convention),
    nextCircuitOf(ctx, convention, circuit),
    readTimeline(ctx, { type: 'convention', id: convention.id }, {}),
  ]);
  return {
    title: `${convention.reference} — ${convention.title}`,
    detail,
    convention,
    options,
    clauses: CLAUSES.map((name) => ({ label: t(`conventions.clauses.${name}`), present: convention[name] })),
    manualStatuses,
    canChangeStatus: manualStatuses.length > 0,
    circuit,
    nextCircuit,
    timeline,
    canSubmit: detail.permissions.edit && SUBMITTABLE.includes(convention.status),
    breadcrumb: [{ label: t('conventions.title'), href: '/conventions' }, { label: convention.reference }],
    ...failed,
  };
}

// ── The create and edit form ─────────────────────────────────────────────────────────────

export interface ConventionFormData {
  title: string;
  action: string;
  values: Record<string, unknown>;
  parent?: { id: string; reference: string; title: string } | null;
  convention?: Convention;
}

function parentLabel(parent: Convention | null | undefined) {
  return parent ? { id: parent.id, reference: parent.reference, title: parent.title } : null;
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

/** The form's view model: options, party rows (with signatory choices), payment lines, clauses, errors. */
export async function conventionFormView(ctx: ServiceContext, data: ConventionFormData, options: { errors?: Record<string, string>; partyQuery?: string } = {}) {
  const [formOptions, parties, choices] = await Promise.all([
    conventionFormOptions(ctx),
    partyRowsForForm(ctx, data.values),
    options.partyQuery ? pickOrganizationsFor(ctx, options.partyQuery) : Promise.resolve([]),
  ]);
  return {
    ...data,
    options: formOptions,
    parties,
    payments: paymentRows(data.values.payments),
    partyQuery: options.partyQuery ?? '',
    partyChoices: choices,
    errors: options.errors,
    errorSummary: options.errors ? Object.keys(options.errors).length > 0 : false,
    clauseFields: CLAUSES.map((name) => ({ name, label: t(`conventions.clauses.${name}`), checked: data.values[name] === true || data.values[name] === 'on' })),
  };
}

/** « Nouvelle convention », empty or under a convention-cadre (`cadreId`). */
export async function newConventionFormData(ctx: ServiceContext, cadreId: unknown): Promise<ConventionFormData> {
  assertCan(ctx.actor, 'conventions.edit');
  if (typeof cadreId === 'string' && cadreId) {
    const { parent, values } = await underCadreValues(ctx, cadreId);
    return { title: t('conventions.underCadreTitle', { reference: parent.reference }), action: '/conventions/nouvelle', values, parent: parentLabel(parent) };
  }
  return { title: t('conventions.createTitle'), action: '/conventions/nouvelle', values: emptyConventionValues(ctx) };
}

/** The new form posted again: its parent (typed or pre-filled) shown as it was. */
export async function postedNewConventionFormData(ctx: ServiceContext, body: Record<string, unknown>): Promise<Omit<ConventionFormData, 'values'>> {
  assertCan(ctx.actor, 'conventions.edit');
  const parentId = typeof body.parentId === 'string' && body.parentId ? body.parentId : null;
  const parent = parentId ? await getConventionDetail(ctx, parentId).then((detail) => parentLabel(detail.convention)).catch(() => null) : null;
  return { title: t('conventions.createTitle'), action: '/conventions/nouvelle', parent };
}

/** « Renouveler »: the new form pre-filled with the renewal avenant. */
export async function renewalFormData(ctx: ServiceContext, parentId: string): Promise<ConventionFormData> {
  const { parent, values } = await renewalValues(ctx, parentId);
  return { title: t('conventions.renewTitle', { reference: parent.reference }), action: '/conventions/nouvelle', values, parent: parentLabel(parent) };
}

/** The edit form of a convention: its values (amounts as typed in French) and parties. */
export async function editConventionFormData(ctx: ServiceContext, id: string): Promise<ConventionFormData> {
  const { convention, parties, payments } = await getConventionForEdit(ctx, id);
  const parent = convention.parentId ? (await getConventionDetail(ctx, convention.parentId)).convention : null;
  return {
    title: t('conventions.editTitle', { reference: convention.reference }),
    action: `/conventions/${convention.id}/modifier`,
    convention,
    parent: parentLabel(parent),
    values: {
      ...convention,
      amount: centsToInput(convention.amountCents),
      noticeMonths: convention.noticeMonths ?? '',
      payments: payments.map((payment) => ({ dueOn: payment.dueOn, amount: centsToInput(payment.amountCents), label: payment.label ?? '' })),
      parties: parties.map((party) => ({ organizationId: party.organizationId, role: party.role ?? '', signatoryContactId: party.signatoryContactId ?? '' })),
    },
  };
}

export interface SavedConvention {
  convention: Convention;
  note: { type: 'success' | 'warning'; text: string };
}

/**
 * The new form saved: created, or with « Créer et soumettre au circuit » (`then=submit`) created
 * then submitted — a refused submission keeps the draft and the note says why.
 */
export async function saveNewConvention(ctx: ServiceContext, body: Record<string, unknown>): Promise<SavedConvention> {
  if (body.then !== 'submit') {
    const convention = await createConvention(ctx, body);
    return { convention, note: { type: 'success', text: t('conventions.created', { reference: convention.reference }) } };
  }
  const { convention, submissionRefused } = await createAndSubmitConvention(ctx, body);
  const reference = convention.reference;
  return submissionRefused === null
    ? { convention, note: { type: 'success', text: t('conventions.createdAndSubmitted', { reference }) } }
    : { convention, note: { type: 'warning', text: t('conventions.createdNotSubmitted', { reference, reason: submissionRefused }) } };
}

/** The edit form saved. */
export async function saveEditedConvention(ctx: ServiceContext, id: string, body: unknown): Promise<SavedConvention> {
  const convention = await updateConvention(ctx, id, body);
  return { convention, note: { type: 'success', text: t('conventions.updated', { reference: convention.reference }) } };
}
