// SQL of reciprocity events (« événements », issue 13): the row, its organisations (concerned by
// the form, attended through the attendance), its internal participants, the invitees as the
// event page and the attendance export show them, and the list (/evenements).
// Invitations are written by event-invitations.model.ts (A2); this module reads them and records
// the attendance.
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Database } from './database';
import {
  type Attendance,
  type Event,
  type EventKind,
  type EventStatus,
  type InvitationResponse,
  type NewEvent,
  contacts,
  eventInvitations,
  eventOrganizations,
  eventParticipants,
  events,
  organizations,
  units,
  users,
} from './schema';
import { uuidArray } from './sql-arrays';

export async function insertEvent(tx: Database, values: NewEvent): Promise<Event> {
  const [row] = await tx.insert(events).values(values).returning();
  if (!row) throw new Error('event not inserted');
  return row;
}

export async function updateEventRow(tx: Database, id: string, values: Partial<NewEvent>): Promise<Event> {
  const [row] = await tx
    .update(events)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(events.id, id))
    .returning();
  if (!row) throw new Error('event not updated');
  return row;
}

export async function findEventById(db: Database, id: string): Promise<Event | undefined> {
  const [row] = await db.select().from(events).where(eq(events.id, id));
  return row;
}

export async function lockEventById(tx: Database, id: string): Promise<Event | undefined> {
  const [row] = await tx.select().from(events).where(eq(events.id, id)).for('update');
  return row;
}

/** The records an event links to from its form. */
export interface EventLinks {
  /** Organisations concerned (chosen on the form). */
  organizationIds: readonly string[];
  participantIds: readonly string[];
}

export async function linksOfEvent(db: Database, eventId: string): Promise<EventLinks> {
  const organizationRows = await db
    .select({ id: eventOrganizations.organizationId })
    .from(eventOrganizations)
    .where(and(eq(eventOrganizations.eventId, eventId), eq(eventOrganizations.concerned, true)));
  const participantRows = await db.select({ id: eventParticipants.userId }).from(eventParticipants).where(eq(eventParticipants.eventId, eventId));
  return { organizationIds: organizationRows.map((row) => row.id), participantIds: participantRows.map((row) => row.id) };
}

/**
 * Writes the form's links: the concerned organisations (an organisation that attended stays,
 * marked not concerned when unticked), the participants; every row carries the event's start.
 */
export async function replaceEventLinks(tx: Database, eventId: string, startsAt: Date, links: EventLinks): Promise<void> {
  const organizationIds = [...new Set(links.organizationIds)];
  const participantIds = [...new Set(links.participantIds)];
  const at = startsAt.toISOString();
  await tx.execute(sql`delete from ${eventOrganizations} where ${eventOrganizations.eventId} = ${eventId}
    and not ${eventOrganizations.attended} and not (${eventOrganizations.organizationId} = any(${uuidArray(organizationIds)}))`);
  await tx.execute(sql`update ${eventOrganizations} set ${sql.raw('concerned')} = (${eventOrganizations.organizationId} = any(${uuidArray(organizationIds)})), ${sql.raw('starts_at')} = ${at}::timestamptz
    where ${eventOrganizations.eventId} = ${eventId}`);
  if (organizationIds.length > 0) {
    await tx
      .insert(eventOrganizations)
      .values(organizationIds.map((organizationId) => ({ eventId, organizationId, startsAt, concerned: true })))
      .onConflictDoNothing();
  }
  await tx.delete(eventParticipants).where(eq(eventParticipants.eventId, eventId));
  if (participantIds.length > 0) await tx.insert(eventParticipants).values(participantIds.map((userId) => ({ eventId, userId, startsAt })));
}

