// Reciprocity events (« événements », issue 13): create, edit, cancel (with a reason, through the
// transition table) and record the attendance of one event. Rules: everyone reads; chargés,
// managers and admins create them; the owner and the members of the event's unit edit, cancel and
// record attendance (admins always). A change the invitees must see (date, times, place, visio
// link) and a cancellation bump the iCalendar SEQUENCE and queue the invitees' e-mails in the same
// transaction (queueEventInvitationEmails, event-invitations.service.ts). A present invitee makes
// its organisation « attended » and moves the organisation's and the contact's last activity.
// Every change is journaled (entity 'event') with metadata.related = the organisations.
import { z } from 'zod';
import { parseIsoDay } from '../lib/convention-dates';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, type FieldErrors } from '../lib/errors';
import { parisDateTime } from '../lib/format';
import { t } from '../lib/i18n';
import { hasControlCharacters, isUuid, parseInput } from '../lib/validation';
import type { Database } from '../models/database';
import {
  type EventLinks,
  findEventById,
  insertEvent,
  inviteesOfEvent,
  linksOfEvent,
  lockEventById,
  organizationNames,
  refreshAttendedOrganizations,
  replaceEventLinks,
  setAttendance,
  updateEventRow,
} from '../models/events.model';
import { usersForLinks } from '../models/exchanges.model';
import { touchLastActivity } from '../models/last-activity.model';
import { ATTENDANCE_VALUES, EVENT_KINDS, type Attendance, type Event, type NewEvent } from '../models/schema';
import { findUnitsByIds } from '../models/units.model';
import { EVENT_TRANSITIONS } from '../workflows/event-transitions';
import { checkMove } from '../workflows/transitions';
import { recordAudit } from './audit.service';
import { type ServiceContext, inTransaction, requireActor } from './context';
import { queueEventInvitationEmails } from './event-invitations.service';
import { assertCan, can, canAttachUnit, type RecordScope } from './permissions';

// ── Fields ───────────────────────────────────────────────────────────────────────────────────

const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const printable = (value: string) => !hasControlCharacters(value);
const TIME_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;

const idList = (message: string) =>
  z.preprocess(
    (value) => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]).filter((item) => !(typeof item === 'string' && item.trim() === '')),
    z.array(z.uuid({ error: message }), { error: message }).max(200, message),
  );

const optionalText = (max: number) =>
  z.preprocess(blankToUndefined, z.string({ error: t('validation.notScalar') }).trim().max(max, t('validation.tooLong', { max })).refine(printable, t('validation.controlCharacters')).optional());

const timeField = (required: string) => z.string({ error: required }).trim().min(1, required).regex(TIME_PATTERN, t('events.errors.timeInvalid'));

/** The fields of the event form (HTML names are these keys; lists are repeated fields). Paris dates and times. */
export const eventFieldsSchema = z
  .object({
    kind: z.enum(EVENT_KINDS, { error: t('events.errors.kind') }),
    title: z
      .string({ error: t('events.errors.titleRequired') })
      .trim()
      .min(1, t('events.errors.titleRequired'))
      .max(200, t('validation.tooLong', { max: 200 }))
      .refine(printable, t('validation.controlCharacters')),
    /** `YYYY-MM-DD`, Europe/Paris. */
    startsOn: z
      .string({ error: t('events.errors.dateRequired') })
      .trim()
      .min(1, t('events.errors.dateRequired'))
      .refine((value) => parseIsoDay(value) !== null, t('events.errors.dateInvalid')),
    startTime: timeField(t('events.errors.startTimeRequired')),
    endTime: timeField(t('events.errors.endTimeRequired')),
    place: optionalText(300),
    visioUrl: z.preprocess(
      blankToUndefined,
      z
        .string({ error: t('validation.notScalar') })
        .trim()
        .max(500, t('validation.tooLong', { max: 500 }))
        .refine((value) => /^https?:\/\/[^\s]+$/i.test(value) && URL.canParse(value), t('events.errors.visioUrl'))
        .optional(),
    ),
    unitId: z.preprocess(blankToUndefined, z.uuid({ error: t('events.errors.unitUnknown') }).optional()),
    ownerId: z.preprocess(blankToUndefined, z.uuid({ error: t('events.errors.ownerUnknown') }).optional()),
    organizationIds: idList(t('events.errors.organizationUnknown')),
    participantIds: idList(t('events.errors.participantUnknown')),
    capacity: z.preprocess(
      blankToUndefined,
      z.coerce.number({ error: t('events.errors.capacity') }).int(t('events.errors.capacity')).min(1, t('events.errors.capacity')).max(100_000, t('events.errors.capacity')).optional(),
    ),
    description: optionalText(10_000),
  })
  .superRefine((fields, context) => {
    if (TIME_PATTERN.test(fields.startTime) && TIME_PATTERN.test(fields.endTime) && fields.endTime <= fields.startTime) {
      context.addIssue({ code: 'custom', path: ['endTime'], message: t('events.errors.endBeforeStart') });
    }
  });

