// Tasks (issue 12): lifecycle (create, complete with done at / by, reopen, cancel, postpone,
// reassign), refused moves in French, who sees what (own, a manager's units, admin, outsiders),
// « Mes tâches » groups across midnight in Paris, the header badge, journal rows with labels.
import { and, eq } from 'drizzle-orm';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../src/lib/errors';
import { isoDateInParis } from '../../src/lib/format';
import { addDays } from '../../src/lib/convention-dates';
import { auditLog, tasks, type User } from '../../src/models/schema';
import { labelAction } from '../../src/services/journal.service';
import { countMyOverdueTasks, listTasksPage, taskPageView } from '../../src/services/task-pages.service';
import { cancelTask, completeTask, createTask, postponeTask, reassignTask, reopenTask, updateTask } from '../../src/services/tasks.service';
import type { ServiceContext } from '../../src/services/context';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

describe('tasks', () => {
  let harness: TestApp;
  let charge: User; // DDPSI
  let colleague: User; // DDPSI
  let manager: User; // DDPSI
  let otherManager: User; // DAJ
  let outsider: User; // chargé of DAJ
  let admin: User;
  let lecteur: User;
  let inactive: User;
  let browser: TestBrowser;

  const ctxOf = async (user: User, now?: Date): Promise<ServiceContext> => {
    const ctx = await harness.context(user);
    return now ? { ...ctx, now } : ctx;
  };
  const today = () => isoDateInParis(new Date());

  beforeAll(async () => {
    harness = await startTestApp();
    charge = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Camille Martin' });
    colleague = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Lina Roux' });
    manager = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'], displayName: 'Marc Petit' });
    otherManager = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DAJ'] });
    outsider = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DAJ'] });
    admin = await buildUser(harness.db, { roles: ['admin'] });
    lecteur = await buildUser(harness.db, { roles: ['lecteur'], unitCodes: ['DDPSI'] });
    inactive = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], active: false });
    browser = new TestBrowser(harness.app);
    await browser.login(charge.email);
  });
  afterAll(() => harness.close());

  it('lives: created, done with done at / by, reopened, cancelled, postponed and reassigned, each journaled with its related records', async () => {
    const organization = await buildOrganization(harness.db, { name: 'EdTech Lumière', unitCodes: ['DDPSI'] });
    const contact = await buildContact(harness.db, { firstName: 'Inès', lastName: 'Garnier', organizationId: organization.id });
    const ctx = await ctxOf(charge);
    const task = await createTask(ctx, { title: 'Rappeler Inès', dueOn: today(), dueTime: '14:30', priority: 'haute', organizationId: organization.id, contactId: contact.id });
    expect(task).toMatchObject({ assigneeId: charge.id, createdById: charge.id, status: 'a_faire', priority: 'haute', dueTime: '14:30:00' });

    const done = await completeTask(ctx, task.id);
    expect(done.status).toBe('faite');
    expect(done.doneById).toBe(charge.id);
    expect(done.doneAt?.getTime()).toBe(ctx.now.getTime());

    const reopened = await reopenTask(ctx, task.id);
    expect(reopened).toMatchObject({ status: 'a_faire', doneAt: null, doneById: null });

    const day = await postponeTask(ctx, task.id, { delai: 'jour' });
    expect(day.dueOn).toBe(addDays(today(), 1));
    const week = await postponeTask(ctx, task.id, { delai: 'semaine' });
    expect(week.dueOn).toBe(addDays(today(), 8));
    const dated = await postponeTask(ctx, task.id, { delai: 'date', dueOn: addDays(today(), 30) });
    expect(dated.dueOn).toBe(addDays(today(), 30));
    await expect(postponeTask(ctx, task.id, { delai: 'date', dueOn: addDays(today(), -1) })).rejects.toBeInstanceOf(ValidationError);

    await expect(reassignTask(ctx, task.id, { assigneeId: inactive.id })).rejects.toMatchObject({ fieldErrors: { assigneeId: expect.stringContaining('compte actif') } });
    const { task: reassigned, assigneeName } = await reassignTask(ctx, task.id, { assigneeId: colleague.id });
    expect(reassigned.assigneeId).toBe(colleague.id);
    expect(assigneeName).toBe('Lina Roux');

    const cancelled = await cancelTask(ctx, task.id);
    expect(cancelled.status).toBe('annulee');

    const rows = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityType, 'task'), eq(auditLog.entityId, task.id))).orderBy(auditLog.id);
    expect(rows.map((row) => row.action)).toEqual([
      'task.created',
      'task.completed',
      'task.reopened',
      'task.postponed',
      'task.postponed',
      'task.postponed',
      'task.reassigned',
      'task.cancelled',
    ]);
    for (const row of rows) {
      expect(row.metadata.related).toEqual([organization.id, contact.id]);
      expect(labelAction(row.action)).not.toBe(row.action);
    }
    expect(rows.map((row) => labelAction(row.action))).toContain('Tâche faite');
    expect(rows[3]?.metadata).toMatchObject({ from: today(), to: addDays(today(), 1) });

    // The task page shows the history with French labels and names, never ids.
    const page = await browser.get(`/taches/${task.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Tâche réattribuée');
    expect(page.text).toContain('Tâche reportée');
    expect(page.text).toContain('EdTech Lumière');
    const history = page.text.slice(page.text.indexOf('Historique'));
    expect(history).toContain('Lina Roux');
    expect(history).not.toMatch(/a_faire|annulee/);
  });

  it('refuses moves the table does not have, in French', async () => {
    const ctx = await ctxOf(charge);
    const task = await createTask(ctx, { title: 'Relancer la convention', dueOn: today() });
    await cancelTask(ctx, task.id);
    await expect(completeTask(ctx, task.id)).rejects.toThrow(new ConflictError('Cette tâche est annulée : elle ne peut pas être marquée comme faite.'));
    await expect(postponeTask(ctx, task.id, { delai: 'jour' })).rejects.toBeInstanceOf(ConflictError);
    await reopenTask(ctx, task.id);
    await expect(reopenTask(ctx, task.id)).rejects.toThrow('Cette tâche est déjà à faire.');

    // Without JavaScript: back to the page with the message; with htmx: the message in the flash region.
    await cancelTask(ctx, task.id);
    const plain = await browser.post(`/taches/${task.id}/faite`, { back: '/taches' });
    expect(plain.status).toBe(303);
    expect(plain.headers.location).toBe('/taches');
    const next = await browser.get('/taches');
    expect(next.text).toContain('Cette tâche est annulée : elle ne peut pas être marquée comme faite.');
    const fragment = await browser.post(`/taches/${task.id}/faite`, {}, { headers: { 'HX-Request': 'true' } });
    expect(fragment.status).toBe(422);
    expect(fragment.text).toContain('ne peut pas être marquée comme faite');
  });

  it('lets the assignee complete and postpone their own task whatever their role, but not cancel or reassign it', async () => {
    const juriste = await buildUser(harness.db, { roles: ['juriste'], unitCodes: ['DAJ'], displayName: 'Inès Garnier' });
    const task = await createTask(await ctxOf(charge), { title: 'Relire la clause RGPD', dueOn: today(), assigneeId: juriste.id });
    const ctx = await ctxOf(juriste);
    await expect(cancelTask(ctx, task.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(reassignTask(ctx, task.id, { assigneeId: charge.id })).rejects.toBeInstanceOf(ForbiddenError);
    const postponed = await postponeTask(ctx, task.id, { delai: 'jour' });
    expect(postponed.dueOn).toBe(addDays(today(), 1));
    const done = await completeTask(ctx, task.id);
    expect(done.status).toBe('faite');
    expect(done.doneById).toBe(juriste.id);
    // Someone else's task stays out of reach for her.
    const other = await createTask(await ctxOf(charge), { title: 'Appeler le rectorat', dueOn: today() });
    await expect(completeTask(ctx, other.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('validates the form in French and keeps what was typed', async () => {
    const response = await browser.post('/taches/nouvelle', { title: 'Préparer le salon', dueOn: '2026-02-31', dueTime: '25:00', assigneeId: inactive.id });
    expect(response.status).toBe(422);
    expect(response.text).toContain('Cette échéance n’est pas une date valide.');
    expect(response.text).toContain('Indiquez l’heure au format HH:MM');
    expect(response.text).toContain('value="Préparer le salon"');
    const inactiveAssignee = await browser.post('/taches/nouvelle', { title: 'Préparer le salon', dueOn: today(), assigneeId: inactive.id });
    expect(inactiveAssignee.status).toBe(422);
    expect(inactiveAssignee.text).toContain('n’a pas de compte actif');
    expect(await harness.db.select().from(tasks).where(eq(tasks.title, 'Préparer le salon'))).toHaveLength(0);

    const organization = await buildOrganization(harness.db, { name: 'Université de Tours', unitCodes: ['DDPSI'] });
    const form = await browser.get(`/taches/nouvelle?structure=${organization.id}`);
    expect(form.text).toContain('Université de Tours');
    expect(form.text).toContain(`name="organizationId" value="${organization.id}"`);
    const created = await browser.post('/taches/nouvelle', { title: 'Préparer le salon', dueOn: today(), organizationId: organization.id, priority: 'basse' });
    expect(created.status).toBe(303);
    const id = String(created.headers.location).split('/').pop() as string;
    const edited = await browser.post(`/taches/${id}/modifier`, { title: 'Préparer le salon de Tours', dueOn: today(), organizationId: organization.id, priority: 'haute', assigneeId: charge.id });
    expect(edited.status).toBe(303);
    const [row] = await harness.db.select().from(tasks).where(eq(tasks.id, id));
    expect(row).toMatchObject({ title: 'Préparer le salon de Tours', priority: 'haute', organizationId: organization.id });
    const [audit] = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, id), eq(auditLog.action, 'task.updated')));
    expect(Object.keys(audit?.changes ?? {}).sort()).toEqual(['priority', 'title']);
  });

  it('shows each person their tasks, a manager their units’, an admin all; others get 404', async () => {
    const mine = await createTask(await ctxOf(charge), { title: 'Tâche de Camille', dueOn: today() });
    const forColleague = await createTask(await ctxOf(charge), { title: 'Pour Lina, créée par Camille', dueOn: today(), assigneeId: colleague.id });
    const colleagues = await createTask(await ctxOf(colleague), { title: 'Tâche de Lina', dueOn: today() });

    const titles = async (user: User, query: Record<string, string> = {}) => (await listTasksPage(await ctxOf(user), query)).tasks.map((task) => task.title);
    expect(await titles(charge)).toEqual(expect.arrayContaining(['Tâche de Camille', 'Pour Lina, créée par Camille']));
    expect(await titles(charge)).not.toContain('Tâche de Lina');
    expect(await titles(colleague)).toEqual(expect.arrayContaining(['Tâche de Lina', 'Pour Lina, créée par Camille']));
    // A chargé asking for the units' view gets their own.
    expect(await titles(charge, { vue: 'unites' })).not.toContain('Tâche de Lina');
    // The manager of DDPSI sees their units' tasks; the manager of DAJ does not.
    const unitTitles = await titles(manager, { vue: 'unites' });
    expect(unitTitles).toEqual(expect.arrayContaining(['Tâche de Camille', 'Tâche de Lina', 'Pour Lina, créée par Camille']));
    expect(await titles(otherManager, { vue: 'unites' })).not.toContain('Tâche de Lina');
    expect(await titles(admin, { vue: 'toutes' })).toEqual(expect.arrayContaining(['Tâche de Camille', 'Tâche de Lina']));
    expect(await titles(manager, { vue: 'unites', assignee: colleague.id })).not.toContain('Tâche de Camille');

    await expect(taskPageView(await ctxOf(outsider), colleagues.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(taskPageView(await ctxOf(otherManager), colleagues.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(completeTask(await ctxOf(outsider), colleagues.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await taskPageView(await ctxOf(manager), colleagues.id)).task.title).toBe('Tâche de Lina');
    expect((await taskPageView(await ctxOf(admin), colleagues.id)).task.canEdit).toBe(true);
    // A chargé reassigns their own tasks; a manager their units' members'; not someone else's.
    await expect(reassignTask(await ctxOf(charge), colleagues.id, { assigneeId: charge.id })).rejects.toBeInstanceOf(NotFoundError);
    await reassignTask(await ctxOf(manager), colleagues.id, { assigneeId: charge.id });
    await reassignTask(await ctxOf(admin), colleagues.id, { assigneeId: colleague.id });
    // A lecteur marks the tasks given to them done, but neither edits, cancels nor reassigns them.
    const forLecteur = await createTask(await ctxOf(manager), { title: 'Lire le rapport', dueOn: today(), assigneeId: lecteur.id });
    const lecteurView = (await taskPageView(await ctxOf(lecteur), forLecteur.id)).task;
    expect(lecteurView.canEdit).toBe(true);
    expect(lecteurView.canManage).toBe(false);
    await expect(cancelTask(await ctxOf(lecteur), forLecteur.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(updateTask(await ctxOf(lecteur), forLecteur.id, { title: 'x', dueOn: today() })).rejects.toBeInstanceOf(ForbiddenError);
    expect((await completeTask(await ctxOf(lecteur), forLecteur.id)).status).toBe('faite');
    await expect(updateTask(await ctxOf(colleague), mine.id, { title: 'x', dueOn: today() })).rejects.toBeInstanceOf(NotFoundError);

    const outsiderBrowser = new TestBrowser(harness.app);
    await outsiderBrowser.login(outsider.email);
    expect((await outsiderBrowser.get(`/taches/${forColleague.id}`)).status).toBe(404);
    expect((await outsiderBrowser.post(`/taches/${forColleague.id}/faite`)).status).toBe(404);
    expect((await outsiderBrowser.get('/taches/pas-un-identifiant')).status).toBe(404);
  });

  it('groups « Mes tâches » by day in Paris: overdue first, today, this week, later — across midnight', async () => {
    const user = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['UO-PRO'] });
    const setup = await ctxOf(user);
    // Saturday 28 March 2026, 23:30 UTC = Sunday 29 March, 00:30 in Paris (and the clocks change that night).
    const now = new Date('2026-03-28T23:30:00Z');
    for (const [title, dueOn, dueTime] of [
      ['Plus tard', '2026-04-02', undefined],
      ['Hier à Paris, aujourd’hui en UTC', '2026-03-28', undefined],
      ['Aujourd’hui, 16 h', '2026-03-29', '16:00'],
      ['Aujourd’hui, 9 h', '2026-03-29', '09:00'],
      ['Aujourd’hui, sans heure', '2026-03-29', undefined],
      ['Il y a une semaine', '2026-03-21', undefined],
    ] as const) {
      await createTask(setup, { title, dueOn, dueTime });
    }
    const page = await listTasksPage(await ctxOf(user, now), {});
    expect(page.groups.map((group) => [group.key, group.tasks.map((task) => task.title)])).toEqual([
      ['overdue', ['Il y a une semaine', 'Hier à Paris, aujourd’hui en UTC']],
      ['today', ['Aujourd’hui, 9 h', 'Aujourd’hui, 16 h', 'Aujourd’hui, sans heure']],
      ['later', ['Plus tard']],
    ]);
    // On Friday the 27th (Paris), the 28th and the 29th are this week (it ends on Sunday).
    const friday = await listTasksPage(await ctxOf(user, new Date('2026-03-27T10:00:00Z')), {});
    expect(friday.groups.map((group) => group.key)).toEqual(['overdue', 'week', 'later']);
    expect((await listTasksPage(await ctxOf(user, now), { echeance: 'en_retard' })).tasks).toHaveLength(2);
    expect((await listTasksPage(await ctxOf(user, now), { echeance: 'aujourdhui' })).tasks).toHaveLength(3);
    expect((await listTasksPage(await ctxOf(user, now), { q: 'heure' })).tasks.map((task) => task.title)).toEqual(['Aujourd’hui, sans heure']);

    // The badge counts the overdue ones at that moment: 2 in Paris (the 28th is yesterday), 1 an hour earlier.
    expect(await countMyOverdueTasks(await ctxOf(user, now))).toBe(2);
    expect(await countMyOverdueTasks(await ctxOf(user, new Date('2026-03-28T22:30:00Z')))).toBe(1);
  });

  it('completes inline: htmx swaps the row and refreshes the badge; without JavaScript 303 back; « Fait, et consigner » opens the exchange form', async () => {
    const user = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['UO-SUP'] });
    const own = new TestBrowser(harness.app);
    await own.login(user.email);
    const ctx = await ctxOf(user);
    const late = await createTask(ctx, { title: 'Envoyer le compte rendu', dueOn: addDays(today(), -2) });
    const later = await createTask(ctx, { title: 'Relancer la startup', dueOn: addDays(today(), -1) });
    const third = await createTask(ctx, { title: 'Préparer la visite', dueOn: addDays(today(), -3) });

    const badge = await own.get('/taches/compteur');
    expect(badge.text).toMatch(/>3<span class="fr-sr-only"> 3 tâche\(s\) en retard/);
    const list = await own.get('/taches');
    expect(list.text).toContain('passerelle-task-group--overdue');
    expect(list.text).toContain(`hx-post="/taches/${late.id}/faite"`);
    expect(list.text).toContain('class="passerelle-tasks-badge" hx-get="/taches/compteur"');

    const row = await own.post(`/taches/${late.id}/faite`, { back: '/taches' }, { headers: { 'HX-Request': 'true' } });
    expect(row.status).toBe(200);
    expect(row.text).toContain(`id="task-${late.id}"`);
    expect(row.text).toContain('Tâche « Envoyer le compte rendu » faite.');
    expect(row.text).toContain(`/taches/${late.id}/rouvrir`);
    expect(row.text).toMatch(/hx-swap-oob="outerHTML:.passerelle-tasks-badge">.*>2</);

    const plain = await own.post(`/taches/${later.id}/faite`, { back: '/taches?echeance=en_retard' });
    expect(plain.status).toBe(303);
    expect(plain.headers.location).toBe('/taches?echeance=en_retard');
    const logged = await own.post(`/taches/${third.id}/faite`, { ensuite: 'echange' });
    expect(plain.status).toBe(303);
    expect(logged.headers.location).toBe(`/echanges/nouveau?tache=${third.id}`);
    expect((await own.get('/taches/compteur')).text).not.toContain('fr-badge');
    const done = await own.get('/taches?statut=faite');
    expect(done.text).toContain('Envoyer le compte rendu');

    const postponed = await own.post(`/taches/${late.id}/rouvrir`, {});
    expect(postponed.status).toBe(303);
    const viaDate = await own.post(`/taches/${late.id}/reporter`, { delai: 'date', dueOn: 'pas une date' }, { headers: { 'HX-Request': 'true' } });
    expect(viaDate.status).toBe(422);
    expect(viaDate.text).toContain('Cette échéance n’est pas une date valide.');
  });
});
