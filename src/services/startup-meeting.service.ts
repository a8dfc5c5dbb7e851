// The start-up meeting in one form (issue 12, /echanges/rencontre-startup): pick or create the
// organisation, pick or create its contact, the meeting and its next step — saved at once.
//
// Everything is checked before anything is written: each part's fields with the rules of its
// own form (the organisation and contact forms' schemas, the exchange form's schema), the
// references they name, then the directory's duplicate warnings. Only then ONE transaction
// creates the organisation, the contact (and its affiliation), the exchange and its task, each
// with its usual journal entries. A wrong field anywhere writes nothing.
//
// Sourcing (issue 14): « Ajouter au défi … » adds the start-up to a challenge (or as spontaneous
// sourcing) in the same transaction — a new case at « rencontrée » (the meeting happened; a
// meeting planned ahead: « repérée »), or the start-up's case already there, moved on to
// « rencontrée » when still repérée or qualifiée — and the exchange is about that case.
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { ConflictError, ForbiddenError, ValidationError, type FieldErrors } from '../lib/errors';
import { isoDateInParis, isoTimeInParis, parisDateTime } from '../lib/format';
import { t } from '../lib/i18n';
import { isUuid, parseInput } from '../lib/validation';
import { findContactById, listContacts } from '../models/contacts.model';
import { findOrganizationById, organizationLabels } from '../models/organizations.model';
import { CASE_SOURCES, EXCHANGE_KINDS, EXCHANGE_OUTCOMES, type CaseSource, type Contact, type Exchange, type Organization, type SourcingCase, type Task } from '../models/schema';
import { findCaseOfChallenge } from '../models/sourcing-cases.model';
import type { Database } from '../models/database';
import { challengesOpenForCases, isEvaluatorOfCase, openSpontaneousCaseOf } from '../models/sourcing-links.model';
import { type Actor, type ServiceContext, inTransaction } from './context';
import { checkNewContact, contactSchema, createContactInTransaction, warnAboutContactDuplicates } from './contacts.service';
import type { DuplicateCandidate } from './duplicates.service';
import { createExchangeInTransaction, exchangeFieldsSchema } from './exchanges.service';
import {
  DuplicatesFoundError,
  checkNewOrganization,
  createOrganizationInTransaction,
  organizationSchema,
  pickOrganizationsFor,
  warnAboutOrganizationDuplicates,
} from './organizations.service';
import { assertCan, can } from './permissions';
import { addCaseInTransaction, canEditCase, canReadCase, moveCaseStage } from './sourcing-cases.service';
import { cachedActiveUserOptions, cachedOrganizationKinds } from './reference-lists';

/**
 * The start-ups' organisation kind (migration 0002's reference data): a new organisation's default
 * here when the list has it, and what the dashboard counts as « start-ups rencontrées ».
 */
export const STARTUP_KIND_CODE = 'startup';
const FALLBACK_KIND_CODE = 'entreprise';

/** HTML names of the new organisation's fields → the organisation form's fields. */
const ORGANIZATION_FIELDS = { orgName: 'name', orgKindCode: 'kindCode', orgWebsite: 'website', orgSiren: 'siren' } as const;
/** HTML names of the new contact's fields → the contact form's fields. */
const CONTACT_FIELDS = {
  contactFirstName: 'firstName',
  contactLastName: 'lastName',
  contactRole: 'role',
  contactEmail: 'emails',
  contactPhone: 'phones',
} as const;
/** The exchange form's own names are used as they are (kind, occurredOn, summary, nextStepTitle…). */
const EXCHANGE_FIELDS = [
  'kind',
  'occurredOn',
  'occurredTime',
  'durationMinutes',
  'place',
  'visioUrl',
  'summary',
  'notes',
  'outcome',
  'tags',
  'confidential',
  'participantIds',
  'nextStepTitle',
  'nextStepDueOn',
  'nextStepAssigneeId',
] as const;

