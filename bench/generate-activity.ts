// Generates the institution-scale activity of issue 12 on top of the benchmark directory
// (bench/generate-directory.ts: 50,000 organisations, 250,000 contacts): ~200 users spread over
// the units, 1,000,000 exchanges over 5 years with their link rows (organisations, contacts,
// participants, units — each with occurred_at copied), 100,000 tasks, and ONE organisation
// whose timeline holds 2,000 entries (exchanges, tasks, journal rows), found by the run script
// through its tasks' source_ref 'bench-activity:timeline:task:1'. See docs/benchmarks.md.
//
// Rows are computed in SQL (generate_series, a hash of the row number for every random
// choice: deterministic for a given --seed and --reference-date), in batches of --batch
// exchanges, --parallel batches at a time, secondary indexes dropped during the load and
// rebuilt afterwards. If the bench database has no directory yet, the directory generator runs
// first.
//
//   npx tsx bench/generate-activity.ts [--exchanges=1000000] [--tasks=100000] [--users=200]
//        [--seed=20260101] [--reference-date=YYYY-MM-DD] [--batch=20000] [--parallel=2] [--reset]
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Pool, type PoolClient } from 'pg';
import { EXCHANGE_TAGS, EXCHANGE_TOPICS, generateUsers, NOTE_SENTENCES, SALONS, TASK_TITLES } from './activity-data';
import { argValue, BENCH_USER, benchDatabaseUrl, databaseName, hasFlag } from './bench-env';

const DAY_MS = 86_400_000;
const YEARS = 5;
/** Exchanges are planned up to this many days ahead (a meeting next week is logged today). */
const FUTURE_DAYS = 21;
/** Share of organisations (the least recently active) that never appear in an exchange. */
const NEVER_MET_SHARE = 0.35;
/**
 * The timeline organisation's own entries; the general draw adds ~100 exchanges and ~85 tasks
 * to these (it is a well-connected university), for ~2,000 entries in all.
 */
const TIMELINE_EXCHANGES = 1_100;
const TIMELINE_TASKS = 320;
const TIMELINE_JOURNAL = 400;
const ACTIVITY_TABLES = ['exchanges', 'exchange_organizations', 'exchange_contacts', 'exchange_participants', 'exchange_units', 'tasks'] as const;

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

const isoDate = (date: Date) => date.toISOString().slice(0, 10);

/** Runs at most `limit` jobs at a time; the first failure stops everything. */
class JobQueue {
  private readonly running = new Set<Promise<void>>();
  private failure: unknown = null;

  constructor(private readonly limit: number) {}

  async add(job: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    if (this.failure) throw this.failure;
    const promise: Promise<void> = job()
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => this.running.delete(promise));
    this.running.add(promise);
  }

  async drain(): Promise<void> {
    await Promise.all(this.running);
    if (this.failure) throw this.failure;
  }
}

async function count(pool: Pool | PoolClient | Client, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<{ count: string }>(sql, params);
  return Number(rows[0]?.count ?? 0);
}

/** The directory must be there first; generate it (same seed and date) when the database lacks it. */
async function ensureDirectory(url: string, seed: number, referenceDate: string): Promise<void> {
  let organizations = 0;
  try {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      organizations = await count(client, `select count(*) from organizations`);
    } finally {
      await client.end();
    }
  } catch {
    organizations = 0;
  }
  if (organizations > 0) return;
  log('pas d’annuaire dans la base : génération de l’annuaire d’abord (bench/generate-directory.ts)');
  const result = spawnSync('npx', ['tsx', path.join(__dirname, 'generate-directory.ts'), `--seed=${seed}`, `--reference-date=${referenceDate}`], {
    stdio: 'inherit',
    env: process.env,
  });
  if (result.status !== 0) throw new Error('bench/generate-directory.ts a échoué');
}

/** Removes a previous activity generation (only with --reset): exchanges, tasks, their journal rows. */
async function clearPrevious(pool: Pool): Promise<void> {
  const existing = await count(pool, `select count(*) from exchanges`);
  if (existing === 0) return;
  if (!hasFlag('reset')) {
    throw new Error(`La base contient déjà ${existing} échanges : relancez avec --reset pour les remplacer.`);
  }
  await pool.query(`truncate exchanges, exchange_organizations, exchange_contacts, exchange_participants, exchange_units, exchange_attachments, tasks cascade`);
  await pool.query(`delete from audit_log where metadata->>'source' = 'bench-activity'`);
  // The generated users stay (the same ones are generated again): deleting a user checks every
  // table referencing users, most without an index on that column — minutes for 200 users.
  log(`génération précédente effacée (${existing} échanges)`);
}

