// Reminder benchmark (issue 13) over the data of bench/generate-activity.ts and
// bench/generate-reminders.ts (20,000 conventions, 50,000 organisations, 100,000 tasks,
// 1,000,000 exchanges, 500 users), against server PostgreSQL and Redis:
//   1. sweep: runReminderSweep (src/services/reminders.service.ts) at 05:00 Paris of a working
//      day D — re-plan, plan every rule, nothing due yet — on an empty occurrence table (« cold »:
//      everything to plan) and right after (« steady »: the minute-by-minute case), each side by
//      side with the raw SQL of the same sweep: the statements it sent, captured on the pg client
//      and replayed through `pg` on one connection from the same starting state. Median of --rounds.
//   2. reciprocity: partnershipsFallingBehind (the hourly part of the sweep), app and raw SQL.
//   3. 08:00: the sweep that sends what is due (tasks, meetings, convention deadlines,
//      partnerships behind, partners' J-1), then the daily digest of every user (its send time
//      moved to 08:05 for the run, so it is measured on its own), e-mails written to the outbox.
//   4. delivery: the worker runtime (BullMQ on Redis, mail.send) delivers those e-mails into an
//      SMTP sink on 127.0.0.1 that counts them by X-Passerelle-Email-Id: e-mails per second,
//      duplicates (an e-mail received twice, or two e-mails for one occurrence), missing ones.
// Objectives (issue 13): sweep ≤ 2 s; ≥ 100 e-mails/s with 0 duplicates; digest of 500 users ≤ 10 s.
// The run removes reminder occurrences and the e-mails and notifications it wrote (bench data only).
//
//   npx tsx bench/generate-activity.ts && npx tsx bench/generate-reminders.ts   (once)
//   npx tsx bench/run-reminders.ts [--rounds=5] [--day=YYYY-MM-DD] [--concurrency=8]
//   DATABASE_URL (default postgres://postgres@127.0.0.1:5432/passerelle_bench), REDIS_URL (default redis://127.0.0.1:6379/12)
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import nodemailer from 'nodemailer';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { startRuntime } from '../src/jobs/runtime';
import { atParisTime, isParisWorkingDay, nextParisWorkingDay, parisDayOf } from '../src/lib/paris-time';
import { redisOptionsFromUrl } from '../src/lib/redis';
import { openDatabase, type Database } from '../src/models/database';
import { REMINDER_RULES } from '../src/models/reminder-rules';
import { partnershipsFallingBehind } from '../src/services/reciprocity.service';
import { runReminderSweep, type SweepReport } from '../src/services/reminders.service';
import { argValue, benchDatabaseUrl, DEFAULT_REDIS_URL } from './bench-env';

const ROUNDS = Number(argValue('rounds') ?? 5);
const CONCURRENCY = Number(argValue('concurrency') ?? 8);
/** A Redis database of its own, so the bench never touches other queues on the shared server. */
const REDIS_URL = process.env.REDIS_URL ?? `${DEFAULT_REDIS_URL}/12`;
const BASE_URL = 'https://passerelle.bench.example';
const DIGEST_TIME = '08:05';

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? Number.NaN : sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
const ms = (value: number) => `${value.toFixed(0)} ms`;

// ── statements sent by the app, captured on the pg client (as bench/targets/passerelle-app-traced.ts) ──
interface Captured {
  text: string;
  values: unknown[];
  rowMode?: string;
}
const prepareValue = (pg as unknown as { utils: { prepareValue(value: unknown): unknown } }).utils.prepareValue;
type QueryFunction = (this: pg.Client, ...args: unknown[]) => unknown;
const originalQuery = pg.Client.prototype.query as unknown as QueryFunction;
let capturing: Captured[] | null = null;
(pg.Client.prototype as unknown as { query: QueryFunction }).query = function capturedQuery(this: pg.Client, ...args: unknown[]): unknown {
  const [config, second] = args;
  const submittable = typeof config === 'object' && config !== null && typeof (config as { submit?: unknown }).submit === 'function';
  if (capturing && !submittable) {
    const options = (typeof config === 'object' && config !== null ? config : {}) as { text?: string; values?: unknown[]; rowMode?: string };
    const values = Array.isArray(second) ? second : (options.values ?? []);
    capturing.push({
      text: typeof config === 'string' ? config : (options.text ?? ''),
      values: values.map((value) => prepareValue(value)),
      ...(options.rowMode ? { rowMode: options.rowMode } : {}),
    });
  }
  return originalQuery.apply(this, args);
};

