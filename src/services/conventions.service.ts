// Conventions: list, detail, create, edit, renew, terminate, delete, status changes (every path
// goes through moveConventionStatus, which enforces src/workflows/convention-transitions.ts) and
// versioned documents.
// Rules live here: who may edit (roles × unit × owner), validation, audit in the same transaction.
import { z } from 'zod';
import type { Readable } from 'node:stream';
import { addDays, addMonths, formatConventionReference, noticeDeadline, parseIsoDay } from '../lib/convention-dates';
import type { DocumentStorage } from '../lib/documents/document-storage';
import type { Database } from '../models/database';
import { ConflictError, NotFoundError, ValidationError, type FieldErrors } from '../lib/errors';
import { logger } from '../lib/logger';
import { formatEuros, isoDateInParis } from '../lib/format';
import { t } from '../lib/i18n';
import { optionalId, optionalTrimmed, parseInput, requiredText, stringList } from '../lib/validation';
import {
  CONVENTION_SORTS,
  type ConventionListFilters,
  childrenOfConvention,
  conventionsOfOrganization,
  countChildren,
  deleteConventionRow,
  documentsOf,
  findConventionById,
  findConventionByReference,
  findDocumentVersion,
  insertConvention,
  insertDocument,
  insertDocumentVersion,
  lastVersionNumber,
  listConventions,
  lockConventionById,
  lockDocument,
  organizationNames,
  partiesOf,
  paymentsOf,
  replaceParties,
  replacePayments,
  searchParentConventions,
  setDocumentConfidential,
  type ParentKindFilter,
  storageKeysOf,
  takeReferenceNumber,
  updateConventionRow,
} from '../models/conventions.model';
import { affiliatedContacts } from '../models/organizations.model';
import {
  CONVENTION_DOCUMENT_KINDS,
  CONVENTION_KINDS,
  CONVENTION_STATUSES,
  MONEY_DIRECTIONS,
  type Convention,
  type ConventionKind,
  type ConventionStatus,
  type NewConvention,
  type Role,
} from '../models/schema';
import { caseOfConvention } from '../models/sourcing-pilots.model';
import { findUnitsByIds } from '../models/units.model';
import { findUserById } from '../models/users.model';
import { findOpenRunForSubject } from '../models/workflows.model';
import { CONVENTION_REVIEW_STATUSES, CONVENTION_TRANSITIONS, type ConventionMover } from '../workflows/convention-transitions';
import { checkMove, movesFrom, type MoveRequest } from '../workflows/transitions';
import { recordAudit } from './audit.service';
import { type Actor, type ServiceContext, inTransaction } from './context';
import { assertCan, can, type RecordScope } from './permissions';
import { cachedActiveUnits, cachedActiveUserOptions } from './reference-lists';
import { type UploadedFile, storeUploadedDocument } from './uploaded-documents';

export const CONVENTION_PAGE_SIZE = 50;
export const EXPIRING_CHOICES = [30, 90, 180] as const;

/** Statuses after which a convention no longer runs (kept out of "expiring" lists). */
const CLOSED_STATUSES: ConventionStatus[] = ['echue', 'resiliee', 'renouvelee'];

function scopeOf(convention: Pick<Convention, 'ownerId' | 'unitId'>): RecordScope {
  return { ownerId: convention.ownerId, unitIds: convention.unitId ? [convention.unitId] : [] };
}

function isUuid(id: string): boolean {
  return z.uuid().safeParse(id).success;
}

async function loadConvention(db: Database, id: string): Promise<Convention> {
  const convention = isUuid(id) ? await findConventionById(db, id) : undefined;
  if (!convention) throw new NotFoundError(t('conventions.notFound'));
  return convention;
}

// ── List ─────────────────────────────────────────────────────────────────────────────────

const listSchema = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  kind: z.enum(CONVENTION_KINDS).optional().catch(undefined),
  status: z.enum(CONVENTION_STATUSES).optional().catch(undefined),
  unit: z.uuid().optional().catch(undefined),
  owner: z.union([z.literal('moi'), z.uuid()]).optional().catch(undefined),
  organization: z.uuid().optional().catch(undefined),
  expiring: z.enum(['30', '90', '180']).optional().catch(undefined),
  /** What "expiring" looks at: the end date or the notice deadline. */
  on: z.enum(['fin', 'preavis']).default('fin').catch('fin'),
  sort: z.enum(CONVENTION_SORTS).default('reference').catch('reference'),
  dir: z.enum(['asc', 'desc']).default('desc').catch('desc'),
  page: z.coerce.number().int().min(1).max(100_000).default(1).catch(1),
});

export type ConventionListQuery = z.infer<typeof listSchema>;

function filtersOf(ctx: ServiceContext, query: ConventionListQuery): ConventionListFilters {
  const today = isoDateInParis(ctx.now);
  return {
    q: query.q || undefined,
    kind: query.kind,
    status: query.status,
    unitId: query.unit,
    ownerId: query.owner === 'moi' ? ctx.actor?.id : query.owner,
    organizationId: query.organization,
    expiring: query.expiring
      ? { column: query.on === 'preavis' ? 'noticeDeadline' : 'endsOn', from: today, to: addDays(today, Number(query.expiring)), excludeStatuses: CLOSED_STATUSES }
      : undefined,
    sort: query.sort,
    direction: query.dir,
  };
}

export async function listConventionsPage(ctx: ServiceContext, rawQuery: unknown) {
  assertCan(ctx.actor, 'conventions.read');
  const query = listSchema.parse(rawQuery ?? {});
  const { rows, total } = await listConventions(ctx.db, filtersOf(ctx, query), { limit: CONVENTION_PAGE_SIZE, offset: (query.page - 1) * CONVENTION_PAGE_SIZE });
  const { page, ...filters } = query;
  return { query: filters, page, pageCount: Math.max(1, Math.ceil(total / CONVENTION_PAGE_SIZE)), rows, total };
}