/** ~200 users over the units; the directory's owners (no unit yet) join one each; the bench account stays in its unit. */
async function createUsers(pool: Pool, seed: number, total: number): Promise<void> {
  const { rows: units } = await pool.query<{ id: string; code: string }>(`select id, code from units order by code`);
  const unitId = new Map(units.map((unit) => [unit.code, unit.id]));
  // The bench account and the directory's owners come first; generated users are the same at every run.
  const existing = await count(pool, `select count(*) from users where email not like 'activite-%@passerelle.test'`);
  const generated = generateUsers(seed, Math.max(0, total - existing));
  const userRows = generated.map((user) => ({ email: user.email, display_name: user.displayName, roles: user.roles }));
  await pool.query(
    `insert into users (email, display_name, roles, created_at, updated_at)
     select email, display_name, roles, now(), now() from json_populate_recordset(null::users, $1::json)
     on conflict (email) do nothing`,
    [JSON.stringify(userRows)],
  );
  const memberships = generated.flatMap((user) => user.unitCodes.map((code) => ({ email: user.email, unit_id: unitId.get(code) })).filter((row) => row.unit_id));
  await pool.query(
    `insert into user_units (user_id, unit_id)
     select u.id, m.unit_id::uuid from json_to_recordset($1::json) as m(email text, unit_id text) join users u on u.email = m.email
     on conflict do nothing`,
    [JSON.stringify(memberships)],
  );
  // The directory's owners have no unit: spread them over the units.
  await pool.query(
    `insert into user_units (user_id, unit_id)
     select u.id, un.id
       from (select id, row_number() over (order by email) as n from users
              where not exists (select 1 from user_units uu where uu.user_id = users.id)) u
       join (select id, row_number() over (order by code) - 1 as n, count(*) over () as total from units) un
         on un.n = u.n % un.total`,
  );
  log(`${generated.length} comptes générés ; ${await count(pool, `select count(*) from users`)} comptes, ${await count(pool, `select count(*) from user_units`)} appartenances à une unité`);
}

/**
 * Working tables in schema bench_gen (dropped at the end): the hash function every random
 * choice goes through, the pools (participants, organisations, each organisation's current
 * contacts), the texts, and the plan of every exchange (date, kind, who, which organisations).
 */
async function prepareWorkingTables(pool: Pool, seed: number, benchUserId: string, timelineOrganizationId: string): Promise<{ users: number; organizations: number; timelineN: number }> {
  await pool.query(`drop schema if exists bench_gen cascade`);
  await pool.query(`create schema bench_gen`);
  // A uniform number in [0, 1) from (row number, salt): hashint8extended is PostgreSQL's own 64-bit hash.
  await pool.query(`
    create function bench_gen.r(i bigint, salt int) returns float8 language sql immutable parallel safe as
    $$ select (hashint8extended(i, ${seed}::bigint * 1000 + salt) & 4294967295)::float8 / 4294967296.0 $$`);
  await pool.query(
    `create table bench_gen.pools as select $1::text[] as topics, $2::text[] as sentences, $3::text[] as tags, $4::text[] as salons, $5::text[] as titles`,
    [EXCHANGE_TOPICS, NOTE_SENTENCES, EXCHANGE_TAGS, SALONS, TASK_TITLES],
  );
  // Participants, authors and assignees: the chargés and managers (the bench account is n = 1).
  await pool.query(
    `create table bench_gen.users as
     select row_number() over (order by (id <> $1::uuid), email)::int as n, id, display_name, email
       from users where roles && array['charge', 'manager'] and active`,
    [benchUserId],
  );
  await pool.query(`alter table bench_gen.users add primary key (n)`);
  // Organisations met: the 65 % most recently active (the others keep their old activity date:
  // the directory's « sans activité depuis 12 mois » share stays about the same), in an order
  // where universities, schools and start-ups come first; exchanges pick n = 1 + ⌊P·r²⌋, so a
  // few partners have hundreds of exchanges and most have a dozen.
  await pool.query(
    `create table bench_gen.orgs as
     with ranked as (
       select o.id, o.name, o.city, o.kind_code,
              row_number() over (order by coalesce(o.last_activity_at, o.created_at) desc, o.id) as recency,
              count(*) over () as total
         from organizations o
        where o.archived_at is null and o.merged_into_id is null
     ), met as (
       select * from ranked where recency <= ceil($1::float8 * total) or id = $2::uuid
     )
     select row_number() over (
              order by (case kind_code when 'universite' then 6 when 'ecole' then 4 when 'startup' then 4 when 'cfa' then 3
                          when 'creps' then 3 when 'opco' then 3 when 'federation_sportive' then 2 when 'tiers_lieu' then 2
                          when 'lycee' then 2 when 'entreprise' then 1 else 1.5 end)
                       * bench_gen.r(hashtext(id::text), 7) desc, id)::int as n,
            id, name, city, kind_code, 0 as contact_count
       from met`,
    [1 - NEVER_MET_SHARE, timelineOrganizationId],
  );
  await pool.query(`alter table bench_gen.orgs add primary key (n)`);
  await pool.query(`
    create table bench_gen.org_contacts as
    select o.n as org_n, row_number() over (partition by o.n order by a.contact_id)::int as k, a.contact_id
      from bench_gen.orgs o
      join affiliations a on a.organization_id = o.id and a.end_date is null
      join contacts c on c.id = a.contact_id and c.archived_at is null`);
  await pool.query(`alter table bench_gen.org_contacts add primary key (org_n, k)`);
  await pool.query(`update bench_gen.orgs o set contact_count = c.count from (select org_n, count(*) as count from bench_gen.org_contacts group by org_n) c where c.org_n = o.n`);
  const users = await count(pool, `select count(*) from bench_gen.users`);
  const organizations = await count(pool, `select count(*) from bench_gen.orgs`);
  const timelineN = await count(pool, `select n as count from bench_gen.orgs where id = $1`, [timelineOrganizationId]);
  return { users, organizations, timelineN };
}

