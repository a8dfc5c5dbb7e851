// Generates issue 14's benchmark scale in a database of its own (default passerelle_bench_sourcing,
// dropped and created again by this script; its name must contain « bench »):
//   - the bench account (chargé, DDPSI; bench/bench-env.ts BENCH_USER), 32 chargés and 8 managers
//     spread over the units (no password);
//   - 2,500 start-ups (organisations of kind 'startup', each in one unit);
//   - 20 challenges (« en sourcing »), one or two units each, an owner and a sponsor;
//   - 5,000 cases, 250 per challenge (one start-up at most once per challenge), sources in
//     proportions, owners of the challenge's unit, started over the last two years, with their
//     full stage history (sourcing_case_stages): repérée 100 %, then each further stage with a
//     falling probability (qualifiée 65 %, rencontrée 60 %, évaluée 55 %, a committee's go 50 %
//     — two thirds to expérimentation, a third straight to contractualisation —, contractualisation
//     after a pilot 45 %, déployée 50 %), stays of 3–60 days, stopped at today; a case that stops
//     short of the end leaves for « abandonnée » (15 %) or « en veille » (5 %) or stays where it is;
//   - gates: a decided « go » for every committee passage, an open one for one case in five
//     waiting in « évaluée »; pilots for every case that entered expérimentation (decided
//     « déployer » when the case went on to contractualisation, « arrêter » when it was abandoned,
//     otherwise running: past its end date without decision for those started long ago);
//   - a meeting exchange (rendez-vous, visio, salon or visite) with the start-up and the case's
//     unit for every case that reached « rencontrée » (the funnel's « start-ups rencontrées »).
// Deterministic for a given --seed and --reference-date (ids aside). Then VACUUM ANALYZE.
//
//   npx tsx bench/generate-sourcing.ts [--cases=5000] [--challenges=20] [--startups=2500]
//        [--seed=20260101] [--reference-date=YYYY-MM-DD]
//   DATABASE_URL (default postgres://postgres@127.0.0.1:5432/passerelle_bench_sourcing)
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { hashPassword } from '../src/lib/passwords';
import { openDatabase } from '../src/models/database';
import { insertUser } from '../src/models/users.model';
import type { CaseSource, CaseStage } from '../src/models/schema';
import { DEFAULT_CRITERIA } from '../src/workflows/sourcing-scorecard';
import { argValue, BENCH_USER, databaseName, recreateBenchDatabase } from './bench-env';

export const DEFAULT_SOURCING_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/passerelle_bench_sourcing';
const DAY = 86_400_000;

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

/** mulberry32: a small seeded generator (same data for the same --seed). */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

async function insertJson(pool: Pool, table: string, columns: readonly string[], rows: readonly object[]): Promise<void> {
  const list = columns.map((column) => `"${column}"`).join(', ');
  for (let start = 0; start < rows.length; start += 2_000) {
    const chunk = rows.slice(start, start + 2_000);
    await pool.query(`insert into ${table} (${list}) select ${list} from json_populate_recordset(null::${table}, $1::json)`, [JSON.stringify(chunk)]);
  }
}

