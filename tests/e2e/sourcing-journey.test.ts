// The innovation sourcing pipeline end to end, in Chromium, as its users work it (issue 14):
// a chargée writes a challenge, adds three start-ups to it, opens the kanban on the challenge,
// drags one card from « Repérée » to « Qualifiée » with the mouse (SortableJS), moves another
// with the keyboard control « Déplacer vers », takes one through to « Évaluée » and starts the
// committee with two evaluators; each evaluator scores from « Mes validations », the sponsor says
// go from « Mes validations » → the card is in « Expérimentation »; the chargée writes the pilot's
// success criteria, starts it, closes it with a decision; the funnel shows the journey.
// Screenshots at 1280 px at each key step and at 390 px for a few (tests/e2e/screenshots/sourcing-*).
import { and, eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { organizations, sourcingCases, sourcingChallenges, sourcingGates, sourcingPilots } from '../../src/models/schema';
import { addParisDays, parisDayOf } from '../../src/lib/paris-time';
import { DEFAULT_CRITERIA } from '../../src/workflows/sourcing-scorecard';
import { expectText, launchBrowser, newPerson, screenshot, signIn, startE2eApp, waitUntil, type E2eApp } from '../support/e2e';
import { buildOrganization } from '../support/directory-fixtures';
import { buildUser } from '../support/harness';

interface Person {
  context: BrowserContext;
  page: Page;
  problems: string[];
}

const CHALLENGE = 'Évaluation des compétences à distance';
const STARTUPS = ['Évalulab', 'Compétia', 'Quizzly'] as const;

describe('the sourcing journey in the browser', () => {
  let app: E2eApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await startE2eApp();
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** One person signed in through the login form, in their own browser context (1280 px). */
  async function person(email: string): Promise<Person> {
    const signedIn = await newPerson(browser);
    await signIn(signedIn.page, app.url, email);
    return signedIn;
  }

  /** A kanban column, found by its heading (the stage's name). */
  function column(page: Page, stage: string): Locator {
    return page.locator('section.sourcing-column').filter({ has: page.getByRole('heading', { name: stage, exact: true }) });
  }

  /** The card of a start-up on the kanban. */
  function card(page: Page, startup: string): Locator {
    return page.locator('li.sourcing-card').filter({ has: page.getByRole('link', { name: startup, exact: true }) });
  }

  /** The same page at 390 px (a phone), in a second context sharing the session's cookies. */
  async function atPhoneWidth(signedIn: Person, path: string, name: string): Promise<void> {
    const phone = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, storageState: await signedIn.context.storageState() });
    const page = await phone.newPage();
    await page.goto(`${app.url}${path}`);
    await page.locator('main').waitFor();
    await screenshot(page, name);
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
    await phone.close();
    expect(overflow).toBeLessThanOrEqual(1);
  }

  test('challenge → three cases → kanban moves → committee (two evaluators, sponsor) → pilot closed → funnel', async () => {
    const db = app.database.db;
    const charge = await buildUser(db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Chloé Chargée' });
    const sponsor = await buildUser(db, { roles: ['manager'], unitCodes: ['DDPSI'], displayName: 'Marc Manager' });
    const juriste = await buildUser(db, { roles: ['juriste'], unitCodes: ['DAJ'], displayName: 'Julie Juriste' });
    const finance = await buildUser(db, { roles: ['finance'], unitCodes: ['DDPSI'], displayName: 'Fabien Finance' });
    for (const name of STARTUPS) await buildOrganization(db, { name, kindCode: 'startup', unitCodes: ['DDPSI'] });

    // ── 1. The chargée writes the challenge and opens it. ─────────────────────────────────────
    const chloe = await person(charge.email);
    const { page } = chloe;
    await page.goto(`${app.url}/sourcing/defis`);
    await page.getByRole('link', { name: 'Nouveau défi' }).first().click();
    await page.waitForURL(`${app.url}/sourcing/defis/nouveau`);
    await page.getByLabel(/^Titre/).fill(CHALLENGE);
    await page.getByLabel(/^Énoncé du besoin/).fill('Évaluer à distance les compétences des stagiaires en formation continue, sans déplacement.');
    await page.getByLabel(/^Sponsor/).selectOption({ label: 'Marc Manager' });
    const ddpsi = page.locator('#field-unitIds input[type="checkbox"]:not([disabled])').first();
    if (!(await ddpsi.isChecked())) await ddpsi.check();
    await screenshot(page, 'sourcing-01-challenge-form');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.waitForURL(/\/sourcing\/defis\/[0-9a-f-]{36}$/);
    await expectText(page.locator('#challenge-title'), CHALLENGE);
    const [challenge] = await db.select().from(sourcingChallenges).where(eq(sourcingChallenges.title, CHALLENGE));
    expect(challenge?.sponsorId).toBe(sponsor.id);
    await page.getByRole('button', { name: 'Ouvrir le défi' }).click();
    await expectText(page.locator('#challenge-status'), /ouvert/i, 15_000);
    await screenshot(page, 'sourcing-02-challenge-page');
    const challengeId = challenge?.id as string;

    // ── 2. Three start-ups through « Ajouter une piste ». ─────────────────────────────────────
    for (const name of STARTUPS) {
      await page.goto(`${app.url}/sourcing/defis/${challengeId}`);
      await page.getByRole('link', { name: 'Ajouter une piste' }).first().click();
      await page.waitForURL(/\/sourcing\/pistes\/nouvelle\?defi=/);
      await chooseStartup(page, name);
      expect(await page.getByLabel(/^Défi/).inputValue()).toBe(challengeId);
      await page.getByLabel(/^Source/).selectOption({ label: 'Salon' });
      if (name === STARTUPS[0]) await screenshot(page, 'sourcing-03-case-form');
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      await page.waitForURL(/\/sourcing\/pistes\/[0-9a-f-]{36}/);
      await expectText(page.locator('main'), name, 15_000);
    }
    const cases = await db.select().from(sourcingCases).where(eq(sourcingCases.challengeId, challengeId));
    expect(cases.map((row) => row.stage)).toEqual(['reperee', 'reperee', 'reperee']);

    // ── 3. The kanban on the challenge: drag a card with the mouse (SortableJS). ─────────────
    await page.goto(`${app.url}/sourcing?defi=${challengeId}`);
    await expectText(column(page, 'Repérée'), STARTUPS[0], 15_000);
    await screenshot(page, 'sourcing-04-kanban');
    await dragCard(page, card(page, STARTUPS[0]), page.locator('#kanban-cards-qualifiee'));
    await expectText(page.locator('#flash'), `« ${STARTUPS[0]} » est passée à l’étape « Qualifiée ».`, 15_000);
    await expectText(page.locator('#kanban-cards-qualifiee'), STARTUPS[0]);
    await waitUntil(async () => (await stageOf(STARTUPS[0])) === 'qualifiee', 'the drag saved');
    await screenshot(page, 'sourcing-05-kanban-dragged');

    // ── 4. The keyboard control « Déplacer vers » on another card. ───────────────────────────
    await moveWithControl(page, STARTUPS[1], 'Qualifiée');
    await waitUntil(async () => (await stageOf(STARTUPS[1])) === 'qualifiee', `${STARTUPS[1]} moved with « Déplacer vers »`);
    await expectText(page.locator('#kanban-cards-qualifiee'), STARTUPS[1], 15_000);
    await expectText(page.locator('#flash'), `« ${STARTUPS[1]} » est passée à l’étape « Qualifiée ».`, 15_000);

    // ── 5. The first one through to « Évaluée ». ──────────────────────────────────────────────
    await moveWithControl(page, STARTUPS[0], 'Rencontrée');
    await waitUntil(async () => (await stageOf(STARTUPS[0])) === 'rencontree', `${STARTUPS[0]} in « Rencontrée »`);
    // The card is swapped in its new column (its « Déplacer vers » now offers the next stage).
    await waitUntil(async () => (await page.locator('#kanban-cards-rencontree li.sourcing-card').filter({ hasText: STARTUPS[0] }).count()) === 1, 'the card re-rendered in « Rencontrée »');
    await moveWithControl(page, STARTUPS[0], 'Évaluée');
    await waitUntil(async () => (await stageOf(STARTUPS[0])) === 'evaluee', `${STARTUPS[0]} in « Évaluée »`);
    await page.goto(`${app.url}/sourcing?defi=${challengeId}`);
    await expectText(column(page, 'Évaluée'), STARTUPS[0], 15_000);
    await screenshot(page, 'sourcing-06-kanban-evaluee');
    await atPhoneWidth(chloe, `/sourcing?defi=${challengeId}`, 'sourcing-06-kanban-390');

    // ── 6. The committee: « Expérimentation » is a gate (the card stays); two evaluators. ────
    await moveWithControl(page, STARTUPS[0], 'Expérimentation');
    await expectText(page.locator('#flash'), 'comité de sourcing', 15_000);
    await expectText(column(page, 'Évaluée'), STARTUPS[0]);
    await screenshot(page, 'sourcing-07-kanban-gate-notice');
    await page.locator('#flash').getByRole('link', { name: 'Lancer le comité' }).click();
    await page.waitForURL(/\/sourcing\/comites\/nouveau\?piste=/, { timeout: 15_000 });
    await expectText(page.locator('main'), 'Marc Manager'); // the challenge's sponsor decides
    // DSFR checkboxes are drawn by their labels: a person clicks the names.
    for (const name of ['Julie Juriste', 'Fabien Finance']) {
      await page.locator('#evaluators label').filter({ hasText: name }).click();
      expect(await page.getByLabel(name).isChecked()).toBe(true);
    }
    await page.getByLabel(/Documents remis au comité/).fill('Dossier de présentation (PDF), compte rendu de la rencontre du salon.');
    await screenshot(page, 'sourcing-08-gate-form');
    await page.getByRole('button', { name: 'Lancer le comité' }).click();
    await page.waitForURL(/\/sourcing\/comites\/[0-9a-f-]{36}$/, { timeout: 15_000 });
    await expectText(page.locator('main'), 'Julie Juriste');
    await screenshot(page, 'sourcing-09-gate-page');
    const firstCaseId = (await caseIdOf(STARTUPS[0])) as string;
    const [gate] = await db.select().from(sourcingGates).where(eq(sourcingGates.caseId, firstCaseId));
    expect(gate?.status).toBe('en_cours');
    expect(gate?.evaluatorIds.sort()).toEqual([juriste.id, finance.id].sort());
    expect(await stageOf(STARTUPS[0])).toBe('evaluee');

    // ── 7. Each evaluator scores from « Mes validations ». ───────────────────────────────────
    for (const [evaluator, score, shot] of [
      [juriste, '4', 'sourcing-10-scorecard'],
      [finance, '3', 'sourcing-11-scorecard-second'],
    ] as const) {
      const someone = await person(evaluator.email);
      await someone.page.goto(`${app.url}/validations`);
      const item = someone.page.locator('#validations-list [id^="step-"]').filter({ hasText: STARTUPS[0] });
      await item.first().waitFor();
      if (evaluator === juriste) {
        await screenshot(someone.page, 'sourcing-10a-evaluator-inbox');
        await atPhoneWidth(someone, '/validations', 'sourcing-10b-evaluator-inbox-390');
      }
      await item.first().getByRole('link', { name: 'Ouvrir le formulaire' }).click();
      await someone.page.waitForURL(/\/sourcing\/comites\/etapes\/[0-9a-f-]{36}\/evaluation/);
      // Nobody's scores are shown before one's own grid is in.
      expect(await someone.page.locator('main').innerText()).not.toContain('Synthèse des grilles');
      for (const criterion of DEFAULT_CRITERIA) {
        await someone.page.locator(`label[for="score-${criterion.key}-${score}"]`).click();
        await someone.page.locator(`#comment-${criterion.key}`).fill(`${criterion.label} : ${score}/5.`);
      }
      await someone.page.getByLabel('Appréciation générale').fill('Solution sérieuse, équipe réactive.');
      await screenshot(someone.page, shot);
      await someone.page.getByRole('button', { name: 'Soumettre ma grille' }).click();
      await expectText(someone.page.locator('body'), 'Votre grille est enregistrée et transmise.', 15_000);
      expect(someone.problems).toEqual([]);
      await someone.context.close();
    }

    // ── 8. The sponsor decides go from « Mes validations ». ──────────────────────────────────
    const marc = await person(sponsor.email);
    await marc.page.goto(`${app.url}/validations`);
    const decision = marc.page.locator('#validations-list [id^="step-"]').filter({ hasText: STARTUPS[0] });
    await decision.first().waitFor({ timeout: 15_000 });
    await screenshot(marc.page, 'sourcing-12-sponsor-inbox');
    await decision.first().getByRole('link', { name: 'Ouvrir le formulaire' }).click();
    await marc.page.waitForURL(/\/sourcing\/comites\/etapes\/[0-9a-f-]{36}\/decision/);
    await expectText(marc.page.locator('main'), 'Synthèse des grilles');
    await expectText(marc.page.locator('main'), 'Fabien Finance');
    await marc.page.locator('label[for="decision-go"]').click();
    expect(await marc.page.getByLabel('Go', { exact: true }).isChecked()).toBe(true);
    await marc.page.getByLabel(/Motivation/).fill('Deux évaluations favorables ; expérimentation sur deux sites de formation continue.');
    await screenshot(marc.page, 'sourcing-13-sponsor-decision');
    await atPhoneWidth(marc, marc.page.url().replace(app.url, ''), 'sourcing-13b-sponsor-decision-390');
    await marc.page.getByRole('button', { name: 'Enregistrer la décision' }).click();
    await marc.page.waitForURL(/\/sourcing\/comites\/[0-9a-f-]{36}$/);
    await waitUntil(async () => (await stageOf(STARTUPS[0])) === 'experimentation', 'the go moved the case to « Expérimentation »');
    expect(marc.problems).toEqual([]);
    await marc.context.close();

    await page.goto(`${app.url}/sourcing?defi=${challengeId}`);
    await expectText(column(page, 'Expérimentation'), STARTUPS[0], 15_000);
    await screenshot(page, 'sourcing-14-kanban-experimentation');

    // ── 9. The pilot: criteria written before it starts, start, closing decision. ───────────
    const [pilot] = await db.select().from(sourcingPilots).where(and(eq(sourcingPilots.caseId, firstCaseId), eq(sourcingPilots.iteration, 1)));
    expect(pilot?.status).toBe('en_preparation');
    await page.goto(`${app.url}/sourcing/pilotes`);
    await page.locator('#pilots-results').getByRole('link', { name: STARTUPS[0] }).click();
    await expectText(page.locator('#pilot-status'), /en préparation/i, 15_000);
    const today = parisDayOf(new Date());
    await page.getByLabel('Début').fill(addParisDays(today, -30));
    await page.getByLabel('Fin', { exact: true }).fill(addParisDays(today, 30));
    await page.getByLabel('Décision portée par').selectOption({ label: 'Marc Manager' });
    await page.getByLabel('Apprenants').fill('120');
    await page.getByLabel('Personnels').fill('6');
    await page.locator('#criterion-0-label').fill('Taux de complétion des évaluations');
    await page.locator('#criterion-0-measure').fill('Évaluations terminées / évaluations commencées');
    await page.locator('#criterion-0-target').fill('≥ 80 %');
    await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await expectText(page.locator('#criteria'), 'Taux de complétion des évaluations', 15_000);
    await screenshot(page, 'sourcing-15-pilot-preparation');
    await page.getByRole('button', { name: 'Démarrer l’expérimentation' }).click();
    await expectText(page.locator('#pilot-status'), /en cours/i, 15_000);
    await screenshot(page, 'sourcing-16-pilot-running');
    await page.getByLabel('Résultat').fill('86 %');
    await page.locator('#decision-form').getByText('Oui', { exact: true }).click();
    await page.locator('label[for="decision-deployer"]').click();
    await page.getByLabel('Justification').fill('Objectif atteint sur les deux sites ; les formateurs demandent le déploiement.');
    await page.getByRole('button', { name: 'Enregistrer la décision' }).click();
    await expectText(page.locator('#pilot-status'), /close/i, 15_000);
    await expectText(page.locator('#pilot-decision'), 'Décision : Déployer');
    await waitUntil(async () => (await pilotStatus(pilot?.id as string)) === 'clos', 'the pilot closed with a decision');
    await screenshot(page, 'sourcing-17-pilot-closed');
    await atPhoneWidth(chloe, `/sourcing/pilotes/${pilot?.id}`, 'sourcing-17b-pilot-closed-390');

    // ── 10. The funnel. ──────────────────────────────────────────────────────────────────────
    await page.goto(`${app.url}/sourcing/statistiques?defi=${challengeId}`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await expectText(page.locator('main'), /Repérée/, 15_000);
    await screenshot(page, 'sourcing-18-funnel');
    await atPhoneWidth(chloe, `/sourcing/statistiques?defi=${challengeId}`, 'sourcing-18b-funnel-390');
    // The gated move answered 409 (the card stays, « Lancer le comité »): Chromium reports that status; nothing else.
    expect(chloe.problems.filter((problem) => !/status of 409 \(Conflict\)/.test(problem))).toEqual([]);

    // ── helpers that read the database (what the pages said, checked at the source) ────────
    async function caseIdOf(startup: string): Promise<string | undefined> {
      const [row] = await db
        .select({ id: sourcingCases.id })
        .from(sourcingCases)
        .innerJoin(organizations, eq(organizations.id, sourcingCases.organizationId))
        .where(and(eq(sourcingCases.challengeId, challengeId), eq(organizations.name, startup)));
      return row?.id;
    }
    async function stageOf(startup: string): Promise<string | undefined> {
      const id = await caseIdOf(startup);
      if (!id) return undefined;
      const [row] = await db.select({ stage: sourcingCases.stage }).from(sourcingCases).where(eq(sourcingCases.id, id));
      return row?.stage;
    }
    async function pilotStatus(id: string): Promise<string | undefined> {
      const [row] = await db.select({ status: sourcingPilots.status }).from(sourcingPilots).where(eq(sourcingPilots.id, id));
      return row?.status;
    }
  }, 300_000); // a dozen pages and four people: about a minute alone, more on a loaded machine

  // ── page helpers: labels and buttons, like a user ──────────────────────────────────────────
  /** The case form's start-up picker: type a few letters (htmx suggestions), tick the start-up. */
  async function chooseStartup(page: Page, name: string): Promise<void> {
    await page.getByLabel(/Chercher la start-up dans l’annuaire/).fill(name.slice(0, 5));
    // The DSFR radio button is drawn by its label: a person clicks the name.
    await page.locator('#organization-matches label').filter({ hasText: name }).click();
    expect(await page.locator('#organization-matches').getByLabel(name).isChecked()).toBe(true);
  }

  /**
   * A real drag: mouse down near the card's top edge (away from its link and form), moves with steps
   * (SortableJS's fallback follows pointer events), up over the target column's list.
   */
  async function dragCard(page: Page, from: Locator, to: Locator): Promise<void> {
    await waitUntil(async () => (await page.locator('.sourcing-kanban[data-sortable-ready]').count()) === 1, 'the board is ready');
    await waitUntil(async () => (await page.evaluate('typeof window.Sortable')) === 'function', 'SortableJS loaded');
    // Mouse coordinates are the viewport's: the card (third in its column) must be on screen, with the target list.
    await from.scrollIntoViewIfNeeded();
    const start = await from.boundingBox();
    const target = await to.boundingBox();
    if (!start || !target) throw new Error('card or column not visible');
    await page.mouse.move(start.x + start.width - 12, start.y + 6);
    await page.mouse.down();
    await page.mouse.move(start.x + start.width - 6, start.y + 14, { steps: 4 });
    await page.mouse.move(target.x + target.width / 2, target.y + Math.min(20, target.height / 2), { steps: 15 });
    await page.mouse.move(target.x + target.width / 2, target.y + Math.min(24, target.height / 2), { steps: 3 });
    await page.mouse.up();
  }

  /** « Déplacer vers » on a card: choose the stage with the keyboard, press « Déplacer » (the keyboard and no-JS control). */
  async function moveWithControl(page: Page, startup: string, stage: string): Promise<void> {
    const theCard = card(page, startup);
    const select = theCard.getByLabel(/Déplacer vers/);
    const options = (await select.locator('option').allInnerTexts()).map((label) => label.trim());
    const wanted = options.find((label) => label.startsWith(stage));
    if (!wanted) throw new Error(`« ${stage} » not offered on ${startup}: ${options.join(' | ')}`);
    await select.focus();
    await select.selectOption({ label: wanted });
    await theCard.getByRole('button', { name: 'Déplacer', exact: true }).press('Enter');
  }
});
