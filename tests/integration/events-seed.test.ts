// The demo's reciprocity events (src/seed/demo-events.ts): over the last year and the next three
// months with the real partners, invitations and answers, attendance of the past ones; idempotent.
import { and, count, eq, gte, lte } from 'drizzle-orm';
import { logger } from '../../src/lib/logger';
import { eventInvitations, eventOrganizations, events, organizations } from '../../src/models/schema';
import { runSeed } from '../../src/seed/seed';
import { createTestDatabase, type TestDatabase } from '../support/harness';

describe('demo events', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  test('seeds events over the last year and the next three months with partners, answers and attendance, once', async () => {
    const now = new Date();
    const first = await runSeed(database.db, logger, { now });
    expect(first.events).toEqual({ inserted: 9, alreadyPresent: 0 });
    const db = database.db;
    const yearAgo = new Date(now.getTime() - 366 * 86_400_000);
    const inThreeMonths = new Date(now.getTime() + 92 * 86_400_000);
    const [inWindow] = await db.select({ value: count() }).from(events).where(and(gte(events.startsAt, yearAgo), lte(events.startsAt, inThreeMonths)));
    expect(inWindow?.value).toBe(9);
    const kinds = new Set((await db.select({ kind: events.kind }).from(events)).map((row) => row.kind));
    expect([...kinds]).toEqual(expect.arrayContaining(['conference_metier', 'job_dating', 'comite_pilotage']));

    // Organisations that attended, by kind: a CREPS, a CFA, a university.
    const attendedKinds = (
      await db
        .selectDistinct({ kind: organizations.kindCode })
        .from(eventOrganizations)
        .innerJoin(organizations, eq(organizations.id, eventOrganizations.organizationId))
        .where(eq(eventOrganizations.attended, true))
    ).map((row) => row.kind);
    expect(attendedKinds).toEqual(expect.arrayContaining(['creps', 'cfa', 'universite']));
    // Attendance only on past events; answers of every kind; the attended CREPS's last activity moved.
    const invitations = await db.select({ attendance: eventInvitations.attendance, response: eventInvitations.response, startsAt: events.startsAt }).from(eventInvitations).innerJoin(events, eq(events.id, eventInvitations.eventId));
    expect(invitations.filter((row) => row.attendance !== null).every((row) => row.startsAt.getTime() < now.getTime())).toBe(true);
    expect(new Set(invitations.map((row) => row.response))).toEqual(new Set(['accepte', 'decline', 'peut_etre', 'en_attente']));
    const [creps] = await db.select().from(organizations).where(eq(organizations.sourceRef, 'seed:creps-toulouse'));
    expect(creps?.lastActivityAt).not.toBeNull();
    const [cancelled] = await db.select().from(events).where(eq(events.status, 'annule'));
    expect(cancelled?.cancelReason).toBeTruthy();

    const second = await runSeed(database.db, logger, { now });
    expect(second.events).toEqual({ inserted: 0, alreadyPresent: 9 });
    expect((await db.select({ value: count() }).from(eventInvitations))[0]?.value).toBe(invitations.length);
  });
});
