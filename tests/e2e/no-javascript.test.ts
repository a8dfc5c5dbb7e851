// Chromium with JavaScript turned off: signing in and creating an organisation still work (the
// forms are plain HTML forms), and the commune typed in the commune field — no suggestion can be
// chosen without JavaScript — is resolved by the server instead of being silently dropped.
import { eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { organizations } from '../../src/models/schema';
import { expectText, launchBrowser, screenshot, startE2eApp, type E2eApp } from '../support/e2e';

const ADMIN = { email: 'admin@passerelle.test', password: 'un mot de passe administrateur' };

describe('without JavaScript', () => {
  let app: E2eApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    app = await startE2eApp({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
    browser = await launchBrowser();
    context = await browser.newContext({ javaScriptEnabled: false, locale: 'fr-FR', timezoneId: 'Europe/Paris', viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    // No script runs in the page, so no securitypolicyviolation listener: Chromium's own console lines.
    page.on('console', (message) => {
      if (/Content Security Policy|inline style/i.test(message.text())) problems.push(message.text());
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(app.url) && !request.url().startsWith('data:')) problems.push(`outside request: ${request.url()}`);
    });
    await page.goto(`${app.url}/login`);
    await page.getByLabel('Adresse électronique').fill(ADMIN.email);
    await page.getByLabel(/^Mot de passe/).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(`${app.url}/`);
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
  });

  async function openForm(name: string): Promise<void> {
    await page.goto(`${app.url}/structures/nouveau`);
    await page.getByLabel(/^Nom \*/).fill(name);
    await page.getByLabel(/^Type \*/).selectOption({ label: 'Entreprise' });
    await page.getByLabel(/^Numéro et voie/).fill('12 quai de la Fosse');
  }

  test('the commune typed « 44200 Nantes » is saved with its postcode, department and region', async () => {
    // No page script ran: htmx, loaded on every page, is not there.
    await expect(page.evaluate('typeof window.htmx')).resolves.toBe('undefined');
    await openForm('Atelier sans script');
    await page.getByLabel(/^Commune/).fill('44200 Nantes');
    await screenshot(page, 'no-js-01-form');
    await page.getByRole('button', { name: 'Créer', exact: true }).click();
    await page.waitForURL(/\/structures\/[0-9a-f-]{36}$/);
    await expectText(page.locator('main'), '44200 Nantes');
    await expectText(page.locator('main'), 'Loire-Atlantique');
    await screenshot(page, 'no-js-02-created');
    const [row] = await app.database.db.select().from(organizations).where(eq(organizations.name, 'Atelier sans script'));
    expect(row).toMatchObject({ communeCode: '44109', postalCode: '44200', city: 'Nantes', departmentCode: '44', regionCode: '52', addressLine: '12 quai de la Fosse' });
    expect(problems).toEqual([]);
  });

  test('« Saint-Denis » names several communes: the form comes back with them listed, what was typed kept', async () => {
    await openForm('Atelier ambigu');
    await page.getByLabel(/^Commune/).fill('Saint-Denis');
    await page.getByRole('button', { name: 'Créer', exact: true }).click();
    await expectText(page.locator('#commune-query-group'), 'Plusieurs communes correspondent à « Saint-Denis »');
    await expectText(page.locator('#commune-query-group'), 'Saint-Denis (93200)');
    await expect(page.getByLabel(/^Commune/).inputValue()).resolves.toBe('Saint-Denis');
    await expect(page.getByLabel(/^Nom \*/).inputValue()).resolves.toBe('Atelier ambigu');
    await expect(page.getByLabel(/^Numéro et voie/).inputValue()).resolves.toBe('12 quai de la Fosse');
    await screenshot(page, 'no-js-03-ambiguous');
    expect(await app.database.db.select().from(organizations).where(eq(organizations.name, 'Atelier ambigu'))).toEqual([]);

    // The postcode added, it goes through.
    await page.getByLabel(/^Commune/).fill('93200 Saint-Denis');
    await page.getByRole('button', { name: 'Créer', exact: true }).click();
    await page.waitForURL(/\/structures\/[0-9a-f-]{36}$/);
    await expectText(page.locator('main'), 'Seine-Saint-Denis');
    expect(problems).toEqual([]);
  });
});