/** Every convention matching the filters, for the CSV export. */
export async function exportConventions(ctx: ServiceContext, rawQuery: unknown) {
  assertCan(ctx.actor, 'conventions.read');
  const query = listSchema.parse(rawQuery ?? {});
  const { rows } = await listConventions(ctx.db, filtersOf(ctx, query), { limit: 100_000, offset: 0 });
  return rows;
}

export async function conventionFormOptions(ctx: ServiceContext) {
  const [units, owners] = await Promise.all([cachedActiveUnits(ctx.db), cachedActiveUserOptions(ctx.db)]);
  return {
    kinds: CONVENTION_KINDS.map((value) => ({ value, label: t(`conventions.kinds.${value}`) })),
    statuses: CONVENTION_STATUSES.map((value) => ({ value, label: t(`conventions.statuses.${value}`) })),
    directions: MONEY_DIRECTIONS.map((value) => ({ value, label: t(`conventions.directions.${value}`) })),
    documentKinds: CONVENTION_DOCUMENT_KINDS.map((value) => ({ value, label: t(`conventions.documentKinds.${value}`) })),
    units: units.filter((unit) => !unit.archivedAt).map((unit) => ({ value: unit.id, label: unit.name })),
    owners: owners.map((owner) => ({ value: owner.id, label: owner.displayName })),
  };
}

// ── Detail ───────────────────────────────────────────────────────────────────────────────

export async function getConventionDetail(ctx: ServiceContext, id: string) {
  assertCan(ctx.actor, 'conventions.read');
  const convention = await loadConvention(ctx.db, id);
  const [parties, payments, children, documents, parent, owner, units, sourcingCase] = await Promise.all([
    partiesOf(ctx.db, convention.id),
    paymentsOf(ctx.db, convention.id),
    childrenOfConvention(ctx.db, convention.id),
    documentsOf(ctx.db, convention.id),
    convention.parentId ? findConventionById(ctx.db, convention.parentId) : Promise.resolve(undefined),
    convention.ownerId ? findUserById(ctx.db, convention.ownerId) : Promise.resolve(undefined),
    findUnitsByIds(ctx.db, convention.unitId ? [convention.unitId] : []),
    caseOfConvention(ctx.db, convention.id),
  ]);
  const scope = scopeOf(convention);
  const paymentTotal = payments.reduce((sum, payment) => sum + payment.amountCents, 0);
  // Confidential documents are not listed for those who may not open them (nor named in the history: timeline.service).
  const seesConfidential = maySeeConfidential(ctx.actor, convention);
  const hidden = new Set(documents.filter((document) => document.confidential && !seesConfidential).map((document) => document.id));
  return {
    convention,
    parties,
    payments: payments.map((payment) => ({ ...payment, amountText: formatEuros(payment.amountCents / 100) })),
    paymentTotal,
    paymentTotalText: formatEuros(paymentTotal / 100),
    amountText: convention.amountCents === null ? null : formatEuros(convention.amountCents / 100),
    children,
    documents: documents.filter((document) => !hidden.has(document.id)),
    parent: parent ? { id: parent.id, reference: parent.reference, title: parent.title } : null,
    /** The sourcing case whose « contractualisation » drafted it (« Issue de la piste … »). */
    sourcingCase: sourcingCase ?? null,
    ownerName: owner?.displayName ?? null,
    unitName: units[0]?.name ?? null,
    permissions: {
      edit: can(ctx.actor, 'conventions.edit', scope),
      terminate: can(ctx.actor, 'conventions.terminate', scope) && checkMove(CONVENTION_TRANSITIONS, convention.status, 'resiliee', moverOf(ctx, convention, 'termination')) === 'allowed',
      renew: can(ctx.actor, 'conventions.edit', scope) && renewable(convention),
      createUnderCadre: can(ctx.actor, 'conventions.edit') && convention.kind === 'cadre',
      delete: can(ctx.actor, 'conventions.edit', scope) && convention.status === 'brouillon' && children.length === 0,
      download: can(ctx.actor, 'conventions.documents'),
      upload: can(ctx.actor, 'conventions.edit', scope),
    },
  };
}

/** The organisation page's tab: conventions it is party to. */
export async function conventionsOfOrganizationFor(ctx: ServiceContext, organizationId: string) {
  if (!can(ctx.actor, 'conventions.read')) return [];
  return conventionsOfOrganization(ctx.db, organizationId);
}

// ── Create and edit ──────────────────────────────────────────────────────────────────────

const checkbox = () => z.preprocess((value) => value === 'on' || value === 'true' || value === '1' || value === true, z.boolean());

const optionalDay = () =>
  optionalTrimmed(10).transform((value, context) => {
    if (!value) return null;
    if (!parseIsoDay(value)) {
      context.addIssue({ code: 'custom', message: t('conventions.errors.invalidDate') });
      return z.NEVER;
    }
    return value;
  });

/** "1 234,56" or "1234.56" euros → cents. */
export function parseEuros(value: string): number | null {
  const cleaned = value.replace(/[\s\u00a0\u202f€]/g, '').replace(',', '.');
  if (!/^\d{1,12}(\.\d{1,2})?$/.test(cleaned)) return null;
  const [units, decimals = ''] = cleaned.split('.') as [string, string?];
  return Number(units) * 100 + Number(decimals.padEnd(2, '0'));
}

const optionalEuros = () =>
  optionalTrimmed(30).transform((value, context) => {
    if (!value) return null;
    const cents = parseEuros(value);
    if (cents === null) {
      context.addIssue({ code: 'custom', message: t('conventions.errors.invalidAmount') });
      return z.NEVER;
    }
    return cents;
  });

/** qs gives `parties[0][organizationId]` as an array (or an object keyed by index when sparse). */
const rowList = <Schema extends z.ZodType>(row: Schema) =>
  z.preprocess((value) => (value === undefined || value === '' ? [] : Array.isArray(value) ? value : typeof value === 'object' && value ? Object.values(value) : []), z.array(row));

