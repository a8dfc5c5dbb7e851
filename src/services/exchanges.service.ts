// Exchanges (« échanges », issue 12): log, read, edit and delete one meeting, call, visio, e-mail,
// trade-show encounter, site visit or note with partners, with its attachments.
// Rules: everyone reads the non-confidential ones (a confidential one only its circle: see
// exchange-visibility.ts); chargés, managers and admins log them; the author and the members of
// the exchange's units edit it; the author deletes it within 24 hours, admins at any time, with a
// reason. Every change is journaled (entity 'exchange') with metadata.related = the organisations,
// contacts and convention it concerns, so their timelines find it. An exchange moves the « dernière
// activité » of its organisations and contacts forward — never backwards, never to the future.
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { parseIsoDay } from '../lib/convention-dates';
import type { DocumentStorage } from '../lib/documents/document-storage';
import { ForbiddenError, NotFoundError, ValidationError, type FieldErrors } from '../lib/errors';
import { isoDateInParis, isoTimeInParis, parisDateTime } from '../lib/format';
import { t } from '../lib/i18n';
import { hasControlCharacters, isUuid, parseInput } from '../lib/validation';
import { listTimeline } from '../models/audit.model';
import type { Database } from '../models/database';
import { canViewExchange } from '../models/exchange-visibility';
import { type CaseLabel, caseLabel, isEvaluatorOfCase } from '../models/sourcing-links.model';
import {
  attachmentsOf,
  contactsForLinks,
  contactsOfOrganizations,
  conventionLabel,
  currentOrganizationsOfContact,
  deleteAttachmentRow,
  deleteExchangeRow,
  findAttachment,
  findExchangeById,
  findExchangeWithNames,
  insertAttachment,
  insertExchange,
  insertExchangeLinks,
  linkTaskToCase,
  linksOfExchange,
  lockExchangeById,
  organizationsForLinks,
  organizationsOfConvention,
  replaceExchangeLinks,
  updateExchangeRow,
  usersForLinks,
  type ExchangeLinks,
} from '../models/exchanges.model';
import { touchLastActivity } from '../models/last-activity.model';
import { EXCHANGE_KINDS, EXCHANGE_OUTCOMES, type Exchange, type NewExchange, type Task } from '../models/schema';
import { findUnitsByIds } from '../models/units.model';
import { recordAudit } from './audit.service';
import { type ServiceContext, inTransaction, requireActor } from './context';
import { describeAuditEntries } from './journal.service';
import { pickOrganizationsFor } from './organizations.service';
import { assertCan, can, canAttachUnit, hasRole, unitsAfterChange } from './permissions';
import { cachedActiveUnits, cachedActiveUserOptions } from './reference-lists';
import { loadVisibleTaskRow } from './task-pages.service';
import { canReadCase } from './sourcing-cases.service';
import { createTaskInTransaction } from './tasks.service';
import { type UploadedFile, storeUploadedDocument } from './uploaded-documents';

// ── Fields ───────────────────────────────────────────────────────────────────────────────────

const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const printable = (value: string) => !hasControlCharacters(value);

/** A repeated form field (or a checkbox group): absent → [], one value → [value]; blanks dropped. */
const idList = (message: string) =>
  z.preprocess(
    (value) => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]).filter((item) => !(typeof item === 'string' && item.trim() === '')),
    z.array(z.uuid({ error: message }), { error: message }).max(200, message),
  );

const optionalText = (max: number, tooLong: string) =>
  z.preprocess(blankToUndefined, z.string({ error: t('validation.notScalar') }).trim().max(max, tooLong).refine(printable, t('validation.controlCharacters')).optional());

const isoDayField = (required: string, invalid: string) =>
  z
    .string({ error: required })
    .trim()
    .min(1, required)
    .refine((value) => parseIsoDay(value) !== null, invalid);

const TIME_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Tags: a repeated field or one text with commas; trimmed, without doubles (case aside). */
const tagsField = z.preprocess(
  (value) => {
    const items = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
    const tags: string[] = [];
    for (const item of items) {
      if (typeof item !== 'string') return value;
      for (const piece of item.split(',')) {
        const tag = piece.trim().replace(/\s+/g, ' ');
        if (tag && !tags.some((known) => known.toLocaleLowerCase('fr') === tag.toLocaleLowerCase('fr'))) tags.push(tag);
      }
    }
    return tags;
  },
  z
    .array(z.string().max(50, t('exchanges.errors.tagTooLong')).refine(printable, t('validation.controlCharacters')), { error: t('validation.invalidValue') })
    .max(20, t('exchanges.errors.tooManyTags')),
);

const checkbox = () => z.preprocess((value) => value === 'on' || value === 'true' || value === '1' || value === true, z.boolean());

/**
 * The fields of an exchange, as the exchange form sends them (and as the start-up meeting form
 * hands them over). HTML field names are these keys; lists are repeated fields. French messages,
 * keyed by field. A next step needs a title and a due date (its assignee defaults to the author).
 */
