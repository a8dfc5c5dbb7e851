import { and, count, eq, gte, inArray, lte, sql } from 'drizzle-orm';
import { isoDateInParis } from '../../src/lib/format';
import { affiliations, contactUnits, contacts, conventions, exchangeOrganizations, exchangeUnits, exchanges, organizations, tasks, users } from '../../src/models/schema';
import { addDays } from '../../src/lib/convention-dates';
import { type ReciprocityStatus, partnershipsFallingBehind, reciprocityOfOrganizations } from '../../src/services/reciprocity.service';
import { formatSeedReport, runSeed } from '../../src/seed/seed';
import { logger } from '../../src/lib/logger';
import { verifyPassword } from '../../src/lib/passwords';
import { DEMO_PASSWORD } from '../../src/seed/demo-users';
import { createTestDatabase, type TestDatabase } from '../support/harness';

describe('npm run seed', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  test('loads the demo data once: a second run changes nothing', async () => {
    const first = await runSeed(database.db, logger);
    expect(first.totalInserted).toBeGreaterThan(150);
    const [orgs] = await database.db.select({ value: count() }).from(organizations);
    const [people] = await database.db.select({ value: count() }).from(users);

    // On an empty database nothing was « déjà présent », and the counts are the rows added.
    const countsOf = (report: typeof first) => [
      report.users, report.userUnits, report.organizations, ...Object.values(report.organizations.bySource), report.parentLinks,
      report.organizationFollowUp, report.contacts, report.contactLinks, report.conventions, report.conventionCircuits,
      report.exchanges, report.tasks,
    ];
    expect(countsOf(first).map((seedCount) => seedCount.alreadyPresent)).toEqual(countsOf(first).map(() => 0));
    expect(formatSeedReport(first)).not.toMatch(/[1-9]\d* déjà présent/);
    expect(first.organizations.inserted).toBe(orgs?.value);
    expect(first.users.inserted).toBe(people?.value);

    const [people2] = await database.db.select({ value: count() }).from(contacts);
    const [positions] = await database.db.select({ value: count() }).from(affiliations);
    expect(people2?.value).toBeGreaterThanOrEqual(10);
    expect(positions?.value).toBeGreaterThan(people2?.value ?? 0);
    expect(first.contacts.inserted).toBe(people2?.value);
    const [contactUnitLinks] = await database.db.select({ value: count() }).from(contactUnits);
    expect(first.contactLinks.inserted).toBe((positions?.value ?? 0) + (contactUnitLinks?.value ?? 0));

    const second = await runSeed(database.db, logger);
    expect((await database.db.select({ value: count() }).from(contacts))[0]).toEqual(people2);
    expect((await database.db.select({ value: count() }).from(affiliations))[0]).toEqual(positions);
    expect(second.totalInserted).toBe(0);
    expect(second.contacts).toEqual({ inserted: 0, alreadyPresent: first.contacts.inserted });
    expect(second.contactLinks).toEqual({ inserted: 0, alreadyPresent: first.contactLinks.inserted });
    expect(second.organizations).toMatchObject({ inserted: 0, alreadyPresent: first.organizations.inserted });
    expect((await database.db.select({ value: count() }).from(organizations))[0]).toEqual(orgs);
    expect((await database.db.select({ value: count() }).from(users))[0]).toEqual(people);
    expect(second.exchanges).toEqual({ inserted: 0, alreadyPresent: first.exchanges.inserted });
    expect(second.tasks).toEqual({ inserted: 0, alreadyPresent: first.tasks.inserted });
  });

  test('seeds exchanges and tasks relative to the reference time: ~60 start-up meetings in 12 months, calls, a CREPS visit, tasks overdue, due today and done', async () => {
    const db = database.db;
    const now = new Date();
    const today = isoDateInParis(now);
    const yearAgo = new Date(now.getTime() - 365 * 24 * 3600_000);
    const [all] = await db.select({ value: count() }).from(exchanges);
    expect(all?.value).toBeGreaterThanOrEqual(70);
    // Start-up meetings (not calls nor notes) of the last twelve months, by several people.
    const meetings = await db
      .select({ id: exchanges.id, authorId: exchanges.authorId, confidential: exchanges.confidential, organizationId: exchangeOrganizations.organizationId })
      .from(exchanges)
      .innerJoin(exchangeOrganizations, eq(exchangeOrganizations.exchangeId, exchanges.id))
      .innerJoin(organizations, eq(organizations.id, exchangeOrganizations.organizationId))
      .where(and(eq(organizations.kindCode, 'startup'), inArray(exchanges.kind, ['rendez_vous', 'visio', 'salon', 'visite']), gte(exchanges.occurredAt, yearAgo), lte(exchanges.occurredAt, now)));
    expect(meetings.length).toBeGreaterThanOrEqual(55);
    expect(new Set(meetings.map((meeting) => meeting.authorId)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(meetings.map((meeting) => meeting.organizationId)).size).toBeGreaterThanOrEqual(25);
    expect(meetings.some((meeting) => meeting.confidential)).toBe(true);
    // Every exchange has its organisations and units, each link carrying the exchange's date.
    const [unlinked] = await db.select({ value: count() }).from(exchanges).where(sql`not exists (select 1 from exchange_units u where u.exchange_id = ${exchanges.id}) or not exists (select 1 from exchange_organizations o where o.exchange_id = ${exchanges.id})`);
    expect(unlinked?.value).toBe(0);
    const [outOfStep] = await db.select({ value: count() }).from(exchangeUnits).innerJoin(exchanges, eq(exchanges.id, exchangeUnits.exchangeId)).where(sql`${exchangeUnits.occurredAt} <> ${exchanges.occurredAt}`);
    expect(outOfStep?.value).toBe(0);
    const kinds = new Set((await db.select({ kind: exchanges.kind }).from(exchanges)).map((row) => row.kind));
    expect([...kinds]).toEqual(expect.arrayContaining(['rendez_vous', 'appel', 'visio', 'salon', 'visite', 'note']));
    const [crepsVisit] = await db
      .select({ value: count() })
      .from(exchanges)
      .innerJoin(exchangeOrganizations, eq(exchangeOrganizations.exchangeId, exchanges.id))
      .innerJoin(organizations, eq(organizations.id, exchangeOrganizations.organizationId))
      .where(and(eq(exchanges.kind, 'visite'), eq(organizations.kindCode, 'creps')));
    expect(crepsVisit?.value).toBe(1);
    // Some are planned in the coming days.
    const [coming] = await db.select({ value: count() }).from(exchanges).where(gte(exchanges.occurredAt, now));
    expect(coming?.value).toBeGreaterThanOrEqual(2);

    // The last activity of a start-up met is its latest past meeting (never a future one).
    const [lexiplume] = await db
      .select({ lastActivityAt: organizations.lastActivityAt, latest: sql<string>`(select max(e.occurred_at) from exchange_organizations e where e.organization_id = ${organizations.id} and e.occurred_at <= now())` })
      .from(organizations)
      .where(eq(organizations.sourceRef, 'seed:startup-lexiplume'));
    expect(lexiplume?.latest).toBeTruthy();
    expect(lexiplume?.lastActivityAt?.getTime()).toBe(new Date(String(lexiplume?.latest)).getTime());
    const [mentorelle] = await db.select({ lastActivityAt: organizations.lastActivityAt }).from(organizations).where(eq(organizations.sourceRef, 'seed:startup-mentorelle'));
    expect(mentorelle?.lastActivityAt?.getTime()).toBeLessThanOrEqual(now.getTime());

    const seededTasks = await db.select().from(tasks);
    expect(seededTasks.filter((task) => task.status === 'a_faire' && task.dueOn < today).length).toBeGreaterThanOrEqual(3);
    expect(seededTasks.filter((task) => task.status === 'a_faire' && task.dueOn === today).length).toBeGreaterThanOrEqual(3);
    expect(seededTasks.filter((task) => task.status === 'faite' && task.doneAt).length).toBeGreaterThanOrEqual(3);
    expect(seededTasks.some((task) => task.exchangeId && task.organizationId)).toBe(true);
  });

  test('seeds partnerships in every reciprocity status and conventions with deadlines in 7, 30 and 90 days', async () => {
    const db = database.db;
    const now = new Date();
    const today = isoDateInParis(now);
    const byRef = async (refs: string[]) =>
      new Map((await db.select({ id: organizations.id, ref: organizations.sourceRef, followed: organizations.followedPartner }).from(organizations).where(inArray(organizations.sourceRef, refs))).map((row) => [row.ref, row]));
    const expected: Record<string, ReciprocityStatus> = {
      'seed:dgddi': 'a_jour',
      'seed:agence-nationale-sport': 'a_surveiller',
      'seed:alliance-francaise-paris-idf': 'a_surveiller',
      'seed:federation-francaise-tennis': 'en_retard',
      'seed:pole-espoir-handball-hdf': 'jamais_rencontre',
      'seed:creps-poitiers': 'jamais_rencontre',
    };
    const found = await byRef(Object.keys(expected));
    const views = await reciprocityOfOrganizations(db, [...found.values()].map((row) => row.id), now);
    const statuses = Object.fromEntries(Object.keys(expected).map((ref) => [ref, views.get(found.get(ref)?.id ?? '')?.status]));
    expect(statuses).toEqual(expected);
    expect([...found.values()].filter((row) => row.followed).map((row) => row.ref).sort()).toEqual(
      ['seed:agence-nationale-sport', 'seed:alliance-francaise-paris-idf', 'seed:federation-francaise-tennis', 'seed:pole-espoir-handball-hdf'],
    );
    // The Alliance française falls behind within a fortnight: its older meeting leaves the window.
    const alliance = views.get(found.get('seed:alliance-francaise-paris-idf')?.id ?? '');
    expect(alliance?.dueBefore && alliance.dueBefore > today && alliance.dueBefore <= addDays(today, 30)).toBe(true);
    // Every partnership behind or falling behind has an owner to remind (the reminder rule « reciprocity.behind »).
    const behind = await partnershipsFallingBehind(db, { now, withinDays: 30 });
    expect(behind.length).toBeGreaterThan(0);
    expect(behind.filter((row) => row.ownerId === null).map((row) => row.organizationName)).toEqual([]);

    const inForce = await db.select().from(conventions).where(and(eq(conventions.status, 'en_vigueur'), gte(conventions.endsOn, today)));
    const endsIn = new Set(inForce.map((row) => row.endsOn));
    for (const days of [7, 30, 90]) expect([days, endsIn.has(addDays(today, days))]).toEqual([days, true]);
    for (const days of [7, 30, 90]) {
      // A notice deadline on the 29th–31st may land up to 3 days earlier (months are clamped).
      const near = inForce.filter((row) => row.noticeDeadline && row.noticeDeadline <= addDays(today, days) && row.noticeDeadline >= addDays(today, days - 3));
      expect([days, near.length]).toEqual([days, 1]);
    }
  });

  test('demo accounts sign in with the documented password, and every role is present', async () => {
    const accounts = await database.db.select().from(users);
    const roles = new Set(accounts.flatMap((account) => account.roles));
    expect([...roles].sort()).toEqual(['admin', 'charge', 'finance', 'juriste', 'lecteur', 'manager']);
    expect(await verifyPassword(accounts[0]?.passwordHash ?? null, DEMO_PASSWORD)).toBe(true);
  });
});
