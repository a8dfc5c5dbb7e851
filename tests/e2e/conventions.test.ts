// Conventions in Chromium: a chargé creates a convention with two parties picked by name, then
// uploads a PDF and finds it, versioned, on the convention's page; then the convention goes
// through its approval circuit until the signed PDF puts it « en vigueur ».
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { conventions, users } from '../../src/models/schema';
import { expectText, launchBrowser, newPerson, screenshot, startE2eApp, type E2eApp } from '../support/e2e';
import { buildOrganization } from '../support/directory-fixtures';
import { TEST_PASSWORD, buildUser } from '../support/harness';

const ADMIN = { email: 'admin@passerelle.test', password: 'un mot de passe administrateur' };

async function signIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Adresse électronique').fill(email);
  await page.getByLabel(/^Mot de passe/).fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(`${baseUrl}/`);
}

describe('conventions in the browser', () => {
  let app: E2eApp;
  let browser: Browser;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-e2e-conventions-'));
  const pdf = path.join(dir, 'Convention FNCDG signée.pdf');

  beforeAll(async () => {
    fs.writeFileSync(pdf, '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n');
    app = await startE2eApp({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a chargé creates a convention with two parties and uploads its PDF', async () => {
    const db = app.database.db;
    const charge = await buildUser(db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Claire Chargée' });
    await buildOrganization(db, { name: 'Fédération nationale des centres de gestion', acronym: 'FNCDG', unitCodes: ['DDPSI'] });
    await buildOrganization(db, { name: 'Université de Lille', kindCode: 'universite', unitCodes: ['DDPSI'] });

    const { page, problems } = await newPerson(browser);
    await signIn(page, app.url, charge.email, TEST_PASSWORD);
    await page.getByRole('link', { name: 'Conventions' }).first().click();
    await page.getByRole('heading', { name: 'Conventions', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Nouvelle convention' }).click();
    await page.getByRole('heading', { name: 'Nouvelle convention' }).waitFor();

    await page.getByLabel(/^Titre \*/).fill('Convention de partenariat FNCDG 2022-2025');
    await page.getByLabel(/^Type \*/).selectOption({ label: 'Convention de partenariat' });
    // First party: type, tick, add (the form comes back with the party's row).
    await page.getByLabel('Ajouter une partie : nom de la structure').fill('FNCDG');
    await page.locator('#party-choices').getByText(/Fédération nationale/).waitFor();
    await page.locator('#party-choices').getByText(/Fédération nationale/).click();
    await page.getByRole('button', { name: 'Ajouter les structures cochées' }).click();
    await page.locator('[data-party]').first().waitFor();
    // Second party: ticked and saved with the form.
    await page.getByLabel('Ajouter une partie : nom de la structure').fill('Lille');
    await page.locator('#party-choices').getByText('Université de Lille').click();
    await page.locator('[name="parties[0][role]"]').fill('Partenaire national');
    await page.getByLabel(/^Date de signature/).fill('2022-11-24');
    await page.getByLabel(/^Prise d’effet/).fill('2022-11-24');
    await page.getByLabel(/^Date de fin/).fill('2025-11-23');
    await page.getByLabel(/^Préavis/).fill('3');
    await page.getByLabel(/Données personnelles/).check({ force: true });
    await screenshot(page, 'conventions-01-form');
    await page.getByRole('button', { name: 'Créer', exact: true }).click();

    await expectText(page.locator('#flash'), /La convention CONV-\d{4}-0001 a été créée/);
    await expectText(page.locator('#parties'), 'Fédération nationale des centres de gestion');
    await expectText(page.locator('#parties'), 'Université de Lille');
    await expectText(page.locator('#dates'), '23/08/2025');

    await page.getByLabel(/^Nature/).selectOption({ label: 'Version signée' });
    await page.getByLabel(/^Fichier/).setInputFiles(pdf);
    await page.getByRole('button', { name: 'Déposer le document' }).click();
    await expectText(page.locator('#flash'), 'a été déposé (version 1)');
    await expectText(page.locator('#documents'), 'Version 1 — Convention FNCDG signée.pdf');
    await expectText(page.locator('#timeline'), 'Document déposé');
    await screenshot(page, 'conventions-02-detail');

    // The list, filtered with htmx (the URL keeps the filter).
    await page.getByRole('link', { name: 'Conventions' }).first().click();
    await page.getByRole('heading', { name: 'Conventions', exact: true }).waitFor();
    await page.getByLabel('Statut', { exact: true }).selectOption({ label: 'Brouillon' });
    await page.waitForURL(/status=brouillon/);
    await expectText(page.locator('#conventions-results'), 'Convention de partenariat FNCDG 2022-2025');
    await expectText(page.locator('#conventions-results'), 'Fédération nationale des centres de gestion, Université de Lille');
    await screenshot(page, 'conventions-03-list');
    expect(problems).toEqual([]);
  });

  test('the convention goes through its circuit: changes requested, resubmitted, approved, signed, in force', async () => {
    const db = app.database.db;
    const [convention] = await db.select().from(conventions).where(eq(conventions.title, 'Convention de partenariat FNCDG 2022-2025'));
    if (!convention) throw new Error('the first test creates the convention');
    const [charge] = await db.select().from(users).where(eq(users.id, convention.ownerId ?? ''));
    const juriste = await buildUser(db, { roles: ['juriste'], unitCodes: ['DAJ'], displayName: 'Julie Juriste' });
    const finance = await buildUser(db, { roles: ['finance'], unitCodes: ['DAF'], displayName: 'Fabien Finances' });
    const manager = await buildUser(db, { roles: ['manager'], unitCodes: ['DDPSI'], displayName: 'Marie Manager' });
    const people = new Map<string, Page>();
    const pageOf = async (email: string) => {
      const known = people.get(email);
      if (known) return known;
      const { page } = await newPerson(browser);
      await signIn(page, app.url, email, TEST_PASSWORD);
      people.set(email, page);
      return page;
    };
    const conventionUrl = `${app.url}/conventions/${convention.id}`;
    /** Opens Mes validations and decides the first step whose title contains `label`. */
    const decide = async (email: string, label: string, button: string, comment = '') => {
      const page = await pageOf(email);
      await page.goto(`${app.url}/validations`);
      const card = page.locator('#validations-list [id^="step-"]', { hasText: label }).first();
      await expectText(card, convention.reference, 15_000);
      if (comment) await card.getByLabel(/Commentaire/).fill(comment);
      await card.getByRole('button', { name: button }).click();
      await expectText(page.locator('#validations-list'), 'est enregistrée', 15_000);
      return page;
    };

    const chargePage = await pageOf(charge?.email ?? '');
    await chargePage.goto(conventionUrl);
    await chargePage.getByRole('button', { name: 'Soumettre au circuit de validation' }).click();
    await expectText(chargePage.locator('#convention-status'), /En revue/i);

    await decide(juriste.email, 'Revue juridique', 'Demander des modifications', 'Préciser la clause de communication.');
    await chargePage.goto(conventionUrl);
    await expectText(chargePage.locator('#convention-status'), /Modifications demandées/i);
    await expectText(chargePage.locator('#circuit'), 'Préciser la clause de communication.');
    await chargePage.getByRole('button', { name: 'Soumettre à nouveau' }).click();
    await expectText(chargePage.locator('#convention-status'), /En revue/i);

    await decide(juriste.email, 'Revue juridique', 'Approuver');
    await decide(finance.email, 'Revue financière', 'Approuver');
    const managerPage = await decide(manager.email, 'Validation direction', 'Approuver', 'Bon pour signature.');
    await screenshot(managerPage, 'conventions-04-manager-approved');

    await chargePage.goto(conventionUrl);
    await expectText(chargePage.locator('#convention-status'), /À signer/i);
    await chargePage.getByLabel(/^Nature/).selectOption({ label: 'Version signée' });
    await chargePage.getByLabel(/^Fichier/).setInputFiles(pdf);
    await chargePage.getByRole('button', { name: 'Déposer le document' }).click();
    await expectText(chargePage.locator('#flash'), 'a été déposé');
    await expectText(chargePage.locator('#convention-status'), /En vigueur/i);
    await expectText(chargePage.locator('#circuit'), 'Bon pour signature.');
    await expectText(chargePage.locator('#timeline'), 'Statut changé');
    await screenshot(chargePage, 'conventions-05-in-force');
  });
});
