// The pages of reciprocity events (issue 13): the list (/evenements: à venir / passés, filters,
// sort, pages), one event's page (invitees with their answers and attendance, participants,
// organisations), the form's values and choices, and the attendance export (CSV, XLSX, journaled).
import { z } from 'zod';
import type { ExportColumn } from '../lib/exports/columns';
import { formatLongDate, isoDateInParis, isoTimeInParis, startOfParisDay } from '../lib/format';
import { t } from '../lib/i18n';
import { isUuid } from '../lib/validation';
import { listTimeline } from '../models/audit.model';
import { EVENT_LIST_SORTS, type EventLinks, type EventListFilters, type EventListRow, eventsAttendedBy, findEventWithNames, inviteesOfEvent, listEvents, organizationNames, organizationsOfEvents } from '../models/events.model';
import { organizationLabels } from '../models/organizations.model';
import { ATTENDANCE_VALUES, EVENT_KINDS, EVENT_STATUSES, type Event } from '../models/schema';
import type { ServiceContext } from './context';
import { attendanceFieldName, attendanceRefusal, cancellationRefusal, eventScope, loadEvent } from './events.service';
import { type SpreadsheetFormat, journaled } from './export-journal';
import { describeAuditEntries } from './journal.service';
import { pickOrganizationsFor } from './organizations.service';
import { assertCan, can, canAttachUnit } from './permissions';
import { cachedActiveUnits, cachedActiveUserOptions } from './reference-lists';

export const EVENT_PAGE_SIZE = 25;
const MAX_PAGES = 400;

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)));
const userRef = z.union([z.literal('me'), z.literal('moi'), z.uuid()]);

/** Unknown or malformed values are ignored: a bookmarked URL keeps working. */
const listSchema = z.object({
  periode: z.enum(['a_venir', 'passes', 'tous']).default('a_venir').catch('a_venir'),
  q: z.string().trim().max(200).optional().catch(undefined),
  kind: z.enum(EVENT_KINDS).optional().catch(undefined),
  status: z.enum(EVENT_STATUSES).optional().catch(undefined),
  unit: z.uuid().optional().catch(undefined),
  owner: userRef.optional().catch(undefined),
  organization: z.uuid().optional().catch(undefined),
  from: isoDay.optional().catch(undefined),
  to: isoDay.optional().catch(undefined),
  sort: z.enum(EVENT_LIST_SORTS).default('date').catch('date'),
  dir: z.enum(['asc', 'desc']).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(MAX_PAGES).default(1).catch(1),
});

export type EventListQuery = Omit<z.infer<typeof listSchema>, 'page'>;

function nextDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

function filtersOf(ctx: ServiceContext, query: EventListQuery): EventListFilters {
  const actorId = ctx.actor?.id;
  // Upcoming events read soonest first; past ones (and all) the most recent first.
  const direction = query.dir ?? (query.periode === 'a_venir' || query.sort !== 'date' ? 'asc' : 'desc');
  return {
    period: query.periode === 'tous' ? undefined : { when: query.periode, now: ctx.now },
    q: query.q || undefined,
    kind: query.kind,
    status: query.status,
    unitId: query.unit,
    ownerId: query.owner === 'me' || query.owner === 'moi' ? actorId : query.owner,
    organizationId: query.organization,
    from: query.from ? startOfParisDay(query.from) : undefined,
    to: query.to ? startOfParisDay(nextDay(query.to)) : undefined,
    sort: query.sort,
    direction,
  };
}

