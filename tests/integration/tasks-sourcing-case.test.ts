// Tasks linked to a sourcing case (« piste »): « Nouvelle tâche » from the case page pre-fills the
// case, the task keeps sourcing_case_id (journaled in metadata.related), the task page, the list and
// the case's timeline show it; a case the person may not read (confidential, another unit) is
// neither pre-filled nor accepted (422), and an edit keeps a case the editor does not read.
import { and, eq } from 'drizzle-orm';
import { isoDateInParis } from '../../src/lib/format';
import { auditLog, sourcingChallengeUnits, sourcingChallenges, tasks, type User } from '../../src/models/schema';
import { listUnits } from '../../src/models/units.model';
import { inTransaction } from '../../src/services/context';
import { addCaseInTransaction } from '../../src/services/sourcing-cases.service';
import { createTask } from '../../src/services/tasks.service';
import { DEFAULT_CRITERIA } from '../../src/workflows/sourcing-scorecard';
import { buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

describe('tasks linked to a sourcing case', () => {
  let harness: TestApp;
  let charge: User; // DDPSI
  let outsider: User; // DAJ
  let admin: User;
  let browser: TestBrowser;
  let startupId: string;
  let caseId: string;
  let confidentialCaseId: string;
  const today = () => isoDateInParis(new Date());

  beforeAll(async () => {
    harness = await startTestApp();
    charge = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Camille Martin' });
    outsider = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DAJ'], displayName: 'Paul Durand' });
    admin = await buildUser(harness.db, { roles: ['admin'] });
    const unitId = (await listUnits(harness.db)).find((unit) => unit.code === 'DDPSI')!.id;
    const [challenge] = await harness.db
      .insert(sourcingChallenges)
      .values({ title: 'Orientation des lycéens', problemStatement: 'Mieux orienter', criteria: DEFAULT_CRITERIA.map((c) => ({ ...c })), status: 'en_sourcing', ownerId: charge.id })
      .returning();
    await harness.db.insert(sourcingChallengeUnits).values({ challengeId: challenge!.id, unitId, position: 0 });
    startupId = (await buildOrganization(harness.db, { name: 'OrientaLab' })).id;
    const ctx = await harness.context(charge);
    caseId = (await inTransaction(ctx, (tx) => addCaseInTransaction(tx, ctx, { organizationId: startupId, challengeId: challenge!.id, source: 'salon' }))).id;
    // A confidential spontaneous case of the DAJ (the outsider's unit).
    const secretStartup = await buildOrganization(harness.db, { name: 'SecretEdu' });
    const outsiderCtx = await harness.context(outsider);
    confidentialCaseId = (
      await inTransaction(outsiderCtx, (tx) => addCaseInTransaction(tx, outsiderCtx, { organizationId: secretStartup.id, challengeId: null, source: 'veille', confidential: true }))
    ).id;
    browser = new TestBrowser(harness.app);
    await browser.login(charge.email);
  });
  afterAll(() => harness.close());

  it('pre-fills the case from the case page’s link, creates the task with it, and shows it on the task, the list and the case’s timeline', async () => {
    const form = await browser.get(`/taches/nouvelle?structure=${startupId}&piste=${caseId}`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('Piste : <a class="fr-link" href="/sourcing/pistes/' + caseId + '">OrientaLab — Orientation des lycéens</a>');
    expect(form.text).toContain(`name="sourcingCaseId" value="${caseId}"`);
    expect(form.text).toContain(`name="organizationId" value="${startupId}"`);

    const created = await browser.post('/taches/nouvelle', { title: 'Envoyer le questionnaire à OrientaLab', dueOn: today(), organizationId: startupId, sourcingCaseId: caseId });
    expect(created.status).toBe(303);
    const taskId = String(created.headers.location).split('/').pop() as string;
    expect(created.headers.location).toBe(`/taches/${taskId}`);
    const [row] = await harness.db.select().from(tasks).where(eq(tasks.id, taskId));
    expect(row).toMatchObject({ sourcingCaseId: caseId, organizationId: startupId, createdById: charge.id });
    const [audit] = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityType, 'task'), eq(auditLog.entityId, taskId), eq(auditLog.action, 'task.created')));
    expect(audit?.metadata.related).toEqual([startupId, caseId]);

    const page = await browser.get(`/taches/${taskId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`href="/sourcing/pistes/${caseId}">Piste : OrientaLab — Orientation des lycéens</a>`);
    const list = await browser.get('/taches');
    expect(list.text).toContain(`href="/sourcing/pistes/${caseId}">Piste : OrientaLab — Orientation des lycéens</a>`);

    const timeline = await browser.get(`/sourcing/historique/pistes/${caseId}`);
    expect(timeline.status).toBe(200);
    expect(timeline.text).toContain('Envoyer le questionnaire à OrientaLab');

    // Editing keeps the case (the form carries it).
    const edit = await browser.get(`/taches/${taskId}/modifier`);
    expect(edit.text).toContain(`name="sourcingCaseId" value="${caseId}"`);
    const saved = await browser.post(`/taches/${taskId}/modifier`, { title: 'Envoyer le questionnaire (v2)', dueOn: today(), organizationId: startupId, sourcingCaseId: caseId, assigneeId: charge.id });
    expect(saved.status).toBe(303);
    const [after] = await harness.db.select().from(tasks).where(eq(tasks.id, taskId));
    expect(after).toMatchObject({ title: 'Envoyer le questionnaire (v2)', sourcingCaseId: caseId });
  });

  it('neither pre-fills nor accepts a confidential case of another unit (422, typed values kept), nor an unknown one', async () => {
    const form = await browser.get(`/taches/nouvelle?piste=${confidentialCaseId}`);
    expect(form.status).toBe(200);
    expect(form.text).not.toContain(confidentialCaseId);
    expect(form.text).not.toContain('SecretEdu');

    const before = await harness.db.select().from(tasks).where(eq(tasks.sourcingCaseId, confidentialCaseId));
    const refused = await browser.post('/taches/nouvelle', { title: 'Relancer SecretEdu', dueOn: today(), sourcingCaseId: confidentialCaseId });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Vous n’avez pas accès à cette piste (confidentielle) : la tâche ne peut pas y être liée.');
    expect(refused.text).toContain('value="Relancer SecretEdu"');
    expect(refused.text).not.toContain('SecretEdu</a>');
    expect(await harness.db.select().from(tasks).where(eq(tasks.sourcingCaseId, confidentialCaseId))).toHaveLength(before.length);

    const unknown = await browser.post('/taches/nouvelle', { title: 'Tâche orpheline', dueOn: today(), sourcingCaseId: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.status).toBe(422);
    expect(unknown.text).toContain('Cette piste est introuvable.');
    const invalid = await browser.post('/taches/nouvelle', { title: 'Tâche orpheline', dueOn: today(), sourcingCaseId: 'pas-un-id' });
    expect(invalid.status).toBe(422);
    expect(invalid.text).toContain('Cette piste est introuvable.');
  });

  it('a task an admin linked to a confidential case: its assignee sees the task without the case, and editing it keeps the case', async () => {
    const adminCtx = await harness.context(admin);
    const task = await createTask(adminCtx, { title: 'Préparer le comité de la piste', dueOn: today(), assigneeId: charge.id, sourcingCaseId: confidentialCaseId });
    expect(task.sourcingCaseId).toBe(confidentialCaseId);

    const page = await browser.get(`/taches/${task.id}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('SecretEdu</a>');
    expect(page.text).not.toContain(`/sourcing/pistes/${confidentialCaseId}`);

    const edit = await browser.get(`/taches/${task.id}/modifier`);
    expect(edit.text).toContain('Piste : piste confidentielle');
    expect(edit.text).not.toContain('SecretEdu');
    // The assignee (a chargé: 'tasks.edit') edits it: the case they do not read stays linked.
    const saved = await browser.post(`/taches/${task.id}/modifier`, { title: 'Préparer le comité', dueOn: today(), assigneeId: charge.id, sourcingCaseId: confidentialCaseId });
    expect(saved.status).toBe(303);
    const [after] = await harness.db.select().from(tasks).where(eq(tasks.id, task.id));
    expect(after).toMatchObject({ title: 'Préparer le comité', sourcingCaseId: confidentialCaseId });
  });
});
