// Contacts of the shared partner file and their affiliations, with the GDPR duties attached to
// personal data: legal basis, consent, opt-out, export of everything held, erasure.
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors';
import { t } from '../lib/i18n';
import { TAG_MAX_LENGTH, dateField, emailListField, phoneListField, tagListField } from '../lib/directory-fields';
import { optionalId, optionalTrimmed, parseInput, requiredText, stringList } from '../lib/validation';
import { listTimeline, scrubAuditChanges } from '../models/audit.model';
import {
  CONTACT_SORTS,
  type ContactListRow,
  affiliationsOfContact,
  clearPrimaryAffiliations,
  contactIdsMergedInto,
  consentHistoryOf,
  conventionSignaturesOf,
  emailsSentTo,
  eraseTracesOfPerson,
  deleteAffiliationRow,
  findAffiliation,
  findContactById,
  insertAffiliation,
  insertContact,
  listContacts,
  lockContactById,
  replaceContactUnits,
  unitIdsOfContact,
  unitsOfContact,
  updateAffiliationRow,
  updateContactRow,
  type PersonTraces,
} from '../models/contacts.model';
import { formatPhone } from '../lib/phones';
import { formatDate } from '../lib/format';
import { scrubMergeSnapshots } from '../models/merges.model';
import { findOrganizationById, organizationLabels, type ListCursor } from '../models/organizations.model';
import { CIVILITIES, CONTACT_SOURCES, LEGAL_BASES, type Affiliation, type Contact, type NewContact } from '../models/schema';
import { findUnitsByIds } from '../models/units.model';
import { findUserById } from '../models/users.model';
import { recordAudit } from './audit.service';
import { cachedActiveUnits, cachedActiveUserOptions } from './reference-lists';
import { type Actor, type ServiceContext, inTransaction } from './context';
import { isUuid } from '../lib/validation';
import { findContactDuplicates } from './duplicates.service';
import { DuplicatesFoundError, encodeCursor } from './organizations.service';
import { assertCan, can, canAttachUnit, unitsAfterChange, type RecordScope } from './permissions';
import { restrictedFieldsFor } from './restricted-fields.service';
import { exchangesPersonalDataSection } from './exchange-list.service';
import { eventInvitationsPersonalDataSection } from './event-invitations.service';
import { labelAction } from './journal.service';
import { optOutColumns, optOutSourceLabel, partnerEmailEligibility } from './partner-mail.service';

export const CONTACT_PAGE_SIZE = 50;
/** CNIL: prospects' data should not be kept beyond three years without contact. */
export const REVIEW_AFTER_MONTHS = 36;

// ── List ─────────────────────────────────────────────────────────────────────────────────────

const cursorSchema = z
  .string()
  .max(400)
  .transform((value, context): ListCursor => {
    try {
      return z.object({ key: z.string().max(300), id: z.uuid() }).parse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    } catch {
      context.addIssue({ code: 'custom', message: 'bad cursor' });
      return z.NEVER;
    }
  });

const listSchema = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  organization: z.uuid().optional().catch(undefined),
  tag: z.string().trim().max(TAG_MAX_LENGTH).optional().catch(undefined),
  owner: z.union([z.literal('moi'), z.uuid()]).optional().catch(undefined),
  unit: z.uuid().optional().catch(undefined),
  basis: z.enum(LEGAL_BASES).optional().catch(undefined),
  optout: z.enum(['oui', 'non']).optional().catch(undefined),
  inactive: z.coerce.number().int().min(1).max(240).optional().catch(undefined),
  archived: z.enum(['1']).optional().catch(undefined),
  sort: z.enum(CONTACT_SORTS).default('name').catch('name'),
  dir: z.enum(['asc', 'desc']).default('asc').catch('asc'),
  after: cursorSchema.optional().catch(undefined),
  before: cursorSchema.optional().catch(undefined),
});

export type ContactListQuery = Omit<z.infer<typeof listSchema>, 'after' | 'before'>;

export function parseContactQuery(rawQuery: unknown) {
  const { after, before, ...query } = listSchema.parse(rawQuery ?? {});
  return { query, after, before };
}

function filtersOf(ctx: ServiceContext, query: ContactListQuery) {
  return {
    q: query.q || undefined,
    organizationId: query.organization,
    tag: query.tag || undefined,
    ownerId: query.owner === 'moi' ? ctx.actor?.id : query.owner,
    unitId: query.unit,
    legalBasis: query.basis,
    optOut: query.optout === undefined ? undefined : query.optout === 'oui',
    inactiveMonths: query.inactive,
    archived: query.archived === '1' && can(ctx.actor, 'directory.archive') ? ('only' as const) : ('exclude' as const),
    sort: query.sort,
    direction: query.dir,
  };
}

