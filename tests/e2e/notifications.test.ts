// Reminders and notifications in Chromium: an admin changes a rule at /admin/relances (htmx swaps
// its card) and filters the 30-day preview; a chargée sees the bell's count, marks a notification
// read (the bell goes down without a reload), then all, and chooses « Résumé quotidien » for a
// rule in /compte. Screenshots at 1280 and 390 px.
import type { Browser, Page } from 'playwright-core';
import { addParisDays, parisDayOf } from '../../src/lib/paris-time';
import { readRuleSettings, readUserPreferences } from '../../src/models/reminder-settings.model';
import { tasks } from '../../src/models/schema';
import { insertNotifications } from '../../src/models/workflows.model';
import { expectText, launchBrowser, newPerson, screenshot, signIn, startE2eApp, waitUntil, type E2eApp } from '../support/e2e';
import { buildUser } from '../support/harness';

describe('reminders and notifications in the browser', () => {
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

  /** The page is no wider than the window (no horizontal scrolling at 390 px). */
  async function fitsWidth(page: Page): Promise<void> {
    expect(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBeLessThanOrEqual(0);
  }

  test('an admin adjusts a rule and checks the preview; a chargée reads her notifications and chooses her reminders', async () => {
    const db = app.database.db;
    const admin = await buildUser(db, { roles: ['admin'], displayName: 'Alice Admin' });
    const charge = await buildUser(db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Éloïse Chargée' });
    const today = parisDayOf(new Date());
    await db.insert(tasks).values([
      { title: 'Envoyer la convention signée au CREPS', dueOn: addParisDays(today, 4), assigneeId: charge.id, createdById: charge.id },
      { title: 'Préparer le comité de pilotage', dueOn: addParisDays(today, 9), assigneeId: admin.id, createdById: admin.id },
    ]);
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    await insertNotifications(db, [
      { userId: charge.id, kind: 'workflow.assignment', title: 'Validation demandée : Revue juridique — Convention CREPS 2027', link: '/validations', createdAt: minutesAgo(50) },
      { userId: charge.id, kind: 'reminder.convention.end', title: 'Fin de convention dans 30 jours : Université de Brest', link: '/conventions', createdAt: minutesAgo(30) },
      { userId: charge.id, kind: 'reminder.task.due_today', title: 'Tâche à échéance aujourd’hui : Rappeler le CFA', link: '/taches', createdAt: minutesAgo(10) },
    ]);

    // ── the admin ──
    const { page: adminPage, problems: adminProblems } = await newPerson(browser);
    await signIn(adminPage, app.url, admin.email);
    await adminPage.goto(`${app.url}/admin/relances`);
    await adminPage.getByRole('heading', { name: 'Relances', level: 1 }).waitFor();
    await expectText(adminPage.locator('#reminders-preview'), 'Envoyer la convention signée au CREPS', 15_000);
    const card = adminPage.locator('#rule-convention-end');
    await card.getByLabel(/Jours avant la date/).fill('60, 15');
    await card.getByLabel(/Heure d’envoi/).fill('09:15');
    await card.getByRole('button', { name: /Enregistrer la règle/ }).click();
    await expectText(adminPage.locator('#rule-convention-end'), 'Règle « Fin de convention » enregistrée.', 15_000);
    await expectText(adminPage.locator('#rule-convention-end'), 'J-60, J-15 à 09:15');
    expect((await readRuleSettings(db))['convention.end']).toMatchObject({ offsetsDays: [60, 15], sendTime: '09:15' });
    // A refused value stays in its field with the message next to it.
    const digest = adminPage.locator('#rule-digest-daily');
    await digest.getByLabel(/Heure d’envoi/).fill('');
    await digest.getByRole('button', { name: /Enregistrer la règle/ }).click();
    await expectText(adminPage.locator('#rule-digest-daily'), 'Indiquez une heure au format HH:MM', 15_000);
    // The preview, filtered by rule and recipient (htmx, in the URL).
    await adminPage.getByLabel('Règle', { exact: true }).selectOption({ label: 'Tâche à échéance aujourd’hui' });
    // One filter after the other: a second one while the first is on its way replaces it (hx-sync).
    await waitUntil(async () => adminPage.url().includes('regle=task.due_today'), 'the rule filter in the URL');
    await expectText(adminPage.locator('#reminders-preview'), 'Préparer le comité de pilotage', 15_000);
    await adminPage.getByLabel('Destinataire').fill('éloïse');
    await waitUntil(async () => adminPage.url().includes('destinataire='), 'the preview filter in the URL');
    await expectText(adminPage.locator('#reminders-preview'), 'Éloïse Chargée', 15_000);
    await waitUntil(async () => !(await adminPage.locator('#reminders-preview').innerText()).includes('Préparer le comité de pilotage'), 'the preview filtered by recipient');
    await screenshot(adminPage, 'reminders-admin-1280');
    // Switching the rule off refreshes the preview in place (its filters kept): nothing left.
    const dueToday = adminPage.locator('#rule-task-due_today');
    await dueToday.getByText('Règle active').click();
    await dueToday.getByRole('button', { name: /Enregistrer la règle/ }).click();
    await expectText(adminPage.locator('#rule-task-due_today'), /désactivée/i, 15_000);
    await expectText(adminPage.locator('#reminders-preview'), 'Aucune relance prévue dans les 30 prochains jours avec ces filtres.', 15_000);
    expect((await readRuleSettings(db))['task.due_today'].enabled).toBe(false);
    await adminPage.setViewportSize({ width: 390, height: 844 });
    await adminPage.goto(`${app.url}/admin/relances`);
    await fitsWidth(adminPage);
    await screenshot(adminPage, 'reminders-admin-390');
    expect(adminProblems).toEqual([]);

    // ── the chargée ──
    const { page, problems } = await newPerson(browser);
    await signIn(page, app.url, charge.email);
    const bell = page.locator('.fr-header__tools-links .passerelle-notifications-badge');
    await expectText(bell, '3', 15_000);
    await page.locator('.fr-header__tools-links').getByRole('link', { name: /Notifications/ }).click();
    await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
    await expectText(page.locator('#notifications-count'), '3 notification(s) non lue(s)');
    const newest = page.locator('#notifications-list li').first();
    await expectText(newest, 'Rappeler le CFA');
    await newest.getByRole('button', { name: /Marquer comme lue/ }).click();
    // (The badge also says it in words for screen readers: « 2 notification(s) non lue(s) ».)
    await waitUntil(async () => /^2\b/.test((await bell.innerText()).trim()), 'the bell went down to 2');
    await expectText(page.locator('#notifications-count'), '2 notification(s) non lue(s)');
    await expectText(page.locator('#notifications-list li').first(), 'Rappeler le CFA');
    expect(await page.locator('#notifications-list li').first().getByRole('button').count()).toBe(0);
    await screenshot(page, 'notifications-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await fitsWidth(page);
    await screenshot(page, 'notifications-390');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('button', { name: 'Tout marquer comme lu' }).click();
    await expectText(page.locator('main'), '2 notification(s) marquée(s) comme lue(s).', 15_000);
    await expectText(page.locator('#notifications-list'), 'Aucune notification non lue.');
    await waitUntil(async () => (await bell.innerText()).trim() === '', 'the bell emptied');

    // /compte « Relances »: the mandatory notice deadline cannot be switched off.
    await page.goto(`${app.url}/compte`);
    const relances = page.locator('#relances');
    expect(await relances.locator('#pref-convention-notice-aucun').isDisabled()).toBe(true);
    await relances.locator('#pref-task-due_today').getByText('Résumé quotidien').click();
    expect(await relances.locator('#pref-task-due_today-resume').isChecked()).toBe(true);
    await relances.getByRole('button', { name: 'Enregistrer mes relances' }).click();
    await expectText(page.locator('main'), 'Vos choix de relances sont enregistrés.', 15_000);
    expect((await readUserPreferences(db, [charge.id])).get(charge.id)).toEqual({ 'task.due_today': 'resume' });
    await page.locator('#relances').scrollIntoViewIfNeeded();
    await screenshot(page, 'account-reminders-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await fitsWidth(page);
    await screenshot(page, 'account-reminders-390');
    expect(problems).toEqual([]);
  });
});
