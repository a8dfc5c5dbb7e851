// Load test of issue 12's pages at institution scale (bench/generate-activity.ts), each against
// the raw SQL of the same page, measured side by side in one run:
//   dashboard        GET /
//   timeline         GET /structures/<id>/historique  (the organisation with ~2,000 entries)
//   exchanges        GET /echanges?kind=rendez_vous&from=<1 year ago>&unit=<the bench account's unit>
//   tasks            GET /taches  (« Mes tâches »)
// The raw SQL of a page is what that page sent to PostgreSQL, captured once per page from a
// traced copy of the app (bench/targets/passerelle-app-traced.ts: text, values, timing,
// connection), minus the session store's statements; it is replayed through `pg` on a pool of
// the app's size, statements that were sent together in parallel again, a transaction on one
// connection. Objectives (issue 12): at 1 connection, page p95 ≤ 2 × raw p95 + 5 ms; at 32
// connections, page throughput ≥ 0.35 × raw throughput. Targets run one after the other, in
// rounds; medians over the rounds; raw results in bench/results/. See docs/benchmarks.md.
//
//   npx tsx bench/generate-activity.ts     (once; runs the directory generator first if needed)
//   npx tsx bench/run-activity.ts [--duration=10] [--rounds=3] [--connections=32] [--warmup=2]
//        [--pages=dashboard,timeline,exchanges,tasks]
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { argValue, BENCH_USER, benchDatabaseUrl, DEFAULT_REDIS_URL } from './bench-env';
import type { ReadyMessage } from './targets/child-process';
import { type Child, type Wave, ask, decodeHtml, mergeCookies, percentile, replayUnit, stopChild, wavesOf } from './traced-replay';
import type { TracedStatement } from './targets/passerelle-app-traced';

const projectRoot = path.resolve(__dirname, '..');
const DURATION_SECONDS = Number(argValue('duration') ?? 10);
const ROUNDS = Number(argValue('rounds') ?? 3);
const CONNECTIONS = Number(argValue('connections') ?? 32);
const WARMUP_SECONDS = Number(argValue('warmup') ?? 2);
/** The app's default DATABASE_POOL_SIZE: the raw-SQL baseline queues on a pool of the same size. */
const POOL_SIZE = Number(process.env.DATABASE_POOL_SIZE ?? 10);
/** A Redis database of its own, so the bench never touches other queues on the shared server. */
const REDIS_URL = process.env.REDIS_URL ?? `${DEFAULT_REDIS_URL}/14`;
/** Objectives of issue 12. */
const LATENCY_FACTOR = 2;
const LATENCY_ALLOWANCE_MS = 5;
const THROUGHPUT_FACTOR = 0.35;

interface Fixtures {
  timelineOrganizationId: string;
  timelineOrganizationName: string;
  unitId: string;
  unitCode: string;
  from: string;
}

interface PageDefinition {
  key: string;
  name: string;
  path: (fixtures: Fixtures) => string;
}

const PAGES: PageDefinition[] = [
  { key: 'dashboard', name: 'Tableau de bord', path: () => '/' },
  { key: 'timeline', name: 'Historique d’une structure (~2 000 entrées)', path: (f) => `/structures/${f.timelineOrganizationId}/historique` },
  { key: 'exchanges', name: 'Échanges filtrés (rendez-vous, 12 mois, unité)', path: (f) => `/echanges?kind=rendez_vous&from=${f.from}&unit=${f.unitId}` },
  { key: 'tasks', name: '« Mes tâches »', path: () => '/taches' },
];


interface Sample {
  requests: number;
  seconds: number;
  latencies: number[];
  bytes: number;
  failures: number;
}

interface Summary {
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  bytesPerResponse: number;
  failures: number;
}

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

// ── Child processes ────────────────────────────────────────────────────────────────────────


