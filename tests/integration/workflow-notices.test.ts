// « Mes validations » notices follow their step: a notice asking to decide a step is done as soon
// as the step leaves « active » — decided by the person, by a colleague with the same role, by a
// delegate, cancelled by an admin or by a rejection, given to someone else — in the transaction
// that moves the step. The list shows what still needs the person first; the badge counts only
// what is still to do.
import fs from 'node:fs';
import path from 'node:path';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { migrationsDir } from '../../src/lib/paths';
import { notifications, units, workflowSteps, type Notification, type User } from '../../src/models/schema';
import { inTransaction } from '../../src/services/context';
import { countPendingValidations } from '../../src/services/workflow-inbox.service';
import { listMyNotifications } from '../../src/services/notifications.service';
import { cancelRun, decideStep, reassignStep, remindStep, startRun, stepDeadlineReached } from '../../src/services/workflows.service';
import { registerWorkflowDefinition } from '../../src/workflows/definitions';
import { CONVENTION_APPROVAL_KEY } from '../../src/workflows/definitions/convention-approval.workflow';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

const ONE_JURISTE = 'test-notices-one-juriste';
const SUBJECT = 'test-notices';

describe('workflow notices', () => {
  let harness: TestApp;
  let uoPro: string;
  let submitter: User;
  let julie: User;
  let jules: User;
  let finance: User;
  let manager: User;
  let admin: User;

  beforeAll(async () => {
    harness = await startTestApp();
    const [unit] = await harness.db.select().from(units).where(eq(units.code, 'UO-PRO'));
    uoPro = unit?.id ?? '';
    submitter = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['UO-PRO'], displayName: 'Chloé Chargée' });
    julie = await buildUser(harness.db, { roles: ['juriste'], unitCodes: ['DAJ'], displayName: 'Julie Juriste' });
    jules = await buildUser(harness.db, { roles: ['juriste'], unitCodes: ['DAJ'], displayName: 'Jules Juriste' });
    finance = await buildUser(harness.db, { roles: ['finance'], unitCodes: ['DAF'], displayName: 'Fabien Finances' });
    manager = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['UO-PRO'], displayName: 'Marie Manager' });
    admin = await buildUser(harness.db, { roles: ['admin'], displayName: 'Alice Admin' });
    registerWorkflowDefinition({
      key: ONE_JURISTE,
      version: 1,
      name: 'Revue juridique seule (test)',
      settings: {},
      stages: [{ key: 'legal', label: 'Revue', steps: [{ kind: 'approval', key: 'legal', label: 'Revue juridique', assignee: { role: 'juriste' }, due: { workingDays: 5 } }] }],
    });
  });
  afterAll(() => harness.close());

  let counter = 0;
  async function start(definitionKey = ONE_JURISTE) {
    counter += 1;
    const ctx = await harness.context(submitter);
    const run = await inTransaction(ctx, (tx) =>
      startRun(tx, ctx, { definitionKey, subject: { type: SUBJECT, id: `subject-${counter}`, unitId: uoPro, context: { title: `Dossier ${counter}`, amount: 1000 } } }),
    );
    const steps = await harness.db.select().from(workflowSteps).where(and(eq(workflowSteps.runId, run.id), eq(workflowSteps.status, 'active')));
    return { run, steps };
  }
  const noticesOf = (user: User, stepId: string): Promise<Notification[]> =>
    harness.db.select().from(notifications).where(and(eq(notifications.userId, user.id), eq(notifications.stepId, stepId)));
  const badgeOf = async (user: User) => countPendingValidations(await harness.context(user));

  test('two juristes, three steps: the step a colleague decides is done in the other’s notices, and the badge drops', async () => {
    const before = await badgeOf(julie);
    const runs = [await start(), await start(), await start()];
    const [first, second, third] = runs.map((run) => run.steps[0]?.id ?? '');
    // Each juriste was asked, once per step, with the step on the notice.
    for (const juriste of [julie, jules]) {
      for (const stepId of [first, second, third]) {
        const notices = await noticesOf(juriste, stepId as string);
        expect(notices.map((notice) => [notice.kind, notice.doneAt])).toEqual([['workflow.assignment', null]]);
      }
    }
    expect(await badgeOf(julie)).toBe(before + 3);

    // Jules decides the first step: Julie's notice about it is done at the decision, so is his.
    await decideStep(await harness.context(jules), first as string, { decision: 'approve' });
    const [decided] = await harness.db.select().from(workflowSteps).where(eq(workflowSteps.id, first as string));
    const [julieNotice] = await noticesOf(julie, first as string);
    expect(julieNotice?.doneAt?.getTime()).toBe(decided?.decidedAt?.getTime());
    expect((await noticesOf(jules, first as string))[0]?.doneAt).not.toBeNull();
    for (const stepId of [second, third]) expect((await noticesOf(julie, stepId as string))[0]?.doneAt).toBeNull();
    expect(await badgeOf(julie)).toBe(before + 2);

    // Her list: what still needs her first, the decided one after, greyed « traitée »; the header badge too.
    const listed = (await listMyNotifications(await harness.context(julie))).items;
    const mine = listed.filter((notice) => [first, second, third].includes(notice.stepId ?? ''));
    expect(mine.map((notice) => [notice.stepId, notice.done])).toEqual([
      [third, false],
      [second, false],
      [first, true],
    ]);
    const browser = new TestBrowser(harness.app);
    await browser.login(julie.email);
    // The notices are at /notifications (« Mes validations » links there); a link goes through
    // /notifications/:id/ouvrir, which leads to the step.
    const page = await browser.get('/notifications');
    const noticeId = (stepId: string) => mine.find((notice) => notice.stepId === stepId)?.id ?? 'none';
    const doneItem = new RegExp(`<li id="notification-${noticeId(first as string)}" class="[^"]*passerelle-notice-done[^"]*">.*?</li>`, 's').exec(page.text)?.[0] ?? '';
    expect(doneItem).toContain(`/notifications/${noticeId(first as string)}/ouvrir`);
    expect(doneItem).toContain('traitée');
    expect(page.text.indexOf(`notification-${noticeId(second as string)}`)).toBeLessThan(page.text.indexOf(`notification-${noticeId(first as string)}`));
    const opened = await browser.get(`/notifications/${noticeId(first as string)}/ouvrir`);
    expect(opened.headers.location).toBe(`/validations/etapes/${first}`);
    const badge = await browser.get('/validations/compteur');
    expect(badge.text).toContain(`>${before + 2}<`);
  });

  test('reminders and escalations carry their step and are done with it; so are the notices of a cancelled run', async () => {
    const { run, steps } = await start();
    const stepId = steps[0]?.id as string;
    expect(await remindStep(harness.db, stepId)).toBe('reminded');
    expect(await stepDeadlineReached(harness.db, stepId)).toBe('escalated');
    const reminders = await noticesOf(julie, stepId);
    expect(reminders.map((notice) => notice.kind).sort()).toEqual(['workflow.assignment', 'workflow.reminder']);
    const escalations = await noticesOf(manager, stepId);
    expect(escalations.map((notice) => [notice.kind, notice.doneAt])).toEqual([['workflow.escalation', null]]);

    await cancelRun(await harness.context(admin), run.id, 'Dossier retiré');
    for (const person of [julie, jules, manager]) {
      const notices = await noticesOf(person, stepId);
      expect(notices.length).toBeGreaterThan(0);
      expect(notices.every((notice) => notice.doneAt !== null)).toBe(true);
    }
  });

  test('a rejection cancels the parallel step: the other reviewer’s notice is done', async () => {
    const { steps } = await start(CONVENTION_APPROVAL_KEY);
    const legal = steps.find((step) => step.stepKey === 'legal');
    const financial = steps.find((step) => step.stepKey === 'finance');
    expect((await noticesOf(finance, financial?.id as string))[0]?.doneAt).toBeNull();
    await decideStep(await harness.context(julie), legal?.id as string, { decision: 'reject', comment: 'Hors champ' });
    const [cancelled] = await harness.db.select().from(workflowSteps).where(eq(workflowSteps.id, financial?.id as string));
    expect(cancelled?.status).toBe('cancelled');
    expect((await noticesOf(finance, financial?.id as string))[0]?.doneAt).not.toBeNull();
  });

  test('an admin gives the step to one person: the role’s notices are done, the new assignee has one to do', async () => {
    const { steps } = await start();
    const stepId = steps[0]?.id as string;
    await reassignStep(await harness.context(admin), stepId, jules.id);
    expect((await noticesOf(julie, stepId)).map((notice) => notice.doneAt !== null)).toEqual([true]);
    const julesNotices = await noticesOf(jules, stepId);
    expect(julesNotices.filter((notice) => notice.doneAt === null)).toHaveLength(1);
    expect(julesNotices.filter((notice) => notice.doneAt !== null)).toHaveLength(1);
  });

  test('notices written before they carried their step get it from their link (migration 0014), and are done if the step was decided', async () => {
    // Only this test's notices are unread (the list shows unread ones).
    await harness.db.update(notifications).set({ readAt: new Date() }).where(eq(notifications.userId, julie.id));
    const decided = await start();
    const pending = await start();
    const decidedId = decided.steps[0]?.id as string;
    const pendingId = pending.steps[0]?.id as string;
    await decideStep(await harness.context(jules), decidedId, { decision: 'approve' });
    // As rows were before notices carried their step; then migration 0014 runs again on them.
    await harness.db.update(notifications).set({ stepId: null, doneAt: null }).where(eq(notifications.userId, julie.id));
    await harness.db.execute(sql.raw(fs.readFileSync(path.join(migrationsDir, '0014_backfill_notice_steps.sql'), 'utf8')));
    const listed = (await listMyNotifications(await harness.context(julie))).items;
    expect(listed.find((notice) => notice.stepId === decidedId)?.done).toBe(true);
    expect(listed.find((notice) => notice.stepId === pendingId)?.done).toBe(false);
    const [decidedStep] = await harness.db.select().from(workflowSteps).where(eq(workflowSteps.id, decidedId));
    expect((await noticesOf(julie, decidedId))[0]?.doneAt?.getTime()).toBe(decidedStep?.decidedAt?.getTime());
    // Every step notice of hers has its step again; none is left behind.
    const orphans = await harness.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.userId, julie.id), eq(notifications.kind, 'workflow.assignment'), isNull(notifications.stepId)));
    expect(orphans).toHaveLength(0);
  });
});