/** Raised when the new organisation or contact looks like existing records (shown as a 409 warning). */
export class StartupMeetingDuplicatesError extends Error {
  constructor(
    readonly organizationCandidates: DuplicateCandidate[],
    readonly contactCandidates: DuplicateCandidate[],
  ) {
    super('possible duplicates');
  }
}

type Body = Record<string, unknown>;

const text = (value: unknown): string => (typeof value === 'string' ? value : Array.isArray(value) ? String(value.find((item) => typeof item === 'string' && item !== '') ?? '') : '');
const checked = (value: unknown): boolean => (Array.isArray(value) ? value : [value]).some((item) => item === 'on' || item === 'true');
const list = (value: unknown): string[] => (value === undefined || value === '' ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

/**
 * The organisation and contact the form designates: a « use this one » button of the duplicate
 * warning wins over the radio buttons.
 */
function chosenIds(body: Body): { organizationId: string; contactId: string } {
  return {
    organizationId: text(body.useOrganizationId) || text(body.organizationId),
    contactId: text(body.useContactId) || text(body.contactId),
  };
}

function hasNewContact(body: Body): boolean {
  return Object.keys(CONTACT_FIELDS).some((field) => text(body[field]).trim() !== '');
}

// ── The page ─────────────────────────────────────────────────────────────────────────────────

export interface StartupMeetingOptions {
  kinds: Array<{ value: string; label: string }>;
  organizationKinds: Array<{ value: string; label: string }>;
  outcomes: Array<{ value: string; label: string }>;
  users: Array<{ value: string; label: string }>;
  /** « Ajouter au défi … » and the case's source, for whoever adds cases (null: the part is not shown). */
  sourcing: { challenges: Array<{ value: string; label: string }>; sources: Array<{ value: string; label: string }> } | null;
}

/** The « Ajouter au défi » value of a spontaneous case (no challenge); '' adds no case. */
export const SPONTANEOUS_CASE = 'spontanee';

async function formOptions(ctx: ServiceContext): Promise<StartupMeetingOptions> {
  const mayAddCases = can(ctx.actor, 'sourcing.edit');
  const [kinds, users, challenges] = await Promise.all([cachedOrganizationKinds(ctx.db), cachedActiveUserOptions(ctx.db), mayAddCases ? challengesOpenForCases(ctx.db) : Promise.resolve([])]);
  return {
    kinds: EXCHANGE_KINDS.map((kind) => ({ value: kind, label: t(`exchanges.kinds.${kind}`) })),
    organizationKinds: kinds.filter((kind) => !kind.archivedAt).map((kind) => ({ value: kind.code, label: kind.label })),
    outcomes: EXCHANGE_OUTCOMES.map((outcome) => ({ value: outcome, label: t(`exchanges.outcomes.${outcome}`) })),
    users: users.map((user) => ({ value: user.id, label: user.displayName })),
    sourcing: mayAddCases
      ? {
          challenges: [
            { value: '', label: t('startupMeeting.sourcing.noCase') },
            ...challenges.map((challenge) => ({ value: challenge.id, label: t('startupMeeting.sourcing.challenge', { title: challenge.title }) })),
            { value: SPONTANEOUS_CASE, label: t('startupMeeting.sourcing.spontaneous') },
          ],
          sources: CASE_SOURCES.map((source) => ({ value: source, label: t(`sourcingCases.sources.${source}`) })),
        }
      : null,
  };
}

function assertCanUse(ctx: ServiceContext): asserts ctx is ServiceContext & { actor: Actor } {
  assertCan(ctx.actor, 'exchanges.edit');
  assertCan(ctx.actor, 'directory.edit');
}

/** The empty form: a rendez-vous now, with me as participant and assignee, a start-up to create. */
export async function newStartupMeetingForm(ctx: ServiceContext) {
  assertCanUse(ctx);
  const options = await formOptions(ctx);
  const defaultKind = options.organizationKinds.some((kind) => kind.value === STARTUP_KIND_CODE) ? STARTUP_KIND_CODE : FALLBACK_KIND_CODE;
  return {
    options,
    values: {
      organizationId: '',
      contactId: '',
      orgKindCode: defaultKind,
      kind: 'rendez_vous',
      occurredOn: isoDateInParis(ctx.now),
      occurredTime: isoTimeInParis(ctx.now),
      durationMinutes: '60',
      participantIds: [ctx.actor.id],
      nextStepAssigneeId: ctx.actor.id,
      sourcingChallenge: '',
      sourcingSource: '',
    } as Body,
    organization: null as { id: string; name: string } | null,
    contact: null as { id: string; name: string } | null,
    organizationChoices: [] as Array<{ id: string; name: string; acronym: string | null; city: string | null }>,
    contactChoices: [] as Array<{ id: string; name: string; detail: string }>,
    searchedOrganizations: false,
  };
}

/**
 * The form again after a refusal, with everything typed, and the chosen organisation and
 * contact named (their radio buttons are rendered checked).
 */
export async function startupMeetingFormAgain(ctx: ServiceContext, body: Body) {
  assertCanUse(ctx);
  const options = await formOptions(ctx);
  const { organizationId, contactId } = chosenIds(body);
  const organization = isUuid(organizationId) ? (await organizationLabels(ctx.db, [organizationId]))[0] ?? null : null;
  const contactRow = isUuid(contactId) ? await findContactById(ctx.db, contactId) : undefined;
  const contact = contactRow && !contactRow.erasedAt ? { id: contactRow.id, name: `${contactRow.firstName} ${contactRow.lastName}`.trim() } : null;
  const values: Body = { ...body, organizationId: organization?.id ?? '', contactId: contact?.id ?? '', participantIds: list(body.participantIds) };
  delete values.useOrganizationId;
  delete values.useContactId;
  delete values._csrf;
  // The matches of what was typed in the search boxes (how one searches without JavaScript).
  const [organizationChoices, contactChoices] = await Promise.all([
    pickOrganizationsFor(ctx, text(body.organizationQuery)),
    pickStartupContacts(ctx, { organizationId: organization?.id, q: body.contactQuery }),
  ]);
  return { options, values, organization, contact, organizationChoices, contactChoices, searchedOrganizations: text(body.organizationQuery).trim().length >= 2 };
}

/** « Chercher » pressed without JavaScript: the form comes back with the matches, nothing is saved. */
export function isSearchOnly(body: Body): boolean {
  return text(body.searchOrganization) !== '' || text(body.searchContact) !== '';
}

/** Organisations matching a typed name (the directory's picker). */
export async function pickStartupOrganizations(ctx: ServiceContext, query: string) {
  assertCanUse(ctx);
  return pickOrganizationsFor(ctx, query);
}

/** The current contacts of the chosen organisation, or contacts matching a typed name. */
export async function pickStartupContacts(ctx: ServiceContext, input: { organizationId?: unknown; q?: unknown }) {
  assertCanUse(ctx);
  const q = text(input.q).trim().slice(0, 100);
  const organizationId = text(input.organizationId);
  const byName = q.length >= 2;
  if (!byName && !isUuid(organizationId)) return [];
  const page = await listContacts(
    ctx.db,
    { q: byName ? q : undefined, organizationId: !byName && isUuid(organizationId) ? organizationId : undefined, archived: 'exclude', sort: 'name', direction: 'asc' },
    { limit: 10 },
    ctx.now,
  );
  return page.rows
    .filter((row) => !row.erasedAt)
    .map((row) => ({ id: row.id, name: `${row.firstName} ${row.lastName}`.trim(), detail: [row.jobTitle, row.organizationName].filter(Boolean).join(' — ') }));
}

// ── Saving ───────────────────────────────────────────────────────────────────────────────────

/** Runs a check and keeps its field errors (renamed to the form's names) instead of stopping. */
async function collect<T>(errors: FieldErrors, rename: (field: string) => string, check: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await check();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    for (const [field, message] of Object.entries(error.fieldErrors)) errors[rename(field)] ??= message;
    return undefined;
  }
}