interface PlanParameters {
  exchanges: number;
  users: number;
  organizations: number;
  timelineN: number;
  timelineStep: number;
  startDate: string;
  totalDays: number;
}

/**
 * Exchange i's date grows with i (the table is filled in time order, as in real life), with a
 * density that grows linearly over the 5 years (three times as many exchanges now as 5 years
 * ago): t = (√(1 + 8u) − 1) / 2 for u = i/N; weekends moved to Friday or Monday; 8 h–18 h
 * Europe/Paris by quarters of an hour.
 */
async function buildPlan(pool: Pool, parameters: PlanParameters): Promise<void> {
  await pool.query(`
    create unlogged table bench_gen.plan (
      i int primary key, id uuid not null, occurred_at timestamptz not null, kind text not null,
      author_n int not null, p1_n int not null, p2_n int, org1_n int not null, org2_n int, org3_n int,
      contact_count int not null, confidential boolean not null, outcome text)`);
  const step = 200_000;
  for (let start = 1; start <= parameters.exchanges; start += step) {
    await pool.query(
      `insert into bench_gen.plan
       select g.i,
              md5('exchange:' || $9::text || ':' || g.i)::uuid,
              ((d.day + make_time(8 + floor(bench_gen.r(g.i, 1) * 10)::int, 15 * floor(bench_gen.r(g.i, 2) * 4)::int, 0)) at time zone 'Europe/Paris'),
              case when k.r < 0.28 then 'rendez_vous' when k.r < 0.53 then 'appel' when k.r < 0.71 then 'courriel'
                   when k.r < 0.86 then 'visio' when k.r < 0.91 then 'salon' when k.r < 0.95 then 'visite' else 'note' end,
              a.n,
              case when bench_gen.r(g.i, 5) < 0.85 then a.n else 1 + floor(bench_gen.r(g.i, 6) * $3)::int end,
              case when bench_gen.r(g.i, 7) < 0.4 then 1 + floor(bench_gen.r(g.i, 8) * $3::int)::int end,
              case when g.i % $6::int = 0 and g.i / $6::int <= ${TIMELINE_EXCHANGES} then $5::int else 1 + floor(power(bench_gen.r(g.i, 9), 2) * $4::int)::int end,
              case when bench_gen.r(g.i, 10) >= 0.70 then 1 + floor(power(bench_gen.r(g.i, 11), 2) * $4::int)::int end,
              case when bench_gen.r(g.i, 10) >= 0.92 then 1 + floor(power(bench_gen.r(g.i, 12), 2) * $4::int)::int end,
              case when c.r < 0.25 then 0 when c.r < 0.70 then 1 when c.r < 0.90 then 2 else 3 end,
              bench_gen.r(g.i, 14) < 0.05,
              case when o.r < 0.35 then 'positive' when o.r < 0.65 then 'neutre' when o.r < 0.85 then 'a_relancer' when o.r < 0.92 then 'sans_suite' end
         from generate_series($1::int, $2::int) g(i)
         cross join lateral (select $7::date + least(floor((sqrt(1 + 8 * ((g.i - 0.5) / $10::float8)) - 1) / 2 * $8::int)::int, $8::int - 1) as d0) d0
         cross join lateral (select d0.d0 + case extract(isodow from d0.d0) when 6 then -1 when 7 then 1 else 0 end as day) d
         cross join lateral (select bench_gen.r(g.i, 3) as r) k
         cross join lateral (select 1 + floor(bench_gen.r(g.i, 4) * $3::int)::int as n) a
         cross join lateral (select bench_gen.r(g.i, 13) as r) c
         cross join lateral (select bench_gen.r(g.i, 15) as r) o`,
      [
        start, Math.min(parameters.exchanges, start + step - 1), parameters.users, parameters.organizations, parameters.timelineN,
        parameters.timelineStep, parameters.startDate, parameters.totalDays, seedText, parameters.exchanges,
      ],
    );
  }
  await pool.query(`analyze bench_gen.plan`);
}

