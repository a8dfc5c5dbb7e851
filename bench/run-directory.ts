// Load test of the partner directory, with its baselines measured in the same run:
//   node:http hello        → the machine's ceiling for any Node HTTP answer
//   express-ceiling        → Express + express-handlebars rendering the same 50-row table from memory
//   SQL brut (list/search) → the app's own queries replayed through `pg`, same pool size, same concurrency
//   Passerelle             → boot() in server mode against the bench database, signed in as the bench user
// Targets run one after the other, in several rounds (A B C, A B C…); medians over rounds are
// reported, and ratios only between numbers of the same run. See docs/benchmarks.md.
//
//   npx tsx bench/generate-directory.ts     (once)
//   npx tsx bench/run-directory.ts [--duration=10] [--rounds=3] [--connections=32] [--warmup=2] [--serial-duration=5]
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { drizzle } from 'drizzle-orm/node-postgres';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import type { Database } from '../src/models/database';
import * as schema from '../src/models/schema';
import { listOrganizations, type OrganizationListFilters } from '../src/models/organizations.model';
import { argValue, BENCH_USER, benchDatabaseUrl, DEFAULT_REDIS_URL } from './bench-env';
import type { ReadyMessage } from './targets/child-process';

const projectRoot = path.resolve(__dirname, '..');
const DURATION_SECONDS = Number(argValue('duration') ?? 10);
const ROUNDS = Number(argValue('rounds') ?? 3);
const CONNECTIONS = Number(argValue('connections') ?? 32);
const WARMUP_SECONDS = Number(argValue('warmup') ?? 2);
/** Second pass, one connection at a time: service time without queueing (0 = skip). */
const SERIAL_SECONDS = Number(argValue('serial-duration') ?? 5);
/** The app's default DATABASE_POOL_SIZE: the raw-SQL baseline queues on a pool of the same size. */
const POOL_SIZE = Number(process.env.DATABASE_POOL_SIZE ?? 10);
/** A Redis database of its own, so the bench never touches other queues on the shared server. */
const REDIS_URL = process.env.REDIS_URL ?? `${DEFAULT_REDIS_URL}/14`;

/** The pages the issue asks about. `pair` names the raw-SQL baseline of the same request. */
const LIST_PAGES = [
  { name: 'Passerelle /structures actif + région 84, tri nom', path: '/structures?status=actif&region=84&sort=name', pair: 'SQL brut liste (actif, 84)' },
  { name: 'Passerelle /structures start-ups sans activité 12 mois, tri mise à jour', path: '/structures?kind=startup&inactive=12&sort=updated&dir=desc', pair: 'SQL brut liste (start-ups inactives)' },
];
const SEARCH_PAGES = [
  { name: 'Passerelle /recherche/suggestions « universite lyon »', path: '/recherche/suggestions?q=universite%20lyon', q: 'universite lyon', pair: 'SQL brut recherche « universite lyon »' },
  { name: 'Passerelle /recherche/suggestions « univrsité lyonn » (fautes)', path: '/recherche/suggestions?q=univrsit%C3%A9%20lyonn', q: 'univrsité lyonn', pair: 'SQL brut recherche « univrsité lyonn »' },
  // Nothing matches every word: the typo pass runs after the first statement (issue 11).
  {
    name: 'Passerelle /recherche/suggestions « ecole natinale superieure ingenieurs rouen » (passe fautes)',
    path: '/recherche/suggestions?q=ecole%20natinale%20superieure%20ingenieurs%20rouen',
    q: 'ecole natinale superieure ingenieurs rouen',
    pair: 'SQL brut recherche « ecole natinale superieure ingenieurs rouen »',
  },
];
const LIST_FILTERS: Record<string, Partial<OrganizationListFilters>> = {
  'SQL brut liste (actif, 84)': { status: 'actif', region: '84', sort: 'name', direction: 'asc' },
  'SQL brut liste (start-ups inactives)': { kind: 'startup', inactiveMonths: 12, sort: 'updated', direction: 'desc' },
};