export const exchangeFieldsSchema = z
  .object({
    kind: z.enum(EXCHANGE_KINDS, { error: t('exchanges.errors.kind') }),
    /** `YYYY-MM-DD`, Europe/Paris. */
    occurredOn: isoDayField(t('exchanges.errors.occurredOnRequired'), t('exchanges.errors.occurredOnInvalid')),
    /** `HH:MM`, Europe/Paris. */
    occurredTime: z
      .string({ error: t('exchanges.errors.occurredTimeRequired') })
      .trim()
      .min(1, t('exchanges.errors.occurredTimeRequired'))
      .regex(TIME_PATTERN, t('exchanges.errors.occurredTimeInvalid')),
    durationMinutes: z.preprocess(
      blankToUndefined,
      z.coerce
        .number({ error: t('exchanges.errors.duration') })
        .int(t('exchanges.errors.duration'))
        .min(0, t('exchanges.errors.duration'))
        .max(10080, t('exchanges.errors.duration'))
        .optional(),
    ),
    place: optionalText(200, t('validation.tooLong', { max: 200 })),
    visioUrl: z.preprocess(
      blankToUndefined,
      z
        .string({ error: t('validation.notScalar') })
        .trim()
        .max(500, t('validation.tooLong', { max: 500 }))
        .refine((value) => /^https?:\/\/[^\s]+$/i.test(value) && URL.canParse(value), t('exchanges.errors.visioUrl'))
        .optional(),
    ),
    organizationIds: idList(t('exchanges.errors.organizationUnknown')).refine((ids) => ids.length > 0, t('exchanges.errors.organizationRequired')),
    contactIds: idList(t('exchanges.errors.contactUnknown')),
    participantIds: idList(t('exchanges.errors.participantUnknown')),
    /** What the exchange is about besides its organisations: a convention, or a sourcing case (« piste »). */
    subjectType: z.preprocess(blankToUndefined, z.enum(['convention', 'sourcing_case'], { error: t('exchanges.errors.subject') }).optional()),
    subjectId: z.preprocess(blankToUndefined, z.uuid({ error: t('exchanges.errors.subject') }).optional()),
    summary: z
      .string({ error: t('exchanges.errors.summaryRequired') })
      .trim()
      .min(1, t('exchanges.errors.summaryRequired'))
      .max(500, t('validation.tooLong', { max: 500 }))
      .refine(printable, t('validation.controlCharacters')),
    notes: optionalText(20_000, t('validation.tooLong', { max: 20_000 })),
    outcome: z.preprocess(blankToUndefined, z.enum(EXCHANGE_OUTCOMES, { error: t('exchanges.errors.outcome') }).optional()),
    tags: tagsField,
    confidential: checkbox(),
    /** Empty: the author's units. */
    unitIds: idList(t('exchanges.errors.unitUnknown')),
    nextStepTitle: optionalText(200, t('validation.tooLong', { max: 200 })),
    nextStepDueOn: z.preprocess(blankToUndefined, isoDayField(t('exchanges.errors.nextStepDueOnRequired'), t('exchanges.errors.nextStepDueOnInvalid')).optional()),
    nextStepAssigneeId: z.preprocess(blankToUndefined, z.uuid({ error: t('exchanges.errors.nextStepAssignee') }).optional()),
  })
  .superRefine((fields, context) => {
    if (fields.subjectType && !fields.subjectId) context.addIssue({ code: 'custom', path: ['subjectId'], message: t('exchanges.errors.subject') });
    // A next step is a title and a due date; the assignee alone (pre-filled with me) is no next step.
    if (fields.nextStepTitle && !fields.nextStepDueOn) context.addIssue({ code: 'custom', path: ['nextStepDueOn'], message: t('exchanges.errors.nextStepDueOnRequired') });
    if (fields.nextStepDueOn && !fields.nextStepTitle) context.addIssue({ code: 'custom', path: ['nextStepTitle'], message: t('exchanges.errors.nextStepTitleRequired') });
  });

export type ExchangeFields = z.infer<typeof exchangeFieldsSchema>;

// ── Checks and journal values ───────────────────────────────────────────────────────────────

function contactName(contact: { firstName: string; lastName: string; erasedAt: Date | null }): string {
  return contact.erasedAt ? t('exchanges.erasedContact') : `${contact.firstName} ${contact.lastName}`.trim();
}

interface CheckedLinks {
  links: ExchangeLinks;
  names: { organizations: string[]; contacts: string[]; participants: string[]; units: string[]; convention: string | null; sourcingCase: string | null };
}

/** « Piste : <start-up> — <défi> » (a spontaneous case: « sourcing spontané »). */
export function caseSubjectLabel(row: Pick<CaseLabel, 'organizationName' | 'challengeTitle'>): string {
  return t('exchanges.caseSubject', { startup: row.organizationName, challenge: row.challengeTitle ?? t('exchanges.spontaneousCase') });
}

/** The case an exchange may be about: one the actor reads (canReadCase, its evaluators included). */
async function readableCase(db: Database, ctx: ServiceContext, id: string): Promise<CaseLabel | undefined> {
  const row = isUuid(id) ? await caseLabel(db, id) : undefined;
  if (!row || !ctx.actor) return undefined;
  if (canReadCase(ctx.actor, row)) return row;
  return (await isEvaluatorOfCase(db, row.id, ctx.actor.id)) && canReadCase(ctx.actor, row, true) ? row : undefined;
}

/**
 * The linked records must exist and be linkable (organisations live, contacts not merged away,
 * participants active, units active) — what an edited exchange already had may stay; a non-admin
 * attaches only their own units (others the exchange had stay). ValidationError keyed by field.
 */