/** One page of the list. */
export async function listEventsPage(ctx: ServiceContext, rawQuery: unknown) {
  assertCan(ctx.actor, 'events.read');
  const { page, ...query } = listSchema.parse(rawQuery ?? {});
  const filters = filtersOf(ctx, query);
  const [found, organization] = await Promise.all([
    listEvents(ctx.db, filters, { limit: EVENT_PAGE_SIZE, offset: (page - 1) * EVENT_PAGE_SIZE }),
    query.organization ? organizationLabels(ctx.db, [query.organization]).then((labels) => labels[0] ?? null) : Promise.resolve(null),
  ]);
  if (page > 1 && found.rows.length === 0) return listEventsPage(ctx, { ...query, page: 1 });
  const organizations = await organizationsOfEvents(ctx.db, found.rows.map((row) => row.id));
  return {
    query: { ...query, dir: filters.direction },
    direction: filters.direction,
    rows: found.rows.map((row) => ({
      ...row,
      cancelled: row.status === 'annule',
      past: row.endsAt.getTime() <= ctx.now.getTime(),
      organizations: organizations.filter((entry) => entry.eventId === row.id),
    })),
    total: found.total,
    page,
    pageCount: Math.min(MAX_PAGES, Math.max(1, Math.ceil(found.total / EVENT_PAGE_SIZE))),
    canCreate: can(ctx.actor, 'events.edit'),
    organization,
    tabs: (['a_venir', 'passes', 'tous'] as const).map((value) => ({ value, label: t(`events.periods.${value}`), current: value === query.periode })),
  };
}

/** How many upcoming and how many past events the organisation page lists (the rest is one link away). */
export const ORGANIZATION_EVENTS_SHOWN = 10;

/**
 * The organisation page's « Événements » tab: its next and its latest events (concerned or
 * attended), 10 of each, with the list's answers and the « présente » mark; null without events.read.
 */
export async function eventsOfOrganization(ctx: ServiceContext, organizationId: string) {
  if (!can(ctx.actor, 'events.read')) return null;
  const page = { limit: ORGANIZATION_EVENTS_SHOWN, offset: 0 };
  const [upcoming, past] = await Promise.all([
    listEvents(ctx.db, { organizationId, period: { when: 'a_venir', now: ctx.now }, sort: 'date', direction: 'asc' }, page),
    listEvents(ctx.db, { organizationId, period: { when: 'passes', now: ctx.now }, sort: 'date', direction: 'desc' }, page),
  ]);
  const attended = await eventsAttendedBy(ctx.db, organizationId, [...upcoming.rows, ...past.rows].map((row) => row.id));
  const shown = (row: EventListRow) => ({ ...row, cancelled: row.status === 'annule', attended: attended.has(row.id) });
  return {
    upcoming: upcoming.rows.map(shown),
    upcomingMore: upcoming.total > upcoming.rows.length,
    past: past.rows.map(shown),
    pastMore: past.total > past.rows.length,
    total: upcoming.total + past.total,
    canCreate: can(ctx.actor, 'events.edit'),
  };
}

/** Choices of the filter form. */
export async function eventFilterOptions(ctx: ServiceContext) {
  assertCan(ctx.actor, 'events.read');
  const [units, users] = await Promise.all([cachedActiveUnits(ctx.db), cachedActiveUserOptions(ctx.db)]);
  return {
    kinds: EVENT_KINDS.map((value) => ({ value, label: t(`events.kinds.${value}`) })),
    statuses: EVENT_STATUSES.map((value) => ({ value, label: t(`events.statuses.${value}`) })),
    units: units.filter((unit) => !unit.archivedAt).map((unit) => ({ value: unit.id, label: unit.name })),
    users: users.map((user) => ({ value: user.id, label: user.displayName })),
    sorts: EVENT_LIST_SORTS.map((value) => ({ value, label: t(`events.sorts.${value}`) })),
    directions: (['asc', 'desc'] as const).map((value) => ({ value, label: t(`events.directions.${value}`) })),
  };
}

// ── One event ────────────────────────────────────────────────────────────────────────────────

function contactName(contact: { firstName: string; lastName: string; erasedAt: Date | null }): string {
  return contact.erasedAt ? t('events.erasedContact') : `${contact.firstName} ${contact.lastName}`.trim();
}

