// The agenda's SQL (issue 13): what falls in a period for one person (« mon agenda », the
// personal iCal feed) or for a manager's units — exchanges, events, open tasks' due days and the
// deadlines of conventions in force — and the calendar_feeds rows. Each read is one bounded
// statement over a per-person or per-unit index; exchanges always go through exchangeVisibleTo.
import { and, asc, eq, gte, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from './database';
import { organizationNamesOfExchange } from './dashboard.model';
import { type ExchangeViewer, exchangeVisibleTo } from './exchange-visibility';
import {
  calendarFeeds,
  conventions,
  eventParticipants,
  events,
  exchangeParticipants,
  exchangeUnits,
  exchanges,
  tasks,
  userUnits,
  users,
} from './schema';
import { uuidArray } from './sql-arrays';

/** Whose agenda: one person's own items, or everything of some units (a manager's). */
export type AgendaScope = { kind: 'person'; userId: string; unitIds: readonly string[] } | { kind: 'units'; unitIds: readonly string[] };

/** A period: instants [from, to[ for timed items, Paris days [fromDay, toDay] for dated ones. */
export interface AgendaPeriod {
  from: Date;
  to: Date;
  fromDay: string;
  toDay: string;
}

/** Conventions whose deadlines are worth a calendar entry (as the reminder rules read them). */
const IN_FORCE = ['signee', 'en_vigueur'] as const;

// ── Exchanges ────────────────────────────────────────────────────────────────────────────────

export interface AgendaExchangeRow {
  id: string;
  kind: (typeof exchanges.$inferSelect)['kind'];
  occurredAt: Date;
  durationMinutes: number | null;
  place: string | null;
  visioUrl: string | null;
  summary: string;
  confidential: boolean;
  updatedAt: Date;
  organizationNames: string | null;
}

const exchangeColumns = {
  id: exchanges.id,
  kind: exchanges.kind,
  occurredAt: exchanges.occurredAt,
  durationMinutes: exchanges.durationMinutes,
  place: exchanges.place,
  visioUrl: exchanges.visioUrl,
  summary: exchanges.summary,
  confidential: exchanges.confidential,
  updatedAt: exchanges.updatedAt,
  organizationNames: organizationNamesOfExchange,
};

/** The exchanges of the scope in the period that `viewer` may read, soonest first. */
export async function listAgendaExchanges(db: Database, viewer: ExchangeViewer, scope: AgendaScope, period: AgendaPeriod, limit: number): Promise<AgendaExchangeRow[]> {
  const from = period.from.toISOString();
  const to = period.to.toISOString();
  let ids: SQL;
  if (scope.kind === 'person') {
    ids = sql`(select ${exchanges.id} from ${exchanges} where ${exchanges.authorId} = ${scope.userId} and ${exchanges.occurredAt} >= ${from}::timestamptz and ${exchanges.occurredAt} < ${to}::timestamptz
      union select ${exchangeParticipants.exchangeId} from ${exchangeParticipants} where ${exchangeParticipants.userId} = ${scope.userId}
        and ${exchangeParticipants.occurredAt} >= ${from}::timestamptz and ${exchangeParticipants.occurredAt} < ${to}::timestamptz)`;
  } else {
    if (scope.unitIds.length === 0) return [];
    // The first ones of each unit in the period through its index (a big unit logs thousands a
    // month), a few more than shown: confidential ones the viewer may not read are dropped after.
    ids = sql`(select firsts.exchange_id from unnest(${uuidArray(scope.unitIds)}) as shown(unit_id)
      cross join lateral (select ${exchangeUnits.exchangeId} as exchange_id from ${exchangeUnits}
        where ${exchangeUnits.unitId} = shown.unit_id and ${exchangeUnits.occurredAt} >= ${from}::timestamptz and ${exchangeUnits.occurredAt} < ${to}::timestamptz
        order by ${exchangeUnits.occurredAt}, ${exchangeUnits.exchangeId} limit ${limit * 2}) as firsts)`;
  }
  return db
    .select(exchangeColumns)
    .from(exchanges)
    .where(and(sql`${exchanges.id} in ${ids}`, exchangeVisibleTo(viewer)))
    .orderBy(asc(exchanges.occurredAt), asc(exchanges.id))
    .limit(limit);
}

/** One exchange, when `viewer` may read it (the .ics download). */
export async function findVisibleAgendaExchange(db: Database, viewer: ExchangeViewer, id: string): Promise<AgendaExchangeRow | undefined> {
  const [row] = await db
    .select(exchangeColumns)
    .from(exchanges)
    .where(and(eq(exchanges.id, id), exchangeVisibleTo(viewer)))
    .limit(1);
  return row;
}

// ── Events ───────────────────────────────────────────────────────────────────────────────────

export interface AgendaEventRow {
  id: string;
  kind: (typeof events.$inferSelect)['kind'];
  title: string;
  description: string | null;
  startsAt: Date;
  endsAt: Date;
  place: string | null;
  visioUrl: string | null;
  status: (typeof events.$inferSelect)['status'];
  icsSequence: number;
  updatedAt: Date;
}

const eventColumns = {
  id: events.id,
  kind: events.kind,
  title: events.title,
  description: events.description,
  startsAt: events.startsAt,
  endsAt: events.endsAt,
  place: events.place,
  visioUrl: events.visioUrl,
  status: events.status,
  icsSequence: events.icsSequence,
  updatedAt: events.updatedAt,
};

/** Events overlapping the period: owned by or taking the person, or organised by the units (cancelled ones too: shown struck out, CANCELLED in a feed). */
export async function listAgendaEvents(db: Database, scope: AgendaScope, period: AgendaPeriod, limit: number): Promise<AgendaEventRow[]> {
  const overlaps = and(lt(events.startsAt, period.to), sql`${events.endsAt} > ${period.from.toISOString()}::timestamptz`);
  let whose: SQL | undefined;
  if (scope.kind === 'person') {
    // A participant's row copies starts_at: the person's index answers « this month » alone.
    const taking = sql`${events.id} in (select ${eventParticipants.eventId} from ${eventParticipants} where ${eventParticipants.userId} = ${scope.userId}
      and ${eventParticipants.startsAt} < ${period.to.toISOString()}::timestamptz and ${eventParticipants.startsAt} >= ${new Date(period.from.getTime() - 31 * 86_400_000).toISOString()}::timestamptz)`;
    whose = or(eq(events.ownerId, scope.userId), taking);
  } else {
    if (scope.unitIds.length === 0) return [];
    whose = sql`${events.unitId} = any(${uuidArray(scope.unitIds)})`;
  }
  return db
    .select(eventColumns)
    .from(events)
    .where(and(overlaps, whose))
    .orderBy(asc(events.startsAt), asc(events.id))
    .limit(limit);
}

export async function findAgendaEvent(db: Database, id: string): Promise<AgendaEventRow | undefined> {
  const [row] = await db.select(eventColumns).from(events).where(eq(events.id, id)).limit(1);
  return row;
}

// ── Tasks ────────────────────────────────────────────────────────────────────────────────────

export interface AgendaTaskRow {
  id: string;
  title: string;
  dueOn: string;
  dueTime: string | null;
  priority: (typeof tasks.$inferSelect)['priority'];
  assigneeName: string | null;
  updatedAt: Date;
}

/** Open tasks due in the period: assigned to the person, or to members of the units. */
export async function listAgendaTasks(db: Database, scope: AgendaScope, period: AgendaPeriod, limit: number): Promise<AgendaTaskRow[]> {
  let whose: SQL;
  if (scope.kind === 'person') {
    whose = eq(tasks.assigneeId, scope.userId);
  } else {
    if (scope.unitIds.length === 0) return [];
    whose = sql`${tasks.assigneeId} in (select ${userUnits.userId} from ${userUnits} where ${userUnits.unitId} = any(${uuidArray(scope.unitIds)}))`;
  }
  return db
    .select({ id: tasks.id, title: tasks.title, dueOn: tasks.dueOn, dueTime: tasks.dueTime, priority: tasks.priority, assigneeName: users.displayName, updatedAt: tasks.updatedAt })
    .from(tasks)
    .leftJoin(users, eq(users.id, tasks.assigneeId))
    .where(and(whose, eq(tasks.status, 'a_faire'), gte(tasks.dueOn, period.fromDay), lte(tasks.dueOn, period.toDay)))
    .orderBy(asc(tasks.dueOn), asc(tasks.dueTime), asc(tasks.id))
    .limit(limit);
}

// ── Convention deadlines ─────────────────────────────────────────────────────────────────────

export interface AgendaConventionRow {
  id: string;
  reference: string;
  title: string;
  endsOn: string | null;
  noticeDeadline: string | null;
  tacitRenewal: boolean;
  updatedAt: Date;
}

/**
 * Conventions in force whose end date or notice deadline falls in the period: the person's own
 * (responsable) and their units' — or the units'. Both dates come back; the caller keeps those inside.
 */
export async function listAgendaConventions(db: Database, scope: AgendaScope, period: AgendaPeriod, limit: number): Promise<AgendaConventionRow[]> {
  const unitIds = scope.unitIds;
  const ofUnits = unitIds.length > 0 ? sql`${conventions.unitId} = any(${uuidArray(unitIds)})` : undefined;
  const whose = scope.kind === 'person' ? or(eq(conventions.ownerId, scope.userId), ofUnits) : ofUnits;
  if (!whose) return [];
  const inPeriod = (column: typeof conventions.endsOn | typeof conventions.noticeDeadline) => and(gte(column, period.fromDay), lte(column, period.toDay));
  return db
    .select({
      id: conventions.id,
      reference: conventions.reference,
      title: conventions.title,
      endsOn: conventions.endsOn,
      noticeDeadline: conventions.noticeDeadline,
      tacitRenewal: conventions.tacitRenewal,
      updatedAt: conventions.updatedAt,
    })
    .from(conventions)
    .where(and(whose, sql`${conventions.status} in (${sql.join(IN_FORCE.map((status) => sql`${status}`), sql`, `)})`, or(inPeriod(conventions.endsOn), inPeriod(conventions.noticeDeadline))))
    .orderBy(asc(conventions.id))
    .limit(limit);
}

// ── calendar_feeds ───────────────────────────────────────────────────────────────────────────

export type CalendarFeed = typeof calendarFeeds.$inferSelect;

export async function findCalendarFeed(db: Database, userId: string): Promise<CalendarFeed | undefined> {
  const [row] = await db.select().from(calendarFeeds).where(eq(calendarFeeds.userId, userId)).limit(1);
  return row;
}

export async function lockCalendarFeed(tx: Database, userId: string): Promise<CalendarFeed | undefined> {
  const [row] = await tx.select().from(calendarFeeds).where(eq(calendarFeeds.userId, userId)).for('update').limit(1);
  return row;
}

/** A new secret: version 1 for a first feed, the next version otherwise (every older URL stops working), active. */
export async function renewCalendarFeed(tx: Database, userId: string): Promise<CalendarFeed> {
  const [row] = await tx
    .insert(calendarFeeds)
    .values({ userId, version: 1, active: true })
    .onConflictDoUpdate({ target: calendarFeeds.userId, set: { version: sql`${calendarFeeds.version} + 1`, active: true, lastFetchedAt: null, updatedAt: sql`now()` } })
    .returning();
  if (!row) throw new Error('calendar_feeds upsert returned nothing');
  return row;
}

export async function deactivateCalendarFeed(tx: Database, userId: string): Promise<void> {
  await tx.update(calendarFeeds).set({ active: false, updatedAt: sql`now()` }).where(eq(calendarFeeds.userId, userId));
}

/** Notes that a calendar app read the feed (at most one write per quarter of an hour per feed). */
export async function touchCalendarFeed(db: Database, userId: string, now: Date): Promise<void> {
  await db
    .update(calendarFeeds)
    .set({ lastFetchedAt: now })
    .where(
      and(
        eq(calendarFeeds.userId, userId),
        sql`(${calendarFeeds.lastFetchedAt} is null or ${calendarFeeds.lastFetchedAt} < ${new Date(now.getTime() - 15 * 60_000).toISOString()}::timestamptz)`,
      ),
    );
}