function renamer(names: Record<string, string>, fallback: string) {
  const back = Object.fromEntries(Object.entries(names).map(([form, own]) => [own, form]));
  return (field: string) => back[field] ?? fallback;
}

export interface SavedStartupMeeting {
  exchange: Exchange;
  task: Task | null;
  organization: { id: string; name: string; created: boolean };
  contact: { id: string; created: boolean } | null;
  /** The case the meeting is about: created by this save, or the one the start-up already had. */
  sourcingCase: { id: string; created: boolean; stage: SourcingCase['stage'] } | null;
}

/** What « Ajouter au défi … » asks for: nothing, a spontaneous case, or a case in an open challenge. */
interface SourcingChoice {
  challengeId: string | null;
  source: CaseSource | null;
}

/** Checks the sourcing part before anything is written (field errors named as the form's). */
async function sourcingChoiceOf(ctx: ServiceContext & { actor: NonNullable<ServiceContext['actor']> }, body: Body, errors: FieldErrors, organization: Organization | undefined): Promise<SourcingChoice | null> {
  const chosen = text(body.sourcingChallenge).trim();
  if (chosen === '') return null;
  if (!can(ctx.actor, 'sourcing.edit')) {
    errors.sourcingChallenge = t('startupMeeting.errors.sourcingNotAllowed');
    return null;
  }
  let challengeId: string | null = null;
  if (chosen !== SPONTANEOUS_CASE) {
    const open = isUuid(chosen) ? (await challengesOpenForCases(ctx.db)).some((challenge) => challenge.id === chosen) : false;
    if (!open) {
      errors.sourcingChallenge = t('startupMeeting.errors.challengeUnknown');
      return null;
    }
    challengeId = chosen;
  }
  const sourceText = text(body.sourcingSource).trim();
  const source = (CASE_SOURCES as readonly string[]).includes(sourceText) ? (sourceText as CaseSource) : null;
  if (sourceText !== '' && !source) errors.sourcingSource = t('startupMeeting.errors.sourceUnknown');
  // A source is needed only for a new case: an existing start-up may already have one.
  const existing = organization ? (challengeId ? await findCaseOfChallenge(ctx.db, challengeId, organization.id) : await openSpontaneousCaseOf(ctx.db, organization.id)) : undefined;
  if (!existing && !source && sourceText === '') errors.sourcingSource = t('startupMeeting.errors.sourceRequired');
  return { challengeId, source };
}

