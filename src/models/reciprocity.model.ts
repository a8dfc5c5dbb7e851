// SQL of the reciprocity cadence (issue 13). A partnership is a live organisation with a
// convention « en vigueur » (through convention_parties) or ticked « partenaire suivi ». Its
// qualifying meetings over the rolling window: exchanges of the meeting kinds linked through
// exchange_organizations, and events it attended (event_organizations.attended, the event not
// cancelled), each read from the organisation's own timeline index. An exchange logged about an
// event the organisation attended (subject « event ») is that same meeting: counted once.
// The rules themselves (window, status, due day, strictest figures) are src/workflows/reciprocity.ts.
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Database } from './database';
import { rowsOf } from './database';
import { type ReciprocityTarget, type ReciprocityTargetScope, organizations, reciprocityTargets } from './schema';
import { textArray, uuidArray } from './sql-arrays';

// The constants of the rule live here (models sit below workflows); src/workflows/reciprocity.ts
// re-exports them with the rule's arithmetic.
/** The default rule of the institution: meet each partner two to three times a year. */
export const DEFAULT_RECIPROCITY_FIGURES = { minimum: 2, target: 3 } as const;
/** Exchanges that are a meeting for reciprocity (not a call, a salon, an e-mail nor a note). */
export const QUALIFYING_EXCHANGE_KINDS = ['rendez_vous', 'visio', 'visite'] as const;
export const RECIPROCITY_STATUSES = ['a_jour', 'a_surveiller', 'en_retard', 'jamais_rencontre'] as const;
export type ReciprocityStatus = (typeof RECIPROCITY_STATUSES)[number];
/** Below the minimum: the statuses the dashboard and the reminder rule call « behind ». */
export const BEHIND_STATUSES: readonly ReciprocityStatus[] = ['en_retard', 'jamais_rencontre'];

/** Bounds of a computation: meetings at or after `windowStart` and at or before `now` count. */
export interface ReciprocityWindow {
  now: Date;
  /** Start (instant) of the window's first Paris day. */
  windowStart: Date;
}

const iso = (instant: Date) => sql`${instant.toISOString()}::timestamptz`;
const QUALIFYING = textArray(QUALIFYING_EXCHANGE_KINDS);

/** SQL: is the organisation `o` an active partnership (followed, or a convention in force)? */
function activePartnership(o: SQL): SQL {
  // `in (…)`: one hashed set of the conventions in force (conventions_status_idx), not a probe per organisation.
  return sql`(${o}.followed_partner or ${o}.id in (select cp.organization_id from convention_parties cp join conventions c on c.id = cp.convention_id
    where c.status = 'en_vigueur'))`;
}

/** The figures `fig` of the organisation `o`: the strictest admin row for its kind or its conventions' kinds in force, else the default. */
const FIGURES = sql`left join lateral (
      select rt.minimum, rt.target from reciprocity_targets rt
      where (rt.scope = 'organization_kind' and rt.scope_code = o.kind_code)
         or (rt.scope = 'convention_kind' and exists (select 1 from convention_parties cp join conventions c on c.id = cp.convention_id
               where cp.organization_id = o.id and c.status = 'en_vigueur' and c.kind = rt.scope_code))
      order by rt.target desc, rt.minimum desc
      limit 1
    ) chosen on true
    cross join lateral (
      select coalesce(chosen.minimum, ${sql.raw(String(DEFAULT_RECIPROCITY_FIGURES.minimum))}) as minimum,
        coalesce(chosen.target, ${sql.raw(String(DEFAULT_RECIPROCITY_FIGURES.target))}) as target
    ) fig`;

/**
 * Whether `o` was ever met before the window (`ever.ever_met`), probed only when the window
 * holds no meeting: the organisation's timeline index read backwards until one qualifies.
 */