/** Names of organisations (any state) for the journal. */
export async function organizationNames(db: Database, ids: readonly string[]): Promise<Array<{ id: string; name: string; live: boolean }>> {
  if (ids.length === 0) return [];
  return rowsOf<{ id: string; name: string; live: boolean }>(
    await db.execute(sql`select ${organizations.id} as id, ${organizations.name} as name, (${organizations.mergedIntoId} is null and ${organizations.archivedAt} is null) as live
      from ${organizations} where ${organizations.id} = any(${uuidArray(ids)}) order by ${organizations.name}`),
  );
}

// ── One event, for its page ─────────────────────────────────────────────────────────────────

export interface EventInviteeRow {
  id: string;
  contactId: string;
  firstName: string;
  lastName: string;
  erasedAt: Date | null;
  emails: string[];
  organizationId: string | null;
  organizationName: string | null;
  response: InvitationResponse;
  respondedAt: Date | null;
  sentAt: Date | null;
  notSentReason: string | null;
  attendance: Attendance | null;
  attendanceRecordedAt: Date | null;
}

/** The invitees of an event, by organisation then name. */
export async function inviteesOfEvent(db: Database, eventId: string): Promise<EventInviteeRow[]> {
  return db
    .select({
      id: eventInvitations.id,
      contactId: contacts.id,
      firstName: contacts.firstName,
      lastName: contacts.lastName,
      erasedAt: contacts.erasedAt,
      emails: contacts.emails,
      organizationId: eventInvitations.organizationId,
      organizationName: organizations.name,
      response: eventInvitations.response,
      respondedAt: eventInvitations.respondedAt,
      sentAt: eventInvitations.sentAt,
      notSentReason: eventInvitations.notSentReason,
      attendance: eventInvitations.attendance,
      attendanceRecordedAt: eventInvitations.attendanceRecordedAt,
    })
    .from(eventInvitations)
    .innerJoin(contacts, eq(contacts.id, eventInvitations.contactId))
    .leftJoin(organizations, eq(organizations.id, eventInvitations.organizationId))
    .where(eq(eventInvitations.eventId, eventId))
    .orderBy(asc(organizations.name), asc(contacts.lastName), asc(contacts.firstName), asc(eventInvitations.id));
}

/** An event with the names of what it links to (the event page). */
export async function findEventWithNames(db: Database, id: string) {
  const event = await findEventById(db, id);
  if (!event) return undefined;
  const [organizationRows, participantRows, unitRows, ownerRows, invitees] = await Promise.all([
    db
      .select({ id: organizations.id, name: organizations.name, concerned: eventOrganizations.concerned, attended: eventOrganizations.attended })
      .from(eventOrganizations)
      .innerJoin(organizations, eq(organizations.id, eventOrganizations.organizationId))
      .where(eq(eventOrganizations.eventId, id))
      .orderBy(asc(organizations.name)),
    db
      .select({ id: users.id, displayName: users.displayName })
      .from(eventParticipants)
      .innerJoin(users, eq(users.id, eventParticipants.userId))
      .where(eq(eventParticipants.eventId, id))
      .orderBy(asc(users.displayName)),
    event.unitId ? db.select({ id: units.id, name: units.name }).from(units).where(eq(units.id, event.unitId)) : Promise.resolve([]),
    event.ownerId ? db.select({ id: users.id, displayName: users.displayName }).from(users).where(eq(users.id, event.ownerId)) : Promise.resolve([]),
    inviteesOfEvent(db, id),
  ]);
  return { event, organizations: organizationRows, participants: participantRows, unit: unitRows[0] ?? null, owner: ownerRows[0] ?? null, invitees };
}

// ── Attendance ──────────────────────────────────────────────────────────────────────────────

/** Sets (or clears, null) the attendance of these invitations of the event. */
export async function setAttendance(tx: Database, eventId: string, marks: ReadonlyArray<{ invitationId: string; attendance: Attendance | null }>, byUserId: string | null, at: Date): Promise<void> {
  for (const mark of marks) {
    await tx
      .update(eventInvitations)
      .set({
        attendance: mark.attendance,
        attendanceRecordedAt: mark.attendance ? at : null,
        attendanceRecordedById: mark.attendance ? byUserId : null,
      })
      .where(and(eq(eventInvitations.eventId, eventId), eq(eventInvitations.id, mark.invitationId)));
  }
}

