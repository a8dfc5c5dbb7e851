// The demo sourcing pipeline on the embedded driver (PGlite, one connection): `npm start` seeds a
// new embedded database, and the committee's gates run on the seed's transaction — nothing may
// query another handle while it is open (it would wait for ever).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { count } from 'drizzle-orm';
import { openDatabase, type DatabaseHandle } from '../../src/models/database';
import { logger } from '../../src/lib/logger';
import { sourcingCases, sourcingGates, sourcingPilots } from '../../src/models/schema';
import { runSeed } from '../../src/seed/seed';

describe('demo sourcing pipeline on PGlite', () => {
  let handle: DatabaseHandle;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-sourcing-seed-'));
  beforeAll(async () => {
    handle = await openDatabase({ driver: 'pglite', dataDir });
    await handle.migrate();
  }, 120_000);
  afterAll(async () => {
    await handle.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('the seed runs to its end with the gates and pilots, and again without adding anything', async () => {
    const first = await runSeed(handle.db, logger);
    expect(first.sourcingCases).toEqual({ inserted: 60, alreadyPresent: 0 });
    expect((await handle.db.select({ value: count() }).from(sourcingGates))[0]?.value).toBe(2);
    expect((await handle.db.select({ value: count() }).from(sourcingPilots))[0]?.value).toBe(3);
    const second = await runSeed(handle.db, logger);
    expect(second.totalInserted).toBe(0);
    expect((await handle.db.select({ value: count() }).from(sourcingCases))[0]?.value).toBe(60);
  }, 300_000);
});