let seedText = '';

/** One batch of exchanges and their four link tables, on one connection. */
async function loadExchangeBatch(client: PoolClient, from: number, to: number, reference: string): Promise<void> {
  await client.query(
    `insert into exchanges (id, kind, occurred_at, duration_minutes, place, visio_url, summary, notes, outcome, tags, confidential,
                            author_id, updated_by_id, source_ref, created_at, updated_at)
     select p.id, p.kind, p.occurred_at,
            case p.kind when 'appel' then 10 + 5 * floor(bench_gen.r(p.i, 20) * 8)::int
                        when 'rendez_vous' then 30 + 15 * floor(bench_gen.r(p.i, 20) * 7)::int
                        when 'visio' then 30 + 15 * floor(bench_gen.r(p.i, 20) * 5)::int
                        when 'salon' then 60 + 30 * floor(bench_gen.r(p.i, 20) * 7)::int
                        when 'visite' then 90 + 30 * floor(bench_gen.r(p.i, 20) * 6)::int end,
            case when p.kind in ('rendez_vous', 'visite') then coalesce(o.city, 'Sur place')
                 when p.kind = 'salon' then pl.salons[1 + floor(bench_gen.r(p.i, 21) * cardinality(pl.salons))::int] end,
            case when p.kind = 'visio' then 'https://visio.passerelle.test/' || substr(md5(p.id::text), 1, 10) end,
            pl.topics[1 + floor(bench_gen.r(p.i, 22) * cardinality(pl.topics))::int]
              || case when bench_gen.r(p.i, 23) < 0.5 then ' avec ' || o.name else '' end,
            case when bench_gen.r(p.i, 24) < 0.15 then null else
              pl.sentences[1 + floor(bench_gen.r(p.i, 25) * cardinality(pl.sentences))::int]
              || ' ' || pl.sentences[1 + floor(bench_gen.r(p.i, 26) * cardinality(pl.sentences))::int]
              || case when bench_gen.r(p.i, 27) < 0.6 then E'\\n' || pl.sentences[1 + floor(bench_gen.r(p.i, 28) * cardinality(pl.sentences))::int] else '' end
              || case when bench_gen.r(p.i, 29) < 0.3 then ' ' || pl.sentences[1 + floor(bench_gen.r(p.i, 30) * cardinality(pl.sentences))::int] else '' end
            end,
            case when p.occurred_at <= $3::timestamptz then p.outcome end,
            array(select distinct t from unnest(array[
              case when bench_gen.r(p.i, 31) < 0.55 then pl.tags[1 + floor(bench_gen.r(p.i, 32) * cardinality(pl.tags))::int] end,
              case when bench_gen.r(p.i, 33) < 0.25 then pl.tags[1 + floor(bench_gen.r(p.i, 34) * cardinality(pl.tags))::int] end,
              case when bench_gen.r(p.i, 35) < 0.08 then pl.tags[1 + floor(bench_gen.r(p.i, 36) * cardinality(pl.tags))::int] end]) t
              where t is not null),
            p.confidential, a.id, a.id, 'bench-activity:exchange:' || p.i, w.created, w.created
       from bench_gen.plan p
       cross join bench_gen.pools pl
       join bench_gen.orgs o on o.n = p.org1_n
       join bench_gen.users a on a.n = p.author_n
       cross join lateral (select case when p.occurred_at <= $3::timestamptz
                                       then least(p.occurred_at + bench_gen.r(p.i, 37) * interval '48 hours', $3::timestamptz)
                                       else $3::timestamptz - bench_gen.r(p.i, 37) * interval '14 days' end as created) w
      where p.i between $1 and $2`,
    [from, to, reference],
  );
  await client.query(
    `insert into exchange_organizations (exchange_id, organization_id, occurred_at)
     select p.id, o.id, p.occurred_at
       from bench_gen.plan p
       cross join lateral (values (p.org1_n), (p.org2_n), (p.org3_n)) v(n)
       join bench_gen.orgs o on o.n = v.n
      where p.i between $1 and $2
     on conflict do nothing`,
    [from, to],
  );
  // Contacts present: current contacts of the first organisation.
  await client.query(
    `insert into exchange_contacts (exchange_id, contact_id, occurred_at)
     select p.id, oc.contact_id, p.occurred_at
       from bench_gen.plan p
       join bench_gen.orgs o on o.n = p.org1_n and o.contact_count > 0
       cross join lateral generate_series(1, p.contact_count) j
       join bench_gen.org_contacts oc on oc.org_n = p.org1_n and oc.k = 1 + floor(bench_gen.r(p.i, 40 + j) * o.contact_count)::int
      where p.i between $1 and $2
     on conflict do nothing`,
    [from, to],
  );
  await client.query(
    `insert into exchange_participants (exchange_id, user_id, occurred_at)
     select p.id, u.id, p.occurred_at
       from bench_gen.plan p
       cross join lateral (values (p.p1_n), (p.p2_n)) v(n)
       join bench_gen.users u on u.n = v.n
      where p.i between $1 and $2
     on conflict do nothing`,
    [from, to],
  );
  // Units: the author's (the service's default).
  await client.query(
    `insert into exchange_units (exchange_id, unit_id, occurred_at)
     select p.id, uu.unit_id, p.occurred_at
       from bench_gen.plan p
       join bench_gen.users a on a.n = p.author_n
       join user_units uu on uu.user_id = a.id
      where p.i between $1 and $2
     on conflict do nothing`,
    [from, to],
  );
}