/**
 * Recomputes `attended` of the event's organisations from its invitees: an organisation one of
 * whose invitees was present attended (its row inserted, not concerned, when the form did not
 * name it); one that no longer has any goes back to not attended (its row removed when it was
 * not concerned either). Returns the organisations that attended.
 */
export async function refreshAttendedOrganizations(tx: Database, eventId: string, startsAt: Date): Promise<string[]> {
  const present = rowsOf<{ id: string }>(
    await tx.execute(sql`select distinct ${eventInvitations.organizationId} as id from ${eventInvitations}
      where ${eventInvitations.eventId} = ${eventId} and ${eventInvitations.attendance} = 'present' and ${eventInvitations.organizationId} is not null`),
  ).map((row) => row.id);
  await tx.execute(sql`update ${eventOrganizations} set ${sql.raw('attended')} = (${eventOrganizations.organizationId} = any(${uuidArray(present)}))
    where ${eventOrganizations.eventId} = ${eventId}`);
  await tx.execute(sql`delete from ${eventOrganizations} where ${eventOrganizations.eventId} = ${eventId} and not ${eventOrganizations.concerned} and not ${eventOrganizations.attended}`);
  if (present.length > 0) {
    await tx
      .insert(eventOrganizations)
      .values(present.map((organizationId) => ({ eventId, organizationId, startsAt, concerned: false, attended: true })))
      .onConflictDoNothing();
  }
  return present;
}

// ── The list ─────────────────────────────────────────────────────────────────────────────────

export const EVENT_LIST_SORTS = ['date', 'title', 'kind'] as const;
export type EventListSort = (typeof EVENT_LIST_SORTS)[number];

export interface EventListFilters {
  /** « à venir »: not ended yet (ends_at > now); « passés »: ended; none: all. */
  period?: { when: 'a_venir' | 'passes'; now: Date };
  kind?: EventKind;
  status?: EventStatus;
  unitId?: string;
  ownerId?: string;
  organizationId?: string;
  /** Words of the title or the place (accents and case ignored). */
  q?: string;
  from?: Date;
  to?: Date;
  sort: EventListSort;
  direction: 'asc' | 'desc';
}

export interface EventListRow {
  id: string;
  kind: EventKind;
  title: string;
  startsAt: Date;
  endsAt: Date;
  place: string | null;
  visioUrl: string | null;
  status: EventStatus;
  capacity: number | null;
  unitName: string | null;
  ownerName: string | null;
  invitedCount: number;
  acceptedCount: number;
  presentCount: number;
}

