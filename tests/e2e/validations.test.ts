// Mes validations in Chromium: a juriste finds the legal review of a convention in their inbox
// (badge in the header), approves it inline (htmx, CSRF header), and the badge goes down.
import type { Browser } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { units, workflowSteps } from '../../src/models/schema';
import { actorOf } from '../../src/services/auth.service';
import { startRun } from '../../src/services/workflows.service';
import { CONVENTION_APPROVAL_KEY } from '../../src/workflows/definitions/convention-approval.workflow';
import { expectText, launchBrowser, newPerson, screenshot, startE2eApp, waitUntil, type E2eApp } from '../support/e2e';
import { TEST_PASSWORD, buildUser } from '../support/harness';

describe('Mes validations in the browser', () => {
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

  test('a juriste approves a legal review from Mes validations', async () => {
    const db = app.database.db;
    const [unit] = await db.select().from(units).where(eq(units.code, 'UO-PRO'));
    const charge = await buildUser(db, { roles: ['charge'], unitCodes: ['UO-PRO'], displayName: 'Chloé Chargée' });
    const juriste = await buildUser(db, { roles: ['juriste'], unitCodes: ['DAJ'], displayName: 'Julie Juriste' });
    const ctx = { db, actor: await actorOf(db, charge), now: new Date(), baseUrl: app.url };
    const run = await db.transaction((tx) =>
      startRun(tx, { ...ctx, db: tx }, {
        definitionKey: CONVENTION_APPROVAL_KEY,
        subject: { type: 'convention', id: 'e2e-convention', unitId: unit?.id ?? null, context: { amount: 12000, title: 'Convention CREPS Auvergne-Rhône-Alpes 2027' } },
      }),
    );

    const { page, problems } = await newPerson(browser);
    await page.goto(`${app.url}/login`);
    await page.getByLabel('Adresse électronique').fill(juriste.email);
    await page.getByLabel(/^Mot de passe/).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(`${app.url}/`);
    const badge = page.locator('.fr-header__tools-links .passerelle-validations-badge');
    await expectText(badge, '1', 15_000);

    await page.getByRole('link', { name: /Mes validations/ }).first().click();
    await page.getByRole('heading', { name: 'Mes validations', level: 1 }).waitFor();
    const card = page.locator('#validations-list [id^="step-"]').first();
    await expectText(card, 'Revue juridique — Convention CREPS Auvergne-Rhône-Alpes 2027', 15_000);
    await screenshot(page, 'validations-01-inbox');
    await expectText(page.locator('#validations-count'), /^1 /, 15_000);

    await card.getByLabel(/Commentaire/).fill('Clauses conformes à la convention-cadre type.');
    await card.getByRole('button', { name: 'Approuver' }).click();

    await expectText(page.locator('#validations-list'), 'Votre décision « Approuver » est enregistrée.', 15_000);
    // The badge was refreshed out of band: nothing left to decide.
    await waitUntil(async () => (await badge.innerText()).trim() === '', 'the header badge emptied');
    // So was the inbox's count, without a reload.
    await expectText(page.locator('#validations-count'), /^0 /, 15_000);
    await screenshot(page, 'validations-02-approved');
    // The notice about that step is at /notifications, linked from « Mes validations »: « traitée ».
    await page.locator('#validations-notices').getByRole('link').click();
    await expectText(page.locator('li.passerelle-notice-done'), /traitée/i, 15_000);

    const steps = await db.select().from(workflowSteps).where(eq(workflowSteps.runId, run.id));
    const legal = steps.find((step) => step.stepKey === 'legal');
    expect(legal?.status).toBe('approved');
    expect(legal?.decidedById).toBe(juriste.id);
    expect(legal?.comment).toBe('Clauses conformes à la convention-cadre type.');
    expect(problems).toEqual([]);
  });

  test('a delegate decides for the juriste: « pour » in the inbox, the juriste’s notice is « traitée », the period as entered', async () => {
    const db = app.database.db;
    const [unit] = await db.select().from(units).where(eq(units.code, 'UO-PRO'));
    const charge = await buildUser(db, { roles: ['charge'], unitCodes: ['UO-PRO'], displayName: 'Camille Chargée' });
    const juriste = await buildUser(db, { roles: ['juriste'], unitCodes: ['DAJ'], displayName: 'Jeanne Juriste' });
    const delegate = await buildUser(db, { roles: ['manager'], unitCodes: ['UO-SUP'], displayName: 'Denis Délégué' });
    const signIn = async (email: string) => {
      const person = await newPerson(browser);
      await person.page.goto(`${app.url}/login`);
      await person.page.getByLabel('Adresse électronique').fill(email);
      await person.page.getByLabel(/^Mot de passe/).fill(TEST_PASSWORD);
      await person.page.getByRole('button', { name: 'Se connecter' }).click();
      await person.page.waitForURL(`${app.url}/`);
      return person;
    };

    // The juriste delegates her juriste approvals to a manager of another unit, for whole days.
    const jeanne = await signIn(juriste.email);
    await jeanne.page.goto(`${app.url}/validations/delegations`);
    await jeanne.page.getByLabel('Rôle délégué').selectOption('juriste');
    await jeanne.page.getByLabel('Délégué·e').selectOption({ label: 'Denis Délégué' });
    const today = new Date();
    const iso = (offset: number) => new Date(today.getTime() + offset * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Europe/Paris' });
    await jeanne.page.getByLabel('Du').fill(iso(0));
    await jeanne.page.getByLabel('Au (inclus)').fill(iso(7));
    await jeanne.page.getByRole('button', { name: 'Enregistrer la délégation' }).click();
    const french = (isoDay: string) => isoDay.split('-').reverse().join('/');
    await expectText(jeanne.page.locator('main'), `du ${french(iso(0))} au ${french(iso(7))}`, 15_000);
    await screenshot(jeanne.page, 'validations-04-delegation-period');

    const ctx = { db, actor: await actorOf(db, charge), now: new Date(), baseUrl: app.url };
    await db.transaction((tx) =>
      startRun(tx, { ...ctx, db: tx }, {
        definitionKey: CONVENTION_APPROVAL_KEY,
        subject: { type: 'convention', id: 'e2e-convention-delegation', unitId: unit?.id ?? null, context: { amount: 8000, title: 'Convention Lycée Jean Moulin 2027' } },
      }),
    );

    const denis = await signIn(delegate.email);
    await denis.page.goto(`${app.url}/validations`);
    const card = denis.page.locator('#validations-list [id^="step-"]').filter({ hasText: 'Convention Lycée Jean Moulin 2027' }).filter({ hasText: 'Revue juridique' });
    await expectText(card, 'Vous décidez pour Jeanne Juriste (délégation).', 15_000);
    await screenshot(denis.page, 'validations-05-delegate-inbox');
    await card.getByRole('button', { name: 'Approuver' }).click();
    await expectText(denis.page.locator('#validations-list'), 'Votre décision « Approuver » pour Jeanne Juriste est enregistrée.', 15_000);

    // Her notice about that step (at /notifications) is done: greyed, « traitée ».
    await jeanne.page.goto(`${app.url}/notifications`);
    const done = jeanne.page.locator('li.passerelle-notice-done').filter({ hasText: 'Convention Lycée Jean Moulin 2027' });
    await expectText(done, /traitée/i, 15_000); // the DSFR badge is in capitals
    await screenshot(jeanne.page, 'validations-06-notice-done');
    await jeanne.page.getByRole('link', { name: /Revue juridique — Convention Lycée Jean Moulin 2027/ }).first().click();
    await expectText(jeanne.page.locator('main'), 'Denis Délégué pour Jeanne Juriste', 15_000);
    await screenshot(jeanne.page, 'validations-07-decided-for');
    expect(jeanne.problems).toEqual([]);
    expect(denis.problems).toEqual([]);
  });

  test('an admin opens the queue dashboard (bull-board) under its relaxed CSP', async () => {
    const admin = await buildUser(app.database.db, { roles: ['admin'], displayName: 'Ada Admin' });
    const { page, problems } = await newPerson(browser);
    await page.goto(`${app.url}/login`);
    await page.getByLabel('Adresse électronique').fill(admin.email);
    await page.getByLabel(/^Mot de passe/).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(`${app.url}/`);
    await page.goto(`${app.url}/admin/files`);
    await expectText(page.locator('body'), 'workflows', 15_000);
    // The sidebar and the main list both link to the queue.
    await page.getByRole('main').getByRole('link', { name: 'workflows' }).click();
    await page.waitForURL(/\/admin\/files\/queue\/workflows/);
    await page.waitForTimeout(1_000);
    await screenshot(page, 'validations-03-queue-board');
    // Only its external web font is refused (the stylesheet link on line 11 of its page, not our origin).
    expect(problems.filter((problem) => !/CSP style-src-elem .*\/admin\/files:11|fonts\.googleapis\.com/.test(problem))).toEqual([]);
  });
});