async function checkLinks(
  tx: Database,
  ctx: ServiceContext,
  fields: ExchangeFields,
  previous: (ExchangeLinks & Partial<Pick<Exchange, 'subjectType' | 'subjectId'>>) | null,
): Promise<CheckedLinks> {
  const actor = requireActor(ctx);
  const errors: FieldErrors = {};
  const unique = (ids: readonly string[]) => [...new Set(ids)];
  // No unit asked: the exchange keeps its units (a new one takes its author's) — never none by omission.
  const requestedUnits = fields.unitIds.length > 0 ? fields.unitIds : (previous?.unitIds ?? actor.unitIds);
  const { unitIds, refused } = unitsAfterChange(actor, requestedUnits, previous?.unitIds ?? []);
  if (refused.length > 0) errors.unitIds = t('exchanges.errors.unitNotYours');
  const organizationIds = unique(fields.organizationIds);
  const contactIds = unique(fields.contactIds);
  const participantIds = unique(fields.participantIds);
  // One after the other: a transaction runs one statement at a time.
  const organizations = await organizationsForLinks(tx, organizationIds);
  const contacts = await contactsForLinks(tx, contactIds);
  const participants = await usersForLinks(tx, participantIds);
  const units = await findUnitsByIds(tx, unitIds);
  const aboutCase = fields.subjectType === 'sourcing_case';
  const convention = fields.subjectId && !aboutCase ? await conventionLabel(tx, fields.subjectId) : undefined;
  // A case the exchange was already about stays (its author may have lost sight of it since).
  const keptCase = aboutCase && previous?.subjectType === 'sourcing_case' && previous.subjectId === fields.subjectId;
  const sourcingCase = fields.subjectId && aboutCase ? (keptCase ? await caseLabel(tx, fields.subjectId) : await readableCase(tx, ctx, fields.subjectId)) : undefined;
  const linkable = <Row extends { id: string; live: boolean }>(rows: Row[], ids: string[], kept: readonly string[] = []) =>
    ids.every((id) => rows.some((row) => row.id === id && (row.live || kept.includes(id))));
  if (!linkable(organizations, organizationIds, previous?.organizationIds)) errors.organizationIds = t('exchanges.errors.organizationUnknown');
  if (!linkable(contacts, contactIds, previous?.contactIds)) errors.contactIds = t('exchanges.errors.contactUnknown');
  if (!linkable(participants, participantIds, previous?.participantIds)) errors.participantIds = t('exchanges.errors.participantUnknown');
  if (units.length !== unitIds.length || units.some((unit) => unit.archivedAt && !(previous?.unitIds ?? []).includes(unit.id))) errors.unitIds ??= t('exchanges.errors.unitUnknown');
  if (fields.subjectId && !convention && !sourcingCase) errors.subjectId = t(aboutCase ? 'exchanges.errors.caseSubject' : 'exchanges.errors.subject');
  if (Object.keys(errors).length > 0) throw new ValidationError(errors, t('validation.formHasErrors'));
  const namesOf = <Row extends { id: string }>(rows: Row[], ids: string[], name: (row: Row) => string) =>
    ids.map((id) => rows.find((row) => row.id === id)).filter((row): row is Row => row !== undefined).map(name);
  return {
    links: { organizationIds, contactIds, participantIds, unitIds },
    names: {
      organizations: namesOf(organizations, organizationIds, (row) => row.name),
      contacts: namesOf(contacts, contactIds, contactName),
      participants: namesOf(participants, participantIds, (row) => row.displayName),
      units: namesOf(units, unitIds, (row) => row.name),
      convention: convention ? `${convention.reference} — ${convention.title}` : null,
      sourcingCase: sourcingCase ? caseSubjectLabel(sourcingCase) : null,
    },
  };
}

/** The names of what an exchange links to, as they are (the journal's « before »). */
async function namesOfLinks(tx: Database, links: ExchangeLinks, exchange: Pick<Exchange, 'subjectType' | 'subjectId'>): Promise<CheckedLinks['names']> {
  const organizations = await organizationsForLinks(tx, links.organizationIds);
  const contacts = await contactsForLinks(tx, links.contactIds);
  const participants = await usersForLinks(tx, links.participantIds);
  const units = await findUnitsByIds(tx, [...links.unitIds]);
  const convention = exchange.subjectType === 'convention' && exchange.subjectId ? await conventionLabel(tx, exchange.subjectId) : undefined;
  const sourcingCase = exchange.subjectType === 'sourcing_case' && exchange.subjectId ? await caseLabel(tx, exchange.subjectId) : undefined;
  return {
    organizations: organizations.map((row) => row.name).sort((a, b) => a.localeCompare(b, 'fr')),
    contacts: contacts.map(contactName).sort((a, b) => a.localeCompare(b, 'fr')),
    participants: participants.map((row) => row.displayName).sort((a, b) => a.localeCompare(b, 'fr')),
    units: units.map((row) => row.name).sort((a, b) => a.localeCompare(b, 'fr')),
    convention: convention ? `${convention.reference} — ${convention.title}` : null,
    sourcingCase: sourcingCase ? caseSubjectLabel(sourcingCase) : null,
  };
}

function columnsOf(fields: ExchangeFields): Omit<NewExchange, 'authorId'> {
  return {
    kind: fields.kind,
    occurredAt: parisDateTime(fields.occurredOn, fields.occurredTime),
    durationMinutes: fields.durationMinutes ?? null,
    place: fields.place ?? null,
    visioUrl: fields.visioUrl ?? null,
    subjectType: fields.subjectId ? (fields.subjectType ?? 'convention') : null,
    subjectId: fields.subjectId ?? null,
    summary: fields.summary,
    notes: fields.notes ?? null,
    outcome: fields.outcome ?? null,
    tags: fields.tags,
    confidential: fields.confidential,
  };
}

