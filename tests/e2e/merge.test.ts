// Merging duplicates in Chromium: a manager opens "Doublons probables", compares a pair, takes
// one value from the other record, merges, and lands on the kept record with the moved contact.
import type { Browser } from 'playwright-core';
import { affiliations } from '../../src/models/schema';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { expectText, launchBrowser, newPerson, screenshot, startE2eApp, type E2eApp } from '../support/e2e';
import { TEST_PASSWORD, buildUser } from '../support/harness';

describe('merging duplicates in the browser', () => {
  let app: E2eApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await startE2eApp({ ADMIN_EMAIL: 'admin@passerelle.test', ADMIN_PASSWORD: 'un mot de passe administrateur' });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  test('a manager merges two records of the same university', async () => {
    const db = app.database.db;
    const manager = await buildUser(db, { roles: ['manager'], unitCodes: ['DDPSI'], displayName: 'Maëlle Manager' });
    const kept = await buildOrganization(db, { name: 'Université de Mayotte', kindCode: 'universite', siret: '13002604800014', siren: '130026048', phone: '+262269000001', unitCodes: ['DDPSI'] });
    const merged = await buildOrganization(db, { name: 'Univ. Mayotte', kindCode: 'universite', siret: '13002604800014', siren: '130026048', phone: '+262269000099', email: 'contact@univ-mayotte.example.fr' });
    await buildContact(db, { firstName: 'Inès', lastName: 'Déjà-Là', organizationId: kept.id });
    const moved = await buildContact(db, { firstName: 'Bruno', lastName: 'Transféré' });
    await db.insert(affiliations).values({ contactId: moved.id, organizationId: merged.id, role: 'Vice-président', isPrimary: true });

    const { page, problems } = await newPerson(browser);
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${app.url}/login`);
    await page.getByLabel('Adresse électronique').fill(manager.email);
    await page.getByLabel(/^Mot de passe/).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(`${app.url}/`);

    await page.goto(`${app.url}/doublons`);
    await page.getByRole('heading', { name: 'Doublons probables' }).waitFor();
    await expectText(page.locator('#duplicate-pairs'), 'Même SIRET');
    await screenshot(page, 'merge-01-duplicates');
    await page.getByRole('link', { name: /Comparer et fusionner « (Université de Mayotte|Univ\. Mayotte) »/ }).click();
    await page.getByRole('heading', { name: 'Fusionner deux fiches' }).waitFor();
    // Keep the university's main record: swap if the pair came the other way round.
    const keptHeader = await page.locator('thead th').nth(1).innerText();
    if (!keptHeader.includes('Université de Mayotte')) {
      await page.getByRole('link', { name: /Inverser/ }).click();
      await page.waitForURL(`${app.url}/doublons/structures/${kept.id}/${merged.id}`);
      await page.getByRole('heading', { name: 'Fusionner deux fiches' }).waitFor();
    }
    // The phone number of the other record is the right one.
    await page.locator('#choice-phone-merged').check({ force: true });
    await screenshot(page, 'merge-02-screen');
    await page.getByRole('button', { name: 'Fusionner', exact: true }).click();

    await page.getByRole('heading', { name: /Université de Mayotte/ }).waitFor();
    expect(page.url()).toBe(`${app.url}/structures/${kept.id}`);
    await expectText(page.locator('#flash'), 'Les fiches sont fusionnées.');
    await expectText(page.locator('#panel-contacts'), 'Bruno Transféré');
    await expectText(page.locator('main'), '0269 00 00 99');
    await expectText(page.locator('main'), 'contact@univ-mayotte.example.fr');
    await screenshot(page, 'merge-03-kept-record');

    // The merged record's address now leads to the kept one.
    await page.goto(`${app.url}/structures/${merged.id}`);
    expect(page.url()).toBe(`${app.url}/structures/${kept.id}`);
    expect(problems).toEqual([]);
  });
});