async function capture<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; statements: Captured[] }> {
  const statements: Captured[] = [];
  capturing = statements;
  const started = performance.now();
  try {
    const result = await work();
    return { result, ms: performance.now() - started, statements };
  } finally {
    capturing = null;
  }
}

/** The captured statements again, in order, on one connection (kept open, warm like the app's pool). */
async function replay(client: pg.Client, statements: Captured[]): Promise<number> {
  const started = performance.now();
  for (const statement of statements) await client.query({ text: statement.text, values: statement.values, ...(statement.rowMode ? { rowMode: statement.rowMode as 'array' } : {}) });
  return performance.now() - started;
}

/** The state before a sweep: no occurrence, no sweep heartbeat, none of this run's e-mails and notifications. */
async function reset(admin: pg.Pool, since: string): Promise<void> {
  await admin.query(`delete from reminder_occurrences`);
  await admin.query(`delete from job_heartbeats where name like 'reminders.%'`);
  await admin.query(`delete from outbox where created_at >= $1`, [since]);
  await admin.query(`delete from emails where created_at >= $1`, [since]);
  await admin.query(`delete from notifications where created_at >= $1`, [since]);
}

interface SmtpCounter {
  port: number;
  received: Map<string, number>;
  withoutId: number;
  close(): Promise<void>;
}