interface CapturedQuery {
  text: string;
  params: unknown[];
  /** The search's typo pass: sent, as the app does, when none of the target's statements returned a row. */
  fallback?: { text: string; params: unknown[] };
}

type Target =
  | { name: string; kind: 'http'; url: string; headers?: Record<string, string>; cookies?: string[] }
  | { name: string; kind: 'sql'; queries: CapturedQuery[] };

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

interface Child {
  url: string;
  process: ChildProcess;
  output: string[];
}

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
    child.on('message', (message: ReadyMessage) => {
      if (message?.type !== 'ready') return;
      clearTimeout(timer);
      resolve({ url: message.url, process: child, output });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with code ${code}\n${output.join('')}`));
    });
  });
}

function stopChild(child: Child): Promise<void> {
  if (child.process.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.process.kill('SIGKILL'), 15_000);
    child.process.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.process.kill('SIGTERM');
  });
}

// ── Signing in like a browser ──────────────────────────────────────────────────────────────

function decodeHtml(text: string): string {
  return text.replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16))).replace(/&amp;/g, '&');
}

function mergeCookies(jar: Map<string, string>, response: Response): void {
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(';');
    const separator = pair?.indexOf('=') ?? -1;
    if (pair && separator > 0) jar.set(pair.slice(0, separator).trim(), pair.slice(separator + 1).trim());
  }
}

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

// ── Raw SQL baselines: the app's own statements, captured from its model functions ─────────

function capturingDatabase(pool: Pool, captured: CapturedQuery[]): Database {
  return drizzle(pool, {
    schema,
    logger: { logQuery: (text: string, params: unknown[]) => captured.push({ text, params }) },
  }) as unknown as Database;
}

async function listQueries(pool: Pool, filters: Partial<OrganizationListFilters>): Promise<CapturedQuery[]> {
  const captured: CapturedQuery[] = [];
  const full: OrganizationListFilters = { archived: 'exclude', sort: 'name', direction: 'asc', ...filters };
  await listOrganizations(capturingDatabase(pool, captured), full, { limit: 50 }, new Date());
  return captured;
}

/**
 * The search statements, from src/models/search.model.ts (being written alongside this
 * script). Accepted shapes: `searchSuggestionsSql(q)` returning `{ text, params, fallback? }`
 * or a list of them (`fallback`: the typo pass, sent when no statement returned a row, as the
 * app does), or a `searchSuggestions(db, q)` whose queries are captured like the list's.
 */
async function searchQueries(pool: Pool, q: string): Promise<CapturedQuery[] | string> {
  const modulePath = '../src/models/search.model';
  let model: Record<string, unknown>;
  try {
    model = (await import(modulePath)) as Record<string, unknown>;
  } catch (error) {
    return `src/models/search.model.ts absent ou invalide (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }
  const sqlFactory = Object.entries(model).find(([name, value]) => /sql$/i.test(name) && /suggest|search/i.test(name) && typeof value === 'function');
  if (sqlFactory) {
    const built = (sqlFactory[1] as (query: string) => CapturedQuery | CapturedQuery[])(q);
    return Array.isArray(built) ? built : [built];
  }
  const runner = Object.entries(model).find(([name, value]) => /suggest/i.test(name) && typeof value === 'function');
  if (runner) {
    const captured: CapturedQuery[] = [];
    await (runner[1] as (db: Database, query: string) => Promise<unknown>)(capturingDatabase(pool, captured), q);
    return captured.length > 0 ? captured : `${runner[0]}() n'a émis aucune requête`;
  }
  return `src/models/search.model.ts n'exporte ni *Sql(q) ni suggest*(db, q) (exports : ${Object.keys(model).join(', ')})`;
}

// ── Measuring ──────────────────────────────────────────────────────────────────────────────

function measureHttp(target: Extract<Target, { kind: 'http' }>, seconds: number, connections: number): Promise<Sample> {
  const latencies: number[] = [];
  let bytes = 0;
  let failures = 0;
  return new Promise((resolve, reject) => {
    // One session per simulated person, handed out round-robin: with a single shared cookie, the
    // 32 connections would be one person with 32 tabs, all queueing on the lock of one session row
    // (each request refreshes its expiry: express-session `rolling`).
    let next = 0;
    const cookies = target.cookies ?? [];
    const requests = cookies.length
      ? [{ setupRequest: (request: Record<string, unknown>) => ({ ...request, headers: { ...(request.headers as object), cookie: cookies[next++ % cookies.length] } }) }]
      : undefined;
    const instance = autocannon(
      { url: target.url, connections, duration: seconds, headers: target.headers, ...(requests ? { requests } : {}) } as autocannon.Options,
      (error, result) => {
        if (error) return reject(error);
        resolve({ requests: latencies.length, seconds: result.duration, latencies, bytes, failures: failures + result.errors });
      },
    );
    instance.on('response', (_client, statusCode, responseBytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) {
        latencies.push(responseTime);
        bytes += responseBytes;
      } else {
        failures += 1;
      }
    });
  });
}

