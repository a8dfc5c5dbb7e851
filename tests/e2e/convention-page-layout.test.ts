// The convention page at desktop (1280 px) and phone (390 px) widths: the approval steps table
// (six columns) stays inside its panel — whole, or scrolling inside the DSFR table wrapper —
// and nothing widens the page. Screenshots: tests/e2e/screenshots/convention-steps-*.png.
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { actorOf } from '../../src/services/auth.service';
import { submitConvention } from '../../src/services/convention-circuit';
import { createConvention } from '../../src/services/conventions.service';
import { buildOrganization } from '../support/directory-fixtures';
import { SCREENSHOT_DIR, launchBrowser, newPerson, screenshot, startE2eApp, type E2eApp } from '../support/e2e';
import { TEST_PASSWORD, buildUser } from '../support/harness';

/** Where the steps table sits against its panel, and whether anything widens the page. */
async function layoutOf(page: Page) {
  return page.evaluate(`(() => {
    const panel = document.querySelector('#circuit');
    const table = panel.querySelector('table');
    const scroller = table.closest('.fr-table__container') || table.parentElement;
    const box = (element) => element.getBoundingClientRect();
    return {
      panelRight: box(panel).right,
      panelLeft: box(panel).left,
      scrollerRight: box(scroller).right,
      tableRight: box(table).right,
      scrollerScrolls: scroller.scrollWidth > scroller.clientWidth && ['auto', 'scroll'].includes(getComputedStyle(scroller).overflowX),
      pageWidth: document.documentElement.scrollWidth,
      viewport: window.innerWidth,
    };
  })()`) as Promise<{ panelRight: number; panelLeft: number; scrollerRight: number; tableRight: number; scrollerScrolls: boolean; pageWidth: number; viewport: number }>;
}

describe('the convention page layout', () => {
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

  test('shows the whole approval steps table at 1280 and 390 px', async () => {
    const db = app.database.db;
    const charge = await buildUser(db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Chloé Chargée' });
    const partner = await buildOrganization(db, { name: 'Université Clermont Auvergne', unitCodes: ['DDPSI'] });
    const ctx = { db, actor: await actorOf(db, charge), now: new Date(), baseUrl: app.url };
    const convention = await createConvention(ctx, {
      title: 'Convention de partenariat pour la formation aux métiers de l’hôtellerie et de la restauration',
      kind: 'partenariat',
      moneyDirection: 'recette',
      amount: '48 000',
      addPartyIds: [partner.id],
    });
    await submitConvention(ctx, convention.id);

    const { page, problems } = await newPerson(browser);
    await page.goto(`${app.url}/login`);
    await page.getByLabel('Adresse électronique').fill(charge.email);
    await page.getByLabel(/^Mot de passe/).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(`${app.url}/`);

    for (const [width, height] of [
      [1280, 900],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width, height });
      await page.goto(`${app.url}/conventions/${convention.id}`);
      await page.locator('#circuit table').waitFor();
      await page.locator('#circuit').scrollIntoViewIfNeeded();
      await screenshot(page, `convention-steps-${width}`);
      await page.locator('#circuit').screenshot({ path: path.join(SCREENSHOT_DIR, `convention-steps-${width}-panel.png`) });
      const layout = await layoutOf(page);
      // The page itself never scrolls sideways.
      expect(layout.pageWidth).toBeLessThanOrEqual(layout.viewport);
      // The table's box stays within its panel: either the whole table fits, or it scrolls inside its wrapper.
      expect(layout.scrollerRight).toBeLessThanOrEqual(layout.panelRight + 0.5);
      if (!layout.scrollerScrolls) expect(layout.tableRight).toBeLessThanOrEqual(layout.panelRight + 0.5);
    }
    expect(problems).toEqual([]);
  });
});
