// Delegation of approvals: a decision taken by someone standing in for another records for whom
// (decided_for) and reads « X pour Y » on the convention timeline, the step page, the run's history
// and « Mes validations »; someone who qualifies in their own right decides for themselves. A
// delegation's period is whole days in Europe/Paris, shown as entered, across DST too.
import { and, eq } from 'drizzle-orm';
import { isoDateInParis } from '../../src/lib/format';
import { listActiveDelegationsTo } from '../../src/models/workflows.model';
import { workflowDelegations, workflowRuns, workflowSteps, type User } from '../../src/models/schema';
import { inTransaction } from '../../src/services/context';
import { createDelegation, listMyDelegations } from '../../src/services/workflow-inbox.service';
import { decideStep, startRun } from '../../src/services/workflows.service';
import { registerWorkflowDefinition } from '../../src/workflows/definitions';
import { buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

const ONE_JURISTE = 'test-delegation-one-juriste';
const DAY = 24 * 3600_000;

describe('delegation of approvals', () => {
  let harness: TestApp;
  let charge: User;
  let julie: User;
  let jules: User;
  let justine: User;
  let dora: User;
  let fabien: User;
  let marie: User;
  let odile: User;
  let chargeBrowser: TestBrowser;
  const today = isoDateInParis(new Date());
  const dayFrom = (offsetDays: number) => isoDateInParis(new Date(Date.now() + offsetDays * DAY));
  const french = (isoDay: string) => isoDay.split('-').reverse().join('/');

  beforeAll(async () => {
    harness = await startTestApp();
    charge = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Chloé Chargée' });
    julie = await buildUser(harness.db, { roles: ['juriste'], unitCodes: ['DAJ'], displayName: 'Julie Juriste' });
    jules = await buildUser(harness.db, { roles: ['juriste'], unitCodes: ['DAJ'], displayName: 'Jules Juriste' });
    justine = await buildUser(harness.db, { roles: ['juriste'], unitCodes: ['DAJ'], displayName: 'Justine Juriste' });
    dora = await buildUser(harness.db, { roles: ['juriste'], unitCodes: ['DAJ'], displayName: 'Dora Juriste' });
    fabien = await buildUser(harness.db, { roles: ['finance'], unitCodes: ['DAF'], displayName: 'Fabien Finances' });
    marie = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'], displayName: 'Marie Manager' });
    // A manager of another unit: neither a juriste nor a manager of the conventions' unit.
    odile = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['UO-SUP'], displayName: 'Odile Autre' });
    chargeBrowser = new TestBrowser(harness.app);
    await chargeBrowser.login(charge.email);
    await chargeBrowser.get('/conventions');
    registerWorkflowDefinition({
      key: ONE_JURISTE,
      version: 1,
      name: 'Revue juridique seule (test)',
      settings: {},
      stages: [{ key: 'legal', label: 'Revue juridique', steps: [{ kind: 'approval', key: 'legal', label: 'Revue juridique', assignee: { role: 'juriste' }, due: { workingDays: 5 } }] }],
    });
  });
  afterAll(() => harness.close());

  let counter = 0;
  /** A convention created and submitted by the chargé: its circuit's run id and convention id. */
  async function submittedConvention() {
    counter += 1;
    const partner = await buildOrganization(harness.db, { name: `Partenaire ${counter}`, kindCode: 'entreprise', unitCodes: ['DDPSI'] });
    const created = await chargeBrowser.post('/conventions/nouvelle', { title: `Convention ${counter}`, kind: 'partenariat', moneyDirection: 'sans_flux', startsOn: '2026-01-01', addPartyIds: [partner.id] });
    expect(created.status).toBe(303);
    const id = String(created.headers.location).split('/').pop() as string;
    expect((await chargeBrowser.post(`/conventions/${id}/soumettre`)).status).toBe(303);
    const [run] = await harness.db.select().from(workflowRuns).where(eq(workflowRuns.subjectId, id));
    return { id, runId: run?.id as string };
  }
  async function activeStep(runId: string, key: string) {
    const steps = await harness.db.select().from(workflowSteps).where(and(eq(workflowSteps.runId, runId), eq(workflowSteps.status, 'active')));
    const step = steps.find((candidate) => candidate.stepKey === key);
    if (!step) throw new Error(`no active step ${key}`);
    return step;
  }
  const stepRow = async (id: string) => (await harness.db.select().from(workflowSteps).where(eq(workflowSteps.id, id)))[0];
  async function signIn(user: User) {
    const browser = new TestBrowser(harness.app);
    await browser.login(user.email);
    await browser.get('/validations');
    return browser;
  }

  test('a step waiting for the juriste role, decided by a delegate who is no juriste: decided for the juriste, « X pour Y » everywhere', async () => {
    await createDelegation(await harness.context(julie), { toUserId: odile.id, role: 'juriste', startsOn: today, endsOn: today });
    const { id, runId } = await submittedConvention();
    const legal = await activeStep(runId, 'legal');
    expect(legal.assigneeRole).toBe('juriste');
    expect(legal.assigneeUserId).toBeNull();

    const browser = await signIn(odile);
    const inbox = await browser.get('/validations');
    expect(inbox.text).toContain(`id="step-${legal.id}"`);
    expect(inbox.text).toContain('Vous décidez pour Julie Juriste (délégation).');
    expect((await browser.get(`/validations/etapes/${legal.id}`)).text).toContain('Vous décidez pour Julie Juriste (délégation).');

    // Inline, from « Mes validations »: the confirmation names for whom.
    const decided = await browser.post(`/validations/etapes/${legal.id}/decision`, { decision: 'approve' }, { headers: { 'HX-Request': 'true' } });
    expect(decided.status).toBe(200);
    expect(decided.text).toContain('Votre décision « Approuver » pour Julie Juriste est enregistrée.');
    const row = await stepRow(legal.id);
    expect(row?.decidedById).toBe(odile.id);
    expect(row?.decidedForId).toBe(julie.id);

    // The step page and the run's history, for the delegate and for the delegator.
    expect((await browser.get(`/validations/etapes/${legal.id}`)).text).toContain('Odile Autre pour Julie Juriste');
    const julieBrowser = await signIn(julie);
    expect((await julieBrowser.get(`/validations/etapes/${legal.id}`)).text).toContain('Odile Autre pour Julie Juriste');
    // The convention's page: its circuit table and its timeline.
    const page = await chargeBrowser.get(`/conventions/${id}`);
    expect(page.text).toMatch(/Odile Autre &lt;[^&]+&gt; pour Julie Juriste/);
  });

  test('a step waiting for the managers of a unit, decided by a delegate manager of another unit: decided for the unit’s manager', async () => {
    const { runId } = await submittedConvention();
    await decideStep(await harness.context(jules), (await activeStep(runId, 'legal')).id, { decision: 'approve' });
    await decideStep(await harness.context(fabien), (await activeStep(runId, 'finance')).id, { decision: 'approve' });
    const direction = await activeStep(runId, 'direction');
    expect(direction.assigneeUnitId).not.toBeNull();
    // Odile is a manager, but not of this unit; Julie's delegation is for the juriste role.
    await expect(decideStep(await harness.context(odile), direction.id, { decision: 'approve' })).rejects.toThrow(/pas attribuée/);
    await createDelegation(await harness.context(marie), { toUserId: odile.id, role: 'manager', startsOn: today, endsOn: today });
    const result = await decideStep(await harness.context(odile), direction.id, { decision: 'approve' });
    expect(result.decidedForName).toBe('Marie Manager');
    expect((await stepRow(direction.id))?.decidedForId).toBe(marie.id);
  });

  test('a delegate who is also a juriste decides the juriste step in their own right: nobody is recorded as « for »', async () => {
    await createDelegation(await harness.context(julie), { toUserId: jules.id, role: 'juriste', startsOn: today, endsOn: today });
    const { runId } = await submittedConvention();
    const legal = await activeStep(runId, 'legal');
    const browser = await signIn(jules);
    const inbox = await browser.get('/validations');
    expect(inbox.text).toContain(`id="step-${legal.id}"`);
    expect(inbox.text).not.toContain('Vous décidez pour');
    expect((await browser.post(`/validations/etapes/${legal.id}/decision`, { decision: 'approve' })).status).toBe(303);
    const row = await stepRow(legal.id);
    expect(row?.decidedById).toBe(jules.id);
    expect(row?.decidedForId).toBeNull();
    expect((await browser.get(`/validations/etapes/${legal.id}`)).text).not.toContain('Jules Juriste pour');
  });

  test('several delegators could be the one: the earliest delegation wins, whatever the order they were made in', async () => {
    // Julie's delegation to Odile starts today (first test); Justine's, made later, started yesterday.
    await createDelegation(await harness.context(justine), { toUserId: odile.id, role: 'juriste', startsOn: dayFrom(-1), endsOn: today });
    const { runId } = await submittedConvention();
    const legal = await activeStep(runId, 'legal');
    const browser = await signIn(odile);
    expect((await browser.get(`/validations/etapes/${legal.id}`)).text).toContain('Vous décidez pour Justine Juriste (délégation).');
    const result = await decideStep(await harness.context(odile), legal.id, { decision: 'approve' });
    expect(result.decidedForName).toBe('Justine Juriste');
    expect((await stepRow(legal.id))?.decidedForId).toBe(justine.id);
  });

  test('« Au (inclus) » 09/12/2026: stored as Paris days (end exclusive at midnight after), listed as entered', async () => {
    const ctx = { ...(await harness.context(dora)), now: new Date('2026-11-01T10:00:00Z') };
    const delegation = await createDelegation(ctx, { toUserId: fabien.id, role: 'juriste', startsOn: '2026-12-02', endsOn: '2026-12-09' });
    expect(delegation.startsAt.toISOString()).toBe('2026-12-01T23:00:00.000Z');
    expect(delegation.endsAt.toISOString()).toBe('2026-12-09T23:00:00.000Z');
    const listed = (await listMyDelegations(ctx)).find((row) => row.delegation.id === delegation.id);
    expect(listed?.periodText).toBe('du 02/12/2026 au 09/12/2026');
    expect(listed?.lastDay).toBe('2026-12-09');
    // One stored before periods were Paris days (UTC midnights, the end the day after): listed as entered too.
    const [legacy] = await harness.db
      .insert(workflowDelegations)
      .values({ fromUserId: dora.id, toUserId: jules.id, role: 'juriste', startsAt: new Date('2026-12-02T00:00:00Z'), endsAt: new Date('2026-12-10T00:00:00Z') })
      .returning();
    expect((await listMyDelegations(ctx)).find((row) => row.delegation.id === legacy?.id)?.periodText).toBe('du 02/12/2026 au 09/12/2026');
    await harness.db.delete(workflowDelegations).where(eq(workflowDelegations.id, legacy?.id as string));

    // Through the form, as a person types it: the page lists exactly the days entered.
    const browser = await signIn(dora);
    await browser.get('/validations/delegations');
    const [first, last] = [dayFrom(1), dayFrom(8)];
    expect((await browser.post('/validations/delegations', { role: 'juriste', toUserId: fabien.id, startsOn: first, endsOn: last })).status).toBe(303);
    const page = await browser.get('/validations/delegations');
    expect(page.text).toContain(`du ${french(first)} au ${french(last)}`);
    expect(page.text).not.toContain(' à 01:00');
    // Days that do not exist, or a last day before the first: a message next to the field.
    const impossible = await browser.post('/validations/delegations', { role: 'juriste', toUserId: fabien.id, startsOn: '2027-02-01', endsOn: '2027-02-31' });
    expect(impossible.status).toBe(422);
    expect(impossible.text).toContain('Date invalide.');
    const reversed = await browser.post('/validations/delegations', { role: 'juriste', toUserId: fabien.id, startsOn: '2027-02-10', endsOn: '2027-02-09' });
    expect(reversed.status).toBe(422);
    expect(reversed.text).toContain('Le dernier jour ne peut pas précéder le premier.');
  });

  test('across the change to summer time (last Sunday of March): active from midnight of the first day to midnight after the last, in Paris', async () => {
    await harness.db.delete(workflowDelegations).where(eq(workflowDelegations.toUserId, fabien.id));
    const ctx = { ...(await harness.context(dora)), now: new Date('2027-03-01T10:00:00Z') };
    // 28 March 2027 is the last Sunday of March: Paris is UTC+1 before, UTC+2 after.
    const delegation = await createDelegation(ctx, { toUserId: fabien.id, role: 'juriste', startsOn: '2027-03-27', endsOn: '2027-03-29' });
    expect(delegation.startsAt.toISOString()).toBe('2027-03-26T23:00:00.000Z');
    expect(delegation.endsAt.toISOString()).toBe('2027-03-29T22:00:00.000Z');
    expect((await listMyDelegations(ctx)).find((row) => row.delegation.id === delegation.id)?.periodText).toBe('du 27/03/2027 au 29/03/2027');

    const activeAt = async (instant: string) => (await listActiveDelegationsTo(harness.db, fabien.id, new Date(instant))).length > 0;
    expect(await activeAt('2027-03-26T22:59:59Z')).toBe(false); // 26/03 23:59:59 in Paris
    expect(await activeAt('2027-03-26T23:00:00Z')).toBe(true); // 27/03 00:00 in Paris
    expect(await activeAt('2027-03-29T21:59:59Z')).toBe(true); // 29/03 23:59:59 in Paris (summer time)
    expect(await activeAt('2027-03-29T22:00:00Z')).toBe(false); // 30/03 00:00 in Paris

    // A decision late on the last day stands in for Dora; just after midnight it is refused.
    const startCtx = await harness.context(charge);
    const start = async (n: number) => {
      const run = await inTransaction(startCtx, (tx) => startRun(tx, startCtx, { definitionKey: ONE_JURISTE, subject: { type: 'test-dst', id: `dst-${n}`, unitId: null, context: { title: `DST ${n}` } } }));
      return activeStep(run.id, 'legal');
    };
    const lateStep = await start(1);
    const late = { ...(await harness.context(fabien)), now: new Date('2027-03-29T21:30:00Z') };
    expect((await decideStep(late, lateStep.id, { decision: 'approve' })).decidedForName).toBe('Dora Juriste');
    const tooLateStep = await start(2);
    const tooLate = { ...(await harness.context(fabien)), now: new Date('2027-03-29T22:30:00Z') };
    await expect(decideStep(tooLate, tooLateStep.id, { decision: 'approve' })).rejects.toThrow(/pas attribuée/);
  });
});
