// Sourcing linked into the directory and the start-up meeting, in Chromium (issue 14): the
// organisation's « Sourcing d'innovation » tab lists its cases and leads to « Consigner un
// échange » about one; the start-up meeting form offers « Ajouter au défi … ». Screenshots at
// 1280 and 390 px (tests/e2e/screenshots/sourcing-links-*.png), looked at.
import type { Browser, Page } from 'playwright-core';
import { sourcingChallengeUnits, sourcingChallenges } from '../../src/models/schema';
import { listUnits } from '../../src/models/units.model';
import { loadActiveActor } from '../../src/services/auth.service';
import { addCaseInTransaction, moveCaseStage } from '../../src/services/sourcing-cases.service';
import { DEFAULT_CRITERIA } from '../../src/workflows/sourcing-scorecard';
import { buildOrganization } from '../support/directory-fixtures';
import { expectText, launchBrowser, newPerson, screenshot, signIn, startE2eApp, type E2eApp } from '../support/e2e';
import { buildUser } from '../support/harness';

/** The document's width against the window's (a string: this project's TypeScript has no DOM types). */
async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
}

describe('sourcing links', () => {
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

  test('the organisation’s sourcing tab and the start-up meeting form', async () => {
    const db = app.database.db;
    const charge = await buildUser(db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Nadia Ferreira' });
    const unitId = (await listUnits(db)).find((unit) => unit.code === 'DDPSI')!.id;
    const [challenge] = await db
      .insert(sourcingChallenges)
      .values({ title: 'Évaluation des compétences à distance', problemStatement: 'Évaluer à distance.', criteria: DEFAULT_CRITERIA.map((criterion) => ({ ...criterion })), status: 'ouvert', ownerId: charge.id })
      .returning();
    await db.insert(sourcingChallengeUnits).values({ challengeId: challenge!.id, unitId, position: 0 });
    const startup = await buildOrganization(db, { name: 'Quizzia SAS', kindCode: 'startup', unitCodes: ['DDPSI'] });
    const ctx = { db, actor: await loadActiveActor(db, charge.id), now: new Date(), baseUrl: app.url };
    const piste = await db.transaction((tx) =>
      addCaseInTransaction(tx, ctx, { organizationId: startup.id, challengeId: challenge!.id, source: 'salon', nextStep: 'Démonstration au lycée Jean-Jaurès', nextStepOn: '2026-01-15' }),
    );
    await db.transaction((tx) => moveCaseStage(tx, ctx, { caseId: piste.id, to: 'qualifiee', by: 'person' }));
    await db.transaction((tx) => addCaseInTransaction(tx, ctx, { organizationId: startup.id, challengeId: null, source: 'candidature_spontanee', confidential: true }));

    const { page, problems } = await newPerson(browser);
    await signIn(page, app.url, charge.email);
    await page.goto(`${app.url}/structures/${startup.id}`);
    await page.getByRole('tab', { name: 'Sourcing d’innovation' }).click();
    const panel = page.locator('#panel-sourcing');
    await expectText(panel, 'Évaluation des compétences à distance');
    await expectText(panel, /qualifiée/i);
    await expectText(panel, 'en retard');
    await expectText(panel, 'Piste spontanée (hors défi)');
    expect(await panel.getByRole('link', { name: 'Nouvelle piste' }).getAttribute('href')).toBe(`/sourcing/pistes/nouvelle?structure=${startup.id}`);
    await screenshot(page, 'sourcing-links-01-organization-tab-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'sourcing-links-02-organization-tab-phone');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 900 });

    // « Consigner un échange » about the case: the start-up and the case are pre-filled.
    const link = panel.locator('li', { hasText: 'Évaluation des compétences à distance' }).getByRole('link', { name: 'Consigner un échange' });
    expect(await link.getAttribute('href')).toBe(`/echanges/nouveau?piste=${piste.id}`);
    await link.click();
    await page.waitForURL(`${app.url}/echanges/nouveau?piste=${piste.id}`);
    await expectText(page.locator('#section-what').locator('xpath=..'), 'Piste : Quizzia SAS — Évaluation des compétences à distance');
    await screenshot(page, 'sourcing-links-03-exchange-about-case');

    await page.goto(`${app.url}/echanges/rencontre-startup`);
    await expectText(page.locator('#startup-sourcing'), 'Ajouter au défi');
    await page.locator('#field-sourcingChallenge').selectOption({ label: 'Défi : Évaluation des compétences à distance' });
    await page.locator('#field-sourcingSource').selectOption({ label: 'Salon' });
    await screenshot(page, 'sourcing-links-04-startup-meeting-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'sourcing-links-05-startup-meeting-phone');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    expect(problems).toEqual([]);
  }, 120_000);
});
