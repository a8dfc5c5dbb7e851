// The funnel in Chromium: a chargée opens /sourcing/statistiques on the demo data plus a two-year
// stage history, reads the charts and their tables (desktop and phone screenshots), narrows it
// to one source (htmx refresh, the URL follows) and finds the export links.
import type { Browser } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { logger } from '../../src/lib/logger';
import { listUnits } from '../../src/models/units.model';
import { CASE_SOURCES, organizations, sourcingCaseStages, sourcingCases, sourcingChallenges, sourcingPilots, type CaseStage } from '../../src/models/schema';
import { runSeed } from '../../src/seed/seed';
import { DEMO_PASSWORD } from '../../src/seed/demo-users';
import { expectText, launchBrowser, newPerson, screenshot, signIn, startE2eApp, waitUntil, type E2eApp } from '../support/e2e';

const NADIA = 'nadia.ferreira@passerelle.example';
const PATH: CaseStage[] = ['reperee', 'qualifiee', 'rencontree', 'evaluee', 'experimentation', 'contractualisation', 'deployee'];
const DAY = 86_400_000;

describe('the sourcing funnel page', () => {
  let app: E2eApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await startE2eApp();
    const db = app.database.db;
    await runSeed(db, logger.child({ module: 'seed' }), { baseUrl: app.url });
    const startups = await db.select({ id: organizations.id }).from(organizations).where(eq(organizations.kindCode, 'startup'));
    const units = await listUnits(db);
    const titles = ['Évaluation des compétences à distance', 'Accessibilité des contenus', 'IA d’accompagnement des apprenants'];
    const challenges = await db
      .insert(sourcingChallenges)
      .values(titles.map((title) => ({ title: `${title} (statistiques)`, problemStatement: title, criteria: [], status: 'en_sourcing' as const })))
      .returning();
    const now = Date.now();
    // One case per start-up and challenge: going further the lower its number, over two years.
    let n = 0;
    for (const challenge of challenges) {
      for (const startup of startups.slice(0, 24)) {
        n += 1;
        const depth = n % 11 === 0 ? 7 : n % 7 === 0 ? 5 : n % 3 === 0 ? 3 : 1 + (n % 2);
        const start = now - (700 - ((n * 37) % 650)) * DAY;
        const stages = PATH.slice(0, depth);
        const abandoned = depth <= 2 && n % 4 === 0;
        if (abandoned) stages.push('abandonnee');
        const days = stages.map((_, index) => start + index * (8 + ((n * (index + 3)) % 25)) * DAY);
        const [row] = await db
          .insert(sourcingCases)
          .values({
            challengeId: challenge.id,
            organizationId: startup.id,
            unitId: units[n % 3]!.id,
            source: CASE_SOURCES[n % CASE_SOURCES.length]!,
            stage: stages.at(-1)!,
            stageEnteredAt: new Date(days.at(-1)!),
          })
          .returning();
        await db.insert(sourcingCaseStages).values(
          stages.map((stage, index) => ({ caseId: row!.id, stage, fromStage: index ? stages[index - 1]! : null, enteredAt: new Date(days[index]!), leftAt: index < stages.length - 1 ? new Date(days[index + 1]!) : null, movedBy: 'person' })),
        );
        if (depth >= 5) {
          const decided = depth === 7;
          await db.insert(sourcingPilots).values({
            caseId: row!.id,
            status: decided ? 'clos' : 'en_cours',
            startsOn: new Date(days[4]!).toISOString().slice(0, 10),
            endsOn: new Date(days[4]! + 30 * DAY).toISOString().slice(0, 10),
            decision: decided ? 'deployer' : null,
            decidedAt: decided ? new Date(days[4]! + 31 * DAY) : null,
          });
        }
      }
    }
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  test('a chargée reads the funnel, narrows it to one source and finds the exports', async () => {
    const { page, problems } = await newPerson(browser);
    await signIn(page, app.url, NADIA, DEMO_PASSWORD);
    await page.goto(`${app.url}/sourcing/statistiques`);
    await expectText(page.locator('h1'), 'Statistiques du sourcing');
    const funnelTable = page.locator('#table-entonnoir');
    await expectText(funnelTable, 'Repérée');
    const entered = Number((await funnelTable.locator('tbody tr').first().locator('td').first().innerText()).replace(/\s/g, ''));
    expect(entered).toBeGreaterThan(20);
    expect(await page.locator('svg[role="img"]').count()).toBeGreaterThanOrEqual(6);
    await expectText(page.locator('#table-experimentations'), 'Déployer');
    await screenshot(page, 'sourcing-stats-01-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'sourcing-stats-02-phone');
    // No horizontal scroll of the page itself on a phone (wide tables scroll inside their box).
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.locator('#field-source').selectOption('salon');
    await waitUntil(async () => page.url().includes('source=salon'), 'the URL follows the filter');
    await waitUntil(async () => {
      const text = await page.locator('#table-entonnoir tbody tr').first().locator('td').first().innerText();
      return Number(text.replace(/\s/g, '')) < entered;
    }, 'the funnel shows the salon cases only');
    const sources = await page.locator('#table-sources-etapes tbody th').allInnerTexts();
    expect(sources).toEqual(['Salon']);
    await expectText(page.locator('#sourcing-stats-results'), 'Exporter les tableaux (CSV)');
    const csvLink = await page.getByRole('link', { name: 'Exporter les tableaux (CSV)' }).getAttribute('href');
    expect(csvLink).toContain('source=salon');
    expect(csvLink).toContain('format=csv');
    await screenshot(page, 'sourcing-stats-03-salon');
    expect(problems).toEqual([]);
  });
});
