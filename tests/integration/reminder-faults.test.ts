// Reminders are sent exactly once and never missed, on the real servers, through the faults the
// issue lists: a worker process killed with SIGKILL in the middle of a sweep and of the sends,
// Redis flushed, two sweepers at once, the clock jumping over a weekend and a DST change, the
// app down for two days. After each: every occurrence due is handled, each has one e-mail
// (key reminder:<id>) and one notification, and the late ones are marked.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq, inArray, like, sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { createMailTransport } from '../../src/lib/mail';
import { startPrivateRedis, type RedisEndpoint } from '../../src/lib/redis';
import { addParisDays, atParisTime, isParisWorkingDay, nextParisWorkingDay, parisDayOf, startOfParisDayInstant } from '../../src/lib/paris-time';
import { devMailbox, emails, notifications, reminderOccurrences, reminderRuleSettings, tasks, users } from '../../src/models/schema';
import { startRuntime, type Runtime } from '../../src/jobs/runtime';
import { runReminderSweep } from '../../src/services/reminders.service';
import { TEST_REDIS_URL } from '../support/env';
import { buildUser, createTestDatabase, eventually, startTestApp, type TestApp, type TestDatabase } from '../support/harness';
import { type WorkerProcess, startWorkerProcess } from '../support/worker-process';

const BASE_URL = 'http://passerelle.test';
const CONCURRENCY = 6;