function everMet(window: ReciprocityWindow): SQL {
  const before = iso(window.windowStart);
  // Lateral probes with LIMIT 1 (an EXISTS here is planned as one hashed set of every earlier exchange).
  return sql`left join lateral (
      select true as met from exchange_organizations eo join exchanges e on e.id = eo.exchange_id
      where w.meetings = 0 and eo.organization_id = o.id and eo.occurred_at < ${before} and e.kind = any(${QUALIFYING})
      limit 1
    ) earlier_exchange on true
    left join lateral (
      select true as met from event_organizations evo join events ev on ev.id = evo.event_id
      where w.meetings = 0 and evo.organization_id = o.id and evo.attended and ev.status <> 'annule' and evo.starts_at < ${before}
      limit 1
    ) earlier_event on true
    cross join lateral (select w.meetings > 0 or earlier_exchange.met is not null or earlier_event.met is not null as ever_met) ever`;
}

/**
 * An exchange logged about an event the same organisation attended (subject « event ») is that
 * meeting: counted once, as the exchange. Checked on the events' side (few rows, through
 * exchanges_subject_idx), so the exchanges are read for their kind alone: an index-only scan of
 * exchanges_id_kind_idx (id) INCLUDE (kind…).
 */
function notLoggedAsAnExchange(window: ReciprocityWindow): SQL {
  return sql`not exists (select 1 from exchanges x join exchange_organizations xo on xo.exchange_id = x.id
      where x.subject_type = 'event' and x.subject_id = evo.event_id and xo.organization_id = evo.organization_id
        and x.kind = any(${QUALIFYING}) and x.occurred_at >= ${iso(window.windowStart)} and x.occurred_at <= ${iso(window.now)})`;
}

function aggregates(horizonStart: Date): SQL {
  return sql`count(m.at)::int as meetings,
        (count(m.at) filter (where m.at >= ${iso(horizonStart)}))::int as meetings_at_horizon,
        coalesce(array_agg(to_char(m.at at time zone 'Europe/Paris', 'YYYY-MM-DD') order by m.at desc) filter (where m.at is not null), '{}') as days`;
}

/**
 * A statement over the live active partnerships `o` with their figures `fig`, their meetings of
 * the window `w` (count, Paris days newest first, and the count from `horizonStart` on: what
 * will still count on a later day) and `ever.ever_met`.
 * - `perRow` (a page of the list, a unit's partnerships for the dashboard): each one's meetings
 *   read from its own timeline indexes (a few probes per organisation).
 * - otherwise (every partnership: the list filter, the reminder rule, the admin's counts): the
 *   window's qualifying exchanges read once and grouped by organisation, rather than tens of
 *   thousands of probes. Either way run through executeWithoutJit.
 */
function partnershipsStatement(
  window: ReciprocityWindow,
  horizonStart: Date,
  perRow: boolean,
  select: SQL,
  where: SQL,
  tail: SQL = sql``,
  withEver = true,
): SQL {
  // `ever` only where the statement reads it: its probes, cheap per row, cost the planner enough
  // on thousands of rows to push the plan over jit_above_cost.
  const ever = withEver ? everMet(window) : sql``;
  const { now, windowStart } = window;
  if (perRow) {
    return sql`select ${select} from organizations o ${FIGURES}
    cross join lateral (
      select ${aggregates(horizonStart)}
      from (
        select eo.occurred_at as at from exchange_organizations eo join exchanges e on e.id = eo.exchange_id
        where eo.organization_id = o.id and eo.occurred_at >= ${iso(windowStart)} and eo.occurred_at <= ${iso(now)}
          and e.kind = any(${QUALIFYING})
        union all
        select evo.starts_at from event_organizations evo join events ev on ev.id = evo.event_id
        where evo.organization_id = o.id and evo.attended and ev.status <> 'annule'
          and evo.starts_at >= ${iso(windowStart)} and evo.starts_at <= ${iso(now)} and ${notLoggedAsAnExchange(window)}
      ) m
    ) w
    ${ever}
    where ${where} ${tail}`;
  }
  return sql`with window_meetings as (
      select eo.organization_id, e.occurred_at as at
      from exchanges e join exchange_organizations eo on eo.exchange_id = e.id
      where e.kind = any(${QUALIFYING}) and e.occurred_at >= ${iso(windowStart)} and e.occurred_at <= ${iso(now)}
      union all
      select evo.organization_id, evo.starts_at from event_organizations evo join events ev on ev.id = evo.event_id
      where evo.attended and ev.status <> 'annule' and evo.starts_at >= ${iso(windowStart)} and evo.starts_at <= ${iso(now)}
        and ${notLoggedAsAnExchange(window)}
    ), met as (
      select m.organization_id, ${aggregates(horizonStart)} from window_meetings m group by m.organization_id
    )
    select ${select} from organizations o ${FIGURES}
    left join met on met.organization_id = o.id
    cross join lateral (select coalesce(met.meetings, 0) as meetings, coalesce(met.meetings_at_horizon, 0) as meetings_at_horizon, coalesce(met.days, '{}') as days) w
    ${ever}
    where ${where} ${tail}`;
}