/** Whether the actor reads this case (its evaluators included). */
async function mayReadCase(db: Database, ctx: ServiceContext, row: SourcingCase): Promise<boolean> {
  if (!ctx.actor) return false;
  return canReadCase(ctx.actor, row) || ((await isEvaluatorOfCase(db, row.id, ctx.actor.id)) && canReadCase(ctx.actor, row, true));
}

/**
 * Inside the save's transaction: the start-up's case in the chosen challenge (or its open
 * spontaneous case) moved on to « rencontrée » when still repérée or qualifiée and the actor moves
 * it; otherwise a new case. A refusal (closed challenge, not the actor's unit, a confidential case
 * the actor does not read) is a field error: the whole save is rolled back.
 */
async function caseForMeeting(tx: Database, ctx: ServiceContext, choice: SourcingChoice, organizationId: string, occurredAt: Date): Promise<{ row: SourcingCase; created: boolean }> {
  const actor = ctx.actor;
  try {
    const existing = choice.challengeId ? await findCaseOfChallenge(tx, choice.challengeId, organizationId) : await openSpontaneousCaseOf(tx, organizationId);
    const met = occurredAt.getTime() <= ctx.now.getTime();
    if (existing) {
      if (!(await mayReadCase(tx, ctx, existing))) throw new ValidationError({ sourcingChallenge: t('sourcingCases.errors.alreadyInChallenge') });
      let row = existing;
      if (met && actor && canEditCase(actor, existing)) {
        // One stage at a time, as on the kanban: repérée → qualifiée → rencontrée.
        if (row.stage === 'reperee') row = await moveCaseStage(tx, ctx, { caseId: row.id, to: 'qualifiee', by: 'person' });
        if (row.stage === 'qualifiee') row = await moveCaseStage(tx, ctx, { caseId: row.id, to: 'rencontree', by: 'person' });
      }
      return { row, created: false };
    }
    if (!choice.source) throw new ValidationError({ sourcingSource: t('startupMeeting.errors.sourceRequired') });
    const row = await addCaseInTransaction(tx, ctx, { organizationId, challengeId: choice.challengeId, source: choice.source, stage: met ? 'rencontree' : 'reperee' }, 'person');
    return { row, created: true };
  } catch (error) {
    if (error instanceof ConflictError || error instanceof ForbiddenError) throw new ValidationError({ sourcingChallenge: error.message }, error.message);
    if (error instanceof ValidationError && error.fieldErrors.challengeId) throw new ValidationError({ sourcingChallenge: error.fieldErrors.challengeId }, error.message);
    throw error;
  }
}