describe('reminders: exactly once, never missed, through faults', () => {
  let testDb: TestDatabase;
  let harness: TestApp;
  let dataDir: string;
  const workers: WorkerProcess[] = [];

  const count = async (query: ReturnType<typeof sql>) => {
    const result = (await harness.db.execute(query)) as unknown as { rows: Array<{ n: number }> };
    return Number(result.rows[0]?.n ?? 0);
  };

  /** N tasks due today for `people` users, their « due today » reminder due from midnight (the rule's time moved to 00:00). */
  const tasksDueToday = async (n: number, people: number, prefix: string) => {
    const assignees: Array<{ id: string }> = [];
    for (let index = 0; index < people; index += 1) assignees.push(await buildUser(harness.db, { displayName: `${prefix} ${index}` }));
    const today = parisDayOf(new Date());
    const rows = await harness.db
      .insert(tasks)
      .values(Array.from({ length: n }, (_value, index) => ({ title: `${prefix} tâche ${index}`, dueOn: today, assigneeId: assignees[index % people]?.id as string })))
      .returning({ id: tasks.id });
    return rows.map((row) => row.id);
  };

  /**
   * The invariants after a fault, for the given subjects: no occurrence due is left planned;
   * each one sent has exactly one e-mail and its e-mail is that occurrence's; each sent or
   * summarised one for a user has one notification.
   */
  const expectExactlyOnce = async (subjectIds: string[], now: Date) => {
    const rows = await harness.db.select().from(reminderOccurrences).where(inArray(reminderOccurrences.subjectId, subjectIds));
    expect(rows.filter((row) => row.status === 'planifiee' && row.dueAt.getTime() <= now.getTime())).toEqual([]);
    const sent = rows.filter((row) => row.status === 'envoyee');
    const mails = sent.length === 0 ? [] : await harness.db.select().from(emails).where(inArray(emails.idempotencyKey, sent.map((row) => `reminder:${row.id}`)));
    expect(mails).toHaveLength(sent.length);
    expect(new Set(sent.map((row) => row.emailId)).size).toBe(sent.length);
    expect(sent.every((row) => mails.some((mail) => mail.id === row.emailId))).toBe(true);
    return rows;
  };

  beforeAll(async () => {
    testDb = await createTestDatabase();
    harness = await startTestApp({ database: { db: testDb.db, close: () => testDb.drop() } });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-reminders-'));
  }, 60_000);

  afterAll(async () => {
    for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    await harness?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const useRealTimeRules = async () => {
    // « Due today » from 00:00 so that everything created now is due now; nothing else fires.
    await harness.db.delete(reminderRuleSettings);
    await harness.db.insert(reminderRuleSettings).values([
      { ruleCode: 'task.due_today', enabled: true, offsetsDays: [0], sendTime: '00:00' },
      { ruleCode: 'task.overdue', enabled: false, offsetsDays: [-1], sendTime: '08:00' },
      { ruleCode: 'digest.daily', enabled: false, offsetsDays: [0], sendTime: '08:00' },
    ]);
  };

  test(
    'a worker process killed with SIGKILL mid-sweep and mid-send: the next one finishes, each reminder once',
    async () => {
      await useRealTimeRules();
      const N = 200;
      const subjectIds = await tasksDueToday(N, 10, 'Kill');
      const ids = sql.raw(`('${subjectIds.join("','")}')`);
      const env = {
        NODE_ENV: 'test',
        DATABASE_URL: testDb.url,
        DATABASE_POOL_SIZE: '8',
        MIGRATE_ON_START: 'false',
        REDIS_URL: TEST_REDIS_URL,
        QUEUE_PREFIX: harness.prefix,
        SMTP_URL: harness.sink.url,
        DATA_DIR: dataDir,
        BASE_URL,
        LOG_LEVEL: 'info',
        HEARTBEAT_SECONDS: '1',
        WORKER_CONCURRENCY: String(CONCURRENCY),
        WORKER_LOCK_SECONDS: '2',
      };
      // The worker sweeps at once (a job scheduler's first run): killed once the occurrences are
      // planned (one statement) and part of them dispatched — in the middle of the sweep.
      const first = await startWorkerProcess(env);
      workers.push(first);
      const handled = () => count(sql`select count(*)::int as n from reminder_occurrences where subject_id in ${ids} and status <> 'planifiee'`);
      const planned = () => count(sql`select count(*)::int as n from reminder_occurrences where subject_id in ${ids}`);
      await eventually(async () => {
        const done = await handled();
        return (await planned()) === N && done > 0 && done < N;
      }, 30_000, 2);
      first.child.kill('SIGKILL');
      expect(await first.exited).toBeNull();
      const handledAtKill = await handled();
      expect(handledAtKill).toBeGreaterThan(0);
      expect(handledAtKill).toBeLessThan(N);
      const unsentAtKill = await count(sql`select count(*)::int as n from emails where idempotency_key like 'reminder:%' and status <> 'sent'`);
      expect(unsentAtKill).toBeGreaterThan(0); // mid-send too
      // A claim's lease outlives its worker for 5 minutes (mail-send.job.ts): let them run out now.
      await harness.db.execute(sql`update emails set lease_until = now() - interval '1 second' where status = 'sending'`);

      const second = await startWorkerProcess(env);
      workers.push(second);
      await eventually(
        async () =>
          (await handled()) === N && (await count(sql`select count(*)::int as n from emails where idempotency_key like 'reminder:%' and status <> 'sent'`)) === 0,
        90_000,
        100,
      );
      const rows = await expectExactlyOnce(subjectIds, new Date());
      expect(rows).toHaveLength(N);
      expect(rows.every((row) => row.status === 'envoyee')).toBe(true);
      expect(await count(sql`select count(*)::int as n from notifications where kind = 'reminder.task.due_today'`)).toBe(N);
      // Delivered: every e-mail reached the SMTP sink; a message accepted just before the kill may
      // arrive twice, with the same Message-ID (SMTP is at-least-once), at most the jobs in hand.
      const mails = await harness.db.select({ messageId: emails.messageId }).from(emails).where(like(emails.idempotencyKey, 'reminder:%'));
      const received = await eventually(async () => {
        const box = await harness.db.select({ messageId: devMailbox.messageId }).from(devMailbox);
        return new Set(box.map((mail) => mail.messageId)).size >= mails.length ? box : null;
      }, 20_000);
      expect(new Set(received.map((mail) => mail.messageId))).toEqual(new Set(mails.map((mail) => mail.messageId)));
      expect(received.length - mails.length).toBeLessThanOrEqual(CONCURRENCY);
      process.stdout.write(`reminder kill: ${handledAtKill}/${N} handled before SIGKILL, ${unsentAtKill} e-mails unsent, ${received.length - mails.length} re-delivered\n`);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    },
    150_000,
  );

  test(
    'Redis flushed mid-way: the schedulers come back, what was queued is rebuilt from PostgreSQL, each reminder once',
    async () => {
      await useRealTimeRules();
      const endpoint: RedisEndpoint = await startPrivateRedis(path.join(dataDir, 'redis'));
      const client = new Redis({ ...endpoint.connectionOptions, maxRetriesPerRequest: 2 });
      const transport = createMailTransport(harness.sink.url);
      let runtime: Runtime | undefined;
      try {
        runtime = await startRuntime({
          db: harness.db,
          redis: endpoint.connectionOptions,
          worker: {
            transport,
            mailFrom: harness.config.MAIL_FROM,
            concurrency: 4,
            heartbeatSeconds: 1,
            baseUrl: BASE_URL,
            reminders: true,
            schedules: { reminderSweepEveryMs: 500, sweepEveryMs: 1_000, schedulersCheckMs: 300 },
          },
        });
        const before = await tasksDueToday(60, 6, 'Flush A');
        // Some handled, then Redis loses everything (schedulers, queued mail jobs).
        const beforeIds = sql.raw(`('${before.join("','")}')`);
        await eventually(
          async () => (await count(sql`select count(*)::int as n from emails e join reminder_occurrences o on o.email_id = e.id where o.subject_id in ${beforeIds} and e.status = 'sent'`)) > 0,
          20_000,
          20,
        );
        await client.flushall();
        const after = await tasksDueToday(60, 6, 'Flush B');
        const all = [...before, ...after];
        const ids = sql.raw(`('${all.join("','")}')`);
        await eventually(
          async () =>
            (await count(sql`select count(*)::int as n from reminder_occurrences where subject_id in ${ids} and status = 'envoyee'`)) === all.length &&
            (await count(sql`select count(*)::int as n from emails e join reminder_occurrences o on o.email_id = e.id where o.subject_id in ${ids} and e.status = 'sent'`)) === all.length,
          60_000,
        );
        const rows = await expectExactlyOnce(all, new Date());
        expect(rows).toHaveLength(all.length);
      } finally {
        await runtime?.close({ drainMs: 2_000 });
        transport.close();
        await client.quit();
        await endpoint.stop();
      }
    },
    90_000,
  );

  test('two sweepers at once, three times over: each reminder planned and sent once', async () => {
    await useRealTimeRules();
    const subjectIds = await tasksDueToday(150, 10, 'Duo');
    for (let round = 0; round < 3; round += 1) {
      const now = new Date();
      await Promise.all([runReminderSweep(harness.db, { now, baseUrl: BASE_URL }), runReminderSweep(harness.db, { now, baseUrl: BASE_URL })]);
    }
    const rows = await expectExactlyOnce(subjectIds, new Date());
    expect(rows).toHaveLength(150);
    expect(rows.every((row) => row.status === 'envoyee')).toBe(true);
    const people = await harness.db.select({ id: users.id }).from(users).where(like(users.displayName, 'Duo %'));
    const notices = await harness.db
      .select({ n: sql<number>`count(*)::int` })
      .from(notifications)
      .where(and(eq(notifications.kind, 'reminder.task.due_today'), inArray(notifications.userId, people.map((person) => person.id))));
    expect(notices[0]?.n).toBe(150);
  });

  test('the clock jumps over a weekend with a DST change, then the app is down two days: due ones go out once, late ones marked', async () => {
    // The built-in rules (due today at 08:00, overdue the next working day, digest 08:00 on working days);
    // the earlier scenarios' tasks are done (their people's digests are then empty).
    await harness.db.delete(reminderRuleSettings);
    await harness.db.update(tasks).set({ status: 'faite', doneAt: new Date() }).where(eq(tasks.status, 'a_faire'));
    // A DST change at least two weeks ahead: its Sunday has 23 or 25 hours.
    let sunday = addParisDays(parisDayOf(new Date()), 14);
    while (startOfParisDayInstant(addParisDays(sunday, 1)).getTime() - startOfParisDayInstant(sunday).getTime() === 24 * 3_600_000) sunday = addParisDays(sunday, 1);
    const friday = addParisDays(sunday, -2);
    const person = await buildUser(harness.db, { displayName: 'Horloge' });
    const dueDays = [-2, -1, 0, 1, 2, 3, 4, 5].map((offset) => addParisDays(sunday, offset)); // Friday … next Friday
    const created = await harness.db.insert(tasks).values(dueDays.map((dueOn) => ({ title: `Tâche du ${dueOn}`, dueOn, assigneeId: person.id }))).returning({ id: tasks.id, dueOn: tasks.dueOn });
    const subjectIds = [...created.map((row) => row.id), person.id];
    const sweepAt = async (day: string, time: string) => {
      const now = atParisTime(day, time);
      await runReminderSweep(harness.db, { now, baseUrl: BASE_URL });
      return expectExactlyOnce(subjectIds, now);
    };

    await sweepAt(friday, '08:00');
    await sweepAt(friday, '18:00');
    // The clock jumps from Friday evening to Monday 08:30, over the weekend and the DST change.
    const monday = addParisDays(sunday, 1);
    let rows = await sweepAt(monday, '08:30');
    const dueToday = (dueOn: string) => rows.find((row) => row.ruleCode === 'task.due_today' && row.occursOn === dueOn);
    expect(`${dueToday(addParisDays(sunday, -1))?.status}:${dueToday(addParisDays(sunday, -1))?.late}`).toBe('envoyee:true'); // Saturday's
    expect(`${dueToday(sunday)?.status}:${dueToday(sunday)?.late}`).toBe('envoyee:true');
    expect(`${dueToday(monday)?.status}:${dueToday(monday)?.late}`).toBe('envoyee:false');
    // 08:00 Paris on Monday is an hour away from Friday's in UTC: DST changed in between.
    expect(Math.abs(((dueToday(monday)?.dueAt.getTime() ?? 0) - (dueToday(friday)?.dueAt.getTime() ?? 0)) / 3_600_000 - 72)).toBe(1);
    // No digest on the weekend; one on Monday if it is a working day.
    const digests = () => rows.filter((row) => row.ruleCode === 'digest.daily').map((row) => row.occursOn);
    expect(digests().filter((day) => !isParisWorkingDay(day))).toEqual([]);
    expect(digests().includes(monday)).toBe(isParisWorkingDay(monday));
    // Friday's task overdue: the next working day after it.
    const fridayOverdue = rows.find((row) => row.ruleCode === 'task.overdue' && row.occursOn === friday);
    expect(fridayOverdue?.dueAt.toISOString()).toBe(atParisTime(nextParisWorkingDay(addParisDays(friday, 1)), '08:00').toISOString());
    const mailsBefore = await count(sql`select count(*)::int as n from emails where idempotency_key like 'reminder:%'`);
    await sweepAt(monday, '08:31'); // again: nothing new
    expect(await count(sql`select count(*)::int as n from emails where idempotency_key like 'reminder:%'`)).toBe(mailsBefore);

    // Down from Tuesday 18:00 to Friday 10:00: Wednesday's and Thursday's reminders go out on restart, late.
    const tuesday = addParisDays(sunday, 2);
    await sweepAt(tuesday, '18:00');
    const nextFriday = addParisDays(sunday, 5);
    rows = await sweepAt(nextFriday, '10:00');
    for (const dueOn of [addParisDays(sunday, 3), addParisDays(sunday, 4)]) {
      const row = rows.find((item) => item.ruleCode === 'task.due_today' && item.occursOn === dueOn);
      expect(`${dueOn}:${row?.status}:${row?.late}`).toBe(`${dueOn}:envoyee:true`);
    }
    // Every task has its « due today », sent once; every overdue notice whose day has come is sent.
    for (const task of created) {
      const mine = rows.filter((row) => row.subjectId === task.id);
      expect(mine.filter((row) => row.ruleCode === 'task.due_today').map((row) => row.status)).toEqual(['envoyee']);
      const overdue = mine.filter((row) => row.ruleCode === 'task.overdue');
      const overdueDay = nextParisWorkingDay(addParisDays(task.dueOn, 1));
      if (atParisTime(overdueDay, '08:00').getTime() <= atParisTime(nextFriday, '10:00').getTime()) expect(overdue.map((row) => row.status)).toEqual(['envoyee']);
    }
    // Digests of the days missed, once each, late; none on a non-working day.
    const digestDays = rows.filter((row) => row.ruleCode === 'digest.daily').map((row) => row.occursOn);
    expect(new Set(digestDays).size).toBe(digestDays.length);
    expect(digestDays.filter((day) => !isParisWorkingDay(day))).toEqual([]);
    for (const day of [addParisDays(sunday, 3), addParisDays(sunday, 4)].filter(isParisWorkingDay)) {
      const digest = rows.find((row) => row.ruleCode === 'digest.daily' && row.occursOn === day);
      expect(`${digest?.status}:${digest?.late}`).toBe('envoyee:true');
    }
  });
});
