import { asc, count, eq } from 'drizzle-orm';
import { logger } from '../../src/lib/logger';
import { conventions, users, workflowRuns, workflowSteps } from '../../src/models/schema';
import { actorOf } from '../../src/services/auth.service';
import { getInbox } from '../../src/services/workflow-inbox.service';
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
    expect(first.conventionCircuits).toEqual({ inserted: 4, alreadyPresent: 0 });
    const runsAfterFirst = await database.db.select({ value: count() }).from(workflowRuns);
    const stepsAfterFirst = await database.db.select({ value: count() }).from(workflowSteps);
    const second = await runSeed(database.db, logger);
    expect(second.conventions).toEqual({ inserted: 0, alreadyPresent: DEMO_CONVENTIONS.length });
    expect(second.conventionCircuits).toEqual({ inserted: 0, alreadyPresent: 4 });
    expect(await database.db.select({ value: count() }).from(workflowRuns)).toEqual(runsAfterFirst);
    expect(await database.db.select({ value: count() }).from(workflowSteps)).toEqual(stepsAfterFirst);
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

  async function circuitOf(sourceRef: string) {
    const [convention] = await database.db.select().from(conventions).where(eq(conventions.sourceRef, sourceRef));
    const runs = await database.db.select().from(workflowRuns).where(eq(workflowRuns.subjectId, convention?.id ?? ''));
    expect(runs).toHaveLength(1);
    const run = runs[0] as (typeof runs)[number];
    const steps = await database.db.select().from(workflowSteps).where(eq(workflowSteps.runId, run.id)).orderBy(asc(workflowSteps.stageIndex), asc(workflowSteps.stepKey));
    const state = Object.fromEntries(steps.map((step) => [step.stepKey, step.status]));
    return { convention, run, steps, state };
  }

  async function inboxOf(email: string) {
    const [user] = await database.db.select().from(users).where(eq(users.email, email));
    if (!user) throw new Error(`no demo account ${email}`);
    const inbox = await getInbox({ db: database.db, actor: await actorOf(database.db, user), now: new Date(), baseUrl: 'http://passerelle.test' }, {});
    // The conventions' steps only: the demo evaluators also have a sourcing committee waiting for them.
    return inbox.items.filter((item) => item.run.subjectType === 'convention').map((item) => `${item.step.stepKey} ${item.subject}`);
  }

  test('conventions under review went through the circuit as the demo users: coherent runs and steps', async () => {
    const review = await circuitOf('seed:conv-logis-hotels');
    expect(review.convention?.status).toBe('en_revue');
    expect(review.run).toMatchObject({ definitionKey: 'convention-approval', status: 'running', currentStage: 0 });
    expect(review.state).toEqual({ legal: 'active', finance: 'active' });

    const changes = await circuitOf('seed:conv-babychou');
    expect(changes.convention?.status).toBe('modifications_demandees');
    expect(changes.run.status).toBe('changes_requested');
    expect(changes.state).toMatchObject({ legal: 'changes_requested', finance: 'approved' });
    expect(changes.steps.find((step) => step.stepKey === 'legal')?.comment).toContain('clause RGPD');

    const manager = await circuitOf('seed:conv-o2-mecenat');
    expect(manager.convention?.status).toBe('en_revue');
    expect(manager.state).toMatchObject({ legal: 'approved', finance: 'approved', direction: 'active' });

    const toSign = await circuitOf('seed:conv-creps-reims');
    expect(toSign.convention?.status).toBe('a_signer');
    expect(toSign.run.status).toBe('approved');
    expect(toSign.state).toEqual({ legal: 'approved', finance: 'approved', direction: 'approved', 'direction-second': 'skipped', 'to-sign': 'done' });
    // Decided by the demo users holding the roles, in the past, in order.
    const decided = toSign.steps.filter((step) => step.kind === 'approval' && step.decidedAt).sort((a, b) => Number(a.decidedAt) - Number(b.decidedAt));
    expect(decided.map((step) => step.stepKey)).toEqual(['legal', 'finance', 'direction']);
    const [agathe] = await database.db.select().from(users).where(eq(users.email, 'agathe.rousseau@passerelle.example'));
    expect(decided[0]?.decidedById).toBe(agathe?.id);
    expect(Number(decided[2]?.decidedAt)).toBeLessThan(Date.now() - 24 * 60 * 60 * 1000);
    expect(Number(toSign.run.startedAt)).toBeGreaterThan(Number(toSign.convention?.createdAt));

    // « Mes validations » of the demo accounts is not empty.
    expect(await inboxOf('agathe.rousseau@passerelle.example')).toEqual([expect.stringMatching(/^legal .*Logis Hôtels/)]);
    expect(await inboxOf('karim.benali@passerelle.example')).toEqual([expect.stringMatching(/^finance .*Logis Hôtels/)]);
    expect(await inboxOf('bastien.lefebvre@passerelle.example')).toEqual([expect.stringMatching(/^direction .*Mécénat O2/)]);
    expect(await inboxOf('nadia.ferreira@passerelle.example')).toEqual([]);
  });
});
