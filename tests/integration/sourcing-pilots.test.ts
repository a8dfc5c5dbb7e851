// Pilots (« expérimentations »): opened when a case enters « expérimentation » (through the gate's
// mover), criteria required before the start, milestones → tasks kept in step, the closing
// decision (prolonger once, itérer, arrêter → case abandonnée, déployer → the contractualisation
// gate's link), the « sans décision » list, dashboard rows and reminders (exactly once per week),
// and the convention draft written when the case enters « contractualisation ».
import { randomBytes } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import {
  auditLog,
  conventionParties,
  conventions,
  emails,
  reminderOccurrences,
  sourcingCases,
  sourcingChallengeUnits,
  sourcingChallenges,
  sourcingPilotCriteria,
  sourcingPilotMilestones,
  sourcingPilots,
  tasks,
  type User,
} from '../../src/models/schema';
import { listUnits } from '../../src/models/units.model';
import { addParisDays, atParisTime, isParisWorkingDay, parisDayOf } from '../../src/lib/paris-time';
import { runReminderSweep } from '../../src/services/reminders.service';
import { addCaseInTransaction, moveCaseStage } from '../../src/services/sourcing-cases.service';
import { decidePilot, overduePilotsOfUnits, pilotsPanelOfCase, savePilot, startPilot } from '../../src/services/sourcing-pilots.service';
import { DEFAULT_CRITERIA } from '../../src/workflows/sourcing-scorecard';
import { buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

const BASE_URL = 'http://passerelle.test';

describe('sourcing pilots', () => {
  let harness: TestApp;
  let charge: User;
  let manager: User;
  let outsider: User;
  let unitId: string;
  let browser: TestBrowser;

  const pilotOf = async (caseId: string) => (await harness.db.select().from(sourcingPilots).where(eq(sourcingPilots.caseId, caseId)).orderBy(sourcingPilots.iteration)).at(-1);
  const caseRow = async (caseId: string) => (await harness.db.select().from(sourcingCases).where(eq(sourcingCases.id, caseId)))[0];

  /** A challenge sponsored by `manager`, a start-up's case at « évaluée », moved to « expérimentation » by the gate. */
  async function caseInExperimentation(name = `EduTest ${randomBytes(2).toString('hex')}`) {
    const organization = await buildOrganization(harness.db, { name, unitCodes: ['DDPSI'] });
    const [challenge] = await harness.db
      .insert(sourcingChallenges)
      .values({ title: `Évaluation à distance ${randomBytes(2).toString('hex')}`, problemStatement: 'Évaluer les compétences à distance.', ownerId: charge.id, sponsorId: manager.id, criteria: DEFAULT_CRITERIA.map((criterion) => ({ ...criterion })), status: 'ouvert' })
      .returning();
    await harness.db.insert(sourcingChallengeUnits).values({ challengeId: challenge!.id, unitId, position: 0 });
    const ctx = await harness.context(charge);
    const row = await harness.db.transaction((tx) => addCaseInTransaction(tx, ctx, { organizationId: organization.id, challengeId: challenge!.id, source: 'salon', stage: 'evaluee' }, 'seed'));
    await harness.db.transaction((tx) => moveCaseStage(tx, ctx, { caseId: row.id, to: 'experimentation', by: 'gate' }));
    return { organization, challenge: challenge!, caseId: row.id, ctx };
  }

  const criteriaForm = {
    'criteria[0][label]': 'Complétion du parcours',
    'criteria[0][measure]': 'Part des apprenants qui finissent le parcours',
    'criteria[0][target]': '≥ 70 %',
    'criteria[1][label]': 'Satisfaction des formateurs',
    'criteria[1][measure]': 'Questionnaire de fin',
    'criteria[1][target]': '4/5 en moyenne',
  };

  beforeAll(async () => {
    harness = await startTestApp();
    unitId = (await listUnits(harness.db)).find((unit) => unit.code === 'DDPSI')!.id;
    charge = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Camille Chargée' });
    manager = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'], displayName: 'Maxime Manager' });
    outsider = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DRI'], displayName: 'Olivier Ailleurs' });
    browser = new TestBrowser(harness.app);
    await browser.login(charge.email);
  }, 60_000);

  afterAll(async () => {
    await harness?.close();
  });

  test('entering « expérimentation » opens a pilot en préparation: iteration 1, the sponsor decides, the case’s unit; journaled on the case', async () => {
    const { caseId } = await caseInExperimentation();
    const pilot = await pilotOf(caseId);
    expect(pilot).toMatchObject({ iteration: 1, status: 'en_preparation', decisionOwnerId: manager.id, unitIds: [unitId] });
    const audits = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, caseId), eq(auditLog.action, 'sourcing_pilot.opened')));
    expect(audits).toHaveLength(1);
    expect(audits[0]?.entityType).toBe('sourcing_case');
    const page = await browser.get(`/sourcing/pilotes/${pilot!.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('En préparation');
    expect(page.text).toContain('Démarrer l’expérimentation');
  });

  test('criteria are required before the start; incomplete rows are refused with what was typed; then it starts and milestones become tasks kept in step', async () => {
    const { caseId, organization } = await caseInExperimentation();
    const pilot = (await pilotOf(caseId))!;
    const refused = await browser.post(`/sourcing/pilotes/${pilot.id}/demarrer`);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Écrivez au moins un critère de succès.');
    expect(refused.text).toContain('Indiquez la date de début.');

    const today = parisDayOf(new Date());
    const incomplete = await browser.post(`/sourcing/pilotes/${pilot.id}`, { startsOn: today, endsOn: addParisDays(today, 60), 'criteria[0][label]': 'Complétion', 'criteria[0][measure]': '', 'criteria[0][target]': '70 %' });
    expect(incomplete.status).toBe(422);
    expect(incomplete.text).toContain('Chaque critère a un libellé, une mesure et une cible.');
    expect(incomplete.text).toContain('value="Complétion"');

    const saved = await browser.post(`/sourcing/pilotes/${pilot.id}`, {
      startsOn: today,
      endsOn: addParisDays(today, 60),
      decisionOwnerId: manager.id,
      unitIds: [unitId],
      learnersCount: '120',
      staffCount: '8',
      budget: '12 000',
      ...criteriaForm,
      'milestones[0][label]': 'Point à mi-parcours',
      'milestones[0][checkOn]': addParisDays(today, 30),
      'milestones[1][label]': 'Bilan des formateurs',
      'milestones[1][checkOn]': addParisDays(today, 55),
    });
    expect(saved.status).toBe(303);
    let row = (await pilotOf(caseId))!;
    expect(row).toMatchObject({ learnersCount: 120, staffCount: 8, budgetCents: 1_200_000, status: 'en_preparation' });
    expect(await harness.db.select().from(tasks).where(eq(tasks.sourcingCaseId, caseId))).toHaveLength(0);

    const started = await browser.post(`/sourcing/pilotes/${pilot.id}/demarrer`);
    expect(started.status).toBe(303);
    row = (await pilotOf(caseId))!;
    expect(row.status).toBe('en_cours');
    const checks = await harness.db.select().from(tasks).where(eq(tasks.sourcingCaseId, caseId)).orderBy(tasks.dueOn);
    expect(checks.map((task) => [task.dueOn, task.assigneeId, task.organizationId, task.status])).toEqual([
      [addParisDays(today, 30), manager.id, organization.id, 'a_faire'],
      [addParisDays(today, 55), manager.id, organization.id, 'a_faire'],
    ]);
    expect(checks[0]?.title).toContain('Point à mi-parcours');

    // Under way: the criteria and dates do not change; a milestone's new date moves its task; a removed one cancels it.
    const milestones = await harness.db.select().from(sourcingPilotMilestones).where(eq(sourcingPilotMilestones.pilotId, pilot.id)).orderBy(sourcingPilotMilestones.checkOn);
    const moved = await browser.post(`/sourcing/pilotes/${pilot.id}`, {
      decisionOwnerId: manager.id,
      unitIds: [unitId],
      startsOn: addParisDays(today, -100),
      'criteria[0][label]': 'Changé après coup',
      'criteria[0][measure]': 'x',
      'criteria[0][target]': 'y',
      'milestones[0][id]': milestones[0]!.id,
      'milestones[0][label]': 'Point à mi-parcours',
      'milestones[0][checkOn]': addParisDays(today, 35),
    });
    expect(moved.status).toBe(303);
    const after = await harness.db.select().from(tasks).where(eq(tasks.sourcingCaseId, caseId)).orderBy(tasks.createdAt);
    expect(after.find((task) => task.id === milestones[0]!.taskId)?.dueOn).toBe(addParisDays(today, 35));
    expect(after.find((task) => task.id === milestones[1]!.taskId)?.status).toBe('annulee');
    const criteria = await harness.db.select().from(sourcingPilotCriteria).where(eq(sourcingPilotCriteria.pilotId, pilot.id));
    expect(criteria.map((criterion) => criterion.label).sort()).toEqual(['Complétion du parcours', 'Satisfaction des formateurs']);
    expect((await pilotOf(caseId))!.startsOn).toBe(today);

    // Someone of another unit reads it but may not change it.
    const other = new TestBrowser(harness.app);
    await other.login(outsider.email);
    expect((await other.get(`/sourcing/pilotes/${pilot.id}`)).status).toBe(200);
    expect((await other.post(`/sourcing/pilotes/${pilot.id}`, { decisionOwnerId: outsider.id })).status).toBe(403);
    expect((await other.post(`/sourcing/pilotes/${pilot.id}/decision`, { decision: 'arreter', rationale: 'Non' })).status).toBe(403);
  });

  /** A pilot started with two criteria, ending on `endsOn`. */
  async function startedPilot(endsOn = addParisDays(parisDayOf(new Date()), 30), startsOn = addParisDays(parisDayOf(new Date()), -30)) {
    const made = await caseInExperimentation();
    const pilot = (await pilotOf(made.caseId))!;
    await savePilot(made.ctx, pilot.id, {
      startsOn,
      endsOn,
      milestones: [{ label: 'Point d’étape', checkOn: addParisDays(startsOn, 10) }],
      decisionOwnerId: manager.id,
      unitIds: [unitId],
      criteria: [
        { label: 'Complétion', measure: 'Part des apprenants', target: '70 %' },
        { label: 'Satisfaction', measure: 'Questionnaire', target: '4/5' },
      ],
    });
    await startPilot(made.ctx, pilot.id);
    const criteria = await harness.db.select().from(sourcingPilotCriteria).where(eq(sourcingPilotCriteria.pilotId, pilot.id)).orderBy(sourcingPilotCriteria.position);
    const results = Object.fromEntries(criteria.map((criterion, index) => [criterion.id, { result: index === 0 ? '74 %' : '3,6/5', met: index === 0 ? 'oui' : 'non' }]));
    return { ...made, pilot, criteria, results };
  }

  test('the decision needs every criterion’s result and a rationale; « prolonger » once, then refused with a clear message', async () => {
    const { pilot, criteria, results, ctx } = await startedPilot();
    const missing = await browser.post(`/sourcing/pilotes/${pilot.id}/decision`, { decision: 'prolonger', newEndsOn: addParisDays(pilot.endsOn ?? parisDayOf(new Date()), 10) });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('Justifiez la décision.');
    expect(missing.text).toContain('Indiquez le résultat obtenu.');

    const before = (await harness.db.select().from(sourcingPilots).where(eq(sourcingPilots.id, pilot.id)))[0]!;
    await expect(decidePilot(ctx, pilot.id, { decision: 'prolonger', newEndsOn: before.endsOn!, rationale: 'Plus de temps', results })).rejects.toMatchObject({
      fieldErrors: { newEndsOn: expect.stringContaining('après la fin actuelle') },
    });
    const newEnd = addParisDays(before.endsOn!, 30);
    const extended = await browser.post(`/sourcing/pilotes/${pilot.id}/decision`, {
      decision: 'prolonger',
      newEndsOn: newEnd,
      rationale: 'Les classes ont commencé en retard.',
      ...Object.fromEntries(criteria.flatMap((criterion) => [[`results[${criterion.id}][result]`, 'en cours'], [`results[${criterion.id}][met]`, 'non']])),
    });
    expect(extended.status).toBe(303);
    const row = (await harness.db.select().from(sourcingPilots).where(eq(sourcingPilots.id, pilot.id)))[0]!;
    expect(row).toMatchObject({ status: 'en_cours', endsOn: newEnd, originalEndsOn: before.endsOn, extensionReason: 'Les classes ont commencé en retard.' });
    expect(row.extendedAt).not.toBeNull();

    const again = await browser.post(`/sourcing/pilotes/${pilot.id}/decision`, {
      decision: 'prolonger',
      newEndsOn: addParisDays(newEnd, 30),
      rationale: 'Encore un peu',
      ...Object.fromEntries(criteria.flatMap((criterion) => [[`results[${criterion.id}][result]`, 'en cours'], [`results[${criterion.id}][met]`, 'non']])),
    });
    expect(again.status).toBe(422);
    expect(again.text).toContain('déjà été prolongée une fois');
    expect((await harness.db.select().from(sourcingPilots).where(eq(sourcingPilots.id, pilot.id)))[0]?.endsOn).toBe(newEnd);
    const decided = await harness.db.select().from(auditLog).where(and(eq(auditLog.action, 'sourcing_pilot.decided'), eq(auditLog.entityType, 'sourcing_case')));
    expect(decided.some((entry) => (entry.metadata as Record<string, unknown>).pilotId === pilot.id)).toBe(true);
  });

  test('« itérer » closes the pilot with the criteria’s results and opens iteration 2 in preparation (criteria copied); the case stays in expérimentation', async () => {
    const { pilot, caseId, results, ctx } = await startedPilot();
    const outcome = await decidePilot(ctx, pilot.id, { decision: 'iterer', rationale: 'Adapter le parcours aux CAP.', results });
    expect(outcome.pilot).toMatchObject({ status: 'clos', decision: 'iterer', decisionRationale: 'Adapter le parcours aux CAP.', decidedById: charge.id });
    const criteria = await harness.db.select().from(sourcingPilotCriteria).where(eq(sourcingPilotCriteria.pilotId, pilot.id)).orderBy(sourcingPilotCriteria.position);
    expect(criteria.map((criterion) => [criterion.result, criterion.met])).toEqual([['74 %', true], ['3,6/5', false]]);
    expect(outcome.next).toMatchObject({ iteration: 2, status: 'en_preparation', decisionOwnerId: manager.id });
    const copied = await harness.db.select().from(sourcingPilotCriteria).where(eq(sourcingPilotCriteria.pilotId, outcome.next!.id));
    expect(copied.map((criterion) => [criterion.label, criterion.result])).toEqual([['Complétion', null], ['Satisfaction', null]]);
    expect((await caseRow(caseId))?.stage).toBe('experimentation');
    const panel = await pilotsPanelOfCase(ctx, caseId);
    expect(panel?.current?.iteration).toBe(2);
    expect(panel?.earlier.map((row) => row.decisionLabel)).toEqual(['Itérer']);
    const closedPage = await browser.get(`/sourcing/pilotes/${pilot.id}`);
    expect(closedPage.text).toContain('74 %');
    expect(closedPage.text).toContain(`/sourcing/pilotes/${outcome.next!.id}`);
    expect(closedPage.text).not.toContain('id="decision-form"');
  });

  test('« arrêter » closes the pilot and moves the case to « abandonnée » with the reason; the decision owner may decide', async () => {
    const { pilot, caseId, results } = await startedPilot();
    const ownerCtx = await harness.context(manager);
    await decidePilot(ownerCtx, pilot.id, { decision: 'arreter', rationale: 'Accessibilité insuffisante.', results });
    const row = await caseRow(caseId);
    expect(row?.stage).toBe('abandonnee');
    expect(row?.stageReason).toContain('Accessibilité insuffisante.');
    const moves = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, caseId), eq(auditLog.action, 'sourcing_case.stage_moved')));
    expect(moves.map((entry) => (entry.metadata as Record<string, unknown>).by)).toEqual(['gate', 'pilot']);
    // The journal names the actions and the decision owner (no raw ids for people).
    const admin = await buildUser(harness.db, { roles: ['admin'] });
    const adminBrowser = new TestBrowser(harness.app);
    await adminBrowser.login(admin.email);
    const journal = await adminBrowser.get('/admin/journal');
    expect(journal.status).toBe(200);
    expect(journal.text).toContain('Décision de clôture d’expérimentation');
    expect(journal.text).toContain('Expérimentation démarrée');
    expect(journal.text).toContain('Expérimentation ouverte');
    // Its milestones' open checks are cancelled with it.
    const checks = await harness.db.select().from(tasks).where(eq(tasks.sourcingCaseId, caseId));
    expect(checks.map((task) => task.status)).toEqual(['annulee']);
  });

  test('« déployer » closes the pilot; its page links to the contractualisation gate', async () => {
    const { pilot, caseId, results, ctx } = await startedPilot();
    await decidePilot(ctx, pilot.id, { decision: 'deployer', rationale: 'Critères atteints.', results });
    const page = await browser.get(`/sourcing/pilotes/${pilot.id}`);
    // Handlebars escapes « = » and « & » in attributes; the browser reads the same URL.
    const href = /id="contractualisation-link"/.test(page.text) ? /href="([^"]+)" id="contractualisation-link"/.exec(page.text)?.[1] : null;
    expect(href?.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&')).toBe(`/sourcing/comites/nouveau?piste=${caseId}&vers=contractualisation`);
    expect((await pilotsPanelOfCase(ctx, caseId))?.contractualisationLink).toBe(`/sourcing/comites/nouveau?piste=${caseId}&vers=contractualisation`);
  });

  test('a pilot past its end date without a decision is « sans décision »: listed, on the dashboard, reminded to the decision owner and the case owner once, then weekly', async () => {
    // The end date: a working Monday at least two weeks ahead whose next day and the Monday after are working days.
    let end = addParisDays(parisDayOf(new Date()), 14);
    const weekday = (day: string) => new Date(`${day}T12:00:00Z`).getUTCDay();
    while (!(weekday(end) === 1 && [-7, 0, 1, 7, 8].every((offset) => isParisWorkingDay(addParisDays(end, offset))))) end = addParisDays(end, 1);
    const { pilot, caseId, ctx } = await startedPilot(end, addParisDays(end, -60));
    const at = (offset: number, time: string) => atParisTime(addParisDays(end, offset), time);
    const sweep = (offset: number, time: string) => runReminderSweep(harness.db, { now: at(offset, time), baseUrl: BASE_URL });
    const occurrences = () => harness.db.select().from(reminderOccurrences).where(eq(reminderOccurrences.subjectId, pilot.id)).orderBy(reminderOccurrences.dueAt);

    // J-7 and J0 → the decision owner.
    await sweep(-7, '08:01');
    await sweep(-7, '08:02');
    await sweep(0, '08:01');
    // (the overdue notice of the next morning is already planned: the sweep plans a day ahead)
    let rows = (await occurrences()).filter((row) => row.status === 'envoyee');
    expect(rows.map((row) => `${row.ruleCode}:${row.offsetDays}:${row.userId === manager.id ? 'owner' : row.userId}:${row.status}`)).toEqual([
      'sourcing.pilot_end:7:owner:envoyee',
      'sourcing.pilot_end:0:owner:envoyee',
    ]);

    // The day after: « sans décision », to the decision owner and the case owner (the chargé), once however many sweeps.
    await sweep(1, '08:01');
    await sweep(1, '08:05');
    await sweep(2, '08:01');
    rows = (await occurrences()).filter((row) => row.ruleCode === 'sourcing.pilot_overdue');
    expect(rows.map((row) => `${row.occursOn}:${row.status}`)).toEqual([`${end}:envoyee`, `${end}:envoyee`]);
    expect(rows.map((row) => row.userId).sort()).toEqual([charge.id, manager.id].sort());
    const sent = await harness.db.select().from(emails).where(inArray(emails.idempotencyKey, rows.map((row) => `reminder:${row.id}`)));
    expect(sent).toHaveLength(2);
    expect(sent[0]?.subject).toContain('Expérimentation sans décision');
    expect(sent[0]?.payload.link).toBe(`${BASE_URL}/sourcing/pilotes/${pilot.id}`);

    // A week later, once more.
    await sweep(8, '08:01');
    await sweep(8, '09:00');
    rows = (await occurrences()).filter((row) => row.ruleCode === 'sourcing.pilot_overdue');
    expect(rows.map((row) => row.occursOn).sort()).toEqual([end, end, addParisDays(end, 7), addParisDays(end, 7)]);

    // Listed as « sans décision » and on the dashboard (as seen on the day after the end).
    const later = { ...ctx, now: at(3, '10:00') };
    const overdue = await overduePilotsOfUnits(later, [unitId], 10);
    expect(overdue.rows.find((row) => row.pilotId === pilot.id)).toMatchObject({ caseId, daysOverdue: 3, endsOn: end, decisionOwnerName: 'Maxime Manager' });
    // The partials the lead wires into the dashboard and the case page.
    const renderPartial = (view: string, data: Record<string, unknown>) =>
      new Promise<string>((resolve, reject) => harness.app.render(view, { layout: false, ...data }, (error, html) => (error ? reject(error) : resolve(html))));
    const block = await renderPartial('partials/sourcing/pilots/dashboard-block', { overduePilots: overdue });
    expect(block).toContain(`href="/sourcing/pilotes/${pilot.id}"`);
    expect(block).toContain('depuis 3 jour(s)');
    const panel = await renderPartial('partials/sourcing/pilots/case-panel', { pilotsPanel: await pilotsPanelOfCase(later, caseId) });
    expect(panel).toContain('Sans décision');
    expect(panel).toContain('Date de fin passée depuis 3 jour(s)');

    // Decided: the next week's reminder is never planned, what was planned is cancelled.
    await decidePilot(later, pilot.id, { decision: 'deployer', rationale: 'OK', results: Object.fromEntries((await harness.db.select().from(sourcingPilotCriteria).where(eq(sourcingPilotCriteria.pilotId, pilot.id))).map((criterion) => [criterion.id, { result: 'ok', met: 'oui' }])) });
    await sweep(15, '08:01');
    rows = (await occurrences()).filter((row) => row.ruleCode === 'sourcing.pilot_overdue');
    expect(rows.filter((row) => row.status === 'envoyee')).toHaveLength(4);
    expect(rows.filter((row) => row.occursOn === addParisDays(end, 14) && row.status === 'planifiee')).toHaveLength(0);
  });

  test('the list filters « sans décision » with a badge', async () => {
    const yesterday = addParisDays(parisDayOf(new Date()), -1);
    const { pilot, organization } = await startedPilot(yesterday, addParisDays(yesterday, -40));
    const list = await browser.get('/sourcing/pilotes?etat=sans_decision');
    expect(list.status).toBe(200);
    expect(list.text).toContain(organization.name);
    expect(list.text).toContain('Sans décision depuis 1 jour(s)');
    const running = await browser.get('/sourcing/pilotes?etat=en_cours');
    expect(running.text).not.toContain(`/sourcing/pilotes/${pilot.id}"`);
    const fragment = await browser.get('/sourcing/pilotes?etat=sans_decision&sort=startup', { 'HX-Request': 'true', 'HX-Target': 'pilots-results' });
    expect(fragment.text.trim().startsWith('<div id="pilots-results"')).toBe(true);
    const page = await browser.get(`/sourcing/pilotes/${pilot.id}`);
    expect(page.text).toContain('id="pilot-overdue"');
  });

  test('entering « contractualisation » writes a convention draft with the start-up as party, the case linked both ways', async () => {
    const { caseId, organization, challenge, ctx } = await caseInExperimentation('Lumni Lab');
    await harness.db.transaction((tx) => moveCaseStage(tx, ctx, { caseId, to: 'contractualisation', by: 'gate' }));
    const row = await caseRow(caseId);
    expect(row?.conventionId).toBeTruthy();
    const [convention] = await harness.db.select().from(conventions).where(eq(conventions.id, row!.conventionId!));
    expect(convention).toMatchObject({ status: 'brouillon', title: `Convention — Lumni Lab (${challenge.title})`, ownerId: charge.id, unitId, kind: 'partenariat' });
    expect(convention?.reference).toMatch(/\d{4}/);
    const parties = await harness.db.select().from(conventionParties).where(eq(conventionParties.conventionId, convention!.id));
    expect(parties.map((party) => party.organizationId)).toEqual([organization.id]);
    const created = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, convention!.id), eq(auditLog.action, 'convention.created')));
    expect((created[0]?.metadata as Record<string, unknown>).sourcingCaseId).toBe(caseId);
    expect(await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, caseId), eq(auditLog.action, 'sourcing_case.convention_drafted')))).toHaveLength(1);
    const page = await browser.get(`/conventions/${convention!.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Issue de la piste');
    expect(page.text).toContain(`href="/sourcing/pistes/${caseId}"`);
  });
});
