// The demo sourcing pipeline of `npm run seed` (src/seed/demo-sourcing.ts): three challenges, 60
// cases spread over the stages over two years with their history, a gate decided « go » through
// the real committee with three submitted scorecards, a gate waiting for two demo evaluators (their
// steps active, so « Mes validations » lists them), a pilot under way with criteria and milestones
// (tasks) and one past its end date without a decision; a second run adds nothing.
import { and, count, eq, inArray, isNull } from 'drizzle-orm';
import { isoDateInParis } from '../../src/lib/format';
import { logger } from '../../src/lib/logger';
import {
  sourcingCaseStages,
  sourcingCases,
  sourcingChallengeUnits,
  sourcingChallenges,
  sourcingGates,
  sourcingPilotCriteria,
  sourcingPilotMilestones,
  sourcingPilots,
  sourcingScorecards,
  tasks,
  users,
  workflowSteps,
} from '../../src/models/schema';
import { DEMO_SOURCING_REFS } from '../../src/seed/demo-sourcing';
import { runSeed } from '../../src/seed/seed';
import { createTestDatabase, type TestDatabase } from '../support/harness';

describe('demo sourcing pipeline (npm run seed)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    await runSeed(database.db, logger);
  }, 120_000);
  afterAll(() => database.drop());

  const caseByRef = async (ref: string) => {
    const [row] = await database.db.select().from(sourcingCases).where(eq(sourcingCases.sourceRef, ref));
    if (!row) throw new Error(`case ${ref} missing`);
    return row;
  };

  test('three challenges with units, owner, sponsor, weights and budgets; 60 cases spread over the stages', async () => {
    const db = database.db;
    const challenges = await db.select().from(sourcingChallenges);
    expect(challenges.map((challenge) => challenge.title).sort()).toEqual([
      'Accessibilité des contenus pour les élèves à besoins particuliers',
      'IA d’accompagnement des apprenants',
      'Évaluation des compétences à distance',
    ]);
    const [sponsor] = await db.select().from(users).where(eq(users.email, 'bastien.lefebvre@passerelle.example'));
    for (const challenge of challenges) {
      expect(challenge.sponsorId).toBe(sponsor?.id);
      expect(challenge.ownerId).not.toBeNull();
      expect(challenge.budgetMaxCents).toBeGreaterThan(challenge.budgetMinCents ?? 0);
      expect(challenge.criteria).toHaveLength(8);
    }
    const [unitLinks] = await db.select({ value: count() }).from(sourcingChallengeUnits);
    expect(unitLinks?.value).toBe(5);

    const perStage = await db.select({ stage: sourcingCases.stage, value: count() }).from(sourcingCases).groupBy(sourcingCases.stage);
    expect(Object.fromEntries(perStage.map((row) => [row.stage, row.value]))).toEqual({
      reperee: 15,
      qualifiee: 11,
      rencontree: 10,
      evaluee: 6,
      experimentation: 3,
      contractualisation: 2,
      deployee: 1,
      en_veille: 6,
      abandonnee: 6,
    });
    // Every case has its history: one open stage row, the current stage; entries over the last two years.
    const open = await db.select({ caseId: sourcingCaseStages.caseId, stage: sourcingCaseStages.stage }).from(sourcingCaseStages).where(isNull(sourcingCaseStages.leftAt));
    expect(open).toHaveLength(60);
    const cases = await db.select().from(sourcingCases);
    const stageOf = new Map(cases.map((row) => [row.id, row.stage]));
    expect(open.every((row) => stageOf.get(row.caseId) === row.stage)).toBe(true);
    const history = await db.select().from(sourcingCaseStages);
    expect(history.length).toBeGreaterThan(150);
    const twoYearsAgo = Date.now() - 731 * 24 * 3600 * 1000;
    expect(history.every((row) => row.enteredAt.getTime() >= twoYearsAgo && row.enteredAt.getTime() <= Date.now())).toBe(true);
    expect(history.every((row) => row.leftAt === null || row.leftAt >= row.enteredAt)).toBe(true);
    // Sources, tags, next steps (some overdue), reasons of the cases left aside.
    expect(new Set(cases.map((row) => row.source)).size).toBe(6);
    expect(cases.every((row) => row.tags.length >= 2)).toBe(true);
    const today = isoDateInParis(new Date());
    expect(cases.filter((row) => row.nextStepOn && row.nextStepOn < today).length).toBeGreaterThanOrEqual(5);
    expect(cases.filter((row) => row.nextStepOn && row.nextStepOn >= today).length).toBeGreaterThanOrEqual(5);
    expect(cases.filter((row) => ['en_veille', 'abandonnee'].includes(row.stage)).every((row) => !!row.stageReason)).toBe(true);
  });

  test('a gate decided « go » through the committee: three submitted scorecards, the case in « expérimentation », its pilot under way', async () => {
    const db = database.db;
    const decided = await caseByRef(DEMO_SOURCING_REFS.decidedGateCase);
    expect(decided.stage).toBe('experimentation');
    const [gate] = await db.select().from(sourcingGates).where(eq(sourcingGates.caseId, decided.id));
    expect(gate).toMatchObject({ status: 'go', targetStage: 'experimentation', fromStage: 'evaluee' });
    expect(gate?.rationale).toContain('Go pour une expérimentation');
    expect(gate?.decidedAt).not.toBeNull();
    expect(gate?.weightedMean).toBeGreaterThan(0);
    const scorecards = await db.select().from(sourcingScorecards).where(eq(sourcingScorecards.gateId, gate?.id ?? ''));
    expect(scorecards).toHaveLength(3);
    expect(scorecards.every((scorecard) => scorecard.submittedAt !== null && scorecard.scores.length === 8)).toBe(true);
    const evaluators = await db.select({ id: users.id }).from(users).where(inArray(users.email, [...DEMO_SOURCING_REFS.decidedEvaluators]));
    expect(scorecards.map((scorecard) => scorecard.evaluatorId).sort()).toEqual(evaluators.map((user) => user.id).sort());

    const [pilot] = await db.select().from(sourcingPilots).where(eq(sourcingPilots.caseId, decided.id));
    expect(pilot?.status).toBe('en_cours');
    expect(pilot?.decision).toBeNull();
    const criteria = await db.select().from(sourcingPilotCriteria).where(eq(sourcingPilotCriteria.pilotId, pilot?.id ?? ''));
    expect(criteria).toHaveLength(3);
    const milestones = await db.select().from(sourcingPilotMilestones).where(eq(sourcingPilotMilestones.pilotId, pilot?.id ?? ''));
    expect(milestones).toHaveLength(3);
    const milestoneTasks = await db.select().from(tasks).where(eq(tasks.sourcingCaseId, decided.id));
    expect(milestoneTasks.length).toBeGreaterThanOrEqual(3);
    expect(milestones.every((milestone) => milestoneTasks.some((task) => task.id === milestone.taskId))).toBe(true);
  });

  test('a gate waits for two demo evaluators: their evaluation steps are active (« Mes validations »)', async () => {
    const db = database.db;
    const waiting = await caseByRef(DEMO_SOURCING_REFS.waitingGateCase);
    expect(waiting.stage).toBe('evaluee');
    const [gate] = await db.select().from(sourcingGates).where(eq(sourcingGates.caseId, waiting.id));
    expect(gate?.status).toBe('en_cours');
    const evaluators = await db.select({ id: users.id }).from(users).where(inArray(users.email, [...DEMO_SOURCING_REFS.waitingEvaluators]));
    const active = await db
      .select({ assignee: workflowSteps.assigneeUserId })
      .from(workflowSteps)
      .where(and(eq(workflowSteps.runId, gate?.runId ?? ''), eq(workflowSteps.status, 'active')));
    expect(active.map((step) => step.assignee).sort()).toEqual(evaluators.map((user) => user.id).sort());
    const submitted = (await db.select().from(sourcingScorecards).where(eq(sourcingScorecards.gateId, gate?.id ?? ''))).filter((scorecard) => scorecard.submittedAt);
    expect(submitted).toHaveLength(1);
  });

  test('a pilot past its end date without a decision', async () => {
    const overdue = await caseByRef(DEMO_SOURCING_REFS.overduePilotCase);
    const [pilot] = await database.db.select().from(sourcingPilots).where(eq(sourcingPilots.caseId, overdue.id));
    expect(pilot?.status).not.toBe('clos');
    expect(pilot?.decision).toBeNull();
    expect(String(pilot?.endsOn) < isoDateInParis(new Date())).toBe(true);
  });

  test('a second run adds nothing', async () => {
    const db = database.db;
    const [before] = await db.select({ value: count() }).from(sourcingCaseStages);
    const second = await runSeed(db, logger);
    expect(second.sourcingCases).toEqual({ inserted: 0, alreadyPresent: 60 });
    expect(second.sourcingChallenges).toEqual({ inserted: 0, alreadyPresent: 3 });
    expect(second.totalInserted).toBe(0);
    expect((await db.select({ value: count() }).from(sourcingCaseStages))[0]).toEqual(before);
    expect((await db.select({ value: count() }).from(sourcingGates))[0]?.value).toBe(2);
    expect((await db.select({ value: count() }).from(sourcingPilots))[0]?.value).toBe(3);
  });
});