/** The status, as reciprocityStatus() says it (src/workflows/reciprocity.ts; a test checks they agree). */
const STATUS = sql`case when w.meetings >= fig.target then 'a_jour' when w.meetings >= fig.minimum then 'a_surveiller'
  when ever.ever_met then 'en_retard' else 'jamais_rencontre' end`;

/**
 * The same rule as a condition on a set of statuses, written so that the planner filters on the
 * counts before it probes `ever` (only « en retard » and « jamais rencontré » apart need it).
 */
function statusCondition(statuses: readonly ReciprocityStatus[]): { condition: SQL; needsEver: boolean } {
  const wanted = new Set(statuses);
  const parts: SQL[] = [];
  if (wanted.has('a_jour')) parts.push(sql`w.meetings >= fig.target`);
  if (wanted.has('a_surveiller')) parts.push(sql`(w.meetings >= fig.minimum and w.meetings < fig.target)`);
  const late = wanted.has('en_retard');
  const never = wanted.has('jamais_rencontre');
  if (late && never) parts.push(sql`w.meetings < fig.minimum`);
  else if (late) parts.push(sql`(w.meetings < fig.minimum and ever.ever_met)`);
  else if (never) parts.push(sql`(w.meetings < fig.minimum and not ever.ever_met)`);
  return { condition: parts.length > 0 ? sql`(${sql.join(parts, sql` or `)})` : sql`false`, needsEver: late !== never };
}

const LIVE = sql`o.merged_into_id is null and o.archived_at is null`;

/**
 * Runs a statement over many partnerships with JIT off (SET LOCAL, in its own short read-only
 * transaction): its cost estimate passes jit_above_cost on a large base, and compiling it costs
 * more than running it (0.3–4 s of LLVM for a 0.1–2 s query on 1M exchanges). Nothing else runs
 * on the transaction.
 */
