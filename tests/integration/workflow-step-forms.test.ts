// The engine's context-named assignees and feature step forms (used by the « Comité de sourcing »):
// `contextUsers` expands into one step per person (evaluation#1, #2…), `contextUser` names one;
// a step with a `form` is decided only through decideStepInTransaction with that form; a feature
// reassigns a step in its own transaction.
import { eq } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { workflowSteps, type User } from '../../src/models/schema';
import { inTransaction } from '../../src/services/context';
import { decideStep, decideStepInTransaction, formOfStep, reassignStepInTransaction, startRun, stepFormLink } from '../../src/services/workflows.service';
import { SCORECARD_FORM, SOURCING_COMMITTEE_KEY, SPONSOR_DECISION_FORM } from '../../src/workflows/definitions/sourcing-committee.workflow';
import { buildUser, startTestApp, type TestApp } from '../support/harness';

describe('workflow engine: context-named assignees and step forms', () => {
  let harness: TestApp;
  let first: User;
  let second: User;
  let third: User;
  let sponsor: User;

  beforeAll(async () => {
    harness = await startTestApp();
    first = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
    second = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'] });
    third = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
    sponsor = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'] });
  });
  afterAll(async () => {
    await harness.close();
  });

  const start = async (context: Record<string, unknown>) => {
    const ctx = await harness.context(first);
    return inTransaction(ctx, (tx) => startRun(tx, ctx, { definitionKey: SOURCING_COMMITTEE_KEY, subject: { type: 'engine_test', id: randomUUID(), unitId: null, context: { title: 'Essai', ...context } } }));
  };
  const stepsOf = (runId: string) => harness.db.select().from(workflowSteps).where(eq(workflowSteps.runId, runId));

  test('contextUsers: one step per distinct person, numbered; contextUser: the named person', async () => {
    const run = await start({ evaluatorIds: [first.id, second.id, first.id, 'not-an-id'], sponsorId: sponsor.id });
    const steps = (await stepsOf(run.id)).sort((a, b) => a.stepKey.localeCompare(b.stepKey));
    expect(steps.map((step) => [step.stepKey, step.assigneeUserId, step.status])).toEqual([
      ['evaluation#1', first.id, 'active'],
      ['evaluation#2', second.id, 'active'],
    ]);
    expect(steps[0]?.label).toMatch(/\(1\/2\)$/);
    expect(formOfStep(run, steps[0] as (typeof steps)[number])).toBe(SCORECARD_FORM);
    expect(stepFormLink(run, steps[0] as (typeof steps)[number])).toBe(`/sourcing/comites/etapes/${steps[0]?.id}/evaluation`);

    // The generic decision is refused on a form step; the wrong form too.
    await expect(decideStep(await harness.context(second), String(steps[1]?.id), { decision: 'approve', comment: '' })).rejects.toMatchObject({ kind: 'conflict' });
    const ctxSecond = await harness.context(second);
    await expect(inTransaction(ctxSecond, (tx) => decideStepInTransaction(tx, ctxSecond, String(steps[1]?.id), { decision: 'approve', comment: '' }, { form: SPONSOR_DECISION_FORM }))).rejects.toMatchObject({ kind: 'conflict' });
    // Someone the step does not name: refused.
    const ctxThird = await harness.context(third);
    await expect(inTransaction(ctxThird, (tx) => decideStepInTransaction(tx, ctxThird, String(steps[1]?.id), { decision: 'approve', comment: '' }, { form: SCORECARD_FORM }))).rejects.toMatchObject({ kind: 'forbidden' });

    // A feature reassigns a step in its own transaction; the new person decides it through the form.
    const ctxFirst = await harness.context(first);
    const moved = await inTransaction(ctxFirst, (tx) => reassignStepInTransaction(tx, ctxFirst, String(steps[0]?.id), third.id));
    expect(moved.assigneeUserId).toBe(third.id);
    await inTransaction(ctxThird, (tx) => decideStepInTransaction(tx, ctxThird, String(steps[0]?.id), { decision: 'approve', comment: 'Grille soumise' }, { form: SCORECARD_FORM }));
    await inTransaction(ctxSecond, (tx) => decideStepInTransaction(tx, ctxSecond, String(steps[1]?.id), { decision: 'approve', comment: 'Grille soumise' }, { form: SCORECARD_FORM }));
    const sponsorStep = (await stepsOf(run.id)).find((step) => step.stepKey === 'sponsor');
    expect(sponsorStep).toMatchObject({ status: 'active', assigneeUserId: sponsor.id });
    expect(formOfStep(run, sponsorStep as NonNullable<typeof sponsorStep>)).toBe(SPONSOR_DECISION_FORM);
  });

  test('a run whose context names nobody does not start', async () => {
    await expect(start({ evaluatorIds: [], sponsorId: sponsor.id })).rejects.toThrow(/names no assignee/);
  });
});