/** The event page: the event, its organisations, participants, invitees (answers, attendance) and history. */
export async function getEventDetail(ctx: ServiceContext, id: string) {
  await loadEvent(ctx.db, ctx, id);
  const found = await findEventWithNames(ctx.db, id);
  if (!found) throw new Error('event vanished');
  const { event } = found;
  const history = await describeAuditEntries(ctx.db, await listTimeline(ctx.db, { entityType: 'event', entityId: event.id, limit: 100 }));
  const scope = eventScope(event);
  const mayEdit = can(ctx.actor, 'events.edit', scope);
  const attendanceOpen = attendanceRefusal(ctx, event) === null;
  const counts = Object.fromEntries(['en_attente', 'accepte', 'decline', 'peut_etre'].map((response) => [response, found.invitees.filter((row) => row.response === response).length]));
  return {
    ...found,
    kindLabel: t(`events.kinds.${event.kind}`),
    statusLabel: t(`events.statuses.${event.status}`),
    cancelled: event.status === 'annule',
    past: event.endsAt.getTime() <= ctx.now.getTime(),
    day: isoDateInParis(event.startsAt),
    dayLabel: formatLongDate(event.startsAt),
    startTime: isoTimeInParis(event.startsAt),
    endTime: isoTimeInParis(event.endsAt),
    visioHref: event.visioUrl && /^https?:\/\//i.test(event.visioUrl) ? event.visioUrl : null,
    attendedOrganizations: found.organizations.filter((row) => row.attended),
    concernedOrganizations: found.organizations.filter((row) => row.concerned),
    invitees: found.invitees.map((row) => ({
      ...row,
      name: contactName(row),
      erased: row.erasedAt !== null,
      responseLabel: t(`events.responses.${row.response}`),
      attendanceLabel: row.attendance ? t(`events.attendance.${row.attendance}`) : null,
      field: attendanceFieldName(row.id),
      choices: ATTENDANCE_VALUES.map((value) => ({ value, label: t(`events.attendance.${value}`), checked: row.attendance === value })),
      unset: row.attendance === null,
    })),
    counts: { ...counts, invited: found.invitees.length, present: found.invitees.filter((row) => row.attendance === 'present').length },
    capacityReached: event.capacity !== null && (counts.accepte ?? 0) >= event.capacity,
    history: history.map((entry) => ({ ...entry, actorName: entry.actorLabel.replace(/\s*<[^>]*>$/, '') })),
    icsHref: `/agenda/evenements/${event.id}.ics`,
    permissions: {
      edit: mayEdit && event.status !== 'annule',
      cancel: cancellationRefusal(ctx, event) === null,
      attendance: attendanceOpen && found.invitees.length > 0,
      export: can(ctx.actor, 'events.export') && found.invitees.length > 0,
      invite: mayEdit && event.status !== 'annule',
    },
  };
}

export type EventDetail = Awaited<ReturnType<typeof getEventDetail>>;

// ── The form ─────────────────────────────────────────────────────────────────────────────────

export type EventFormValues = Record<string, unknown>;

const asList = (value: unknown): string[] =>
  (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === 'string' && item !== '');

/** A new event: in a week at 14:00–16:00 (Paris), owned by the actor, in their first unit; `?structure=` pre-ticks an organisation. */
export async function newEventValues(ctx: ServiceContext, query: Record<string, unknown>): Promise<EventFormValues> {
  assertCan(ctx.actor, 'events.edit');
  const inAWeek = new Date(ctx.now.getTime() + 7 * 86_400_000);
  const organization = typeof query.structure === 'string' && isUuid(query.structure) ? query.structure : null;
  const known = organization ? await organizationNames(ctx.db, [organization]) : [];
  return {
    kind: 'rencontre_partenaires',
    startsOn: isoDateInParis(inAWeek),
    startTime: '14:00',
    endTime: '16:00',
    ownerId: ctx.actor.id,
    unitId: ctx.actor.unitIds[0] ?? '',
    organizationIds: known.filter((row) => row.live).map((row) => row.id),
    participantIds: [ctx.actor.id],
  };
}

/** An event's values in the form's shape (the edit form). */
export function valuesOfEvent(event: Event, links: EventLinks): EventFormValues {
  return {
    kind: event.kind,
    title: event.title,
    startsOn: isoDateInParis(event.startsAt),
    startTime: isoTimeInParis(event.startsAt),
    endTime: isoTimeInParis(event.endsAt),
    place: event.place ?? '',
    visioUrl: event.visioUrl ?? '',
    unitId: event.unitId ?? '',
    ownerId: event.ownerId ?? '',
    organizationIds: [...links.organizationIds],
    participantIds: [...links.participantIds],
    capacity: event.capacity === null ? '' : String(event.capacity),
    description: event.description ?? '',
  };
}

