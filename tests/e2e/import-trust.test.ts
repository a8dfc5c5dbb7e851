// An import a person can trust, in Chromium: the file's kinds are mapped value by value (one
// suggestion changed), a row whose SIRET designates two existing organisations is shown with
// both and the person picks one, then the report's counts say what each row did.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { organizations } from '../../src/models/schema';
import { buildOrganization } from '../support/directory-fixtures';
import { expectText, launchBrowser, newPerson, screenshot, signIn, startE2eApp, type E2eApp } from '../support/e2e';

const ADMIN = { email: 'admin@passerelle.test', password: 'un mot de passe administrateur' };

/** The page at phone width too: a screenshot of each, then back to the desktop. */
async function screenshotsAtBothWidths(page: Page, name: string): Promise<void> {
  await screenshot(page, `${name}-1280`);
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, `${name}-390`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe('an import with value mapping and an ambiguous row', () => {
  let app: E2eApp;
  let browser: Browser;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-e2e-trust-'));
  const file = path.join(dir, 'etablissements-superieur.csv');
  let main: { id: string };
  let antenna: { id: string };

  beforeAll(async () => {
    // Invented establishments with valid SIRET keys; the first row's SIRET is held by two records.
    fs.writeFileSync(
      file,
      '\uFEFF' +
        [
          'Libellé;N° SIRET;Type d’établissement;Code postal;Localité',
          'Université des Hautes Terres;62819482199351;Université;63000;Clermont-Ferrand',
          'Institut national des arts appliqués;53888539336333;Grand établissement;75005;Paris',
          'Agence des formations maritimes;29729975288201;Autre établissement;29200;Brest',
        ].join('\r\n'),
    );
    app = await startE2eApp({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
    main = await buildOrganization(app.database.db, { name: 'Université des Hautes Terres', siret: '62819482199351', kindCode: 'universite' });
    antenna = await buildOrganization(app.database.db, { name: 'UHT — antenne du Puy', otherSirets: ['62819482199351'], kindCode: 'universite', city: 'Le Puy-en-Velay' });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('map the kinds, choose the record of the ambiguous row, run, read the counts', async () => {
    const { page, problems } = await newPerson(browser);
    await signIn(page, app.url, ADMIN.email, ADMIN.password);

    await page.goto(`${app.url}/imports/nouveau`);
    await page.getByLabel('Des structures').check({ force: true });
    await page.getByLabel(/^Fichier/).setInputFiles(file);
    await page.getByRole('button', { name: 'Analyser le fichier' }).click();

    // Step 2: the register's headers are recognised.
    await page.getByRole('heading', { name: /Correspondance des colonnes/ }).first().waitFor();
    await expectText(page.locator('#column-1 option:checked'), 'SIRET');
    await expectText(page.locator('#column-2 option:checked'), 'Type de structure');
    await expectText(page.locator('#column-4 option:checked'), 'Commune');
    await screenshotsAtBothWidths(page, 'import-trust-00-mapping');
    await page.getByRole('button', { name: 'Enregistrer et voir l’aperçu' }).click();

    // Step 3: the kind column's values, each with a suggestion; one is changed.
    await page.getByRole('heading', { name: 'Valeurs des colonnes à choix' }).waitFor();
    await expectText(page.locator('main'), '« Type de structure » (colonne « Type d’établissement ») : 3 valeur(s) différente(s)');
    await expectText(page.getByLabel('Grand établissement').locator('option:checked'), 'École / grand établissement');
    await expectText(page.getByLabel('Université', { exact: true }).locator('option:checked'), 'Université');
    await expectText(page.getByLabel('Autre établissement').locator('option:checked'), 'École / grand établissement');
    await page.getByLabel('Autre établissement').selectOption({ label: 'Institution publique (ministère, agence, opérateur)' });
    await expectText(page.getByLabel('Nom', { exact: true }).locator('option:checked'), 'Compléter seulement les champs vides');
    await screenshotsAtBothWidths(page, 'import-trust-01-values');
    await page.getByRole('button', { name: 'Enregistrer et voir l’aperçu' }).click();

    // Step 4: the preview shows the ambiguous row with both records; the person picks the main one.
    await page.getByRole('heading', { name: 'Lignes ambiguës' }).waitFor();
    const choice = page.getByRole('group', { name: /Ligne 2 : que faire/ });
    await expectText(choice, 'Mettre à jour Université des Hautes Terres');
    await expectText(choice, 'Mettre à jour UHT — antenne du Puy');
    await expectText(choice, 'SIRET 62819482199351');
    expect(await choice.getByRole('link', { name: 'Ouvrir' }).first().getAttribute('href')).toMatch(/^\/structures\/[0-9a-f-]{36}$/);
    await choice.getByLabel(/Mettre à jour Université des Hautes Terres/).check({ force: true });
    await screenshotsAtBothWidths(page, 'import-trust-02-preview');
    await page.getByRole('button', { name: 'Enregistrer les choix' }).click();
    await expectText(page.locator('body'), '1 choix enregistré(s).');
    expect(await page.getByRole('group', { name: /Ligne 2 : que faire/ }).getByLabel(/Mettre à jour Université des Hautes Terres/).isChecked()).toBe(true);
    await page.getByRole('button', { name: /Lancer l’import de 3 lignes/ }).click();

    // Steps 5–6: the report's counts, each a filter.
    await page.getByRole('heading', { name: 'Compte rendu', exact: true }).waitFor({ timeout: 30_000 });
    const counts = page.locator('.passerelle-report-counts');
    await expectText(counts, /2\s*Créées/);
    await expectText(counts, /0\s*Ambiguës/);
    await expectText(counts, /0\s*En erreur/);
    await screenshotsAtBothWidths(page, 'import-trust-03-report');
    await page.locator('#import-rows').getByRole('link', { name: /^Créées/ }).click();
    await expectText(page.locator('#import-rows'), 'Créée');

    // The list of imports counts the same way.
    await page.goto(`${app.url}/imports`);
    await expectText(page.locator('#imports-results'), '2 créée(s) · 1 mise(s) à jour');
    await screenshotsAtBothWidths(page, 'import-trust-04-list');

    // The chosen record got the row, the other one was left alone; the changed target was used.
    const [updated] = await app.database.db.select().from(organizations).where(eq(organizations.id, main.id));
    const [untouched] = await app.database.db.select().from(organizations).where(eq(organizations.id, antenna.id));
    expect(updated?.postalCode).toBe('63000');
    expect(untouched?.postalCode ?? null).toBeNull();
    const [agency] = await app.database.db.select().from(organizations).where(eq(organizations.siret, '29729975288201'));
    expect(agency?.kindCode).toBe('institution_publique');
    const [institute] = await app.database.db.select().from(organizations).where(eq(organizations.siret, '53888539336333'));
    expect(institute?.kindCode).toBe('ecole');
    expect(problems).toEqual([]);
  });
});
