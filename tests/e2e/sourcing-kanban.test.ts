// The sourcing kanban in Chromium (/sourcing): a card dragged across a column with real mouse
// events (SortableJS, loaded from the local package, in fallback mode: pointer events), a refused
// drop (a gated stage) that puts the card back and says why, a move with the « Déplacer vers »
// control as a keyboard user would; screenshots at 1280 and 390 px.
import type { Browser, Page } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { listUnits } from '../../src/models/units.model';
import { insertCase } from '../../src/models/sourcing-cases.model';
import { type CaseStage, sourcingCases, sourcingChallengeUnits, sourcingChallenges } from '../../src/models/schema';
import { DEFAULT_CRITERIA } from '../../src/workflows/sourcing-scorecard';
import { buildOrganization } from '../support/directory-fixtures';
import { buildUser } from '../support/harness';
import { expectText, launchBrowser, newPerson, screenshot, signIn, startE2eApp, waitUntil, type E2eApp } from '../support/e2e';

describe('sourcing kanban', () => {
  let app: E2eApp;
  let browser: Browser;
  let email: string;
  let challengeId: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    app = await startE2eApp();
    const db = app.database.db;
    const charge = await buildUser(db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Chloé Chargée' });
    email = charge.email;
    const unitId = (await listUnits(db)).find((unit) => unit.code === 'DDPSI')!.id;
    const [challenge] = await db
      .insert(sourcingChallenges)
      .values({ title: 'IA d’accompagnement des apprenants', problemStatement: 'Accompagner', criteria: DEFAULT_CRITERIA.map((c) => ({ ...c })), status: 'en_sourcing', ownerId: charge.id })
      .returning();
    challengeId = challenge!.id;
    await db.insert(sourcingChallengeUnits).values({ challengeId, unitId, position: 0 });
    const cases: Array<[string, CaseStage, number | null, string | null]> = [
      ['Glisseo', 'reperee', 1_500_000, '2020-03-01'],
      ['Clavier Learning', 'reperee', null, null],
      ['Tutorat IA', 'evaluee', 4_000_000, '2031-01-15'],
      ['Mentorbot', 'qualifiee', 800_000, null],
    ];
    for (const [name, stage, budget, nextStepOn] of cases) {
      const organization = await buildOrganization(db, { name });
      const row = await insertCase(
        db,
        { organizationId: organization.id, challengeId, unitId, ownerId: charge.id, source: 'salon', stage, stageEnteredAt: new Date(Date.now() - 5 * 86_400_000), estimatedBudgetCents: budget, nextStep: nextStepOn ? 'Démonstration' : null, nextStepOn },
        'seed',
        charge.id,
      );
      ids[name] = row.id;
    }
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  async function stageOf(name: string): Promise<string> {
    const [row] = await app.database.db.select().from(sourcingCases).where(eq(sourcingCases.id, ids[name]!));
    return row!.stage;
  }

  /** Drags a card by its top edge to a column with real mouse events (SortableJS's fallback listens to pointer events). */
  async function drag(page: Page, name: string, stage: string): Promise<void> {
    const card = page.locator(`#piste-${ids[name]}`);
    const from = (await card.boundingBox())!;
    const to = (await page.locator(`#kanban-cards-${stage}`).boundingBox())!;
    await page.mouse.move(from.x + from.width - 12, from.y + 6);
    await page.mouse.down();
    await page.mouse.move(from.x + from.width - 6, from.y + 14, { steps: 4 });
    await page.mouse.move(to.x + to.width / 2, to.y + Math.min(20, to.height / 2), { steps: 15 });
    await page.mouse.move(to.x + to.width / 2, to.y + Math.min(24, to.height / 2) , { steps: 3 });
    await page.mouse.up();
  }

  test('drags a card, is refused a gated drop, and moves a card with « Déplacer vers »', async () => {
    const { page, problems } = await newPerson(browser);
    await signIn(page, app.url, email);
    await page.goto(`${app.url}/sourcing?defi=${challengeId}`);
    await expectText(page.locator('#kanban-cards-reperee'), 'Glisseo');
    await expectText(page.locator('#kanban-figures-reperee'), '2 piste(s)');
    await expectText(page.locator(`#piste-${ids.Glisseo}`), /en retard/i);
    await waitUntil(() => page.locator('.sourcing-kanban[data-sortable-ready]').count().then((n) => n === 1), 'the board is ready');
    await waitUntil(() => page.evaluate(() => typeof (globalThis as { Sortable?: unknown }).Sortable !== 'undefined'), 'SortableJS loaded');
    await screenshot(page, 'sourcing-kanban-01-desktop');

    // A drag from « Repérée » to « Qualifiée »: one request, the card re-rendered in its new column.
    await drag(page, 'Glisseo', 'qualifiee');
    await expectText(page.locator('#flash'), '« Glisseo » est passée à l’étape « Qualifiée ».');
    await expectText(page.locator('#kanban-cards-qualifiee'), 'Glisseo');
    await expectText(page.locator('#kanban-figures-qualifiee'), '2 piste(s)');
    await expectText(page.locator('#kanban-figures-reperee'), '1 piste(s)');
    expect(await stageOf('Glisseo')).toBe('qualifiee');

    // A drop on a gated stage: the card goes back, the message says a committee decides.
    await drag(page, 'Tutorat IA', 'experimentation');
    await expectText(page.locator('#flash'), 'se décide en comité de sourcing');
    expect(await page.locator('#flash').getByRole('link', { name: 'Lancer le comité' }).getAttribute('href')).toBe(`/sourcing/comites/nouveau?piste=${ids['Tutorat IA']}&vers=experimentation`);
    await waitUntil(() => page.locator(`#kanban-cards-evaluee #piste-${ids['Tutorat IA']}`).count().then((n) => n === 1), 'the gated card is back in « Évaluée »');
    expect(await stageOf('Tutorat IA')).toBe('evaluee');

    // The keyboard control.
    await page.getByLabel('Déplacer vers (Clavier Learning)').selectOption({ label: 'Qualifiée' });
    await page.locator(`#piste-${ids['Clavier Learning']}`).getByRole('button', { name: 'Déplacer' }).press('Enter');
    await expectText(page.locator('#flash'), '« Clavier Learning » est passée à l’étape « Qualifiée ».');
    await expectText(page.locator('#kanban-cards-qualifiee'), 'Clavier Learning');
    expect(await stageOf('Clavier Learning')).toBe('qualifiee');
    await screenshot(page, 'sourcing-kanban-02-after-moves-desktop');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${app.url}/sourcing?defi=${challengeId}`);
    await screenshot(page, 'sourcing-kanban-03-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${app.url}/sourcing/pistes/${ids['Tutorat IA']}`);
    await expectText(page.locator('h1'), 'Tutorat IA');
    await screenshot(page, 'sourcing-case-01-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'sourcing-case-02-phone');
    // The form (start-up picked through the htmx search) and the list.
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${app.url}/sourcing/pistes/nouvelle?defi=${challengeId}`);
    await page.getByRole('searchbox', { name: /Chercher la start-up/ }).fill('Mentor');
    await page.locator('#organization-matches label', { hasText: 'Mentorbot' }).waitFor();
    await screenshot(page, 'sourcing-case-03-form-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'sourcing-case-04-form-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${app.url}/sourcing/pistes?defi=${challengeId}`);
    await expectText(page.locator('#sourcing-cases-results'), 'Tutorat IA');
    await screenshot(page, 'sourcing-cases-list-desktop');
    // The gated drop's 409 is the expected answer (the message it carries is checked above).
    expect(problems.filter((problem) => !/status of 409/.test(problem))).toEqual([]);
  });
});