export async function saveStartupMeeting(ctx: ServiceContext, body: Body): Promise<SavedStartupMeeting> {
  assertCanUse(ctx);
  const actor = ctx.actor;
  const errors: FieldErrors = {};
  const { organizationId, contactId } = chosenIds(body);

  // The organisation: an existing one, or the fields of a new one.
  let existingOrganization: Organization | undefined;
  let newOrganization: { values: z.infer<typeof organizationSchema>; unitIds: string[] } | undefined;
  if (organizationId) {
    existingOrganization = isUuid(organizationId) ? await findOrganizationById(ctx.db, organizationId) : undefined;
    if (!existingOrganization || existingOrganization.mergedIntoId || existingOrganization.archivedAt) errors.organizationId = t('startupMeeting.errors.organizationGone');
  } else {
    const rename = renamer(ORGANIZATION_FIELDS, 'orgName');
    const values = await collect(errors, rename, () =>
      parseInput(organizationSchema, {
        name: text(body.orgName),
        kindCode: text(body.orgKindCode),
        status: 'prospect',
        siren: text(body.orgSiren),
        website: text(body.orgWebsite),
        confirmDuplicates: checked(body.orgConfirmDuplicates) ? 'on' : '',
      }),
    );
    const checkedUnits = values ? await collect(errors, rename, () => checkNewOrganization(ctx, actor, values)) : undefined;
    if (values && checkedUnits) newOrganization = { values, unitIds: checkedUnits.unitIds };
  }

  // The contact: an existing one, the fields of a new one, or none (all its fields left blank).
  let existingContact: Contact | undefined;
  let newContact: { values: z.infer<typeof contactSchema>; unitIds: string[] } | undefined;
  if (contactId) {
    existingContact = isUuid(contactId) ? await findContactById(ctx.db, contactId) : undefined;
    if (!existingContact || existingContact.mergedIntoId || existingContact.erasedAt || existingContact.archivedAt) errors.contactId = t('startupMeeting.errors.contactGone');
  } else if (hasNewContact(body)) {
    const rename = renamer(CONTACT_FIELDS, 'contactLastName');
    const role = text(body.contactRole);
    const values = await collect(errors, rename, () =>
      parseInput(contactSchema, {
        firstName: text(body.contactFirstName),
        lastName: text(body.contactLastName),
        jobTitle: role,
        role,
        emails: text(body.contactEmail),
        phones: text(body.contactPhone),
        legalBasis: 'interet_legitime',
        organizationId: existingOrganization?.id ?? '',
        confirmDuplicates: checked(body.contactConfirmDuplicates) ? 'on' : '',
      }),
    );
    const checkedUnits = values ? await collect(errors, rename, () => checkNewContact(ctx, actor, values)) : undefined;
    if (values && checkedUnits) newContact = { values, unitIds: checkedUnits.unitIds };
  }

  // The meeting and its next step, with the exchange form's rules. The organisation and contact
  // ids are not known yet when they are created: a stand-in passes the schema, replaced below.
  const exchangeInput: Body = Object.fromEntries(EXCHANGE_FIELDS.filter((field) => body[field] !== undefined).map((field) => [field, body[field]]));
  const exchangeValues = await collect(
    errors,
    (field) => field,
    () =>
      parseInput(exchangeFieldsSchema, {
        ...exchangeInput,
        participantIds: list(body.participantIds),
        tags: text(body.tags),
        organizationIds: [existingOrganization?.id ?? randomUUID()],
        contactIds: [],
      }),
  );

  // « Ajouter au défi … » (issue 14).
  const sourcing = await sourcingChoiceOf(ctx, body, errors, existingOrganization);

  if (Object.keys(errors).length > 0 || !exchangeValues) throw new ValidationError(errors, t('validation.formHasErrors'));

  // The directory's duplicate warnings, both at once, unless confirmed.
  const organizationToCreate = newOrganization?.values;
  const contactToCreate = newContact?.values;
  const organizationCandidates = organizationToCreate ? await duplicatesOf(() => warnAboutOrganizationDuplicates(ctx, organizationToCreate)) : [];
  const contactCandidates = contactToCreate ? await duplicatesOf(() => warnAboutContactDuplicates(ctx, contactToCreate)) : [];
  if (organizationCandidates.length > 0 || contactCandidates.length > 0) throw new StartupMeetingDuplicatesError(organizationCandidates, contactCandidates);

  try {
    return await inTransaction(ctx, async (tx) => {
      const organization =
        existingOrganization ?? (newOrganization ? await createOrganizationInTransaction(tx, ctx, actor, newOrganization.values, newOrganization.unitIds) : undefined);
      if (!organization) throw new Error('startup meeting: no organisation');
      const contact = existingContact ?? (newContact ? await createContactInTransaction(tx, ctx, actor, newContact.values, newContact.unitIds, organization.id) : undefined);
      const sourcingCase = sourcing ? await caseForMeeting(tx, ctx, sourcing, organization.id, parisDateTime(exchangeValues.occurredOn, exchangeValues.occurredTime)) : null;
      const { exchange, task } = await createExchangeInTransaction(tx, ctx, {
        ...exchangeValues,
        organizationIds: [organization.id],
        contactIds: contact ? [contact.id] : [],
        ...(sourcingCase ? { subjectType: 'sourcing_case' as const, subjectId: sourcingCase.row.id } : {}),
      });
      return {
        exchange,
        task,
        organization: { id: organization.id, name: organization.name, created: !existingOrganization },
        contact: contact ? { id: contact.id, created: !existingContact } : null,
        sourcingCase: sourcingCase ? { id: sourcingCase.row.id, created: sourcingCase.created, stage: sourcingCase.row.stage } : null,
      };
    });
  } catch (error) {
    // A check made inside the transaction (a record archived meanwhile, the next step's assignee
    // no longer active…): the whole save is rolled back, the message goes next to the form's field.
    if (!(error instanceof ValidationError)) throw error;
    const renamed: FieldErrors = {};
    for (const [field, message] of Object.entries(error.fieldErrors)) renamed[LINK_FIELDS[field] ?? field] ??= message;
    throw new ValidationError(renamed, error.message);
  }
}

/** The exchange's link lists → the one organisation and contact of this form. */
const LINK_FIELDS: Record<string, string> = { organizationIds: 'organizationId', contactIds: 'contactId' };

async function duplicatesOf(check: () => Promise<void>): Promise<DuplicateCandidate[]> {
  try {
    await check();
    return [];
  } catch (error) {
    if (error instanceof DuplicatesFoundError) return error.candidates;
    throw error;
  }
}