const partyRow = z.object({
  organizationId: z.uuid({ error: t('conventions.errors.unknownOrganization') }),
  role: optionalTrimmed(200).transform((value) => value || null),
  signatoryContactId: optionalId(t('conventions.errors.unknownSignatory')),
  remove: checkbox().optional(),
});

const paymentRow = z.object({
  dueOn: optionalDay(),
  amount: optionalEuros(),
  label: optionalTrimmed(200).transform((value) => value || null),
});

const conventionSchema = z.object({
  title: requiredText(300),
  kind: z.enum(CONVENTION_KINDS, { error: t('conventions.errors.invalidKind') }),
  /** The parent's id (pre-filled forms) or its reference as typed (CONV-2026-0042). */
  parentId: optionalTrimmed(60).transform((value) => value || null),
  isRenewal: checkbox(),
  ownerId: optionalId(t('conventions.errors.unknownOwner')),
  unitId: optionalId(t('validation.unknownUnit')),
  object: optionalTrimmed(5000).transform((value) => value || null),
  programmes: optionalTrimmed(2000).transform((value) => value || null),
  signedOn: optionalDay(),
  startsOn: optionalDay(),
  endsOn: optionalDay(),
  noticeMonths: optionalTrimmed(4).transform((value, context) => {
    if (!value) return null;
    const months = Number(value);
    if (!Number.isInteger(months) || months < 0 || months > 120) {
      context.addIssue({ code: 'custom', message: t('conventions.errors.invalidNoticeMonths') });
      return z.NEVER;
    }
    return months;
  }),
  tacitRenewal: checkbox(),
  amount: optionalEuros(),
  moneyDirection: z.enum(MONEY_DIRECTIONS, { error: t('conventions.errors.invalidDirection') }).default('sans_flux'),
  clauseGdpr: checkbox(),
  clauseIntellectualProperty: checkbox(),
  clauseExclusivity: checkbox(),
  clauseCommunication: checkbox(),
  parties: rowList(partyRow),
  addPartyIds: stringList().pipe(z.array(z.uuid({ error: t('conventions.errors.unknownOrganization') }))),
  payments: rowList(paymentRow),
});

type ConventionInput = z.infer<typeof conventionSchema>;

function partiesOfInput(values: ConventionInput) {
  const kept = values.parties.filter((party) => !party.remove);
  const known = new Set(kept.map((party) => party.organizationId));
  const added = values.addPartyIds.filter((id) => !known.has(id) && known.add(id));
  return [...kept.map(({ organizationId, role, signatoryContactId }) => ({ organizationId, role, signatoryContactId })), ...added.map((organizationId) => ({ organizationId, role: null, signatoryContactId: null }))];
}

function paymentsOfInput(values: ConventionInput, errors: FieldErrors) {
  const payments: Array<{ dueOn: string; amountCents: number; label: string | null }> = [];
  values.payments.forEach((payment, index) => {
    if (!payment.dueOn && payment.amount === null && !payment.label) return;
    if (!payment.dueOn) errors[`payments.${index}.dueOn`] = t('validation.required');
    if (payment.amount === null) errors[`payments.${index}.amount`] = t('validation.required');
    if (payment.dueOn && payment.amount !== null) payments.push({ dueOn: payment.dueOn, amountCents: payment.amount, label: payment.label });
  });
  return payments;
}

async function validateConvention(ctx: ServiceContext, values: ConventionInput, selfId?: string) {
  const errors: FieldErrors = {};
  const parties = partiesOfInput(values);
  const payments = paymentsOfInput(values, errors);
  if (parties.length === 0) errors.parties = t('conventions.errors.noParty');
  const organizations = await organizationNames(ctx.db, parties.map((party) => party.organizationId));
  if (organizations.length !== parties.length) errors.parties = t('conventions.errors.unknownOrganization');
  if (values.unitId && (await findUnitsByIds(ctx.db, [values.unitId])).length === 0) errors.unitId = t('validation.unknownUnit');
  if (values.ownerId && !(await findUserById(ctx.db, values.ownerId))) errors.ownerId = t('conventions.errors.unknownOwner');
  if (values.startsOn && values.endsOn && values.endsOn < values.startsOn) errors.endsOn = t('conventions.errors.endBeforeStart');
  if (values.noticeMonths !== null && !values.endsOn) errors.endsOn = t('conventions.errors.noticeNeedsEnd');
  if (values.moneyDirection !== 'sans_flux' && values.amount === null) errors.amount = t('conventions.errors.amountRequired');
  const needsParent = values.kind === 'avenant' || values.kind === 'application';
  if (needsParent && !values.parentId) errors.parentId = t(values.kind === 'avenant' ? 'conventions.errors.avenantNeedsParent' : 'conventions.errors.applicationNeedsCadre');
  let parent: Convention | undefined;
  if (values.parentId) {
    parent = isUuid(values.parentId) ? await findConventionById(ctx.db, values.parentId) : await findConventionByReference(ctx.db, values.parentId.toUpperCase());
    if (!parent || parent.id === selfId) errors.parentId = t('conventions.errors.unknownParent');
    else if (values.kind === 'application' && parent.kind !== 'cadre') errors.parentId = t('conventions.errors.applicationNeedsCadre');
    else if (!needsParent) errors.parentId = t('conventions.errors.parentOnlyForAvenant');
  }
  if (values.isRenewal && values.kind !== 'avenant') errors.isRenewal = t('conventions.errors.renewalIsAvenant');
  if (Object.keys(errors).length > 0) throw new ValidationError(errors, t('validation.formHasErrors'));
  const names = new Map(organizations.map((organization) => [organization.id, organization.name]));
  return { parties, payments, parentId: parent?.id ?? null, partyNames: names };
}