export async function listContactsPage(ctx: ServiceContext, rawQuery: unknown) {
  assertCan(ctx.actor, 'directory.read');
  const { query, after, before } = parseContactQuery(rawQuery);
  const page = await listContacts(ctx.db, filtersOf(ctx, query), { limit: CONTACT_PAGE_SIZE, after, before }, ctx.now);
  const organization = query.organization ? (await organizationLabels(ctx.db, [query.organization]))[0] ?? null : null;
  return {
    query,
    organization,
    rows: page.rows,
    total: page.total,
    nextCursor: page.next ? encodeCursor(page.next) : null,
    previousCursor: page.previous ? encodeCursor(page.previous) : null,
    isFirstPage: !after && !(before && page.previous === null),
    /** Bulk exports are for chargé, manager and admin: a lecteur sees no export button. */
    canExport: can(ctx.actor, 'directory.export'),
  };
}

export async function* iterateContacts(ctx: ServiceContext, rawQuery: unknown): AsyncGenerator<ContactListRow> {
  assertCan(ctx.actor, 'directory.export');
  const { query } = parseContactQuery(rawQuery);
  const filters = filtersOf(ctx, query);
  let after: ListCursor | undefined;
  for (;;) {
    const page = await listContacts(ctx.db, filters, { limit: 1000, after }, ctx.now);
    yield* page.rows;
    if (!page.next) return;
    after = page.next;
  }
}

export async function contactFormOptions(ctx: ServiceContext) {
  const [units, owners] = await Promise.all([cachedActiveUnits(ctx.db), cachedActiveUserOptions(ctx.db)]);
  return {
    civilities: CIVILITIES.map((value) => ({ value, label: value })),
    legalBases: LEGAL_BASES.map((value) => ({ value, label: t(`contacts.legalBases.${value}`) })),
    sources: CONTACT_SOURCES.map((value) => ({ value, label: t(`contacts.sources.${value}`) })),
    // `locked`: not one of the person's units — shown, but only an admin attaches a contact to it.
    units: units.filter((unit) => !unit.archivedAt).map((unit) => ({ id: unit.id, name: unit.name, locked: !canAttachUnit(ctx.actor, unit.id) })),
    owners: owners.map((owner) => ({ value: owner.id, label: owner.displayName })),
  };
}

/** The options of an empty creation form, for people who may create. */
export async function newContactForm(ctx: ServiceContext) {
  assertCan(ctx.actor, 'directory.edit');
  return contactFormOptions(ctx);
}

// ── Detail ───────────────────────────────────────────────────────────────────────────────────

async function loadContact(ctx: ServiceContext, id: string): Promise<Contact> {
  const contact = z.uuid().safeParse(id).success ? await findContactById(ctx.db, id) : undefined;
  if (!contact) throw new NotFoundError(t('contacts.notFound'));
  return contact;
}

async function scopeOf(ctx: ServiceContext, contact: Contact): Promise<RecordScope> {
  return { ownerId: contact.ownerId, unitIds: await unitIdsOfContact(ctx.db, contact.id) };
}

export type ContactDetail =
  | { kind: 'redirect'; to: string }
  | {
      kind: 'found';
      contact: Contact;
      ownerName: string | null;
      units: Array<{ id: string; name: string }>;
      affiliations: { current: Awaited<ReturnType<typeof affiliationsOfContact>>; past: Awaited<ReturnType<typeof affiliationsOfContact>> };
      hiddenFields: string[];
      reviewDue: boolean;
      /** Partner-facing e-mail (invitations, reminders): allowed, or why not (an opt-out's date and source). */
      partnerMail: { allowed: boolean; reason: string | null };
      permissions: { edit: boolean; archive: boolean; restore: boolean; erase: boolean; gdprExport: boolean; vcard: boolean; merge: boolean; undoMerge: boolean };
    };