async function executeWithoutJit(db: Database, statement: SQL): Promise<unknown> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local jit = off`);
    return tx.execute(statement);
  });
}

export interface PartnershipRow {
  organizationId: string;
  name: string;
  ownerId: string | null;
  kindCode: string;
  minimum: number;
  target: number;
  meetings: number;
  /** Meetings that will still count on the horizon day (see partnershipRows' `horizonStart`). */
  meetingsAtHorizon: number;
  /** Paris days of the window's meetings, newest first. */
  meetingDays: string[];
  everMet: boolean;
  status: ReciprocityStatus;
}

interface RawPartnershipRow {
  organization_id: string;
  name: string;
  owner_id: string | null;
  kind_code: string;
  minimum: number;
  target: number;
  meetings: number;
  meetings_at_horizon: number;
  days: string[] | string;
  ever_met: boolean;
  status: ReciprocityStatus;
}

/** PGlite and pg both return text[] as arrays; keep a fallback for the literal form. */
function daysOf(value: string[] | string): string[] {
  if (Array.isArray(value)) return value;
  return value.replace(/^\{|\}$/g, '').split(',').filter(Boolean);
}

export type PartnershipScope =
  | { kind: 'all' }
  | { kind: 'organizations'; ids: readonly string[] }
  | { kind: 'units'; unitIds: readonly string[] };

function scopeCondition(scope: PartnershipScope): SQL {
  switch (scope.kind) {
    case 'all':
      return sql`true`;
    case 'organizations':
      return sql`o.id = any(${uuidArray(scope.ids)})`;
    case 'units':
      return sql`o.id in (select ou.organization_id from organization_units ou where ou.unit_id = any(${uuidArray(scope.unitIds)}))`;
  }
}

/**
 * The active partnerships in `scope` with their figures and meetings. `horizonStart` (default:
 * the window's start) is the window start of a later day: `meetingsAtHorizon` says how many
 * meetings will still count then. `statuses` keeps only those statuses; `fallingBefore` keeps
 * those below their minimum now or on the horizon day. Ordered most behind first, then by name.
 */
export async function partnershipRows(
  db: Database,
  scope: PartnershipScope,
  window: ReciprocityWindow,
  options: { horizonStart?: Date; statuses?: readonly ReciprocityStatus[]; fallingByHorizon?: boolean; limit?: number } = {},
): Promise<PartnershipRow[]> {
  if (scope.kind === 'organizations' && scope.ids.length === 0) return [];
  if (scope.kind === 'units' && scope.unitIds.length === 0) return [];
  const conditions: SQL[] = [LIVE, activePartnership(sql`o`), scopeCondition(scope)];
  if (options.statuses) conditions.push(statusCondition(options.statuses).condition);
  if (options.fallingByHorizon) conditions.push(sql`(w.meetings < fig.minimum or w.meetings_at_horizon < fig.minimum)`);
  const result = await executeWithoutJit(
    db,
    partnershipsStatement(
      window,
      options.horizonStart ?? window.windowStart,
      scope.kind !== 'all',
      sql`o.id as organization_id, o.name, o.owner_id, o.kind_code, fig.minimum, fig.target, w.meetings, w.meetings_at_horizon,
      w.days, ever.ever_met, ${STATUS} as status`,
      sql.join(conditions, sql` and `),
      sql`order by fig.minimum - w.meetings desc, lower(o.name), o.id ${options.limit ? sql`limit ${options.limit}` : sql``}`,
    ),
  );
  return rowsOf<RawPartnershipRow>(result).map((row) => ({
    organizationId: row.organization_id,
    name: row.name,
    ownerId: row.owner_id,
    kindCode: row.kind_code,
    minimum: Number(row.minimum),
    target: Number(row.target),
    meetings: Number(row.meetings),
    meetingsAtHorizon: Number(row.meetings_at_horizon),
    meetingDays: daysOf(row.days),
    everMet: Boolean(row.ever_met),
    status: row.status,
  }));
}

/** How many active partnerships in `scope` are below their minimum now. */
export async function countPartnershipsBehind(db: Database, scope: PartnershipScope, window: ReciprocityWindow): Promise<number> {
  if (scope.kind === 'units' && scope.unitIds.length === 0) return 0;
  const result = await executeWithoutJit(
    db,
    partnershipsStatement(
      window,
      window.windowStart,
      scope.kind !== 'all',
      sql`count(*)::int as value`,
      sql`${LIVE} and ${activePartnership(sql`o`)} and ${scopeCondition(scope)} and w.meetings < fig.minimum`,
      sql``,
      false,
    ),
  );
  return Number(rowsOf<{ value: number }>(result)[0]?.value ?? 0);
}

/** Filter values of the organisations list: a status, or a group of them. */
export const RECIPROCITY_FILTERS = ['suivis', 'a_jour', 'a_surveiller', 'en_retard', 'jamais_rencontre', 'en_retard_ou_jamais', 'non_suivis'] as const;
export type ReciprocityFilter = (typeof RECIPROCITY_FILTERS)[number];

function statusesOfFilter(filter: ReciprocityFilter): readonly ReciprocityStatus[] | null {
  if (filter === 'en_retard_ou_jamais') return BEHIND_STATUSES;
  if (filter === 'suivis' || filter === 'non_suivis') return null;
  return [filter];
}

/** The list filter, resolved: a condition for « suivis » / « non suivis », else the ids of the partnerships with those statuses. */
export type ReciprocityListFilter = { filter: ReciprocityFilter; ids: readonly string[] | null };

/**
 * Resolves the list filter once (its own statement, JIT off): the list's page and its count then
 * read `id = any(…)`, instead of each carrying a whole-base computation the planner would
 * JIT-compile (seconds on a million exchanges).
 */
export async function resolveReciprocityFilter(db: Database, filter: ReciprocityFilter, window: ReciprocityWindow): Promise<ReciprocityListFilter> {
  const statuses = statusesOfFilter(filter);
  if (!statuses) return { filter, ids: null };
  const { condition, needsEver } = statusCondition(statuses);
  const result = await executeWithoutJit(
    db,
    partnershipsStatement(window, window.windowStart, false, sql`o.id`, sql`${LIVE} and ${activePartnership(sql`o`)} and ${condition}`, sql``, needsEver),
  );
  return { filter, ids: rowsOf<{ id: string }>(result).map((row) => row.id) };
}

/** The condition on `organizations` (the list's own table). */
export function reciprocityFilterCondition(resolved: ReciprocityListFilter): SQL {
  if (resolved.filter === 'suivis') return sql`${activePartnership(sql`${organizations}`)}`;
  if (resolved.filter === 'non_suivis') return sql`not ${activePartnership(sql`${organizations}`)}`;
  // One text parameter, however many ids.
  return sql`${organizations.id} = any(${`{${(resolved.ids ?? []).join(',')}}`}::uuid[])`;
}

// ── Figures (admin) ─────────────────────────────────────────────────────────────────────

export async function listReciprocityTargets(db: Database): Promise<ReciprocityTarget[]> {
  return db.select().from(reciprocityTargets).orderBy(reciprocityTargets.scope, reciprocityTargets.scopeCode);
}

/** The rows of one scope, locked for an update (admins saving at once: one after the other). */
export async function lockReciprocityTargets(db: Database, scope: ReciprocityTargetScope): Promise<ReciprocityTarget[]> {
  return db.select().from(reciprocityTargets).where(eq(reciprocityTargets.scope, scope)).for('update');
}

export async function upsertReciprocityTarget(
  db: Database,
  values: { scope: ReciprocityTargetScope; scopeCode: string; minimum: number; target: number; updatedById: string | null },
): Promise<void> {
  await db
    .insert(reciprocityTargets)
    .values(values)
    .onConflictDoUpdate({
      target: [reciprocityTargets.scope, reciprocityTargets.scopeCode],
      set: { minimum: values.minimum, target: values.target, updatedById: values.updatedById, updatedAt: sql`now()` },
    });
}

export async function deleteReciprocityTargets(db: Database, scope: ReciprocityTargetScope, codes: readonly string[]): Promise<void> {
  if (codes.length === 0) return;
  await db.delete(reciprocityTargets).where(and(eq(reciprocityTargets.scope, scope), inArray(reciprocityTargets.scopeCode, [...codes])));
}

/** Active partnerships per status and per kind of organisation, for the admin page. */
export async function partnershipStatusesByKind(db: Database, window: ReciprocityWindow): Promise<Array<{ kindCode: string; status: ReciprocityStatus; count: number }>> {
  const result = await executeWithoutJit(
    db,
    partnershipsStatement(window, window.windowStart, false, sql`o.kind_code, ${STATUS} as status, count(*)::int as count`, sql`${LIVE} and ${activePartnership(sql`o`)}`, sql`group by 1, 2`),
  );
  return rowsOf<{ kind_code: string; status: ReciprocityStatus; count: number }>(result).map((row) => ({ kindCode: row.kind_code, status: row.status, count: Number(row.count) }));
}