function columnsOf(values: ConventionInput, parentId: string | null): Partial<NewConvention> {
  return {
    title: values.title,
    kind: values.kind,
    parentId: values.kind === 'avenant' || values.kind === 'application' ? parentId : null,
    isRenewal: values.isRenewal,
    ownerId: values.ownerId,
    unitId: values.unitId,
    object: values.object,
    programmes: values.programmes,
    signedOn: values.signedOn,
    startsOn: values.startsOn,
    endsOn: values.endsOn,
    noticeMonths: values.noticeMonths,
    tacitRenewal: values.tacitRenewal,
    noticeDeadline: noticeDeadline(values.endsOn, values.noticeMonths),
    amountCents: values.amount,
    moneyDirection: values.moneyDirection,
    clauseGdpr: values.clauseGdpr,
    clauseIntellectualProperty: values.clauseIntellectualProperty,
    clauseExclusivity: values.clauseExclusivity,
    clauseCommunication: values.clauseCommunication,
  };
}

/** What the journal keeps: readable party names, no technical ids. */
function auditable(convention: Convention, parties: Array<{ organizationId: string; role: string | null }>, payments: Array<{ dueOn: string; amountCents: number }>, names: Map<string, string>) {
  const { updatedAt: _updated, createdAt: _created, id: _id, createdById: _createdBy, updatedById: _updatedBy, sourceRef: _sourceRef, ...rest } = convention;
  return {
    ...rest,
    parties: parties.map((party) => `${names.get(party.organizationId) ?? party.organizationId}${party.role ? ` (${party.role})` : ''}`),
    payments: payments.map((payment) => `${payment.dueOn} ${payment.amountCents}`),
  };
}

export async function createConvention(ctx: ServiceContext, input: unknown): Promise<Convention> {
  assertCan(ctx.actor, 'conventions.edit');
  const actor = ctx.actor;
  const values = parseInput(conventionSchema, input);
  const unitId = values.unitId ?? actor.unitIds[0] ?? null;
  // A chargé creates only for one of their units (admins for any).
  if (!can(actor, 'conventions.edit', { unitIds: unitId ? [unitId] : [] })) {
    throw new ValidationError({ unitId: t('conventions.errors.unitNotYours') }, t('validation.formHasErrors'));
  }
  const { parties, payments, parentId, partyNames } = await validateConvention(ctx, { ...values, unitId });
  return inTransaction(ctx, async (tx) => {
    const year = Number(isoDateInParis(ctx.now).slice(0, 4));
    const number = await takeReferenceNumber(tx, year);
    const convention = await insertConvention(tx, {
      ...(columnsOf({ ...values, unitId }, parentId) as NewConvention),
      reference: formatConventionReference(year, number),
      ownerId: values.ownerId ?? actor.id,
      createdById: actor.id,
      updatedById: actor.id,
    });
    await replaceParties(tx, convention.id, parties);
    await replacePayments(tx, convention.id, payments);
    await recordAudit(tx, ctx, { action: 'convention.created', entityType: 'convention', entityId: convention.id, after: auditable(convention, parties, payments, partyNames) });
    return convention;
  });
}

export async function getConventionForEdit(ctx: ServiceContext, id: string) {
  const convention = await loadConvention(ctx.db, id);
  assertCan(ctx.actor, 'conventions.edit', scopeOf(convention));
  const [parties, payments] = await Promise.all([partiesOf(ctx.db, id), paymentsOf(ctx.db, id)]);
  return { convention, parties, payments };
}

export async function updateConvention(ctx: ServiceContext, id: string, input: unknown): Promise<Convention> {
  const current = await getConventionForEdit(ctx, id);
  const values = parseInput(conventionSchema, input);
  if (values.unitId !== current.convention.unitId && !can(ctx.actor, 'conventions.edit', { unitIds: values.unitId ? [values.unitId] : [] })) {
    throw new ValidationError({ unitId: t('conventions.errors.unitNotYours') }, t('validation.formHasErrors'));
  }
  const { parties, payments, parentId, partyNames } = await validateConvention(ctx, values, id);
  const beforeNames = new Map(current.parties.map((party) => [party.organizationId, party.organizationName]));
  return inTransaction(ctx, async (tx) => {
    const before = await lockConventionById(tx, id);
    if (!before) throw new NotFoundError(t('conventions.notFound'));
    const updated = await updateConventionRow(tx, id, { ...columnsOf(values, parentId), updatedById: ctx.actor?.id ?? null });
    await replaceParties(tx, id, parties);
    await replacePayments(tx, id, payments);
    await recordAudit(tx, ctx, {
      action: 'convention.updated',
      entityType: 'convention',
      entityId: id,
      before: auditable(before, current.parties, current.payments, beforeNames),
      after: auditable(updated, parties, payments, partyNames),
    });
    return updated;
  });
}

/** A draft without children may be deleted; its reference number is never given again. */
export async function deleteConvention(ctx: ServiceContext, id: string, storage: DocumentStorage): Promise<Convention> {
  const convention = await loadConvention(ctx.db, id);
  assertCan(ctx.actor, 'conventions.edit', scopeOf(convention));
  if (convention.status !== 'brouillon' || (await countChildren(ctx.db, id)) > 0) {
    throw new ValidationError({ _form: t('conventions.errors.deleteOnlyDraft') }, t('conventions.errors.deleteOnlyDraft'));
  }
  const keys = await storageKeysOf(ctx.db, id);
  await inTransaction(ctx, async (tx) => {
    const before = await lockConventionById(tx, id);
    if (!before) throw new NotFoundError(t('conventions.notFound'));
    await deleteConventionRow(tx, id);
    await recordAudit(tx, ctx, { action: 'convention.deleted', entityType: 'convention', entityId: id, before: { reference: before.reference, title: before.title } });
  });
  // Files go after the commit: a failed deletion leaves an orphan file, never a dangling row.
  await Promise.all(keys.map((key) => storage.delete(key)));
  return convention;
}

// ── Parent picker (the form's « Convention parente » field) ──────────────────────────────

const PARENT_SUGGESTION_LIMIT = 10;