export async function getContactDetail(ctx: ServiceContext, id: string): Promise<ContactDetail> {
  assertCan(ctx.actor, 'directory.read');
  const contact = await loadContact(ctx, id);
  if (contact.mergedIntoId) return { kind: 'redirect', to: `/contacts/${contact.mergedIntoId}` };
  if (contact.archivedAt && !can(ctx.actor, 'directory.archive')) throw new NotFoundError(t('contacts.notFound'));
  const [units, positions, owner] = await Promise.all([
    unitsOfContact(ctx.db, contact.id),
    affiliationsOfContact(ctx.db, contact.id),
    contact.ownerId ? findUserById(ctx.db, contact.ownerId) : Promise.resolve(undefined),
  ]);
  const scope = { ownerId: contact.ownerId, unitIds: units.map((unit) => unit.id) };
  const lastTouch = contact.lastActivityAt ?? contact.createdAt;
  const reviewLimit = new Date(ctx.now);
  reviewLimit.setMonth(reviewLimit.getMonth() - REVIEW_AFTER_MONTHS);
  return {
    kind: 'found',
    contact,
    ownerName: owner?.displayName ?? null,
    units,
    affiliations: { current: positions.filter((position) => !position.endDate), past: positions.filter((position) => position.endDate) },
    hiddenFields: await restrictedFieldsFor(ctx, 'contact', scope),
    reviewDue: !contact.erasedAt && lastTouch < reviewLimit,
    partnerMail: (() => {
      const eligibility = partnerEmailEligibility(contact);
      return { allowed: eligibility.allowed, reason: eligibility.allowed ? null : eligibility.reason };
    })(),
    permissions: {
      edit: !contact.erasedAt && can(ctx.actor, 'directory.edit', scope),
      archive: can(ctx.actor, 'directory.archive', scope),
      restore: can(ctx.actor, 'directory.restore'),
      erase: !contact.erasedAt && can(ctx.actor, 'contacts.erase'),
      gdprExport: !contact.erasedAt && can(ctx.actor, 'contacts.gdprExport'),
      vcard: !contact.erasedAt && can(ctx.actor, 'directory.export'),
      merge: !contact.erasedAt && can(ctx.actor, 'directory.merge'),
      undoMerge: can(ctx.actor, 'directory.undoMerge'),
    },
  };
}

// ── Create and edit ──────────────────────────────────────────────────────────────────────────

const nullable = (max: number) => optionalTrimmed(max).transform((value) => value || null);