interface TaskParameters {
  general: number;
  users: number;
  organizations: number;
  timelineN: number;
  /** Exchanges up to this index happened before the reference date. */
  pastExchanges: number;
  /** Open tasks come from exchanges of the last 90 days: indexes from here to pastExchanges. */
  recentExchanges: number;
  referenceDay: string;
  reference: string;
}

/**
 * Tasks: 20 % à faire (a quarter overdue, some today, this week, later), 75 % faites, 5 %
 * annulées; 65 % are the next step of an exchange (its first organisation and one of its
 * contacts), the others are on an organisation directly. Tasks past `general` are the
 * timeline organisation's.
 */
async function loadTaskBatch(client: PoolClient, from: number, to: number, parameters: TaskParameters): Promise<void> {
  await client.query(
    `insert into tasks (id, title, description, due_on, due_time, assignee_id, priority, status, organization_id, contact_id, exchange_id,
                        created_by_id, done_at, done_by_id, source_ref, created_at, updated_at)
     select md5('task:' || $11::text || ':' || g.i)::uuid,
            pl.titles[1 + floor(bench_gen.r(g.i, 102) * cardinality(pl.titles))::int] || case when bench_gen.r(g.i, 103) < 0.5 then ' — ' || o.name else '' end,
            case when bench_gen.r(g.i, 104) < 0.4 then pl.sentences[1 + floor(bench_gen.r(g.i, 105) * cardinality(pl.sentences))::int] end,
            due.due_on,
            case when bench_gen.r(g.i, 106) < 0.2 then make_time(9 + floor(bench_gen.r(g.i, 107) * 9)::int, 0, 0) end,
            a.id,
            case when bench_gen.r(g.i, 108) < 0.2 then 'basse' when bench_gen.r(g.i, 108) < 0.8 then 'normale' else 'haute' end,
            s.status, o.id,
            case when p.id is not null then (select ec.contact_id from exchange_contacts ec where ec.exchange_id = p.id order by ec.contact_id limit 1)
                 when bench_gen.r(g.i, 109) < 0.5 and o.contact_count > 0 then
                   (select oc.contact_id from bench_gen.org_contacts oc where oc.org_n = o.n and oc.k = 1 + floor(bench_gen.r(g.i, 110) * o.contact_count)::int) end,
            p.id,
            case when bench_gen.r(g.i, 111) < 0.8 then a.id else c.id end,
            case when s.status = 'faite' then greatest(w.created, least(w.done, $10::timestamptz)) end,
            case when s.status = 'faite' then a.id end,
            case when s.timeline then 'bench-activity:timeline:task:' || (g.i - $3::int) else 'bench-activity:task:' || g.i end,
            w.created,
            case when s.status = 'faite' then greatest(w.created, least(w.done, $10::timestamptz)) else w.created end
       from generate_series($1::int, $2::int) g(i)
       cross join bench_gen.pools pl
       cross join lateral (select g.i > $3::int as timeline,
                                  case when bench_gen.r(g.i, 101) < 0.20 then 'a_faire' when bench_gen.r(g.i, 101) < 0.95 then 'faite' else 'annulee' end as status) s
       cross join lateral (select case when s.timeline or bench_gen.r(g.i, 112) >= 0.65 then null
                                       when s.status = 'a_faire' then $8::int + floor(bench_gen.r(g.i, 113) * ($7::int - $8::int + 1))::int
                                       else 1 + floor(bench_gen.r(g.i, 113) * $7::int)::int end as j) x
       left join bench_gen.plan p on p.i = x.j
       join bench_gen.orgs o on o.n = case when s.timeline then $6::int when p.i is not null then p.org1_n
                                           else 1 + floor(power(bench_gen.r(g.i, 114), 2) * $5::int)::int end
       join bench_gen.users a on a.n = 1 + floor(bench_gen.r(g.i, 115) * $4::int)::int
       join bench_gen.users c on c.n = 1 + floor(bench_gen.r(g.i, 116) * $4::int)::int
       cross join lateral (select case
              when s.status = 'a_faire' then
                case when bench_gen.r(g.i, 117) < 0.25 then $9::date - (1 + floor(bench_gen.r(g.i, 118) * 60)::int)
                     when bench_gen.r(g.i, 117) < 0.30 then $9::date
                     when bench_gen.r(g.i, 117) < 0.50 then $9::date + (1 + floor(bench_gen.r(g.i, 118) * 7)::int)
                     else $9::date + (8 + floor(bench_gen.r(g.i, 118) * 83)::int) end
              when p.id is not null then least((p.occurred_at at time zone 'Europe/Paris')::date + (3 + floor(bench_gen.r(g.i, 118) * 28)::int), $9::date)
              else $9::date - (1 + floor((1 - sqrt(bench_gen.r(g.i, 118))) * ${YEARS * 365})::int) end as due_on) due
       cross join lateral (select
              least(coalesce(p.occurred_at + interval '3 hours',
                             ((due.due_on - (3 + floor(bench_gen.r(g.i, 119) * 28)::int)) + time '09:30') at time zone 'Europe/Paris'),
                    $10::timestamptz) as created,
              ((due.due_on + (floor(bench_gen.r(g.i, 120) * 9)::int - 5)) + time '16:00') at time zone 'Europe/Paris' as done) w`,
    [
      from, to, parameters.general, parameters.users, parameters.organizations, parameters.timelineN,
      parameters.pastExchanges, parameters.recentExchanges, parameters.referenceDay, parameters.reference, seedText,
    ],
  );
}

