// The workflow engine end to end: default convention circuit, parallel reviews, changes
// requested and resubmission, second manager above the threshold, concurrency, permissions,
// deadlines (reminder, escalation) through BullMQ, sweeper after a Redis loss, delegation.
import { and, eq, like, sql } from 'drizzle-orm';
import { auditLog, emails, notifications, units, workflowRuns, workflowSteps, type User } from '../../src/models/schema';
import { inTransaction, type ServiceContext } from '../../src/services/context';
import { createDelegation } from '../../src/services/workflow-inbox.service';
import { decideStep, onStatusChange, resubmitRun, startRun, type StatusChange } from '../../src/services/workflows.service';
import { registerWorkflowDefinition } from '../../src/workflows/definitions';
import { CONVENTION_APPROVAL_KEY } from '../../src/workflows/definitions/convention-approval.workflow';
import { runSweep } from '../../src/workflows/system.jobs';
import { stepJobId } from '../../src/workflows/queues';
import { TestBrowser, buildUser, eventually, startTestApp, type TestApp } from '../support/harness';

const SUBJECT = 'test-convention';

describe('workflow engine', () => {
  let harness: TestApp;
  let uoPro: string;
  let submitter: User;
  let juriste: User;
  let finance: User;
  let manager: User;
  let manager2: User;
  let otherUnitManager: User;
  let lecteur: User;
  const statusChanges: StatusChange[] = [];

  beforeAll(async () => {
    harness = await startTestApp({ worker: true });
    const [unit] = await harness.db.select().from(units).where(eq(units.code, 'UO-PRO'));
    uoPro = unit?.id ?? '';
    submitter = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['UO-PRO'], displayName: 'Chloé Chargée' });
    juriste = await buildUser(harness.db, { roles: ['juriste'], unitCodes: ['DAJ'], displayName: 'Julie Juriste' });
    finance = await buildUser(harness.db, { roles: ['finance'], unitCodes: ['DAF'], displayName: 'Fabien Finances' });
    manager = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['UO-PRO'], displayName: 'Marie Manager' });
    manager2 = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['UO-PRO'], displayName: 'Marc Manager' });
    otherUnitManager = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['UO-SUP'], displayName: 'Odile Autre' });
    lecteur = await buildUser(harness.db, { roles: ['lecteur'], unitCodes: ['UO-PRO'] });
    onStatusChange(SUBJECT, async (_tx, _ctx, change) => {
      statusChanges.push(change);
    });
  });
  afterAll(() => harness.close());

  const ctxOf = (user: User) => harness.context(user);
  let subjectCounter = 0;
  async function start(amount = 10_000, definitionKey = CONVENTION_APPROVAL_KEY) {
    subjectCounter += 1;
    const ctx = await ctxOf(submitter);
    return inTransaction(ctx, (tx) =>
      startRun(tx, ctx, { definitionKey, subject: { type: SUBJECT, id: `conv-${subjectCounter}`, unitId: uoPro, context: { amount, title: `Convention ${subjectCounter}` } } }),
    );
  }
  const stepsOf = (runId: string) => harness.db.select().from(workflowSteps).where(eq(workflowSteps.runId, runId)).orderBy(workflowSteps.round, workflowSteps.stageIndex, workflowSteps.stepKey);
  const activeStep = async (runId: string, key: string) => {
    const step = (await stepsOf(runId)).find((candidate) => candidate.stepKey === key && candidate.status === 'active');
    if (!step) throw new Error(`no active step ${key}`);
    return step;
  };
  const runOf = async (runId: string) => (await harness.db.select().from(workflowRuns).where(eq(workflowRuns.id, runId)))[0];
  const decide = async (user: User, stepId: string, decision: string, comment = '') => decideStep(await ctxOf(user), stepId, { decision, comment });

  test('the default circuit: legal and finance in parallel, then the manager, then "to sign"', async () => {
    const run = await start();
    let steps = await stepsOf(run.id);
    expect(steps.filter((step) => step.status === 'active').map((step) => step.stepKey).sort()).toEqual(['finance', 'legal']);
    expect(steps.every((step) => step.parallelGroup === 'reviews')).toBe(true);

    await decide(juriste, (await activeStep(run.id, 'legal')).id, 'approve');
    steps = await stepsOf(run.id);
    expect(steps.some((step) => step.stepKey === 'direction')).toBe(false); // finance still pending
    await decide(finance, (await activeStep(run.id, 'finance')).id, 'approve');
    const direction = await activeStep(run.id, 'direction');
    expect(direction.assigneeUnitId).toBe(uoPro);
    await expect(decide(otherUnitManager, direction.id, 'approve')).rejects.toThrow(/pas attribuée/);
    await decide(manager, direction.id, 'approve');

    const finished = await runOf(run.id);
    expect(finished?.status).toBe('approved');
    steps = await stepsOf(run.id);
    expect(steps.find((step) => step.stepKey === 'direction-second')?.status).toBe('skipped');
    expect(steps.find((step) => step.stepKey === 'to-sign')?.status).toBe('done');
    expect(statusChanges.filter((change) => change.runId === run.id).map((change) => change.status)).toEqual(['running', 'to_sign', 'approved']);
    const audits = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityType, SUBJECT), eq(auditLog.entityId, run.subjectId)));
    expect(audits.map((row) => row.action)).toEqual(expect.arrayContaining(['workflow.run_started', 'workflow.step_approved', 'workflow.run_approved']));
    // One assignment email per assignee and step.
    const assignment = await harness.db.select().from(emails).where(like(emails.idempotencyKey, `workflow-step-${direction.id}-assignment-%`));
    expect(assignment.map((email) => email.toAddress).sort()).toEqual([manager.email, manager2.email].sort());
  });

  test('request changes sends the run back; a resubmission resumes at that stage', async () => {
    const run = await start();
    await decide(juriste, (await activeStep(run.id, 'legal')).id, 'approve');
    await expect(decide(finance, (await activeStep(run.id, 'finance')).id, 'request_changes', '')).rejects.toThrow('Le formulaire');
    await decide(finance, (await activeStep(run.id, 'finance')).id, 'request_changes', 'Échéancier à préciser');
    expect((await runOf(run.id))?.status).toBe('changes_requested');
    const toSubmitter = await harness.db.select().from(emails).where(and(eq(emails.toAddress, submitter.email), eq(emails.template, 'workflow_changes_requested')));
    expect(toSubmitter).toHaveLength(1);

    const ctx = await ctxOf(submitter);
    await inTransaction(ctx, (tx) => resubmitRun(tx, ctx, { runId: run.id }));
    const resumed = await runOf(run.id);
    expect(resumed?.status).toBe('running');
    expect(resumed?.round).toBe(2);
    const active = (await stepsOf(run.id)).filter((step) => step.status === 'active');
    expect(active.map((step) => [step.stepKey, step.round])).toEqual([
      ['finance', 2],
      ['legal', 2],
    ]);
  });

  test('an amount above the threshold adds a second manager, who must be another person', async () => {
    const run = await start(80_000);
    await decide(juriste, (await activeStep(run.id, 'legal')).id, 'approve');
    await decide(finance, (await activeStep(run.id, 'finance')).id, 'approve');
    await decide(manager, (await activeStep(run.id, 'direction')).id, 'approve');
    const second = await activeStep(run.id, 'direction-second');
    await expect(decide(manager, second.id, 'approve')).rejects.toThrow(/autre personne/);
    await decide(otherUnitManager, second.id, 'approve');
    expect((await runOf(run.id))?.status).toBe('approved');
  });

  test('a rejection ends the run and cancels the parallel step', async () => {
    const run = await start();
    await decide(juriste, (await activeStep(run.id, 'legal')).id, 'reject', 'Clause de confidentialité absente');
    expect((await runOf(run.id))?.status).toBe('rejected');
    const finance = (await stepsOf(run.id)).find((step) => step.stepKey === 'finance');
    expect(finance?.status).toBe('cancelled');
  });

  test('two managers approving the same step at once: one decision, one conflict', async () => {
    const run = await start();
    await decide(juriste, (await activeStep(run.id, 'legal')).id, 'approve');
    await decide(finance, (await activeStep(run.id, 'finance')).id, 'approve');
    const direction = await activeStep(run.id, 'direction');
    const results = await Promise.allSettled([decide(manager, direction.id, 'approve'), decide(manager2, direction.id, 'approve')]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const failure = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect((failure.reason as { kind?: string }).kind).toBe('conflict');
    const decided = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, run.subjectId), eq(auditLog.action, 'workflow.step_approved')));
    expect(decided).toHaveLength(3);
  });
});
