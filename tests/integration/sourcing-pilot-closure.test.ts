// No pilot purgatory when a case leaves « expérimentation » without a pilot decision: a person
// moving the case to « en veille » / « abandonnée » closes its open pilot as « arrêter » (the move's
// reason as rationale, milestone checks cancelled, reminders and the overdue list stop); the
// contractualisation gate from « expérimentation » waits for « déployer ».
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { auditLog, reminderOccurrences, sourcingCases, sourcingChallengeUnits, sourcingChallenges, sourcingGates, sourcingPilotCriteria, sourcingPilots, tasks, type User } from '../../src/models/schema';
import { listUnits } from '../../src/models/units.model';
import { addParisDays, atParisTime, isParisWorkingDay, parisDayOf } from '../../src/lib/paris-time';
import { runReminderSweep } from '../../src/services/reminders.service';
import { addCaseInTransaction, moveCaseStage } from '../../src/services/sourcing-cases.service';
import { gateFormOptions, gatesPanelOfCase, startGate } from '../../src/services/sourcing-gates.service';
import { decidePilot, overduePilotsOfUnits, savePilot, startPilot } from '../../src/services/sourcing-pilots.service';
import { DEFAULT_CRITERIA } from '../../src/workflows/sourcing-scorecard';
import { buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

jest.setTimeout(120_000);

const NOT_DEPLOYED = 'Décidez d’abord de la clôture de l’expérimentation (déployer) avant de proposer la contractualisation.';

describe('sourcing pilots closed when the case leaves the pipeline; contractualisation after « déployer »', () => {
  let harness: TestApp;
  let charge: User;
  let manager: User;
  let evaluatorA: User;
  let evaluatorB: User;
  let unitId: string;
  let browser: TestBrowser;

  const pilotRow = async (id: string) => (await harness.db.select().from(sourcingPilots).where(eq(sourcingPilots.id, id)))[0]!;

  /** A case moved to « expérimentation » by the gate, its pilot started: ended `endsOn`, one milestone check ahead. */
  async function runningPilot(endsOn: string) {
    const organization = await buildOrganization(harness.db, { name: `Purgatoire ${randomBytes(2).toString('hex')}`, unitCodes: ['DDPSI'] });
    const [challenge] = await harness.db
      .insert(sourcingChallenges)
      .values({ title: `Défi ${randomBytes(2).toString('hex')}`, problemStatement: 'Un problème.', ownerId: charge.id, sponsorId: manager.id, criteria: DEFAULT_CRITERIA.map((criterion) => ({ ...criterion })), status: 'ouvert' })
      .returning();
    await harness.db.insert(sourcingChallengeUnits).values({ challengeId: challenge!.id, unitId, position: 0 });
    const ctx = await harness.context(charge);
    const row = await harness.db.transaction((tx) => addCaseInTransaction(tx, ctx, { organizationId: organization.id, challengeId: challenge!.id, source: 'salon', stage: 'evaluee' }, 'seed'));
    await harness.db.transaction((tx) => moveCaseStage(tx, ctx, { caseId: row.id, to: 'experimentation', by: 'gate' }));
    const [pilot] = await harness.db.select().from(sourcingPilots).where(eq(sourcingPilots.caseId, row.id));
    await savePilot(ctx, pilot!.id, {
      startsOn: addParisDays(endsOn, -40),
      endsOn,
      decisionOwnerId: manager.id,
      unitIds: [unitId],
      criteria: [{ label: 'Complétion', measure: 'Part des apprenants', target: '70 %' }],
      milestones: [{ label: 'Bilan', checkOn: addParisDays(parisDayOf(new Date()), 20) }],
    });
    await startPilot(ctx, pilot!.id);
    return { caseId: row.id, pilotId: pilot!.id, organization, ctx };
  }

  beforeAll(async () => {
    harness = await startTestApp();
    unitId = (await listUnits(harness.db)).find((unit) => unit.code === 'DDPSI')!.id;
    charge = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Camille Chargée' });
    manager = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'], displayName: 'Maxime Manager' });
    evaluatorA = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Éva Luatrice' });
    evaluatorB = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DRI'], displayName: 'Hugo Évaluateur' });
    browser = new TestBrowser(harness.app);
    await browser.login(charge.email);
  }, 60_000);

  afterAll(async () => {
    await harness?.close();
  });

  test('moving the case to « en veille » closes its running pilot as « arrêter » with the reason, cancels its checks, stops the overdue flag and the reminders', async () => {
    // The end date: a working Monday at least two weeks ahead whose neighbours are working days (as in sourcing-pilots.test.ts).
    let end = addParisDays(parisDayOf(new Date()), 14);
    const weekday = (day: string) => new Date(`${day}T12:00:00Z`).getUTCDay();
    while (!(weekday(end) === 1 && [-7, 0, 1, 7, 8].every((offset) => isParisWorkingDay(addParisDays(end, offset))))) end = addParisDays(end, 1);
    const { caseId, pilotId, ctx } = await runningPilot(end);
    const at = (offset: number, time: string) => atParisTime(addParisDays(end, offset), time);
    const sweep = (offset: number) => runReminderSweep(harness.db, { now: at(offset, '08:01'), baseUrl: 'http://passerelle.test' });
    const occurrences = () => harness.db.select().from(reminderOccurrences).where(eq(reminderOccurrences.subjectId, pilotId));
    // Reminded at J-7; seen three days after its end it would be « sans décision ».
    await sweep(-7);
    expect((await occurrences()).filter((row) => row.status === 'envoyee').map((row) => row.ruleCode)).toEqual(['sourcing.pilot_end']);
    const later = { ...ctx, now: at(3, '10:00') };
    expect((await overduePilotsOfUnits(later, [unitId], 100)).rows.some((row) => row.pilotId === pilotId)).toBe(true);
    expect((await browser.get('/sourcing/pilotes?etat=en_cours')).text).toContain(`/sourcing/pilotes/${pilotId}"`);

    const moved = await browser.post(`/sourcing/pistes/${caseId}/deplacer`, { stage: 'en_veille', expectedFrom: 'experimentation', reason: 'Budget gelé jusqu’à la rentrée.' });
    expect(moved.status).toBe(303);
    expect((await harness.db.select().from(sourcingCases).where(eq(sourcingCases.id, caseId)))[0]?.stage).toBe('en_veille');

    const pilot = await pilotRow(pilotId);
    expect(pilot).toMatchObject({ status: 'clos', decision: 'arreter', decidedById: charge.id, decisionRationale: 'Piste passée à l’étape « En veille » : Budget gelé jusqu’à la rentrée.' });
    expect(pilot.decidedAt).not.toBeNull();
    const checks = await harness.db.select().from(tasks).where(eq(tasks.sourcingCaseId, caseId));
    expect(checks.map((task) => task.status)).toEqual(['annulee']);
    const audits = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, caseId), eq(auditLog.action, 'sourcing_pilot.closed_by_move')));
    expect(audits).toHaveLength(1);
    expect(audits[0]?.metadata).toMatchObject({ pilotId, decision: 'arreter', stage: 'en_veille' });

    // No longer « sans décision » nor « en cours »; the reminders stop (J0, the day after, a week later: nothing).
    expect((await overduePilotsOfUnits(later, [unitId], 100)).rows.some((row) => row.pilotId === pilotId)).toBe(false);
    const list = await browser.get('/sourcing/pilotes?etat=en_cours');
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(`/sourcing/pilotes/${pilotId}"`);
    await sweep(0);
    await sweep(1);
    await sweep(8);
    const after = await occurrences();
    expect(after.filter((row) => row.status === 'envoyee').map((row) => row.ruleCode)).toEqual(['sourcing.pilot_end']);
    expect(after.filter((row) => row.status === 'planifiee')).toHaveLength(0);

    // The journal names the action.
    const admin = await buildUser(harness.db, { roles: ['admin'] });
    const adminBrowser = new TestBrowser(harness.app);
    await adminBrowser.login(admin.email);
    const journal = await adminBrowser.get('/admin/journal');
    expect(journal.text).toContain('Expérimentation arrêtée (piste mise en veille ou abandonnée)');
  });

  test('moving the case to « abandonnée » closes a pilot still in preparation; the pilot’s own « arrêter » is not closed twice', async () => {
    const { caseId, pilotId, ctx } = await runningPilot(addParisDays(parisDayOf(new Date()), 30));
    // A second case whose pilot was never started.
    const other = await runningPilot(addParisDays(parisDayOf(new Date()), 30));
    await harness.db.update(sourcingPilots).set({ status: 'en_preparation' }).where(eq(sourcingPilots.id, other.pilotId));
    await harness.db.transaction((tx) => moveCaseStage(tx, ctx, { caseId: other.caseId, to: 'abandonnee', by: 'person', reason: 'Start-up rachetée.' }));
    expect(await pilotRow(other.pilotId)).toMatchObject({ status: 'clos', decision: 'arreter', decisionRationale: 'Piste passée à l’étape « Abandonnée » : Start-up rachetée.' });

    const criteria = await harness.db.select().from(sourcingPilotCriteria).where(eq(sourcingPilotCriteria.pilotId, pilotId));
    await decidePilot(ctx, pilotId, { decision: 'arreter', rationale: 'Accessibilité insuffisante.', results: Object.fromEntries(criteria.map((row) => [row.id, { result: '40 %', met: 'non' }])) });
    expect(await pilotRow(pilotId)).toMatchObject({ status: 'clos', decision: 'arreter', decisionRationale: 'Accessibilité insuffisante.' });
    const closedByMove = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, caseId), eq(auditLog.action, 'sourcing_pilot.closed_by_move')));
    expect(closedByMove).toHaveLength(0);
  });

  test('the contractualisation gate is refused while the pilot runs (form, start, case panel) and allowed after « déployer »; from « évaluée » it stays allowed', async () => {
    const { caseId, pilotId, ctx } = await runningPilot(addParisDays(parisDayOf(new Date()), 10));
    const input = { evaluatorIds: [evaluatorA.id, evaluatorB.id], documentsSeen: 'Bilan intermédiaire' };

    const form = await browser.get(`/sourcing/comites/nouveau?piste=${caseId}&vers=contractualisation`);
    expect(form.status).toBe(409);
    expect(form.text).toContain('Décidez d’abord de la clôture de l’expérimentation (déployer)');
    await expect(gateFormOptions(ctx, caseId, 'contractualisation')).rejects.toMatchObject({ message: NOT_DEPLOYED });
    const refused = await browser.post(`/sourcing/comites/nouveau?piste=${caseId}&vers=contractualisation`, input);
    expect(refused.status).toBe(409);
    await expect(startGate(ctx, caseId, 'contractualisation', input)).rejects.toMatchObject({ message: NOT_DEPLOYED });
    expect((await gatesPanelOfCase(ctx, caseId)).launch.map((entry) => entry.target)).not.toContain('contractualisation');
    expect(await harness.db.select().from(sourcingGates).where(eq(sourcingGates.caseId, caseId))).toHaveLength(0);

    // « itérer » is not « déployer »: the next iteration is open, still refused.
    const criteria = await harness.db.select().from(sourcingPilotCriteria).where(eq(sourcingPilotCriteria.pilotId, pilotId));
    const results = Object.fromEntries(criteria.map((row) => [row.id, { result: '72 %', met: 'oui' }]));
    const iterated = await decidePilot(ctx, pilotId, { decision: 'iterer', rationale: 'Étendre à deux lycées.', results });
    await expect(startGate(ctx, caseId, 'contractualisation', input)).rejects.toMatchObject({ message: NOT_DEPLOYED });

    // Iteration 2 started then « déployer »: the gate starts.
    const next = iterated.next!;
    await savePilot(ctx, next.id, { startsOn: parisDayOf(new Date()), endsOn: addParisDays(parisDayOf(new Date()), 20), decisionOwnerId: manager.id, unitIds: [unitId], criteria: [{ label: 'Complétion', measure: 'Part des apprenants', target: '70 %' }] });
    await startPilot(ctx, next.id);
    const nextCriteria = await harness.db.select().from(sourcingPilotCriteria).where(eq(sourcingPilotCriteria.pilotId, next.id));
    await decidePilot(ctx, next.id, { decision: 'deployer', rationale: 'Critères atteints.', results: Object.fromEntries(nextCriteria.map((row) => [row.id, { result: '81 %', met: 'oui' }])) });
    expect((await gatesPanelOfCase(ctx, caseId)).launch.map((entry) => entry.target)).toContain('contractualisation');
    expect((await browser.get(`/sourcing/comites/nouveau?piste=${caseId}&vers=contractualisation`)).status).toBe(200);
    const started = await browser.post(`/sourcing/comites/nouveau?piste=${caseId}&vers=contractualisation`, input);
    expect(started.status).toBe(303);
    const [gate] = await harness.db.select().from(sourcingGates).where(eq(sourcingGates.caseId, caseId));
    expect(gate).toMatchObject({ targetStage: 'contractualisation', fromStage: 'experimentation', status: 'en_cours' });

    // From « évaluée » (no pilot), contracting directly stays possible.
    const organization = await buildOrganization(harness.db, { name: `Direct ${randomBytes(2).toString('hex')}`, unitCodes: ['DDPSI'] });
    const direct = await harness.db.transaction((tx) => addCaseInTransaction(tx, ctx, { organizationId: organization.id, challengeId: null, source: 'salon', unitId, stage: 'evaluee' }, 'seed'));
    const options = await gateFormOptions(ctx, direct.id, 'contractualisation');
    expect(options.target).toBe('contractualisation');
  });
});
