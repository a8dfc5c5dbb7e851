// The admin gives conventions de stage ou d'alternance the « Circuit simplifié » in Chromium:
// the page from the admin menu, a select per kind, saved (CSRF token in the form), flash.
import type { Browser } from 'playwright-core';
import { expectText, launchBrowser, newPerson, screenshot, startE2eApp, type E2eApp } from '../support/e2e';

const ADMIN = { email: 'admin@passerelle.test', password: 'un mot de passe administrateur' };

describe('circuit of each convention kind in the browser', () => {
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

  test('an admin chooses the simplified circuit for alternance conventions', async () => {
    const { page, problems } = await newPerson(browser);
    await page.goto(`${app.url}/login`);
    await page.getByLabel('Adresse électronique').fill(ADMIN.email);
    await page.getByLabel(/^Mot de passe/).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(`${app.url}/`);

    await page.getByRole('button', { name: 'Administration' }).click();
    await page.getByRole('link', { name: 'Circuits par type de convention' }).click();
    await page.getByRole('heading', { name: 'Circuit de validation de chaque type de convention' }).waitFor();
    const alternance = page.getByLabel('Convention de stage ou d’alternance');
    await alternance.selectOption({ label: 'Circuit simplifié (validation direction seule)' });
    await page.getByRole('button', { name: 'Enregistrer les circuits' }).click();
    await expectText(page.locator('#flash'), '1 type(s) de convention modifié(s)');
    expect(await page.getByLabel('Convention de stage ou d’alternance').inputValue()).toBe('convention-simplified');
    expect(await page.getByLabel('Convention de mécénat').inputValue()).toBe('convention-approval');
    await expectText(page.locator('#convention-kind-circuits'), /\d{2}\/\d{2}\/\d{4}.* par /);
    await screenshot(page, 'convention-kind-circuits-01-saved');
    expect(problems).toEqual([]);
  }, 60_000);
});
