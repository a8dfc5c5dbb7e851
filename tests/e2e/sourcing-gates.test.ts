// « Comité de sourcing » in Chromium: two evaluators fill their scorecard from « Mes validations »
// (each sees only their own form), then the sponsor reads the synthesis and decides go from
// « Mes validations » → the case is in « Expérimentation ». Screenshots of the scorecard and the
// decision pages at 1280 px and 390 px (tests/e2e/screenshots/sourcing-gates-*).
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { sourcingCases, sourcingChallenges, sourcingGates, units } from '../../src/models/schema';
import { actorOf } from '../../src/services/auth.service';
import { addCaseInTransaction } from '../../src/services/sourcing-cases.service';
import { startGate } from '../../src/services/sourcing-gates.service';
import { DEFAULT_CRITERIA } from '../../src/workflows/sourcing-scorecard';
import { buildOrganization } from '../support/directory-fixtures';
import { expectText, launchBrowser, newPerson, screenshot, signIn, startE2eApp, waitUntil, type E2eApp } from '../support/e2e';
import { buildUser } from '../support/harness';

jest.setTimeout(180_000);

describe('the sourcing committee in the browser', () => {
  let app: E2eApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await startE2eApp();
    browser = await launchBrowser();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  async function atPhoneWidth(page: Page, name: string): Promise<void> {
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, name);
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  test('two evaluators score from « Mes validations », the sponsor decides go', async () => {
    const db = app.database.db;
    const [unit] = await db.select().from(units).where(eq(units.code, 'DDPSI'));
    const owner = await buildUser(db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Chloé Chargée' });
    const sponsor = await buildUser(db, { roles: ['manager'], unitCodes: ['DDPSI'], displayName: 'Marc Manager' });
    const juliette = await buildUser(db, { roles: ['juriste'], unitCodes: ['DAJ'], displayName: 'Juliette Juriste' });
    const fabien = await buildUser(db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Fabien Formateur' });
    const [challenge] = await db
      .insert(sourcingChallenges)
      .values({ title: 'Accessibilité des contenus', problemStatement: 'Rendre les contenus accessibles', sponsorId: sponsor.id, ownerId: owner.id, criteria: DEFAULT_CRITERIA.map((criterion) => ({ ...criterion })), status: 'en_sourcing' })
      .returning();
    const startup = await buildOrganization(db, { name: 'Lisible SAS', unitCodes: ['DDPSI'] });
    const ctx = { db, actor: await actorOf(db, owner), now: new Date(), baseUrl: app.url };
    const row = await db.transaction((tx) =>
      addCaseInTransaction(tx, { ...ctx, db: tx }, { organizationId: startup.id, challengeId: challenge?.id ?? null, source: 'salon', unitId: unit?.id ?? null, stage: 'evaluee' }, 'seed'),
    );
    const gate = await startGate(ctx, row.id, 'experimentation', { evaluatorIds: [juliette.id, fabien.id], documentsSeen: 'Présentation produit (PDF, v3)\nAudit RGAA partiel', note: '' });

    for (const [evaluator, score, name] of [
      [juliette, '4', 'sourcing-gates-01-scorecard'],
      [fabien, '3', 'sourcing-gates-02-scorecard-second'],
    ] as const) {
      const { context, page, problems } = await newPerson(browser);
      await signIn(page, app.url, evaluator.email);
      await page.goto(`${app.url}/validations`);
      const item = page.locator('#validations-list [id^="step-"]').filter({ hasText: 'Lisible SAS' });
      await item.first().waitFor();
      await item.first().getByRole('link', { name: 'Ouvrir le formulaire' }).click();
      await page.waitForURL(/\/sourcing\/comites\/etapes\/[0-9a-f-]{36}\/evaluation/);
      await expectText(page.locator('main'), 'Présentation produit (PDF, v3)');
      // The form holds this evaluator's scorecard only.
      expect(await page.locator('main').innerText()).not.toContain('Synthèse des grilles');
      for (const criterion of DEFAULT_CRITERIA) {
        await page.locator(`label[for="score-${criterion.key}-${score}"]`).click();
        await page.locator(`#comment-${criterion.key}`).fill(`Avis de ${evaluator.displayName} sur ${criterion.label.toLowerCase()}.`);
      }
      await page.getByLabel('Appréciation générale').fill('Solution sérieuse, équipe réactive.');
      await screenshot(page, name);
      if (evaluator === juliette) await atPhoneWidth(page, 'sourcing-gates-01-scorecard-390');
      await page.getByRole('button', { name: 'Soumettre ma grille' }).click();
      await expectText(page.locator('body'), 'Votre grille est enregistrée et transmise.', 15_000);
      expect(problems).toEqual([]);
      await context.close();
    }

    const { context, page, problems } = await newPerson(browser);
    await signIn(page, app.url, sponsor.email);
    await page.goto(`${app.url}/validations`);
    const item = page.locator('#validations-list [id^="step-"]').filter({ hasText: 'Lisible SAS' });
    await item.first().waitFor();
    await item.first().getByRole('link', { name: 'Ouvrir le formulaire' }).click();
    await page.waitForURL(/\/sourcing\/comites\/etapes\/[0-9a-f-]{36}\/decision/);
    await expectText(page.locator('main'), 'Synthèse des grilles');
    await expectText(page.locator('main'), 'Juliette Juriste');
    await page.locator('label[for="decision-go"]').click();
    expect(await page.locator('#decision-go').isChecked()).toBe(true);
    await page.getByLabel(/Motivation/).fill('Deux évaluations favorables ; expérimentation sur deux sites.');
    await screenshot(page, 'sourcing-gates-03-decision');
    await atPhoneWidth(page, 'sourcing-gates-03-decision-390');
    await page.getByRole('button', { name: 'Enregistrer la décision' }).click();
    await page.waitForURL(/\/sourcing\/comites\/[0-9a-f-]{36}$/);
    await expectText(page.locator('main'), 'Deux évaluations favorables');
    await screenshot(page, 'sourcing-gates-04-gate-page');
    await waitUntil(async () => (await db.select().from(sourcingCases).where(eq(sourcingCases.id, row.id)))[0]?.stage === 'experimentation', 'the case moved to « Expérimentation »');
    expect((await db.select().from(sourcingGates).where(eq(sourcingGates.id, gate.id)))[0]?.status).toBe('go');
    expect(problems).toEqual([]);
    await context.close();
  });
});
