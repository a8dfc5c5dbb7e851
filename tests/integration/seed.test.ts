import { count } from 'drizzle-orm';
import { affiliations, contactUnits, contacts, organizations, users } from '../../src/models/schema';
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
  });

  test('demo accounts sign in with the documented password, and every role is present', async () => {
    const accounts = await database.db.select().from(users);
    const roles = new Set(accounts.flatMap((account) => account.roles));
    expect([...roles].sort()).toEqual(['admin', 'charge', 'finance', 'juriste', 'lecteur', 'manager']);
    expect(await verifyPassword(accounts[0]?.passwordHash ?? null, DEMO_PASSWORD)).toBe(true);
  });
});