/** The timeline organisation's own journal: created, then edits of its fields by several users over the years. */
async function loadTimelineJournal(pool: Pool, organizationId: string, rows: number, users: number, reference: string): Promise<void> {
  await pool.query(
    `insert into audit_log (at, actor_id, actor_label, action, entity_type, entity_id, changes, metadata)
     select j.at, u.id, u.display_name || ' <' || u.email || '>',
            case when j.k = 1 then 'organization.created' else 'organization.updated' end,
            'organization', $1::text,
            case when j.k = 1 then jsonb_build_object('name', jsonb_build_object('before', null, 'after', org.name))
                 else jsonb_build_object(f.field, jsonb_build_object('before', f.before, 'after', f.after)) end,
            jsonb_build_object('source', 'bench-activity')
       from (select k, case when k = 1 then least(org.created_at, $4::timestamptz - interval '${YEARS} years')
                            else $4::timestamptz - (1 + floor((1 - sqrt(bench_gen.r(k, 201))) * ${YEARS * 365 - 2}))::int * interval '1 day'
                                 - bench_gen.r(k, 202) * interval '8 hours' end as at
               from generate_series(1, $2::int) k, organizations org where org.id = $1::uuid) j
       cross join organizations org
       join bench_gen.users u on u.n = 1 + floor(bench_gen.r(j.k, 203) * $3)::int
       cross join lateral (select v.field, v.before, v.after from (values
            (0, 'phone', to_jsonb('+3347' || lpad(floor(bench_gen.r(j.k, 204) * 1e7)::text, 7, '0')), to_jsonb('+3347' || lpad(floor(bench_gen.r(j.k, 205) * 1e7)::text, 7, '0'))),
            (1, 'website', to_jsonb('https://www.universite-' || j.k || '.fr'), to_jsonb('https://www.universite-' || (j.k + 1) || '.fr')),
            (2, 'status', to_jsonb('prospect'::text), to_jsonb('actif'::text)),
            (3, 'description', 'null'::jsonb, to_jsonb('Partenaire historique : ' || lower(left(org.name, 40)))),
            (4, 'email', to_jsonb('contact' || j.k || '@universite.fr'), to_jsonb('partenariats' || j.k || '@universite.fr')),
            (5, 'tags', to_jsonb(array['partenariat']), to_jsonb(array['partenariat', 'edtech']))) v(n, field, before, after)
            where v.n = floor(bench_gen.r(j.k, 206) * 6)::int) f
      where org.id = $1::uuid
      order by j.at, j.k`,
    [organizationId, rows, users, reference],
  );
}

/** Secondary indexes of the activity tables: dropped during the load, rebuilt after from their definitions. */
async function dropSecondaryIndexes(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ name: string; definition: string }>(
    `select i.indexname as name, i.indexdef as definition
       from pg_indexes i
       join pg_class c on c.relname = i.indexname
       join pg_index x on x.indexrelid = c.oid
      where i.schemaname = 'public' and i.tablename = any($1) and not x.indisprimary and not x.indisunique`,
    [ACTIVITY_TABLES],
  );
  for (const row of rows) await pool.query(`drop index "${row.name}"`);
  return rows.map((row) => row.definition);
}

async function rebuildIndexes(pool: Pool, definitions: readonly string[], parallel: number): Promise<void> {
  const queue = new JobQueue(parallel);
  for (const definition of definitions) {
    await queue.add(async () => {
      const client = await pool.connect();
      try {
        await client.query(`set maintenance_work_mem = '256MB'`);
        await client.query(definition);
      } finally {
        client.release();
      }
    });
  }
  await queue.drain();
}