function startChild(file: string, env: Record<string, string>): Promise<Child> {
  const child = fork(path.join(__dirname, file), [], {
    cwd: projectRoot,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
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
    // One sign-in per connection, all from 127.0.0.1: above the default per-IP limit (30).
    LOGIN_MAX_ATTEMPTS_PER_IP: String(Math.max(100, CONNECTIONS * 4)),
  };
}

// ── Signing in like a browser ──────────────────────────────────────────────────────────────



const cookieHeader = (jar: Map<string, string>) => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');

/** GET /login for the CSRF token and session cookie, POST the form, keep the rotated cookie. */
async function signIn(baseUrl: string): Promise<string> {
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
  if (response.status !== 303) throw new Error(`POST /login answered ${response.status} (bench account missing? run bench/generate-directory.ts)`);
  return cookieHeader(jar);
}

async function get(url: string, cookie: string): Promise<{ status: number; bytes: number }> {
  const response = await fetch(url, { headers: { cookie }, redirect: 'manual' });
  return { status: response.status, bytes: (await response.arrayBuffer()).byteLength };
}

// ── Capturing a page's statements ──────────────────────────────────────────────────────────


/** The session store's statements (read with the account row, touch): the same for every page, left out of the baseline. */
const isSessionStatement = (statement: TracedStatement) => /\b"?sessions"?\b/i.test(statement.text);

/** The page requested twice (caches warm), then once more with every statement recorded. */
async function capturePage(child: Child, url: string, cookie: string): Promise<{ status: number; statements: TracedStatement[]; excluded: TracedStatement[] }> {
  for (let warm = 0; warm < 2; warm += 1) await get(url, cookie);
  await ask(child, { type: 'capture', on: true }, 'capture-on');
  const { status } = await get(url, cookie);
  const reply = await ask(child, { type: 'capture', on: false }, 'captured');
  const all = reply.type === 'captured' ? reply.statements : [];
  return { status, statements: all.filter((statement) => !isSessionStatement(statement)), excluded: all.filter(isSessionStatement) };
}


// ── Measuring ──────────────────────────────────────────────────────────────────────────────

function httpGet(agent: http.Agent, url: URL, cookie: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ agent, hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: 'GET', headers: { cookie } }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, bytes }));
      response.on('error', reject);
    });
    request.setTimeout(120_000, () => request.destroy(new Error('no answer after 120 s')));
    request.on('error', reject);
    request.end();
  });
}

/**
 * `connections` loops, each one person (its own session) asking for the page, reading the whole
 * answer, and asking again until the time is up — measured exactly as the raw SQL is (closed
 * loops; the last requests are waited for and their time counts), so a slow page is neither cut
 * at the end nor left running into the next measurement.
 */
