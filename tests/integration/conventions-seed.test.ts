import { count, eq } from 'drizzle-orm';
import { logger } from '../../src/lib/logger';
import { conventions } from '../../src/models/schema';
import { DEMO_CONVENTIONS } from '../../src/seed/demo-conventions';
import { runSeed } from '../../src/seed/seed';
import { createTestDatabase, type TestDatabase } from '../support/harness';

describe('demo conventions in the seed', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  test('are loaded once, in various states, with the CREPS under their convention-cadre', async () => {
    const first = await runSeed(database.db, logger);
    expect(first.conventions).toEqual({ inserted: DEMO_CONVENTIONS.length, alreadyPresent: 0 });
    const second = await runSeed(database.db, logger);
    expect(second.conventions).toEqual({ inserted: 0, alreadyPresent: DEMO_CONVENTIONS.length });
    const [total] = await database.db.select({ value: count() }).from(conventions);
    expect(total?.value).toBe(DEMO_CONVENTIONS.length);
    const rows = await database.db.select().from(conventions);
    expect(new Set(rows.map((row) => row.status)).size).toBeGreaterThanOrEqual(8);
    const [cadre] = await database.db.select().from(conventions).where(eq(conventions.sourceRef, 'seed:conv-cadre-creps'));
    expect(rows.filter((row) => row.parentId === cadre?.id && row.kind === 'application')).toHaveLength(2);
    const [fncdg] = await database.db.select().from(conventions).where(eq(conventions.sourceRef, 'seed:conv-fncdg'));
    expect(fncdg).toMatchObject({ signedOn: '2022-11-24', noticeDeadline: '2028-08-23' });
    expect(new Set(rows.map((row) => row.reference)).size).toBe(rows.length);
  });
});