/** The form's choices: kinds, units the actor may attach (and the event's), users, the chosen organisations and the suggestions for `organizationQuery`. */
export async function eventFormOptions(ctx: ServiceContext, values: EventFormValues, options: { organizationQuery?: string; previousUnitId?: string | null } = {}) {
  assertCan(ctx.actor, 'events.edit');
  const actor = ctx.actor;
  const organizationIds = asList(values.organizationIds).filter(isUuid);
  const participantIds = asList(values.participantIds);
  const query = (options.organizationQuery ?? '').trim();
  const [chosen, found, units, users] = await Promise.all([
    organizationNames(ctx.db, organizationIds),
    query.length >= 2 ? pickOrganizationsFor(ctx, query) : Promise.resolve([]),
    cachedActiveUnits(ctx.db),
    cachedActiveUserOptions(ctx.db),
  ]);
  return {
    kinds: EVENT_KINDS.map((value) => ({ value, label: t(`events.kinds.${value}`) })),
    units: units.filter((unit) => canAttachUnit(actor, unit.id) || unit.id === options.previousUnitId).map((unit) => ({ value: unit.id, label: unit.name })),
    owners: users.map((user) => ({ value: user.id, label: user.displayName })),
    participants: users.map((user) => ({ value: user.id, label: user.displayName, selected: participantIds.includes(user.id) })),
    organizationChoices: [
      ...organizationIds.map((id) => chosen.find((row) => row.id === id)).filter((row) => row !== undefined).map((row) => ({ id: row.id, name: row.name, checked: true })),
      ...found.filter((row) => !organizationIds.includes(row.id)).map((row) => ({ id: row.id, name: row.name, detail: row.city ?? null, checked: false })),
    ],
    organizationQuery: query,
    searchedNothing: query.length >= 2 && found.length === 0,
  };
}

/** Organisation suggestions of the form's picker (htmx): unticked checkboxes named organizationIds. */
export async function suggestOrganizationsForEvent(ctx: ServiceContext, query: string, chosenIds: string[]) {
  assertCan(ctx.actor, 'events.edit');
  const found = await pickOrganizationsFor(ctx, query);
  return found.filter((row) => !chosenIds.includes(row.id)).map((row) => ({ id: row.id, name: row.name, detail: row.city ?? null, checked: false }));
}

// ── Attendance export ────────────────────────────────────────────────────────────────────────

type AttendanceExportRow = {
  name: string;
  organization: string;
  email: string;
  response: string;
  respondedAt: Date | null;
  attendance: string;
};

/**
 * The attendance list of one event as spreadsheet rows (names and addresses of partners' people):
 * 'events.export'; journaled (entity 'event', the event's id) once the rows are read.
 */
export async function attendanceExport(ctx: ServiceContext, id: string, format: SpreadsheetFormat) {
  // Refused before the event is looked up: a lecteur learns nothing from an export URL.
  assertCan(ctx.actor, 'events.export');
  const event = await loadEvent(ctx.db, ctx, id);
  const columns: Array<ExportColumn<AttendanceExportRow>> = [
    { key: 'name', label: t('events.export.name'), width: 30 },
    { key: 'organization', label: t('events.export.organization'), width: 40 },
    { key: 'email', label: t('events.export.email'), width: 30 },
    { key: 'response', label: t('events.export.response') },
    { key: 'respondedAt', label: t('events.export.respondedAt'), type: 'datetime' },
    { key: 'attendance', label: t('events.export.attendance') },
  ];
  async function* rows(): AsyncGenerator<AttendanceExportRow> {
    for (const row of await inviteesOfEvent(ctx.db, id)) {
      yield {
        name: contactName(row),
        organization: row.organizationName ?? '',
        email: row.erasedAt ? '' : (row.emails[0] ?? ''),
        response: t(`events.responses.${row.response}`),
        respondedAt: row.respondedAt,
        attendance: row.attendance ? t(`events.attendance.${row.attendance}`) : '',
      };
    }
  }
  return { event, columns, rows: journaled(ctx, 'event', { title: event.title }, format, rows(), event.id) };
}
