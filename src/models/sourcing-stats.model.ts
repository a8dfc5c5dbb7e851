// SQL of the funnel (/sourcing/statistiques, docs/sourcing-funnel.md). One statement per figure
// family, each grouped with GROUPING SETS so the totals and the breakdowns by source and by
// challenge come back together:
//   - stage entries, conversion and median time in stage: sourcing_case_stages from the period's
//     start (index (entered_at, stage)), the « later entered a further stage » test a window over
//     each case's rows;
//   - pilot outcomes: sourcing_pilots decided in the period, or ended in it without a decision;
//   - start-ups met: the dashboard's definition (organisations of kind 'startup' with a meeting
//     exchange, counted distinct), per Paris year and per unit — the dashboard's « start-ups
//     rencontrées cette année » reads this same statement (sourcing-stats.service.ts).
// Aggregates only: no case, pilot or exchange leaves these statements but as a count.
import { sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Database } from './database';
import { type ExchangeViewer, exchangeVisibleTo } from './exchange-visibility';
import { CASE_PIPELINE_STAGES, type CaseSource, type CaseStage, type ExchangeKind, type PilotDecision, sourcingChallenges } from './schema';
import { textArray, uuidArray } from './sql-arrays';

/** The cases a figure counts: by challenge (null: spontaneous cases only), unit, source. */
export interface CaseFilters {
  /** A challenge id, or 'sans' for cases without a challenge (spontaneous sourcing). */
  challengeId?: string | 'sans';
  unitId?: string;
  source?: CaseSource;
}

/** [from, to[ as instants (Paris days turned into instants by the caller). */
export interface Period {
  from: Date;
  to: Date;
}

/** Which grouping set a row belongs to. */
export type Breakdown = 'total' | 'source' | 'challenge';

function caseConditions(filters: CaseFilters): SQL {
  const parts: SQL[] = [sql`true`];
  if (filters.challengeId === 'sans') parts.push(sql`c.challenge_id is null`);
  else if (filters.challengeId) parts.push(sql`c.challenge_id = ${filters.challengeId}`);
  if (filters.unitId) parts.push(sql`c.unit_id = ${filters.unitId}`);
  if (filters.source) parts.push(sql`c.source = ${filters.source}`);
  return sql.join(parts, sql` and `);
}

const breakdownOf = (noSource: number, noChallenge: number): Breakdown => (noSource === 0 ? 'source' : noChallenge === 0 ? 'challenge' : 'total');

export interface StageRow {
  breakdown: Breakdown;
  stage: CaseStage;
  source: CaseSource | null;
  challengeId: string | null;
  /** Distinct cases that entered the stage in the period. */
  entered: number;
  /** Of those, cases that later (up to now) entered a pipeline stage after this one. */
  advanced: number;
  /** Median of (left_at − entered_at) in seconds over the stays that ended; null when none did (and on breakdown rows). */
  medianSeconds: number | null;
  /** Stays that ended (the median's sample). */
  closedStays: number;
  /** Stays still open (the case is still in the stage). */
  openStays: number;
}

/**
 * Every stage entry of the period (cases filtered), in one statement: counts grouped by stage, by
 * (stage, source) and by (stage, challenge); medians by stage (the breakdowns show no median, so
 * the ordered-set aggregate runs once per stage and the counts can be hashed). « advanced »: a
 * later row of the same case (up to now) whose stage comes further in the pipeline — a gate may
 * skip a stage; computed by a window over each case's history instead of a probe per row. A case
 * entering a stage twice in the period counts once (its first entry: `nth = 1`; a later entry
 * cannot have advanced when the first did not).
 */
export async function stageFigures(db: Database, period: Period, filters: CaseFilters): Promise<StageRow[]> {
  const pipeline = textArray(CASE_PIPELINE_STAGES);
  const to = period.to.toISOString();
  const result = await db.execute(sql`
    with history as (
      select s.case_id, s.stage, s.entered_at, s.left_at, c.source, c.challenge_id,
             max(array_position(${pipeline}, s.stage)) over (partition by s.case_id order by s.entered_at desc, s.id desc rows between unbounded preceding and 1 preceding) as furthest_after,
             row_number() over (partition by s.case_id, s.stage, s.entered_at < ${to}::timestamptz order by s.entered_at, s.id) as nth
        from sourcing_case_stages s
        join sourcing_cases c on c.id = s.case_id
       where s.entered_at >= ${period.from.toISOString()}::timestamptz
         and ${caseConditions(filters)}
    ), entries as materialized (
      select case_id, stage, entered_at, left_at, source, challenge_id, nth,
             coalesce(furthest_after > array_position(${pipeline}, stage), false) as advanced
        from history where entered_at < ${to}::timestamptz
    )
    select 'count' as kind, stage, source, challenge_id as "challengeId",
           grouping(source)::int as "noSource", grouping(challenge_id)::int as "noChallenge",
           count(*) filter (where nth = 1)::int as entered,
           count(*) filter (where nth = 1 and advanced)::int as advanced,
           null::float8 as "medianSeconds",
           count(*) filter (where left_at is not null)::int as "closedStays",
           count(*) filter (where left_at is null)::int as "openStays"
      from entries
     group by grouping sets ((stage), (stage, source), (stage, challenge_id))
    union all
    select 'median', stage, null, null, 1, 1, 0, 0,
           percentile_cont(0.5) within group (order by extract(epoch from left_at - entered_at)) filter (where left_at is not null),
           0, 0
      from entries
     group by stage`);
  const rows = rowsOf<Omit<StageRow, 'breakdown'> & { kind: 'count' | 'median'; noSource: number; noChallenge: number; medianSeconds: number | string | null }>(result);
  const medians = new Map(rows.filter((row) => row.kind === 'median').map((row) => [row.stage, row.medianSeconds === null ? null : Number(row.medianSeconds)]));
  return rows
    .filter((row) => row.kind === 'count')
    .map(({ kind: _kind, noSource, noChallenge, ...row }) => {
      const breakdown = breakdownOf(Number(noSource), Number(noChallenge));
      return { ...row, breakdown, medianSeconds: breakdown === 'total' ? (medians.get(row.stage) ?? null) : null };
    });
}

