// The quick log without JavaScript: from an organisation's page, « Consigner un échange » opens the
// exchange form with the organisation ticked; a second organisation is found with « Chercher »
// (the form comes back with it, as typed), the contacts are refreshed with a button, the meeting
// and its next step are typed and saved; the exchange page shows it. Screenshots at 1280 and 390 px.
import { eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { exchangeContacts, exchangeOrganizations, exchanges, tasks } from '../../src/models/schema';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { expectText, launchBrowser, screenshot, startE2eApp, type E2eApp } from '../support/e2e';
import { TEST_PASSWORD, buildUser } from '../support/harness';

/** The document's width against the window's (a string: this project's TypeScript has no DOM types). */
async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number }> {
  return page.evaluate('({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })');
}

describe('quick log of an exchange without JavaScript', () => {
  let app: E2eApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    app = await startE2eApp();
    browser = await launchBrowser();
    context = await browser.newContext({ javaScriptEnabled: false, locale: 'fr-FR', timezoneId: 'Europe/Paris', viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy|inline style/i.test(message.text())) problems.push(message.text());
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
  });

  test('from an organisation page: « Consigner un échange », fill, save, see the exchange', async () => {
    const db = app.database.db;
    const charge = await buildUser(db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Chloé Chargée' });
    const startup = await buildOrganization(db, { name: 'Savoirs Ouverts', kindCode: 'startup', unitCodes: ['DDPSI'] });
    const academy = await buildOrganization(db, { name: 'Académie de Lyon — DANE' });
    const founder = await buildContact(db, { firstName: 'Yanis', lastName: 'Benali', organizationId: startup.id });
    const advisor = await buildContact(db, { firstName: 'Claire', lastName: 'Vidal', organizationId: academy.id });

    await page.goto(`${app.url}/login`);
    await page.getByLabel('Adresse électronique').fill(charge.email);
    await page.getByLabel(/^Mot de passe/).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(`${app.url}/`);
    await expect(page.evaluate('typeof window.htmx')).resolves.toBe('undefined');

    await page.goto(`${app.url}/structures/${startup.id}`);
    await page.getByRole('link', { name: 'Consigner un échange' }).click();
    await page.waitForURL(`${app.url}/echanges/nouveau?structure=${startup.id}`);
    expect(await page.locator(`#organizationIds-${startup.id}`).isChecked()).toBe(true);

    // What is typed before a search survives it.
    await page.locator('#field-kind').selectOption('rendez_vous');
    await page.locator('#field-occurredOn').fill('2026-11-24');
    await page.locator('#field-occurredTime').fill('14:30');
    await page.locator('#field-durationMinutes').fill('60');
    await page.locator('#field-place').fill('Campus Région du numérique, Lyon');
    await page.locator('#field-summary').fill('Rencontre avec Savoirs Ouverts et la DANE');
    await page.getByRole('searchbox', { name: 'Chercher une structure' }).fill('DANE');
    await page.getByRole('button', { name: 'Chercher', exact: true }).click();
    await page.waitForURL(`${app.url}/echanges/nouveau`);
    expect(await page.locator('#field-summary').inputValue()).toBe('Rencontre avec Savoirs Ouverts et la DANE');
    await page.locator(`label[for="organizationIds-${academy.id}"]`).click();
    await page.getByRole('button', { name: 'Actualiser les contacts' }).click();
    await page.locator(`label[for="contactIds-${advisor.id}"]`).click();
    await page.locator(`label[for="contactIds-${founder.id}"]`).click();
    await page.locator('#field-notes').fill('Pilote dans trois collèges à la rentrée.\nDossier : https://savoirs-ouverts.example.fr/pilote');
    await page.locator('#field-outcome').selectOption('positive');
    await page.locator('#field-tags').fill('edtech, collège');
    await page.locator('#field-nextStepTitle').fill('Envoyer la liste des collèges pilotes');
    await page.locator('#field-nextStepDueOn').fill('2026-12-04');
    await screenshot(page, 'exchange-quick-log-01-form-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    const form = await horizontalOverflow(page);
    expect(form.scrollWidth).toBeLessThanOrEqual(form.innerWidth);
    await screenshot(page, 'exchange-quick-log-02-form-390');
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.locator('#exchange-save').click();
    await page.waitForURL(/\/echanges\/[0-9a-f-]{36}$/);
    await expectText(page.locator('body'), 'Échange consigné, et la tâche « Envoyer la liste des collèges pilotes » créée.');
    await expectText(page.locator('#exchange-summary'), 'Rencontre avec Savoirs Ouverts et la DANE');
    await expectText(page.locator('main'), 'Claire Vidal');
    await expectText(page.locator('main'), '24/11/2026 à 14:30');
    expect(await page.locator('#exchange-notes a').getAttribute('href')).toBe('https://savoirs-ouverts.example.fr/pilote');
    await screenshot(page, 'exchange-quick-log-03-exchange-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    const shown = await horizontalOverflow(page);
    expect(shown.scrollWidth).toBeLessThanOrEqual(shown.innerWidth);
    await screenshot(page, 'exchange-quick-log-04-exchange-390');

    const exchangeId = page.url().split('/').pop() ?? '';
    const [exchange] = await db.select().from(exchanges).where(eq(exchanges.id, exchangeId));
    expect(exchange).toMatchObject({ kind: 'rendez_vous', durationMinutes: 60, outcome: 'positive', authorId: charge.id });
    expect(exchange?.occurredAt.toISOString()).toBe('2026-11-24T13:30:00.000Z');
    expect((await db.select().from(exchangeOrganizations).where(eq(exchangeOrganizations.exchangeId, exchangeId))).map((row) => row.organizationId).sort()).toEqual([startup.id, academy.id].sort());
    expect((await db.select().from(exchangeContacts).where(eq(exchangeContacts.exchangeId, exchangeId))).map((row) => row.contactId).sort()).toEqual([founder.id, advisor.id].sort());
    const [task] = await db.select().from(tasks).where(eq(tasks.exchangeId, exchangeId));
    expect(task).toMatchObject({ title: 'Envoyer la liste des collèges pilotes', dueOn: '2026-12-04', assigneeId: charge.id, organizationId: startup.id });
    expect(problems).toEqual([]);
  });
});
