// The outbox → BullMQ → handler path: exactly-once effects despite retries, double relays
// and a Redis that loses its data.
import { eq, isNull } from 'drizzle-orm';
import { devMailbox, emails, jobHeartbeats, outbox } from '../../src/models/schema';
import { queueEmail } from '../../src/services/mail.service';
import { relayOutbox } from '../../src/jobs/outbox-relay';
import { runSweep } from '../../src/jobs/system.jobs';
import { EmailClaimedElsewhereError, sendQueuedEmail } from '../../src/jobs/mail-send.job';
import { createMailTransport } from '../../src/lib/mail';
import { checkReadiness } from '../../src/services/health.service';
import { eventually, startTestApp, type TestApp } from '../support/harness';

const setupMail = (to: string, key: string) => ({ to, template: 'setup' as const, data: { link: 'http://passerelle.test/setup/x', hours: 24 }, idempotencyKey: key });

describe('outbox, queues and mail delivery', () => {
  let harness: TestApp;
  beforeAll(async () => {
    harness = await startTestApp();
  });
  afterAll(() => harness.close());

  test('an email queued in a rolled-back transaction is never sent', async () => {
    await expect(
      harness.db.transaction(async (tx) => {
        await queueEmail(tx, setupMail('rollback@passerelle.test', 'rollback-1'));
        throw new Error('the business change failed');
      }),
    ).rejects.toThrow('the business change failed');
    expect(await harness.db.select().from(emails).where(eq(emails.idempotencyKey, 'rollback-1'))).toHaveLength(0);
    expect(await harness.db.select().from(outbox).where(isNull(outbox.dispatchedAt))).toHaveLength(0);
  });

  test('the same idempotency key queues one email, and two relays enqueue one job', async () => {
    await harness.db.transaction((tx) => queueEmail(tx, setupMail('once@passerelle.test', 'once-1')));
    await harness.db.transaction((tx) => queueEmail(tx, setupMail('once@passerelle.test', 'once-1')));
    expect(await harness.db.select().from(emails).where(eq(emails.idempotencyKey, 'once-1'))).toHaveLength(1);

    // Both relays may read the row (they lock nothing: no transaction is open while Redis
    // answers); the job id is the row's, so Redis holds one job.
    const [first, second] = await Promise.all([relayOutbox(harness.db, harness.runtime.queues), relayOutbox(harness.db, harness.runtime.queues)]);
    expect(first + second).toBeGreaterThanOrEqual(1);
    expect(await harness.runtime.queues.mail.getJobCounts('waiting', 'delayed', 'active')).toEqual({ waiting: 1, delayed: 0, active: 0 });
    await harness.runtime.queues.mail.drain();
  });

  test('sending the same email twice delivers it once', async () => {
    await harness.db.transaction((tx) => queueEmail(tx, setupMail('twice@passerelle.test', 'twice-1')));
    const [row] = await harness.db.select().from(emails).where(eq(emails.idempotencyKey, 'twice-1'));
    const transport = createMailTransport(harness.sink.url);
    const deps = { db: harness.db, transport, from: 'Passerelle <test@passerelle.test>' };
    // The second job finds the first one's claim (and is retried later by BullMQ), or, if it
    // comes after the delivery, nothing left to send.
    const results = await Promise.allSettled([sendQueuedEmail(deps, { emailId: row?.id ?? '' }), sendQueuedEmail(deps, { emailId: row?.id ?? '' })]);
    const outcomes = results.map((result) => (result.status === 'fulfilled' ? result.value : result.reason instanceof EmailClaimedElsewhereError ? 'claimed elsewhere' : String(result.reason)));
    expect(outcomes.filter((outcome) => outcome === 'sent')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome !== 'sent')).toEqual([expect.stringMatching(/^(skipped|claimed elsewhere)$/)]);
    // Whatever the order, a later run of either job sends nothing more.
    expect(await sendQueuedEmail(deps, { emailId: row?.id ?? '' })).toBe('skipped');
    await eventually(async () => (await harness.db.select().from(devMailbox).where(eq(devMailbox.toHeader, 'twice@passerelle.test'))).length === 1);
    transport.close();
  });

  test('a failed delivery is counted and retried later', async () => {
    await harness.db.transaction((tx) => queueEmail(tx, setupMail('retry@passerelle.test', 'retry-1')));
    const [row] = await harness.db.select().from(emails).where(eq(emails.idempotencyKey, 'retry-1'));
    const broken = createMailTransport('smtp://127.0.0.1:1');
    await expect(sendQueuedEmail({ db: harness.db, transport: broken, from: 'x@passerelle.test' }, { emailId: row?.id ?? '' }, 1, 6)).rejects.toThrow(
      /delivery failed/,
    );
    const [after] = await harness.db.select().from(emails).where(eq(emails.id, row?.id ?? ''));
    expect(after?.attempts).toBe(1);
    expect(after?.status).toBe('pending');
    expect(after?.lastError).toBeTruthy();
  });

  test('after Redis loses its jobs, the sweep re-enqueues pending emails from PostgreSQL, once', async () => {
    await harness.db.transaction((tx) => queueEmail(tx, setupMail('flush@passerelle.test', 'flush-1')));
    await relayOutbox(harness.db, harness.runtime.queues);
    // Simulate a Redis flush: every job of this test's queues disappears.
    await harness.runtime.queues.mail.obliterate({ force: true });
    const later = new Date(Date.now() + 5 * 60_000);
    const first = await runSweep(harness.db, harness.runtime.queues.mail, harness.runtime.queues.imports, later);
    const second = await runSweep(harness.db, harness.runtime.queues.mail, harness.runtime.queues.imports, later);
    expect(first.emailsRequeued).toBeGreaterThanOrEqual(1);
    expect(second.emailsRequeued).toBe(first.emailsRequeued);
    const jobs = await harness.runtime.queues.mail.getJobs(['waiting']);
    const [row] = await harness.db.select().from(emails).where(eq(emails.idempotencyKey, 'flush-1'));
    expect(jobs.filter((job) => job.data.emailId === row?.id)).toHaveLength(1);
  });
});

describe('workers', () => {
  let harness: TestApp;
  beforeAll(async () => {
    harness = await startTestApp({ worker: true });
  });
  afterAll(() => harness.close());

  test('the heartbeat job scheduler runs and readiness reports it', async () => {
    const beat = await eventually(async () => (await harness.db.select().from(jobHeartbeats).where(eq(jobHeartbeats.name, 'system.heartbeat')))[0]);
    expect(beat.lastRunAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
    const readiness = await checkReadiness(harness.db, harness.redis, 1);
    expect(readiness.status).toBe('ok');
  });

  test('a queued email reaches the SMTP sink through the worker', async () => {
    await harness.db.transaction((tx) => queueEmail(tx, setupMail('worker@passerelle.test', 'worker-1')));
    harness.runtime.dispatchOutbox();
    const mail = await eventually(async () => (await harness.db.select().from(devMailbox).where(eq(devMailbox.toHeader, 'worker@passerelle.test')))[0]);
    expect(mail.subject).toBe('Passerelle : créez le compte administrateur');
    expect(mail.htmlBody).toContain('http://passerelle.test/setup/x');
  });
});
