// Sourcing cases and the kanban (/sourcing): create through the form, the kanban's columns and
// cards, moves allowed / refused / gated, the reason of « en veille » and « abandonnée », a stale
// card (409), confidential cases hidden, lecteur refused, the stage history and the journal.
import { and, asc, eq } from 'drizzle-orm';
import { listUnits } from '../../src/models/units.model';
import { auditLog, sourcingCaseStages, sourcingCases, sourcingChallengeUnits, sourcingChallenges, sourcingPilots, type User } from '../../src/models/schema';
import { DEFAULT_CRITERIA } from '../../src/workflows/sourcing-scorecard';
import { buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

describe('sourcing cases and the kanban', () => {
  let harness: TestApp;
  let charge: User;
  let browser: TestBrowser;
  let outsider: TestBrowser;
  let reader: TestBrowser;
  let challengeId: string;
  let unitId: string;

  beforeAll(async () => {
    harness = await startTestApp();
    charge = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Chloé Chargée' });
    browser = await signedIn(charge);
    outsider = await signedIn(await buildUser(harness.db, { roles: ['charge'], unitCodes: ['UO-PRO'] }));
    reader = await signedIn(await buildUser(harness.db, { roles: ['lecteur'], unitCodes: ['DDPSI'] }));
    unitId = (await listUnits(harness.db)).find((unit) => unit.code === 'DDPSI')!.id;
    const [challenge] = await harness.db
      .insert(sourcingChallenges)
      .values({ title: 'Évaluation des compétences à distance', problemStatement: 'Évaluer à distance', criteria: DEFAULT_CRITERIA.map((c) => ({ ...c })), status: 'en_sourcing', ownerId: charge.id })
      .returning();
    challengeId = challenge!.id;
    await harness.db.insert(sourcingChallengeUnits).values({ challengeId, unitId, position: 0 });
  });
  afterAll(() => harness.close());

  async function signedIn(user: User): Promise<TestBrowser> {
    const b = new TestBrowser(harness.app);
    await b.login(user.email);
    await b.get('/sourcing');
    return b;
  }

  async function createCase(name: string, extra: Record<string, string> = {}): Promise<string> {
    const organization = await buildOrganization(harness.db, { name });
    const response = await browser.post('/sourcing/pistes/nouvelle', {
      organizationId: organization.id,
      challengeId,
      source: 'salon',
      ownerId: charge.id,
      tags: 'IA, évaluation',
      estimatedBudget: '12 500',
      nextStep: 'Appeler la fondatrice',
      nextStepOn: '2020-01-10',
      summary: 'Plateforme d’évaluation',
      ...extra,
    });
    expect(response.status).toBe(303);
    return String(response.headers.location).split('/').pop() as string;
  }

  it('creates a case with the form, in « repérée », journaled with its first stage row', async () => {
    const id = await createCase('EvalTech');
    const [row] = await harness.db.select().from(sourcingCases).where(eq(sourcingCases.id, id));
    expect(row).toMatchObject({ stage: 'reperee', unitId, estimatedBudgetCents: 1_250_000, tags: ['ia', 'évaluation'], nextStepOn: '2020-01-10' });
    const stages = await harness.db.select().from(sourcingCaseStages).where(eq(sourcingCaseStages.caseId, id));
    expect(stages).toHaveLength(1);
    const audits = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, id), eq(auditLog.action, 'sourcing_case.created')));
    expect(audits).toHaveLength(1);
    const page = await browser.get(`/sourcing/pistes/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('EvalTech');
    expect(page.text).toContain('Repérée');
  });

  it('refuses a form without start-up nor source (422, typed values kept)', async () => {
    const response = await browser.post('/sourcing/pistes/nouvelle', { challengeId, nextStep: 'Relancer', source: '' });
    expect(response.status).toBe(422);
    expect(response.text).toContain('Choisissez la start-up dans l’annuaire.');
    expect(response.text).toContain('value="Relancer"');
  });

  it('shows the kanban with columns, counts, budgets, overdue next step and an overdue pilot flag', async () => {
    const id = await createCase('PilotPurgatoire');
    await harness.db.insert(sourcingPilots).values({ caseId: id, status: 'en_cours', startsOn: '2020-01-01', endsOn: '2020-06-30' });
    const page = await browser.get(`/sourcing?defi=${challengeId}`);
    expect(page.status).toBe(200);
    for (const label of ['Repérée', 'Qualifiée', 'Rencontrée', 'Évaluée', 'Expérimentation', 'Contractualisation', 'Déployée', 'En veille', 'Abandonnée']) expect(page.text).toContain(label);
    expect(page.text).toMatch(/id="kanban-figures-reperee">2 piste\(s\)<br>Budget estimé : 25\s000,00\s€/);
    expect(page.text).toContain('en retard');
    expect(page.text).toContain('Expérimentation échue sans décision');
    expect(page.text).toContain('Déplacer vers');
    // « Consigner un échange » from the card pre-fills the start-up and the case.
    expect(page.text).toContain(`href="/echanges/nouveau?piste=${id}"`);
    const filtered = await browser.get(`/sourcing?defi=${challengeId}&q=purgat`);
    expect(filtered.text).toContain('PilotPurgatoire');
    expect(filtered.text).not.toContain('EvalTech');
  });

  it('moves a card (no JavaScript: 303 back with a flash), writes the history and the journal', async () => {
    const id = await createCase('Qualiflow');
    const response = await browser.post(`/sourcing/pistes/${id}/deplacer`, { stage: 'qualifiee', expectedFrom: 'reperee', retour: `/sourcing?defi=${challengeId}` });
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe(`/sourcing?defi=${challengeId}`);
    const [row] = await harness.db.select().from(sourcingCases).where(eq(sourcingCases.id, id));
    expect(row!.stage).toBe('qualifiee');
    const stages = await harness.db.select().from(sourcingCaseStages).where(eq(sourcingCaseStages.caseId, id)).orderBy(asc(sourcingCaseStages.enteredAt));
    expect(stages.map((entry) => [entry.stage, entry.leftAt === null])).toEqual([['reperee', false], ['qualifiee', true]]);
    const audits = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, id), eq(auditLog.action, 'sourcing_case.stage_moved')));
    expect(audits).toHaveLength(1);
    const back = await browser.get(`/sourcing?defi=${challengeId}`);
    expect(back.text).toContain('« Qualiflow » est passée à l’étape « Qualifiée ».');
  });

  it('moves with htmx: the card in its new column, the figures and the message out of band', async () => {
    const id = await createCase('HtmxFlow');
    const response = await browser.post(`/sourcing/pistes/${id}/deplacer`, { stage: 'qualifiee', expectedFrom: 'reperee', retour: `/sourcing?defi=${challengeId}` }, { headers: { 'HX-Request': 'true' } });
    expect(response.status).toBe(200);
    expect(response.text).toContain('hx-swap-oob="afterbegin:#kanban-cards-qualifiee"');
    expect(response.text).toContain(`id="piste-${id}"`);
    expect(response.text).toContain('id="kanban-figures-qualifiee" hx-swap-oob="true"');
    expect(response.text).toContain('hx-swap-oob="innerHTML:#flash"');
  });

  it('refuses a jump the table does not allow, and a stale card (409)', async () => {
    const id = await createCase('Sauteuse');
    const jump = await browser.post(`/sourcing/pistes/${id}/deplacer`, { stage: 'deployee', expectedFrom: 'reperee' }, { headers: { 'HX-Request': 'true' } });
    expect(jump.status).toBe(409);
    expect(jump.headers['hx-retarget']).toBe('#flash');
    expect(jump.text).toContain('ne peut pas passer de « Repérée » à « Déployée »');
    const stale = await browser.post(`/sourcing/pistes/${id}/deplacer`, { stage: 'qualifiee', expectedFrom: 'rencontree' }, { headers: { 'HX-Request': 'true' } });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('a été déplacée entre-temps');
    const [row] = await harness.db.select().from(sourcingCases).where(eq(sourcingCases.id, id));
    expect(row!.stage).toBe('reperee');
  });

  it('needs a reason for « abandonnée » and keeps it', async () => {
    const id = await createCase('Abandonware');
    const without = await browser.post(`/sourcing/pistes/${id}/deplacer`, { stage: 'abandonnee', expectedFrom: 'reperee', reason: '  ' }, { headers: { 'HX-Request': 'true' } });
    expect(without.status).toBe(422);
    expect(without.text).toContain('Indiquez la raison');
    const withReason = await browser.post(`/sourcing/pistes/${id}/deplacer`, { stage: 'abandonnee', expectedFrom: 'reperee', reason: 'Hors périmètre' });
    expect(withReason.status).toBe(303);
    const [row] = await harness.db.select().from(sourcingCases).where(eq(sourcingCases.id, id));
    expect(row).toMatchObject({ stage: 'abandonnee', stageReason: 'Hors périmètre' });
  });

  it('does not move a card to a gated stage: the answer points to the committee', async () => {
    const id = await createCase('Gatekeeper');
    for (const [from, to] of [['reperee', 'qualifiee'], ['qualifiee', 'rencontree'], ['rencontree', 'evaluee']]) {
      expect((await browser.post(`/sourcing/pistes/${id}/deplacer`, { stage: to!, expectedFrom: from! })).status).toBe(303);
    }
    const gated = await browser.post(`/sourcing/pistes/${id}/deplacer`, { stage: 'experimentation', expectedFrom: 'evaluee' }, { headers: { 'HX-Request': 'true' } });
    expect(gated.status).toBe(409);
    expect(gated.text.replaceAll('&#x3D;', '=')).toContain(`/sourcing/comites/nouveau?piste=${id}&amp;vers=experimentation`);
    expect(gated.text).toContain('Lancer le comité');
    const plain = await browser.post(`/sourcing/pistes/${id}/deplacer`, { stage: 'contractualisation', expectedFrom: 'evaluee' });
    expect(plain.status).toBe(303);
    expect(plain.headers.location).toBe(`/sourcing/pistes/${id}?comite=contractualisation`);
    const page = await browser.get(plain.headers.location as string);
    expect(page.text).toContain('Lancer le comité');
    const [row] = await harness.db.select().from(sourcingCases).where(eq(sourcingCases.id, id));
    expect(row!.stage).toBe('evaluee');
  });

  it('refuses moves and edits by a lecteur and by a chargé of another unit', async () => {
    const id = await createCase('Gardée');
    const byReader = await reader.post(`/sourcing/pistes/${id}/deplacer`, { stage: 'qualifiee', expectedFrom: 'reperee' }, { headers: { 'HX-Request': 'true' } });
    expect(byReader.status).toBe(403);
    const byOutsider = await outsider.post(`/sourcing/pistes/${id}/deplacer`, { stage: 'qualifiee', expectedFrom: 'reperee' }, { headers: { 'HX-Request': 'true' } });
    expect(byOutsider.status).toBe(403);
    expect((await reader.get(`/sourcing/pistes/${id}`)).status).toBe(200);
    expect((await reader.get(`/sourcing/pistes/${id}`)).text).not.toContain('/deplacer');
    expect((await reader.get('/sourcing/pistes/nouvelle')).status).toBe(403);
    expect((await outsider.get(`/sourcing/pistes/${id}/modifier`)).status).toBe(403);
    const [row] = await harness.db.select().from(sourcingCases).where(eq(sourcingCases.id, id));
    expect(row!.stage).toBe('reperee');
  });

  it('hides a confidential case from people outside its unit (404, not on the kanban nor the list)', async () => {
    const id = await createCase('SecretEdTech', { confidential: 'on' });
    expect((await outsider.get(`/sourcing/pistes/${id}`)).status).toBe(404);
    expect((await outsider.get('/sourcing')).text).not.toContain('SecretEdTech');
    expect((await outsider.get('/sourcing/pistes')).text).not.toContain('SecretEdTech');
    expect((await browser.get('/sourcing')).text).toContain('SecretEdTech');
    expect((await reader.get(`/sourcing/pistes/${id}`)).status).toBe(200);
  });

  it('edits a case, journaled with the changed fields before and after', async () => {
    const id = await createCase('Editable');
    const response = await browser.post(`/sourcing/pistes/${id}/modifier`, { challengeId, source: 'incubateur', ownerId: charge.id, unitId, tags: 'ia', estimatedBudget: '12500', nextStep: 'Démo', nextStepOn: '2027-01-15', summary: 'Plateforme d’évaluation' });
    expect(response.status).toBe(303);
    const audits = await harness.db.select().from(auditLog).where(eq(auditLog.entityId, id));
    const audit = audits.find((entry) => entry.action === 'sourcing_case.updated');
    expect(audit?.changes).toMatchObject({ source: { before: 'salon', after: 'incubateur' }, nextStep: { before: 'Appeler la fondatrice', after: 'Démo' } });
    const [row] = await harness.db.select().from(sourcingCases).where(eq(sourcingCases.id, id));
    expect(row).toMatchObject({ source: 'incubateur', nextStepOn: '2027-01-15', tags: ['ia'] });
  });

  it('lists cases with filters, stage and pages', async () => {
    const list = await browser.get(`/sourcing/pistes?defi=${challengeId}&etape=abandonnee`);
    expect(list.status).toBe(200);
    expect(list.text).toContain('Abandonware');
    expect(list.text).not.toContain('EvalTech');
    expect((await browser.get('/sourcing/pistes?sort=startup&dir=asc&page=3')).status).toBe(200);
  });

  it('exports the list as CSV (journaled), not for a lecteur', async () => {
    const csv = await browser.get(`/sourcing/pistes?defi=${challengeId}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.text).toContain('Start-up');
    expect(csv.text).toContain('Abandonware');
    const [audit] = await harness.db.select().from(auditLog).where(and(eq(auditLog.action, 'sourcing_case.exported'), eq(auditLog.actorId, charge.id)));
    expect(audit!.metadata).toMatchObject({ format: 'csv', filters: { defi: challengeId } });
    expect((await reader.get('/sourcing/pistes?format=csv')).status).toBe(403);
  });
});
