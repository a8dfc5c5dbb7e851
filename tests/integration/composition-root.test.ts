// One composition root for every role (src/boot.ts configureProcess): a worker-only process
// (`npm run worker`, which builds no Express app) applies the settings of the configuration and
// registers the convention circuit's status mapping, as the web process does. They were applied
// in createApp only: a run started in a worker used the code's default threshold.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { boot, type RunningProcess } from '../../src/boot';
import { units, workflowRuns } from '../../src/models/schema';
import { actorOf } from '../../src/services/auth.service';
import { startRun } from '../../src/services/workflows.service';
import { definitionForStart } from '../../src/workflows/definitions';
import { CONVENTION_APPROVAL_KEY, DEFAULT_SECOND_APPROVAL_THRESHOLD } from '../../src/workflows/definitions/convention-approval.workflow';
import { buildUser, createTestDatabase, type TestDatabase } from '../support/harness';
import { TEST_REDIS_URL } from '../support/env';

describe('the composition root configures a worker-only process', () => {
  let database: TestDatabase;
  let running: RunningProcess | undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-worker-only-'));

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await running?.shutdown('test done');
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('WORKFLOW_SECOND_APPROVAL_THRESHOLD reaches the runs a worker-only process starts', async () => {
    // Nothing configured yet in this process: the code's default.
    expect(definitionForStart(CONVENTION_APPROVAL_KEY)?.settings?.secondApprovalThreshold).toBe(DEFAULT_SECOND_APPROVAL_THRESHOLD);

    running = await boot(
      { web: false, worker: true },
      {
        NODE_ENV: 'test',
        DATABASE_URL: database.url,
        REDIS_URL: TEST_REDIS_URL,
        QUEUE_PREFIX: `test-${randomBytes(5).toString('hex')}`,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        MIGRATE_ON_START: 'false',
        WORKFLOW_SECOND_APPROVAL_THRESHOLD: '1000',
      },
    );
    // A worker: no HTTP server, hence no createApp.
    expect(running.url).toBeUndefined();
    expect(definitionForStart(CONVENTION_APPROVAL_KEY)?.settings?.secondApprovalThreshold).toBe(1000);

    // A run started now copies the configured threshold: a 5,000 € convention needs the second
    // manager (the default, 50,000 €, would skip that stage).
    const db = database.db;
    const [unit] = await db.select().from(units).where(eq(units.code, 'DDPSI'));
    const charge = await buildUser(db, { roles: ['charge'], unitCodes: ['DDPSI'] });
    const ctx = { db, actor: await actorOf(db, charge), now: new Date(), baseUrl: 'http://passerelle.test' };
    const run = await db.transaction((tx) =>
      startRun(tx, { ...ctx, db: tx }, {
        definitionKey: CONVENTION_APPROVAL_KEY,
        subject: { type: 'composition-root-test', id: 'worker-only', unitId: unit?.id ?? null, context: { amount: 5000, title: 'Convention de test' } },
      }),
    );
    const [stored] = await db.select().from(workflowRuns).where(eq(workflowRuns.id, run.id));
    expect((stored?.definition as { settings?: Record<string, number> }).settings?.secondApprovalThreshold).toBe(1000);
  }, 60_000);
});