/** What the journal keeps: readable names, no technical ids. */
function auditable(exchange: Exchange, names: CheckedLinks['names']) {
  return {
    kind: exchange.kind,
    occurredAt: exchange.occurredAt,
    durationMinutes: exchange.durationMinutes,
    place: exchange.place,
    visioUrl: exchange.visioUrl,
    convention: names.convention,
    // Only when it is about a case (older entries have no such field).
    ...(names.sourcingCase ? { sourcingCase: names.sourcingCase } : {}),
    summary: exchange.summary,
    notes: exchange.notes,
    outcome: exchange.outcome,
    tags: exchange.tags,
    confidential: exchange.confidential,
    organizations: names.organizations,
    contacts: names.contacts,
    participants: names.participants,
    units: names.units,
  };
}

/** The ids whose timelines show this exchange's journal rows. */
function relatedIds(links: Pick<ExchangeLinks, 'organizationIds' | 'contactIds'>, exchange: Pick<Exchange, 'subjectType' | 'subjectId'>): string[] {
  return [...links.organizationIds, ...links.contactIds, ...(exchange.subjectId && (exchange.subjectType === 'convention' || exchange.subjectType === 'sourcing_case') ? [exchange.subjectId] : [])];
}

/** An exchange is activity once it has happened: a meeting planned for next week moves nothing yet. */
async function touchActivity(tx: Database, ctx: ServiceContext, links: ExchangeLinks, occurredAt: Date): Promise<void> {
  if (occurredAt.getTime() > ctx.now.getTime()) return;
  await touchLastActivity(tx, { organizationIds: links.organizationIds, contactIds: links.contactIds }, occurredAt);
}

// ── Create ───────────────────────────────────────────────────────────────────────────────────

/** The form's « Prochaine étape » as a task linked to the exchange, its first organisation and contact. */
async function createNextStep(tx: Database, ctx: ServiceContext, fields: ExchangeFields, exchange: Exchange, links: ExchangeLinks): Promise<Task | null> {
  if (!fields.nextStepTitle || !fields.nextStepDueOn) return null;
  try {
    const task = await createTaskInTransaction(tx, ctx, {
      title: fields.nextStepTitle,
      dueOn: fields.nextStepDueOn,
      assigneeId: fields.nextStepAssigneeId,
      exchangeId: exchange.id,
      organizationId: links.organizationIds[0],
      contactId: links.contactIds[0],
      conventionId: exchange.subjectType === 'convention' ? (exchange.subjectId ?? undefined) : undefined,
      description: undefined,
      dueTime: undefined,
      priority: undefined,
    });
    // The next step of a meeting about a case is the case's too (its timeline shows it).
    return exchange.subjectType === 'sourcing_case' && exchange.subjectId ? await linkTaskToCase(tx, task.id, exchange.subjectId) : task;
  } catch (error) {
    // The task's own field names become the next step's.
    if (!(error instanceof ValidationError)) throw error;
    const renamed: Record<string, string> = { title: 'nextStepTitle', dueOn: 'nextStepDueOn', assigneeId: 'nextStepAssigneeId' };
    const errors: FieldErrors = {};
    for (const [field, message] of Object.entries(error.fieldErrors)) errors[renamed[field] ?? '_form'] ??= message;
    throw new ValidationError(errors, error.message);
  }
}

/**
 * Inside the caller's transaction: inserts the exchange and its links (occurred_at copied),
 * touches the last activity of its organisations and contacts (when not in the future), writes
 * 'exchange.created', and when a next step is given creates its task through
 * createTaskInTransaction (exchangeId, the first organisation, the first contact). Returns the
 * exchange and the task. No permission check here: callers have done it.
 */
export async function createExchangeInTransaction(tx: Database, ctx: ServiceContext, fields: ExchangeFields): Promise<{ exchange: Exchange; task: Task | null }> {
  const actor = requireActor(ctx);
  const checked = await checkLinks(tx, ctx, fields, null);
  const exchange = await insertExchange(tx, { ...columnsOf(fields), authorId: actor.id, updatedById: actor.id });
  await insertExchangeLinks(tx, exchange.id, exchange.occurredAt, checked.links);
  await touchActivity(tx, ctx, checked.links, exchange.occurredAt);
  await recordAudit(tx, ctx, {
    action: 'exchange.created',
    entityType: 'exchange',
    entityId: exchange.id,
    after: auditable(exchange, checked.names),
    metadata: { related: relatedIds(checked.links, exchange), summary: exchange.summary },
  });
  const task = await createNextStep(tx, ctx, fields, exchange, checked.links);
  return { exchange, task };
}

/** The exchange form's « Enregistrer »: one transaction for the exchange, its links and its next step. */
export async function createExchange(ctx: ServiceContext, input: unknown): Promise<{ exchange: Exchange; task: Task | null }> {
  assertCan(ctx.actor, 'exchanges.edit');
  const fields = parseInput(exchangeFieldsSchema, input);
  return inTransaction(ctx, (tx) => createExchangeInTransaction(tx, ctx, fields));
}

// ── Reading one exchange ─────────────────────────────────────────────────────────────────────

