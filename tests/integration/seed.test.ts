import { count } from 'drizzle-orm';
import { affiliations, contacts, organizations, users } from '../../src/models/schema';
import { runSeed } from '../../src/seed/seed';
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

    const [people2] = await database.db.select({ value: count() }).from(contacts);
    const [positions] = await database.db.select({ value: count() }).from(affiliations);
    expect(people2?.value).toBeGreaterThanOrEqual(10);
    expect(positions?.value).toBeGreaterThan(people2?.value ?? 0);
    expect(first.contacts.inserted).toBe(people2?.value);

    const second = await runSeed(database.db, logger);
    expect((await database.db.select({ value: count() }).from(contacts))[0]).toEqual(people2);
    expect((await database.db.select({ value: count() }).from(affiliations))[0]).toEqual(positions);
    expect(second.totalInserted).toBe(0);
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
