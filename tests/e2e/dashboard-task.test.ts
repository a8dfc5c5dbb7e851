// The daily loop on a desktop (issue 12): a chargée opens Passerelle on the demo data, completes
// a task due today from the dashboard (the inline « Fait »), opens the organisation and finds
// both the meeting the task came from and the completed task in its « Historique ».
import type { Browser } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { logger } from '../../src/lib/logger';
import { exchanges, organizations, tasks } from '../../src/models/schema';
import { runSeed } from '../../src/seed/seed';
import { DEMO_PASSWORD } from '../../src/seed/demo-users';
import { expectText, launchBrowser, newPerson, screenshot, signIn, startE2eApp, waitUntil, type E2eApp } from '../support/e2e';

const NADIA = 'nadia.ferreira@passerelle.example';
const TASK_TITLE = 'Rappeler Mentorelle pour caler le pilote';

describe('dashboard → task done → organisation timeline', () => {
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

  test('a chargée completes a task due today from the dashboard and sees it, with its exchange, on the organisation’s timeline', async () => {
    const db = app.database.db;
    const [task] = await db.select().from(tasks).where(eq(tasks.sourceRef, 'seed:task:mentorelle-rappel'));
    const [organization] = await db.select().from(organizations).where(eq(organizations.sourceRef, 'seed:startup-mentorelle'));
    const [exchange] = await db.select().from(exchanges).where(eq(exchanges.id, String(task?.exchangeId)));
    expect(task?.status).toBe('a_faire');
    expect(exchange).toBeDefined();

    const { page, problems } = await newPerson(browser);
    await signIn(page, app.url, NADIA, DEMO_PASSWORD);
    const tasksBlock = page.locator('#dashboard-tasks');
    await expectText(tasksBlock, TASK_TITLE);
    await expectText(page.locator('#dashboard-my-exchanges'), 'Mentorelle');
    await expectText(page.locator('#dashboard-latest'), 'Mentorelle');
    await screenshot(page, 'dashboard-01-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'dashboard-02-phone');
    await page.setViewportSize({ width: 1280, height: 900 });

    const row = tasksBlock.locator('li', { hasText: TASK_TITLE }).first();
    await row.getByRole('button', { name: 'Fait', exact: true }).click();
    await waitUntil(async () => {
      const [after] = await db.select({ status: tasks.status }).from(tasks).where(eq(tasks.id, String(task?.id)));
      return after?.status === 'faite';
    }, 'the task is done');
    await expectText(page.locator('main'), /faite/i);

    await page.goto(`${app.url}/structures/${organization?.id}`);
    await page.getByRole('tab', { name: /Historique/ }).click();
    const timeline = page.locator('#panel-timeline');
    await expectText(timeline, String(exchange?.summary));
    await expectText(timeline, TASK_TITLE);
    await screenshot(page, 'dashboard-03-organisation-timeline');
    expect(problems).toEqual([]);

    // A manager switches the unit shown (a GET form: the choice is in the URL).
    const manager = await newPerson(browser);
    await signIn(manager.page, app.url, 'bastien.lefebvre@passerelle.example', DEMO_PASSWORD);
    await manager.page.getByLabel('Unité', { exact: true }).selectOption({ label: 'UO Sup-concours' });
    await manager.page.getByRole('button', { name: 'Afficher' }).click();
    await manager.page.waitForURL(/\/\?unit=/);
    await expectText(manager.page.locator('#dashboard-units'), 'UO Sup-concours');
    await expectText(manager.page.locator('#dashboard-latest'), 'Appel de suivi avec');
    await screenshot(manager.page, 'dashboard-04-manager-unit');
    expect(manager.problems).toEqual([]);
  }, 120_000);
});