/** The exchange when `ctx.actor` may read it; a confidential one outside its circle is « not found » (its existence is not told). */
async function loadVisibleExchange(db: Database, ctx: ServiceContext, id: string): Promise<{ exchange: Exchange; links: ExchangeLinks }> {
  assertCan(ctx.actor, 'exchanges.read');
  const exchange = isUuid(id) ? await findExchangeById(db, id) : undefined;
  if (!exchange) throw new NotFoundError(t('exchanges.notFound'));
  const links = await linksOfExchange(db, id);
  if (!canViewExchange(ctx.actor, exchange, links.participantIds, links.unitIds)) throw new NotFoundError(t('exchanges.notFound'));
  return { exchange, links };
}

function editScope(exchange: Pick<Exchange, 'authorId'>, links: Pick<ExchangeLinks, 'unitIds'>) {
  return { ownerId: exchange.authorId, unitIds: [...links.unitIds] };
}

const DELETE_WINDOW_MS = 24 * 3600_000;

/** Admins delete any exchange; its author within 24 hours of its creation. */
function deletionRefusal(ctx: ServiceContext, exchange: Pick<Exchange, 'authorId' | 'createdAt'>): string | null {
  if (!can(ctx.actor, 'exchanges.delete')) return t('exchanges.errors.deleteNotAuthor');
  if (ctx.actor && hasRole(ctx.actor, 'admin')) return null;
  if (!ctx.actor || exchange.authorId !== ctx.actor.id) return t('exchanges.errors.deleteNotAuthor');
  if (ctx.now.getTime() - exchange.createdAt.getTime() > DELETE_WINDOW_MS) return t('exchanges.errors.deleteTooLate');
  return null;
}