/** `connections` loops, each sending the request's statements (in parallel, as the app does) then again. */
async function measureSql(pool: Pool, target: Extract<Target, { kind: 'sql' }>, seconds: number, connections: number): Promise<Sample> {
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const begin = performance.now();
        try {
          const results = await Promise.all(target.queries.map((query) => pool.query(query.text, query.params)));
          if (results.every((result) => result.rowCount === 0)) {
            await Promise.all(target.queries.flatMap((query) => (query.fallback ? [pool.query(query.fallback.text, query.fallback.params)] : [])));
          }
          latencies.push(performance.now() - begin);
        } catch {
          failures += 1;
        }
      }
    }),
  );
  return { requests: latencies.length, seconds: (performance.now() - started) / 1000, latencies, bytes: 0, failures };
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] as number;
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

async function machineDescription(pool: Pool): Promise<string[]> {
  const postgres = (await pool.query<{ server_version: string }>('show server_version')).rows[0]?.server_version ?? '?';
  let redis = '?';
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    redis = /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? '?';
  } catch {
    redis = 'injoignable';
  } finally {
    client.disconnect();
  }
  const cpu = os.cpus()[0]?.model ?? '?';
  return [
    `- machine : ${os.availableParallelism()} CPU (${cpu.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} Go RAM, ${os.type()} ${os.release()}`,
    `- Node ${process.version}, PostgreSQL ${postgres}, Redis ${redis}`,
    `- ${CONNECTIONS} connexions, ${DURATION_SECONDS} s par mesure, ${ROUNDS} tours (médianes), échauffement ${WARMUP_SECONDS} s ; pool PostgreSQL ${POOL_SIZE}`,
  ];
}

function table(results: Map<string, Summary>): string[] {
  const lines = ['| cible | req/s | p50 (ms) | p95 (ms) | p99 (ms) | octets/réponse | échecs |', '|---|---:|---:|---:|---:|---:|---:|'];
  for (const [name, summary] of results) {
    lines.push(`| ${name} | ${int(summary.rps)} | ${ms(summary.p50)} | ${ms(summary.p95)} | ${ms(summary.p99)} | ${summary.bytesPerResponse ? int(summary.bytesPerResponse) : '—'} | ${summary.failures} |`);
  }
  return lines;
}

function serialNote(serial: Map<string, Summary>, name: string): string {
  const alone = serial.get(name);
  return alone ? ` ; seul (1 connexion) : p95 = ${ms(alone.p95)} ms` : '';
}

