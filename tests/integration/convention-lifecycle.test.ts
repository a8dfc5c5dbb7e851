import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq, inArray, like } from 'drizzle-orm';
import type { Job } from 'bullmq';
import { addDays, noticeDeadline } from '../../src/lib/convention-dates';
import { isoDateInParis } from '../../src/lib/format';
import { openDatabase } from '../../src/models/database';
import { createMailTransport } from '../../src/lib/mail';
import { redisOptionsFromUrl } from '../../src/lib/redis';
import { searchParentConventions } from '../../src/models/conventions.model';
import { auditLog, conventions, type ConventionStatus, type NewConvention } from '../../src/models/schema';
import { CALENDAR_BATCH_SIZE, applyConventionCalendar, nextTermEnd, termOf } from '../../src/services/convention-lifecycle.service';
import { moveConventionStatus } from '../../src/services/conventions.service';
import { JOB_NAMES } from '../../src/workflows/queues';
import { startRuntime, type Runtime } from '../../src/jobs/runtime';
import { TestBrowser, buildUser, eventually, startTestApp, type TestApp } from '../support/harness';
import { TEST_REDIS_URL } from '../support/env';

/** An instant given as Paris wall-clock time (winter: UTC+1, summer: UTC+2). */
function paris(isoLocal: string): Date {
  const date = new Date(`${isoLocal}Z`);
  const offsetHours = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', timeZoneName: 'shortOffset' }).format(date).match(/GMT\+(\d)/)?.[1] ?? 1);
  return new Date(date.getTime() - offsetHours * 3600_000);
}

