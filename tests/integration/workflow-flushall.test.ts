// A real FLUSHALL in the middle of runs. The shared test Redis serves other test files at the
// same time, so this test starts its own private redis-server (the embedded mode's), runs a
// worker runtime on it, and flushes it: the job schedulers, the delayed deadline jobs and the
// queued emails are all gone. The worker notices its schedulers are missing, declares them
// again and sweeps: PostgreSQL gives back every pending timer and email; all runs complete.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq, inArray, like, sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { createMailTransport } from '../../src/lib/mail';
import { startPrivateRedis, type RedisEndpoint } from '../../src/lib/redis';
import { auditLog, emails, workflowRuns, workflowSteps, type User } from '../../src/models/schema';
import { inTransaction, type ServiceContext } from '../../src/services/context';
import { actorOf } from '../../src/services/auth.service';
import { decideStep, startRun } from '../../src/services/workflows.service';
import { registerWorkflowDefinition } from '../../src/workflows/definitions';
import { JOB_NAMES, stepJobId } from '../../src/workflows/queues';
import { startRuntime, type Runtime } from '../../src/jobs/runtime';
import { buildUser, eventually, startTestApp, type TestApp } from '../support/harness';

const SUBJECT = 'flushall-test';
const N = 20;

registerWorkflowDefinition({
  key: 'test-flushall',
  version: 1,
  name: 'Circuit vidé de Redis (test)',
  settings: {},
  stages: [
    { key: 'review', label: 'Revue', steps: [{ kind: 'approval', key: 'review', label: 'Revue juridique', assignee: { role: 'juriste' }, due: { ms: 4_000 } }] },
    { key: 'hold', label: 'Attente', steps: [{ kind: 'wait', key: 'hold', label: 'Attente de la date', until: { contextDate: 'releaseAt' } }] },
  ],
});

describe('FLUSHALL on Redis mid-run', () => {
  let harness: TestApp;
  let endpoint: RedisEndpoint;
  let runtime: Runtime;
  let client: Redis;
  let transport: ReturnType<typeof createMailTransport>;
  let juriste: User;
  let starter: User;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-flushall-'));

  beforeAll(async () => {
    harness = await startTestApp();
    endpoint = await startPrivateRedis(dataDir);
    client = new Redis({ ...endpoint.connectionOptions, maxRetriesPerRequest: 2 });
    transport = createMailTransport(harness.sink.url);
    runtime = await startRuntime({
      db: harness.db,
      redis: endpoint.connectionOptions,
      worker: {
        transport,
        mailFrom: harness.config.MAIL_FROM,
        concurrency: 4,
        heartbeatSeconds: 1,
        // The sweeper every 2 s, the schedulers checked every 500 ms (minutes in production).
        schedules: { sweepEveryMs: 2_000, schedulersCheckMs: 500 },
      },
    });
    juriste = await buildUser(harness.db, { roles: ['juriste'], unitCodes: ['DAJ'] });
    starter = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
    await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'] });
  }, 60_000);

  afterAll(async () => {
    await runtime?.close();
    transport?.close();
    await client?.quit();
    await endpoint?.stop();
    await harness?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const contextOf = async (user: User): Promise<ServiceContext> => ({ db: harness.db, actor: await actorOf(harness.db, user), now: new Date(), baseUrl: 'http://passerelle.test', dispatchOutbox: runtime.dispatchOutbox });

  test(
    'schedulers, deadline timers and queued emails flushed: the worker declares its schedulers again, the sweeper restores the rest, every run completes once',
    async () => {
      const ctx = await contextOf(starter);
      const runs = await Promise.all(
        Array.from({ length: N }, (_value, index) =>
          inTransaction(ctx, (tx) =>
            startRun(tx, ctx, { definitionKey: 'test-flushall', subject: { type: SUBJECT, id: `subject-${index}`, unitId: null, context: { title: `Sujet ${index}`, releaseAt: '2000-01-01' } } }),
          ),
        ),
      );
      const runIds = runs.map((run) => run.id);
      await runtime.flushOutbox();
      // The deadline timers are delayed jobs in Redis; the schedulers too.
      await eventually(async () => (await runtime.queues.workflows.getDelayedCount()) >= N);
      expect(await runtime.queues.system.getJobScheduler(JOB_NAMES.sweep)).toBeDefined();

      const [firstStep] = await harness.db.select().from(workflowSteps).where(eq(workflowSteps.runId, runIds[0] as string));
      expect(await runtime.queues.workflows.getJob(stepJobId(firstStep?.id ?? '', 'due'))).toBeDefined();
      expect(await client.flushall()).toBe('OK');
      expect(await runtime.queues.workflows.getJob(stepJobId(firstStep?.id ?? '', 'due'))).toBeUndefined();

      // The worker notices, declares its schedulers again and sweeps; each review's reminder
      // (2 s) and deadline (4 s) fire from the restored timers, once.
      await eventually(async () => runtime.queues.system.getJobScheduler(JOB_NAMES.sweep), 10_000);
      await eventually(async () => {
        const [row] = await harness.db
          .select({ n: sql<number>`count(*)::int` })
          .from(workflowSteps)
          .where(and(inArray(workflowSteps.runId, runIds), eq(workflowSteps.stepKey, 'review'), eq(workflowSteps.overdue, true)));
        return row?.n === N;
      }, 30_000);
      const steps = await harness.db.select().from(workflowSteps).where(inArray(workflowSteps.runId, runIds));
      expect(steps.filter((step) => !step.remindedAt || !step.escalatedAt)).toEqual([]);
      const overdue = await harness.db.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(and(eq(auditLog.entityType, SUBJECT), eq(auditLog.action, 'workflow.step_overdue')));
      expect(overdue[0]?.n).toBe(N);

      // The reviews are decided; the dated waits are already past: every run completes.
      await Promise.all(steps.map(async (step) => decideStep(await contextOf(juriste), step.id, { decision: 'approve' })));
      const finished = await harness.db.select({ status: workflowRuns.status }).from(workflowRuns).where(inArray(workflowRuns.id, runIds));
      expect(finished.map((run) => run.status)).toEqual(Array.from({ length: N }, () => 'approved'));

      // Every email — those queued before the flush included — is sent, one per (step, kind, person).
      await eventually(async () => {
        const [pending] = await harness.db.select({ n: sql<number>`count(*)::int` }).from(emails).where(sql`${emails.status} <> 'sent'`);
        return pending?.n === 0;
      }, 30_000);
      const reminders = await harness.db.select({ key: emails.idempotencyKey }).from(emails).where(like(emails.idempotencyKey, 'workflow-step-%-reminder-%'));
      const assignments = await harness.db.select({ key: emails.idempotencyKey }).from(emails).where(like(emails.idempotencyKey, 'workflow-step-%-assignment-%'));
      expect(reminders).toHaveLength(assignments.length);
    },
    90_000,
  );
});