const contactSchema = z
  .object({
    civility: z.union([z.literal(''), z.enum(CIVILITIES)]).optional().transform((value) => value || null),
    firstName: optionalTrimmed(100),
    lastName: requiredText(100),
    jobTitle: nullable(150),
    emails: emailListField(),
    phones: phoneListField(),
    linkedinUrl: optionalTrimmed(300)
      .transform((value) => value || null)
      .refine((value) => value === null || /^https:\/\/([a-z]{2,3}\.)?linkedin\.com\//i.test(value), t('contacts.invalidLinkedin')),
    ownerId: optionalId(t('organizations.unknownOwner')),
    unitIds: stringList().pipe(z.array(z.uuid({ error: t('validation.unknownUnit') }))),
    tags: tagListField(),
    notes: nullable(10_000),
    legalBasis: z.enum(LEGAL_BASES, { error: t('contacts.invalidLegalBasis') }),
    source: z.union([z.literal(''), z.enum(CONTACT_SOURCES)]).optional().transform((value) => value || null),
    consentDate: dateField(),
    emailOptOut: z.preprocess((value) => value === 'on' || value === 'true' || value === true, z.boolean()),
    confirmDuplicates: z.preprocess((value) => value === 'on' || value === 'true' || value === true, z.boolean()),
    // On creation only: the first affiliation.
    organizationId: optionalId(t('organizations.notFound')),
    role: nullable(150).optional(),
    startDate: dateField().optional(),
  })
  .refine((value) => value.legalBasis !== 'consentement' || value.consentDate !== null, {
    path: ['consentDate'],
    message: t('contacts.consentDateRequired'),
  });

type ContactInput = z.infer<typeof contactSchema>;

function columnsOf(values: ContactInput): Partial<NewContact> {
  return {
    civility: values.civility,
    firstName: values.firstName,
    lastName: values.lastName,
    jobTitle: values.jobTitle,
    emails: values.emails,
    phones: values.phones,
    linkedinUrl: values.linkedinUrl,
    ownerId: values.ownerId,
    tags: values.tags,
    notes: values.notes,
    legalBasis: values.legalBasis,
    source: values.source,
    consentAt: values.legalBasis === 'consentement' && values.consentDate ? new Date(`${values.consentDate}T12:00:00Z`) : null,
    emailOptOut: values.emailOptOut,
  };
}

/** What the journal keeps of a contact (generated search columns are noise there). */
function auditable(contact: Contact): Record<string, unknown> {
  const { searchDocument: _document, searchName: _name, ...rest } = contact;
  return rest;
}

async function validateReferences(ctx: ServiceContext, values: ContactInput): Promise<void> {
  const errors: Record<string, string> = {};
  const units = await findUnitsByIds(ctx.db, values.unitIds);
  if (units.length !== new Set(values.unitIds).size) errors.unitIds = t('validation.unknownUnit');
  if (values.organizationId && !(await findOrganizationById(ctx.db, values.organizationId))) errors.organizationId = t('organizations.notFound');
  if (Object.keys(errors).length > 0) throw new ValidationError(errors, t('validation.formHasErrors'));
}

/** The unit rule of organisations (and conventions): one's own units only, admins any. */
function allowedContactUnits(actor: Actor, requested: readonly string[], previous: readonly string[]): string[] {
  const { unitIds, refused } = unitsAfterChange(actor, requested, previous);
  if (refused.length > 0) throw new ValidationError({ unitIds: t('contacts.unitNotYours') }, t('validation.formHasErrors'));
  return unitIds;
}

async function warnAboutDuplicates(ctx: ServiceContext, values: ContactInput, selfId?: string): Promise<void> {
  if (values.confirmDuplicates) return;
  const candidates = await findContactDuplicates(ctx, {
    id: selfId,
    firstName: values.firstName,
    lastName: values.lastName,
    emails: values.emails,
    phones: values.phones,
  });
  if (candidates.length > 0) throw new DuplicatesFoundError(candidates);
}

/**
 * The checks of a creation that read the database (before any transaction, on ctx.db): units
 * and the organisation of the first affiliation, then the unit rule. Returns the units the new
 * contact gets: its creator's unless the form says otherwise. ValidationError on a wrong field.
 */
export async function checkNewContact(ctx: ServiceContext, actor: Actor, values: ContactInput): Promise<{ unitIds: string[] }> {
  await validateReferences(ctx, values);
  return { unitIds: allowedContactUnits(actor, values.unitIds.length > 0 ? values.unitIds : actor.unitIds, []) };
}

/** DuplicatesFoundError when the new contact looks like existing ones, unless confirmed. */
export async function warnAboutContactDuplicates(ctx: ServiceContext, values: ContactInput): Promise<void> {
  await warnAboutDuplicates(ctx, values);
}

/**
 * Inside the caller's transaction: inserts a contact already checked (checkNewContact), its
 * units, the 'contact.created' journal entry and, when the values name an organisation, the
 * first (primary) affiliation with its own journal entry. `organizationId` overrides the
 * values' one (an organisation created in the same transaction). No permission check here.
 */
export async function createContactInTransaction(
  tx: ServiceContext['db'],
  ctx: ServiceContext,
  actor: Actor,
  values: ContactInput,
  unitIds: string[],
  organizationId: string | null = values.organizationId,
): Promise<Contact> {
  const contact = await insertContact(tx, {
    ...(columnsOf(values) as NewContact),
    ...optOutColumns(false, values.emailOptOut, ctx.now, 'utilisateur'),
    ownerId: values.ownerId ?? actor.id,
    createdById: actor.id,
    updatedById: actor.id,
  });
  await replaceContactUnits(tx, contact.id, unitIds);
  await recordAudit(tx, ctx, { action: 'contact.created', entityType: 'contact', entityId: contact.id, after: { ...auditable(contact), unitIds } });
  if (organizationId) {
    const affiliation = await insertAffiliation(tx, {
      contactId: contact.id,
      organizationId,
      role: values.role ?? null,
      startDate: values.startDate ?? null,
      isPrimary: true,
      createdById: actor.id,
    });
    await auditAffiliation(tx, ctx, 'affiliation.created', null, affiliation);
  }
  return contact;
}

export async function createContact(ctx: ServiceContext, input: unknown): Promise<Contact> {
  assertCan(ctx.actor, 'directory.edit');
  const actor = ctx.actor;
  const values = parseInput(contactSchema, input);
  const { unitIds } = await checkNewContact(ctx, actor, values);
  await warnAboutDuplicates(ctx, values);
  return inTransaction(ctx, (tx) => createContactInTransaction(tx, ctx, actor, values, unitIds));
}

export async function getContactForEdit(ctx: ServiceContext, id: string) {
  const contact = await loadContact(ctx, id);
  if (contact.mergedIntoId || contact.erasedAt) throw new NotFoundError(t('contacts.notFound'));
  const scope = await scopeOf(ctx, contact);
  assertCan(ctx.actor, 'directory.edit', scope);
  return { contact, unitIds: scope.unitIds ?? [] };
}

export async function updateContact(ctx: ServiceContext, id: string, input: unknown): Promise<Contact> {
  const current = await getContactForEdit(ctx, id);
  const values = parseInput(contactSchema, input);
  await validateReferences(ctx, values);
  const unitIds = allowedContactUnits(ctx.actor as Actor, values.unitIds, current.unitIds);
  await warnAboutDuplicates(ctx, values, id);
  return inTransaction(ctx, async (tx) => {
    const before = await lockContactById(tx, id);
    if (!before) throw new NotFoundError(t('contacts.notFound'));
    const updated = await updateContactRow(tx, id, { ...columnsOf(values), ...optOutColumns(before.emailOptOut, values.emailOptOut, ctx.now, 'utilisateur'), updatedById: ctx.actor?.id ?? null });
    await replaceContactUnits(tx, id, unitIds);
    await recordAudit(tx, ctx, {
      action: 'contact.updated',
      entityType: 'contact',
      entityId: id,
      before: { ...auditable(before), unitIds: current.unitIds },
      after: { ...auditable(updated), unitIds },
    });
    return updated;
  });
}

export async function archiveContact(ctx: ServiceContext, id: string): Promise<Contact> {
  const contact = await loadContact(ctx, id);
  assertCan(ctx.actor, 'directory.archive', await scopeOf(ctx, contact));
  return inTransaction(ctx, async (tx) => {
    const before = await lockContactById(tx, id);
    if (!before) throw new NotFoundError(t('contacts.notFound'));
    if (before.archivedAt) return before;
    const updated = await updateContactRow(tx, id, { archivedAt: ctx.now, archivedById: ctx.actor?.id ?? null });
    await recordAudit(tx, ctx, { action: 'contact.archived', entityType: 'contact', entityId: id, before: { archivedAt: null }, after: { archivedAt: updated.archivedAt } });
    return updated;
  });
}

export async function restoreContact(ctx: ServiceContext, id: string): Promise<Contact> {
  assertCan(ctx.actor, 'directory.restore');
  await loadContact(ctx, id);
  return inTransaction(ctx, async (tx) => {
    const before = await lockContactById(tx, id);
    if (!before) throw new NotFoundError(t('contacts.notFound'));
    if (!before.archivedAt) return before;
    const updated = await updateContactRow(tx, id, { archivedAt: null, archivedById: null });
    await recordAudit(tx, ctx, { action: 'contact.restored', entityType: 'contact', entityId: id, before: { archivedAt: before.archivedAt }, after: { archivedAt: null } });
    return updated;
  });
}

// ── Affiliations ─────────────────────────────────────────────────────────────────────────────

async function auditAffiliation(tx: ServiceContext['db'], ctx: ServiceContext, action: string, before: Affiliation | null, after: Affiliation | null) {
  const row = after ?? before;
  if (!row) return;
  await recordAudit(tx, ctx, {
    action,
    entityType: 'contact',
    entityId: row.contactId,
    before: before ? { organizationId: before.organizationId, role: before.role, startDate: before.startDate, endDate: before.endDate, isPrimary: before.isPrimary } : null,
    after: after ? { organizationId: after.organizationId, role: after.role, startDate: after.startDate, endDate: after.endDate, isPrimary: after.isPrimary } : null,
    // Shown on the organisation's timeline too.
    metadata: { related: [row.organizationId], affiliationId: row.id },
  });
}

const affiliationSchema = z
  .object({
    organizationId: z.uuid({ error: t('affiliations.organizationRequired') }),
    role: nullable(150),
    startDate: dateField(),
    endDate: dateField(),
    isPrimary: z.preprocess((value) => value === 'on' || value === 'true' || value === true, z.boolean()),
  })
  .refine((value) => !value.startDate || !value.endDate || value.endDate >= value.startDate, {
    path: ['endDate'],
    message: t('affiliations.endBeforeStart'),
  });

async function assertCanEditContact(ctx: ServiceContext, contactId: string): Promise<Contact> {
  const contact = await loadContact(ctx, contactId);
  if (contact.erasedAt || contact.mergedIntoId) throw new ConflictError(t('contacts.erasedReadOnly'));
  assertCan(ctx.actor, 'directory.edit', await scopeOf(ctx, contact));
  return contact;
}

export async function addAffiliation(ctx: ServiceContext, contactId: string, input: unknown): Promise<Affiliation> {
  await assertCanEditContact(ctx, contactId);
  const values = parseInput(affiliationSchema, input);
  if (!(await findOrganizationById(ctx.db, values.organizationId))) throw new ValidationError({ organizationId: t('organizations.notFound') });
  return inTransaction(ctx, async (tx) => {
    await lockContactById(tx, contactId);
    if (values.isPrimary) await clearPrimaryAffiliations(tx, contactId);
    const affiliation = await insertAffiliation(tx, { contactId, ...values, createdById: ctx.actor?.id ?? null });
    await auditAffiliation(tx, ctx, 'affiliation.created', null, affiliation);
    return affiliation;
  });
}

async function loadAffiliation(ctx: ServiceContext, contactId: string, affiliationId: string): Promise<Affiliation> {
  const affiliation = z.uuid().safeParse(affiliationId).success ? await findAffiliation(ctx.db, affiliationId) : undefined;
  if (!affiliation || affiliation.contactId !== contactId) throw new NotFoundError(t('affiliations.notFound'));
  return affiliation;
}

const endSchema = z.object({ endDate: dateField() });

/** "Has left": keeps the position as history with an end date (today by default). */
export async function endAffiliation(ctx: ServiceContext, contactId: string, affiliationId: string, input: unknown): Promise<Affiliation> {
  await assertCanEditContact(ctx, contactId);
  const before = await loadAffiliation(ctx, contactId, affiliationId);
  const { endDate } = parseInput(endSchema, input ?? {});
  const end = endDate ?? ctx.now.toISOString().slice(0, 10);
  if (before.startDate && end < before.startDate) throw new ValidationError({ endDate: t('affiliations.endBeforeStart') });
  return inTransaction(ctx, async (tx) => {
    const updated = await updateAffiliationRow(tx, affiliationId, { endDate: end, isPrimary: false });
    await auditAffiliation(tx, ctx, 'affiliation.ended', before, updated);
    return updated;
  });
}

export async function removeAffiliation(ctx: ServiceContext, contactId: string, affiliationId: string): Promise<void> {
  await assertCanEditContact(ctx, contactId);
  const before = await loadAffiliation(ctx, contactId, affiliationId);
  await inTransaction(ctx, async (tx) => {
    await deleteAffiliationRow(tx, affiliationId);
    await auditAffiliation(tx, ctx, 'affiliation.deleted', before, null);
  });
}

// ── GDPR ─────────────────────────────────────────────────────────────────────────────────────

/**
 * A section another feature adds to the access export: the rows it links to the person. The
 * exchanges (`/echanges`) have theirs; event invitations and answers (`/evenements`) and cases
 * are not stored yet: when they are, each registers its section here and the export, page and
 * JSON, lists it with no other change.
 */
export interface PersonalDataSection {
  key: string;
  /** Catalogue key of the section's title. */
  titleKey: string;
  load(db: ServiceContext['db'], person: { contactIds: string[]; emails: string[] }): Promise<Array<Record<string, unknown>>>;
}

export const PERSONAL_DATA_EXTENSIONS: PersonalDataSection[] = [exchangesPersonalDataSection, eventInvitationsPersonalDataSection];

export interface PersonalDataExport {
  generatedAt: string;
  generatedBy: string;
  controller: string;
  person: Record<string, unknown>;
  affiliations: Array<Record<string, unknown>>;
  conventionSignatures: Array<{ reference: string; title: string; status: string; statusLabel: string; organization: string; role: string | null; signedOn: string | null; startsOn: string | null; endsOn: string | null }>;
  emailsSent: Array<{ at: string; sentAt: string | null; to: string; subject: string; status: string; statusLabel: string }>;
  consentHistory: Array<{
    at: string;
    by: string;
    action: string;
    actionLabel: string;
    changes: Record<string, { before: unknown; after: unknown }>;
    /** The same changes in words: « Base légale : Intérêt légitime → Consentement ». */
    summary: Array<{ field: string; before: string; after: string }>;
  }>;
  /** Sections of PERSONAL_DATA_EXTENSIONS (the exchanges so far). */
  otherLinks: Array<{ key: string; title: string; rows: Array<Record<string, unknown>> }>;
  history: Array<{ at: string; action: string; by: string; changes: unknown }>;
}

const isoOf = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());

