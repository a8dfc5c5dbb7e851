// The import wizard's « pistes » target in Chromium: opened from a challenge (the target and the
// challenge pre-selected), the list of EdTech start-ups (tests/fixtures/pistes-edtech.csv) mapped,
// its sources matched value by value, previewed, run; the report says what each row did.
// Screenshots of each step at 1280 and 390 px.
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { listUnits } from '../../src/models/units.model';
import { sourcingCases, sourcingChallengeUnits, sourcingChallenges, users } from '../../src/models/schema';
import { DEFAULT_CRITERIA } from '../../src/workflows/sourcing-scorecard';
import { expectText, launchBrowser, newPerson, screenshot, signIn, startE2eApp, type E2eApp } from '../support/e2e';

const ADMIN = { email: 'admin@passerelle.test', password: 'un mot de passe administrateur' };
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'pistes-edtech.csv');

async function screenshotsAtBothWidths(page: Page, name: string): Promise<void> {
  await screenshot(page, `${name}-1280`);
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, `${name}-390`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe('importing a list of start-ups into a challenge', () => {
  let app: E2eApp;
  let browser: Browser;
  let challengeId = '';

  beforeAll(async () => {
    app = await startE2eApp({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
    const db = app.database.db;
    const [admin] = await db.select().from(users).where(eq(users.email, ADMIN.email));
    const unit = (await listUnits(db)).find((candidate) => candidate.code === 'DDPSI');
    const [challenge] = await db
      .insert(sourcingChallenges)
      .values({ title: 'Évaluation des compétences à distance', problemStatement: 'Évaluer à distance, en situation.', ownerId: admin?.id ?? null, criteria: DEFAULT_CRITERIA.map((criterion) => ({ ...criterion })), status: 'en_sourcing' })
      .returning();
    challengeId = challenge?.id ?? '';
    if (unit) await db.insert(sourcingChallengeUnits).values({ challengeId, unitId: unit.id, position: 0 });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  test('upload, map, match the sources, preview, run, read the report', async () => {
    const { page, problems } = await newPerson(browser);
    await signIn(page, app.url, ADMIN.email, ADMIN.password);

    await page.goto(`${app.url}/imports/nouveau?type=sourcing_cases&defi=${challengeId}`);
    expect(await page.getByLabel(/Des pistes/).isChecked()).toBe(true);
    await page.getByLabel(/^Fichier/).setInputFiles(FIXTURE);
    await page.getByRole('button', { name: 'Analyser le fichier' }).click();

    await page.getByRole('heading', { name: /Correspondance des colonnes/ }).first().waitFor();
    await expectText(page.locator('#field-challengeId option:checked'), 'Évaluation des compétences à distance');
    await expectText(page.locator('#column-1 option:checked'), 'SIRET');
    await expectText(page.locator('#column-7 option:checked'), 'Budget estimé (€)');
    await screenshotsAtBothWidths(page, 'import-pistes-00-mapping');
    await page.getByRole('button', { name: 'Enregistrer et voir l’aperçu' }).click();

    await page.getByRole('heading', { name: 'Valeurs des colonnes à choix' }).waitFor();
    await expectText(page.getByLabel('Salon EducaTech 2025').locator('option:checked'), 'Salon');
    await expectText(page.getByLabel('Concours i-Lab').locator('option:checked'), 'Concours i-Lab');
    await screenshotsAtBothWidths(page, 'import-pistes-01-values');
    await page.getByRole('button', { name: 'Enregistrer et voir l’aperçu' }).click();

    await expectText(page.locator('main'), 'Chaque ligne ajoute une piste au défi « Évaluation des compétences à distance »');
    await screenshotsAtBothWidths(page, 'import-pistes-02-preview');
    await page.getByRole('button', { name: /Lancer l’import de 10 lignes/ }).click();

    await page.getByRole('heading', { name: 'Compte rendu', exact: true }).waitFor({ timeout: 30_000 });
    const counts = page.locator('.passerelle-report-counts');
    await expectText(counts, /8\s*Créées/);
    await expectText(counts, /1\s*Ignorées/);
    await expectText(counts, /1\s*En erreur/);
    await screenshotsAtBothWidths(page, 'import-pistes-03-report');
    const created = await app.database.db.select().from(sourcingCases).where(eq(sourcingCases.challengeId, challengeId));
    expect(created).toHaveLength(8);
    expect(created.every((row) => row.stage === 'reperee')).toBe(true);
    expect(problems).toEqual([]);
  });
});