export type EventFields = z.infer<typeof eventFieldsSchema>;

const reasonSchema = z.object({
  reason: z
    .string({ error: t('events.errors.reasonRequired') })
    .trim()
    .min(1, t('events.errors.reasonRequired'))
    .max(500, t('validation.tooLong', { max: 500 }))
    .refine(printable, t('validation.controlCharacters')),
});

// ── Rules ────────────────────────────────────────────────────────────────────────────────────

export function eventScope(event: Pick<Event, 'ownerId' | 'unitId'>): RecordScope {
  return { ownerId: event.ownerId, unitIds: event.unitId ? [event.unitId] : [] };
}

/** The event when it exists (everyone signed in reads events). */
export async function loadEvent(db: Database, ctx: ServiceContext, id: string): Promise<Event> {
  assertCan(ctx.actor, 'events.read');
  const event = isUuid(id) ? await findEventById(db, id) : undefined;
  if (!event) throw new NotFoundError(t('events.notFound'));
  return event;
}

/** Why the actor may not cancel this event now (null: they may). */
export function cancellationRefusal(ctx: ServiceContext, event: Event): string | null {
  // The unit rule is `can`'s (owner, a member of the event's unit, admins): the table adds the roles and the statuses.
  if (!ctx.actor || !can(ctx.actor, 'events.edit', eventScope(event))) return t('events.errors.notYours');
  const verdict = checkMove(EVENT_TRANSITIONS, event.status, 'annule', { by: 'person', roles: ctx.actor.roles, inUnit: true });
  if (verdict === 'notAllowed') return t('events.errors.alreadyCancelled');
  if (verdict === 'notPermitted') return t('events.errors.notYours');
  if (event.endsAt.getTime() <= ctx.now.getTime()) return t('events.errors.cancelPast');
  return null;
}

/** Why attendance may not be recorded now (null: it may). */
export function attendanceRefusal(ctx: ServiceContext, event: Event): string | null {
  if (!can(ctx.actor, 'events.edit', eventScope(event))) return t('events.errors.notYours');
  if (event.status === 'annule') return t('events.errors.cancelled');
  if (event.startsAt.getTime() > ctx.now.getTime()) return t('events.errors.attendanceTooEarly');
  return null;
}

interface CheckedFields {
  columns: Omit<NewEvent, 'createdById'>;
  links: EventLinks;
  names: { organizations: string[]; participants: string[]; unit: string | null; owner: string | null };
}

/**
 * The linked records must exist (organisations live, users active, the unit active); a non-admin
 * attaches the event only to one of their units (the unit it had may stay). ValidationError by field.
 */
