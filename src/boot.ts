// The composition root: starting and stopping a Passerelle process. config → process-wide
// settings and registrations (configureProcess, the same for every role) → Redis → database →
// mail → queues → HTTP, and the reverse on SIGTERM/SIGINT, within SHUTDOWN_DEADLINE_MS.
// `npm start` runs web + workers in one process; workers/web.ts and workers/worker.ts run one
// role each (server mode); workers/demo.ts is `npm start` with the demo data loaded first.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { Redis } from 'ioredis';
import { createApp } from './app';
import { ConfigError, parseConfig, type Config } from './config';
import { DataDirLockedError, openDatabase, type DatabaseHandle } from './models/database';
import { logger } from './lib/logger';
import { createMailTransport } from './lib/mail';
import { initializeFromTemplate } from './lib/pglite-template';
import { connectRedis, PrivateRedisInUseError, RedisServerMissingError, type RedisEndpoint } from './lib/redis';
import { setReferenceCacheTtl } from './lib/reference-cache';
import { configureWorkflowSettings } from './workflows/definitions';
import { startSmtpSink, type SmtpSink } from './services/smtp-sink';
import { prepareFirstStart } from './services/auth.service';
import { registerConventionCircuit } from './services/convention-circuit';
import { registerSourcingPipeline } from './services/sourcing-pipeline';
import { LoginThrottle } from './services/login-throttle';
import { startRuntime, type Runtime } from './jobs/runtime';
import { formatSeedReport, isDemoSeeded, runSeed } from './seed/seed';

export interface BootOptions {
  web: boolean;
  worker: boolean;
  /** `npm run demo`: load the demo data (src/seed) before starting, unless already there. */
  demo?: boolean;
}

/** Longest time from SIGTERM/SIGINT to a stopped process, whatever is running (docs/operations.md). */
export const SHUTDOWN_DEADLINE_MS = 10_000;
/** Time the jobs in hand get to finish before the workers close without them. */
const DRAIN_MS = 4_000;
/** Time open HTTP requests get before their connections are closed. */
const HTTP_GRACE_MS = 2_000;
/**
 * Any other stopping step (database, Redis, SMTP sink) that takes longer is left behind. With
 * HTTP and the drain first, the usual worst case stays under the deadline; runProcess enforces it.
 */
const STEP_MS = 1_500;

/**
 * Settings and registrations every role needs, web or worker: applied here once, never as a
 * side effect of importing a module or of building the Express app (a worker-only process
 * builds none). Tests that assemble the app themselves call it too (tests/support/harness.ts).
 */
export function configureProcess(config: Config): void {
  setReferenceCacheTtl(config.REFERENCE_CACHE_SECONDS);
  configureWorkflowSettings({ secondApprovalThreshold: config.WORKFLOW_SECOND_APPROVAL_THRESHOLD });
  registerConventionCircuit();
  registerSourcingPipeline();
}

function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work.finally(() => clearTimeout(timer)),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        logger.warn({ step: what, ms }, 'stopping step still running after its time: left behind');
        resolve(undefined);
      }, ms);
      timer.unref();
    }),
  ]);
}

export interface RunningProcess {
  config: Config;
  url?: string;
  /** The one-time link printed at first start, when no account existed (tests use it). */
  setupLink?: string;
  shutdown(reason?: string): Promise<void>;
}

/** Embedded mode keeps a generated secret in DATA_DIR so sessions survive restarts. */
function resolveSessionSecret(config: Config): string {
  if (config.SESSION_SECRET) return config.SESSION_SECRET;
  if (config.databaseMode === 'server') {
    logger.warn('SESSION_SECRET is not set: using a random secret, sessions end when this process restarts');
    return randomBytes(32).toString('hex');
  }
  const file = path.join(config.dataDir, 'session-secret');
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}

function printBanner(lines: string[]): void {
  const width = Math.max(...lines.map((line) => line.length)) + 4;
  const rule = '═'.repeat(width);
  process.stdout.write(`\n╔${rule}╗\n${lines.map((line) => `║  ${line.padEnd(width - 2)}║`).join('\n')}\n╚${rule}╝\n\n`);
}