describe('convention statuses that follow the calendar', () => {
  let harness: TestApp;
  let counter = 0;

  beforeAll(async () => {
    harness = await startTestApp();
  });
  afterAll(async () => {
    await harness.close();
  });
  // Each test works on its own conventions: earlier ones are parked as drafts, which the calendar never touches.
  beforeEach(async () => {
    await harness.db.update(conventions).set({ status: 'brouillon' });
  });

  async function build(values: Partial<NewConvention> & { status: ConventionStatus }) {
    counter += 1;
    const [row] = await harness.db
      .insert(conventions)
      .values({
        reference: `CAL-${counter}-${Math.random().toString(36).slice(2, 8)}`,
        title: `Convention calendrier ${counter}`,
        kind: 'partenariat',
        noticeDeadline: noticeDeadline(values.endsOn, values.noticeMonths),
        ...values,
      })
      .returning();
    if (!row) throw new Error('not inserted');
    return row;
  }

  async function reload(id: string) {
    const [row] = await harness.db.select().from(conventions).where(eq(conventions.id, id));
    if (!row) throw new Error('gone');
    return row;
  }

  async function journalOf(id: string) {
    return harness.db.select().from(auditLog).where(and(eq(auditLog.entityType, 'convention'), eq(auditLog.entityId, id))).orderBy(auditLog.id);
  }

  it('keeps a signed convention « signée » until its start date (Paris), then puts it in force, journaled as the system', async () => {
    const convention = await build({ status: 'signee', startsOn: '2030-04-01', endsOn: '2031-03-31' });
    // 23:30 in Paris on 31 March: still the day before.
    await applyConventionCalendar(harness.db, paris('2030-03-31T23:30:00'));
    expect((await reload(convention.id)).status).toBe('signee');
    expect(await journalOf(convention.id)).toHaveLength(0);
    // 00:30 in Paris on 1 April is still 31 March in UTC.
    const result = await applyConventionCalendar(harness.db, paris('2030-04-01T00:30:00'));
    expect(result).toMatchObject({ today: '2030-04-01', started: 1 });
    expect((await reload(convention.id)).status).toBe('en_vigueur');
    const [entry, ...others] = await journalOf(convention.id);
    expect(others).toHaveLength(0);
    expect(entry).toMatchObject({ action: 'convention.statusChanged', actorId: null, actorLabel: 'Système', changes: { status: { before: 'signee', after: 'en_vigueur' } } });
    expect(entry?.metadata.reason).toContain('prise d’effet');
  });

  it('without a start date, takes effect on its signature date; with neither date, stays « signée »', async () => {
    const signedOnly = await build({ status: 'signee', signedOn: '2030-05-10', endsOn: '2031-05-09' });
    const undated = await build({ status: 'signee' });
    await applyConventionCalendar(harness.db, paris('2030-05-09T12:00:00'));
    expect((await reload(signedOnly.id)).status).toBe('signee');
    await applyConventionCalendar(harness.db, paris('2030-05-10T08:00:00'));
    expect((await reload(signedOnly.id)).status).toBe('en_vigueur');
    expect((await reload(undated.id)).status).toBe('signee');
  });

  it('makes a convention in force « échue » once its end date is over in Paris, unless renewed tacitly', async () => {
    const ending = await build({ status: 'en_vigueur', startsOn: '2029-01-01', endsOn: '2029-12-31' });
    const tacit = await build({ status: 'en_vigueur', startsOn: '2029-01-01', endsOn: '2029-12-31', tacitRenewal: true });
    const withoutDates = await build({ status: 'en_vigueur' });
    const terminated = await build({ status: 'resiliee', endsOn: '2029-06-30' });
    await applyConventionCalendar(harness.db, paris('2029-12-31T23:59:00'));
    expect((await reload(ending.id)).status).toBe('en_vigueur');
    const result = await applyConventionCalendar(harness.db, paris('2030-01-01T00:01:00'));
    expect(result).toMatchObject({ expired: 1, renewed: 1 });
    expect((await reload(ending.id)).status).toBe('echue');
    expect((await reload(tacit.id)).status).toBe('en_vigueur');
    expect((await reload(withoutDates.id)).status).toBe('en_vigueur');
    expect((await reload(terminated.id)).status).toBe('resiliee');
    expect((await journalOf(ending.id)).map((entry) => entry.changes)).toEqual([{ status: { before: 'en_vigueur', after: 'echue' } }]);
  });

  it('renews tacitly for a term of the same length, recomputes the notice deadline, and shows « Reconduction tacite »', async () => {
    const convention = await build({ status: 'en_vigueur', startsOn: '2027-01-01', endsOn: '2027-12-31', noticeMonths: 3, tacitRenewal: true, title: 'Partenariat CREPS reconduit' });
    await applyConventionCalendar(harness.db, paris('2028-01-01T08:00:00'));
    const once = await reload(convention.id);
    expect(once).toMatchObject({ status: 'en_vigueur', startsOn: '2027-01-01', endsOn: '2028-12-31', noticeDeadline: '2028-09-30' });
    // The next renewal adds one term again, not the two years now between start and end.
    await applyConventionCalendar(harness.db, paris('2029-01-02T08:00:00'));
    expect(await reload(convention.id)).toMatchObject({ endsOn: '2029-12-31', noticeDeadline: '2029-09-30' });
    const journal = await journalOf(convention.id);
    expect(journal.map((entry) => entry.action)).toEqual(['convention.tacitlyRenewed', 'convention.tacitlyRenewed']);
    expect(journal[0]).toMatchObject({ actorLabel: 'Système', changes: { endsOn: { before: '2027-12-31', after: '2028-12-31' }, noticeDeadline: { before: '2027-09-30', after: '2028-09-30' } } });

    const reader = await buildUser(harness.db, { roles: ['lecteur'] });
    const browser = new TestBrowser(harness.app);
    await browser.login(reader.email);
    const page = await browser.get(`/conventions/${convention.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Reconduction tacite');
    expect(page.text).toContain('Système');
  });

  it('catches up several missed terms at once, month ends included', async () => {
    // A six-month term ending on 31 August; the job did not run for ten months.
    const convention = await build({ status: 'en_vigueur', startsOn: '2027-03-01', endsOn: '2027-08-31', noticeMonths: 1, tacitRenewal: true });
    await applyConventionCalendar(harness.db, paris('2028-06-15T12:00:00'));
    expect(await reload(convention.id)).toMatchObject({ endsOn: '2028-08-31', noticeDeadline: '2028-07-31' });
    const [entry] = await journalOf(convention.id);
    expect(entry?.metadata).toMatchObject({ terms: 2, term: { months: 6 } });
    expect(termOf('2027-03-01', '2027-08-31')).toEqual({ months: 6 });
    expect(nextTermEnd('2027-08-31', { months: 6 })).toBe('2028-02-29');
    expect(termOf('2027-01-15', '2027-02-03')).toEqual({ days: 20 });
    expect(termOf(null, '2027-12-31')).toEqual({ months: 12 });
  });

  it('goes through « en vigueur » when signed late, and leaves a signed renewal avenant’s extension of its parent alone', async () => {
    const late = await build({ status: 'signee', startsOn: '2026-01-01', endsOn: '2026-06-30' });
    const ctx = await harness.context(null);
    const parent = await build({ status: 'en_vigueur', startsOn: '2025-01-01', endsOn: '2025-12-31', noticeMonths: 2 });
    const avenant = await build({ kind: 'avenant', parentId: parent.id, isRenewal: true, status: 'a_signer', startsOn: '2026-01-01', endsOn: '2026-12-31' });
    await harness.db.transaction((tx) => moveConventionStatus(tx, ctx, { id: avenant.id, to: 'signee', by: 'signature' }));
    expect(await reload(parent.id)).toMatchObject({ status: 'renouvelee', endsOn: '2026-12-31', noticeDeadline: '2026-10-31' });

    await applyConventionCalendar(harness.db, paris('2025-12-31T12:00:00'));
    expect((await reload(avenant.id)).status).toBe('signee');
    await applyConventionCalendar(harness.db, paris('2026-07-01T12:00:00'));
    expect((await reload(late.id)).status).toBe('echue');
    expect((await journalOf(late.id)).map((entry) => entry.changes.status?.after)).toEqual(['en_vigueur', 'echue']);
    expect((await reload(avenant.id)).status).toBe('en_vigueur');
    expect(await reload(parent.id)).toMatchObject({ status: 'renouvelee', endsOn: '2026-12-31' });
  });

  it('changes each convention once when run twice at the same time, and nothing when run again', async () => {
    const signed = await build({ status: 'signee', startsOn: '2026-02-01' });
    const ended = await build({ status: 'en_vigueur', endsOn: '2026-01-31' });
    const renewed = await build({ status: 'en_vigueur', startsOn: '2025-02-01', endsOn: '2026-01-31', tacitRenewal: true });
    const now = paris('2026-02-01T09:00:00');
    const [first, second] = await Promise.all([applyConventionCalendar(harness.db, now), applyConventionCalendar(harness.db, now)]);
    expect((first?.started ?? 0) + (second?.started ?? 0)).toBe(1);
    expect((first?.expired ?? 0) + (second?.expired ?? 0)).toBe(1);
    expect((first?.renewed ?? 0) + (second?.renewed ?? 0)).toBe(1);
    expect(await applyConventionCalendar(harness.db, now)).toMatchObject({ started: 0, expired: 0, renewed: 0 });
    for (const convention of [signed, ended, renewed]) expect(await journalOf(convention.id)).toHaveLength(1);
    expect((await reload(renewed.id)).endsOn).toBe('2027-01-31');
  });

  it('works through more conventions than one batch', async () => {
    const count = CALENDAR_BATCH_SIZE * 2 + 17;
    await harness.db.insert(conventions).values(
      Array.from({ length: count }, (_, index) => ({ reference: `LOT-${index}`, title: `Lot ${index}`, kind: 'partenariat' as const, status: 'signee' as const, startsOn: '2026-03-01' })),
    );
    const result = await applyConventionCalendar(harness.db, paris('2026-03-01T10:00:00'));
    expect(result.started).toBe(count);
    const rows = await harness.db.select({ status: conventions.status }).from(conventions).where(like(conventions.reference, 'LOT-%'));
    expect(rows.every((row) => row.status === 'en_vigueur')).toBe(true);
  });

  it('runs as the convention.lifecycle job on the system queue: two jobs on two workers make one change and one journal row', async () => {
    const today = isoDateInParis(new Date());
    const convention = await build({ status: 'signee', startsOn: addDays(today, -1), endsOn: addDays(today, 365) });
    const transport = createMailTransport(harness.sink.url);
    const redis = redisOptionsFromUrl(TEST_REDIS_URL);
    const worker = { transport, mailFrom: harness.config.MAIL_FROM, concurrency: 1, heartbeatSeconds: 3600 };
    const runtimes: Runtime[] = [
      await startRuntime({ db: harness.db, redis, prefix: harness.prefix, worker }),
      await startRuntime({ db: harness.db, redis, prefix: harness.prefix, worker }),
    ];
    try {
      const jobs: Job[] = await Promise.all([
        harness.runtime.queues.system.add(JOB_NAMES.conventionLifecycle, {}),
        harness.runtime.queues.system.add(JOB_NAMES.conventionLifecycle, {}),
      ]);
      await eventually(async () => (await Promise.all(jobs.map((job) => job.getState()))).every((state) => state === 'completed'), 20_000);
      expect((await reload(convention.id)).status).toBe('en_vigueur');
      const journal = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, convention.id), inArray(auditLog.action, ['convention.statusChanged'])));
      expect(journal).toHaveLength(1);
      // Registered as a job scheduler (one per Redis, whatever the number of workers).
      const schedulers = await harness.runtime.queues.system.getJobSchedulers();
      expect(schedulers.filter((scheduler) => scheduler.key === JOB_NAMES.conventionLifecycle)).toHaveLength(1);
    } finally {
      await Promise.all(runtimes.map((runtime) => runtime.close()));
      transport.close();
    }
  });
});

// Embedded mode (`npm start` without configuration) runs the same job on PGlite.
describe('convention calendar and parent search on PGlite', () => {
  it('renews, puts in force and finds parents without accents, as on PostgreSQL', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-lifecycle-pglite-'));
    const handle = await openDatabase({ driver: 'pglite', dataDir });
    try {
      await handle.migrate();
      const [tacit, signed] = await handle.db
        .insert(conventions)
        .values([
          { reference: 'CONV-2027-0001', title: 'Convention-cadre Éducation', kind: 'cadre', status: 'en_vigueur', startsOn: '2027-01-01', endsOn: '2027-12-31', noticeMonths: 3, noticeDeadline: '2027-09-30', tacitRenewal: true },
          { reference: 'CONV-2027-0002', title: 'Partenariat signé', kind: 'partenariat', status: 'signee', startsOn: '2028-01-01' },
        ])
        .returning();
      const result = await applyConventionCalendar(handle.db, paris('2028-01-01T09:00:00'));
      expect(result).toMatchObject({ started: 1, renewed: 1, expired: 0 });
      const rows = await handle.db.select().from(conventions).where(inArray(conventions.id, [tacit?.id ?? '', signed?.id ?? '']));
      expect(rows.find((row) => row.id === tacit?.id)).toMatchObject({ status: 'en_vigueur', endsOn: '2028-12-31', noticeDeadline: '2028-09-30' });
      expect(rows.find((row) => row.id === signed?.id)?.status).toBe('en_vigueur');
      expect(await applyConventionCalendar(handle.db, paris('2028-01-01T10:00:00'))).toMatchObject({ started: 0, renewed: 0, expired: 0 });
      const found = await searchParentConventions(handle.db, ['education'], { kind: 'cadre' }, { limit: 10 });
      expect(found.map((row) => row.reference)).toEqual(['CONV-2027-0001']);
    } finally {
      await handle.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
