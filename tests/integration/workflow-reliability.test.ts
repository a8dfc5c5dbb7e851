// Reliability of the convention approval circuit under real conditions: two worker runtimes
// sharing one Redis prefix and one database, and Redis losing every key of the application
// while deadline timers are pending (the sweeper rebuilds them from PostgreSQL).
import { and, eq, inArray, like, sql } from 'drizzle-orm';
import { openDatabase, type DatabaseHandle } from '../../src/models/database';
import { createMailTransport } from '../../src/lib/mail';
import { logger } from '../../src/lib/logger';
import { auditLog, conventions, devMailbox, emails, workflowRuns, workflowSteps, type Organization, type User, type WorkflowStep } from '../../src/models/schema';
import { listPeopleWithRole } from '../../src/models/workflows.model';
import { submitConvention } from '../../src/services/convention-circuit';
import { createConvention } from '../../src/services/conventions.service';
import { decideStep } from '../../src/services/workflows.service';
import { stepJobId } from '../../src/workflows/queues';
import { startRuntime, type Runtime } from '../../src/jobs/runtime';
import { runSweep } from '../../src/jobs/system.jobs';
import { redisOptionsFromUrl } from '../../src/lib/redis';
import { buildOrganization } from '../support/directory-fixtures';
import { TEST_REDIS_URL } from '../support/env';
import { buildUser, createTestDatabase, eventually, startTestApp, type TestApp, type TestDatabase } from '../support/harness';

/** Runs in `items` by batches of `size` at once (decisions arrive concurrently, like many users). */
async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let index = 0; index < items.length; index += size) results.push(...(await Promise.all(items.slice(index, index + size).map(work))));
  return results;
}

