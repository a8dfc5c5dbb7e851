// Sourcing challenges in Chromium (/sourcing/defis): a chargée creates a challenge with the form
// (a first try refused at 422 with what she typed kept), reads its page (header, grid, cases by
// stage, links to add a case, the kanban and the import), opens it, and finds it in the list
// filtered through htmx (the URL follows). Screenshots at 1280 and 390 px.
import type { Browser, Page } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { sourcingChallenges } from '../../src/models/schema';
import { expectText, launchBrowser, newPerson, screenshot, signIn, startE2eApp, waitUntil, type E2eApp } from '../support/e2e';
import { buildUser } from '../support/harness';
import { buildOrganization } from '../support/directory-fixtures';
import { loadActiveActor } from '../../src/services/auth.service';
import { addCaseInTransaction, moveCaseStage } from '../../src/services/sourcing-cases.service';

/** The document's width against the window's (a string: this project's TypeScript has no DOM types). */
async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
}

describe('sourcing challenges', () => {
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

  test('a chargée creates a challenge, opens it and finds it in the list', async () => {
    const db = app.database.db;
    const charge = await buildUser(db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Nadia Ferreira' });
    await buildUser(db, { roles: ['manager'], unitCodes: ['DDPSI'], displayName: 'Hélène Marchand' });
    const { page, problems } = await newPerson(browser);
    await signIn(page, app.url, charge.email);

    await page.goto(`${app.url}/sourcing/defis`);
    await expectText(page.locator('#challenges-results'), 'Aucun défi');
    await page.getByRole('link', { name: 'Nouveau défi' }).click();
    await page.locator('#field-title').fill('Évaluation des compétences à distance');
    await page.locator('#field-problemStatement').fill('Évaluer à distance les gestes professionnels des apprenants en formation pratique, sans déplacer les jurys.');
    await page.locator('#field-expectedBenefits').fill('Moins de déplacements, des sessions plus fréquentes.');
    await page.locator('#field-sponsorId').selectOption({ label: 'Hélène Marchand' });
    await page.locator('#field-budgetMin').fill('20 000');
    await page.locator('#field-budgetMax').fill('10 000');
    await page.locator('#field-startsOn').fill('2027-01-15');
    await page.locator('#field-endsOn').fill('2027-09-01');
    await page.locator('#field-weight_image').selectOption('0');
    await page.locator('#field-weight_cout').selectOption('4');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    // Refused: the budget range is upside down; everything typed is still there.
    await expectText(page.locator('main'), 'Le budget maximum doit être supérieur ou égal au minimum.');
    expect(await page.locator('#field-title').inputValue()).toBe('Évaluation des compétences à distance');
    expect(await page.locator('#field-weight_cout').inputValue()).toBe('4');
    await page.locator('#field-budgetMax').fill('60 000');
    await screenshot(page, 'sourcing-challenges-01-form-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'sourcing-challenges-02-form-phone');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('button', { name: 'Enregistrer' }).click();

    await expectText(page.locator('#challenge-title'), 'Évaluation des compétences à distance');
    await expectText(page.locator('#challenge-status'), /brouillon/i);
    await expectText(page.locator('#challenge-facts'), 'Hélène Marchand');
    await expectText(page.locator('#challenge-facts'), 'Du 15/01/2027 au 01/09/2027');
    await expectText(page.locator('#challenge-criteria'), 'Coût');
    expect(await page.locator('#challenge-criteria').innerText()).not.toContain('Image');
    const [row] = await db.select().from(sourcingChallenges).where(eq(sourcingChallenges.title, 'Évaluation des compétences à distance'));
    expect(row).toMatchObject({ budgetMinCents: 2_000_000, budgetMaxCents: 6_000_000, status: 'brouillon' });
    const id = row?.id as string;
    expect(await page.getByRole('link', { name: 'Ajouter une piste' }).getAttribute('href')).toBe(`/sourcing/pistes/nouvelle?defi=${id}`);
    expect(await page.getByRole('link', { name: 'Voir le kanban' }).getAttribute('href')).toBe(`/sourcing?defi=${id}`);
    expect(await page.getByRole('link', { name: 'Importer des start-up' }).getAttribute('href')).toBe(`/imports/nouveau?type=sourcing_cases&defi=${id}`);

    await page.getByRole('button', { name: 'Ouvrir le défi' }).click();
    await expectText(page.locator('#challenge-status'), /ouvert/i);
    // Two start-ups added (the case form is the kanban's): the page lists them under their stage.
    const ctx = { db, actor: await loadActiveActor(db, charge.id), now: new Date(), baseUrl: app.url };
    for (const name of ['EduVision', 'Skillcam']) {
      const startup = await buildOrganization(db, { name, kindCode: 'startup' });
      const added = await db.transaction((tx) => addCaseInTransaction(tx, ctx, { organizationId: startup.id, challengeId: id, source: 'salon' }));
      if (name === 'Skillcam') await db.transaction((tx) => moveCaseStage(tx, ctx, { caseId: added.id, to: 'qualifiee', by: 'person' }));
    }
    await page.reload();
    await expectText(page.locator('#etape-reperee'), 'EduVision');
    await expectText(page.locator('#etape-qualifiee'), 'Skillcam');
    await screenshot(page, 'sourcing-challenges-03-page-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'sourcing-challenges-04-page-phone');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 900 });

    // The list, filtered through htmx: the URL follows.
    await page.goto(`${app.url}/sourcing/defis`);
    await expectText(page.locator('#challenges-results'), 'Évaluation des compétences à distance');
    await page.locator('#filter-status').selectOption({ label: 'Clos' });
    await waitUntil(async () => page.url().includes('status=clos'), 'the URL carries the filter');
    await expectText(page.locator('#challenges-results'), 'Aucun défi');
    await page.locator('#filter-status').selectOption({ label: 'Ouvert' });
    await expectText(page.locator('#challenges-results'), 'Évaluation des compétences à distance');
    await screenshot(page, 'sourcing-challenges-05-list-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'sourcing-challenges-06-list-phone');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    expect(problems).toEqual([]);
  }, 120_000);
});
