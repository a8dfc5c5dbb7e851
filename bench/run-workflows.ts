// Workflow benchmark: N conventions driven through the approval circuit (submit, legal ∥ finance,
// manager → à signer) with concurrent decisions, against server PostgreSQL and Redis, with a
// BullMQ worker running (assignment emails, deadline timers, outbox relay). Measured in the
// same run as a baseline: bare BullMQ throughput of trivial jobs on the same Redis.
//
//   npx tsx bench/run-workflows.ts [--runs=300] [--concurrency=16] [--jobs=5000]
//   DATABASE_URL (default postgres://postgres@127.0.0.1:5432/passerelle_bench_workflows, recreated)
//   REDIS_URL (default redis://127.0.0.1:6379/13)
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { and, eq, inArray, sql } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import { openDatabase } from '../src/models/database';
import { redisOptionsFromUrl } from '../src/lib/redis';
import { conventions, organizations, workflowRuns, workflowSteps } from '../src/models/schema';
import { insertUser, replaceUserUnits } from '../src/models/users.model';
import { listUnits } from '../src/models/units.model';
import { actorOf } from '../src/services/auth.service';
import type { ServiceContext } from '../src/services/context';
import { registerConventionCircuit, submitConvention } from '../src/services/convention-circuit';
import { createConvention } from '../src/services/conventions.service';
import { decideStep } from '../src/services/workflows.service';
import { startRuntime } from '../src/jobs/runtime';
import { argValue, recreateBenchDatabase } from './bench-env';

const RUNS = Number(argValue('runs') ?? 300);
const CONCURRENCY = Number(argValue('concurrency') ?? 16);
const JOBS = Number(argValue('jobs') ?? 5000);
const DATABASE_URL = process.env.DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/passerelle_bench_workflows';
const REDIS_URL = process.env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379/13';

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next] as T;
        next += 1;
        await work(item);
      }
    }),
  );
}

async function bareBullmq(prefix: string): Promise<number> {
  // BullMQ declares its own (structurally looser) option type for the same ioredis options.
  const connection = { ...redisOptionsFromUrl(REDIS_URL), maxRetriesPerRequest: null } as ConnectionOptions;
  const queue = new Queue('bare', { connection, prefix });
  let done = 0;
  let finished: () => void = () => undefined;
  const allDone = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const worker = new Worker(
    'bare',
    async () => {
      done += 1;
      if (done === JOBS) finished();
    },
    { connection, prefix, concurrency: CONCURRENCY },
  );
  const started = performance.now();
  for (let offset = 0; offset < JOBS; offset += 500) {
    await queue.addBulk(Array.from({ length: Math.min(500, JOBS - offset) }, (_value, index) => ({ name: 'noop', data: { index: offset + index } })));
  }
  await allDone;
  const seconds = (performance.now() - started) / 1000;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return JOBS / seconds;
}

