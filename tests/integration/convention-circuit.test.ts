// A convention through its approval circuit, as the issue tells it: the chargé submits, the
// juriste asks for changes, the chargé resubmits, juriste and finance approve, the manager of
// the owning unit approves, the chargé uploads the signed PDF: « en vigueur ».
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { conventions, workflowRuns, workflowSteps, type User } from '../../src/models/schema';
import { decideStep } from '../../src/services/workflows.service';
import { buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n');

describe('convention approval circuit', () => {
  let harness: TestApp;
  let dataDir: string;
  let charge: User;
  let juriste: User;
  let finance: User;
  let manager: User;
  let chargeBrowser: TestBrowser;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-circuit-'));
    harness = await startTestApp({ env: { DATA_DIR: dataDir } });
    charge = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
    juriste = await buildUser(harness.db, { roles: ['juriste'], unitCodes: ['DAJ'] });
    finance = await buildUser(harness.db, { roles: ['finance'], unitCodes: ['DAF'] });
    manager = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'] });
    chargeBrowser = new TestBrowser(harness.app);
    await chargeBrowser.login(charge.email);
    await chargeBrowser.get('/conventions');
  });
  afterAll(async () => {
    await harness.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function statusOf(id: string) {
    const [row] = await harness.db.select().from(conventions).where(eq(conventions.id, id));
    return row?.status;
  }

  async function activeStep(id: string, key: string) {
    const [run] = await harness.db.select().from(workflowRuns).where(eq(workflowRuns.subjectId, id));
    const steps = await harness.db.select().from(workflowSteps).where(and(eq(workflowSteps.runId, run?.id ?? ''), eq(workflowSteps.status, 'active')));
    const step = steps.find((candidate) => candidate.stepKey.includes(key));
    if (!step) throw new Error(`no active step ${key} among ${steps.map((candidate) => candidate.stepKey).join(', ')}`);
    return step;
  }

  test('submit, changes requested, resubmit, parallel reviews, manager, signed PDF → en vigueur', async () => {
    const partner = await buildOrganization(harness.db, { name: 'CREPS de Vichy', kindCode: 'creps', unitCodes: ['DDPSI'] });
    const created = await chargeBrowser.post('/conventions/nouvelle', { title: 'Convention CREPS Vichy', kind: 'partenariat', moneyDirection: 'sans_flux', startsOn: '2026-01-01', addPartyIds: [partner.id] });
    expect(created.status).toBe(303);
    const id = String(created.headers.location).split('/').pop() as string;
    const page = await chargeBrowser.get(`/conventions/${id}`);
    expect(page.text).toContain('Soumettre au circuit de validation');

    expect((await chargeBrowser.post(`/conventions/${id}/soumettre`)).status).toBe(303);
    expect(await statusOf(id)).toBe('en_revue');
    // Submitting twice is refused.
    expect((await chargeBrowser.post(`/conventions/${id}/soumettre`)).status).toBe(409);

    const ctxOf = (user: User) => harness.context(user);
    const legal = await activeStep(id, 'legal');
    await decideStep(await ctxOf(juriste), legal.id, { decision: 'request_changes', comment: 'Ajouter la clause RGPD' });
    expect(await statusOf(id)).toBe('modifications_demandees');
    // The timeline says which step and why.
    const afterChanges = await chargeBrowser.get(`/conventions/${id}`);
    expect(afterChanges.text).toContain(`— ${legal.label}`);
    expect(afterChanges.text).toContain('« Ajouter la clause RGPD »');
    // Step statuses read in French, not as the convention's (nor as « — »).
    expect(afterChanges.text).toContain('À décider → Modifications demandées');

    expect((await chargeBrowser.post(`/conventions/${id}/soumettre`)).status).toBe(303);
    expect(await statusOf(id)).toBe('en_revue');
    await decideStep(await ctxOf(juriste), (await activeStep(id, 'legal')).id, { decision: 'approve', comment: '' });
    await decideStep(await ctxOf(finance), (await activeStep(id, 'finance')).id, { decision: 'approve', comment: '' });
    await decideStep(await ctxOf(manager), (await activeStep(id, 'direction')).id, { decision: 'approve', comment: '' });
    expect(await statusOf(id)).toBe('a_signer');

    await chargeBrowser.get(`/conventions/${id}`);
    const upload = await chargeBrowser.agent.post(`/conventions/${id}/documents`).field('_csrf', chargeBrowser.csrfToken).field('kind', 'signee').attach('file', PDF, 'Convention signée.pdf');
    expect(upload.status).toBe(303);
    const [signed] = await harness.db.select().from(conventions).where(eq(conventions.id, id));
    expect(signed?.status).toBe('en_vigueur');
    expect(signed?.signedOn).toBeTruthy();

    // The page shows the circuit's steps with their decisions.
    const detail = await chargeBrowser.get(`/conventions/${id}`);
    expect(detail.text).toContain('Circuit de validation');
    expect(detail.text).toContain('Ajouter la clause RGPD');
  });
  test('a renewal avenant is created and put into its circuit in one step (« Créer et soumettre au circuit »)', async () => {
    const partner = await buildOrganization(harness.db, { name: 'Université de Lorraine', kindCode: 'universite', unitCodes: ['DDPSI'] });
    const parentPost = await chargeBrowser.post('/conventions/nouvelle', { title: 'Convention Lorraine', kind: 'partenariat', moneyDirection: 'sans_flux', startsOn: '2024-01-01', endsOn: '2026-12-31', addPartyIds: [partner.id] });
    const parentId = String(parentPost.headers.location).split('/').pop() as string;
    // Only a convention that has been signed is renewed.
    await harness.db.update(conventions).set({ status: 'en_vigueur' }).where(eq(conventions.id, parentId));
    const form = await chargeBrowser.get(`/conventions/${parentId}/renouveler`);
    expect(form.text).toContain('Créer et soumettre au circuit');

    // Bad input: nothing is created, nothing submitted, the form comes back with the message.
    const before = await harness.db.select().from(conventions);
    const refused = await chargeBrowser.post('/conventions/nouvelle', { title: '', kind: 'avenant', isRenewal: 'on', parentId, moneyDirection: 'sans_flux', addPartyIds: [partner.id], then: 'submit' });
    expect(refused.status).toBe(422);
    expect(await harness.db.select().from(conventions)).toHaveLength(before.length);

    const created = await chargeBrowser.post('/conventions/nouvelle', {
      title: 'Avenant de renouvellement — Convention Lorraine',
      kind: 'avenant',
      isRenewal: 'on',
      parentId,
      moneyDirection: 'sans_flux',
      startsOn: '2027-01-01',
      endsOn: '2029-12-31',
      addPartyIds: [partner.id],
      then: 'submit',
    });
    expect(created.status).toBe(303);
    const id = String(created.headers.location).split('/').pop() as string;
    expect(await statusOf(id)).toBe('en_revue');
    const runs = await harness.db.select().from(workflowRuns).where(eq(workflowRuns.subjectId, id));
    expect(runs.map((run) => run.status)).toEqual(['running']);
    const page = await chargeBrowser.get(`/conventions/${id}`);
    expect(page.text).toContain('créée et soumise au circuit de validation');
  });
});
