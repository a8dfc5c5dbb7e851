// Generates issue 13's reminder scale on top of the activity benchmark (bench/generate-activity.ts:
// 50,000 organisations, 250,000 contacts, 1,000,000 exchanges, 100,000 tasks, ~200 users):
//   - users topped up to 500 (`rappels-NNN@passerelle.test`, no password), each in one unit,
//     one in ten a manager;
//   - 20,000 conventions in force (85 % en vigueur, 15 % signées) whose end dates are spread over
//     the coming year, 70 % with a notice period (1, 2, 3 or 6 months) and so a notice deadline,
//     each with one or two partner organisations, an owner and the owner's unit;
//   - one organisation in ten « partenaire suivi » (followed_partner);
//   - 2,000 events over the last year and the next three months (5 % cancelled), each with 1–3
//     organisations (attended, for past ones, two times in three), 1–3 internal participants and
//     0–4 invited contacts of those organisations with their answers.
// Every row carries source_ref 'bench-reminders:…' (events, conventions) or a generated e-mail
// (users); --reset removes them first. Deterministic for a given --seed and --reference-date
// (every random choice is PostgreSQL's hashint8extended of the row number and a salt).
//
//   npx tsx bench/generate-reminders.ts [--conventions=20000] [--users=500] [--events=2000]
//        [--seed=20260101] [--reference-date=YYYY-MM-DD] [--reset]
//   DATABASE_URL (default postgres://postgres@127.0.0.1:5432/passerelle_bench)
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { openDatabase } from '../src/models/database';
import { argValue, benchDatabaseUrl, databaseName, hasFlag } from './bench-env';

const SOURCE = 'bench-reminders';

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

async function count(pool: Pool, text: string, values: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<{ count: string }>(text, values);
  return Number(rows[0]?.count ?? 0);
}

