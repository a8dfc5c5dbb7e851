// A worker process killed with SIGKILL in the middle of workflow transitions: the jobs it held
// stay « active » in Redis with a lock nobody renews; a new worker process takes them over once
// the lock expires (WORKER_LOCK_SECONDS) and runs them again. Handlers re-check the state under
// the run lock, so every transition happens once and every email is sent.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { auditLog, devMailbox, emails, workflowRuns, workflowSteps, type User, type WorkflowRun } from '../../src/models/schema';
import { inTransaction } from '../../src/services/context';
import { decideStep, startRun } from '../../src/services/workflows.service';
import { registerWorkflowDefinition } from '../../src/workflows/definitions';
import { TEST_REDIS_URL } from '../support/env';
import { buildUser, createTestDatabase, eventually, startTestApp, type TestApp, type TestDatabase } from '../support/harness';
import { type WorkerProcess, startWorkerProcess } from '../support/worker-process';

const SUBJECT = 'kill-test';
const N = 80;
const LOCK_SECONDS = 2;
const CONCURRENCY = 6;

/** Every run: a dated wait, then a review whose reminder and deadline come within seconds. */
registerWorkflowDefinition({
  key: 'test-worker-kill',
  version: 1,
  name: 'Circuit de reprise après arrêt brutal (test)',
  settings: {},
  stages: [
    { key: 'hold', label: 'Attente', steps: [{ kind: 'wait', key: 'hold', label: 'Attente de la date', until: { contextDate: 'releaseAt' } }] },
    { key: 'review', label: 'Revue', steps: [{ kind: 'approval', key: 'review', label: 'Revue juridique', assignee: { role: 'juriste' }, due: { ms: 2_000 } }] },
  ],
});




