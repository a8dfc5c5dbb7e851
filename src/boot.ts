// Starting and stopping a Passerelle process: config → database → Redis → mail → queues →
// HTTP, and the reverse on SIGTERM/SIGINT. `npm start` runs web + workers in one process;
// workers/web.ts and workers/worker.ts run one role each (server mode).
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
import { connectRedis, RedisServerMissingError, type RedisEndpoint } from './lib/redis';
import { startSmtpSink, type SmtpSink } from './services/smtp-sink';
import { prepareFirstStart } from './services/auth.service';
import { LoginThrottle } from './services/login-throttle';
import { startRuntime, type Runtime } from './jobs/runtime';

export interface BootOptions {
  web: boolean;
  worker: boolean;
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
  const cleanups: Array<{ name: string; run: () => Promise<unknown> }> = [];
  let shuttingDown: Promise<void> | null = null;

  const shutdown = (reason = 'shutdown'): Promise<void> => {
    shuttingDown ??= (async () => {
      logger.info({ reason }, 'stopping');
      // Reverse order of start: HTTP, workers and queues, mail, Redis, database.
      for (const cleanup of cleanups.reverse()) {
        try {
          await cleanup.run();
        } catch (error) {
          logger.error({ err: error, step: cleanup.name }, 'error while stopping');
        }
      }
      logger.info('stopped');
    })();
    return shuttingDown;
  };

  try {
    fs.mkdirSync(config.dataDir, { recursive: true });
    const database: DatabaseHandle =
      config.databaseMode === 'server'
        ? await openDatabase({ driver: 'pg', url: config.DATABASE_URL as string, poolSize: config.DATABASE_POOL_SIZE })
        : await openDatabase({ driver: 'pglite', dataDir: config.dataDir });
    cleanups.push({ name: 'database', run: () => database.close() });
    if (config.MIGRATE_ON_START) {
      await database.migrate();
      logger.info({ driver: database.driver }, 'database migrations applied');
    }
    const db = database.db;

    const redisEndpoint: RedisEndpoint = await connectRedis(config.REDIS_URL, config.dataDir, config.REDIS_SERVER_BIN);
    cleanups.push({ name: 'redis-server', run: () => redisEndpoint.stop() });
    const redis = new Redis({ ...redisEndpoint.connectionOptions, maxRetriesPerRequest: 2 });
    cleanups.push({ name: 'redis client', run: () => redis.quit() });

    let smtpSink: SmtpSink | undefined;
    if (!config.SMTP_URL) {
      smtpSink = await startSmtpSink(db);
      const sink = smtpSink;
      cleanups.push({ name: 'smtp sink', run: () => sink.close() });
    }
    const transport = createMailTransport(config.SMTP_URL ?? (smtpSink as SmtpSink).url);
    cleanups.push({ name: 'mail transport', run: async () => transport.close() });

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
          }
        : undefined,
    });
    cleanups.push({ name: 'queues', run: () => runtime.close() });

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
        run: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections();
            setTimeout(() => server.closeAllConnections(), 10_000).unref();
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

/** Entry point helper: start, print a readable error if that fails, stop cleanly on signals. */
export function runProcess(options: BootOptions): void {
  boot(options)
    .then((running) => {
      const stop = (signal: string) => {
        running.shutdown(signal).then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
      process.on('uncaughtException', (error) => {
        logger.fatal({ err: error }, 'uncaught exception');
        running.shutdown('uncaughtException').finally(() => process.exit(1));
      });
      if (running.url) process.stdout.write(`\nPasserelle : ${running.url}\n`);
    })
    .catch((error: unknown) => {
      if (error instanceof ConfigError || error instanceof RedisServerMissingError || error instanceof DataDirLockedError) {
        process.stderr.write(`\n${error.message}\n\n`);
      } else {
        logger.fatal({ err: error }, 'Passerelle could not start');
      }
      process.exit(1);
    });
}