async function measureHttp(url: string, cookies: readonly string[], seconds: number, connections: number): Promise<Sample> {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let bytes = 0;
  let failures = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  try {
    await Promise.all(
      Array.from({ length: connections }, async (_, index) => {
        const cookie = cookies[index % cookies.length] as string;
        while (performance.now() < deadline) {
          const begin = performance.now();
          try {
            const response = await httpGet(agent, target, cookie);
            if (response.status >= 200 && response.status < 300) {
              latencies.push(performance.now() - begin);
              bytes += response.bytes;
            } else {
              failures += 1;
            }
          } catch {
            failures += 1;
          }
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return { requests: latencies.length, seconds: (performance.now() - started) / 1000, latencies, bytes, failures };
}



/** `connections` loops, each replaying the page's waves (a wave's units in parallel) then again. */
async function measureSql(pool: Pool, waves: readonly Wave[], seconds: number, connections: number): Promise<Sample> {
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const begin = performance.now();
        try {
          for (const wave of waves) await Promise.all(wave.map((unit) => replayUnit(pool, unit)));
          latencies.push(performance.now() - begin);
        } catch {
          failures += 1;
        }
      }
    }),
  );
  return { requests: latencies.length, seconds: (performance.now() - started) / 1000, latencies, bytes: 0, failures };
}


function summarize(sample: Sample): Summary {
  const sorted = [...sample.latencies].sort((a, b) => a - b);
  return {
    rps: sample.requests / sample.seconds,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    bytesPerResponse: sample.requests ? sample.bytes / sample.requests : 0,
    failures: sample.failures,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function medianSummary(rounds: Summary[]): Summary {
  return {
    rps: median(rounds.map((round) => round.rps)),
    p50: median(rounds.map((round) => round.p50)),
    p95: median(rounds.map((round) => round.p95)),
    p99: median(rounds.map((round) => round.p99)),
    bytesPerResponse: median(rounds.map((round) => round.bytesPerResponse)),
    failures: rounds.reduce((total, round) => total + round.failures, 0),
  };
}

// ── Report ─────────────────────────────────────────────────────────────────────────────────

const ms = (value: number) => (Number.isNaN(value) ? '—' : value < 10 ? value.toFixed(2) : value.toFixed(1));
const int = (value: number) => Math.round(value).toLocaleString('en-US').replace(/,/g, ' ');
/** Slow pages do a handful of requests per second: keep a decimal below 100. */
const rps = (value: number) => (value < 100 ? value.toFixed(1) : int(value));
const verdict = (ok: boolean, ...measured: number[]) => (measured.some((value) => !Number.isFinite(value) || value === 0) ? '— non mesuré' : ok ? '✅' : '❌');

async function machineDescription(pool: Pool): Promise<string[]> {
  const postgres = (await pool.query<{ server_version: string }>('show server_version')).rows[0]?.server_version ?? '?';
  const counts = (
    await pool.query<Record<string, string>>(
      `select (select count(*) from organizations) as organizations, (select count(*) from contacts) as contacts,
              (select count(*) from exchanges) as exchanges, (select count(*) from tasks) as tasks, (select count(*) from users) as users`,
    )
  ).rows[0] as Record<string, string>;
  const cpu = os.cpus()[0]?.model ?? '?';
  return [
    `- machine : ${os.availableParallelism()} CPU (${cpu.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} Go RAM, ${os.type()} ${os.release()}, charge ${os.loadavg().map((load) => load.toFixed(1)).join(' / ')} au départ`,
    `- Node ${process.version}, PostgreSQL ${postgres}`,
    `- données : ${int(Number(counts.organizations))} structures, ${int(Number(counts.contacts))} contacts, ${int(Number(counts.exchanges))} échanges, ${int(Number(counts.tasks))} tâches, ${int(Number(counts.users))} comptes`,
    `- ${DURATION_SECONDS} s par mesure, ${ROUNDS} tours (médianes), échauffement ${WARMUP_SECONDS} s ; 1 et ${CONNECTIONS} connexions ; pool PostgreSQL ${POOL_SIZE}`,
  ];
}

interface PageTargets {
  page: PageDefinition;
  url: string;
  waves: Wave[];
  statementCount: number;
  excludedCount: number;
  bytes: number;
}

function statementLines(targets: readonly PageTargets[]): string[] {
  const lines: string[] = [];
  for (const target of targets) {
    lines.push(`- ${target.page.name} (\`${target.url.replace(/^https?:\/\/[^/]+/, '')}\`) : ${target.statementCount} requêtes en ${target.waves.length} vagues (+ ${target.excludedCount} du magasin de sessions, non rejouées)`);
    target.waves.forEach((wave, index) => {
      for (const unit of wave) {
        const head = unit.statements[0] as TracedStatement;
        const text = head.text.replace(/\s+/g, ' ').slice(0, 140);
        const took = unit.endMs - unit.startMs;
        lines.push(
          `  - vague ${index + 1}${unit.statements.length > 1 ? ` (transaction de ${unit.statements.length})` : ''}, ${ms(took)} ms à la capture : \`${text}${head.text.length > 140 ? '…' : ''}\``,
        );
      }
    });
  }
  return lines;
}

// ── Main ───────────────────────────────────────────────────────────────────────────────────

async function readFixtures(pool: Pool): Promise<Fixtures> {
  const exchanges = Number((await pool.query<{ count: string }>('select count(*) from exchanges')).rows[0]?.count ?? 0);
  if (exchanges === 0) throw new Error('aucun échange dans la base de benchmark : lancez d’abord npx tsx bench/generate-activity.ts');
  const timeline = (
    await pool.query<{ id: string; name: string }>(
      `select o.id, o.name from tasks t join organizations o on o.id = t.organization_id where t.source_ref = 'bench-activity:timeline:task:1'`,
    )
  ).rows[0];
  if (!timeline) throw new Error('structure à l’historique chargé introuvable (tâche bench-activity:timeline:task:1) : relancez bench/generate-activity.ts --reset');
  const unit = (
    await pool.query<{ id: string; code: string }>(
      `select un.id, un.code from users u join user_units uu on uu.user_id = u.id join units un on un.id = uu.unit_id where u.email = $1 order by un.code limit 1`,
      [BENCH_USER.email],
    )
  ).rows[0];
  if (!unit) throw new Error('le compte de benchmark n’appartient à aucune unité');
  const from = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10);
  return { timelineOrganizationId: timeline.id, timelineOrganizationName: timeline.name, unitId: unit.id, unitCode: unit.code, from };
}

async function main(): Promise<void> {
  const { url: databaseUrl } = benchDatabaseUrl();
  const selected = (argValue('pages') ?? PAGES.map((page) => page.key).join(',')).split(',');
  const pages = PAGES.filter((page) => selected.includes(page.key));
  const pool = new Pool({ connectionString: databaseUrl, max: POOL_SIZE });
  const children: Child[] = [];
  const unavailable: string[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-bench-'));
  try {
    const fixtures = await readFixtures(pool);
    const machine = await machineDescription(pool);
    machine.push(`- historique : « ${fixtures.timelineOrganizationName} » ; unité filtrée : ${fixtures.unitCode}`);
    machine.forEach(log);

    // 1. Each page's statements, from the traced app.
    log('capture des requêtes de chaque page…');
    const traced = await startChild('targets/passerelle-app-traced.ts', appEnvironment(databaseUrl, dataDir));
    children.push(traced);
    const tracedCookie = await signIn(traced.url);
    const targets: PageTargets[] = [];
    for (const page of pages) {
      const pagePath = page.path(fixtures);
      const captured = await capturePage(traced, `${traced.url}${pagePath}`, tracedCookie);
      if (captured.status !== 200) {
        unavailable.push(`${page.name} : non disponible — GET ${pagePath} répond ${captured.status}`);
        continue;
      }
      const failed = captured.statements.filter((statement) => statement.failed);
      if (failed.length > 0) unavailable.push(`${page.name} : ${failed.length} requête(s) en échec à la capture, non rejouées`);
      const statements = captured.statements.filter((statement) => !statement.failed);
      targets.push({ page, url: pagePath, waves: wavesOf(statements), statementCount: statements.length, excludedCount: captured.excluded.length, bytes: 0 });
    }
    await stopChild(traced);
    children.pop();

    // 2. The measured app, untraced; one session per connection.
    const app = await startChild('targets/passerelle-app.ts', appEnvironment(databaseUrl, dataDir));
    children.push(app);
    const cookies = [await signIn(app.url)];
    while (cookies.length < CONNECTIONS) cookies.push(await signIn(app.url));
    log(`connecté à ${app.url} en tant que ${BENCH_USER.email} (${cookies.length} sessions)`);
    for (const target of targets) {
      const probe = await get(`${app.url}${target.url}`, cookies[0] as string);
      target.bytes = probe.bytes;
      log(`${target.page.name} : ${target.url} → ${probe.status}, ${int(probe.bytes)} octets, ${target.statementCount} requêtes SQL en ${target.waves.length} vagues`);
    }
    unavailable.forEach((line) => log(line));

    type Measure = { target: PageTargets; side: 'app' | 'sql'; connections: number };
    const measures: Measure[] = targets.flatMap((target) =>
      [1, CONNECTIONS].flatMap((connections) => [
        { target, side: 'sql' as const, connections },
        { target, side: 'app' as const, connections },
      ]),
    );
    const measure = (item: Measure, seconds: number) =>
      item.side === 'app'
        ? measureHttp(`${app.url}${item.target.url}`, item.connections === 1 ? [cookies[0] as string] : cookies, seconds, item.connections)
        : measureSql(pool, item.target.waves, seconds, item.connections);
    const label = (item: Measure) => `${item.target.page.name} · ${item.side === 'app' ? 'page' : 'SQL brut'} · ${item.connections} conn.`;

    if (WARMUP_SECONDS > 0) {
      log('échauffement…');
      for (const item of measures) await measure(item, WARMUP_SECONDS);
    }
    const rounds = new Map<Measure, Summary[]>(measures.map((item) => [item, []]));
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const item of measures) {
        const summary = summarize(await measure(item, DURATION_SECONDS));
        rounds.get(item)?.push(summary);
        log(`tour ${round}/${ROUNDS} · ${label(item)} : ${rps(summary.rps)} req/s, p50 ${ms(summary.p50)} ms, p95 ${ms(summary.p95)} ms${summary.failures ? `, ${summary.failures} échecs` : ''}`);
      }
    }
    const result = (target: PageTargets, side: 'app' | 'sql', connections: number) => {
      const item = measures.find((candidate) => candidate.target === target && candidate.side === side && candidate.connections === connections);
      return medianSummary(item ? (rounds.get(item) ?? []) : []);
    };

    const table = [
      `| page | SQL brut p95 (1 conn.) | page p95 (1 conn.) | objectif p95 ≤ ${LATENCY_FACTOR}× + ${LATENCY_ALLOWANCE_MS} ms | SQL brut req/s (${CONNECTIONS} conn.) | page req/s (${CONNECTIONS} conn.) | objectif débit ≥ ${THROUGHPUT_FACTOR}× |`,
      '|---|---:|---:|---|---:|---:|---|',
    ];
    const details = ['| mesure | req/s | p50 (ms) | p95 (ms) | p99 (ms) | octets/réponse | échecs |', '|---|---:|---:|---:|---:|---:|---:|'];
    for (const target of targets) {
      const rawSerial = result(target, 'sql', 1);
      const appSerial = result(target, 'app', 1);
      const rawLoaded = result(target, 'sql', CONNECTIONS);
      const appLoaded = result(target, 'app', CONNECTIONS);
      const latencyBound = LATENCY_FACTOR * rawSerial.p95 + LATENCY_ALLOWANCE_MS;
      const throughputRatio = appLoaded.rps / rawLoaded.rps;
      table.push(
        `| ${target.page.name} | ${ms(rawSerial.p95)} | ${ms(appSerial.p95)} | ${verdict(appSerial.p95 <= latencyBound, rawSerial.p95, appSerial.p95)} ≤ ${ms(latencyBound)} ms (${(appSerial.p95 / rawSerial.p95).toFixed(2)}× le SQL brut) | ${rps(rawLoaded.rps)} | ${rps(appLoaded.rps)} | ${verdict(throughputRatio >= THROUGHPUT_FACTOR, rawLoaded.rps, appLoaded.rps)} ${throughputRatio.toFixed(2)}× |`,
      );
      for (const [side, connections, summary] of [
        ['SQL brut', 1, rawSerial],
        ['page', 1, appSerial],
        ['SQL brut', CONNECTIONS, rawLoaded],
        ['page', CONNECTIONS, appLoaded],
      ] as const) {
        details.push(
          `| ${target.page.name} · ${side} · ${connections} conn. | ${rps(summary.rps)} | ${ms(summary.p50)} | ${ms(summary.p95)} | ${ms(summary.p99)} | ${summary.bytesPerResponse ? int(summary.bytesPerResponse) : '—'} | ${summary.failures} |`,
        );
      }
    }
    const pagesArgument = argValue('pages') ? ` --pages=${argValue('pages')}` : '';
    const command = `npx tsx bench/run-activity.ts --duration=${DURATION_SECONDS} --rounds=${ROUNDS} --connections=${CONNECTIONS} --warmup=${WARMUP_SECONDS}${pagesArgument}`;
    const report = [
      `# Activité (échanges, tâches, tableau de bord) — ${new Date().toISOString()}`,
      '',
      `Commande : \`${command}\` (données : \`npx tsx bench/generate-activity.ts\`)`,
      '',
      ...machine,
      '',
      'Objectifs (médianes des tours, même exécution) :',
      '',
      ...table,
      '',
      'Détail (médianes des tours) :',
      '',
      ...details,
      '',
      ...(unavailable.length ? ['Non mesuré :', '', ...unavailable.map((line) => `- ${line}`), ''] : []),
      'Requêtes rejouées (capturées une fois par page, avec leur durée à la capture, app seule ; une vague = requêtes envoyées en parallèle) :',
      '',
      ...statementLines(targets),
      '',
    ].join('\n');
    log(`\n${report}`);
    const resultsDir = path.join(__dirname, 'results');
    fs.mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `activite-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-')}.md`);
    fs.writeFileSync(file, report);
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