const CONSENT_LABELS: Record<string, string> = { legalBasis: 'contacts.legalBasis', consentAt: 'contacts.consentDate', emailOptOut: 'contacts.emailOptOut' };

function consentValueText(field: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return t('contacts.gdprNotRecorded');
  if (field === 'legalBasis') return t(`contacts.legalBases.${String(value)}`);
  if (field === 'emailOptOut') return t(value === true ? 'common.yes' : 'common.no');
  if (field === 'consentAt') return formatDate(String(value));
  return String(value);
}

/** Everything held on a person (RGPD art. 15), as data; the route offers JSON and a page. */
export async function exportPersonalData(ctx: ServiceContext, id: string): Promise<PersonalDataExport> {
  assertCan(ctx.actor, 'contacts.gdprExport');
  const contact = await loadContact(ctx, id);
  if (contact.erasedAt) throw new ConflictError(t('contacts.erasedReadOnly'));
  // Records merged into this one are the same person: their links are theirs too.
  const contactIds = [id, ...(await contactIdsMergedInto(ctx.db, id))];
  const [positions, history, units, owner, signatures, sent, consent, otherLinks] = await Promise.all([
    affiliationsOfContact(ctx.db, id),
    listTimeline(ctx.db, { entityType: 'contact', entityId: id, limit: 1000 }),
    unitsOfContact(ctx.db, id),
    contact.ownerId ? findUserById(ctx.db, contact.ownerId) : Promise.resolve(undefined),
    conventionSignaturesOf(ctx.db, contactIds),
    emailsSentTo(ctx.db, contact.emails),
    consentHistoryOf(ctx.db, contactIds),
    Promise.all(
      PERSONAL_DATA_EXTENSIONS.map(async (section) => ({
        key: section.key,
        title: t(section.titleKey),
        rows: await section.load(ctx.db, { contactIds, emails: contact.emails }),
      })),
    ),
  ]);
  await inTransaction(ctx, (tx) => recordAudit(tx, ctx, { action: 'contact.gdpr_exported', entityType: 'contact', entityId: id }));
  return {
    generatedAt: ctx.now.toISOString(),
    generatedBy: ctx.actor?.displayName ?? '',
    controller: t('app.institution'),
    person: {
      civility: contact.civility,
      firstName: contact.firstName,
      lastName: contact.lastName,
      jobTitle: contact.jobTitle,
      emails: contact.emails,
      phones: contact.phones,
      linkedinUrl: contact.linkedinUrl,
      tags: contact.tags,
      notes: contact.notes,
      legalBasis: contact.legalBasis,
      legalBasisLabel: t(`contacts.legalBases.${contact.legalBasis}`),
      source: contact.source,
      consentAt: contact.consentAt?.toISOString() ?? null,
      emailOptOut: contact.emailOptOut,
      emailOptOutAt: contact.emailOptOutAt?.toISOString() ?? null,
      emailOptOutSource: contact.emailOptOut ? optOutSourceLabel(contact.emailOptOutSource) : null,
      lastActivityAt: contact.lastActivityAt?.toISOString() ?? null,
      owner: owner?.displayName ?? null,
      units: units.map((unit) => unit.name),
      createdAt: contact.createdAt.toISOString(),
      updatedAt: contact.updatedAt.toISOString(),
    },
    affiliations: positions.map((position) => ({
      organization: position.organizationName,
      role: position.role,
      startDate: position.startDate,
      endDate: position.endDate,
      primary: position.isPrimary,
    })),
    conventionSignatures: signatures.map((row) => ({
      reference: row.reference,
      title: row.title,
      status: row.status,
      statusLabel: t(`conventions.statuses.${row.status}`),
      organization: row.organization_name,
      role: row.role,
      signedOn: row.signed_on,
      startsOn: row.starts_on,
      endsOn: row.ends_on,
    })),
    emailsSent: sent.map((row) => ({
      at: isoOf(row.created_at) ?? '',
      sentAt: isoOf(row.sent_at),
      to: row.to_address,
      subject: row.subject,
      status: row.status,
      statusLabel: t(`contacts.emailStatuses.${row.status}`),
    })),
    consentHistory: consent.map((row) => ({
      at: isoOf(row.at) ?? '',
      by: row.actor_label,
      action: row.action,
      actionLabel: labelAction(row.action),
      changes: row.changes,
      summary: Object.entries(row.changes ?? {}).map(([field, change]) => ({
        field: t(CONSENT_LABELS[field] ?? field),
        before: consentValueText(field, change.before),
        after: consentValueText(field, change.after),
      })),
    })),
    otherLinks,
    history: history
      .filter((entry) => entry.action !== 'contact.gdpr_exported')
      .map((entry) => ({ at: entry.at.toISOString(), action: entry.action, by: entry.actorLabel, changes: entry.changes })),
  };
}

