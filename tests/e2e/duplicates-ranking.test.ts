// In Chromium: an admin opens « Doublons probables » on CFA-shaped data and sees why each pair is
// proposed (the same lycée typed twice first, two universities sharing a UAI « À vérifier »
// after), opens a hint pair and reads what would move; then reads a person's access export with
// the convention she signs.
import type { Browser } from 'playwright-core';
import { contacts, conventionParties, conventions } from '../../src/models/schema';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { expectText, launchBrowser, newPerson, screenshot, startE2eApp, type E2eApp } from '../support/e2e';
import { TEST_PASSWORD, buildUser } from '../support/harness';

describe('duplicate ranking and the access export in the browser', () => {
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

  test('an admin sees the real duplicate first, the shared UAI as a hint with its reason, and a signatory in the export', async () => {
    const db = app.database.db;
    const admin = await buildUser(db, { roles: ['admin'], displayName: 'Adèle Admin' });
    const toulouse3 = await buildOrganization(db, { name: 'UNIVERSITE TOULOUSE III - PAUL SABATIER', kindCode: 'universite', uai: ['0311384L', '0311383K', '0312499Y'], city: 'TOULOUSE' });
    const toulouse2 = await buildOrganization(db, { name: 'UNIVERSITE TOULOUSE II', kindCode: 'universite', uai: ['0311383K', '0312499Y', '0312535M'], city: 'TOULOUSE' });
    await buildOrganization(db, { name: 'Lycée professionnel Hélène Boucher', communeCode: '31555', city: 'Toulouse' });
    await buildOrganization(db, { name: 'Lycee professionnel Helene-Boucher', communeCode: '31555', city: 'Toulouse' });
    const person = await buildContact(db, { firstName: 'Irène', lastName: 'Mirail', emails: ['irene.mirail@univ-tlse2.example.fr'], organizationId: toulouse2.id, role: 'Vice-présidente' });
    const [convention] = await db.insert(conventions).values({ reference: 'CONV-2026-9501', title: 'Convention alternance Mirail', kind: 'partenariat', status: 'signee', signedOn: '2026-05-04' }).returning();
    await db.insert(conventionParties).values({ conventionId: convention!.id, organizationId: toulouse2.id, signatoryContactId: person.id, role: 'Université' });

    const { page, problems } = await newPerson(browser);
    await page.goto(`${app.url}/login`);
    await page.getByLabel('Adresse électronique').fill(admin.email);
    await page.getByLabel(/^Mot de passe/).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(`${app.url}/`);

    await page.goto(`${app.url}/doublons`);
    await page.getByRole('heading', { name: 'Doublons probables' }).waitFor();
    const rows = page.locator('#duplicate-pairs tbody tr');
    await expectText(rows.nth(0), 'Hélène Boucher');
    await expectText(rows.nth(0), /Doublon probable/i);
    await expectText(rows.nth(1), 'TOULOUSE II');
    await expectText(rows.nth(1), 'Même UAI (0311383K, 0312499Y), noms différents');
    await expectText(rows.nth(1), /À vérifier/i);
    await screenshot(page, 'duplicates-ranking-01-list');

    await rows.nth(1).getByRole('link', { name: /Comparer et fusionner/ }).click();
    await page.getByRole('heading', { name: 'Fusionner deux fiches' }).waitFor();
    await expectText(page.locator('#why-proposed'), 'Même UAI (0311383K, 0312499Y), noms différents');
    await expectText(page.locator('#why-proposed'), /À vérifier/i);
    // Keep Toulouse III: what would move is Toulouse II's.
    await page.goto(`${app.url}/doublons/structures/${toulouse3.id}/${toulouse2.id}`);
    await page.getByRole('heading', { name: 'Fusionner deux fiches' }).waitFor();
    await expectText(page.locator('#why-proposed'), 'numéros différents (III / II)');
    await expectText(page.locator('#merge-moves'), '1 rattachement(s) de contacts');
    await expectText(page.locator('#merge-moves'), '1 convention(s) où la structure est partie');
    await screenshot(page, 'duplicates-ranking-02-pair');

    await page.goto(`${app.url}/contacts/${person.id}`);
    await page.getByRole('link', { name: 'Exporter ses données' }).click();
    await page.getByRole('heading', { name: /Données détenues sur Irène Mirail/ }).waitFor();
    await expectText(page.locator('main'), 'CONV-2026-9501 — Convention alternance Mirail (Signée), pour UNIVERSITE TOULOUSE II — Université');
    await expectText(page.locator('main'), 'Historique du consentement et de l’opposition');
    await screenshot(page, 'duplicates-ranking-03-export');
    expect(await db.select().from(contacts)).not.toHaveLength(0);
    expect(problems).toEqual([]);
  });
});
