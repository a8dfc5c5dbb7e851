// Sourcing benchmark (issue 14) over bench/generate-sourcing.ts's data (5,000 cases over 20
// challenges with their stage history over two years), at 1 connection, each target against the
// raw SQL of the same request measured in the same run (the house pattern of
// bench/run-activity.ts):
//   kanban   GET /sourcing                                   (all challenges, default filters)
//   move     POST /sourcing/pistes/<id>/deplacer (htmx)       back and forth between « qualifiée » and « rencontrée »
//   funnel   GET /sourcing/statistiques                       (default period: the last two years)
// The raw SQL of a request is what it sent to PostgreSQL, captured from a traced copy of the app
// (bench/targets/passerelle-app-traced.ts), minus the session store's statements; it is replayed
// through `pg` (statements sent together in parallel again, a transaction on one connection).
// For the move, both directions are captured and replayed alternately, as the app is driven.
// Objectives (issue 14): kanban and move p95 ≤ 2 × raw SQL p95 + 5 ms; funnel p95 ≤ 200 ms.
// Closed loop, one connection; medians over the rounds; raw results in bench/results/.
//
//   npx tsx bench/generate-sourcing.ts        (once)
//   npx tsx bench/run-sourcing.ts [--duration=10] [--rounds=3] [--warmup=2] [--targets=kanban,move,funnel]
//   DATABASE_URL (default postgres://postgres@127.0.0.1:5432/passerelle_bench_sourcing), REDIS_URL (default redis://127.0.0.1:6379/13)
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { argValue, BENCH_USER, DEFAULT_REDIS_URL } from './bench-env';
import type { ReadyMessage } from './targets/child-process';
import { type Child, type Wave, ask, decodeHtml, mergeCookies, percentile, replayUnit, stopChild, wavesOf } from './traced-replay';
import type { TracedStatement } from './targets/passerelle-app-traced';

const projectRoot = path.resolve(__dirname, '..');
const DEFAULT_SOURCING_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/passerelle_bench_sourcing';
const DURATION_SECONDS = Number(argValue('duration') ?? 10);
const ROUNDS = Number(argValue('rounds') ?? 3);
const WARMUP_SECONDS = Number(argValue('warmup') ?? 2);
const POOL_SIZE = Number(process.env.DATABASE_POOL_SIZE ?? 10);
/** A Redis database of its own, so the bench never touches other queues on the shared server. */
const REDIS_URL = process.env.REDIS_URL ?? `${DEFAULT_REDIS_URL}/13`;
const LATENCY_FACTOR = 2;
const LATENCY_ALLOWANCE_MS = 5;
const FUNNEL_LIMIT_MS = 200;
const MOVE_STAGES = ['qualifiee', 'rencontree'] as const;

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

// ── Child processes (as bench/run-activity.ts) ─────────────────────────────────────────────


function startChild(file: string, env: Record<string, string>): Promise<Child> {
  const child = fork(path.join(__dirname, file), [], { cwd: projectRoot, execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file}: not ready after 60 s\n${output.join('')}`)), 60_000);
    const onMessage = (message: ReadyMessage) => {
      if (message?.type !== 'ready') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve({ url: message.url, process: child, output });
    };
    child.on('message', onMessage);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with code ${code}\n${output.join('')}`));
    });
  });
}


function appEnvironment(databaseUrl: string, dataDir: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    PORT: '0',
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    SESSION_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    MIGRATE_ON_START: 'false',
    DATA_DIR: dataDir,
    DATABASE_POOL_SIZE: String(POOL_SIZE),
  };
}

// ── A signed-in person ──────────────────────────────────────────────────────────────────────



const cookieHeader = (jar: Map<string, string>) => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');

interface Session {
  cookie: string;
  csrf: string;
}

