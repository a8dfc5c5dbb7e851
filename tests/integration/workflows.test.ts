// The workflow engine end to end: default convention circuit, parallel reviews, changes
// requested and resubmission, second manager above the threshold, concurrency, permissions,
// deadlines (reminder, escalation) through BullMQ, sweeper after a Redis loss, delegation.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq, like, sql } from 'drizzle-orm';
import { isoDateInParis } from '../../src/lib/format';
import { openDatabase } from '../../src/models/database';
import { actorOf } from '../../src/services/auth.service';
import { countPendingValidations, getInbox } from '../../src/services/workflow-inbox.service';
import { auditLog, emails, notifications, units, workflowRuns, workflowSteps, type User } from '../../src/models/schema';
import { inTransaction } from '../../src/services/context';
import { createDelegation } from '../../src/services/workflow-inbox.service';
import { decideStep, onStatusChange, remindStep, resubmitRun, signalWorkflowEvent, stepDeadlineReached, startRun, type StatusChange } from '../../src/services/workflows.service';
import { registerWorkflowDefinition } from '../../src/workflows/definitions';
import { CONVENTION_APPROVAL_KEY } from '../../src/workflows/definitions/convention-approval.workflow';
import { runSweep } from '../../src/jobs/system.jobs';
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
  async function signIn(user: User) {
    const browser = new TestBrowser(harness.app);
    await browser.login(user.email);
    await browser.get('/validations');
    return browser;
  }
  let subjectCounter = 0;
  async function start(amount = 10_000, definitionKey = CONVENTION_APPROVAL_KEY) {
    subjectCounter += 1;
    const number = subjectCounter;
    const ctx = await ctxOf(submitter);
    return inTransaction(ctx, (tx) =>
      startRun(tx, ctx, { definitionKey, subject: { type: SUBJECT, id: `conv-${number}`, unitId: uoPro, context: { amount, title: `Convention ${number}` } } }),
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
    expect(statusChanges.filter((change) => change.runId === run.id).map((change) => change.status)).toEqual(['running', 'a_signer', 'approved']);
    const audits = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityType, SUBJECT), eq(auditLog.entityId, run.subjectId)));
    expect(audits.map((row) => row.action)).toEqual(expect.arrayContaining(['workflow.run_started', 'workflow.step_approved', 'workflow.run_approved']));
    // One assignment email per assignee and step.
    const assignment = await harness.db.select().from(emails).where(like(emails.idempotencyKey, `workflow-step-${direction.id}-assignment-%`));
    expect(assignment.map((email) => email.toAddress).sort()).toEqual([manager.email, manager2.email].sort());
  });

  test('request changes sends the run back; a resubmission resumes at that stage', async () => {
    const run = await start();
    await decide(juriste, (await activeStep(run.id, 'legal')).id, 'approve');
    await expect(decide(finance, (await activeStep(run.id, 'finance')).id, 'request_changes', '')).rejects.toThrow('commentaire est obligatoire');
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

  test('a subject has one open run of a circuit at a time', async () => {
    const run = await start();
    const ctx = await ctxOf(submitter);
    const again = () => inTransaction(ctx, (tx) => startRun(tx, ctx, { definitionKey: CONVENTION_APPROVAL_KEY, subject: { type: SUBJECT, id: run.subjectId, unitId: uoPro } }));
    await expect(again()).rejects.toThrow(/déjà en cours/);
    // Two submissions racing on one subject: the unique index keeps one, the other is a conflict.
    const subject = { type: SUBJECT, id: 'raced-subject', unitId: uoPro };
    const raced = await Promise.allSettled([0, 1].map(() => inTransaction(ctx, (tx) => startRun(tx, ctx, { definitionKey: CONVENTION_APPROVAL_KEY, subject }))));
    expect(raced.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
    const failure = raced.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect((failure.reason as { kind?: string }).kind).toBe('conflict');
    // Different subjects at the same moment: both start.
    const parallel = await Promise.allSettled([start(1), start(1), start(1)]);
    expect(parallel.filter((result) => result.status === 'rejected').map((result) => String((result as PromiseRejectedResult).reason))).toEqual([]);
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

  test('timers run twice (retry, replay, two workers) act once; a decided step ignores its timers', async () => {
    const run = await start();
    const legal = await activeStep(run.id, 'legal');
    const later = new Date(Date.now() + 30 * 24 * 3600_000);
    const reminders = await Promise.all([remindStep(harness.db, legal.id, later), remindStep(harness.db, legal.id, later)]);
    expect(reminders.sort()).toEqual(['reminded', 'skipped']);
    expect(await stepDeadlineReached(harness.db, legal.id, later)).toBe('escalated');
    expect(await stepDeadlineReached(harness.db, legal.id, later)).toBe('skipped');
    const sent = await harness.db.select().from(emails).where(like(emails.idempotencyKey, `workflow-step-${legal.id}-%`));
    const keys = sent.map((email) => email.idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((key) => key.includes('-escalation-')).length).toBe(2); // the two managers of UO Pro
    const financeStep = await activeStep(run.id, 'finance');
    await decide(finance, financeStep.id, 'approve');
    expect(await remindStep(harness.db, financeStep.id, later)).toBe('skipped');
    expect(await stepDeadlineReached(harness.db, financeStep.id, later)).toBe('skipped');
  });

  test('HTTP: the juriste sees the step in Mes validations and approves it inline (htmx); the badge follows', async () => {
    const run = await start();
    const browser = await signIn(juriste);
    const legal = await activeStep(run.id, 'legal');
    const inbox = await browser.get('/validations');
    expect(inbox.status).toBe(200);
    expect(inbox.text).toContain(`id="step-${legal.id}"`);
    expect(inbox.text).toContain('Mes validations');
    const badgeBefore = await browser.get('/validations/compteur', { 'HX-Request': 'true' });
    const countBefore = Number(/>(\d+)<span/.exec(badgeBefore.text)?.[1] ?? '0');
    expect(countBefore).toBeGreaterThan(0);

    const response = await browser.post(`/validations/etapes/${legal.id}/decision`, { decision: 'approve', comment: '' }, { headers: { 'HX-Request': 'true', 'HX-Target': `step-${legal.id}` } });
    expect(response.status).toBe(200);
    expect(response.text).toContain('Approuver');
    expect(response.text).toContain('hx-swap-oob="outerHTML:.passerelle-validations-badge"');
    const again = await browser.post(`/validations/etapes/${legal.id}/decision`, { decision: 'approve' });
    expect(again.status).toBe(409);
    expect(again.text).toContain('déjà été traitée');
    // The step page shows the history with who decided.
    const page = await browser.get(`/validations/etapes/${legal.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Julie Juriste');
  });

  test('HTTP: a lecteur, a forged step id and a missing CSRF token are refused and change nothing', async () => {
    const run = await start();
    const legal = await activeStep(run.id, 'legal');
    const reader = await signIn(lecteur);
    const refused = await reader.post(`/validations/etapes/${legal.id}/decision`, { decision: 'approve' });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('Accès refusé');
    const jurist = await signIn(juriste);
    expect((await jurist.post('/validations/etapes/00000000-0000-4000-8000-000000000000/decision', { decision: 'approve' })).status).toBe(404);
    expect((await jurist.post('/validations/etapes/not-a-uuid/decision', { decision: 'approve' })).status).toBe(404);
    expect((await jurist.post(`/validations/etapes/${legal.id}/decision`, { decision: 'approve' }, { csrf: false })).status).toBe(403);
    // The financial reviewer may not decide the legal review.
    const financier = await signIn(finance);
    expect((await financier.post(`/validations/etapes/${legal.id}/decision`, { decision: 'approve' })).status).toBe(403);
    // Reject without a comment: 422, the form again.
    const invalid = await jurist.post(`/validations/etapes/${legal.id}/decision`, { decision: 'reject', comment: ' ' });
    expect(invalid.status).toBe(422);
    expect(invalid.text).toContain('commentaire est obligatoire');
    // Inline (htmx): the message lands in the flash region.
    const inline = await jurist.post(`/validations/etapes/${legal.id}/decision`, { decision: 'request_changes', comment: '' }, { headers: { 'HX-Request': 'true' } });
    expect(inline.status).toBe(422);
    expect(inline.headers['hx-retarget']).toBe('#flash');
    expect(inline.text).toContain('commentaire est obligatoire');
    expect((await activeStep(run.id, 'legal')).status).toBe('active');
    expect((await runOf(run.id))?.status).toBe('running');
  });

  test('delegation: the delegate decides, the step records for whom', async () => {
    const substitute = await buildUser(harness.db, { roles: ['juriste'], unitCodes: ['DAJ'], displayName: 'Sam Suppléant' });
    const today = isoDateInParis(new Date());
    const ctx = await ctxOf(juriste);
    // Only people who decide steps at all can be delegates (a lecteur cannot).
    await expect(createDelegation(ctx, { toUserId: lecteur.id, role: 'juriste', startsOn: today, endsOn: today })).rejects.toThrow();
    const run = await start();
    const legal = await activeStep(run.id, 'legal');
    // The substitute is a juriste anyway: restrict the step to the delegator to test the delegation itself.
    await harness.db.update(workflowSteps).set({ assigneeUserId: juriste.id, assigneeRole: null }).where(eq(workflowSteps.id, legal.id));
    await expect(decide(substitute, legal.id, 'approve')).rejects.toThrow(/pas attribuée/);
    await createDelegation(ctx, { toUserId: substitute.id, role: 'juriste', startsOn: today, endsOn: today });
    const browser = await signIn(substitute);
    expect((await browser.get('/validations')).text).toContain(`id="step-${legal.id}"`);
    expect((await browser.post(`/validations/etapes/${legal.id}/decision`, { decision: 'approve' })).status).toBe(303);
    const [decided] = await harness.db.select().from(workflowSteps).where(eq(workflowSteps.id, legal.id));
    expect(decided?.decidedById).toBe(substitute.id);
    expect(decided?.decidedForId).toBe(juriste.id);
    expect((await browser.get(`/validations/etapes/${legal.id}`)).text).toContain('Sam Suppléant pour Julie Juriste');
  });

  describe('deadlines', () => {
    const QUICK = 'test-quick-circuit';
    beforeAll(() => {
      registerWorkflowDefinition({
        key: QUICK,
        version: 1,
        name: 'Circuit rapide (test)',
        settings: {},
        stages: [{ key: 'review', label: 'Revue', steps: [{ kind: 'approval', key: 'review', label: 'Revue rapide', assignee: { role: 'juriste' }, due: { ms: 1_500 } }] }],
      });
    });

    test('the reminder fires at half the delay and the escalation at the deadline, once each, sweeper or not', async () => {
      const run = await start(0, QUICK);
      const step = await activeStep(run.id, 'review');
      await eventually(async () => (await harness.db.select().from(workflowSteps).where(eq(workflowSteps.id, step.id)))[0]?.escalatedAt, 10_000);
      // The sweeper re-adds the same job ids: nothing runs twice.
      await runSweep(harness.db, harness.runtime.queues.mail, harness.runtime.queues.imports, new Date(), harness.runtime.queues.workflows);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const [done] = await harness.db.select().from(workflowSteps).where(eq(workflowSteps.id, step.id));
      expect(done?.overdue).toBe(true);
      expect(done?.remindedAt).not.toBeNull();
      const reminders = await harness.db.select().from(emails).where(like(emails.idempotencyKey, `workflow-step-${step.id}-reminder-%`));
      const remindedAddresses = reminders.map((email) => email.toAddress);
      expect(remindedAddresses).toContain(juriste.email);
      expect(new Set(remindedAddresses).size).toBe(remindedAddresses.length);
      const escalations = await harness.db.select().from(emails).where(like(emails.idempotencyKey, `workflow-step-${step.id}-escalation-%`));
      expect(escalations.map((email) => email.toAddress).sort()).toEqual([manager.email, manager2.email].sort());
      const inApp = await harness.db.select().from(notifications).where(and(eq(notifications.userId, manager.id), eq(notifications.kind, 'workflow.escalation')));
      expect(inApp.length).toBeGreaterThanOrEqual(1);
      const overdueAudits = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, run.subjectId), eq(auditLog.action, 'workflow.step_overdue')));
      expect(overdueAudits).toHaveLength(1);
      // Overdue steps come first in the juriste's inbox.
      const browser = await signIn(juriste);
      const inbox = await browser.get('/validations?overdue=1');
      expect(inbox.text).toContain(`id="step-${step.id}"`);
    });

    test('after Redis loses the queue, the sweeper restores the pending deadlines', async () => {
      const queue = harness.runtime.queues.workflows;
      await queue.pause();
      const run = await start(0, QUICK);
      const step = await activeStep(run.id, 'review');
      await harness.runtime.flushOutbox();
      await eventually(async () => (await queue.getJob(stepJobId(step.id, 'due'))) !== undefined);
      await queue.obliterate({ force: true });
      expect(await queue.getJob(stepJobId(step.id, 'due'))).toBeUndefined();
      const swept = await runSweep(harness.db, harness.runtime.queues.mail, harness.runtime.queues.imports, new Date(), queue);
      expect(swept.workflowTimers).toBeGreaterThanOrEqual(2);
      expect(await queue.getJob(stepJobId(step.id, 'reminder'))).toBeDefined();
      expect(await queue.getJob(stepJobId(step.id, 'due'))).toBeDefined();
      await queue.resume();
      await eventually(async () => (await harness.db.select().from(workflowSteps).where(eq(workflowSteps.id, step.id)))[0]?.escalatedAt, 10_000);
      const reminders = await harness.db.select({ n: sql<number>`count(*)::int`, people: sql<number>`count(distinct to_address)::int` }).from(emails).where(like(emails.idempotencyKey, `workflow-step-${step.id}-reminder-%`));
      expect(reminders[0]?.n).toBeGreaterThan(0);
      expect(reminders[0]?.n).toBe(reminders[0]?.people);
    });
  });

  test('the queue dashboard at /admin/files: admins only, read-only, relaxed CSP on that path alone', async () => {
    const admin = await buildUser(harness.db, { roles: ['admin'] });
    const browser = await signIn(admin);
    const page = await browser.get('/admin/files');
    expect(page.status).toBe(200);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("script-src 'self';");
    expect(String((await browser.get('/validations')).headers['content-security-policy'])).not.toContain('unsafe-inline');
    const api = await browser.get('/admin/files/api/queues');
    expect(api.status).toBe(200);
    const names = (api.body as { queues: Array<{ name: string; readOnlyMode: boolean }> }).queues.map((queue) => [queue.name, queue.readOnlyMode]);
    expect(names).toEqual(expect.arrayContaining([['workflows', true], ['mail', true]]));
    expect((await (await signIn(manager)).get('/admin/files')).status).toBe(403);
  });

  test('managers follow the runs of their units; the admin cancels a run and reassigns a step (audited)', async () => {
    const run = await start();
    const mgr = await signIn(manager);
    const list = await mgr.get('/validations/circuits');
    expect(list.status).toBe(200);
    expect(list.text).toContain(`/validations/circuits/${run.id}`);
    const outsider = await signIn(otherUnitManager);
    expect((await outsider.get('/validations/circuits')).text).not.toContain(run.id);
    expect((await outsider.get(`/validations/circuits/${run.id}`)).status).toBe(403);

    const admin = await buildUser(harness.db, { roles: ['admin'] });
    const adminBrowser = await signIn(admin);
    expect((await adminBrowser.get('/admin/circuits?status=running')).text).toContain(run.id);
    const legal = await activeStep(run.id, 'legal');
    expect((await adminBrowser.post(`/admin/circuits/etapes/${legal.id}/reattribuer`, { userId: finance.id })).status).toBe(303);
    const [reassigned] = await harness.db.select().from(workflowSteps).where(eq(workflowSteps.id, legal.id));
    expect(reassigned?.assigneeUserId).toBe(finance.id);
    expect((await adminBrowser.post(`/admin/circuits/${run.id}/annuler`, { reason: 'Convention abandonnée' })).status).toBe(303);
    expect((await runOf(run.id))?.status).toBe('cancelled');
    expect((await adminBrowser.post(`/admin/circuits/${run.id}/annuler`, { reason: 'encore' })).status).toBe(409);
    const audits = await harness.db.select().from(auditLog).where(eq(auditLog.entityId, run.subjectId));
    expect(audits.map((row) => row.action)).toEqual(expect.arrayContaining(['workflow.step_reassigned', 'workflow.run_cancelled']));
    expect(statusChanges.some((change) => change.runId === run.id && change.status === 'cancelled')).toBe(true);
  });

  test('an email action writes to the submitter and to a role, once each, and the email decides nothing', async () => {
    registerWorkflowDefinition({
      key: 'test-email-action',
      version: 1,
      name: 'Circuit avec courriel (test)',
      settings: {},
      stages: [
        { key: 'review', label: 'Revue', steps: [{ kind: 'approval', key: 'review', label: 'Revue', assignee: { role: 'juriste' }, due: { workingDays: 2 } }] },
        {
          key: 'tell',
          label: 'Information',
          steps: [
            { kind: 'action', key: 'tell-submitter', label: 'Convention approuvée', handler: 'sendEmail', params: { to: 'submitter', message: 'Vous pouvez préparer la signature.' } },
            { kind: 'action', key: 'tell-finance', label: 'Engagement à prévoir', handler: 'sendEmail', params: { to: { role: 'finance' } } },
          ],
        },
      ],
    });
    const run = await start(0, 'test-email-action');
    await decide(juriste, (await activeStep(run.id, 'review')).id, 'approve');
    expect((await runOf(run.id))?.status).toBe('approved');
    const steps = await stepsOf(run.id);
    const tellSubmitter = steps.find((step) => step.stepKey === 'tell-submitter');
    const tellFinance = steps.find((step) => step.stepKey === 'tell-finance');
    expect([tellSubmitter?.status, tellFinance?.status]).toEqual(['done', 'done']);
    const toSubmitter = await harness.db.select().from(emails).where(like(emails.idempotencyKey, `workflow-step-${tellSubmitter?.id}-notice-%`));
    expect(toSubmitter.map((email) => [email.toAddress, email.template])).toEqual([[submitter.email, 'workflow_notice']]);
    const toFinance = await harness.db.select().from(emails).where(like(emails.idempotencyKey, `workflow-step-${tellFinance?.id}-notice-%`));
    expect(toFinance.map((email) => email.toAddress)).toContain(finance.email);
    // Delivered through the worker: the text says what happened and links to the run, nothing to click to decide.
    const delivered = await eventually(async () => {
      const result = (await harness.db.execute(sql`select text_body from dev_mailbox where ${submitter.email} = any(envelope_to) and subject like ${'%Convention approuvée%'}`)) as unknown as { rows: Array<{ text_body: string }> };
      return result.rows[0]?.text_body;
    }, 15_000);
    expect(delivered).toContain('Vous pouvez préparer la signature.');
    expect(delivered).toContain(`/validations/circuits/${run.id}`);
    const notice = await harness.db.select().from(notifications).where(and(eq(notifications.userId, finance.id), eq(notifications.link, `/validations/circuits/${run.id}`)));
    expect(notice).toHaveLength(1);
  });

  test('waits (event and date), branching on a rejection and chained actions', async () => {
    registerWorkflowDefinition({
      key: 'test-branching',
      version: 1,
      name: 'Circuit avec attente (test)',
      settings: {},
      stages: [
        { key: 'review', label: 'Revue', steps: [{ kind: 'approval', key: 'review', label: 'Revue', assignee: { role: 'juriste' }, due: { workingDays: 2 } }] },
        { key: 'refused', label: 'Refus', when: { kind: 'previousOutcome', outcome: 'rejected' }, steps: [{ kind: 'action', key: 'refused', label: 'Refus notifié', handler: 'notifySubmitter' }] },
        { key: 'signature', label: 'Signature', when: { kind: 'previousOutcome', outcome: 'approved' }, steps: [{ kind: 'wait', key: 'signed', label: 'Attente de la signature', until: { event: 'signed' } }] },
        { key: 'start-date', label: 'Début', when: { kind: 'previousOutcome', outcome: 'approved' }, steps: [{ kind: 'wait', key: 'starts', label: 'Attente du début', until: { contextDate: 'startDate' } }] },
      ],
    });
    // Approved: waits for the "signed" event, then for a date already past → completed at once.
    const approved = await start(0, 'test-branching');
    await decide(juriste, (await activeStep(approved.id, 'review')).id, 'approve');
    expect((await activeStep(approved.id, 'signed')).kind).toBe('wait');
    const ctx = await ctxOf(submitter);
    await harness.db.update(workflowRuns).set({ context: { startDate: '2020-01-01' } }).where(eq(workflowRuns.id, approved.id));
    const released = await inTransaction(ctx, (tx) => signalWorkflowEvent(tx, ctx, { subjectType: SUBJECT, subjectId: approved.subjectId, event: 'signed' }));
    expect(released).toBe(1);
    expect((await runOf(approved.id))?.status).toBe('approved');
    expect((await stepsOf(approved.id)).map((step) => [step.stepKey, step.status])).toEqual([
      ['review', 'approved'],
      ['refused', 'skipped'],
      ['signed', 'done'],
      ['starts', 'done'],
    ]);
    // Rejected: the branch runs its action, the waits are skipped, the run ends rejected.
    const rejected = await start(0, 'test-branching');
    await decide(juriste, (await activeStep(rejected.id, 'review')).id, 'reject', 'Hors périmètre');
    expect((await runOf(rejected.id))?.status).toBe('rejected');
    expect((await stepsOf(rejected.id)).map((step) => [step.stepKey, step.status])).toEqual([
      ['review', 'rejected'],
      ['refused', 'done'],
      ['signed', 'skipped'],
      ['starts', 'skipped'],
    ]);
    const notice = await harness.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.userId, submitter.id), eq(notifications.kind, 'workflow.notice'), eq(notifications.link, `/validations/circuits/${rejected.id}`)));
    expect(notice).toHaveLength(1);
  });
});

describe('workflow engine on PGlite (embedded mode)', () => {
  test('a run starts, shows in the inbox and is decided with the same queries', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-wf-pglite-'));
    const handle = await openDatabase({ driver: 'pglite', dataDir });
    try {
      await handle.migrate();
      const db = handle.db;
      const [unit] = await db.select().from(units).where(eq(units.code, 'UO-PRO'));
      const jurist = await buildUser(db, { roles: ['juriste'], unitCodes: ['DAJ'] });
      const ctx = { db, actor: await actorOf(db, jurist), now: new Date(), baseUrl: 'http://passerelle.test' };
      const run = await db.transaction((tx) =>
        startRun(tx, { ...ctx, db: tx }, { definitionKey: CONVENTION_APPROVAL_KEY, subject: { type: SUBJECT, id: 'pglite-1', unitId: unit?.id ?? null, context: { amount: 1 } } }),
      );
      expect(await countPendingValidations(ctx)).toBe(1);
      const inbox = await getInbox(ctx, {});
      expect(inbox.items.map((item) => item.step.stepKey)).toEqual(['legal']);
      await decideStep(ctx, inbox.items[0]?.step.id ?? '', { decision: 'approve' });
      expect(await countPendingValidations(ctx)).toBe(0);
      const [finance] = await db.select().from(workflowSteps).where(and(eq(workflowSteps.runId, run.id), eq(workflowSteps.stepKey, 'finance')));
      expect(finance?.status).toBe('active');
    } finally {
      await handle.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
