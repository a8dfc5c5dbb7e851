// Exchanges (« échanges », issue 12): log, read, edit and delete one meeting, call, visio, e-mail,
// trade-show encounter, site visit or note with partners, with its attachments.
// Rules: everyone reads the non-confidential ones (a confidential one only its circle: see
// exchange-visibility.ts); chargés, managers and admins log them; the author and the members of
// the exchange's units edit it; the author deletes it within 24 hours, admins at any time, with a
// reason. Every change is journaled (entity 'exchange') with metadata.related = the organisations,
// contacts and convention it concerns, so their timelines find it. An exchange moves the « dernière
// activité » of its organisations and contacts forward — never backwards, never to the future.
import { z } from 'zod';
import { parseIsoDay } from '../lib/convention-dates';
import { ValidationError, type FieldErrors } from '../lib/errors';
import { parisDateTime } from '../lib/format';
import { t } from '../lib/i18n';
import { hasControlCharacters, parseInput } from '../lib/validation';
import type { Database } from '../models/database';
import {
  activeUserNames,
  conventionLabel,
  insertExchange,
  insertExchangeLinks,
  linkableContactNames,
  liveOrganizationNames,
  type ExchangeLinks,
} from '../models/exchanges.model';
import { touchLastActivity } from '../models/last-activity.model';
import { EXCHANGE_KINDS, EXCHANGE_OUTCOMES, type Exchange, type NewExchange, type Task } from '../models/schema';
import { findUnitsByIds } from '../models/units.model';
import { recordAudit } from './audit.service';
import { type ServiceContext, inTransaction, requireActor } from './context';
import { assertCan, unitsAfterChange } from './permissions';
import { createTaskInTransaction } from './tasks.service';

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
    /** What the exchange is about besides its organisations: a convention now. */
    subjectType: z.preprocess(blankToUndefined, z.enum(['convention'], { error: t('exchanges.errors.subject') }).optional()),
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
  names: { organizations: string[]; contacts: string[]; participants: string[]; units: string[]; convention: string | null };
}

/**
 * The linked records must exist (organisations live, contacts not merged away, participants
 * active, units active); a non-admin attaches only their own units (others the exchange had
 * stay). ValidationError keyed by field otherwise.
 */
async function checkLinks(tx: Database, ctx: ServiceContext, fields: ExchangeFields, previousUnitIds: readonly string[] | null): Promise<CheckedLinks> {
  const actor = requireActor(ctx);
  const errors: FieldErrors = {};
  const requestedUnits = fields.unitIds.length > 0 ? fields.unitIds : previousUnitIds === null ? actor.unitIds : [];
  const { unitIds, refused } = unitsAfterChange(actor, requestedUnits, previousUnitIds ?? []);
  if (refused.length > 0) errors.unitIds = t('exchanges.errors.unitNotYours');
  const [organizations, contacts, participants, units, convention] = await Promise.all([
    liveOrganizationNames(tx, fields.organizationIds),
    linkableContactNames(tx, fields.contactIds),
    activeUserNames(tx, fields.participantIds),
    findUnitsByIds(tx, unitIds),
    fields.subjectId ? conventionLabel(tx, fields.subjectId) : Promise.resolve(undefined),
  ]);
  const unique = (ids: readonly string[]) => [...new Set(ids)];
  if (organizations.length !== unique(fields.organizationIds).length) errors.organizationIds = t('exchanges.errors.organizationUnknown');
  if (contacts.length !== unique(fields.contactIds).length) errors.contactIds = t('exchanges.errors.contactUnknown');
  if (participants.length !== unique(fields.participantIds).length) errors.participantIds = t('exchanges.errors.participantUnknown');
  // An archived unit the exchange already had may stay; a new one must be active.
  if (units.length !== unitIds.length || units.some((unit) => unit.archivedAt && !(previousUnitIds ?? []).includes(unit.id))) errors.unitIds ??= t('exchanges.errors.unitUnknown');
  if (fields.subjectId && !convention) errors.subjectId = t('exchanges.errors.subject');
  if (Object.keys(errors).length > 0) throw new ValidationError(errors, t('validation.formHasErrors'));
  const byId = <Row extends { id: string }>(rows: Row[], ids: readonly string[], name: (row: Row) => string) =>
    unique(ids).map((id) => name(rows.find((row) => row.id === id) as Row));
  return {
    links: { organizationIds: unique(fields.organizationIds), contactIds: unique(fields.contactIds), participantIds: unique(fields.participantIds), unitIds },
    names: {
      organizations: byId(organizations, fields.organizationIds, (row) => row.name),
      contacts: byId(contacts, fields.contactIds, contactName),
      participants: byId(participants, fields.participantIds, (row) => row.displayName),
      units: byId(units, unitIds, (row) => row.name),
      convention: convention ? `${convention.reference} — ${convention.title}` : null,
    },
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
  return [...links.organizationIds, ...links.contactIds, ...(exchange.subjectType === 'convention' && exchange.subjectId ? [exchange.subjectId] : [])];
}

/** An exchange is activity once it has happened: a meeting planned for next week moves nothing yet. */
async function touchActivity(tx: Database, ctx: ServiceContext, links: ExchangeLinks, occurredAt: Date): Promise<void> {
  if (occurredAt.getTime() > ctx.now.getTime()) return;
  await touchLastActivity(tx, { organizationIds: links.organizationIds, contactIds: links.contactIds }, occurredAt);
}

// ── Create ───────────────────────────────────────────────────────────────────────────────────

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
  let task: Task | null = null;
  if (fields.nextStepTitle && fields.nextStepDueOn) {
    try {
      task = await createTaskInTransaction(tx, ctx, {
        title: fields.nextStepTitle,
        dueOn: fields.nextStepDueOn,
        assigneeId: fields.nextStepAssigneeId,
        exchangeId: exchange.id,
        organizationId: checked.links.organizationIds[0],
        contactId: checked.links.contactIds[0],
        conventionId: exchange.subjectType === 'convention' ? (exchange.subjectId ?? undefined) : undefined,
        description: undefined,
        dueTime: undefined,
        priority: undefined,
      });
    } catch (error) {
      // The task's own field names become the next step's.
      if (!(error instanceof ValidationError)) throw error;
      const renamed: Record<string, string> = { title: 'nextStepTitle', dueOn: 'nextStepDueOn', assigneeId: 'nextStepAssigneeId' };
      const errors: FieldErrors = {};
      for (const [field, message] of Object.entries(error.fieldErrors)) errors[renamed[field] ?? '_form'] ??= message;
      throw new ValidationError(errors, error.message);
    }
  }
  return { exchange, task };
}

/** The exchange form's « Enregistrer »: one transaction for the exchange, its links and its next step. */
export async function createExchange(ctx: ServiceContext, input: unknown): Promise<{ exchange: Exchange; task: Task | null }> {
  assertCan(ctx.actor, 'exchanges.edit');
  const fields = parseInput(exchangeFieldsSchema, input);
  return inTransaction(ctx, (tx) => createExchangeInTransaction(tx, ctx, fields));
}