/** A pilot's outcome: its closing decision, or « sans décision » (ended in the period, nobody decided). */
export type PilotOutcome = PilotDecision | 'sans_decision';

export interface PilotRow {
  breakdown: Breakdown;
  outcome: PilotOutcome;
  source: CaseSource | null;
  challengeId: string | null;
  pilots: number;
}

/**
 * Pilots of the filtered cases with an outcome in the period: decided in [from, to[ (their
 * decision), or not decided and whose end date fell in the period before `today` (« sans
 * décision »: the pilot purgatory). Grouped by outcome, (outcome, source), (outcome, challenge).
 */
export async function pilotFigures(db: Database, period: Period & { fromDay: string; lastDay: string; today: string }, filters: CaseFilters): Promise<PilotRow[]> {
  const result = await db.execute(sql`
    with outcomes as (
      select coalesce(p.decision, 'sans_decision') as outcome, c.source, c.challenge_id
        from sourcing_pilots p
        join sourcing_cases c on c.id = p.case_id
       where ((p.decision is not null and p.decided_at >= ${period.from.toISOString()}::timestamptz and p.decided_at < ${period.to.toISOString()}::timestamptz)
           or (p.decision is null and p.ends_on >= ${period.fromDay}::date and p.ends_on <= ${period.lastDay}::date and p.ends_on < ${period.today}::date))
         and ${caseConditions(filters)}
    )
    select outcome, source, challenge_id as "challengeId",
           grouping(source)::int as "noSource", grouping(challenge_id)::int as "noChallenge", count(*)::int as pilots
      from outcomes
     group by grouping sets ((outcome), (outcome, source), (outcome, challenge_id))`);
  return rowsOf<Omit<PilotRow, 'breakdown'> & { noSource: number; noChallenge: number }>(result).map(({ noSource, noChallenge, ...row }) => ({
    ...row,
    breakdown: breakdownOf(Number(noSource), Number(noChallenge)),
  }));
}

export interface StartupsMetRow {
  /** Paris year; null on the rows over the whole period. */
  year: number | null;
  /** null on the rows of all the units together (a start-up met by two units counts once). */
  unitId: string | null;
  startups: number;
}

/**
 * Distinct organisations of `kindCode` met (exchanges of `exchangeKinds`) by these units in
 * [from, to[ — the dashboard's « start-ups rencontrées » — per Paris year and unit, per year,
 * per unit and over the period, in one statement. `checkVisibility`: confidential exchanges the
 * viewer may not read are not counted (as the dashboard does). `withCase`: only organisations
 * with a case matching these filters (the funnel's défi / source filters).
 */
export async function startupsMetFigures(
  db: Database,
  viewer: ExchangeViewer,
  unitIds: readonly string[],
  filters: Period & { kindCode: string; exchangeKinds: readonly ExchangeKind[]; withCase?: CaseFilters },
  checkVisibility: boolean,
): Promise<StartupsMetRow[]> {
  if (unitIds.length === 0) return [];
  const withCase = filters.withCase && (filters.withCase.challengeId || filters.withCase.source)
    ? sql`and exists (select 1 from sourcing_cases c where c.organization_id = eo.organization_id and ${caseConditions({ challengeId: filters.withCase.challengeId, source: filters.withCase.source })})`
    : sql``;
  const result = await db.execute(sql`
    with met as (
      select extract(year from eu.occurred_at at time zone 'Europe/Paris')::int as year, eu.unit_id, eo.organization_id
        from exchange_units eu
        join exchanges on exchanges.id = eu.exchange_id
        join exchange_organizations eo on eo.exchange_id = eu.exchange_id
        join organizations o on o.id = eo.organization_id
       where eu.unit_id = any(${uuidArray(unitIds)})
         and eu.occurred_at >= ${filters.from.toISOString()}::timestamptz and eu.occurred_at < ${filters.to.toISOString()}::timestamptz
         and exchanges.kind = any(${textArray(filters.exchangeKinds)})
         and o.kind_code = ${filters.kindCode}
         ${checkVisibility ? sql`and ${exchangeVisibleTo(viewer)}` : sql``}
         ${withCase}
    )
    select year, unit_id as "unitId", grouping(year)::int as "noYear", grouping(unit_id)::int as "noUnit", count(distinct organization_id)::int as startups
      from met
     group by grouping sets ((year, unit_id), (year), (unit_id), ())`);
  return rowsOf<StartupsMetRow & { noYear: number; noUnit: number }>(result).map((row) => ({
    year: Number(row.noYear) === 1 ? null : Number(row.year),
    unitId: Number(row.noUnit) === 1 ? null : row.unitId,
    startups: Number(row.startups),
  }));
}

/** Challenges by title (the filter's choices and the breakdown's row names). */
export async function listChallengeTitles(db: Database): Promise<Array<{ id: string; title: string }>> {
  return db.select({ id: sourcingChallenges.id, title: sourcingChallenges.title }).from(sourcingChallenges).orderBy(sourcingChallenges.title, sourcingChallenges.id);
}
