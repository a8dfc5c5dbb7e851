// The organisation form in Chromium: a postcode typed before choosing the commune stays
// (44200 Nantes, not the commune's first postcode), the other SIRET of the establishments and a
// long network tag are saved and shown on the detail page and in the list without breaking them.
import type { Browser } from 'playwright-core';
import { expectText, launchBrowser, newPerson, screenshot, signIn, startE2eApp, type E2eApp } from '../support/e2e';

const ADMIN = { email: 'admin@passerelle.test', password: 'un mot de passe administrateur' };
// Invented SIRET with valid check digits (same SIREN, three establishments).
const SIRETS = ['70000911100191', '70000911100274', '70000911100357'];
const NETWORK = 'Campus des métiers et des qualifications d’excellence Industrie de la mer Pays de la Loire';

describe('organisation form: postcode as typed, other SIRET, long tags', () => {
  let app: E2eApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await startE2eApp({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  test('create, look at the detail page and the list', async () => {
    const { page, problems } = await newPerson(browser);
    await signIn(page, app.url, ADMIN.email, ADMIN.password);
    await page.goto(`${app.url}/structures/nouveau`);
    await page.getByLabel(/^Nom \*/).fill('Institut des arts du littoral');
    await page.getByLabel(/^Type/).selectOption({ label: 'École / grand établissement' });
    await page.getByLabel(/^SIRET/).fill(SIRETS[0] as string);
    await page.getByLabel(/^Autres SIRET/).fill(`${SIRETS[1]}\n${SIRETS[2]}`);
    await page.getByLabel(/^Numéro et voie/).fill('4 bis quai de la Fosse');
    await page.getByLabel(/^Code postal/).fill('44200');
    await page.getByLabel(/^Commune/).fill('Nantes');
    await page.locator('#commune-suggestions').getByRole('button', { name: /^Nantes/ }).first().click();
    await expectText(page.locator('#commune-fields'), 'Loire-Atlantique');
    expect(await page.getByLabel(/^Code postal/).inputValue()).toBe('44200');
    await page.getByLabel(/^Thèmes et étiquettes/).fill(`${NETWORK}, arts`);
    await screenshot(page, 'organization-addresses-01-form');
    await page.getByRole('button', { name: 'Créer' }).click();
    await page.waitForURL(/\/structures\/[0-9a-f-]{36}$/).catch(async (error: unknown) => {
      await screenshot(page, 'organization-addresses-02-failed');
      throw error;
    });
    await expectText(page.locator('#flash'), 'Institut des arts du littoral');
    await expectText(page.locator('main'), 'Autres SIRET (établissements)');
    await expectText(page.locator('main'), SIRETS[2] as string);
    await expectText(page.locator('main'), '44200 Nantes');
    await expectText(page.locator('main'), NETWORK);
    await screenshot(page, 'organization-addresses-02-detail');

    // The tag's full length is a working filter link in the list.
    await page.goto(`${app.url}/structures?tag=${encodeURIComponent(NETWORK)}`);
    await expectText(page.locator('main'), 'Institut des arts du littoral');
    await screenshot(page, 'organization-addresses-03-list');
    expect(problems).toEqual([]);
  }, 60_000);
});
