// Importing a CSV in Chromium, like a user: upload, check the suggested mapping, read the
// preview with its two bad rows, launch, follow the progress and read the report.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { expectText, launchBrowser, newPerson, screenshot, startE2eApp, type E2eApp } from '../support/e2e';

const ADMIN = { email: 'admin@passerelle.test', password: 'un mot de passe administrateur' };

async function signIn(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Adresse électronique').fill(ADMIN.email);
  await page.getByLabel(/^Mot de passe/).fill(ADMIN.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(`${baseUrl}/`);
}

describe('import in the browser', () => {
  let app: E2eApp;
  let browser: Browser;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-e2e-import-'));
  const file = path.join(dir, 'structures-partenaires.csv');

  beforeAll(async () => {
    // Semicolons, a BOM and French headers, as Excel saves them; rows 3 and 5 are wrong.
    fs.writeFileSync(
      file,
      '\uFEFF' +
        [
          'Raison sociale;SIRET;UAI;Adresse;Type',
          'Tiers-lieu des Monts;;;2 PL DE LA MAIRIE 48000 MENDE;',
          'Entreprise au SIRET faux;12345678901234;;;entreprise',
          'Lycée Jean Moulin e2e;;;;lycée',
          ';;;10 RUE SANS NOM 75001 PARIS;',
          'CFA des métiers e2e;;;;',
          'Start-up Hybride e2e;;;;start-up',
        ].join('\r\n'),
    );
    app = await startE2eApp({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('import a CSV with two bad rows and read the report', async () => {
    const { page } = await newPerson(browser);
    page.on('dialog', (dialog) => void dialog.accept());
    await signIn(page, app.url);

    await page.goto(`${app.url}/imports`);
    await page.getByRole('link', { name: 'Nouvel import' }).click();
    await page.getByRole('heading', { name: 'Importer un fichier' }).waitFor();
    await page.getByLabel('Des structures').check({ force: true });
    await page.getByLabel(/^Fichier/).setInputFiles(file);
    await page.getByRole('button', { name: 'Analyser le fichier' }).click();

    // Step 2: the columns were recognised from their French headers.
    await page.getByRole('heading', { name: /Correspondance des colonnes/ }).first().waitFor();
    await expectText(page.locator('main'), '6 lignes de données');
    await expectText(page.locator('#column-0 option:checked'), 'Nom');
    await expectText(page.locator('#column-3 option:checked'), 'Adresse');
    await page.getByLabel(/^Type des structures dont le fichier ne dit rien/).selectOption({ label: 'CFA' });
    await screenshot(page, 'import-01-mapping');
    await page.getByRole('button', { name: 'Enregistrer et voir l’aperçu' }).click();

    // The « Type » column is mapped: its values get a target each before the preview.
    await page.getByRole('heading', { name: 'Valeurs des colonnes à choix' }).waitFor();
    await expectText(page.getByLabel('lycée', { exact: true }).locator('option:checked'), 'Lycée');
    await page.getByRole('button', { name: 'Enregistrer et voir l’aperçu' }).click();

    // Step 3: the preview flags the two bad rows before anything is written.
    await page.getByRole('heading', { name: 'Aperçu des 6 premières lignes' }).waitFor();
    await expectText(page.locator('main'), '2 ligne(s) en erreur dans cet aperçu.');
    await expectText(page.locator('main'), 'Le SIRET doit comporter 14 chiffres');
    await screenshot(page, 'import-02-preview');
    await page.getByRole('button', { name: /Lancer l’import de 6 lignes/ }).click();

    // Steps 4–5: progress, then the report (the page reloads itself when the job is done).
    await page.getByRole('heading', { name: 'Compte rendu', exact: true }).waitFor({ timeout: 30_000 });
    await expectText(page.locator('.passerelle-report-counts'), /4\s*Créées/);
    await expectText(page.locator('.passerelle-report-counts'), /2\s*En erreur/);
    await page.locator('#import-rows').getByRole('link', { name: 'En erreur (2)' }).click();
    await expectText(page.locator('#import-rows'), 'Raison sociale : Ce champ est obligatoire.');
    await expectText(page.locator('#import-rows'), 'SIRET : Le SIRET doit comporter 14 chiffres');
    await screenshot(page, 'import-03-report');
    const download = page.getByRole('link', { name: 'Télécharger les lignes en erreur (CSV)' });
    expect(await download.getAttribute('href')).toMatch(/\/erreurs\.csv$/);

    // The created organisation is in the directory, its address split and its kind guessed.
    await page.goto(`${app.url}/structures?q=${encodeURIComponent('Tiers-lieu des Monts')}`);
    await page.getByRole('link', { name: 'Tiers-lieu des Monts' }).click();
    await expectText(page.locator('main'), 'Mende');
    await expectText(page.locator('main'), 'Tiers-lieu');
  });
});