describe('a worker process killed with SIGKILL mid-transitions', () => {
  let testDb: TestDatabase;
  let harness: TestApp;
  let juriste: User;
  let starter: User;
  let dataDir: string;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase();
    harness = await startTestApp({ database: { db: testDb.db, close: () => testDb.drop() } });
    juriste = await buildUser(harness.db, { roles: ['juriste'], unitCodes: ['DAJ'] });
    starter = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
    await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'] });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-kill-'));
  }, 60_000);

  afterAll(async () => {
    for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    await harness?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const workerEnv = () => ({
    NODE_ENV: 'test',
    DATABASE_URL: testDb.url,
    DATABASE_POOL_SIZE: '8',
    MIGRATE_ON_START: 'false',
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: harness.prefix,
    SMTP_URL: harness.sink.url,
    DATA_DIR: dataDir,
    BASE_URL: 'http://passerelle.test',
    LOG_LEVEL: 'info',
    HEARTBEAT_SECONDS: '1',
    WORKER_CONCURRENCY: String(CONCURRENCY),
    WORKER_LOCK_SECONDS: String(LOCK_SECONDS),
  });

  const count = async (query: ReturnType<typeof sql>) => {
    const result = (await harness.db.execute(query)) as unknown as { rows: Array<{ n: number }> };
    return Number(result.rows[0]?.n ?? 0);
  };

  test(
    `${N} runs whose waits, reminders and deadlines are handled by a worker killed half-way: all complete once after a restart`,
    async () => {
      // Releases spread over ~3 s, so the worker is in the middle of them when it is killed: in
      // bursts of 10 every 400 ms (not one every 40 ms), so that several jobs are active at once
      // however fast each one runs (a release now takes a few ms: one at a time, never 3 active).
      const ctx = await harness.context(starter);
      const t0 = Date.now() + 3_000;
      const runs: WorkflowRun[] = [];
      for (let index = 0; index < N; index += 10) {
        runs.push(
          ...(await Promise.all(
            Array.from({ length: Math.min(10, N - index) }, (_value, offset) =>
              inTransaction(ctx, (tx) =>
                startRun(tx, ctx, {
                  definitionKey: 'test-worker-kill',
                  subject: { type: SUBJECT, id: `subject-${index + offset}`, unitId: null, context: { title: `Sujet ${index + offset}`, releaseAt: new Date(t0 + index * 40).toISOString() } },
                }),
              ),
            ),
          )),
        );
      }
      await harness.runtime.flushOutbox();
      const runIds = runs.map((run) => run.id);
      const waitsDone = () => count(sql`select count(*)::int as n from workflow_steps where run_id in ${sql.raw(`('${runIds.join("','")}')`)} and step_key = 'hold' and status = 'done'`);

      // First worker: killed once it has released a quarter of the waits and holds jobs.
      const first = await startWorkerProcess(workerEnv());
      workers.push(first);
      const activeJobs = async () => (await harness.runtime.queues.workflows.getActiveCount()) + (await harness.runtime.queues.mail.getActiveCount());
      await eventually(async () => (await waitsDone()) >= N / 4 && (await activeJobs()) >= 3, 30_000, 5);
      first.child.kill('SIGKILL');
      expect(await first.exited).toBeNull();
      expect(first.child.signalCode).toBe('SIGKILL');
      const releasedBeforeKill = await waitsDone();
      const orphaned = await activeJobs();
      // The kill came in the middle: waits remained to release, and jobs were left « active »
      // with nobody to finish them (only the lock expiry gives them to another worker).
      expect(releasedBeforeKill).toBeLessThan(N);
      expect(orphaned).toBeGreaterThan(0);

      // Second worker process: takes over the orphaned jobs after their lock expires, and the rest.
      const second = await startWorkerProcess(workerEnv());
      workers.push(second);
      await eventually(async () => (await waitsDone()) === N, 60_000);
      const ids = sql.raw(`('${runIds.join("','")}')`);
      // Every review reminded then escalated (its deadline is 2 s), every email sent.
      await eventually(
        async () =>
          (await count(sql`select count(*)::int as n from workflow_steps where run_id in ${ids} and step_key = 'review' and escalated_at is not null and reminded_at is not null`)) === N &&
          (await count(sql`select count(*)::int as n from emails where status <> 'sent'`)) === 0,
        60_000,
      );

      // Each step once, each transition once.
      const steps = await harness.db.select().from(workflowSteps).where(inArray(workflowSteps.runId, runIds));
      expect(steps).toHaveLength(2 * N);
      expect(steps.filter((step) => step.stepKey === 'review' && (step.status !== 'active' || !step.overdue))).toEqual([]);
      const journal = async (action: string) =>
        (await harness.db.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(and(eq(auditLog.entityType, SUBJECT), eq(auditLog.action, action))))[0]?.n;
      expect(await journal('workflow.wait_over')).toBe(N);
      expect(await journal('workflow.stage_started')).toBe(2 * N);
      expect(await journal('workflow.step_overdue')).toBe(N);

      // One email row per (step, kind, person), each delivered. SMTP is at-least-once: a message
      // accepted by the server just before the kill, but not yet marked sent, goes out again —
      // with the same Message-ID. Distinct Message-IDs received = emails; re-deliveries are at
      // most the jobs the killed worker held.
      const rows = await harness.db.select({ id: emails.id, messageId: emails.messageId }).from(emails);
      const expectedKinds = await count(sql`select count(*)::int as n from emails where idempotency_key like 'workflow-step-%-assignment-%'`);
      expect(expectedKinds).toBeGreaterThanOrEqual(N);
      const received = await eventually(async () => {
        const mailbox = await harness.db.select({ messageId: devMailbox.messageId }).from(devMailbox);
        return new Set(mailbox.map((mail) => mail.messageId)).size >= rows.length ? mailbox : null;
      }, 20_000);
      const distinct = new Set(received.map((mail) => mail.messageId));
      expect(distinct).toEqual(new Set(rows.map((row) => row.messageId)));
      const redelivered = received.length - distinct.size;
      expect(redelivered).toBeLessThanOrEqual(Math.max(orphaned, CONCURRENCY));

      // The runs go on: the reviews are decided from the web side, each once.
      await Promise.all(
        steps
          .filter((step) => step.stepKey === 'review')
          .map(async (step) => decideStep({ ...(await harness.context(juriste)) }, step.id, { decision: 'approve' })),
      );
      const finished = await harness.db.select({ status: workflowRuns.status }).from(workflowRuns).where(inArray(workflowRuns.id, runIds));
      expect(finished.filter((run) => run.status !== 'approved')).toEqual([]);
      expect(await journal('workflow.step_approved')).toBe(N);

      // What happened, for the record (docs/workflows.md quotes it).
      process.stdout.write(`worker kill: ${releasedBeforeKill}/${N} waits released before SIGKILL, ${orphaned} jobs orphaned, ${redelivered} e-mails re-delivered (same Message-ID)\n`);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    },
    180_000,
  );
});
