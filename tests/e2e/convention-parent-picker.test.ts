// The parent convention picker in Chromium: a chargé creates an avenant, types part of the parent's
// title in « Convention parente », goes to the suggestion with the arrow keys and picks it; only
// conventions an avenant may amend are offered (not another avenant).
import { eq } from 'drizzle-orm';
import type { Browser, Locator, Page } from 'playwright-core';
import { conventionParties, conventions } from '../../src/models/schema';
import { expectText, launchBrowser, newPerson, screenshot, startE2eApp, type E2eApp } from '../support/e2e';
import { buildOrganization } from '../support/directory-fixtures';
import { TEST_PASSWORD, buildUser } from '../support/harness';

async function signIn(page: Page, baseUrl: string, email: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Adresse électronique').fill(email);
  await page.getByLabel(/^Mot de passe/).fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(`${baseUrl}/`);
}

/** Waits until the element has the keyboard focus (no string evaluation: the CSP forbids eval). */
async function focused(locator: Locator): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await locator.evaluate((element) => element.ownerDocument.activeElement === element))) {
    if (Date.now() > deadline) throw new Error(`not focused: ${String(locator)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('parent convention picker in the browser', () => {
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

  test('a chargé creates an avenant by picking its parent among the suggestions, with the keyboard', async () => {
    const db = app.database.db;
    const charge = await buildUser(db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Claire Chargée' });
    const nevers = await buildOrganization(db, { name: 'Tiers-lieu de Nevers Agglomération', unitCodes: ['DDPSI'] });
    const [parent, cadre] = await db
      .insert(conventions)
      .values([
        { reference: 'CONV-2025-0042', title: 'Campus connecté de Nevers', kind: 'partenariat', status: 'en_vigueur', startsOn: '2025-09-01', endsOn: '2028-08-31' },
        { reference: 'CONV-2025-0007', title: 'Convention-cadre des campus connectés', kind: 'cadre', status: 'en_vigueur' },
      ])
      .returning();
    if (!parent || !cadre) throw new Error('not inserted');
    await db.insert(conventions).values({ reference: 'CONV-2025-0043', title: 'Avenant n° 1 au campus connecté de Nevers', kind: 'avenant', parentId: parent.id, status: 'signee' });
    await db.insert(conventionParties).values({ conventionId: parent.id, organizationId: nevers.id });

    const { page, problems } = await newPerson(browser);
    await signIn(page, app.url, charge.email);
    // Through the list's link: a boosted navigation, which must bring the picker's keyboard script along.
    await page.goto(`${app.url}/conventions`);
    await page.getByRole('link', { name: 'Nouvelle convention' }).click();
    await page.getByRole('heading', { name: 'Nouvelle convention' }).waitFor();
    await page.getByLabel(/^Titre \*/).fill('Avenant n° 2 : deuxième promotion');
    await page.getByLabel(/^Type \*/).selectOption({ label: 'Avenant' });

    const parentField = page.getByLabel(/^Convention parente/);
    await parentField.pressSequentially('campus connecte', { delay: 40 });
    const suggestion = page.getByRole('button', { name: /CONV-2025-0042 — Campus connecté de Nevers/ });
    await suggestion.waitFor();
    await expectText(page.locator('#parent-suggestions'), 'Convention-cadre des campus connectés');
    // Another avenant is no parent for an avenant.
    expect(await page.locator('#parent-suggestions').innerText()).not.toContain('CONV-2025-0043');
    await screenshot(page, 'convention-parent-picker-01-suggestions');

    // Keyboard: ArrowDown goes into the suggestions (newest reference first: Nevers, then the cadre),
    // ArrowUp comes back, Enter picks.
    const cadreSuggestion = page.getByRole('button', { name: /CONV-2025-0007/ });
    await page.keyboard.press('ArrowDown');
    await focused(suggestion);
    await page.keyboard.press('ArrowDown');
    await focused(cadreSuggestion);
    await page.keyboard.press('ArrowUp');
    await focused(suggestion);
    await page.keyboard.press('Enter');
    await expectText(page.locator('#parent-suggestions'), 'Convention parente choisie : CONV-2025-0042');
    expect(await parentField.inputValue()).toBe('CONV-2025-0042');
    // Focus is back in the filled field (autofocus of the swapped block).
    await focused(parentField);
    await screenshot(page, 'convention-parent-picker-02-chosen');

    await page.getByLabel('Ajouter une partie : nom de la structure').fill('Nevers');
    await page.locator('#party-choices').getByText('Tiers-lieu de Nevers Agglomération').click();
    await page.getByRole('button', { name: 'Créer', exact: true }).click();
    await expectText(page.locator('#flash'), /La convention CONV-\d{4}-\d{4} a été créée/);
    const [avenant] = await db.select().from(conventions).where(eq(conventions.title, 'Avenant n° 2 : deuxième promotion'));
    expect(avenant?.parentId).toBe(parent.id);
    await screenshot(page, 'convention-parent-picker-03-created');
    expect(problems).toEqual([]);
  });
});
