// Sourcing challenges (/sourcing/defis): the form (units by the unit rule, the criteria grid, the
// budget in cents, 422 in French with what was typed), who edits, the status through
// CHALLENGE_TRANSITIONS (a sponsor to open, an outcome to close, reopening a manager's), the
// journal, the list's filters, sort and counts (confidential cases counted only for their
// readers), and the page's blocks: cases by stage, exchanges about its cases (visibility kept),
// decisions, links to the case form, the kanban, the import and the history.
import { and, eq } from 'drizzle-orm';
import { auditLog, exchangeOrganizations, exchanges, sourcingChallengeUnits, sourcingChallenges, sourcingGates, type User } from '../../src/models/schema';
import { listUnits } from '../../src/models/units.model';
import { labelAction } from '../../src/services/journal.service';
import { addCaseInTransaction, moveCaseStage } from '../../src/services/sourcing-cases.service';
import { buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

const idFrom = (location: unknown) => String(location).split('/').pop() as string;

describe('sourcing challenges', () => {
  let harness: TestApp;
  let charge: User;
  let manager: User;
  let outsider: User;
  let chargeBrowser: TestBrowser;
  let managerBrowser: TestBrowser;
  let outsiderBrowser: TestBrowser;
  let readerBrowser: TestBrowser;
  let ddpsi: string;
  let uoPro: string;

  beforeAll(async () => {
    harness = await startTestApp();
    const units = await listUnits(harness.db);
    ddpsi = units.find((unit) => unit.code === 'DDPSI')?.id as string;
    uoPro = units.find((unit) => unit.code === 'UO-PRO')?.id as string;
    charge = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Camille Chargée' });
    manager = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'], displayName: 'Maxime Manager' });
    outsider = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['UO-PRO'], displayName: 'Olga Ailleurs' });
    chargeBrowser = await signedIn(charge);
    managerBrowser = await signedIn(manager);
    outsiderBrowser = await signedIn(outsider);
    readerBrowser = await signedIn(await buildUser(harness.db, { roles: ['lecteur'] }));
  });
  afterAll(() => harness.close());

  async function signedIn(user: User): Promise<TestBrowser> {
    const browser = new TestBrowser(harness.app);
    await browser.login(user.email);
    await browser.get('/sourcing/defis');
    return browser;
  }

  const form = (fields: Record<string, string | string[]> = {}) => ({
    title: 'Évaluation des compétences à distance',
    problemStatement: 'Évaluer à distance les compétences pratiques des apprenants.',
    expectedBenefits: 'Moins de déplacements.',
    ownerId: charge.id,
    sponsorId: manager.id,
    unitIds: [ddpsi],
    budgetMin: '10 000',
    budgetMax: '45000,50',
    startsOn: '2027-01-01',
    endsOn: '2027-12-31',
    circuitKey: 'sourcing-committee',
    weight_adequation: '5',
    weight_maturite: '2',
    weight_impact_pedagogique: '3',
    weight_accessibilite: '0',
    weight_rgpd_hebergement: '2',
    weight_cout: '1',
    weight_equipe: '0',
    weight_image: '0',
    ...fields,
  });

  async function createChallenge(browser: TestBrowser, fields: Record<string, string | string[]> = {}): Promise<string> {
    const response = await browser.post('/sourcing/defis/nouveau', form(fields));
    expect(response.status).toBe(303);
    return idFrom(response.headers.location);
  }

  it('creates a challenge from the form: units, grid, budget in cents, journaled, and shows its page', async () => {
    const id = await createChallenge(chargeBrowser);
    const [row] = await harness.db.select().from(sourcingChallenges).where(eq(sourcingChallenges.id, id));
    expect(row).toMatchObject({ status: 'brouillon', budgetMinCents: 1_000_000, budgetMaxCents: 4_500_050, startsOn: '2027-01-01', endsOn: '2027-12-31', ownerId: charge.id, sponsorId: manager.id, circuitKey: 'sourcing-committee' });
    expect(row?.criteria.map((criterion) => `${criterion.key}:${criterion.weight}`)).toEqual(['adequation:5', 'maturite:2', 'impact_pedagogique:3', 'rgpd_hebergement:2', 'cout:1']);
    const units = await harness.db.select().from(sourcingChallengeUnits).where(eq(sourcingChallengeUnits.challengeId, id));
    expect(units.map((unit) => unit.unitId)).toEqual([ddpsi]);
    const [audit] = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, id), eq(auditLog.action, 'sourcing_challenge.created')));
    expect(audit?.changes).toMatchObject({ title: { after: 'Évaluation des compétences à distance' }, owner: { after: 'Camille Chargée' }, sponsor: { after: 'Maxime Manager' }, units: { after: ['DDPSI'] } });

    const page = await chargeBrowser.get(`/sourcing/defis/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Évaluation des compétences à distance');
    expect(page.text).toContain('Maxime Manager');
    expect(page.text).toMatch(/10[\s\u202f\u00a0]000,00[\s\u202f\u00a0]€ à 45[\s\u202f\u00a0]000,50[\s\u202f\u00a0]€/);
    expect(page.text).toContain('Du 01/01/2027 au 31/12/2027');
    expect(page.text).toContain('Comité de sourcing');
    expect(page.text).toContain('Adéquation au besoin');
    expect(page.text).not.toContain('Solidité de l’équipe');
    expect(page.text).toContain(`href="/sourcing/pistes/nouvelle?defi=${id}"`);
    expect(page.text).toContain(`href="/sourcing?defi=${id}"`);
    expect(page.text).toContain(`href="/imports/nouveau?type=sourcing_cases&amp;defi=${id}"`);
    expect(page.text).toContain(`hx-get="/sourcing/historique/defis/${id}"`);
    expect(page.text).toContain(`href="/sourcing/comites/journal?defi=${id}"`);
  });

  it('refuses bad input at 422 with French messages and keeps what was typed', async () => {
    const response = await chargeBrowser.post(
      '/sourcing/defis/nouveau',
      form({ title: '', problemStatement: 'Un besoin gardé', budgetMin: '50 000', budgetMax: '1 000', endsOn: '2026-01-01', weight_adequation: '0', weight_maturite: '0', weight_impact_pedagogique: '0', weight_rgpd_hebergement: '0', weight_cout: '0' }),
    );
    expect(response.status).toBe(422);
    expect(response.text).toContain('Indiquez le titre du défi.');
    expect(response.text).toContain('Le budget maximum doit être supérieur ou égal au minimum.');
    expect(response.text).toContain('La date de fin doit suivre la date de début.');
    expect(response.text).toContain('Retenez au moins un critère (poids de 1 à 5).');
    expect(response.text).toContain('Un besoin gardé');
    expect(response.text).toContain('value="50 000"');
    const weight = await chargeBrowser.post('/sourcing/defis/nouveau', form({ weight_cout: '9', budgetMin: 'beaucoup' }));
    expect(weight.status).toBe(422);
    expect(weight.text).toContain('Le poids est un nombre entier de 0 à 5.');
    expect(weight.text).toContain('Indiquez un montant en euros');
    // The unit rule: a chargé attaches only their own units; a lecteur is no sponsor.
    const unit = await chargeBrowser.post('/sourcing/defis/nouveau', form({ unitIds: [ddpsi, uoPro] }));
    expect(unit.status).toBe(422);
    expect(unit.text).toContain('Vous ne pouvez rattacher le défi qu’à vos propres unités.');
    const sponsor = await chargeBrowser.post('/sourcing/defis/nouveau', form({ sponsorId: outsider.id }));
    expect(sponsor.status).toBe(422);
    expect(sponsor.text).toContain('Choisissez un sponsor parmi les managers.');
    const none = await chargeBrowser.post('/sourcing/defis/nouveau', form({ unitIds: [] }));
    expect(none.status).toBe(422);
    expect(none.text).toContain('Cochez au moins une unité.');
    expect(await harness.db.select().from(sourcingChallenges).where(eq(sourcingChallenges.problemStatement, 'Un besoin gardé'))).toHaveLength(0);
  });

  it('lets the challenge’s people edit it (journaled with what changed) and refuses others', async () => {
    const id = await createChallenge(chargeBrowser, { title: 'IA d’accompagnement' });
    expect((await outsiderBrowser.get(`/sourcing/defis/${id}/modifier`)).status).toBe(403);
    expect((await outsiderBrowser.post(`/sourcing/defis/${id}/modifier`, form())).status).toBe(403);
    expect((await readerBrowser.post('/sourcing/defis/nouveau', form())).status).toBe(403);
    const readerPage = await readerBrowser.get(`/sourcing/defis/${id}`);
    expect(readerPage.status).toBe(200);
    expect(readerPage.text).not.toContain(`/sourcing/defis/${id}/modifier`);
    expect(readerPage.text).not.toContain('/statut');

    const edit = await chargeBrowser.get(`/sourcing/defis/${id}/modifier`);
    expect(edit.status).toBe(200);
    expect(edit.text).toContain('value="IA d’accompagnement"');
    expect(edit.text).toMatch(/id="field-weight_adequation"[^>]*>[\s\S]*?<option value="5" selected>/);
    const saved = await chargeBrowser.post(`/sourcing/defis/${id}/modifier`, form({ title: 'IA d’accompagnement des apprenants', budgetMax: '60 000' }));
    expect(saved.status).toBe(303);
    const [audit] = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, id), eq(auditLog.action, 'sourcing_challenge.updated')));
    expect(audit?.changes).toMatchObject({ title: { before: 'IA d’accompagnement', after: 'IA d’accompagnement des apprenants' } });
    expect(Object.keys(audit?.changes ?? {}).sort()).toEqual(['budgetMax', 'title']);
  });

  it('changes the status through the transition table: a sponsor to open, an outcome to close, reopening a manager’s', async () => {
    const id = await createChallenge(chargeBrowser, { title: 'Accessibilité des contenus', sponsorId: '' });
    const noSponsor = await chargeBrowser.post(`/sourcing/defis/${id}/statut`, { to: 'ouvert', expectedFrom: 'brouillon' });
    expect(noSponsor.status).toBe(422);
    expect(noSponsor.text).toContain('Choisissez d’abord un sponsor');
    expect((await chargeBrowser.post(`/sourcing/defis/${id}/modifier`, form({ title: 'Accessibilité des contenus' }))).status).toBe(303);
    expect((await outsiderBrowser.post(`/sourcing/defis/${id}/statut`, { to: 'ouvert' })).status).toBe(403);
    expect((await chargeBrowser.post(`/sourcing/defis/${id}/statut`, { to: 'ouvert', expectedFrom: 'brouillon' })).status).toBe(303);
    // A stale page: the challenge is « ouvert » now.
    const stale = await chargeBrowser.post(`/sourcing/defis/${id}/statut`, { to: 'ouvert', expectedFrom: 'brouillon' });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('Ce défi a changé entre-temps');
    expect((await chargeBrowser.post(`/sourcing/defis/${id}/statut`, { to: 'en_sourcing' })).status).toBe(303);
    const sponsorDropped = await chargeBrowser.post(`/sourcing/defis/${id}/modifier`, form({ title: 'Accessibilité des contenus', sponsorId: '' }));
    expect(sponsorDropped.status).toBe(422);
    expect(sponsorDropped.text).toContain('Un défi ouvert ou en sourcing garde un sponsor');
    const noOutcome = await chargeBrowser.post(`/sourcing/defis/${id}/statut`, { to: 'clos', note: 'Note gardée' });
    expect(noOutcome.status).toBe(422);
    expect(noOutcome.text).toContain('Choisissez l’issue du défi pour le clore.');
    expect(noOutcome.text).toContain('Note gardée');
    expect((await chargeBrowser.post(`/sourcing/defis/${id}/statut`, { to: 'clos', outcome: 'sans_solution_retenue', note: 'Aucune solution accessible.' })).status).toBe(303);
    const [closed] = await harness.db.select().from(sourcingChallenges).where(eq(sourcingChallenges.id, id));
    expect(closed).toMatchObject({ status: 'clos', outcome: 'sans_solution_retenue', outcomeNote: 'Aucune solution accessible.' });
    expect(closed?.closedAt).not.toBeNull();
    const page = await chargeBrowser.get(`/sourcing/defis/${id}`);
    expect(page.text).toContain('Aucune solution retenue');
    expect((await chargeBrowser.get(`/sourcing/defis/${id}/modifier`)).status).toBe(409);
    // Reopening is a manager's.
    expect((await chargeBrowser.post(`/sourcing/defis/${id}/statut`, { to: 'en_sourcing' })).status).toBe(403);
    const jump = await managerBrowser.post(`/sourcing/defis/${id}/statut`, { to: 'ouvert' });
    expect(jump.status).toBe(409);
    expect(jump.text).toContain('Un défi ne peut pas passer de « Clos » à « Ouvert ».');
    expect((await managerBrowser.post(`/sourcing/defis/${id}/statut`, { to: 'en_sourcing' })).status).toBe(303);
    const [reopened] = await harness.db.select().from(sourcingChallenges).where(eq(sourcingChallenges.id, id));
    expect(reopened).toMatchObject({ status: 'en_sourcing', outcome: null, closedAt: null });
    const moves = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, id), eq(auditLog.action, 'sourcing_challenge.status_changed')));
    expect(moves).toHaveLength(4);
    expect(moves.map((move) => labelAction(move.action))).toEqual(Array(4).fill('Statut d’un défi d’innovation changé'));
  });

  it('shows its cases by stage, the exchanges about them (visibility kept) and its decisions; the list counts what each reader may see', async () => {
    const id = await createChallenge(chargeBrowser, { title: 'Défi des compteurs' });
    const ctx = await harness.context(charge);
    const startups = await Promise.all(['Alpha Learn', 'Beta Tutor', 'Gamma Secret'].map((name) => buildOrganization(harness.db, { name, kindCode: 'startup' })));
    const cases = [];
    for (const [index, startup] of startups.entries()) {
      cases.push(await harness.db.transaction((tx) => addCaseInTransaction(tx, ctx, { organizationId: startup.id, challengeId: id, source: 'salon', confidential: index === 2 })));
    }
    const [alpha, beta] = cases as [NonNullable<(typeof cases)[number]>, NonNullable<(typeof cases)[number]>];
    await harness.db.transaction(async (tx) => {
      await moveCaseStage(tx, ctx, { caseId: alpha.id, to: 'qualifiee', by: 'person' });
      await moveCaseStage(tx, ctx, { caseId: alpha.id, to: 'rencontree', by: 'person' });
      await moveCaseStage(tx, ctx, { caseId: alpha.id, to: 'evaluee', by: 'person' });
    });
    // A decided gate (go) and an exchange about Alpha's case; a confidential exchange about Beta's.
    await harness.db.insert(sourcingGates).values({
      caseId: alpha.id,
      targetStage: 'experimentation',
      fromStage: 'evaluee',
      status: 'go',
      evaluatorIds: [charge.id, manager.id],
      sponsorId: manager.id,
      criteria: [],
      rationale: 'Solution mûre, équipe solide et hébergement en France.',
      decidedById: manager.id,
      decidedAt: new Date('2026-11-20T10:00:00Z'),
    });
    const exchangeOf = async (caseId: string, organizationId: string, summary: string, confidential: boolean) => {
      const occurredAt = new Date('2026-11-15T09:00:00Z');
      const [row] = await harness.db.insert(exchanges).values({ kind: 'rendez_vous', occurredAt, summary, subjectType: 'sourcing_case', subjectId: caseId, confidential, authorId: charge.id }).returning();
      await harness.db.insert(exchangeOrganizations).values({ exchangeId: row?.id as string, organizationId, occurredAt });
    };
    await exchangeOf(alpha.id, startups[0]?.id as string, 'Démonstration de la plateforme Alpha', false);
    await exchangeOf(beta.id, startups[1]?.id as string, 'Négociation tarifaire Beta', true);

    const page = await chargeBrowser.get(`/sourcing/defis/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`href="/sourcing/pistes/${alpha.id}"`);
    expect(page.text).toContain('Gamma Secret');
    expect(page.text).toMatch(/Évaluée : 1/);
    expect(page.text).toMatch(/Repérée : 2/);
    expect(page.text).toContain('Démonstration de la plateforme Alpha');
    expect(page.text).toContain('Négociation tarifaire Beta');
    expect(page.text).toContain('Solution mûre, équipe solide');
    expect(page.text).toMatch(/href="\/sourcing\/comites\/[0-9a-f-]{36}"/);

    const outsiderPage = await outsiderBrowser.get(`/sourcing/defis/${id}`);
    expect(outsiderPage.text).toContain('Démonstration de la plateforme Alpha');
    expect(outsiderPage.text).not.toContain('Négociation tarifaire Beta');
    expect(outsiderPage.text).not.toContain('Gamma Secret');
    expect(outsiderPage.text).toMatch(/Repérée : 1/);

    // The list: counts per reader, filters and sort.
    const list = await chargeBrowser.get('/sourcing/defis?q=compteurs');
    expect(list.text).toContain('Défi des compteurs');
    expect(list.text).toContain('3 piste(s)');
    expect((await outsiderBrowser.get('/sourcing/defis?q=COMPTEURS')).text).toContain('2 piste(s)');
    const byCases = await chargeBrowser.get('/sourcing/defis?sort=cases&dir=desc');
    expect(byCases.text.indexOf('Défi des compteurs')).toBeLessThan(byCases.text.indexOf('Évaluation des compétences à distance'));
    const drafts = await chargeBrowser.get(`/sourcing/defis?status=clos&unit=${ddpsi}`);
    expect(drafts.text).not.toContain('Défi des compteurs');
    expect((await chargeBrowser.get(`/sourcing/defis?owner=me&unit=${uoPro}`)).text).toContain('Aucun défi ne correspond');
    expect((await chargeBrowser.get('/sourcing/defis?owner=me')).text).toContain('Défi des compteurs');
    // htmx asks for the results only.
    const fragment = await chargeBrowser.get('/sourcing/defis?q=compteurs', { 'HX-Request': 'true', 'HX-Target': 'challenges-results' });
    expect(fragment.text.trim().startsWith('<div id="challenges-results"')).toBe(true);
    // Bad query values are ignored.
    expect((await chargeBrowser.get('/sourcing/defis?status=nimporte&sort=x&page=-3&unit=pas-un-id')).status).toBe(200);
    expect((await chargeBrowser.get('/sourcing/defis/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});