describe('workflow reliability (convention circuit)', () => {
  let testDb: TestDatabase;
  let mainHandle: DatabaseHandle;
  let secondHandle: DatabaseHandle;
  let harness: TestApp;
  let second: Runtime;
  let secondTransport: ReturnType<typeof createMailTransport>;
  let sentBySecond = 0;
  let charge: User;
  let juriste: User;
  let finance: User;
  let manager: User;
  let partner: Organization;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    // A bigger pool than the harness default (two runtimes, the SMTP sink, batches of decisions);
    // testDb.drop() closes the default one.
    mainHandle = await openDatabase({ driver: 'pg', url: testDb.url, poolSize: 12 });
    harness = await startTestApp({
      worker: true,
      database: {
        db: mainHandle.db,
        close: async () => {
          await mainHandle.close();
          await testDb.drop();
        },
      },
    });
    // The second worker runtime: its own connection pool (as another process would have), the
    // same Redis prefix and database, the same SMTP sink.
    secondHandle = await openDatabase({ driver: 'pg', url: testDb.url, poolSize: 8 });
    secondTransport = createMailTransport(harness.sink.url);
    const send = secondTransport.sendMail.bind(secondTransport);
    secondTransport.sendMail = ((...args: Parameters<typeof send>) => {
      sentBySecond += 1;
      return send(...args);
    }) as typeof secondTransport.sendMail;
    second = await startRuntime({
      db: secondHandle.db,
      redis: redisOptionsFromUrl(TEST_REDIS_URL),
      prefix: harness.prefix,
      worker: { transport: secondTransport, mailFrom: harness.config.MAIL_FROM, concurrency: 4, heartbeatSeconds: 1 },
    });
    charge = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
    juriste = await buildUser(harness.db, { roles: ['juriste'], unitCodes: ['DAJ'] });
    finance = await buildUser(harness.db, { roles: ['finance'], unitCodes: ['DAF'] });
    manager = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'] });
    partner = await buildOrganization(harness.db, { name: 'CREPS de Vichy', kindCode: 'creps', unitCodes: ['DDPSI'] });
  }, 60_000);

  afterAll(async () => {
    await second?.close();
    secondTransport?.close();
    await secondHandle?.close();
    await harness?.close();
  }, 60_000);

  let created = 0;
  async function newConventions(count: number): Promise<string[]> {
    const ctx = await harness.context(charge);
    return inBatches(Array.from({ length: count }, (_, index) => index), 10, async () => {
      created += 1;
      const convention = await createConvention(ctx, { title: `Convention fiabilité ${created}`, kind: 'partenariat', moneyDirection: 'sans_flux', startsOn: '2026-01-01', addPartyIds: [partner.id] });
      return convention.id;
    });
  }

  async function runOf(conventionId: string) {
    const [run] = await harness.db.select().from(workflowRuns).where(eq(workflowRuns.subjectId, conventionId));
    if (!run) throw new Error(`no run for ${conventionId}`);
    return run;
  }

  async function activeStep(conventionId: string, key: string): Promise<WorkflowStep> {
    const run = await runOf(conventionId);
    const [step] = await harness.db
      .select()
      .from(workflowSteps)
      .where(and(eq(workflowSteps.runId, run.id), eq(workflowSteps.stepKey, key), eq(workflowSteps.status, 'active')));
    if (!step) throw new Error(`no active step ${key} for ${conventionId}`);
    return step;
  }

  async function decideAll(ids: string[], user: User, key: string): Promise<void> {
    await inBatches(ids, 20, async (id) => decideStep(await harness.context(user), (await activeStep(id, key)).id, { decision: 'approve', comment: '' }));
  }

  /** The circuit's decisions for every convention, batch after batch: juriste, finance, manager. */
  async function approveAll(ids: string[]): Promise<void> {
    await decideAll(ids, juriste, 'legal');
    await decideAll(ids, finance, 'finance');
    await decideAll(ids, manager, 'direction');
  }

  async function stepsOfConventions(ids: string[]) {
    return harness.db
      .select({ step: workflowSteps })
      .from(workflowSteps)
      .innerJoin(workflowRuns, eq(workflowRuns.id, workflowSteps.runId))
      .where(inArray(workflowRuns.subjectId, ids))
      .then((rows) => rows.map((row) => row.step));
  }

  /** Every run approved, its convention « à signer », each step once and decided once. */
  async function expectAllApproved(ids: string[]): Promise<WorkflowStep[]> {
    const runs = await harness.db.select().from(workflowRuns).where(inArray(workflowRuns.subjectId, ids));
    expect(runs).toHaveLength(ids.length);
    expect(runs.filter((run) => run.status !== 'approved')).toEqual([]);
    const rows = await harness.db.select({ id: conventions.id, status: conventions.status }).from(conventions).where(inArray(conventions.id, ids));
    expect(rows.filter((row) => row.status !== 'a_signer')).toEqual([]);
    expect(rows).toHaveLength(ids.length);

    const steps = await stepsOfConventions(ids);
    const perRunKey = new Map<string, number>();
    for (const step of steps) perRunKey.set(`${step.runId}/${step.stepKey}/${step.round}`, (perRunKey.get(`${step.runId}/${step.stepKey}/${step.round}`) ?? 0) + 1);
    expect([...perRunKey.values()].filter((count) => count !== 1)).toEqual([]);
    const approvals = steps.filter((step) => step.kind === 'approval' && step.status !== 'skipped');
    expect(approvals).toHaveLength(3 * ids.length);
    expect(approvals.filter((step) => step.status !== 'approved' || step.decision !== 'approve' || !step.decidedAt)).toEqual([]);
    // The journal records one decision per step: no decision was applied twice.
    const decided = await harness.db
      .select({ n: sql<number>`count(*)::int` })
      .from(auditLog)
      .where(and(inArray(auditLog.entityId, ids), eq(auditLog.action, 'workflow.step_approved')));
    expect(decided[0]?.n).toBe(3 * ids.length);
    const finished = await harness.db
      .select({ n: sql<number>`count(*)::int` })
      .from(auditLog)
      .where(and(inArray(auditLog.entityId, ids), eq(auditLog.action, 'workflow.run_approved')));
    expect(finished[0]?.n).toBe(ids.length);
    return approvals;
  }

  /** The assignment emails of these steps: one row per (step, person), to exactly the step's assignees. */
  async function expectAssignmentsOnce(approvals: WorkflowStep[]): Promise<void> {
    const [run] = await harness.db.select().from(workflowRuns).where(eq(workflowRuns.id, approvals[0]?.runId ?? ''));
    const unitId = run?.unitId ?? null;
    const expected = {
      legal: (await listPeopleWithRole(harness.db, 'juriste', null)).length,
      finance: (await listPeopleWithRole(harness.db, 'finance', null)).length,
      direction: (await listPeopleWithRole(harness.db, 'manager', unitId)).length,
    } as Record<string, number>;
    const assignment = await harness.db
      .select({ key: emails.idempotencyKey, to: emails.toAddress })
      .from(emails)
      .where(like(emails.idempotencyKey, 'workflow-step-%-assignment-%'));
    const byStep = new Map<string, string[]>();
    for (const row of assignment) {
      const stepId = row.key.slice('workflow-step-'.length, 'workflow-step-'.length + 36);
      byStep.set(stepId, [...(byStep.get(stepId) ?? []), row.to]);
    }
    for (const step of approvals) {
      const addresses = byStep.get(step.id) ?? [];
      expect({ step: step.stepKey, count: addresses.length }).toEqual({ step: step.stepKey, count: expected[step.stepKey] });
      expect(new Set(addresses).size).toBe(addresses.length);
    }
  }

  /** After the workers drain: every email sent, and the SMTP sink received each one once. */
  async function expectAllSentOnce(timeoutMs: number): Promise<void> {
    await eventually(async () => {
      const [pending] = await harness.db.select({ n: sql<number>`count(*)::int` }).from(emails).where(sql`${emails.status} <> 'sent'`);
      return pending?.n === 0;
    }, timeoutMs);
    const sent = await harness.db.select({ messageId: emails.messageId }).from(emails);
    const received = await eventually(async () => {
      const rows = await harness.db.select({ messageId: devMailbox.messageId }).from(devMailbox);
      return rows.length >= sent.length ? rows : null;
    }, 10_000);
    // Nothing arrives late: a second delivery would show up here.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const receivedIds = (await harness.db.select({ messageId: devMailbox.messageId }).from(devMailbox)).map((row) => row.messageId);
    expect(receivedIds).toHaveLength(received.length);
    expect(receivedIds).toHaveLength(sent.length);
    expect(new Set(receivedIds).size).toBe(receivedIds.length);
    expect(new Set(receivedIds)).toEqual(new Set(sent.map((row) => row.messageId)));
  }

  // N = 200 conventions: this test takes about 30–35 s on the 2-CPU machine, under the ~60 s budget.
  const N = 200;

  test(
    `two worker runtimes, ${N} conventions decided concurrently: every run approved once, every email queued and sent once`,
    async () => {
      const started = Date.now();
      const ids = await newConventions(N);
      const ctx = await harness.context(charge);
      await inBatches(ids, 20, (id) => submitConvention(ctx, id));
      await approveAll(ids);
      const approvals = await expectAllApproved(ids);
      await expectAssignmentsOnce(approvals);
      await harness.runtime.flushOutbox();
      await expectAllSentOnce(40_000);
      // Both runtimes took part in the delivery.
      const [total] = await harness.db.select({ n: sql<number>`count(*)::int` }).from(emails);
      expect(sentBySecond).toBeGreaterThan(0);
      expect(sentBySecond).toBeLessThan(total?.n ?? 0);
      logger.info({ n: N, ms: Date.now() - started }, 'reliability: two workers');
    },
    90_000,
  );

  test(
    'Redis loses every key of the application with deadline timers pending: the sweeper restores them, they fire once, the runs complete',
    async () => {
      const ids = await newConventions(20);
      const ctx = await harness.context(charge);
      await inBatches(ids, 10, (id) => submitConvention(ctx, id));
      await harness.runtime.flushOutbox();
      const reviewSteps = (await stepsOfConventions(ids)).filter((step) => step.status === 'active');
      expect(reviewSteps).toHaveLength(2 * ids.length);
      const queue = harness.runtime.queues.workflows;
      // The timers are in Redis (five working days away)…
      await eventually(async () => {
        for (const step of reviewSteps) if (!(await queue.getJob(stepJobId(step.id, 'due')))) return false;
        return true;
      }, 15_000);
      // …the deadlines come near (PostgreSQL is the source of truth for them)…
      const soon = Date.now();
      await harness.db
        .update(workflowSteps)
        .set({ remindAt: new Date(soon + 1_500), dueAt: new Date(soon + 3_000) })
        .where(inArray(workflowSteps.id, reviewSteps.map((step) => step.id)));
      // …and Redis loses everything: what FLUSHALL does to this application (only this test's
      // prefix: the server is shared with other test files).
      const keys = await harness.redis.keys(`${harness.prefix}*`);
      expect(keys.length).toBeGreaterThan(0);
      await harness.redis.del(...keys);
      for (const step of reviewSteps) expect(await queue.getJob(stepJobId(step.id, 'due'))).toBeUndefined();

      const swept = await runSweep(harness.db, harness.runtime.queues.mail, harness.runtime.queues.imports, new Date(), queue);
      expect(swept.workflowTimers).toBeGreaterThanOrEqual(2 * reviewSteps.length);
      for (const step of reviewSteps) {
        expect(await queue.getJob(stepJobId(step.id, 'reminder'))).toBeDefined();
        expect(await queue.getJob(stepJobId(step.id, 'due'))).toBeDefined();
      }
      // A second sweep (the scheduled one, another worker…) adds nothing new.
      await runSweep(harness.db, harness.runtime.queues.mail, harness.runtime.queues.imports, new Date(), queue);
      // Emails whose mail jobs were lost: the sweeper requeues those pending for a while (its
      // threshold is two minutes: sweep "later").
      await runSweep(harness.db, harness.runtime.queues.mail, harness.runtime.queues.imports, new Date(Date.now() + 5 * 60_000));

      await eventually(async () => {
        const rows = await harness.db.select().from(workflowSteps).where(inArray(workflowSteps.id, reviewSteps.map((step) => step.id)));
        return rows.every((row) => row.remindedAt && row.escalatedAt && row.overdue);
      }, 20_000);
      // The timers fired once each: one reminder per (step, assignee), one escalation per (step, manager).
      const managers = await listPeopleWithRole(harness.db, 'manager', (await runOf(ids[0] as string)).unitId);
      for (const step of reviewSteps) {
        const reminders = await harness.db.select({ to: emails.toAddress }).from(emails).where(like(emails.idempotencyKey, `workflow-step-${step.id}-reminder-%`));
        const assignments = await harness.db.select({ to: emails.toAddress }).from(emails).where(like(emails.idempotencyKey, `workflow-step-${step.id}-assignment-%`));
        expect(reminders.map((row) => row.to).sort()).toEqual(assignments.map((row) => row.to).sort());
        const escalations = await harness.db.select({ to: emails.toAddress }).from(emails).where(like(emails.idempotencyKey, `workflow-step-${step.id}-escalation-%`));
        expect(escalations.map((row) => row.to).sort()).toEqual(managers.map((person) => person.email).sort());
      }
      const overdue = await harness.db
        .select({ n: sql<number>`count(*)::int` })
        .from(auditLog)
        .where(and(inArray(auditLog.entityId, ids), eq(auditLog.action, 'workflow.step_overdue')));
      expect(overdue[0]?.n).toBe(reviewSteps.length);

      // The runs go on to the end.
      await approveAll(ids);
      const approvals = await expectAllApproved(ids);
      await expectAssignmentsOnce(approvals);
      await harness.runtime.flushOutbox();
      await expectAllSentOnce(30_000);
    },
    90_000,
  );
});