/** GET /login for the CSRF token and session cookie, POST the form, then the token of the signed-in session. */
async function signIn(baseUrl: string): Promise<Session> {
  const jar = new Map<string, string>();
  const page = await fetch(`${baseUrl}/login`);
  mergeCookies(jar, page);
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!token) throw new Error('no CSRF token on /login');
  const response = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) },
    body: new URLSearchParams({ _csrf: decodeHtml(token), next: '/', email: BENCH_USER.email, password: BENCH_USER.password }),
  });
  mergeCookies(jar, response);
  if (response.status !== 303) throw new Error(`POST /login answered ${response.status} (bench account missing? run bench/generate-sourcing.ts)`);
  const home = await fetch(`${baseUrl}/sourcing/statistiques`, { headers: { cookie: cookieHeader(jar) } });
  mergeCookies(jar, home);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await home.text())?.[1] ?? /name="csrf-token" content="([^"]+)"/.exec(await home.text())?.[1];
  return { cookie: cookieHeader(jar), csrf: decodeHtml(csrf ?? token) };
}

// ── Requests ───────────────────────────────────────────────────────────────────────────────

interface Target {
  key: 'kanban' | 'move' | 'funnel';
  name: string;
  /** The request of loop iteration `n` (the move alternates its direction). */
  request: (n: number) => { method: 'GET' | 'POST'; path: string; body?: string; headers?: Record<string, string> };
}

function send(agent: http.Agent, baseUrl: string, session: Session, spec: ReturnType<Target['request']>): Promise<{ status: number; bytes: number }> {
  const url = new URL(spec.path, baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { cookie: session.cookie, ...(spec.headers ?? {}) };
    if (spec.body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(spec.body));
    }
    const request = http.request({ agent, hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: spec.method, headers }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, bytes }));
      response.on('error', reject);
    });
    request.setTimeout(120_000, () => request.destroy(new Error('no answer after 120 s')));
    request.on('error', reject);
    if (spec.body !== undefined) request.write(spec.body);
    request.end();
  });
}

const succeeded = (status: number) => status >= 200 && status < 400;

// ── Capture and replay (as bench/run-activity.ts) ──────────────────────────────────────────



const isSessionStatement = (statement: TracedStatement) => /\b"?sessions"?\b/i.test(statement.text);

async function captureRequest(child: Child, session: Session, spec: ReturnType<Target['request']>): Promise<{ status: number; statements: TracedStatement[]; excluded: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await ask(child, { type: 'capture', on: true }, 'capture-on');
    const { status } = await send(agent, child.url, session, spec);
    const reply = await ask(child, { type: 'capture', on: false }, 'captured');
    const all = reply.type === 'captured' ? reply.statements : [];
    return { status, statements: all.filter((statement) => !isSessionStatement(statement) && !statement.failed), excluded: all.filter(isSessionStatement).length };
  } finally {
    agent.destroy();
  }
}




// ── Measuring: one closed loop ─────────────────────────────────────────────────────────────

interface Sample {
  latencies: number[];
  failures: number;
  seconds: number;
}

async function loop(seconds: number, once: (n: number) => Promise<boolean>): Promise<Sample> {
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  for (let n = 0; performance.now() < deadline; n += 1) {
    const begin = performance.now();
    try {
      if (await once(n)) latencies.push(performance.now() - begin);
      else failures += 1;
    } catch {
      failures += 1;
    }
  }
  return { latencies, failures, seconds: (performance.now() - started) / 1000 };
}


interface Summary {
  rps: number;
  p50: number;
  p95: number;
  failures: number;
}

function summarize(sample: Sample): Summary {
  const sorted = [...sample.latencies].sort((a, b) => a - b);
  return { rps: sample.latencies.length / sample.seconds, p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), failures: sample.failures };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const ms = (value: number) => (Number.isNaN(value) ? '—' : value < 10 ? value.toFixed(2) : value.toFixed(1));