const eraseSchema = z.object({ reason: requiredText(500) });

/** What erasure leaves in a contact's personal fields (also written over merge snapshots). */
function erasedPersonalValues() {
  return {
    civility: null,
    firstName: '',
    lastName: t('contacts.erasedName'),
    jobTitle: null,
    emails: [] as string[],
    phones: [] as string[],
    linkedinUrl: null,
    tags: [] as string[],
    notes: null,
    consentAt: null,
    emailOptOut: true,
    sourceRef: null,
  } satisfies Partial<NewContact>;
}

/**
 * Erasure (RGPD art. 17): the row stays (counts, affiliations to organisations, non-personal
 * history) but every personal field is emptied, and past journal entries lose the personal
 * values they recorded. Who erased and why is kept.
 *
 * Contacts merged into this one (directly or through a chain of merges) are the same person:
 * they are erased with it. The merge snapshots (record_merges.kept_before / merged_before) of
 * all these records get the same erased values over their personal fields; ids and moved
 * relations stay, so the merge history keeps its counts (undoing a merge whose kept contact is
 * erased is refused by merge.service.ts).
 */
export async function eraseContact(ctx: ServiceContext, id: string, input: unknown): Promise<Contact> {
  assertCan(ctx.actor, 'contacts.erase');
  const { reason } = parseInput(eraseSchema, input);
  await loadContact(ctx, id);
  return inTransaction(ctx, async (tx) => {
    const before = await lockContactById(tx, id);
    if (!before) throw new NotFoundError(t('contacts.notFound'));
    if (before.erasedAt) return before;
    const personal = erasedPersonalValues();
    const erasure = { ...personal, erasedAt: ctx.now, erasedById: ctx.actor?.id ?? null, erasureReason: reason, updatedById: ctx.actor?.id ?? null };
    const duplicates = await contactIdsMergedInto(tx, id);
    const lockedDuplicates: Contact[] = [];
    for (const duplicateId of duplicates) {
      const duplicate = await lockContactById(tx, duplicateId);
      if (duplicate) lockedDuplicates.push(duplicate);
    }
    // What identifies the person elsewhere, read before the rows are emptied.
    const traces = tracesOf([before, ...lockedDuplicates]);
    const erased = await updateContactRow(tx, id, erasure);
    // Journal entries about the person keep what happened and when, not the personal values.
    await scrubAuditChanges(tx, 'contact', id);
    for (const duplicate of lockedDuplicates) {
      if (duplicate.erasedAt) continue;
      await updateContactRow(tx, duplicate.id, erasure);
      await scrubAuditChanges(tx, 'contact', duplicate.id);
      await recordAudit(tx, ctx, { action: 'contact.erased', entityType: 'contact', entityId: duplicate.id, metadata: { reason, mergedIntoErased: id } });
    }
    await scrubMergeSnapshots(tx, 'contact', [id, ...duplicates], personal);
    const places = await eraseTracesOfPerson(tx, traces, personal, {
      label: t('contacts.erasedName'),
      mailSubject: t('contacts.erasedMailSubject'),
      mailError: t('contacts.erasedMailError'),
      importRowMessage: t('contacts.erasedImportRow'),
    });
    // How many rows each place lost: proof of the erasure without the erased values.
    await recordAudit(tx, ctx, { action: 'contact.erased', entityType: 'contact', entityId: id, metadata: { reason, places } });
    return erased;
  });
}