async function main(): Promise<void> {
  // What boot's composition root does for every role: the circuit's decisions move the conventions.
  registerConventionCircuit();
  await recreateBenchDatabase(DATABASE_URL);
  const handle = await openDatabase({ driver: 'pg', url: DATABASE_URL, poolSize: 20 });
  await handle.migrate();
  const db = handle.db;
  const units = await listUnits(db);
  const unit = units.find((candidate) => candidate.code === 'DDPSI') ?? units[0];
  const person = async (email: string, role: 'charge' | 'juriste' | 'finance' | 'manager') => {
    const user = await insertUser(db, { email, displayName: email, roles: [role], passwordHash: null });
    await replaceUserUnits(db, user.id, unit ? [unit.id] : []);
    return user;
  };
  const [charge, juriste, finance, manager] = [
    await person('charge@bench.test', 'charge'),
    await person('juriste@bench.test', 'juriste'),
    await person('finance@bench.test', 'finance'),
    await person('manager@bench.test', 'manager'),
  ];
  const prefix = `bench-${Date.now()}`;
  const runtime = await startRuntime({
    db,
    redis: redisOptionsFromUrl(REDIS_URL),
    prefix,
    worker: { transport: nodemailer.createTransport({ jsonTransport: true }), mailFrom: 'bench@passerelle.test', concurrency: CONCURRENCY, heartbeatSeconds: 30 },
  });
  const ctxOf = async (user: typeof charge): Promise<ServiceContext> => ({ db, actor: await actorOf(db, user), now: new Date(), baseUrl: 'http://bench', dispatchOutbox: runtime.dispatchOutbox });

  const chargeCtx = await ctxOf(charge);
  const [partner] = await db.insert(organizations).values({ name: 'CREPS de banc d’essai', kindCode: 'creps' }).returning();
  const created: string[] = [];
  for (let index = 0; index < RUNS; index += 1) {
    const convention = await createConvention(chargeCtx, { title: `Convention banc ${index}`, kind: 'partenariat', moneyDirection: 'sans_flux', addPartyIds: [partner?.id ?? ''] });
    created.push(convention.id);
  }

  /** Ids of the active steps of a convention's run, by step key (one query for a parallel stage). */
  const activeSteps = async (conventionId: string, keys: string[]): Promise<string[]> => {
    const rows = await db
      .select({ id: workflowSteps.id, key: workflowSteps.stepKey })
      .from(workflowSteps)
      .innerJoin(workflowRuns, eq(workflowRuns.id, workflowSteps.runId))
      .where(and(eq(workflowRuns.subjectType, 'convention'), eq(workflowRuns.subjectId, conventionId), inArray(workflowSteps.stepKey, keys), eq(workflowSteps.status, 'active')));
    return keys.map((key) => {
      const step = rows.find((row) => row.key === key);
      if (!step) throw new Error(`no active ${key} step for ${conventionId}`);
      return step.id;
    });
  };

  const [juristeCtx, financeCtx, managerCtx] = [await ctxOf(juriste), await ctxOf(finance), await ctxOf(manager)];
  let transitions = 0;
  const started = performance.now();
  // Each convention: submit, then legal and finance at the same time, then the manager.
  await pool(created, CONCURRENCY, async (id) => {
    await submitConvention({ ...chargeCtx, now: new Date() }, id);
    const [legal = '', money = ''] = await activeSteps(id, ['legal', 'finance']);
    await Promise.all([
      decideStep({ ...juristeCtx, now: new Date() }, legal, { decision: 'approve' }),
      decideStep({ ...financeCtx, now: new Date() }, money, { decision: 'approve' }),
    ]);
    const [direction = ''] = await activeSteps(id, ['direction']);
    await decideStep({ ...managerCtx, now: new Date() }, direction, { decision: 'approve' });
    transitions += 4;
  });
  const decidedSeconds = (performance.now() - started) / 1000;
  // End to end: until the outbox is relayed and the assignment e-mails are sent by the worker.
  const drained = async () => {
    const result = (await db.execute(
      sql`select (select count(*) from outbox where dispatched_at is null)::int as outbox, (select count(*) from emails where status = 'pending')::int as emails`,
    )) as unknown as { rows: Array<{ outbox: number; emails: number }> };
    const row = result.rows[0];
    return row !== undefined && row.outbox === 0 && row.emails === 0;
  };
  while (!(await drained())) {
    runtime.dispatchOutbox();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const endToEndSeconds = (performance.now() - started) / 1000;
  const [{ aSigner } = { aSigner: 0 }] = await db.select({ aSigner: sql<number>`count(*)::int` }).from(conventions).where(eq(conventions.status, 'a_signer'));
  const [{ emails } = { emails: 0 }] = (await db.execute(sql`select count(*)::int as emails from emails where status = 'sent'`) as unknown as { rows: Array<{ emails: number }> }).rows;
  await runtime.close();

  const bare = await bareBullmq(`${prefix}-bare`);
  const perSecond = transitions / endToEndSeconds;
  console.log(`\nWorkflow benchmark — ${new Date().toISOString()} — ${RUNS} conventions, ${CONCURRENCY} in flight`);
  console.log(`machine: ${os.cpus().length} CPU (${os.cpus()[0]?.model}), Node ${process.version}`);
  console.log('\n| measure | value |\n|---|---:|');
  console.log(`| transitions (submit + 3 approvals per convention) | ${transitions} |`);
  console.log(`| decisions done in | ${decidedSeconds.toFixed(1)} s |`);
  console.log(`| end to end (outbox relayed, assignment e-mails sent) | ${endToEndSeconds.toFixed(1)} s |`);
  console.log(`| **transitions/s end to end** | **${perSecond.toFixed(0)}** |`);
  console.log(`| bare BullMQ trivial jobs/s (same Redis, concurrency ${CONCURRENCY}) | ${bare.toFixed(0)} |`);
  console.log(`| ratio | ${(perSecond / bare).toFixed(2)}× |`);
  console.log(`\nconventions « à signer »: ${aSigner} / ${RUNS}; e-mails sent: ${emails}`);
  await handle.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