async function checkFields(tx: Database, ctx: ServiceContext, fields: EventFields, previous: { event: Event; links: EventLinks } | null): Promise<CheckedFields> {
  const actor = requireActor(ctx);
  const errors: FieldErrors = {};
  const unitId = fields.unitId ?? (previous ? previous.event.unitId : (actor.unitIds[0] ?? null));
  if (unitId && !canAttachUnit(actor, unitId) && unitId !== previous?.event.unitId) errors.unitId = t('events.errors.unitNotYours');
  const ownerId = fields.ownerId ?? previous?.event.ownerId ?? actor.id;
  const organizationIds = [...new Set(fields.organizationIds)];
  const participantIds = [...new Set(fields.participantIds)];
  const organizations = await organizationNames(tx, organizationIds);
  const people = await usersForLinks(tx, [...new Set([...participantIds, ownerId])]);
  const units = unitId ? await findUnitsByIds(tx, [unitId]) : [];
  const kept = (id: string, list: readonly string[] | undefined) => (list ?? []).includes(id);
  if (!organizationIds.every((id) => organizations.some((row) => row.id === id && (row.live || kept(id, previous?.links.organizationIds))))) errors.organizationIds = t('events.errors.organizationUnknown');
  if (!participantIds.every((id) => people.some((row) => row.id === id && (row.live || kept(id, previous?.links.participantIds))))) errors.participantIds = t('events.errors.participantUnknown');
  if (!people.some((row) => row.id === ownerId && (row.live || ownerId === previous?.event.ownerId))) errors.ownerId = t('events.errors.ownerUnknown');
  if (unitId && (units.length === 0 || (units[0]?.archivedAt && unitId !== previous?.event.unitId))) errors.unitId ??= t('events.errors.unitUnknown');
  const startsAt = parisDateTime(fields.startsOn, fields.startTime);
  const endsAt = parisDateTime(fields.startsOn, fields.endTime);
  if (Object.keys(errors).length > 0) throw new ValidationError(errors, t('validation.formHasErrors'));
  return {
    columns: {
      kind: fields.kind,
      title: fields.title,
      description: fields.description ?? null,
      startsAt,
      endsAt,
      place: fields.place ?? null,
      visioUrl: fields.visioUrl ?? null,
      unitId,
      ownerId,
      capacity: fields.capacity ?? null,
    },
    links: { organizationIds, participantIds },
    names: {
      organizations: organizationIds.map((id) => organizations.find((row) => row.id === id)?.name ?? id),
      participants: participantIds.map((id) => people.find((row) => row.id === id)?.displayName ?? id),
      unit: units[0]?.name ?? null,
      owner: people.find((row) => row.id === ownerId)?.displayName ?? null,
    },
  };
}

async function namesOf(tx: Database, event: Event, links: EventLinks): Promise<CheckedFields['names']> {
  const organizations = await organizationNames(tx, links.organizationIds);
  const people = await usersForLinks(tx, [...links.participantIds, ...(event.ownerId ? [event.ownerId] : [])]);
  const units = event.unitId ? await findUnitsByIds(tx, [event.unitId]) : [];
  return {
    organizations: organizations.map((row) => row.name),
    participants: links.participantIds.map((id) => people.find((row) => row.id === id)?.displayName ?? id).sort((a, b) => a.localeCompare(b, 'fr')),
    unit: units[0]?.name ?? null,
    owner: people.find((row) => row.id === event.ownerId)?.displayName ?? null,
  };
}

/** What the journal keeps: readable values, no technical ids. */
function auditable(event: Event, names: CheckedFields['names']) {
  return {
    kind: event.kind,
    title: event.title,
    startsAt: event.startsAt,
    endsAt: event.endsAt,
    place: event.place,
    visioUrl: event.visioUrl,
    capacity: event.capacity,
    description: event.description,
    unit: names.unit,
    owner: names.owner,
    organizations: [...names.organizations].sort((a, b) => a.localeCompare(b, 'fr')),
    participants: [...names.participants].sort((a, b) => a.localeCompare(b, 'fr')),
  };
}

/** A change the invitees' calendars must reflect (a new SEQUENCE and an update e-mail). */
function changesInvitation(before: Event, after: Pick<Event, 'startsAt' | 'endsAt' | 'place' | 'visioUrl'>): boolean {
  return (
    before.startsAt.getTime() !== after.startsAt.getTime() ||
    before.endsAt.getTime() !== after.endsAt.getTime() ||
    (before.place ?? '') !== (after.place ?? '') ||
    (before.visioUrl ?? '') !== (after.visioUrl ?? '')
  );
}

// ── Create, edit, cancel ─────────────────────────────────────────────────────────────────────