function ratios(results: Map<string, Summary>, serial: Map<string, Summary>): string[] {
  const lines: string[] = [];
  const verdict = (ok: boolean) => (ok ? '✅' : '❌');
  const ceiling = results.get('express-ceiling (même tableau, en mémoire)');
  const hello = results.get('node:http hello');
  for (const page of LIST_PAGES) {
    const measured = results.get(page.name);
    if (!measured) continue;
    if (ceiling) {
      const ratio = measured.rps / ceiling.rps;
      lines.push(`- ${verdict(ratio >= 0.35)} ${page.name} : débit = **${ratio.toFixed(2)}×** le plafond Express (objectif ≥ 0,35×)`);
    }
    lines.push(`- ${verdict(measured.p95 < 30)} ${page.name} : p95 = **${ms(measured.p95)} ms** (objectif < 30 ms)${serialNote(serial, page.name)}`);
    const raw = results.get(page.pair);
    if (raw) lines.push(`- ℹ️ ${page.name} : p95 = ${(measured.p95 / raw.p95).toFixed(2)}× le p95 de ses requêtes SQL brutes`);
  }
  for (const page of SEARCH_PAGES) {
    const measured = results.get(page.name);
    if (!measured) continue;
    lines.push(`- ${verdict(measured.p95 < 30)} ${page.name} : p95 = **${ms(measured.p95)} ms** (objectif < 30 ms)${serialNote(serial, page.name)}`);
    const raw = results.get(page.pair);
    if (raw) {
      const ratio = measured.p95 / raw.p95;
      lines.push(`- ${verdict(ratio <= 2)} ${page.name} : p95 = **${ratio.toFixed(2)}×** le p95 du SQL brut (objectif ≤ 2×)`);
    }
  }
  if (ceiling && hello) lines.push(`- ℹ️ plafond Express = ${(ceiling.rps / hello.rps).toFixed(2)}× node:http hello`);
  return lines;
}

