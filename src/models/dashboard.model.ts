// The home page's blocks (issue 12): each one bounded query over an index, run side by side by
// dashboard.service.ts. Exchanges are always read through exchangeVisibleTo, and so are their
// counts whenever the reader is not an admin nor a member of every unit shown.
import { and, asc, count, eq, gte, inArray, lt, lte, notInArray, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from './database';
import { type ExchangeViewer, exchangeVisibleTo } from './exchange-visibility';
import {
  type ConventionStatus,
  conventions,
  exchangeParticipants,
  exchangeUnits,
  exchanges,
  organizationUnits,
  organizations,
} from './schema';
import { uuidArray } from './sql-arrays';


// Written with explicit aliases: inside a single-table select, Drizzle leaves column names
// unqualified, and « id » would then resolve to the subquery's own tables.
/** The organisations of an exchange, by name (a handful per exchange). */
export const organizationNamesOfExchange = sql<string | null>`(select string_agg(named.name, ', ' order by named.name)
  from exchange_organizations linked join organizations named on named.id = linked.organization_id
  where linked.exchange_id = "exchanges"."id")`;

// ── Exchanges ────────────────────────────────────────────────────────────────────────────

const exchangeColumns = {
  id: exchanges.id,
  kind: exchanges.kind,
  occurredAt: exchanges.occurredAt,
  place: exchanges.place,
  summary: exchanges.summary,
  outcome: exchanges.outcome,
  confidential: exchanges.confidential,
  organizationNames: organizationNamesOfExchange,
};

/** Exchanges in [from, to[ that `viewer` wrote or takes part in, soonest first. */
export async function listExchangesOfPerson(db: Database, viewer: ExchangeViewer, from: Date, to: Date, limit: number) {
  const fromIso = from.toISOString();
  const toIso = to.toISOString();
  const ids = sql`(select ${exchanges.id} from ${exchanges} where ${exchanges.authorId} = ${viewer.id} and ${exchanges.occurredAt} >= ${fromIso}::timestamptz and ${exchanges.occurredAt} < ${toIso}::timestamptz
    union select ${exchangeParticipants.exchangeId} from ${exchangeParticipants} where ${exchangeParticipants.userId} = ${viewer.id}
      and ${exchangeParticipants.occurredAt} >= ${fromIso}::timestamptz and ${exchangeParticipants.occurredAt} < ${toIso}::timestamptz)`;
  const where = and(sql`${exchanges.id} in ${ids}`, exchangeVisibleTo(viewer));
  const [rows, totals] = await Promise.all([
    db.select(exchangeColumns).from(exchanges).where(where).orderBy(asc(exchanges.occurredAt), asc(exchanges.id)).limit(limit),
    db.select({ value: count() }).from(exchanges).where(where),
  ]);
  return { rows, total: totals[0]?.value ?? 0 };
}

/**
 * The latest exchanges (up to `until`) of these units that `viewer` may read, newest first: the
 * last few of each unit through its index, then merged (an exchange of two units counts once).
 */
export async function listLatestExchangesOfUnits(db: Database, viewer: ExchangeViewer, unitIds: readonly string[], until: Date, limit: number) {
  if (unitIds.length === 0) return [];
  // A few more candidates per unit than shown: confidential ones the viewer may not read are dropped after.
  const perUnit = limit * 4;
  const candidates = sql`(select latest.exchange_id from unnest(${uuidArray(unitIds)}) as shown(unit_id)
    cross join lateral (select ${exchangeUnits.exchangeId} as exchange_id from ${exchangeUnits}
      where ${exchangeUnits.unitId} = shown.unit_id and ${exchangeUnits.occurredAt} <= ${until.toISOString()}::timestamptz
      order by ${exchangeUnits.occurredAt} desc, ${exchangeUnits.exchangeId} desc limit ${perUnit}) as latest)`;
  return db
    .select(exchangeColumns)
    .from(exchanges)
    .where(and(sql`${exchanges.id} in ${candidates}`, exchangeVisibleTo(viewer)))
    .orderBy(sql`${exchanges.occurredAt} desc`, sql`${exchanges.id} desc`)
    .limit(limit);
}

export type DashboardExchangeRow = Awaited<ReturnType<typeof listLatestExchangesOfUnits>>[number];

/**
 * How many exchanges of these units happened in [from, to[. When `checkVisibility` (the reader
 * is neither an admin nor a member of every unit), confidential ones they may not read are not
 * counted; otherwise the count is read from the units' index alone.
 */
export async function countExchangesOfUnits(db: Database, viewer: ExchangeViewer, unitIds: readonly string[], from: Date, to: Date, checkVisibility: boolean): Promise<number> {
  if (unitIds.length === 0) return 0;
  const inPeriod = and(
    sql`${exchangeUnits.unitId} = any(${uuidArray(unitIds)})`,
    gte(exchangeUnits.occurredAt, from),
    lt(exchangeUnits.occurredAt, to),
  );
  const distinctExchanges = unitIds.length > 1 ? sql<number>`count(distinct ${exchangeUnits.exchangeId})::int` : sql<number>`count(*)::int`;
  const [row] = checkVisibility
    ? await db
        .select({ value: distinctExchanges })
        .from(exchangeUnits)
        .innerJoin(exchanges, eq(exchanges.id, exchangeUnits.exchangeId))
        .where(and(inPeriod, exchangeVisibleTo(viewer)))
    : await db.select({ value: distinctExchanges }).from(exchangeUnits).where(inPeriod);
  return row?.value ?? 0;
}

// ── Conventions ──────────────────────────────────────────────────────────────────────────

/** Conventions of these units, still running, whose end date or notice deadline falls in [from, to]; soonest first. */
export async function listExpiringConventionsOfUnits(
  db: Database,
  unitIds: readonly string[],
  range: { from: string; to: string; excludeStatuses: ConventionStatus[] },
  limit: number,
) {
  if (unitIds.length === 0) return { rows: [], total: 0 };
  const endsSoon = and(gte(conventions.endsOn, range.from), lte(conventions.endsOn, range.to)) as SQL;
  const noticeSoon = and(gte(conventions.noticeDeadline, range.from), lte(conventions.noticeDeadline, range.to)) as SQL;
  const where = and(
    sql`${conventions.unitId} = any(${uuidArray(unitIds)})`,
    notInArray(conventions.status, range.excludeStatuses),
    or(endsSoon, noticeSoon),
  );
  // The deadline that comes first among those in the window.
  const nextDeadline = sql`least(case when ${noticeSoon} then ${conventions.noticeDeadline} end, case when ${endsSoon} then ${conventions.endsOn} end)`;
  const [rows, totals] = await Promise.all([
    db
      .select({
        id: conventions.id,
        reference: conventions.reference,
        title: conventions.title,
        status: conventions.status,
        endsOn: conventions.endsOn,
        noticeDeadline: conventions.noticeDeadline,
        endsSoon: sql<boolean>`coalesce(${endsSoon}, false)`,
        noticeSoon: sql<boolean>`coalesce(${noticeSoon}, false)`,
      })
      .from(conventions)
      .where(where)
      .orderBy(asc(nextDeadline), asc(conventions.id))
      .limit(limit),
    db.select({ value: count() }).from(conventions).where(where),
  ]);
  return { rows, total: totals[0]?.value ?? 0 };
}

// ── Dormant partners ─────────────────────────────────────────────────────────────────────

/**
 * Active organisations of these units (not archived nor merged) without activity since
 * `before` (last_activity_at, or created_at when none): the longest silent first. The same rule
 * as the directory's « sans activité depuis N mois » filter.
 */
export async function listDormantOrganizationsOfUnits(db: Database, unitIds: readonly string[], before: Date, limit: number) {
  if (unitIds.length === 0) return { rows: [], total: 0 };
  const lastActivity = sql<Date>`coalesce(${organizations.lastActivityAt}, ${organizations.createdAt})`;
  const where = and(
    inArray(organizations.id, db.selectDistinct({ id: organizationUnits.organizationId }).from(organizationUnits).where(sql`${organizationUnits.unitId} = any(${uuidArray(unitIds)})`)),
    sql`${organizations.mergedIntoId} is null and ${organizations.archivedAt} is null`,
    eq(organizations.status, 'actif'),
    sql`${lastActivity} < ${before.toISOString()}::timestamptz`,
  );
  const [rows, totals] = await Promise.all([
    db
      .select({ id: organizations.id, name: organizations.name, kindCode: organizations.kindCode, lastActivityAt: organizations.lastActivityAt, createdAt: organizations.createdAt })
      .from(organizations)
      .where(where)
      .orderBy(asc(lastActivity), asc(organizations.id))
      .limit(limit),
    db.select({ value: count() }).from(organizations).where(where),
  ]);
  return { rows, total: totals[0]?.value ?? 0 };
}