async function main(): Promise<void> {
  const { url } = benchDatabaseUrl();
  const seed = Number(argValue('seed') ?? 20260101);
  const conventionCount = Number(argValue('conventions') ?? 20_000);
  const userTotal = Number(argValue('users') ?? 500);
  const eventCount = Number(argValue('events') ?? 2_000);
  const referenceDay = argValue('reference-date') ?? new Date().toISOString().slice(0, 10);
  const started = performance.now();
  log(`base ${databaseName(url)}, seed ${seed}, ${conventionCount} conventions, ${userTotal} comptes, ${eventCount} événements, date de référence ${referenceDay}`);

  // The activity data was generated with the migrations of its day: bring the schema up to date.
  const handle = await openDatabase({ driver: 'pg', url, poolSize: 1 });
  try {
    await handle.migrate();
  } finally {
    await handle.close();
  }

  const pool = new Pool({ connectionString: url, max: 2 });
  try {
    if ((await count(pool, `select count(*) from organizations`)) === 0) {
      throw new Error('pas d’annuaire ni d’activité : lancez d’abord npx tsx bench/generate-activity.ts');
    }
    const previous = await count(pool, `select count(*) from conventions where source_ref like '${SOURCE}:%'`);
    if (previous > 0 && !hasFlag('reset')) {
      throw new Error(`La base contient déjà ${previous} conventions de ce générateur : relancez avec --reset pour les remplacer.`);
    }
    let phase = performance.now();
    if (previous > 0 || hasFlag('reset')) {
      await pool.query(`delete from reminder_occurrences`);
      await pool.query(`delete from events where source_ref like '${SOURCE}:%'`);
      await pool.query(`delete from conventions where source_ref like '${SOURCE}:%'`);
      await pool.query(`update organizations set followed_partner = false where followed_partner`);
      log(`génération précédente effacée (${seconds(phase)})`);
    }

    await pool.query(`drop schema if exists bench_rem cascade`);
    await pool.query(`create schema bench_rem`);
    await pool.query(`
      create function bench_rem.r(i bigint, salt int) returns float8 language sql immutable parallel safe as
      $$ select (hashint8extended(i, ${seed}::bigint * 1000 + 500 + salt) & 4294967295)::float8 / 4294967296.0 $$`);

    // ── users: topped up to --users, each in a unit (the smallest units first), one in ten a manager ──
    phase = performance.now();
    const existingUsers = await count(pool, `select count(*) from users`);
    const toAdd = Math.max(0, userTotal - existingUsers);
    await pool.query(
      `insert into users (email, display_name, roles, created_at, updated_at)
       select format('rappels-%s@passerelle.test', lpad(g::text, 3, '0')), format('Compte rappels %s', g),
              case when g % 10 = 0 then array['manager'] else array['charge'] end, now(), now()
         from generate_series(1, $1::int) g
       on conflict (email) do nothing`,
      [toAdd],
    );
    await pool.query(`
      insert into user_units (user_id, unit_id)
      select u.id, un.id
        from (select id, row_number() over (order by email) as n from users
               where email like 'rappels-%@passerelle.test'
                 and not exists (select 1 from user_units uu where uu.user_id = users.id)) u
        join (select id, row_number() over (order by code) - 1 as n, count(*) over () as total from units) un on un.n = u.n % un.total
      on conflict do nothing`);
    log(`${toAdd} comptes ajoutés ; ${await count(pool, `select count(*) from users`)} comptes (${seconds(phase)})`);

    // Pools: owners (chargés and managers with a unit), partner organisations (not archived).
    await pool.query(`
      create table bench_rem.owners as
      select row_number() over (order by u.email)::int as n, u.id, (select uu.unit_id from user_units uu where uu.user_id = u.id order by uu.unit_id limit 1) as unit_id
        from users u
       where u.active and u.roles && array['charge', 'manager'] and exists (select 1 from user_units uu where uu.user_id = u.id)`);
    await pool.query(`alter table bench_rem.owners add primary key (n)`);
    await pool.query(`
      create table bench_rem.orgs as
      select row_number() over (order by o.id)::int as n, o.id
        from organizations o where o.archived_at is null and o.merged_into_id is null`);
    await pool.query(`alter table bench_rem.orgs add primary key (n)`);
    const owners = await count(pool, `select count(*) from bench_rem.owners`);
    const orgs = await count(pool, `select count(*) from bench_rem.orgs`);

    // ── conventions in force, deadlines over the coming year ──
    phase = performance.now();
    await pool.query(
      `insert into conventions (reference, title, kind, status, owner_id, unit_id, signed_on, starts_on, ends_on, notice_months, tacit_renewal,
                                notice_deadline, source_ref, created_by_id, updated_by_id, created_at, updated_at)
       select format('BENCH-%s', lpad(g::text, 6, '0')),
              format('Convention de partenariat n° %s', g),
              (array['partenariat', 'accord', 'cadre', 'co_construction', 'stage_alternance', 'mecenat'])[1 + floor(bench_rem.r(g, 1) * 6)::int],
              case when bench_rem.r(g, 2) < 0.85 then 'en_vigueur' else 'signee' end,
              o.id, o.unit_id,
              d.ends_on - 3 * 365, d.ends_on - 3 * 365, d.ends_on,
              m.months, m.months is not null and bench_rem.r(g, 5) < 0.5,
              case when m.months is not null then (d.ends_on - make_interval(months => m.months))::date end,
              format('${SOURCE}:conv:%s', g), o.id, o.id,
              $2::date - 30, $2::date - 30
         from generate_series(1, $1::int) g
         cross join lateral (select $2::date + 1 + floor(bench_rem.r(g, 3) * 365)::int as ends_on) d
         cross join lateral (select case when bench_rem.r(g, 4) < 0.7 then (array[1, 2, 3, 6])[1 + floor(bench_rem.r(g, 6) * 4)::int] end as months) m
         join bench_rem.owners o on o.n = 1 + floor(bench_rem.r(g, 7) * $3::int)::int`,
      [conventionCount, referenceDay, owners],
    );
    await pool.query(
      `insert into convention_parties (convention_id, organization_id, role, position)
       select c.id, og.id, 'Partenaire', p.position
         from (select id, substring(source_ref from '[0-9]+$')::bigint as g from conventions where source_ref like '${SOURCE}:conv:%') c
         cross join lateral (select 0 as position, 1 + floor(bench_rem.r(c.g, 8) * $1::int)::int as n
                             union all
                             select 1, 1 + floor(bench_rem.r(c.g, 9) * $1::int)::int where bench_rem.r(c.g, 10) < 0.3) p
         join bench_rem.orgs og on og.n = p.n
       on conflict do nothing`,
      [orgs],
    );
    log(`${conventionCount} conventions et ${await count(pool, `select count(*) from convention_parties p join conventions c on c.id = p.convention_id where c.source_ref like '${SOURCE}:%'`)} parties (${seconds(phase)})`);

    // ── followed partners ──
    phase = performance.now();
    await pool.query(`update organizations o set followed_partner = true from bench_rem.orgs og where og.id = o.id and bench_rem.r(og.n, 11) < 0.1`);
    log(`${await count(pool, `select count(*) from organizations where followed_partner`)} partenaires suivis (${seconds(phase)})`);

    // ── events, their organisations, participants and invitations ──
    phase = performance.now();
    await pool.query(
      `insert into events (kind, title, starts_at, ends_at, place, unit_id, owner_id, status, cancelled_at, cancel_reason, source_ref, created_by_id, updated_by_id, created_at, updated_at)
       select (array['conference_metier', 'rencontre_partenaires', 'job_dating', 'master_class', 'webinaire', 'conseil_perfectionnement', 'comite_pilotage', 'visite_site', 'salon'])[1 + floor(bench_rem.r(g, 20) * 9)::int],
              format('Événement partenaires n° %s', g),
              s.starts_at, s.starts_at + interval '2 hours', 'Siège, salle Condorcet', o.unit_id, o.id,
              case when c.cancelled then 'annule' else 'planifie' end,
              case when c.cancelled then s.starts_at - interval '7 days' end,
              case when c.cancelled then 'Annulé faute de salle' end,
              format('${SOURCE}:event:%s', g), o.id, o.id, s.starts_at - interval '30 days', s.starts_at - interval '30 days'
         from generate_series(1, $1::int) g
         cross join lateral (select ((($2::date - 365 + floor(bench_rem.r(g, 21) * 455)::int) + make_time(9 + floor(bench_rem.r(g, 22) * 8)::int, 0, 0)) at time zone 'Europe/Paris') as starts_at) s
         cross join lateral (select bench_rem.r(g, 23) < 0.05 as cancelled) c
         join bench_rem.owners o on o.n = 1 + floor(bench_rem.r(g, 24) * $3::int)::int`,
      [eventCount, referenceDay, owners],
    );
    await pool.query(`
      create table bench_rem.events as
      select id, starts_at, substring(source_ref from '[0-9]+$')::bigint as g from events where source_ref like '${SOURCE}:event:%'`);
    await pool.query(
      `insert into event_organizations (event_id, organization_id, starts_at, concerned, attended)
       select e.id, og.id, e.starts_at, true, e.starts_at < $2::timestamptz and bench_rem.r(e.g * 10 + k, 26) < 0.67
         from bench_rem.events e
         cross join lateral generate_series(1, 1 + floor(bench_rem.r(e.g, 25) * 3)::int) k
         join bench_rem.orgs og on og.n = 1 + floor(bench_rem.r(e.g * 10 + k, 27) * $1::int)::int
       on conflict do nothing`,
      [orgs, `${referenceDay}T12:00:00Z`],
    );
    await pool.query(
      `insert into event_participants (event_id, user_id, starts_at)
       select e.id, o.id, e.starts_at
         from bench_rem.events e
         cross join lateral generate_series(1, 1 + floor(bench_rem.r(e.g, 28) * 3)::int) k
         join bench_rem.owners o on o.n = 1 + floor(bench_rem.r(e.g * 10 + k, 29) * $1::int)::int
       on conflict do nothing`,
      [owners],
    );
    await pool.query(`
      insert into event_invitations (event_id, contact_id, organization_id, response, responded_at, sent_sequence, sent_at)
      select e.id, a.contact_id, eo.organization_id,
             r.response, case when r.response <> 'en_attente' then e.starts_at - interval '10 days' end,
             0, e.starts_at - interval '20 days'
        from bench_rem.events e
        join event_organizations eo on eo.event_id = e.id
        cross join lateral (
          select af.contact_id from affiliations af
           where af.organization_id = eo.organization_id and af.end_date is null
           order by af.contact_id limit 1 + floor(bench_rem.r(e.g, 30) * 2)::int
        ) a
        cross join lateral (select case when bench_rem.r(hashtext(a.contact_id::text), 31) < 0.55 then 'accepte'
                                        when bench_rem.r(hashtext(a.contact_id::text), 31) < 0.75 then 'decline'
                                        when bench_rem.r(hashtext(a.contact_id::text), 31) < 0.85 then 'peut_etre'
                                        else 'en_attente' end as response) r
      on conflict do nothing`);
    log(
      `${eventCount} événements, ${await count(pool, `select count(*) from event_organizations eo join bench_rem.events e on e.id = eo.event_id`)} structures, ` +
        `${await count(pool, `select count(*) from event_participants p join bench_rem.events e on e.id = p.event_id`)} participants, ` +
        `${await count(pool, `select count(*) from event_invitations i join bench_rem.events e on e.id = i.event_id`)} invitations (${seconds(phase)})`,
    );

    phase = performance.now();
    await pool.query(`drop schema bench_rem cascade`);
    for (const table of ['users', 'user_units', 'conventions', 'convention_parties', 'organizations', 'events', 'event_organizations', 'event_participants', 'event_invitations']) {
      await pool.query(`vacuum (analyze) ${table}`);
    }
    log(`vacuum analyze : ${seconds(phase)}`);
    const { rows } = await pool.query<Record<string, string>>(
      `select (select count(*) from conventions where status in ('signee', 'en_vigueur')) as conventions_in_force,
              (select count(*) from conventions where ends_on between $1::date and $1::date + 365) as ending_within_a_year,
              (select count(*) from conventions where notice_deadline between $1::date and $1::date + 365) as notice_within_a_year,
              (select count(*) from organizations) as organizations,
              (select count(*) from organizations where followed_partner) as followed_partners,
              (select count(*) from exchanges) as exchanges,
              (select count(*) from tasks) as tasks,
              (select count(*) from users) as users,
              (select count(*) from events) as events,
              (select pg_size_pretty(pg_database_size(current_database()))) as database_size`,
      [referenceDay],
    );
    log(`contenu : ${JSON.stringify(rows[0])}`);
    log(`total : ${seconds(started)}`);
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
