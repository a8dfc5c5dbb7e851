// The circuit of each convention kind, chosen by an admin at /admin/circuits-des-conventions: a
// convention submitted afterwards follows it; a run already under way keeps the circuit it
// started with (also across a resubmission); only admins may change it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, desc, eq } from 'drizzle-orm';
import { auditLog, conventionKindCircuits, conventions, workflowRuns, workflowSteps, type User } from '../../src/models/schema';
import { decideStep } from '../../src/services/workflows.service';
import { CONVENTION_APPROVAL_KEY } from '../../src/workflows/definitions/convention-approval.workflow';
import { CONVENTION_SIMPLIFIED_KEY } from '../../src/workflows/definitions/convention-simplified.workflow';
import { buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

describe('circuit of each convention kind', () => {
  let harness: TestApp;
  let dataDir: string;
  let admin: User;
  let juriste: User;
  let finance: User;
  let manager: User;
  let adminBrowser: TestBrowser;
  let chargeBrowser: TestBrowser;
  let partnerId: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-kind-circuits-'));
    harness = await startTestApp({ env: { DATA_DIR: dataDir } });
    admin = await buildUser(harness.db, { roles: ['admin'], unitCodes: ['DDPSI'] });
    const charge = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
    juriste = await buildUser(harness.db, { roles: ['juriste'], unitCodes: ['DAJ'] });
    finance = await buildUser(harness.db, { roles: ['finance'], unitCodes: ['DAF'] });
    manager = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'] });
    adminBrowser = new TestBrowser(harness.app);
    await adminBrowser.login(admin.email);
    chargeBrowser = new TestBrowser(harness.app);
    await chargeBrowser.login(charge.email);
    await chargeBrowser.get('/conventions');
    partnerId = (await buildOrganization(harness.db, { name: 'CFA des métiers de Poitiers', kindCode: 'cfa', unitCodes: ['DDPSI'] })).id;
  });
  afterAll(async () => {
    await harness.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function createConvention(title: string, kind: string): Promise<string> {
    const created = await chargeBrowser.post('/conventions/nouvelle', { title, kind, moneyDirection: 'sans_flux', startsOn: '2026-09-01', addPartyIds: [partnerId] });
    expect(created.status).toBe(303);
    return String(created.headers.location).split('/').pop() as string;
  }

  async function submit(id: string) {
    await chargeBrowser.get(`/conventions/${id}`);
    expect((await chargeBrowser.post(`/conventions/${id}/soumettre`)).status).toBe(303);
  }

  async function latestRun(id: string) {
    const [run] = await harness.db.select().from(workflowRuns).where(eq(workflowRuns.subjectId, id)).orderBy(desc(workflowRuns.startedAt));
    if (!run) throw new Error(`no run for ${id}`);
    return run;
  }

  async function activeSteps(id: string) {
    const run = await latestRun(id);
    return harness.db.select().from(workflowSteps).where(and(eq(workflowSteps.runId, run.id), eq(workflowSteps.status, 'active')));
  }

  async function activeStep(id: string, key: string) {
    const step = (await activeSteps(id)).find((candidate) => candidate.stepKey === key);
    if (!step) throw new Error(`no active step ${key}`);
    return step;
  }

  async function statusOf(id: string) {
    const [row] = await harness.db.select({ status: conventions.status }).from(conventions).where(eq(conventions.id, id));
    return row?.status;
  }

  test('the admin page lists every kind with the default circuit, and the circuits with their stages', async () => {
    const page = await adminBrowser.get('/admin/circuits-des-conventions');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Convention de stage ou d’alternance');
    expect(page.text).toContain('Circuit simplifié (validation direction seule)');
    expect(page.text).toContain('Revues juridique et financière → Validation direction → Seconde validation direction');
    expect(page.text).toMatch(/<option value="convention-approval" selected>/);
    expect(page.text).not.toMatch(/<option value="convention-simplified" selected>/);
    // The admin menu links to it.
    expect(page.text).toContain('href="/admin/circuits-des-conventions"');
  });

  test('an unknown circuit is refused with a French message; nothing changes', async () => {
    await adminBrowser.get('/admin/circuits-des-conventions');
    const refused = await adminBrowser.post('/admin/circuits-des-conventions', { stage_alternance: 'circuit-imaginaire', mecenat: CONVENTION_SIMPLIFIED_KEY });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Choisissez un des circuits proposés.');
    // The form keeps what was sent for the valid kind.
    expect(refused.text).toMatch(/<option value="convention-simplified" selected>/);
    // Without the form's CSRF token, the change is refused like any other form.
    expect((await adminBrowser.post('/admin/circuits-des-conventions', { mecenat: CONVENTION_SIMPLIFIED_KEY }, { csrf: false })).status).toBe(403);
    const rows = await harness.db.select().from(conventionKindCircuits);
    expect(rows).toHaveLength(8);
    expect(rows.every((row) => row.definitionKey === CONVENTION_APPROVAL_KEY)).toBe(true);
  });

  test('a new submission follows the circuit chosen for its kind; a run under way keeps its own', async () => {
    // Under way before the change: an alternance convention in the default circuit.
    const before = await createConvention('Alternance BTS MCO — avant le changement', 'stage_alternance');
    await submit(before);
    expect((await latestRun(before)).definitionKey).toBe(CONVENTION_APPROVAL_KEY);
    await decideStep(await harness.context(juriste), (await activeStep(before, 'legal')).id, { decision: 'request_changes', comment: 'Préciser le tuteur en entreprise' });
    expect(await statusOf(before)).toBe('modifications_demandees');

    // Not yet submitted: its page announces the default circuit.
    const after = await createConvention('Alternance BTS NDRC — après le changement', 'stage_alternance');
    expect((await chargeBrowser.get(`/conventions/${after}`)).text).toContain('Circuit de validation des conventions');

    await adminBrowser.get('/admin/circuits-des-conventions');
    const saved = await adminBrowser.post('/admin/circuits-des-conventions', { stage_alternance: CONVENTION_SIMPLIFIED_KEY, partenariat: CONVENTION_APPROVAL_KEY });
    expect(saved.status).toBe(303);
    const flashed = await adminBrowser.get('/admin/circuits-des-conventions');
    expect(flashed.text).toContain('1 type(s) de convention modifié(s)');
    expect(flashed.text).toMatch(/<option value="convention-simplified" selected>/);
    const [row] = await harness.db.select().from(conventionKindCircuits).where(eq(conventionKindCircuits.kind, 'stage_alternance'));
    expect(row).toMatchObject({ definitionKey: CONVENTION_SIMPLIFIED_KEY, updatedById: admin.id });
    const journal = await harness.db.select().from(auditLog).where(eq(auditLog.action, 'conventionCircuit.changed'));
    expect(journal).toHaveLength(1);
    expect(journal[0]).toMatchObject({ entityType: 'convention_kind', entityId: 'stage_alternance', actorId: admin.id });
    expect(journal[0]?.changes).toEqual({ definitionKey: { before: CONVENTION_APPROVAL_KEY, after: CONVENTION_SIMPLIFIED_KEY } });

    // The new alternance convention: the page says so, the run is the simplified one, the
    // manager alone validates, then « à signer ».
    const page = await chargeBrowser.get(`/conventions/${after}`);
    expect(page.text).toContain('Circuit de ce type de convention (Convention de stage ou d’alternance) : Circuit simplifié (validation direction seule).');
    await submit(after);
    const simplifiedRun = await latestRun(after);
    expect(simplifiedRun.definitionKey).toBe(CONVENTION_SIMPLIFIED_KEY);
    expect((await activeSteps(after)).map((step) => step.stepKey)).toEqual(['direction']);
    expect(await statusOf(after)).toBe('en_revue');
    await decideStep(await harness.context(manager), (await activeStep(after, 'direction')).id, { decision: 'approve', comment: '' });
    expect(await statusOf(after)).toBe('a_signer');
    expect((await latestRun(after)).status).toBe('approved');
    expect((await chargeBrowser.get(`/conventions/${after}`)).text).toContain('Circuit simplifié (validation direction seule)');

    // The one under way: resubmitted, it continues its own (default) circuit, round 2.
    await submit(before);
    const continued = await latestRun(before);
    expect(continued.definitionKey).toBe(CONVENTION_APPROVAL_KEY);
    expect(continued.round).toBe(2);
    expect((await harness.db.select().from(workflowRuns).where(eq(workflowRuns.subjectId, before)))).toHaveLength(1);
    await decideStep(await harness.context(juriste), (await activeStep(before, 'legal')).id, { decision: 'approve', comment: '' });
    await decideStep(await harness.context(finance), (await activeStep(before, 'finance')).id, { decision: 'approve', comment: '' });
    await decideStep(await harness.context(manager), (await activeStep(before, 'direction')).id, { decision: 'approve', comment: '' });
    expect(await statusOf(before)).toBe('a_signer');

    // Other kinds keep the default circuit.
    const partnership = await createConvention('Partenariat avec le CFA', 'partenariat');
    await submit(partnership);
    expect((await latestRun(partnership)).definitionKey).toBe(CONVENTION_APPROVAL_KEY);
  });

  test('saving the same choices again changes nothing and writes no journal row', async () => {
    const journalBefore = await harness.db.select().from(auditLog).where(eq(auditLog.action, 'conventionCircuit.changed'));
    await adminBrowser.get('/admin/circuits-des-conventions');
    expect((await adminBrowser.post('/admin/circuits-des-conventions', { stage_alternance: CONVENTION_SIMPLIFIED_KEY })).status).toBe(303);
    expect((await adminBrowser.get('/admin/circuits-des-conventions')).text).toContain('Aucun changement');
    expect(await harness.db.select().from(auditLog).where(eq(auditLog.action, 'conventionCircuit.changed'))).toHaveLength(journalBefore.length);
  });

  test.each(['charge', 'manager', 'juriste', 'finance', 'lecteur'] as const)('a %s may neither see nor change the circuits (403)', async (role) => {
    const person = await buildUser(harness.db, { roles: [role], unitCodes: ['DDPSI'] });
    const browser = new TestBrowser(harness.app);
    await browser.login(person.email);
    expect((await browser.get('/admin/circuits-des-conventions')).status).toBe(403);
    await browser.get('/');
    const refused = await browser.post('/admin/circuits-des-conventions', { avenant: CONVENTION_SIMPLIFIED_KEY });
    expect(refused.status).toBe(403);
    const [row] = await harness.db.select().from(conventionKindCircuits).where(eq(conventionKindCircuits.kind, 'avenant'));
    expect(row?.definitionKey).toBe(CONVENTION_APPROVAL_KEY);
    expect((await browser.get('/')).text).not.toContain('href="/admin/circuits-des-conventions"');
  });
});