/** What a convention of this kind may be attached to; null when it has no parent. */
function parentFilterOf(kind: ConventionKind | undefined): ParentKindFilter | null {
  if (kind === 'avenant') return { notKind: 'avenant' };
  if (kind === 'application') return { kind: 'cadre' };
  return null;
}

const parentQuerySchema = z.object({
  /** The text typed in the parent field (it is also the field that is saved, without JavaScript). */
  parentId: z.string().max(200).default('').catch(''),
  kind: z.enum(CONVENTION_KINDS).optional().catch(undefined),
  /** The convention being edited, never its own parent. */
  sauf: z.uuid().optional().catch(undefined),
});

/**
 * Suggestions for the parent field: conventions whose reference, title or party names contain
 * every typed word (accents ignored), among those that may be the parent of the chosen kind.
 * Every signed-in role reads every convention (conventions.read): suggestions show no more.
 */
export async function suggestParentConventions(ctx: ServiceContext, rawQuery: unknown) {
  assertCan(ctx.actor, 'conventions.read');
  const query = parentQuerySchema.parse(rawQuery ?? {});
  const words = query.parentId.trim().split(/\s+/).filter(Boolean).slice(0, 5);
  const text = words.join(' ');
  const filter = parentFilterOf(query.kind);
  // A pre-filled parent (its id) or one or two letters: nothing worth suggesting yet.
  if (text.length < 2 || isUuid(text)) return { message: null, suggestions: [], searched: false };
  if (!filter) return { message: t('conventions.parentPicker.kindFirst'), suggestions: [], searched: true };
  const rows = await searchParentConventions(ctx.db, words, filter, { excludeId: query.sauf, limit: PARENT_SUGGESTION_LIMIT });
  return {
    message: null,
    searched: true,
    excludeId: query.sauf ?? null,
    summary: rows.length === 1 ? t('conventions.parentPicker.one') : t('conventions.parentPicker.many', { count: rows.length }),
    suggestions: rows.map((row) => ({ ...row, kindLabel: t(`conventions.kinds.${row.kind}`), statusLabel: t(`conventions.statuses.${row.status}`) })),
  };
}

/** The convention chosen among the suggestions: its reference fills the field. */
export async function chosenParentConvention(ctx: ServiceContext, id: string) {
  assertCan(ctx.actor, 'conventions.read');
  const convention = await loadConvention(ctx.db, id);
  return { id: convention.id, reference: convention.reference, title: convention.title, kindLabel: t(`conventions.kinds.${convention.kind}`) };
}

// ── Pre-filled forms: renewal avenant, convention under a convention-cadre ────────────────

type FormValues = Record<string, unknown>;

function partyFormRows(parties: Awaited<ReturnType<typeof partiesOf>>) {
  return parties.map((party) => ({ organizationId: party.organizationId, organizationName: party.organizationName, role: party.role ?? '', signatoryContactId: party.signatoryContactId ?? '' }));
}

function clausesOf(convention: Convention) {
  return {
    clauseGdpr: convention.clauseGdpr,
    clauseIntellectualProperty: convention.clauseIntellectualProperty,
    clauseExclusivity: convention.clauseExclusivity,
    clauseCommunication: convention.clauseCommunication,
  };
}

export function emptyConventionValues(ctx: ServiceContext): FormValues {
  return { kind: 'partenariat', moneyDirection: 'sans_flux', unitId: ctx.actor?.unitIds[0] ?? '', parties: [], payments: [] };
}

/** A convention a renewal avenant may extend: not an avenant, with an end date, in a status its renewal may leave. */
function renewable(convention: Pick<Convention, 'kind' | 'endsOn' | 'status'>): boolean {
  return convention.kind !== 'avenant' && convention.endsOn !== null && checkMove(CONVENTION_TRANSITIONS, convention.status, 'renouvelee', { by: 'renewal' }) === 'allowed';
}

/** Values of a renewal avenant: same parties and clauses, the period that follows the parent's. */
export async function renewalValues(ctx: ServiceContext, parentId: string): Promise<{ parent: Convention; values: FormValues }> {
  const parent = await loadConvention(ctx.db, parentId);
  assertCan(ctx.actor, 'conventions.edit', scopeOf(parent));
  if (!renewable(parent) || !parent.endsOn) throw new ConflictError(t('conventions.errors.cannotRenew'));
  const parties = await partiesOf(ctx.db, parent.id);
  const startsOn = addDays(parent.endsOn, 1);
  const duration = parent.startsOn ? monthsBetween(parent.startsOn, parent.endsOn) : 12;
  return {
    parent,
    values: {
      title: t('conventions.renewalTitle', { title: parent.title }),
      kind: 'avenant',
      isRenewal: true,
      parentId: parent.id,
      unitId: parent.unitId ?? '',
      ownerId: parent.ownerId ?? '',
      object: parent.object ?? '',
      programmes: parent.programmes ?? '',
      startsOn,
      endsOn: addDays(addMonths(startsOn, duration), -1),
      noticeMonths: parent.noticeMonths ?? '',
      tacitRenewal: parent.tacitRenewal,
      moneyDirection: parent.moneyDirection,
      ...clausesOf(parent),
      parties: partyFormRows(parties),
      payments: [],
    },
  };
}

function monthsBetween(from: string, to: string): number {
  const a = parseIsoDay(from);
  const b = parseIsoDay(addDays(to, 1));
  if (!a || !b) return 12;
  const months = (b.year - a.year) * 12 + (b.month - a.month);
  return months > 0 ? months : 12;
}

/** Values of a convention signed under a convention-cadre: its kind, clauses, unit and parties. */
export async function underCadreValues(ctx: ServiceContext, cadreId: string): Promise<{ parent: Convention; values: FormValues }> {
  assertCan(ctx.actor, 'conventions.edit');
  const cadre = await loadConvention(ctx.db, cadreId);
  if (cadre.kind !== 'cadre') throw new ValidationError({ parentId: t('conventions.errors.applicationNeedsCadre') }, t('conventions.errors.applicationNeedsCadre'));
  const parties = await partiesOf(ctx.db, cadre.id);
  return {
    parent: cadre,
    values: {
      ...emptyConventionValues(ctx),
      kind: 'application',
      parentId: cadre.id,
      unitId: cadre.unitId ?? ctx.actor?.unitIds[0] ?? '',
      programmes: cadre.programmes ?? '',
      ...clausesOf(cadre),
      parties: partyFormRows(parties),
    },
  };
}