/** The person's identifying values across their records (the kept one and those merged into it). */
function tracesOf(records: Contact[]): PersonTraces {
  const emails = new Set<string>();
  const phones = new Set<string>();
  const names = new Set<string>();
  for (const record of records) {
    for (const email of record.emails) emails.add(email.toLowerCase());
    for (const phone of record.phones) {
      const national = formatPhone(phone);
      for (const form of [phone, national, national.replace(/\s/g, '')]) phones.add(form);
    }
    const first = record.firstName.trim();
    const last = record.lastName.trim();
    if (last) names.add(first ? `${first} ${last}` : last);
    if (first && last) names.add(`${last} ${first}`);
  }
  const main = records[0];
  return {
    contactIds: records.map((record) => record.id),
    emails: [...emails],
    phones: [...phones],
    names: [...names],
    firstName: main?.firstName.trim() ?? '',
    lastName: main?.lastName.trim() ?? '',
  };
}

// The import (src/services/imports.service.ts) validates rows with the same rules as the form.
export { contactSchema, columnsOf as contactColumnsOf, auditable as auditableContact, type ContactInput };

/** The organisation a « new contact » form starts attached to (from `?organizationId=`); none when unknown. */
export async function organizationToPrefill(ctx: ServiceContext, organizationId: string): Promise<{ id: string; name: string } | undefined> {
  if (!isUuid(organizationId)) return undefined;
  return (await organizationLabels(ctx.db, [organizationId]))[0];
}