/** The form's « Enregistrer » for a new event: the event and its links in one transaction, journaled. */
export async function createEvent(ctx: ServiceContext, input: unknown): Promise<Event> {
  assertCan(ctx.actor, 'events.edit');
  const actor = ctx.actor;
  const fields = parseInput(eventFieldsSchema, input);
  return inTransaction(ctx, async (tx) => {
    const checked = await checkFields(tx, ctx, fields, null);
    const event = await insertEvent(tx, { ...checked.columns, createdById: actor.id, updatedById: actor.id });
    await replaceEventLinks(tx, event.id, event.startsAt, checked.links);
    await recordAudit(tx, ctx, {
      action: 'event.created',
      entityType: 'event',
      entityId: event.id,
      after: auditable(event, checked.names),
      metadata: { related: [...checked.links.organizationIds], title: event.title },
    });
    return event;
  });
}

/** The edit form's data: the event (editable by the actor, not cancelled). */
export async function getEventForEdit(ctx: ServiceContext, id: string): Promise<{ event: Event; links: EventLinks }> {
  const event = await loadEvent(ctx.db, ctx, id);
  assertCan(ctx.actor, 'events.edit', eventScope(event));
  if (event.status === 'annule') throw new ConflictError(t('events.errors.cancelled'));
  return { event, links: await linksOfEvent(ctx.db, id) };
}

/**
 * The edit form's « Enregistrer ». When the date, the times, the place or the visio link change,
 * the SEQUENCE goes up and the invitees who had not declined get the updated invitation — queued
 * in this transaction, sent after the commit by the outbox.
 */
export async function updateEvent(ctx: ServiceContext, id: string, input: unknown): Promise<{ event: Event; queued: number }> {
  await getEventForEdit(ctx, id);
  const fields = parseInput(eventFieldsSchema, input);
  return inTransaction(ctx, async (tx) => {
    const before = await lockEventById(tx, id);
    if (!before) throw new NotFoundError(t('events.notFound'));
    if (before.status === 'annule') throw new ConflictError(t('events.errors.cancelled'));
    const previous = await linksOfEvent(tx, id);
    const beforeNames = await namesOf(tx, before, previous);
    const checked = await checkFields(tx, ctx, fields, { event: before, links: previous });
    const resend = changesInvitation(before, checked.columns as Pick<Event, 'startsAt' | 'endsAt' | 'place' | 'visioUrl'>);
    const event = await updateEventRow(tx, id, {
      ...checked.columns,
      updatedById: ctx.actor?.id ?? null,
      icsSequence: resend ? before.icsSequence + 1 : before.icsSequence,
    });
    await replaceEventLinks(tx, id, event.startsAt, checked.links);
    // The invitees' organisations that attended keep their copy of the (possibly moved) start.
    await recordAudit(tx, ctx, {
      action: 'event.updated',
      entityType: 'event',
      entityId: id,
      before: auditable(before, beforeNames),
      after: auditable(event, checked.names),
      metadata: { related: [...new Set([...previous.organizationIds, ...checked.links.organizationIds])], title: event.title, sequence: event.icsSequence },
    });
    const queued = resend ? await queueEventInvitationEmails(tx, ctx, id, 'update') : 0;
    return { event, queued };
  });
}

/** The cancellation page: the event (the actor may cancel it now). */
export async function getEventForCancellation(ctx: ServiceContext, id: string): Promise<Event> {
  const event = await loadEvent(ctx.db, ctx, id);
  const refusal = cancellationRefusal(ctx, event);
  if (refusal) throw new ForbiddenError(refusal);
  return event;
}

/**
 * « Annuler l’événement » with a reason (planifie → annule, EVENT_TRANSITIONS): the SEQUENCE goes
 * up and the invitees who had not declined get the cancellation (METHOD:CANCEL), in the same
 * transaction. Journaled with the reason.
 */