function durationText(minutes: number | null): string | null {
  if (minutes === null) return null;
  if (minutes < 60) return t('exchanges.minutes', { count: minutes });
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${String(rest).padStart(2, '0')}`;
}

/** The exchange page: the exchange, everything it links to by name, its tasks, files and history. */
export async function getExchangeDetail(ctx: ServiceContext, id: string) {
  await loadVisibleExchange(ctx.db, ctx, id);
  const found = await findExchangeWithNames(ctx.db, id);
  if (!found) throw new NotFoundError(t('exchanges.notFound'));
  const { exchange } = found;
  const unitIds = found.units.map((unit) => unit.id);
  const history = await describeAuditEntries(ctx.db, await listTimeline(ctx.db, { entityType: 'exchange', entityId: exchange.id, limit: 100 }));
  const mayEdit = can(ctx.actor, 'exchanges.edit', { ownerId: exchange.authorId, unitIds });
  // A case as subject is named only to whoever may read it.
  const sourcingCase = exchange.subjectType === 'sourcing_case' && exchange.subjectId ? await readableCase(ctx.db, ctx, exchange.subjectId) : undefined;
  return {
    ...found,
    sourcingCase: sourcingCase ? { id: sourcingCase.id, label: caseSubjectLabel(sourcingCase), href: `/sourcing/pistes/${sourcingCase.id}` } : null,
    contacts: found.contacts.map((contact) => ({ id: contact.id, name: contactName(contact), erased: contact.erasedAt !== null })),
    kindLabel: t(`exchanges.kinds.${exchange.kind}`),
    outcomeLabel: exchange.outcome ? t(`exchanges.outcomes.${exchange.outcome}`) : null,
    durationText: durationText(exchange.durationMinutes),
    /** Only an http(s) address becomes a link (whatever wrote the row: form, seed, import). */
    visioHref: exchange.visioUrl && /^https?:\/\//i.test(exchange.visioUrl) ? exchange.visioUrl : null,
    /** Changed after it was logged (the « Modifié par » line). */
    edited: exchange.updatedAt.getTime() - exchange.createdAt.getTime() > 1000,
    tasks: found.tasks.map((task) => ({ ...task, statusLabel: t(`tasks.statuses.${task.status}`) })),
    // People read a name, not the e-mail address the journal keeps next to it.
    history: history.map((entry) => ({ ...entry, actorName: entry.actorLabel.replace(/\s*<[^>]*>$/, '') })),
    permissions: {
      edit: mayEdit,
      delete: deletionRefusal(ctx, exchange) === null,
      upload: mayEdit,
      addTask: can(ctx.actor, 'tasks.edit'),
    },
  };
}

/** The header's « + Saisir » page: what the actor may log (an exchange, a start-up meeting, a task). */
export function logChooser(ctx: ServiceContext) {
  assertCan(ctx.actor, 'exchanges.edit');
  return { canLogExchange: true, canCreateTask: can(ctx.actor, 'tasks.edit') };
}

// ── The form ─────────────────────────────────────────────────────────────────────────────────

/** What the exchange form holds, as typed (a 422 shows it again untouched). */
export type ExchangeFormValues = Record<string, unknown>;

const asList = (value: unknown): string[] =>
  (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === 'string' && item !== '');

/** A new exchange: now (Paris), the actor as participant, their units, a next step assigned to them; pre-filled from the query. */
export async function newExchangeValues(ctx: ServiceContext, query: Record<string, unknown>): Promise<ExchangeFormValues> {
  assertCan(ctx.actor, 'exchanges.edit');
  const actor = ctx.actor;
  const organizationIds: string[] = [];
  const contactIds: string[] = [];
  let subjectId = '';
  let subjectType = '';
  const one = (value: unknown) => (typeof value === 'string' && isUuid(value) ? value : null);
  const taskId = one(query.tache);
  // The task pre-fills only for whoever may see it (the tasks' own rule: one's tasks, a manager's units', admins).
  const task = taskId ? await loadVisibleTaskRow(ctx, taskId).catch((error: unknown) => (error instanceof NotFoundError ? undefined : Promise.reject(error))) : undefined;
  const organizationId = one(query.structure) ?? task?.organizationId ?? null;
  const contactId = one(query.contact) ?? task?.contactId ?? null;
  const conventionId = one(query.convention) ?? task?.conventionId ?? null;
  if (organizationId) organizationIds.push(organizationId);
  if (contactId) {
    contactIds.push(contactId);
    // A contact brings their current organisation (the primary one first).
    const [primary] = await currentOrganizationsOfContact(ctx.db, contactId);
    if (primary && !organizationIds.includes(primary.id)) organizationIds.push(primary.id);
  }
  // « Consigner un échange » from a case (its card, its page) or from a task about one: its start-up first, the case as subject.
  const caseId = one(query.piste) ?? task?.sourcingCaseId ?? null;
  const sourcingCase = caseId ? await readableCase(ctx.db, ctx, caseId) : undefined;
  if (sourcingCase) {
    subjectId = sourcingCase.id;
    subjectType = 'sourcing_case';
    if (!organizationIds.includes(sourcingCase.organizationId)) organizationIds.unshift(sourcingCase.organizationId);
  } else if (conventionId && (await conventionLabel(ctx.db, conventionId))) {
    subjectId = conventionId;
    subjectType = 'convention';
    for (const party of await organizationsOfConvention(ctx.db, conventionId)) if (!organizationIds.includes(party.id)) organizationIds.push(party.id);
  }
  const known = await organizationsForLinks(ctx.db, organizationIds);
  return {
    kind: 'rendez_vous',
    occurredOn: isoDateInParis(ctx.now),
    occurredTime: isoTimeInParis(ctx.now),
    organizationIds: organizationIds.filter((id) => known.some((row) => row.id === id && row.live)),
    contactIds: (await contactsForLinks(ctx.db, contactIds)).filter((row) => row.live).map((row) => row.id),
    participantIds: [actor.id],
    unitIds: [...actor.unitIds],
    subjectId,
    subjectType,
    summary: task?.title ?? '',
    tags: '',
    nextStepAssigneeId: actor.id,
  };
}

/** An exchange's values in the form's shape (the edit form). */
function valuesOfExchange(exchange: Exchange, links: ExchangeLinks, actorId: string): ExchangeFormValues {
  return {
    kind: exchange.kind,
    occurredOn: isoDateInParis(exchange.occurredAt),
    occurredTime: isoTimeInParis(exchange.occurredAt),
    durationMinutes: exchange.durationMinutes === null ? '' : String(exchange.durationMinutes),
    place: exchange.place ?? '',
    visioUrl: exchange.visioUrl ?? '',
    organizationIds: links.organizationIds,
    contactIds: links.contactIds,
    participantIds: links.participantIds,
    unitIds: links.unitIds,
    subjectId: exchange.subjectId ?? '',
    subjectType: exchange.subjectType ?? '',
    summary: exchange.summary,
    notes: exchange.notes ?? '',
    outcome: exchange.outcome ?? '',
    tags: exchange.tags.join(', '),
    confidential: exchange.confidential,
    nextStepAssigneeId: actorId,
  };
}

/** The edit form's data: the exchange (visible and editable by the actor) and its values. */
export async function getExchangeForEdit(ctx: ServiceContext, id: string) {
  const { exchange, links } = await loadVisibleExchange(ctx.db, ctx, id);
  assertCan(ctx.actor, 'exchanges.edit', editScope(exchange, links));
  return { exchange, links, values: valuesOfExchange(exchange, links, ctx.actor.id) };
}

/**
 * The form's choices for these values: kinds, outcomes, users (participants, assignee), units
 * (those the actor may attach, and those the exchange has), the chosen organisations by name
 * and the suggestions found for `organizationQuery`, the contacts of the chosen organisations,
 * the convention concerned.
 */
export async function exchangeFormOptions(ctx: ServiceContext, values: ExchangeFormValues, options: { organizationQuery?: string; previousUnitIds?: readonly string[] } = {}) {
  assertCan(ctx.actor, 'exchanges.edit');
  const actor = ctx.actor;
  const organizationIds = asList(values.organizationIds).filter(isUuid);
  const contactIds = asList(values.contactIds).filter(isUuid);
  const participantIds = asList(values.participantIds);
  const unitIds = asList(values.unitIds);
  const subjectId = typeof values.subjectId === 'string' && isUuid(values.subjectId) ? values.subjectId : null;
  const aboutCase = values.subjectType === 'sourcing_case';
  const query = (options.organizationQuery ?? '').trim();
  const [chosen, found, contactChoices, chosenContacts, units, users, convention] = await Promise.all([
    organizationsForLinks(ctx.db, organizationIds),
    query.length >= 2 ? pickOrganizationsFor(ctx, query) : Promise.resolve([]),
    contactsOfOrganizations(ctx.db, organizationIds),
    contactsForLinks(ctx.db, contactIds),
    cachedActiveUnits(ctx.db),
    cachedActiveUserOptions(ctx.db),
    subjectId && !aboutCase ? conventionLabel(ctx.db, subjectId) : Promise.resolve(undefined),
  ]);
  const sourcingCase = subjectId && aboutCase ? await readableCase(ctx.db, ctx, subjectId) : undefined;
  const organizationChoices = [
    ...organizationIds.map((id) => chosen.find((row) => row.id === id)).filter((row) => row !== undefined).map((row) => ({ id: row.id, name: row.name, checked: true })),
    ...found.filter((row) => !organizationIds.includes(row.id)).map((row) => ({ id: row.id, name: row.name, detail: row.city ?? null, checked: false })),
  ];
  const contacts = new Map<string, { id: string; name: string; checked: boolean }>();
  for (const contact of chosenContacts) contacts.set(contact.id, { id: contact.id, name: contactName(contact), checked: true });
  for (const contact of contactChoices) if (!contacts.has(contact.id)) contacts.set(contact.id, { id: contact.id, name: contactName({ ...contact, erasedAt: null }), checked: false });
  const previousUnitIds = options.previousUnitIds ?? [];
  return {
    kinds: EXCHANGE_KINDS.map((value) => ({ value, label: t(`exchanges.kinds.${value}`) })),
    outcomes: EXCHANGE_OUTCOMES.map((value) => ({ value, label: t(`exchanges.outcomes.${value}`) })),
    users: users.map((user) => ({ value: user.id, label: user.displayName, selected: participantIds.includes(user.id) })),
    assignees: users.map((user) => ({ value: user.id, label: user.displayName })),
    units: units
      .filter((unit) => canAttachUnit(actor, unit.id) || previousUnitIds.includes(unit.id))
      .map((unit) => ({ value: unit.id, label: unit.name, checked: unitIds.includes(unit.id), disabled: !canAttachUnit(actor, unit.id) })),
    organizationChoices,
    organizationQuery: query,
    searchedNothing: query.length >= 2 && found.length === 0,
    contactChoices: [...contacts.values()],
    convention: convention ?? null,
    sourcingCase: sourcingCase ? { id: sourcingCase.id, label: caseSubjectLabel(sourcingCase), href: `/sourcing/pistes/${sourcingCase.id}` } : null,
  };
}

/** Organisation suggestions of the form's picker (htmx): checkboxes named organizationIds. */
export async function suggestOrganizationsForExchange(ctx: ServiceContext, query: string, chosenIds: string[]) {
  assertCan(ctx.actor, 'exchanges.edit');
  const found = await pickOrganizationsFor(ctx, query);
  return found.filter((row) => !chosenIds.includes(row.id)).map((row) => ({ id: row.id, name: row.name, detail: row.city ?? null, checked: false }));
}

/** The contacts offered for these organisations (htmx refresh when the organisations change), the chosen ones kept. */
export async function contactChoicesForExchange(ctx: ServiceContext, organizationIds: string[], contactIds: string[]) {
  const { contactChoices } = await exchangeFormOptions(ctx, { organizationIds, contactIds });
  return contactChoices;
}

// ── Edit and delete ──────────────────────────────────────────────────────────────────────────

/**
 * The edit form's « Enregistrer »: the author or a member of the exchange's units (admins always).
 * Links are replaced and carry the (possibly moved) date; the last activity moves forward only.
 */
export async function updateExchange(ctx: ServiceContext, id: string, input: unknown): Promise<{ exchange: Exchange; task: Task | null }> {
  await getExchangeForEdit(ctx, id);
  const fields = parseInput(exchangeFieldsSchema, input);
  return inTransaction(ctx, async (tx) => {
    const before = await lockExchangeById(tx, id);
    if (!before) throw new NotFoundError(t('exchanges.notFound'));
    const previous = await linksOfExchange(tx, id);
    const beforeNames = await namesOfLinks(tx, previous, before);
    const checked = await checkLinks(tx, ctx, fields, { ...previous, subjectType: before.subjectType, subjectId: before.subjectId });
    const exchange = await updateExchangeRow(tx, id, { ...columnsOf(fields), updatedById: ctx.actor?.id ?? null });
    await replaceExchangeLinks(tx, id, exchange.occurredAt, checked.links);
    await touchActivity(tx, ctx, checked.links, exchange.occurredAt);
    const related = [...new Set([...relatedIds(previous, before), ...relatedIds(checked.links, exchange)])];
    await recordAudit(tx, ctx, {
      action: 'exchange.updated',
      entityType: 'exchange',
      entityId: id,
      before: auditable(before, beforeNames),
      after: auditable(exchange, checked.names),
      metadata: { related, summary: exchange.summary },
    });
    const task = await createNextStep(tx, ctx, fields, exchange, checked.links);
    return { exchange, task };
  });
}

const deleteSchema = z.object({
  reason: z
    .string({ error: t('exchanges.errors.reasonRequired') })
    .trim()
    .min(1, t('exchanges.errors.reasonRequired'))
    .max(500, t('validation.tooLong', { max: 500 }))
    .refine(printable, t('validation.controlCharacters')),
});

/** The confirmation page of a deletion: the exchange (the actor may delete it). */
export async function getExchangeForDeletion(ctx: ServiceContext, id: string) {
  const { exchange } = await loadVisibleExchange(ctx.db, ctx, id);
  const refusal = deletionRefusal(ctx, exchange);
  if (refusal) throw new ForbiddenError(refusal);
  return { exchange };
}

/**
 * Deletes an exchange with a reason (journaled): its author within 24 hours of its creation,
 * admins at any time. Its links and attachment rows go with it; its tasks stay (their link to it
 * is emptied); the files leave the storage after the commit.
 */
export async function deleteExchange(ctx: ServiceContext, storage: DocumentStorage, id: string, input: unknown): Promise<Exchange> {
  await getExchangeForDeletion(ctx, id);
  const { reason } = parseInput(deleteSchema, input);
  const keys = await inTransaction(ctx, async (tx) => {
    const before = await lockExchangeById(tx, id);
    if (!before) throw new NotFoundError(t('exchanges.notFound'));
    const refusal = deletionRefusal(ctx, before);
    if (refusal) throw new ForbiddenError(refusal);
    const links = await linksOfExchange(tx, id);
    const organizations = await organizationsForLinks(tx, links.organizationIds);
    const contacts = await contactsForLinks(tx, links.contactIds);
    const attachments = await attachmentsOf(tx, id);
    await deleteExchangeRow(tx, id);
    await recordAudit(tx, ctx, {
      action: 'exchange.deleted',
      entityType: 'exchange',
      entityId: id,
      before: {
        kind: before.kind,
        occurredAt: before.occurredAt,
        summary: before.summary,
        organizations: organizations.map((row) => row.name),
        contacts: contacts.map(contactName),
      },
      metadata: { reason, related: relatedIds(links, before), summary: before.summary },
    });
    return { exchange: before, keys: attachments.map((attachment) => attachment.storageKey) };
  });
  // Files go after the commit: a failed deletion leaves an orphan file, never a dangling row.
  await Promise.all(keys.keys.map((key) => storage.delete(key)));
  return keys.exchange;
}

// ── Attachments ──────────────────────────────────────────────────────────────────────────────

/** Who may add or remove files: whoever may edit the exchange. Returns the exchange. */
export async function assertMayAttach(ctx: ServiceContext, id: string): Promise<Exchange> {
  const { exchange, links } = await loadVisibleExchange(ctx.db, ctx, id);
  assertCan(ctx.actor, 'exchanges.edit', editScope(exchange, links));
  return exchange;
}

/** Checks an upload's content (PDF, DOCX, ODT, as convention documents), stores it and links it to the exchange. */
export async function addExchangeAttachment(ctx: ServiceContext, storage: DocumentStorage, id: string, file: UploadedFile | null, maxMb: number) {
  await assertMayAttach(ctx, id);
  return storeUploadedDocument(storage, file, { maxMb, messages: 'exchanges.errors', fallbackName: 'piece-jointe' }, (stored) =>
    inTransaction(ctx, async (tx) => {
      const exchange = await lockExchangeById(tx, id);
      if (!exchange) throw new NotFoundError(t('exchanges.notFound'));
      const links = await linksOfExchange(tx, id);
      const attachment = await insertAttachment(tx, {
        exchangeId: id,
        storageKey: stored.key,
        fileName: stored.fileName,
        contentType: stored.contentType,
        sizeBytes: stored.size,
        sha256: stored.sha256,
        uploadedById: ctx.actor?.id ?? null,
      });
      await recordAudit(tx, ctx, {
        action: 'exchange.attachment_added',
        entityType: 'exchange',
        entityId: id,
        metadata: { attachmentId: attachment.id, fileName: stored.fileName, sizeBytes: stored.size, sha256: stored.sha256, related: relatedIds(links, exchange) },
      });
      return attachment;
    }),
  );
}

/** A file of an exchange the actor may read, as a stream (served as an attachment). */
export async function openExchangeAttachment(ctx: ServiceContext, storage: DocumentStorage, id: string, attachmentId: string): Promise<{ stream: Readable; fileName: string; contentType: string; size: number }> {
  await loadVisibleExchange(ctx.db, ctx, id);
  const attachment = isUuid(attachmentId) ? await findAttachment(ctx.db, id, attachmentId) : undefined;
  if (!attachment) throw new NotFoundError(t('exchanges.errors.unknownAttachment'));
  const stream = await storage.get(attachment.storageKey);
  await recordAudit(ctx.db, ctx, {
    action: 'exchange.attachment_downloaded',
    entityType: 'exchange',
    entityId: id,
    metadata: { attachmentId, fileName: attachment.fileName },
  });
  return { stream, fileName: attachment.fileName, contentType: attachment.contentType, size: attachment.sizeBytes };
}

/** Removes a file from an exchange (journaled); the bytes leave the storage after the commit. */
export async function removeExchangeAttachment(ctx: ServiceContext, storage: DocumentStorage, id: string, attachmentId: string) {
  await assertMayAttach(ctx, id);
  const attachment = await inTransaction(ctx, async (tx) => {
    const exchange = await lockExchangeById(tx, id);
    const found = exchange && isUuid(attachmentId) ? await findAttachment(tx, id, attachmentId) : undefined;
    if (!exchange || !found) throw new NotFoundError(t('exchanges.errors.unknownAttachment'));
    const links = await linksOfExchange(tx, id);
    await deleteAttachmentRow(tx, found.id);
    await recordAudit(tx, ctx, {
      action: 'exchange.attachment_removed',
      entityType: 'exchange',
      entityId: id,
      metadata: { attachmentId: found.id, fileName: found.fileName, related: relatedIds(links, exchange) },
    });
    return found;
  });
  await storage.delete(attachment.storageKey);
  return attachment;
}
