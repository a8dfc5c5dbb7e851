// Integration harness: a fresh database cloned from the migrated template, real Redis under a
// unique key prefix, the real SMTP sink, and the Express app driven through supertest.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../src/app';
import { configureProcess } from '../../src/boot';
import { parseConfig, type Config } from '../../src/config';
import { openDatabase, type Database, type DatabaseHandle } from '../../src/models/database';
import { createMailTransport } from '../../src/lib/mail';
import { hashPassword } from '../../src/lib/passwords';
import { redisOptionsFromUrl } from '../../src/lib/redis';
import { startSmtpSink, type SmtpSink } from '../../src/services/smtp-sink';
import type { Role, User } from '../../src/models/schema';
import { insertUser, replaceUserUnits } from '../../src/models/users.model';
import { listUnits } from '../../src/models/units.model';
import type { ServiceContext } from '../../src/services/context';
import { actorOf } from '../../src/services/auth.service';
import { LoginThrottle } from '../../src/services/login-throttle';
import { startRuntime, type Runtime } from '../../src/jobs/runtime';
import { TEMPLATE_ENV, TEST_DATABASE_URL, TEST_REDIS_URL, databaseUrl } from './env';

export interface TestDatabase {
  name: string;
  url: string;
  handle: DatabaseHandle;
  db: Database;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const template = process.env[TEMPLATE_ENV];
  if (!template) throw new Error('the integration global setup did not run');
  const name = `${template.replace('_tpl_', '_t_')}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name} template ${template}`);
  await admin.end();
  const handle = await openDatabase({ driver: 'pg', url: databaseUrl(name), poolSize: 5 });
  return {
    name,
    url: databaseUrl(name),
    handle,
    db: handle.db,
    drop: async () => {
      await handle.close();
      const client = new Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export interface TestApp {
  app: Express;
  db: Database;
  config: Config;
  redis: Redis;
  runtime: Runtime;
  sink: SmtpSink;
  prefix: string;
  context(actor?: User | null): Promise<ServiceContext>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Run BullMQ workers (mail delivery, schedulers). */
  worker?: boolean;
  /** With `worker`: also run the reminder sweep every `sweepEveryMs` (off by default: other tests count their e-mails). */
  reminders?: { sweepEveryMs: number };
  env?: Record<string, string>;
  database?: { db: Database; close(): Promise<void> };
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const testDb = options.database ? undefined : await createTestDatabase();
  const db = options.database?.db ?? (testDb as TestDatabase).db;
  const config = parseConfig({
    NODE_ENV: 'test',
    DATABASE_URL: testDb?.url ?? 'postgres://unused/pglite',
    REDIS_URL: TEST_REDIS_URL,
    BASE_URL: 'http://passerelle.test',
    LOG_LEVEL: 'silent',
    HEARTBEAT_SECONDS: '1',
    // Tests write users, units and kinds straight into the database: no in-process cache of
    // those lists unless a test turns it on (tests/integration/organization-kinds.test.ts).
    REFERENCE_CACHE_SECONDS: '0',
    ...options.env,
  });
  // The settings and registrations boot() makes for every role (src/boot.ts).
  configureProcess(config);
  const prefix = `test-${randomBytes(5).toString('hex')}`;
  const redisOptions = redisOptionsFromUrl(TEST_REDIS_URL);
  const redis = new Redis({ ...redisOptions, maxRetriesPerRequest: 2 });
  const sink = await startSmtpSink(db);
  const transport = createMailTransport(sink.url);
  const runtime = await startRuntime({
    db,
    redis: redisOptions,
    prefix,
    worker: options.worker
      ? {
          transport,
          mailFrom: config.MAIL_FROM,
          concurrency: 2,
          heartbeatSeconds: 1,
          baseUrl: config.baseUrl,
          reminders: options.reminders !== undefined,
          ...(options.reminders ? { schedules: { reminderSweepEveryMs: options.reminders.sweepEveryMs } } : {}),
        }
      : undefined,
  });
  const throttle = new LoginThrottle({
    redis,
    keyPrefix: prefix,
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
    sessionSecret: 'test-secret-test-secret-test-secret',
    mailMode: 'sink',
    dispatchOutbox: runtime.dispatchOutbox,
    queues: runtime.queues,
  });
  return {
    app,
    db,
    config,
    redis,
    runtime,
    sink,
    prefix,
    context: async (actor) => ({
      db,
      actor: actor ? await actorOf(db, actor) : null,
      now: new Date(),
      baseUrl: config.baseUrl,
      dispatchOutbox: runtime.dispatchOutbox,
    }),
    close: async () => {
      await runtime.close();
      transport.close();
      await sink.close();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
      if (testDb) await testDb.drop();
      else await options.database?.close();
    },
  };
}

export const TEST_PASSWORD = 'un mot de passe de test solide';

let userCounter = 0;
/** A user who can sign in with TEST_PASSWORD. */
export async function buildUser(
  db: Database,
  overrides: { roles?: Role[]; unitCodes?: string[]; email?: string; displayName?: string; password?: string | null; active?: boolean } = {},
): Promise<User> {
  userCounter += 1;
  const user = await insertUser(db, {
    email: overrides.email ?? `personne${userCounter}-${randomBytes(3).toString('hex')}@passerelle.test`,
    displayName: overrides.displayName ?? `Personne ${userCounter}`,
    roles: overrides.roles ?? ['charge'],
    passwordHash: overrides.password === null ? null : await hashPassword(overrides.password ?? TEST_PASSWORD),
    active: overrides.active ?? true,
  });
  if (overrides.unitCodes?.length) {
    const units = await listUnits(db);
    await replaceUserUnits(
      db,
      user.id,
      units.filter((unit) => overrides.unitCodes?.includes(unit.code)).map((unit) => unit.id),
    );
  }
  return user;
}

/** A cookie-keeping client that fills in the CSRF token the way a browser form would. */
export class TestBrowser {
  readonly agent: ReturnType<typeof request.agent>;
  csrfToken = '';

  constructor(app: Express) {
    this.agent = request.agent(app);
  }

  private remember(text: string): void {
    const match = /name="_csrf" value="([^"]+)"/.exec(text);
    if (match?.[1]) this.csrfToken = match[1];
  }

  async get(path: string, headers: Record<string, string> = {}) {
    const response = await this.agent.get(path).set(headers);
    this.remember(response.text ?? '');
    return response;
  }

  async post(path: string, form: Record<string, string | string[]> = {}, options: { csrf?: boolean; headers?: Record<string, string> } = {}) {
    if (options.csrf !== false && !this.csrfToken) await this.get('/login');
    const body = options.csrf === false ? form : { _csrf: this.csrfToken, ...form };
    const response = await this.agent.post(path).type('form').set(options.headers ?? {}).send(body);
    this.remember(response.text ?? '');
    return response;
  }

  async login(email: string, password = TEST_PASSWORD) {
    await this.get('/login');
    return this.post('/login', { email, password });
  }
}

/** Waits until `check` returns a value (polling), for work done by BullMQ workers. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 10_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