/** Index of the last exchange whose date is before `day` (days from the start), inverse of the plan's date law. */
function exchangeIndexAt(days: number, totalDays: number, exchanges: number): number {
  const t = Math.min(1, Math.max(0, days / totalDays));
  return Math.floor(exchanges * ((t + t * t) / 2));
}

async function main(): Promise<void> {
  const { url } = benchDatabaseUrl();
  const seed = Number(argValue('seed') ?? 20260101);
  seedText = String(seed);
  const exchangeCount = Number(argValue('exchanges') ?? 1_000_000);
  const taskCount = Number(argValue('tasks') ?? 100_000);
  const userCount = Number(argValue('users') ?? 200);
  const batch = Number(argValue('batch') ?? 20_000);
  const parallel = Number(argValue('parallel') ?? 2);
  const referenceDay = argValue('reference-date') ?? isoDate(new Date());
  const referenceDate = new Date(`${referenceDay}T00:00:00Z`);
  if (Number.isNaN(referenceDate.getTime())) throw new Error('--reference-date doit être une date AAAA-MM-JJ');
  if (taskCount < TIMELINE_TASKS + 1 || exchangeCount < TIMELINE_EXCHANGES) throw new Error(`au moins ${TIMELINE_EXCHANGES} échanges et ${TIMELINE_TASKS + 1} tâches`);
  const started = performance.now();
  log(`seed ${seed}, ${exchangeCount} échanges, ${taskCount} tâches, ~${userCount} comptes, date de référence ${referenceDay}`);
  log(`base ${databaseName(url)}`);

  await ensureDirectory(url, seed, referenceDay);
  // Bulk load: the rows are consistent by construction, so foreign-key triggers are skipped
  // (session_replication_role = replica; the bench database's owner is a superuser) and commits
  // do not wait for the WAL flush.
  const pool = new Pool({ connectionString: url, max: parallel + 1, options: '-c session_replication_role=replica -c synchronous_commit=off' });
  try {
    let phase = performance.now();
    // Without the bulk-load settings: deleting the previous users must cascade (replica mode skips foreign-key actions).
    const plain = new Pool({ connectionString: url, max: 1 });
    try {
      await clearPrevious(plain);
    } finally {
      await plain.end();
    }
    const benchUser = (await pool.query<{ id: string }>(`select id from users where email = $1`, [BENCH_USER.email])).rows[0];
    if (!benchUser) throw new Error(`compte ${BENCH_USER.email} absent : régénérez l’annuaire (bench/generate-directory.ts)`);
    const benchUnits = await count(pool, `select count(*) from user_units where user_id = $1`, [benchUser.id]);
    if (benchUnits === 0) throw new Error('le compte de benchmark n’appartient à aucune unité');
    await createUsers(pool, seed, userCount);

    // The timeline organisation: the university with the most current contacts.
    const timeline = (
      await pool.query<{ id: string; name: string }>(
        `select o.id, o.name from organizations o
           join affiliations a on a.organization_id = o.id and a.end_date is null
          where o.kind_code = 'universite' and o.archived_at is null
          group by o.id, o.name, o.source_ref
          order by count(*) desc, o.source_ref
          limit 1`,
      )
    ).rows[0];
    if (!timeline) throw new Error('aucune université dans l’annuaire');
    const pools = await prepareWorkingTables(pool, seed, benchUser.id, timeline.id);
    log(`tables de travail : ${pools.users} participants possibles, ${pools.organizations} structures rencontrées (${seconds(phase)})`);

    const startDate = new Date(referenceDate.getTime() - Math.round(YEARS * 365.25) * DAY_MS);
    const pastDays = Math.round((referenceDate.getTime() - startDate.getTime()) / DAY_MS);
    const totalDays = pastDays + FUTURE_DAYS;
    const timelineStep = Math.max(1, Math.floor(exchangeCount / TIMELINE_EXCHANGES));
    phase = performance.now();
    await buildPlan(pool, { exchanges: exchangeCount, ...pools, timelineStep, startDate: isoDate(startDate), totalDays });
    log(`plan des échanges : ${seconds(phase)}`);

    phase = performance.now();
    const indexDefinitions = await dropSecondaryIndexes(pool);
    log(`${indexDefinitions.length} index secondaires retirés pendant le chargement`);

    const reference = referenceDate.toISOString();
    const queue = new JobQueue(parallel);
    let loaded = 0;
    for (let from = 1; from <= exchangeCount; from += batch) {
      const to = Math.min(exchangeCount, from + batch - 1);
      await queue.add(async () => {
        const client = await pool.connect();
        try {
          await loadExchangeBatch(client, from, to, reference);
        } finally {
          client.release();
        }
        loaded += to - from + 1;
        log(`échanges : ${loaded} / ${exchangeCount} (${seconds(phase)})`);
      });
    }
    await queue.drain();
    log(`échanges et liens : ${seconds(phase)}`);

    phase = performance.now();
    const taskParameters: TaskParameters = {
      general: taskCount - TIMELINE_TASKS,
      users: pools.users,
      organizations: pools.organizations,
      timelineN: pools.timelineN,
      pastExchanges: exchangeIndexAt(pastDays, totalDays, exchangeCount),
      recentExchanges: exchangeIndexAt(pastDays - 90, totalDays, exchangeCount),
      referenceDay,
      reference,
    };
    const taskBatch = Math.max(1_000, Math.floor(batch / 2));
    for (let from = 1; from <= taskCount; from += taskBatch) {
      const to = Math.min(taskCount, from + taskBatch - 1);
      await queue.add(async () => {
        const client = await pool.connect();
        try {
          await loadTaskBatch(client, from, to, taskParameters);
        } finally {
          client.release();
        }
      });
    }
    await queue.drain();
    await loadTimelineJournal(pool, timeline.id, TIMELINE_JOURNAL, pools.users, reference);
    log(`tâches et journal : ${seconds(phase)}`);

    phase = performance.now();
    await rebuildIndexes(pool, indexDefinitions, parallel);
    log(`index reconstruits en ${seconds(phase)}`);

    // « Dernière activité » as the service keeps it: the latest past exchange (never moved backwards).
    phase = performance.now();
    await pool.query(
      `update organizations o set last_activity_at = m.at
         from (select organization_id, max(occurred_at) as at from exchange_organizations where occurred_at <= $1 group by organization_id) m
        where m.organization_id = o.id and (o.last_activity_at is null or o.last_activity_at < m.at)`,
      [reference],
    );
    await pool.query(
      `update contacts c set last_activity_at = m.at
         from (select contact_id, max(occurred_at) as at from exchange_contacts where occurred_at <= $1 group by contact_id) m
        where m.contact_id = c.id and (c.last_activity_at is null or c.last_activity_at < m.at)`,
      [reference],
    );
    log(`dernière activité des structures et contacts : ${seconds(phase)}`);

    phase = performance.now();
    await pool.query(`drop schema bench_gen cascade`);
    for (const table of [...ACTIVITY_TABLES, 'organizations', 'contacts', 'audit_log', 'users', 'user_units']) await pool.query(`vacuum (analyze) ${table}`);
    log(`vacuum analyze : ${seconds(phase)}`);

    const { rows } = await pool.query<Record<string, string>>(
      `select (select count(*) from exchanges) as exchanges,
              (select count(*) from exchanges where confidential) as confidential,
              (select count(*) from exchanges where occurred_at > $1::timestamptz) as planned,
              (select count(*) from exchange_organizations) as exchange_organizations,
              (select count(*) from exchange_contacts) as exchange_contacts,
              (select count(*) from exchange_participants) as exchange_participants,
              (select count(*) from exchange_units) as exchange_units,
              (select count(*) from tasks) as tasks,
              (select count(*) from tasks where status = 'a_faire') as open_tasks,
              (select count(*) from tasks where status = 'a_faire' and due_on < $2::date) as overdue_tasks,
              (select count(*) from users) as users,
              (select round(100.0 * count(*) filter (where coalesce(last_activity_at, created_at) < $1::timestamptz - interval '12 months') / count(*), 1)
                 from organizations) as inactive_12_months_pct,
              (select pg_size_pretty(pg_database_size(current_database()))) as database_size`,
      [reference, referenceDay],
    );
    log(`contenu : ${JSON.stringify(rows[0])}`);
    const bench = (
      await pool.query<Record<string, string>>(
        `select (select count(*) from exchange_participants where user_id = $1) as participations,
                (select count(*) from exchange_participants where user_id = $1 and occurred_at > $2::timestamptz and occurred_at <= $2::timestamptz + interval '7 days') as next_7_days,
                (select count(*) from tasks where assignee_id = $1 and status = 'a_faire') as open_tasks,
                (select count(*) from tasks where assignee_id = $1 and status = 'a_faire' and due_on < $3::date) as overdue_tasks`,
        [benchUser.id, reference, referenceDay],
      )
    ).rows[0];
    log(`compte de benchmark : ${JSON.stringify(bench)}`);
    const entries = (
      await pool.query<Record<string, string>>(
        `select (select count(*) from exchange_organizations where organization_id = $1) as exchanges,
                (select count(*) from tasks where organization_id = $1) as tasks,
                (select count(*) from audit_log where entity_type = 'organization' and entity_id = $1::text) as journal`,
        [timeline.id],
      )
    ).rows[0];
    log(`structure à l’historique chargé : « ${timeline.name} » ${timeline.id} ${JSON.stringify(entries)} (tâche 'bench-activity:timeline:task:1')`);
    log(`total : ${seconds(started)}`);
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