// ── Main ───────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL?.trim() || DEFAULT_SOURCING_DATABASE_URL;
  const selected = (argValue('targets') ?? 'kanban,move,funnel').split(',');
  const pool = new Pool({ connectionString: databaseUrl, max: POOL_SIZE });
  const children: Child[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-bench-'));
  const lines: string[] = [];
  const out = (line: string) => {
    lines.push(line);
    log(line);
  };
  try {
    const sizes = (
      await pool.query<Record<string, string>>(
        `select (select count(*) from sourcing_cases) as cases, (select count(*) from sourcing_case_stages) as stages, (select count(*) from sourcing_challenges) as challenges,
                (select count(*) from sourcing_gates) as gates, (select count(*) from sourcing_pilots) as pilots, (select count(*) from exchanges) as exchanges`,
      )
    ).rows[0] as Record<string, string>;
    if (Number(sizes.cases) === 0) throw new Error('aucune piste : lancez d’abord npx tsx bench/generate-sourcing.ts');
    // The case moved back and forth: one of the bench account's unit in « qualifiée » (put back there first).
    const moved = (
      await pool.query<{ id: string; stage: string }>(
        `select c.id, c.stage from sourcing_cases c
          where c.unit_id in (select uu.unit_id from user_units uu join users u on u.id = uu.user_id where u.email = $1)
            and c.stage in ('qualifiee', 'rencontree')
            and not exists (select 1 from sourcing_gates g where g.case_id = c.id and g.status in ('en_cours', 'complement'))
          order by c.source_ref limit 1`,
        [BENCH_USER.email],
      )
    ).rows[0];
    if (!moved) throw new Error('aucune piste « qualifiée » ou « rencontrée » dans l’unité du compte de benchmark');
    out(`# Sourcing — ${new Date().toISOString()} — ${os.availableParallelism()} CPU, charge ${os.loadavg().map((load) => load.toFixed(1)).join(' / ')} au départ`);
    out(`données : ${JSON.stringify(sizes)} ; piste déplacée ${moved.id} ; ${DURATION_SECONDS} s par mesure, ${ROUNDS} tours, 1 connexion`);

    let position = moved.stage === 'qualifiee' ? 0 : 1;
    const movePath = `/sourcing/pistes/${moved.id}/deplacer`;
    const moveSpec = (session: Session, to: string, from: string) => ({
      method: 'POST' as const,
      path: movePath,
      body: new URLSearchParams({ _csrf: session.csrf, stage: to, expectedFrom: from, retour: '/sourcing' }).toString(),
      headers: { 'HX-Request': 'true', 'HX-Current-URL': '/sourcing' },
    });
    /** The next move from wherever the case is now. */
    const nextMove = (session: Session) => {
      const from = MOVE_STAGES[position] as string;
      position = 1 - position;
      return moveSpec(session, MOVE_STAGES[position] as string, from);
    };
    const targets = (session: Session): Target[] =>
      [
        { key: 'kanban' as const, name: 'Kanban (tous les défis)', request: () => ({ method: 'GET' as const, path: '/sourcing' }) },
        { key: 'move' as const, name: `Déplacement (${MOVE_STAGES.join(' ⇄ ')}, htmx)`, request: () => nextMove(session) },
        { key: 'funnel' as const, name: 'Statistiques (deux ans)', request: () => ({ method: 'GET' as const, path: '/sourcing/statistiques' }) },
      ].filter((target) => selected.includes(target.key));

    // 1. Each request's statements, from the traced app (third request, caches warm).
    log('capture des requêtes…');
    const traced = await startChild('targets/passerelle-app-traced.ts', appEnvironment(databaseUrl, dataDir));
    children.push(traced);
    const tracedSession = await signIn(traced.url);
    const tracedAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const captured = new Map<string, Wave[][]>();
    const unavailable: string[] = [];
    for (const target of targets(tracedSession)) {
      const specs = target.key === 'move' ? [0, 1, 2, 3] : [0, 1];
      for (const n of specs) {
        const warm = await send(tracedAgent, traced.url, tracedSession, target.request(n));
        if (!succeeded(warm.status)) log(`${target.name} : réponse ${warm.status} à l’échauffement`);
      }
      // The move: both directions, replayed alternately.
      const variants: Wave[][] = [];
      for (let index = 0; index < (target.key === 'move' ? 2 : 1); index += 1) {
        const spec = target.request(index);
        const result = await captureRequest(traced, tracedSession, spec);
        if (!succeeded(result.status)) {
          unavailable.push(`${target.name} : ${spec.method} ${spec.path} répond ${result.status} — non mesuré`);
          break;
        }
        variants.push(wavesOf(result.statements));
        out(`- ${target.name}${target.key === 'move' ? ` (sens ${index + 1})` : ''} : ${result.statements.length} requêtes SQL (+ ${result.excluded} du magasin de sessions, non rejouées)`);
        for (const statement of result.statements) out(`  - ${ms(statement.endMs - statement.startMs)} ms : \`${statement.text.replace(/\s+/g, ' ').slice(0, 140)}\``);
      }
      if (variants.length > 0) captured.set(target.key, variants);
    }
    tracedAgent.destroy();
    await stopChild(traced);
    children.pop();

    // 2. The measured app (untraced).
    const app = await startChild('targets/passerelle-app.ts', appEnvironment(databaseUrl, dataDir));
    children.push(app);
    const session = await signIn(app.url);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const measured = targets(session).filter((target) => captured.has(target.key));
    /** Where the moved case is now (the raw SQL replays move it too). */
    const syncPosition = async () => {
      const stage = (await pool.query<{ stage: string }>(`select stage from sourcing_cases where id = $1`, [moved.id])).rows[0]?.stage;
      position = stage === 'rencontree' ? 1 : 0;
    };
    const runApp = async (target: Target, seconds: number) => {
      if (target.key === 'move') await syncPosition();
      return loop(seconds, async (n) => succeeded((await send(agent, app.url, session, target.request(n))).status));
    };
    const runSql = (target: Target, seconds: number) => {
      const variants = captured.get(target.key) ?? [];
      return loop(seconds, async (n) => {
        for (const wave of variants[n % variants.length] ?? []) await Promise.all(wave.map((unit) => replayUnit(pool, unit)));
        return true;
      });
    };
    if (WARMUP_SECONDS > 0) {
      log('échauffement…');
      for (const target of measured) {
        await runSql(target, WARMUP_SECONDS);
        await runApp(target, WARMUP_SECONDS);
      }
    }
    const results = new Map<string, { sql: Summary[]; app: Summary[] }>(measured.map((target) => [target.key, { sql: [], app: [] }]));
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const target of measured) {
        const sql = summarize(await runSql(target, DURATION_SECONDS));
        const page = summarize(await runApp(target, DURATION_SECONDS));
        results.get(target.key)?.sql.push(sql);
        results.get(target.key)?.app.push(page);
        log(`tour ${round}/${ROUNDS} · ${target.name} : SQL brut p95 ${ms(sql.p95)} ms (${sql.rps.toFixed(1)} req/s), app p95 ${ms(page.p95)} ms (${page.rps.toFixed(1)} req/s)${page.failures ? `, ${page.failures} échecs` : ''}`);
      }
    }
    agent.destroy();

    out('');
    out(`| cible | SQL brut p50 / p95 (ms) | app p50 / p95 (ms) | app / SQL brut (p95) | objectif |`);
    out('|---|---:|---:|---:|---|');
    for (const target of measured) {
      const entry = results.get(target.key) as { sql: Summary[]; app: Summary[] };
      const sqlP95 = median(entry.sql.map((summary) => summary.p95));
      const appP95 = median(entry.app.map((summary) => summary.p95));
      const sqlP50 = median(entry.sql.map((summary) => summary.p50));
      const appP50 = median(entry.app.map((summary) => summary.p50));
      const failures = entry.app.reduce((total, summary) => total + summary.failures, 0);
      const bound = target.key === 'funnel' ? FUNNEL_LIMIT_MS : LATENCY_FACTOR * sqlP95 + LATENCY_ALLOWANCE_MS;
      const objective = target.key === 'funnel' ? `p95 ≤ ${FUNNEL_LIMIT_MS} ms` : `p95 ≤ ${LATENCY_FACTOR}× + ${LATENCY_ALLOWANCE_MS} ms = ${ms(bound)} ms`;
      out(`| ${target.name} | ${ms(sqlP50)} / ${ms(sqlP95)} | ${ms(appP50)} / ${ms(appP95)} | ${(appP95 / sqlP95).toFixed(2)} | ${appP95 <= bound ? '✅' : '❌'} ${objective}${failures ? ` (${failures} échecs)` : ''} |`);
    }
    for (const line of unavailable) out(`- ${line}`);
    const resultsDir = path.join(__dirname, 'results');
    fs.mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `sourcing-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-')}.md`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    log(`résultats écrits dans ${path.relative(projectRoot, file)}`);
  } finally {
    for (const child of children.reverse()) await stopChild(child);
    await pool.end();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