// ── Main ───────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const { url: databaseUrl } = benchDatabaseUrl();
  const pool = new Pool({ connectionString: databaseUrl, max: POOL_SIZE });
  const children: Child[] = [];
  const unavailable: string[] = [];
  try {
    const organizations = Number((await pool.query<{ count: string }>('select count(*) from organizations')).rows[0]?.count ?? 0);
    if (organizations === 0) throw new Error('base de benchmark vide : lancez d’abord npx tsx bench/generate-directory.ts');
    const machine = await machineDescription(pool);
    machine.push(`- données : ${int(organizations)} structures, ${int(Number((await pool.query<{ count: string }>('select count(*) from contacts')).rows[0]?.count))} contacts`);
    machine.forEach(log);

    log('démarrage des cibles…');
    const hello = await startChild('baselines/node-http.ts', { PORT: '0' });
    children.push(hello);
    const ceiling = await startChild('baselines/express-ceiling.ts', { PORT: '0', NODE_ENV: 'production' });
    children.push(ceiling);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-bench-'));
    let app: Child | null = null;
    let cookie = '';
    let cookies: string[] = [];
    try {
      app = await startChild('targets/passerelle-app.ts', {
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
      });
      children.push(app);
      cookie = await signIn(app.url);
      // As many signed-in people as connections (see measureHttp).
      cookies = [cookie];
      while (cookies.length < CONNECTIONS) cookies.push(await signIn(app.url));
      log(`connecté à ${app.url} en tant que ${BENCH_USER.email}`);
    } catch (error) {
      // Measure the baselines anyway; the report says why the app is missing.
      const reason = (error instanceof Error ? error.message : String(error)).split('\n').find((line) => /Error|answered|exited/.test(line)) ?? String(error);
      unavailable.push(`Passerelle : non disponible — l’application n’a pas démarré ou refuse la connexion (${reason.trim()})`);
      log(error instanceof Error ? error.message : String(error));
      app = null;
    }

    const targets: Target[] = [
      { name: 'node:http hello', kind: 'http', url: `${hello.url}/` },
      { name: 'express-ceiling (même tableau, en mémoire)', kind: 'http', url: `${ceiling.url}/structures` },
    ];
    for (const [name, filters] of Object.entries(LIST_FILTERS)) targets.push({ name, kind: 'sql', queries: await listQueries(pool, filters) });
    for (const page of SEARCH_PAGES) {
      const queries = await searchQueries(pool, page.q);
      if (typeof queries === 'string') unavailable.push(`${page.pair} : non disponible — ${queries}`);
      else targets.push({ name: page.pair, kind: 'sql', queries });
    }
    for (const page of app ? [...LIST_PAGES, ...SEARCH_PAGES] : []) {
      if (!app) break;
      const probe = await fetch(`${app.url}${page.path}`, { headers: { cookie }, redirect: 'manual' });
      await probe.arrayBuffer();
      if (probe.status === 200) targets.push({ name: page.name, kind: 'http', url: `${app.url}${page.path}`, cookies });
      else unavailable.push(`${page.name} : non disponible — GET ${page.path} répond ${probe.status}`);
    }
    unavailable.forEach((line) => log(line));

    const measure = async (target: Target, seconds: number, connections = CONNECTIONS) =>
      target.kind === 'http' ? measureHttp(target, seconds, connections) : measureSql(pool, target, seconds, connections);
    if (WARMUP_SECONDS > 0) {
      log('échauffement…');
      for (const target of targets) await measure(target, WARMUP_SECONDS);
    }
    const rounds = new Map<string, Summary[]>(targets.map((target) => [target.name, []]));
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const target of targets) {
        const summary = summarize(await measure(target, DURATION_SECONDS));
        rounds.get(target.name)?.push(summary);
        log(`tour ${round}/${ROUNDS} · ${target.name} : ${int(summary.rps)} req/s, p50 ${ms(summary.p50)} ms, p95 ${ms(summary.p95)} ms, p99 ${ms(summary.p99)} ms${summary.failures ? `, ${summary.failures} échecs` : ''}`);
      }
    }
    const results = new Map([...rounds].map(([name, summaries]) => [name, medianSummary(summaries)]));
    const serial = new Map<string, Summary>();
    if (SERIAL_SECONDS > 0) {
      for (const target of targets) {
        const summary = summarize(await measure(target, SERIAL_SECONDS, 1));
        serial.set(target.name, summary);
        log(`1 connexion · ${target.name} : ${int(summary.rps)} req/s, p50 ${ms(summary.p50)} ms, p95 ${ms(summary.p95)} ms`);
      }
    }
    const command = `npx tsx bench/run-directory.ts --duration=${DURATION_SECONDS} --rounds=${ROUNDS} --connections=${CONNECTIONS} --serial-duration=${SERIAL_SECONDS}`;
    const report = [
      `# Annuaire — ${new Date().toISOString()}`,
      '',
      `Commande : \`${command}\` (données : \`npx tsx bench/generate-directory.ts\`)`,
      '',
      ...machine,
      '',
      `${CONNECTIONS} connexions simultanées (médiane de ${ROUNDS} tours) :`,
      '',
      ...table(results),
      '',
      ...(serial.size
        ? [`1 connexion (temps de service sans file d’attente, ${SERIAL_SECONDS} s, 1 tour) :`, '', ...table(serial), '']
        : []),
      ...(unavailable.length ? ['Non mesuré :', '', ...unavailable.map((line) => `- ${line}`), ''] : []),
      'Ratios (même exécution) :',
      '',
      ...ratios(results, serial),
      '',
    ].join('\n');
    log(`\n${report}`);
    const resultsDir = path.join(__dirname, 'results');
    fs.mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-')}.md`);
    fs.writeFileSync(file, report);
    log(`résultats écrits dans ${path.relative(projectRoot, file)}`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  } finally {
    for (const child of children.reverse()) await stopChild(child);
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
