// « Nouvelle tâche » from a sourcing case page (issue 14): a chargée opens a case of the demo data,
// follows « Nouvelle tâche », sees the case in the form (« Piste : <start-up> — <défi> »), creates
// the task and finds the case linked on the task page. Screenshots at 1280 px and 390 px.
import type { Browser } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { logger } from '../../src/lib/logger';
import { sourcingCases, tasks } from '../../src/models/schema';
import { runSeed } from '../../src/seed/seed';
import { DEMO_PASSWORD } from '../../src/seed/demo-users';
import { expectText, launchBrowser, newPerson, screenshot, signIn, startE2eApp, type E2eApp } from '../support/e2e';

const NADIA = 'nadia.ferreira@passerelle.example';
const TASK_TITLE = 'Envoyer la grille d’évaluation à la start-up';

describe('a task from a sourcing case page', () => {
  let app: E2eApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await startE2eApp();
    await runSeed(app.database.db, logger.child({ module: 'seed' }), { baseUrl: app.url });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  test('the case page’s « Nouvelle tâche » pre-fills the case; the task links back to it', async () => {
    const db = app.database.db;
    const [sourcingCase] = await db.select().from(sourcingCases).where(eq(sourcingCases.confidential, false)).limit(1);
    expect(sourcingCase).toBeDefined();

    const { page, problems } = await newPerson(browser);
    await signIn(page, app.url, NADIA, DEMO_PASSWORD);
    await page.goto(`${app.url}/sourcing/pistes/${sourcingCase!.id}`);
    await page.getByRole('link', { name: 'Nouvelle tâche' }).first().click();
    await page.waitForURL(/\/taches\/nouvelle\?/);
    const caseLink = page.locator('#task-form').getByRole('link', { name: /—/ });
    await expectText(caseLink, /—/);
    expect(await caseLink.getAttribute('href')).toBe(`/sourcing/pistes/${sourcingCase!.id}`);
    await screenshot(page, 'tasks-sourcing-case-01-form-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'tasks-sourcing-case-02-form-phone');
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.getByLabel(/^Intitulé/).fill(TASK_TITLE);
    await page.getByRole('button', { name: 'Créer la tâche' }).click();
    await page.waitForURL(/\/taches\/[0-9a-f-]{36}$/);
    await expectText(page.locator('main'), /Piste : /);
    const [task] = await db.select().from(tasks).where(eq(tasks.title, TASK_TITLE));
    expect(task?.sourcingCaseId).toBe(sourcingCase!.id);
    await screenshot(page, 'tasks-sourcing-case-03-task-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'tasks-sourcing-case-04-task-phone');
    expect(problems).toEqual([]);
  }, 120_000);
});