/** Signatory choices per party: the organisation's current contacts. */
export async function signatoryChoices(ctx: ServiceContext, organizationIds: string[]) {
  const entries = await Promise.all(
    [...new Set(organizationIds)].map(async (organizationId) => {
      const people = await affiliatedContacts(ctx.db, organizationId);
      const choices = people
        .filter((person) => !person.endDate && !person.erasedAt)
        .map((person) => ({ value: person.contactId, label: `${person.firstName ?? ''} ${person.lastName ?? ''}`.trim() + (person.jobTitle ? ` — ${person.jobTitle}` : '') }));
      return [organizationId, choices] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/** Rows of the parties block of a re-rendered form (names looked up, signatory choices attached). */
export async function partyRowsForForm(ctx: ServiceContext, input: Record<string, unknown>) {
  const raw = input.parties;
  const rows = (Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? Object.values(raw) : []) as Array<Record<string, unknown>>;
  const added = (Array.isArray(input.addPartyIds) ? input.addPartyIds : input.addPartyIds ? [input.addPartyIds] : []).map(String);
  const all = [
    ...rows
      .filter((row) => !row.remove && typeof row.organizationId === 'string' && isUuid(row.organizationId))
      .map((row) => ({ organizationId: String(row.organizationId), role: String(row.role ?? ''), signatoryContactId: String(row.signatoryContactId ?? '') })),
    ...added.filter(isUuid).map((organizationId) => ({ organizationId, role: '', signatoryContactId: '' })),
  ].filter((row, index, list) => list.findIndex((other) => other.organizationId === row.organizationId) === index);
  const names = new Map((await organizationNames(ctx.db, all.map((row) => row.organizationId))).map((row) => [row.id, row.name]));
  const choices = await signatoryChoices(ctx, all.map((row) => row.organizationId));
  return all
    .filter((row) => names.has(row.organizationId))
    .map((row, index) => ({
      ...row,
      index,
      organizationName: names.get(row.organizationId) ?? '',
      signatories: (choices[row.organizationId] ?? []).map((choice) => ({ ...choice, selected: choice.value === row.signatoryContactId })),
    }));
}

// ── Status, renewal, termination ─────────────────────────────────────────────────────────

export interface ConventionMove {
  id: string;
  to: ConventionStatus;
  by: ConventionMover;
  reason?: string | null;
  /** Other columns written with the status (termination's date and reason, a renewal's dates). */
  set?: Partial<NewConvention>;
  /** Journal action; `convention.statusChanged` by default. */
  action?: string;
  metadata?: Record<string, unknown>;
}

/**
 * Whether `by` may move a convention from `from` to `to` (CONVENTION_TRANSITIONS), for the
 * actor when a person moves it. Throws a French refusal: 422 next to the status field for the
 * form, 409 for the other paths (a job or a decision that finds the convention elsewhere).
 */
export function assertConventionMove(ctx: ServiceContext, convention: Pick<Convention, 'status' | 'ownerId' | 'unitId'>, to: ConventionStatus, by: ConventionMover): void {
  if (convention.status === to) return;
  const verdict = checkMove(CONVENTION_TRANSITIONS, convention.status, to, moverOf(ctx, convention, by));
  if (verdict === 'allowed') return;
  const labels = { from: t(`conventions.statuses.${convention.status}`), to: t(`conventions.statuses.${to}`) };
  const message = t(verdict === 'notPermitted' ? 'conventions.errors.moveNotPermitted' : 'conventions.errors.moveNotAllowed', labels);
  if (by === 'person') throw new ValidationError({ status: message }, message);
  throw new ConflictError(message);
}

function moverOf(ctx: ServiceContext, convention: Pick<Convention, 'ownerId' | 'unitId'>, by: ConventionMover): MoveRequest<ConventionMover, Role> {
  const actor = ctx.actor;
  if (!actor) return { by };
  const scope = scopeOf(convention);
  const inUnit = (scope.ownerId !== null && scope.ownerId === actor.id) || (scope.unitIds ?? []).some((unitId) => actor.unitIds.includes(unitId)) || (scope.unitIds ?? []).length === 0;
  return { by, roles: actor.roles, inUnit };
}

/**
 * The one way a convention's status changes: checks the move against CONVENTION_TRANSITIONS,
 * writes it (with `set`) and journals it, in the caller's transaction. Every path goes through
 * it — the form, the circuit, the signed upload, termination, a renewal; the calendar job moves
 * whole batches with the same check (convention-lifecycle.service.ts). Signing a renewal
 * avenant extends its parent.
 */
export async function moveConventionStatus(tx: Database, ctx: ServiceContext, move: ConventionMove): Promise<Convention> {
  const before = await lockConventionById(tx, move.id);
  if (!before) throw new NotFoundError(t('conventions.notFound'));
  if (before.status === move.to) {
    if (!move.set) return before;
    // A same-status move that rewrites columns (a second termination racing the first) only
    // where the table lists it (a renewed convention renewed again).
    if (checkMove(CONVENTION_TRANSITIONS, before.status, move.to, moverOf(ctx, before, move.by)) !== 'allowed') {
      throw new ConflictError(t('conventions.errors.moveNotAllowed', { from: t(`conventions.statuses.${before.status}`), to: t(`conventions.statuses.${move.to}`) }));
    }
  }
  assertConventionMove(ctx, before, move.to, move.by);
  const set = move.set ?? {};
  const updated = await updateConventionRow(tx, move.id, { status: move.to, ...set, updatedById: ctx.actor?.id ?? null });
  const columns = ['status', ...Object.keys(set)] as Array<keyof Convention>;
  await recordAudit(tx, ctx, {
    action: move.action ?? 'convention.statusChanged',
    entityType: 'convention',
    entityId: move.id,
    before: Object.fromEntries(columns.map((column) => [column, before[column]])),
    after: Object.fromEntries(columns.map((column) => [column, updated[column]])),
    metadata: { ...(move.reason ? { reason: move.reason } : {}), ...move.metadata },
  });
  // Signed — or recorded in force directly by an admin — from an unsigned status: a renewal avenant extends its parent.
  const signedNow = (move.to === 'signee' || move.to === 'en_vigueur') && !SIGNED_STATUSES.includes(before.status);
  if (signedNow && updated.isRenewal && updated.parentId && updated.endsOn) await extendParent(tx, ctx, updated);
  return updated;
}

/**
 * The signed PDF of a convention « à signer »: it is signed (signature date today unless typed
 * already), and in force at once when its effective start has come; a later start leaves it
 * « signée » until the calendar job (convention-lifecycle.service.ts) moves it on that date.
 */
async function markSigned(tx: Database, ctx: ServiceContext, id: string): Promise<void> {
  const current = await lockConventionById(tx, id);
  if (!current || current.status !== 'a_signer') return;
  const today = isoDateInParis(ctx.now);
  const signed = await moveConventionStatus(tx, ctx, { id, to: 'signee', by: 'signature', reason: t('conventions.signedReason'), set: current.signedOn ? undefined : { signedOn: today } });
  if (!signed.startsOn || signed.startsOn <= today) await moveConventionStatus(tx, ctx, { id, to: 'en_vigueur', by: 'signature', reason: t('conventions.inForceReason') });
}

/** Statuses of a convention once signed: moving between them signs nothing again. */
const SIGNED_STATUSES: readonly Convention['status'][] = ['signee', 'en_vigueur', 'echue', 'renouvelee', 'resiliee'];

async function extendParent(tx: Database, ctx: ServiceContext, avenant: Convention): Promise<void> {
  const parent = await lockConventionById(tx, avenant.parentId as string);
  if (!parent || !avenant.endsOn || (parent.endsOn && parent.endsOn >= avenant.endsOn)) return;
  // A parent that cannot be renewed (never signed, or terminated) keeps its dates: the avenant's
  // own signature must not fail for it (it would stay « à signer » with no way out).
  if (checkMove(CONVENTION_TRANSITIONS, parent.status, 'renouvelee', { by: 'renewal' }) !== 'allowed') {
    logger.warn({ avenantId: avenant.id, parentId: parent.id, parentStatus: parent.status }, 'renewal avenant signed: its parent cannot be renewed, dates left as they are');
    return;
  }
  await moveConventionStatus(tx, ctx, {
    id: parent.id,
    to: 'renouvelee',
    by: 'renewal',
    set: { endsOn: avenant.endsOn, noticeDeadline: noticeDeadline(avenant.endsOn, parent.noticeMonths) },
    action: 'convention.renewed',
    metadata: { avenantId: avenant.id, avenantReference: avenant.reference },
  });
}

const statusSchema = z.object({
  status: z.enum(CONVENTION_STATUSES, { error: t('conventions.errors.invalidStatus') }),
  reason: optionalTrimmed(1000).transform((value) => value || null),
});

/** Whether the approval circuit holds the convention now (its status follows the run). */
async function inCircuit(db: Database, convention: Pick<Convention, 'id' | 'status'>): Promise<boolean> {
  if (CONVENTION_REVIEW_STATUSES.includes(convention.status)) return true;
  const open = await findOpenRunForSubject(db, 'convention', convention.id);
  return open !== undefined;
}

/** The statuses the « Changer le statut » form offers this person now (none while a circuit runs). */
export async function manualStatusChoices(ctx: ServiceContext, convention: Convention) {
  if (!can(ctx.actor, 'conventions.edit', scopeOf(convention)) || (await inCircuit(ctx.db, convention))) return [];
  return movesFrom(CONVENTION_TRANSITIONS, convention.status, moverOf(ctx, convention, 'person')).map((value) => ({ value, label: t(`conventions.statuses.${value}`) }));
}

/** The « Changer le statut » form: only the moves CONVENTION_TRANSITIONS gives people, never during a circuit. */
export async function changeConventionStatus(ctx: ServiceContext, id: string, input: unknown): Promise<Convention> {
  const convention = await loadConvention(ctx.db, id);
  assertCan(ctx.actor, 'conventions.edit', scopeOf(convention));
  const { status, reason } = parseInput(statusSchema, input);
  if (status === 'resiliee') throw new ValidationError({ status: t('conventions.errors.useTerminate') }, t('conventions.errors.useTerminate'));
  return inTransaction(ctx, async (tx) => {
    const locked = await lockConventionById(tx, id);
    if (!locked) throw new NotFoundError(t('conventions.notFound'));
    if (locked.status !== status && (await inCircuit(tx, locked))) throw new ConflictError(t('conventions.errors.circuitRunning'));
    return moveConventionStatus(tx, ctx, { id, to: status, by: 'person', reason });
  });
}

const terminationSchema = z.object({
  terminatedOn: optionalDay().refine((value) => value !== null, t('validation.required')),
  reason: requiredText(2000),
});

export async function terminateConvention(ctx: ServiceContext, id: string, input: unknown): Promise<Convention> {
  const convention = await loadConvention(ctx.db, id);
  assertCan(ctx.actor, 'conventions.terminate', scopeOf(convention));
  const { terminatedOn, reason } = parseInput(terminationSchema, input);
  if (convention.status === 'resiliee') throw new ValidationError({ _form: t('conventions.errors.alreadyTerminated') }, t('conventions.errors.alreadyTerminated'));
  return inTransaction(ctx, (tx) =>
    moveConventionStatus(tx, ctx, { id, to: 'resiliee', by: 'termination', set: { terminatedOn, terminationReason: reason }, action: 'convention.terminated', metadata: { reason } }),
  );
}

// ── Documents ────────────────────────────────────────────────────────────────────────────

/**
 * Who may see and open a confidential document (docs/conventions.md): among those who may open
 * a convention's files, admins, juristes, finance, and the members of the convention's unit
 * (and its responsable). Everyone else neither sees it listed nor downloads it (404).
 */
export function maySeeConfidential(actor: Actor | null, convention: Pick<Convention, 'ownerId' | 'unitId'>): boolean {
  if (!actor || !can(actor, 'conventions.documents')) return false;
  if (actor.roles.some((role) => role === 'admin' || role === 'juriste' || role === 'finance')) return true;
  if (convention.ownerId && convention.ownerId === actor.id) return true;
  return convention.unitId !== null && actor.unitIds.includes(convention.unitId);
}

const documentSchema = z.object({
  documentId: optionalId(t('conventions.errors.unknownDocument')),
  kind: z.enum(CONVENTION_DOCUMENT_KINDS, { error: t('conventions.errors.invalidDocumentKind') }).default('projet'),
  title: optionalTrimmed(200).transform((value) => value || null),
  confidential: checkbox(),
});

/** Checks an upload's content, stores it and records a new version (a new slot unless one is named). */
export async function addConventionDocument(ctx: ServiceContext, storage: DocumentStorage, id: string, fields: Record<string, string>, file: UploadedFile | null, maxMb: number) {
  const convention = await loadConvention(ctx.db, id);
  assertCan(ctx.actor, 'conventions.edit', scopeOf(convention));
  const values = parseInput(documentSchema, fields);
  return storeUploadedDocument(storage, file, { maxMb, messages: 'conventions.errors', fallbackName: 'document' }, (stored) =>
    inTransaction(ctx, async (tx) => {
      const existing = values.documentId ? await lockDocument(tx, id, values.documentId) : undefined;
      if (values.documentId && (!existing || (existing.confidential && !maySeeConfidential(ctx.actor, convention)))) {
        throw new ValidationError({ documentId: t('conventions.errors.unknownDocument') }, t('conventions.errors.unknownDocument'));
      }
      // A new version may make its document confidential; lifting it is a deliberate change (setDocumentConfidentiality).
      const document = existing
        ? existing.confidential || !values.confidential
          ? existing
          : await setDocumentConfidential(tx, existing.id, true)
        : await insertDocument(tx, {
            conventionId: id,
            kind: values.kind,
            title: values.title ?? t(`conventions.documentKinds.${values.kind}`),
            confidential: values.confidential,
            createdById: ctx.actor?.id ?? null,
          });
      const version = (await lastVersionNumber(tx, document.id)) + 1;
      await insertDocumentVersion(tx, {
        documentId: document.id,
        version,
        storageKey: stored.key,
        fileName: stored.fileName,
        contentType: stored.contentType,
        sizeBytes: stored.size,
        sha256: stored.sha256,
        uploadedById: ctx.actor?.id ?? null,
      });
      await recordAudit(tx, ctx, {
        action: 'convention.documentUploaded',
        entityType: 'convention',
        entityId: id,
        metadata: { documentId: document.id, version, fileName: stored.fileName, sizeBytes: stored.size, sha256: stored.sha256, ...(document.confidential ? { confidential: true } : {}) },
      });
      if (document.kind === 'signee') await markSigned(tx, ctx, id);
      return { document, version, fileName: stored.fileName };
    }),
  );
}

export async function openConventionDocument(ctx: ServiceContext, storage: DocumentStorage, id: string, documentId: string, versionText: string): Promise<{ stream: Readable; fileName: string; contentType: string; size: number }> {
  assertCan(ctx.actor, 'conventions.documents');
  const version = Number(versionText);
  if (!isUuid(id) || !isUuid(documentId) || !Number.isInteger(version) || version < 1) throw new NotFoundError(t('conventions.errors.unknownDocument'));
  const [found, convention] = await Promise.all([findDocumentVersion(ctx.db, id, documentId, version), findConventionById(ctx.db, id)]);
  // A confidential document is answered as missing to those who may not open it: its existence is not told.
  if (!found || !convention || (found.document.confidential && !maySeeConfidential(ctx.actor, convention))) throw new NotFoundError(t('conventions.errors.unknownDocument'));
  const stream = await storage.get(found.version.storageKey);
  await recordAudit(ctx.db, ctx, {
    action: 'convention.documentDownloaded',
    entityType: 'convention',
    entityId: id,
    metadata: { documentId, version, fileName: found.version.fileName },
  });
  return { stream, fileName: found.version.fileName, contentType: found.version.contentType, size: found.version.sizeBytes };
}

const confidentialitySchema = z.object({ confidential: checkbox() });

/** « Confidentiel » set or lifted on a document, by whoever may edit the convention and see the document. */
export async function setDocumentConfidentiality(ctx: ServiceContext, id: string, documentId: string, input: unknown) {
  const convention = await loadConvention(ctx.db, id);
  assertCan(ctx.actor, 'conventions.edit', scopeOf(convention));
  const { confidential } = parseInput(confidentialitySchema, input);
  if (!isUuid(documentId)) throw new NotFoundError(t('conventions.errors.unknownDocument'));
  return inTransaction(ctx, async (tx) => {
    const document = await lockDocument(tx, id, documentId);
    if (!document || (document.confidential && !maySeeConfidential(ctx.actor, convention))) throw new NotFoundError(t('conventions.errors.unknownDocument'));
    if (document.confidential === confidential) return document;
    const updated = await setDocumentConfidential(tx, documentId, confidential);
    await recordAudit(tx, ctx, {
      action: 'convention.documentConfidentiality',
      entityType: 'convention',
      entityId: id,
      before: { confidential: document.confidential },
      after: { confidential },
      metadata: { documentId, documentTitle: document.title },
    });
    return updated;
  });
}

export { conventionSchema, type ConventionInput };
