// Reciprocity cadence in Chromium (issue 13): the organisations list filtered by status with its
// column, an organisation's block, the dashboard's « Partenariats en retard de réciprocité », the
// figures an admin sets on /admin/reciprocite (a refused figure, then a saved one). Screenshots
// at 1280 and 390 px.
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { addParisMonths, atParisTime, parisDayOf } from '../../src/lib/paris-time';
import type { Database } from '../../src/models/database';
import { type Organization, exchangeOrganizations, exchanges, reciprocityTargets } from '../../src/models/schema';
import { buildOrganization } from '../support/directory-fixtures';
import { buildUser } from '../support/harness';
import { expectText, launchBrowser, newPerson, screenshot, signIn, startE2eApp, type E2eApp } from '../support/e2e';

async function meet(db: Database, organization: Organization, monthsAgo: number) {
  const at = atParisTime(addParisMonths(parisDayOf(new Date()), -monthsAgo), '10:00');
  const [exchange] = await db
    .insert(exchanges)
    .values({ kind: 'rendez_vous', occurredAt: at, summary: 'Rendez-vous de suivi', sourceRef: `e2e:reciprocity:${randomBytes(4).toString('hex')}` })
    .returning();
  await db.insert(exchangeOrganizations).values({ exchangeId: String(exchange?.id), organizationId: organization.id, occurredAt: at });
}

async function bothWidths(page: Page, name: string) {
  await screenshot(page, `${name}-1280`);
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, `${name}-390`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe('reciprocity cadence', () => {
  let app: E2eApp;
  let browser: Browser;
  let late: Organization;
  let email: string;

  beforeAll(async () => {
    app = await startE2eApp();
    const db = app.database.db;
    const admin = await buildUser(db, { roles: ['admin'], unitCodes: ['DDPSI'], displayName: 'Awa Diallo' });
    email = admin.email;
    const build = (name: string, kindCode: string, followed = true) =>
      buildOrganization(db, { name, kindCode, unitCodes: ['DDPSI'], ownerId: admin.id, followedPartner: followed, status: 'actif', city: 'Lyon' });
    const upToDate = await build('CREPS Auvergne-Rhône-Alpes', 'creps');
    for (const months of [1, 4, 8]) await meet(db, upToDate, months);
    const watch = await build('Université Lumière Lyon 2', 'universite');
    for (const months of [2, 11]) await meet(db, watch, months);
    late = await build('CFA académique de Lyon', 'cfa');
    await meet(db, late, 3);
    await meet(db, late, 15);
    await build('Lycée agricole de Saint-Genis-Laval', 'lycee');
    await build('Cabinet Lumen Conseil', 'entreprise', false);
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  test('the list, an organisation, the dashboard and the admin figures', async () => {
    const { page, problems } = await newPerson(browser);
    await signIn(page, app.url, email);
    await expectText(page.locator('#dashboard-reciprocity'), 'CFA académique de Lyon');
    await expectText(page.locator('#dashboard-reciprocity'), /jamais rencontré/i);
    await bothWidths(page, 'reciprocity-01-dashboard');

    // The list: filter by status (htmx refreshes the results), the column.
    await page.goto(`${app.url}/structures`);
    await page.getByLabel('Réciprocité', { exact: true }).selectOption({ label: 'En retard ou jamais rencontré' });
    await page.waitForURL(/reciprocite=en_retard_ou_jamais/);
    const results = page.locator('#organizations-results');
    await expectText(results, 'Lycée agricole de Saint-Genis-Laval');
    await expectText(results, 'CFA académique de Lyon');
    expect(await results.innerText()).not.toContain('CREPS Auvergne-Rhône-Alpes');
    await page.getByLabel('Réciprocité', { exact: true }).selectOption({ label: 'Tous les partenariats suivis' });
    await page.waitForURL(/reciprocite=suivis/);
    await expectText(results, 'CREPS Auvergne-Rhône-Alpes');
    await expectText(results, '3/3');
    await bothWidths(page, 'reciprocity-02-list');

    // An organisation's block.
    await page.goto(`${app.url}/structures/${late.id}`);
    await expectText(page.locator('#organization-reciprocity'), '1 rencontre sur 3 visées ces 12 derniers mois');
    await bothWidths(page, 'reciprocity-03-organisation');

    // The admin's figures: a target below its minimum is refused in French, then a lenient rule for CFAs is saved.
    await page.goto(`${app.url}/admin/reciprocite`);
    await page.getByLabel('Minimum pour CFA').fill('3');
    await page.getByLabel('Objectif pour CFA').fill('2');
    await page.getByRole('button', { name: 'Enregistrer les objectifs' }).click();
    await expectText(page.locator('main'), 'L’objectif ne peut pas être inférieur au minimum.');
    await bothWidths(page, 'reciprocity-04-admin-refused');
    await page.getByLabel('Minimum pour CFA').fill('1');
    await page.getByRole('button', { name: 'Enregistrer les objectifs' }).click();
    await expectText(page.locator('main'), 'Objectifs de réciprocité enregistrés');
    expect(await app.database.db.select().from(reciprocityTargets)).toEqual([expect.objectContaining({ scopeCode: 'cfa', minimum: 1, target: 2 })]);
    // The CFA is now measured against its kind's figures: « à surveiller ».
    await page.goto(`${app.url}/structures/${late.id}`);
    await expectText(page.locator('#organization-reciprocity'), /à surveiller/i);
    await expectText(page.locator('#organization-reciprocity'), '1 rencontre sur 2 visées');
    expect(problems).toEqual([]);
  }, 120_000);
});