export async function cancelEvent(ctx: ServiceContext, id: string, input: unknown): Promise<{ event: Event; queued: number }> {
  await getEventForCancellation(ctx, id);
  const { reason } = parseInput(reasonSchema, input);
  return inTransaction(ctx, async (tx) => {
    const before = await lockEventById(tx, id);
    if (!before) throw new NotFoundError(t('events.notFound'));
    const refusal = cancellationRefusal(ctx, before);
    if (refusal) throw new ForbiddenError(refusal);
    const links = await linksOfEvent(tx, id);
    const event = await updateEventRow(tx, id, {
      status: 'annule',
      cancelledAt: ctx.now,
      cancelReason: reason,
      icsSequence: before.icsSequence + 1,
      updatedById: ctx.actor?.id ?? null,
    });
    await recordAudit(tx, ctx, {
      action: 'event.cancelled',
      entityType: 'event',
      entityId: id,
      before: { status: before.status },
      after: { status: event.status },
      metadata: { reason, related: [...links.organizationIds], title: event.title, sequence: event.icsSequence },
    });
    const queued = await queueEventInvitationEmails(tx, ctx, id, 'cancel');
    return { event, queued };
  });
}

// ── Attendance ───────────────────────────────────────────────────────────────────────────────

/** The attendance form's field of one invitation. */
export const attendanceFieldName = (invitationId: string) => `presence_${invitationId}`;

/**
 * « Enregistrer les présences » (one form, the whole list): présent / absent / excusé — or
 * nothing — per invitee, once the event has started. Present invitees make their organisation
 * « attended » (it counts for its reciprocity and shows the event on its timeline) and move the
 * last activity of the organisation and the contact to the event's start. Journaled with counts.
 */
export async function recordAttendance(ctx: ServiceContext, id: string, input: unknown): Promise<{ present: number; attendedOrganizations: number }> {
  const event = await loadEvent(ctx.db, ctx, id);
  const refusal = attendanceRefusal(ctx, event);
  if (refusal) throw new ForbiddenError(refusal);
  const body = (input ?? {}) as Record<string, unknown>;
  return inTransaction(ctx, async (tx) => {
    const locked = await lockEventById(tx, id);
    if (!locked) throw new NotFoundError(t('events.notFound'));
    const lockedRefusal = attendanceRefusal(ctx, locked);
    if (lockedRefusal) throw new ForbiddenError(lockedRefusal);
    const invitees = await inviteesOfEvent(tx, id);
    const errors: FieldErrors = {};
    const marks: Array<{ invitationId: string; attendance: Attendance | null }> = [];
    for (const invitee of invitees) {
      const field = attendanceFieldName(invitee.id);
      const raw = body[field];
      if (raw === undefined) continue;
      const value = typeof raw === 'string' ? raw.trim() : null;
      if (value === '') marks.push({ invitationId: invitee.id, attendance: null });
      else if (value !== null && (ATTENDANCE_VALUES as readonly string[]).includes(value)) marks.push({ invitationId: invitee.id, attendance: value as Attendance });
      else errors[field] = t('events.errors.attendanceValue');
    }
    if (Object.keys(errors).length > 0) throw new ValidationError(errors, t('validation.formHasErrors'));
    const changed = marks.filter((mark) => invitees.find((invitee) => invitee.id === mark.invitationId)?.attendance !== mark.attendance);
    await setAttendance(tx, id, changed, ctx.actor?.id ?? null, ctx.now);
    const attended = await refreshAttendedOrganizations(tx, id, locked.startsAt);
    const after = await inviteesOfEvent(tx, id);
    const present = after.filter((invitee) => invitee.attendance === 'present');
    const at = locked.startsAt.getTime() < ctx.now.getTime() ? locked.startsAt : ctx.now;
    await touchLastActivity(tx, { organizationIds: attended, contactIds: present.map((invitee) => invitee.contactId) }, at);
    const count = (value: Attendance) => after.filter((invitee) => invitee.attendance === value).length;
    await recordAudit(tx, ctx, {
      action: 'event.attendance_recorded',
      entityType: 'event',
      entityId: id,
      metadata: {
        related: attended,
        title: locked.title,
        changed: changed.length,
        present: count('present'),
        absent: count('absent'),
        excused: count('excuse'),
      },
    });
    return { present: present.length, attendedOrganizations: attended.length };
  });
}