export async function boot(options: BootOptions, env: NodeJS.ProcessEnv = process.env): Promise<RunningProcess> {
  const config = parseConfig(env);
  configureProcess(config);
  const cleanups: Array<{ name: string; ms: number; run: () => Promise<unknown> }> = [];
  let shuttingDown: Promise<void> | null = null;

  // Bounded: each step has its time (a stuck job, a query that never returns, a client that
  // keeps its connection open cannot hold the rest); runProcess exits at SHUTDOWN_DEADLINE_MS
  // whatever happens, and the private redis-server goes with the process (src/lib/redis.ts).
  const shutdown = (reason = 'shutdown'): Promise<void> => {
    shuttingDown ??= (async () => {
      const started = Date.now();
      logger.info({ reason }, 'stopping');
      // Reverse order of start: HTTP, workers and queues, mail, Redis client, database, redis-server.
      for (const cleanup of cleanups.reverse()) {
        try {
          await withDeadline(cleanup.run(), cleanup.ms, cleanup.name);
        } catch (error) {
          logger.error({ err: error, step: cleanup.name }, 'error while stopping');
        }
      }
      logger.info({ ms: Date.now() - started }, 'stopped');
    })();
    return shuttingDown;
  };

  try {
    fs.mkdirSync(config.dataDir, { recursive: true });
    // Redis first: starting a process from Node costs a copy of its page tables, ten times more
    // once PGlite's memory is there (≈ 140 ms of CPU per spawn instead of ≈ 4 ms, measured).
    // startPrivateRedis checks by itself that no running process uses this directory's Redis.
    const redisEndpoint: RedisEndpoint = await connectRedis(config.REDIS_URL, config.dataDir, config.REDIS_SERVER_BIN);
    cleanups.push({ name: 'redis-server', ms: STEP_MS, run: () => redisEndpoint.stop() });

    let database: DatabaseHandle;
    if (config.databaseMode === 'server') {
      database = await openDatabase({ driver: 'pg', url: config.DATABASE_URL as string, poolSize: config.DATABASE_POOL_SIZE });
    } else {
      // Checked before PGlite opens the directory: the lock below makes a concurrent start fail
      // first (openDatabase), and the template only ever fills a directory with no database.
      if (initializeFromTemplate(path.join(config.dataDir, 'pgdata'))) {
        logger.info('new embedded database created from the template made at install (dist/pglite-template)');
      }
      database = await openDatabase({ driver: 'pglite', dataDir: config.dataDir });
    }
    cleanups.push({ name: 'database', ms: STEP_MS, run: () => database.close() });
    if (config.MIGRATE_ON_START) {
      await database.migrate();
      logger.info({ driver: database.driver }, 'database migrations applied');
    }
    const db = database.db;

    if (options.demo) {
      if (await isDemoSeeded(db)) {
        logger.info('demo data already loaded');
      } else {
        const report = await runSeed(db, logger.child({ module: 'seed' }), { baseUrl: config.baseUrl });
        process.stdout.write(formatSeedReport(report));
      }
    }

    const redis = new Redis({ ...redisEndpoint.connectionOptions, maxRetriesPerRequest: 2 });
    cleanups.push({ name: 'redis client', ms: 500, run: () => redis.quit() });

    let smtpSink: SmtpSink | undefined;
    if (!config.SMTP_URL) {
      smtpSink = await startSmtpSink(db);
      const sink = smtpSink;
      cleanups.push({ name: 'smtp sink', ms: STEP_MS, run: () => sink.close() });
    }
    const transport = createMailTransport(config.SMTP_URL ?? (smtpSink as SmtpSink).url);
    cleanups.push({ name: 'mail transport', ms: 500, run: async () => transport.close() });

    const runtime: Runtime = await startRuntime({
      db,
      redis: redisEndpoint.connectionOptions,
      prefix: config.QUEUE_PREFIX,
      worker: options.worker
        ? {
            transport,
            mailFrom: config.MAIL_FROM,
            concurrency: config.WORKER_CONCURRENCY,
            heartbeatSeconds: config.HEARTBEAT_SECONDS,
            lockSeconds: config.WORKER_LOCK_SECONDS,
            baseUrl: config.baseUrl,
            reminders: true,
          }
        : undefined,
    });
    // Drain, then close without the stuck jobs; a little more for closing the connections.
    cleanups.push({ name: 'queues', ms: DRAIN_MS + 1_000, run: () => runtime.close({ drainMs: DRAIN_MS }) });

    let url: string | undefined;
    let setupLink: string | undefined;
    if (options.web) {
      const ctx = { db, actor: null, now: new Date(), baseUrl: config.baseUrl, dispatchOutbox: runtime.dispatchOutbox };
      const firstStart = await prepareFirstStart(ctx, { adminEmail: config.ADMIN_EMAIL, adminPassword: config.ADMIN_PASSWORD });
      if (firstStart.kind === 'admin_created') {
        logger.info({ email: firstStart.email }, 'first administrator created from ADMIN_EMAIL / ADMIN_PASSWORD');
      } else if (firstStart.kind === 'setup_link') {
        logger.info({ emailedTo: firstStart.emailedTo }, 'no account yet: one-time setup link issued');
        setupLink = firstStart.link;
        printBanner([
          'Passerelle : aucun compte n’existe encore.',
          `Créez le premier administrateur avec ce lien (valable ${firstStart.hours} h, usage unique) :`,
          firstStart.link,
          'No account yet: open the link above to create the first administrator.',
        ]);
      }

      const throttle = new LoginThrottle({
        redis,
        maxFailuresPerAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
        maxAttemptsPerIp: config.LOGIN_MAX_ATTEMPTS_PER_IP,
        windowMinutes: config.LOGIN_WINDOW_MINUTES,
        failuresBeforeDelay: config.LOGIN_FAILURES_BEFORE_DELAY,
        firstDelaySeconds: config.LOGIN_FIRST_DELAY_SECONDS,
        maxDelaySeconds: config.LOGIN_MAX_DELAY_SECONDS,
      });
      const app = createApp({
        db,
        config,
        redis,
        throttle,
        sessionSecret: resolveSessionSecret(config),
        mailMode: smtpSink ? 'sink' : 'smtp',
        dispatchOutbox: runtime.dispatchOutbox,
        queues: runtime.queues,
      });
      const server: Server = await new Promise((resolve, reject) => {
        const listening = app.listen(config.PORT, config.HOST, () => resolve(listening));
        listening.once('error', reject);
      });
      cleanups.push({
        name: 'http',
        ms: HTTP_GRACE_MS + 500,
        run: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections();
            setTimeout(() => server.closeAllConnections(), HTTP_GRACE_MS).unref();
          }),
      });
      const address = server.address();
      const port = address && typeof address === 'object' ? address.port : config.PORT;
      url = `http://localhost:${port}`;
      logger.info({ url, mode: config.databaseMode, worker: options.worker }, 'Passerelle is listening');
    } else {
      logger.info({ mode: config.databaseMode }, 'Passerelle worker started');
    }
    return { config, url, setupLink, shutdown };
  } catch (error) {
    await shutdown('start failed');
    throw error;
  }
}