/** An SMTP server on 127.0.0.1 that only counts messages, by the e-mail id the mail.send job puts in a header. */
async function startCounter(): Promise<SmtpCounter> {
  const received = new Map<string, number>();
  const counter = { withoutId: 0 };
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const headerEnd = text.indexOf('\r\n\r\n');
        const id = /^X-Passerelle-Email-Id:\s*([0-9a-f-]+)/im.exec(headerEnd >= 0 ? text.slice(0, headerEnd) : text)?.[1];
        if (id) received.set(id, (received.get(id) ?? 0) + 1);
        else counter.withoutId += 1;
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  if (!address || typeof address === 'string') throw new Error('SMTP sink has no TCP address');
  return {
    port: address.port,
    received,
    get withoutId() {
      return counter.withoutId;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function sweepLine(report: SweepReport): string {
  return `planned ${report.planned}, cancelled ${report.cancelled}, sent ${report.sent}, summarized ${report.summarized}, ignored ${report.ignored}, digests ${report.digests}, late ${report.late}${report.failedRules.length ? `, FAILED ${report.failedRules.join(' ')}` : ''}`;
}

async function main(): Promise<void> {
  const { url } = benchDatabaseUrl();
  const requestedDay = argValue('day');
  // A working day after today (Paris): the digest goes out on working days only.
  const day = requestedDay ?? nextParisWorkingDay(parisDayOf(new Date()));
  if (!isParisWorkingDay(day)) throw new Error(`--day=${day} n’est pas un jour ouvré (le résumé quotidien n’y part pas)`);
  const handle = await openDatabase({ driver: 'pg', url, poolSize: 10 });
  const db: Database = handle.db;
  const admin = new pg.Pool({ connectionString: url, max: 2 });
  const raw = new pg.Client({ connectionString: url });
  await raw.connect();
  const lines: string[] = [];
  const out = (line: string) => {
    lines.push(line);
    log(line);
  };
  try {
    const since = (await admin.query<{ now: string }>(`select now()::text as now`)).rows[0]?.now as string;
    const sizes = (
      await admin.query<Record<string, string>>(`
        select (select count(*) from conventions where status in ('signee', 'en_vigueur')) as conventions,
               (select count(*) from organizations) as organizations,
               (select count(*) from organizations where followed_partner) as followed,
               (select count(*) from tasks) as tasks, (select count(*) from exchanges) as exchanges,
               (select count(*) from users where active) as users, (select count(*) from events) as events`)
    ).rows[0];
    out(`# Relances — ${new Date().toISOString()} — ${os.cpus().length} CPU, load ${os.loadavg().map((value) => value.toFixed(1)).join(' ')}`);
    out(`data: ${JSON.stringify(sizes)}; day D = ${day}; rounds ${ROUNDS}`);

    // 1. The sweep at 05:00 (nothing due): cold and steady, app vs raw SQL.
    const early = atParisTime(day, '05:00');
    const cold = { app: [] as number[], raw: [] as number[] };
    const steady = { app: [] as number[], raw: [] as number[] };
    let coldReport: SweepReport | null = null;
    let statementCount = 0;
    for (let round = 0; round < ROUNDS; round++) {
      await reset(admin, since);
      const first = await capture(() => runReminderSweep(db, { baseUrl: BASE_URL, now: early }));
      coldReport = first.result;
      statementCount = first.statements.length;
      const second = await capture(() => runReminderSweep(db, { baseUrl: BASE_URL, now: new Date(early.getTime() + 60_000) }));
      cold.app.push(first.ms);
      steady.app.push(second.ms);
      await reset(admin, since);
      cold.raw.push(await replay(raw, first.statements));
      steady.raw.push(await replay(raw, second.statements));
      log(`  round ${round + 1}: cold ${ms(first.ms)} (raw ${ms(cold.raw.at(-1) as number)}), steady ${ms(second.ms)} (raw ${ms(steady.raw.at(-1) as number)})`);
    }
    out(`cold sweep (${coldReport ? sweepLine(coldReport) : ''}; ${statementCount} statements)`);
    out(`| sweep at 05:00 | app (median) | raw SQL (median) | app / raw |`);
    out(`|---|---|---|---|`);
    out(`| cold (empty occurrence table) | ${ms(median(cold.app))} | ${ms(median(cold.raw))} | ${(median(cold.app) / median(cold.raw)).toFixed(2)} |`);
    out(`| steady (the next minute) | ${ms(median(steady.app))} | ${ms(median(steady.raw))} | ${(median(steady.app) / median(steady.raw)).toFixed(2)} |`);

    // 2. Reciprocity (hourly, from 08:00): the partnerships falling behind.
    const reciprocity = { app: [] as number[], raw: [] as number[] };
    let behind = 0;
    const withinDays = REMINDER_RULES['reciprocity.behind'].defaults.offsetsDays[0] ?? 30;
    for (let round = 0; round < ROUNDS; round++) {
      const run = await capture(() => partnershipsFallingBehind(db, { now: atParisTime(day, '08:00'), withinDays }));
      behind = run.result.length;
      reciprocity.app.push(run.ms);
      reciprocity.raw.push(await replay(raw, run.statements));
    }
    out(`| reciprocity (${behind} partnerships behind or soon) | ${ms(median(reciprocity.app))} | ${ms(median(reciprocity.raw))} | ${(median(reciprocity.app) / median(reciprocity.raw)).toFixed(2)} |`);

    // 3. The 08:00 sweep that sends, then the digest on its own (08:05 for this run).
    const previousDigest = (await admin.query(`select * from reminder_rule_settings where rule_code = 'digest.daily'`)).rows[0] as Record<string, unknown> | undefined;
    const digestDefaults = REMINDER_RULES['digest.daily'].defaults;
    await admin.query(
      `insert into reminder_rule_settings (rule_code, enabled, mandatory, offsets_days, send_time) values ('digest.daily', $1, $2, $3, $4)
       on conflict (rule_code) do update set send_time = excluded.send_time`,
      [digestDefaults.enabled, digestDefaults.mandatory, digestDefaults.offsetsDays, DIGEST_TIME],
    );
    let deliveredRate = 0;
    try {
      await reset(admin, since);
      await runReminderSweep(db, { baseUrl: BASE_URL, now: early });
      const sending = await capture(() => runReminderSweep(db, { baseUrl: BASE_URL, now: new Date(atParisTime(day, '08:00').getTime() + 30_000) }));
      out(`sweep at 08:00:30: ${ms(sending.ms)} — ${sweepLine(sending.result)}`);
      const digest = await capture(() => runReminderSweep(db, { baseUrl: BASE_URL, now: new Date(atParisTime(day, DIGEST_TIME).getTime() + 30_000) }));
      const users = Number((await admin.query<{ count: string }>(`select count(*) from users where active`)).rows[0]?.count ?? 0);
      out(`digest at ${DIGEST_TIME}:30 for ${users} active users: ${ms(digest.ms)} — ${sweepLine(digest.result)}`);

      // 4. Delivery into the SMTP sink.
      const expected = (await admin.query<{ id: string }>(`select id from emails where created_at >= $1`, [since])).rows.map((row) => row.id);
      const keys = Number((await admin.query<{ count: string }>(`select count(*) from (select idempotency_key from emails where created_at >= $1 group by 1 having count(*) > 1) d`, [since])).rows[0]?.count ?? 0);
      const sink = await startCounter();
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true, pool: true, maxConnections: CONCURRENCY, maxMessages: Number.POSITIVE_INFINITY });
      const hour = 3_600_000;
      const prefix = `bench-reminders-${randomBytes(3).toString('hex')}`;
      const runtime = await startRuntime({
        db,
        redis: redisOptionsFromUrl(REDIS_URL),
        prefix,
        worker: {
          transport,
          mailFrom: 'passerelle@bench.example',
          concurrency: CONCURRENCY,
          heartbeatSeconds: 3_600,
          baseUrl: BASE_URL,
          schedules: { outboxRelayEveryMs: 1_000, sweepEveryMs: hour, duplicatesScanEveryMs: 24 * hour, conventionLifecycleEveryMs: 24 * hour, reminderSweepEveryMs: 24 * hour },
        },
      });
      try {
        const started = performance.now();
        runtime.dispatchOutbox();
        const deadline = started + 60_000 + expected.length * 50;
        while (sink.received.size < expected.length && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        const elapsed = (performance.now() - started) / 1000;
        // A little longer: a duplicate delivery would come after the last first delivery.
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        const duplicates = [...sink.received.values()].filter((times) => times > 1).length;
        const missing = expected.filter((id) => !sink.received.has(id)).length;
        deliveredRate = sink.received.size / elapsed;
        out(
          `delivery: ${sink.received.size} / ${expected.length} e-mails in ${elapsed.toFixed(1)} s = ${deliveredRate.toFixed(0)} e-mails/s (mail.send concurrency ${CONCURRENCY}); ` +
            `duplicates ${duplicates} received twice, ${keys} idempotency keys used twice; missing ${missing}; without id ${sink.withoutId}`,
        );
      } finally {
        await runtime.close({ drainMs: 2_000 });
        transport.close();
        await sink.close();
        // This run's queues, removed once nothing uses them any more.
        const redis = new Redis(redisOptionsFromUrl(REDIS_URL));
        try {
          for (let cursor = '0', first = true; first || cursor !== '0'; first = false) {
            const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
            cursor = next;
            if (keys.length > 0) await redis.del(...keys);
          }
        } finally {
          redis.disconnect();
        }
      }
    } finally {
      if (previousDigest) {
        await admin.query(`update reminder_rule_settings set send_time = $2 where rule_code = $1`, ['digest.daily', previousDigest.send_time]);
      } else {
        await admin.query(`delete from reminder_rule_settings where rule_code = 'digest.daily'`);
      }
      await reset(admin, since);
    }
    out(`objectives: sweep ≤ 2 s (cold ${ms(median(cold.app))}, steady ${ms(median(steady.app))}); ≥ 100 e-mails/s (${deliveredRate.toFixed(0)}); digest ≤ 10 s (see above)`);
    const resultsDir = path.join(__dirname, 'results');
    fs.mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-')}-reminders.md`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    log(`résultats : ${file}`);
  } finally {
    await raw.end();
    await admin.end();
    await handle.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