function whereOf(filters: EventListFilters): SQL {
  const conditions: SQL[] = [sql`true`];
  if (filters.period?.when === 'a_venir') conditions.push(sql`${events.endsAt} > ${filters.period.now.toISOString()}::timestamptz`);
  if (filters.period?.when === 'passes') conditions.push(sql`${events.endsAt} <= ${filters.period.now.toISOString()}::timestamptz`);
  if (filters.kind) conditions.push(sql`${events.kind} = ${filters.kind}`);
  if (filters.status) conditions.push(sql`${events.status} = ${filters.status}`);
  if (filters.unitId) conditions.push(sql`${events.unitId} = ${filters.unitId}`);
  if (filters.ownerId) conditions.push(sql`${events.ownerId} = ${filters.ownerId}`);
  if (filters.organizationId) {
    conditions.push(sql`exists (select 1 from ${eventOrganizations} where ${eventOrganizations.eventId} = ${events.id} and ${eventOrganizations.organizationId} = ${filters.organizationId})`);
  }
  if (filters.q) {
    const pattern = `%${filters.q.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
    conditions.push(sql`lower(immutable_unaccent(${events.title} || ' ' || coalesce(${events.place}, ''))) like lower(immutable_unaccent(${pattern}::text))`);
  }
  if (filters.from) conditions.push(sql`${events.startsAt} >= ${filters.from.toISOString()}::timestamptz`);
  if (filters.to) conditions.push(sql`${events.startsAt} < ${filters.to.toISOString()}::timestamptz`);
  return sql.join(conditions, sql` and `);
}

function orderOf(sort: EventListSort, direction: 'asc' | 'desc'): SQL {
  const dir = direction === 'asc' ? sql`asc` : sql`desc`;
  switch (sort) {
    case 'date':
      return sql`${events.startsAt} ${dir}, ${events.id} ${dir}`;
    case 'title':
      return sql`lower(${events.title}) ${dir}, ${events.startsAt} asc, ${events.id} asc`;
    case 'kind':
      return sql`${events.kind} ${dir}, ${events.startsAt} asc, ${events.id} asc`;
  }
}

const LIST_COLUMNS = sql`${events.id} as "id", ${events.kind} as "kind", ${events.title} as "title", ${events.startsAt} as "startsAt", ${events.endsAt} as "endsAt",
  ${events.place} as "place", ${events.visioUrl} as "visioUrl", ${events.status} as "status", ${events.capacity} as "capacity",
  ${units.name} as "unitName", ${users.displayName} as "ownerName",
  (select count(*)::int from ${eventInvitations} i where i.event_id = ${events.id}) as "invitedCount",
  (select count(*)::int from ${eventInvitations} i where i.event_id = ${events.id} and i.response = 'accepte') as "acceptedCount",
  (select count(*)::int from ${eventInvitations} i where i.event_id = ${events.id} and i.attendance = 'present') as "presentCount"`;

/** One page of events and the number of matches (events are hundreds a year: a plain count). */
export async function listEvents(db: Database, filters: EventListFilters, page: { limit: number; offset: number }): Promise<{ rows: EventListRow[]; total: number }> {
  const where = whereOf(filters);
  const rows = rowsOf<EventListRow>(
    await db.execute(sql`select ${LIST_COLUMNS} from ${events}
      left join ${units} on ${units.id} = ${events.unitId} left join ${users} on ${users.id} = ${events.ownerId}
      where ${where} order by ${orderOf(filters.sort, filters.direction)} limit ${page.limit} offset ${page.offset}`),
  ).map((row) => ({ ...row, startsAt: new Date(row.startsAt), endsAt: new Date(row.endsAt) }));
  const [count] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from ${events} where ${where}`));
  return { rows, total: Number(count?.n ?? 0) };
}

/** Organisations of these events (concerned or attended), by name. */
export async function organizationsOfEvents(db: Database, eventIds: string[]): Promise<Array<{ eventId: string; id: string; name: string; attended: boolean }>> {
  if (eventIds.length === 0) return [];
  return rowsOf<{ eventId: string; id: string; name: string; attended: boolean }>(
    await db.execute(sql`select ${eventOrganizations.eventId} as "eventId", ${organizations.id} as id, ${organizations.name} as name, ${eventOrganizations.attended} as attended
      from ${eventOrganizations} join ${organizations} on ${organizations.id} = ${eventOrganizations.organizationId}
      where ${eventOrganizations.eventId} = any(${uuidArray(eventIds)}) order by ${organizations.name}`),
  );
}

/** Which of these events the organisation attended (the organisation page's « présente » badges). */
export async function eventsAttendedBy(db: Database, organizationId: string, eventIds: string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const rows = await db
    .select({ eventId: eventOrganizations.eventId })
    .from(eventOrganizations)
    .where(and(eq(eventOrganizations.organizationId, organizationId), eq(eventOrganizations.attended, true), sql`${eventOrganizations.eventId} = any(${uuidArray(eventIds)})`));
  return new Set(rows.map((row) => row.eventId));
}
