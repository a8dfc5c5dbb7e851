// The partner directory in Chromium: create an organisation and a contact with an affiliation,
// filter the list, and follow the contact from the organisation's page.
import type { Browser, Page } from 'playwright-core';
import { expectText, launchBrowser, newPerson, screenshot, startE2eApp, type E2eApp } from '../support/e2e';

const ADMIN = { email: 'admin@passerelle.test', password: 'un mot de passe administrateur' };

async function signIn(page: Page, baseUrl: string): Promise<void> {
  const response = await page.goto(`${baseUrl}/login`);
  if (response?.status() !== 200) throw new Error(`login page: ${response?.status()} ${(await response?.text())?.slice(0, 300)}`);
  await page.getByLabel('Adresse électronique').fill(ADMIN.email);
  await page.getByLabel(/^Mot de passe/).fill(ADMIN.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(`${baseUrl}/`);
}

describe('partner directory in the browser', () => {
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

  test('create an organisation, then a contact affiliated to it', async () => {
    const person = await newPerson(browser);
    person.page.on('dialog', (dialog) => void dialog.accept());
    const { page } = person;
    await signIn(page, app.url);

    await page.goto(`${app.url}/structures`);
    await page.getByRole('link', { name: 'Nouvelle structure' }).click();
    // Boosted links swap the page in place: wait for the new one before typing.
    await page.getByRole('heading', { name: 'Créer une structure' }).waitFor();
    await page.getByLabel(/^Nom \*/).fill('Université Lumière Lyon 2');
    await page.getByLabel(/^Sigle/).fill('UL2');
    await page.getByLabel(/^Type/).selectOption({ label: 'Université' });
    await page.getByLabel(/^Statut/).selectOption({ label: 'Actif' });
    await page.getByLabel(/^SIRET/).fill('196 917 744 00019');
    await page.getByLabel(/^UAI/).fill('0691775E');
    await page.getByLabel(/^Site web/).fill('https://www.univ-lyon2.fr');
    await page.getByLabel(/^Téléphone/).fill('04 78 69 70 00');
    await page.getByLabel(/^Commune/).fill('Lyon 7');
    await page.locator('#commune-suggestions').getByRole('button').first().click();
    await page.getByLabel(/^Thèmes et étiquettes/).fill('enseignement supérieur, hybridation');
    await screenshot(page, 'directory-01-new-organization');
    await page.getByRole('button', { name: 'Créer' }).click();
    await expectText(page.locator('#flash'), 'La structure « Université Lumière Lyon 2 » est créée.');
    await expectText(page.locator('main'), 'Auvergne-Rhône-Alpes');
    await screenshot(page, 'directory-02-organization');

    await page.getByRole('link', { name: 'Ajouter un contact' }).click();
    await page.getByRole('heading', { name: 'Créer un contact' }).waitFor();
    await page.getByLabel(/^Civilité/).selectOption('Mme');
    await page.getByLabel(/^Prénom/).fill('Hélène');
    await page.getByLabel(/^Nom \*/).fill('Fictive');
    await page.getByLabel('Fonction', { exact: true }).fill('Vice-présidente numérique');
    await page.getByLabel(/^Adresses électroniques/).fill('helene.fictive@univ-exemple.fr');
    await page.getByLabel(/^Téléphones/).fill('06 12 34 56 78');
    await page.getByLabel(/^Fonction dans la structure/).fill('Vice-présidente');
    await screenshot(page, 'directory-03-new-contact');
    await page.getByRole('button', { name: 'Créer' }).click();
    await expectText(page.locator('#flash'), 'Le contact « Hélène Fictive » est créé.');
    await expectText(page.locator('main'), 'Université Lumière Lyon 2');
    await screenshot(page, 'directory-04-contact');

    // Back on the organisation: she is among its current contacts.
    await page.locator('main').getByRole('link', { name: 'Université Lumière Lyon 2' }).first().click();
    await page.getByRole('heading', { name: /Université Lumière Lyon 2/ }).waitFor();
    await expectText(page.locator('#panel-contacts'), 'Hélène Fictive');

    // The list filters by kind and the URL keeps the filter.
    await page.goto(`${app.url}/structures`);
    await page.getByLabel('Type', { exact: true }).selectOption({ label: 'Université' });
    await page.waitForURL(/kind=universite/);
    await expectText(page.locator('#organizations-results'), 'Université Lumière Lyon 2');
    await screenshot(page, 'directory-05-list');

    expect(person.problems).toEqual([]);
    await person.context.close();
  });
});