const SOURCES: Array<[CaseSource, number]> = [
  ['salon', 0.25],
  ['concours_ilab', 0.1],
  ['incubateur', 0.2],
  ['candidature_spontanee', 0.15],
  ['recommandation', 0.15],
  ['veille', 0.15],
];
const MEETINGS = ['rendez_vous', 'visio', 'salon', 'visite'] as const;
const CHALLENGE_TITLES = [
  'Évaluation des compétences à distance',
  'Accessibilité des contenus pour les élèves à besoins particuliers',
  'IA d’accompagnement des apprenants',
  'Remédiation en mathématiques',
  'Orientation des lycéens',
  'Parcours hybrides pour adultes',
  'Simulation professionnelle en réalité virtuelle',
  'Tutorat entre pairs',
  'Lutte contre le décrochage',
  'Badges et certifications ouvertes',
];

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL?.trim() || DEFAULT_SOURCING_DATABASE_URL;
  const seed = Number(argValue('seed') ?? 20260101);
  const caseCount = Number(argValue('cases') ?? 5_000);
  const challengeCount = Number(argValue('challenges') ?? 20);
  const startupCount = Number(argValue('startups') ?? 2_500);
  const referenceDay = argValue('reference-date') ?? new Date().toISOString().slice(0, 10);
  const now = new Date(`${referenceDay}T12:00:00Z`).getTime();
  if (caseCount / challengeCount > startupCount) throw new Error('--startups doit être au moins --cases / --challenges (une start-up par défi au plus)');
  const random = generator(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const started = performance.now();
  log(`base ${databaseName(url)} (recréée), graine ${seed}, ${caseCount} pistes, ${challengeCount} défis, ${startupCount} start-ups, date de référence ${referenceDay}`);

  await recreateBenchDatabase(url);
  const handle = await openDatabase({ driver: 'pg', url, poolSize: 2 });
  const pool = new Pool({ connectionString: url, max: 2 });
  try {
    await handle.migrate();
    const units = (await pool.query<{ id: string; code: string }>(`select id, code from units order by code`)).rows;
    const ddpsi = units.find((unit) => unit.code === 'DDPSI') ?? units[0];
    if (!ddpsi) throw new Error('aucune unité après les migrations');

    // ── people ──
    const bench = await insertUser(handle.db, { email: BENCH_USER.email, displayName: BENCH_USER.displayName, roles: ['charge'], passwordHash: await hashPassword(BENCH_USER.password), passwordChangedAt: new Date() });
    const people: Array<{ id: string; email: string; display_name: string; roles: string[]; unitId: string }> = [];
    for (let index = 0; index < 40; index += 1) {
      const unit = units[index % units.length] as { id: string };
      people.push({ id: randomUUID(), email: `sourcing-${String(index + 1).padStart(2, '0')}@passerelle.test`, display_name: `Compte sourcing ${index + 1}`, roles: [index < 8 ? 'manager' : 'charge'], unitId: unit.id });
    }
    await insertJson(pool, 'users', ['id', 'email', 'display_name', 'roles'], people);
    await insertJson(pool, 'user_units', ['user_id', 'unit_id'], [{ user_id: bench.id, unit_id: ddpsi.id }, ...people.map((person) => ({ user_id: person.id, unit_id: person.unitId }))]);
    const chargesOf = (unitId: string) => {
      const own = people.filter((person) => person.unitId === unitId && person.roles[0] === 'charge').map((person) => person.id);
      return unitId === ddpsi.id ? [bench.id, ...own] : own;
    };
    const managerOf = (unitId: string) => people.find((person) => person.unitId === unitId && person.roles[0] === 'manager')?.id ?? null;

    // ── start-ups ──
    const startups = Array.from({ length: startupCount }, (_, index) => ({
      id: randomUUID(),
      name: `Start-up EdTech ${String(index + 1).padStart(4, '0')}`,
      kind_code: 'startup',
      source_ref: `bench-sourcing:org:${index + 1}`,
      unitId: (units[index % units.length] as { id: string }).id,
    }));
    await insertJson(pool, 'organizations', ['id', 'name', 'kind_code', 'source_ref'], startups);
    await insertJson(pool, 'organization_units', ['organization_id', 'unit_id'], startups.map((startup) => ({ organization_id: startup.id, unit_id: startup.unitId })));

    // ── challenges ──
    const challenges = Array.from({ length: challengeCount }, (_, index) => {
      const unit = units[index % units.length] as { id: string };
      const second = index % 3 === 0 ? (units[(index + 3) % units.length] as { id: string }) : null;
      return {
        id: randomUUID(),
        title: `${CHALLENGE_TITLES[index % CHALLENGE_TITLES.length]}${index >= CHALLENGE_TITLES.length ? ` (${Math.floor(index / CHALLENGE_TITLES.length) + 1})` : ''}`,
        problem_statement: 'Besoin exprimé par l’unité (données de benchmark).',
        criteria: DEFAULT_CRITERIA,
        status: 'en_sourcing',
        owner_id: pick(chargesOf(unit.id)),
        sponsor_id: managerOf(unit.id),
        created_at: new Date(now - 760 * DAY).toISOString(),
        unitIds: second ? [unit.id, second.id] : [unit.id],
      };
    });
    await insertJson(pool, 'sourcing_challenges', ['id', 'title', 'problem_statement', 'criteria', 'status', 'owner_id', 'sponsor_id', 'created_at'], challenges);
    await insertJson(pool, 'sourcing_challenge_units', ['challenge_id', 'unit_id', 'position'], challenges.flatMap((challenge) => challenge.unitIds.map((unitId, position) => ({ challenge_id: challenge.id, unit_id: unitId, position }))));

    // ── cases and their history ──
    const cases: object[] = [];
    const stages: object[] = [];
    const gates: object[] = [];
    const pilots: object[] = [];
    const exchanges: object[] = [];
    const exchangeOrganizations: object[] = [];
    const exchangeUnits: object[] = [];
    const stay = () => (3 + Math.floor(random() * 58)) * DAY;
    for (let index = 0; index < caseCount; index += 1) {
      const challenge = challenges[index % challengeCount] as (typeof challenges)[number];
      const startup = startups[(Math.floor(index / challengeCount) + (index % challengeCount) * 37) % startupCount] as (typeof startups)[number];
      const unitId = challenge.unitIds[0] as string;
      const owner = pick(chargesOf(unitId));
      const sponsor = challenge.sponsor_id;
      let draw = random();
      const source = (SOURCES.find(([, share]) => (draw -= share) < 0) ?? SOURCES[0])?.[0] as CaseSource;
      const caseId = randomUUID();
      // The path: repérée, then each further stage with its probability.
      const path: CaseStage[] = ['reperee'];
      const go = (probability: number) => random() < probability;
      if (go(0.65)) path.push('qualifiee');
      if (path.length === 2 && go(0.6)) path.push('rencontree');
      if (path.length === 3 && go(0.55)) path.push('evaluee');
      if (path.length === 4 && go(0.5)) path.push(go(0.67) ? 'experimentation' : 'contractualisation');
      if (path.at(-1) === 'experimentation' && go(0.45)) path.push('contractualisation');
      if (path.at(-1) === 'contractualisation' && go(0.5)) path.push('deployee');
      if (path.at(-1) !== 'deployee') {
        const exit = random();
        if (exit < 0.15) path.push('abandonnee');
        else if (exit < 0.2) path.push('en_veille');
      }
      // Dates: started over the last two years, each stay 3–60 days, stopped at today.
      let at = now - Math.floor(random() * 730 * DAY);
      const entered: Array<{ stage: CaseStage; at: number }> = [];
      for (const stage of path) {
        if (at > now) break;
        entered.push({ stage, at });
        at += stay();
      }
      entered.forEach((entry, position) => {
        const next = entered[position + 1];
        stages.push({
          case_id: caseId,
          stage: entry.stage,
          from_stage: position > 0 ? (entered[position - 1] as { stage: CaseStage }).stage : null,
          entered_at: new Date(entry.at).toISOString(),
          left_at: next ? new Date(next.at).toISOString() : null,
          moved_by: entry.stage === 'experimentation' || (entry.stage === 'contractualisation' && position > 0) ? 'gate' : position === 0 ? 'import' : 'person',
          moved_by_id: owner,
          reason: entry.stage === 'abandonnee' || entry.stage === 'en_veille' ? 'Pas de réponse au besoin à ce stade' : null,
        });
      });
      const last = entered.at(-1) as { stage: CaseStage; at: number };
      cases.push({
        id: caseId,
        challenge_id: challenge.id,
        organization_id: startup.id,
        unit_id: unitId,
        owner_id: owner,
        source,
        stage: last.stage,
        stage_entered_at: new Date(last.at).toISOString(),
        stage_reason: last.stage === 'abandonnee' || last.stage === 'en_veille' ? 'Pas de réponse au besoin à ce stade' : null,
        tags: random() < 0.3 ? ['prioritaire'] : [],
        estimated_budget_cents: Math.round(5_000 + random() * 95_000) * 100,
        next_step: random() < 0.5 ? 'Relancer la start-up' : null,
        next_step_on: random() < 0.5 ? new Date(now + Math.floor((random() - 0.3) * 30) * DAY).toISOString().slice(0, 10) : null,
        source_ref: `bench-sourcing:case:${index + 1}`,
        created_at: new Date((entered[0] as { at: number }).at).toISOString(),
        updated_at: new Date(last.at).toISOString(),
      });
      const has = (stage: CaseStage) => entered.find((entry) => entry.stage === stage);
      // A meeting with the start-up when it reached « rencontrée ».
      const met = has('rencontree');
      if (met) {
        const exchangeId = randomUUID();
        const occurredAt = new Date(met.at).toISOString();
        exchanges.push({ id: exchangeId, kind: pick(MEETINGS), occurred_at: occurredAt, summary: `Rencontre avec ${startup.name}`, author_id: owner, created_at: occurredAt, updated_at: occurredAt });
        exchangeOrganizations.push({ exchange_id: exchangeId, organization_id: startup.id, occurred_at: occurredAt });
        exchangeUnits.push({ exchange_id: exchangeId, unit_id: unitId, occurred_at: occurredAt });
      }
      // Committee passages: a decided « go » per gated entry; an open gate for some cases waiting in « évaluée ».
      const evaluators = chargesOf(unitId).slice(0, 2);
      const evaluee = has('evaluee');
      for (const target of ['experimentation', 'contractualisation'] as const) {
        const entry = has(target);
        if (!entry) continue;
        const from = target === 'contractualisation' && has('experimentation') ? 'experimentation' : 'evaluee';
        gates.push({ case_id: caseId, target_stage: target, from_stage: from, status: 'go', evaluator_ids: evaluators, sponsor_id: sponsor, criteria: DEFAULT_CRITERIA, rationale: 'Go du comité', decided_by_id: sponsor, decided_at: new Date(entry.at).toISOString(), weighted_mean_x100: 350 + Math.floor(random() * 120), started_by_id: owner, created_at: new Date(entry.at - 10 * DAY).toISOString() });
      }
      if (last.stage === 'evaluee' && evaluee && random() < 0.2) {
        gates.push({ case_id: caseId, target_stage: 'experimentation', from_stage: 'evaluee', status: 'en_cours', evaluator_ids: evaluators, sponsor_id: sponsor, criteria: DEFAULT_CRITERIA, started_by_id: owner, created_at: new Date(Math.min(now, evaluee.at + 5 * DAY)).toISOString() });
      }
      // The pilot of a case that entered expérimentation.
      const experimentation = has('experimentation');
      if (experimentation) {
        const next = entered[entered.indexOf(experimentation) + 1];
        const startsOn = new Date(experimentation.at + 7 * DAY).toISOString().slice(0, 10);
        const endsOn = new Date(experimentation.at + 97 * DAY).toISOString().slice(0, 10);
        const decision = next?.stage === 'contractualisation' ? 'deployer' : next?.stage === 'abandonnee' ? 'arreter' : null;
        pilots.push({ case_id: caseId, iteration: 1, status: decision ? 'clos' : 'en_cours', starts_on: startsOn, ends_on: endsOn, original_ends_on: endsOn, decision_owner_id: sponsor, unit_ids: [unitId], learners_count: 20 + Math.floor(random() * 200), budget_cents: 1_000_000, decision, decision_rationale: decision ? 'Décision de fin d’expérimentation' : null, decided_by_id: decision ? sponsor : null, decided_at: decision && next ? new Date(next.at).toISOString() : null, created_at: new Date(experimentation.at).toISOString() });
      }
    }
    let phase = performance.now();
    await insertJson(pool, 'sourcing_cases', ['id', 'challenge_id', 'organization_id', 'unit_id', 'owner_id', 'source', 'stage', 'stage_entered_at', 'stage_reason', 'tags', 'estimated_budget_cents', 'next_step', 'next_step_on', 'source_ref', 'created_at', 'updated_at'], cases);
    await insertJson(pool, 'sourcing_case_stages', ['case_id', 'stage', 'from_stage', 'entered_at', 'left_at', 'moved_by', 'moved_by_id', 'reason'], stages);
    await insertJson(pool, 'sourcing_gates', ['case_id', 'target_stage', 'from_stage', 'status', 'evaluator_ids', 'sponsor_id', 'criteria', 'rationale', 'decided_by_id', 'decided_at', 'weighted_mean_x100', 'started_by_id', 'created_at'], gates);
    await insertJson(pool, 'sourcing_pilots', ['case_id', 'iteration', 'status', 'starts_on', 'ends_on', 'original_ends_on', 'decision_owner_id', 'unit_ids', 'learners_count', 'budget_cents', 'decision', 'decision_rationale', 'decided_by_id', 'decided_at', 'created_at'], pilots);
    await insertJson(pool, 'exchanges', ['id', 'kind', 'occurred_at', 'summary', 'author_id', 'created_at', 'updated_at'], exchanges);
    await insertJson(pool, 'exchange_organizations', ['exchange_id', 'organization_id', 'occurred_at'], exchangeOrganizations);
    await insertJson(pool, 'exchange_units', ['exchange_id', 'unit_id', 'occurred_at'], exchangeUnits);
    log(`${cases.length} pistes, ${stages.length} lignes d’historique, ${gates.length} comités, ${pilots.length} expérimentations, ${exchanges.length} rencontres (${((performance.now() - phase) / 1000).toFixed(1)} s)`);
    phase = performance.now();
    await pool.query('vacuum (analyze)');
    log(`vacuum analyze (${((performance.now() - phase) / 1000).toFixed(1)} s)`);
    const byStage = await pool.query<{ stage: string; count: string }>(`select stage, count(*) from sourcing_cases group by stage order by count(*) desc`);
    log(`pistes par étape : ${byStage.rows.map((row) => `${row.stage} ${row.count}`).join(', ')}`);
    log(`terminé en ${((performance.now() - started) / 1000).toFixed(1)} s ; compte de benchmark : ${BENCH_USER.email} / ${BENCH_USER.password}`);
  } finally {
    await pool.end();
    await handle.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