/**
 * Entry point helper: start, print a readable error if that fails, stop on SIGTERM/SIGINT
 * within SHUTDOWN_DEADLINE_MS. A second signal (more than a second after the first: a Ctrl-C
 * reaches both npm and this process, and npm forwards it once more) exits at once. The private
 * redis-server is stopped on every one of these paths (its exit hook in src/lib/redis.ts).
 */
export function runProcess(options: BootOptions): void {
  let running: RunningProcess | undefined;
  let firstSignalAt: number | undefined;

  const exitNow = (code: number) => process.exit(code);
  const stop = (signal: string) => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < 1_000) return;
      logger.warn({ signal }, 'second signal: exiting now');
      exitNow(130);
    }
    firstSignalAt = Date.now();
    setTimeout(() => {
      logger.error({ ms: SHUTDOWN_DEADLINE_MS }, 'still stopping after the deadline: exiting now');
      exitNow(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    // A signal during the start is served once the start is over (its steps are bounded too).
    if (running) running.shutdown(signal).then(() => exitNow(0), () => exitNow(1));
  };
  // Installed before the start: without a handler, SIGTERM would end Node on the spot and
  // leave the redis-server it has just started.
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  boot(options)
    .then((started) => {
      running = started;
      process.on('uncaughtException', (error) => {
        logger.fatal({ err: error }, 'uncaught exception');
        started.shutdown('uncaughtException').finally(() => exitNow(1));
      });
      if (firstSignalAt !== undefined) {
        started.shutdown('signal during start').then(() => exitNow(0), () => exitNow(1));
        return;
      }
      if (started.url) process.stdout.write(`\nPasserelle : ${started.url}\n`);
    })
    .catch((error: unknown) => {
      if (error instanceof ConfigError || error instanceof RedisServerMissingError || error instanceof DataDirLockedError || error instanceof PrivateRedisInUseError) {
        process.stderr.write(`\n${error.message}\n\n`);
      } else {
        logger.fatal({ err: error }, 'Passerelle could not start');
      }
      exitNow(1);
    });
}
