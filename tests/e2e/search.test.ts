// The header search in Chromium: "/" focuses the box, suggestions come grouped as one types,
// Enter opens the full results page, and a typo still finds the organisation.
import type { Browser, Page } from 'playwright-core';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { expectText, launchBrowser, newPerson, screenshot, startE2eApp, waitUntil, type E2eApp } from '../support/e2e';

const ADMIN = { email: 'admin@passerelle.test', password: 'un mot de passe administrateur' };

async function signIn(page: Page, baseUrl: string): Promise<void> {
  const response = await page.goto(`${baseUrl}/login`);
  if (response?.status() !== 200) throw new Error(`login page: ${response?.status()} ${(await response?.text())?.slice(0, 300)}`);
  await page.getByLabel('Adresse électronique').fill(ADMIN.email);
  await page.getByLabel(/^Mot de passe/).fill(ADMIN.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(`${baseUrl}/`);
}

describe('directory search in the browser', () => {
  let app: E2eApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await startE2eApp({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
    // The test database holds migrations and reference data only (no demo seed): add the records.
    const db = app.database.db;
    const lyon2 = await buildOrganization(db, {
      name: 'Université Lumière Lyon 2',
      acronym: 'Lyon 2',
      kindCode: 'universite',
      status: 'actif',
      city: 'Lyon',
      postalCode: '69007',
      departmentCode: '69',
      regionCode: '84',
    });
    await buildOrganization(db, { name: 'Université Jean Moulin Lyon 3', acronym: 'Lyon 3', kindCode: 'universite', status: 'actif', city: 'Lyon', departmentCode: '69', regionCode: '84' });
    await buildOrganization(db, { name: 'Université Grenoble Alpes', acronym: 'UGA', kindCode: 'universite', status: 'actif', city: 'Grenoble', departmentCode: '38', regionCode: '84' });
    await buildOrganization(db, { name: 'Lycée Champollion', kindCode: 'lycee', status: 'prospect', city: 'Grenoble', departmentCode: '38', regionCode: '84' });
    await buildOrganization(db, { name: 'CFA du BTP de Brest', kindCode: 'cfa', city: 'Brest', departmentCode: '29', regionCode: '53' });
    await buildContact(db, { firstName: 'Hélène', lastName: 'Fictive', jobTitle: 'Vice-présidente numérique', organizationId: lyon2.id });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  test('"/" focuses the header box, suggestions are grouped, Enter opens the results, a typo still finds Grenoble', async () => {
    const { page, problems } = await newPerson(browser);
    await signIn(page, app.url);
    await page.getByRole('heading', { level: 1 }).first().waitFor();

    // The keyboard shortcut, from anywhere on the page that is not a field.
    await page.locator('main').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('/');
    const box = page.locator('#header-search-input');
    await waitUntil(() => page.locator('#header-search-input').evaluate((element) => element === element.ownerDocument.activeElement), 'the focus in the header search');
    await page.keyboard.type('universite lyon', { delay: 20 });

    // Suggestions: a group of organisations (accents ignored) and one of contacts.
    const panel = page.locator('#search-suggestions');
    await panel.getByRole('link', { name: /Université Lumière Lyon 2/ }).waitFor();
    await expectText(panel, 'Structures (2)');
    await expectText(panel, 'Université Jean Moulin Lyon 3');
    await expect(panel.getByText('Université Grenoble Alpes').count()).resolves.toBe(0);
    await expect(box.getAttribute('aria-expanded')).resolves.toBe('true');
    await screenshot(page, 'search-01-suggestions');

    // Enter submits the GET form (boosted by htmx, so the URL may encode the space as %20): the full
    // results page, the query kept in the URL and in the page's own box.
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/recherche\?q=universite(\+|%20)lyon/);
    await page.getByRole('heading', { name: 'Recherche dans l’annuaire', level: 1 }).waitFor();
    const results = page.locator('#search-results');
    await expectText(results, 'pour « universite lyon »');
    await results.getByRole('link', { name: 'Université Lumière Lyon 2' }).waitFor();
    await expect(page.locator('#search-q').inputValue()).resolves.toBe('universite lyon');
    await screenshot(page, 'search-02-results');

    // A typo: "Grenobel" still finds the Grenoble organisations (trigram similarity). htmx kept the
    // focus in the header box across the boosted navigation, where "/" is just a character: read
    // the page first (click its heading), as a person would, then use the shortcut again.
    await page.getByRole('heading', { name: 'Recherche dans l’annuaire', level: 1 }).click();
    await page.keyboard.press('/');
    await waitUntil(() => page.locator('#header-search-input').evaluate((element) => element === element.ownerDocument.activeElement), 'the focus in the header search');
    await page.keyboard.type('Grenobel', { delay: 20 });
    await panel.getByRole('link', { name: /Université Grenoble Alpes/ }).waitFor();
    await screenshot(page, 'search-03-typo-suggestions');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/recherche\?q=Grenobel/);
    await page.getByRole('heading', { name: 'Recherche dans l’annuaire', level: 1 }).waitFor();
    await expectText(results, 'pour « Grenobel »');
    await results.getByRole('link', { name: 'Université Grenoble Alpes' }).waitFor();
    await expect(results.getByRole('link', { name: 'CFA du BTP de Brest' }).count()).resolves.toBe(0);
    await screenshot(page, 'search-04-typo-results');

    expect(problems).toEqual([]);
  });
});
