// Pilots in Chromium (/sourcing/pilotes): a case enters « expérimentation » (the gate's mover), a
// chargée prepares its pilot (a start refused without criteria, then criteria, dates, decision
// owner, a milestone), starts it (the milestone becomes a task), and closes it with the criteria's
// results and « Déployer » (the contractualisation gate is offered). Screenshots at 1280 and 390 px.
import type { Browser, Page } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { addParisDays, parisDayOf } from '../../src/lib/paris-time';
import { sourcingChallengeUnits, sourcingChallenges, sourcingPilots, tasks } from '../../src/models/schema';
import { listUnits } from '../../src/models/units.model';
import { actorOf } from '../../src/services/auth.service';
import { addCaseInTransaction, moveCaseStage } from '../../src/services/sourcing-cases.service';
import { DEFAULT_CRITERIA } from '../../src/workflows/sourcing-scorecard';
import { expectText, launchBrowser, newPerson, screenshot, signIn, startE2eApp, type E2eApp } from '../support/e2e';
import { buildOrganization } from '../support/directory-fixtures';
import { buildUser } from '../support/harness';

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
}

describe('sourcing pilots', () => {
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

  test('a chargée prepares a pilot, starts it and closes it with « Déployer »', async () => {
    const db = app.database.db;
    const unitId = (await listUnits(db)).find((unit) => unit.code === 'DDPSI')!.id;
    const charge = await buildUser(db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Nadia Ferreira' });
    const manager = await buildUser(db, { roles: ['manager'], unitCodes: ['DDPSI'], displayName: 'Hélène Marchand' });
    const startup = await buildOrganization(db, { name: 'EvalSkills', unitCodes: ['DDPSI'] });
    const [challenge] = await db
      .insert(sourcingChallenges)
      .values({ title: 'Évaluation des compétences à distance', problemStatement: 'Évaluer à distance.', ownerId: charge.id, sponsorId: manager.id, criteria: DEFAULT_CRITERIA.map((criterion) => ({ ...criterion })), status: 'ouvert' })
      .returning();
    await db.insert(sourcingChallengeUnits).values({ challengeId: challenge!.id, unitId, position: 0 });
    const ctx = { db, actor: await actorOf(db, charge), now: new Date(), baseUrl: app.url };
    const created = await db.transaction((tx) => addCaseInTransaction(tx, ctx, { organizationId: startup.id, challengeId: challenge!.id, source: 'salon', stage: 'evaluee' }, 'seed'));
    await db.transaction((tx) => moveCaseStage(tx, ctx, { caseId: created.id, to: 'experimentation', by: 'gate' }));
    const [pilot] = await db.select().from(sourcingPilots).where(eq(sourcingPilots.caseId, created.id));
    expect(pilot?.status).toBe('en_preparation');

    const { page, problems } = await newPerson(browser);
    await signIn(page, app.url, charge.email);
    await page.goto(`${app.url}/sourcing/pilotes`);
    await expectText(page.locator('#pilots-results'), 'EvalSkills');
    await page.getByRole('link', { name: 'EvalSkills' }).click();
    await expectText(page.locator('#pilot-status'), /en préparation/i);

    // Starting without criteria nor dates is refused and says what is missing.
    await page.getByRole('button', { name: 'Démarrer l’expérimentation' }).click();
    await expectText(page.locator('#form-errors'), 'Écrivez au moins un critère de succès.');

    const today = parisDayOf(new Date());
    await page.getByLabel('Début').fill(addParisDays(today, -20));
    await page.getByLabel('Fin', { exact: true }).fill(addParisDays(today, 40));
    await page.getByLabel('Décision portée par').selectOption({ label: 'Hélène Marchand' });
    await page.getByLabel('Apprenants').fill('60');
    await page.getByLabel('Personnels').fill('4');
    await page.getByLabel('Budget').fill('15 000');
    await page.locator('#criterion-0-label').fill('Fiabilité de l’évaluation');
    await page.locator('#criterion-0-measure').fill('Accord avec le jury en présentiel');
    await page.locator('#criterion-0-target').fill('≥ 90 % des notes identiques');
    await page.locator('#milestone-0-label').fill('Point à mi-parcours avec les formateurs');
    await page.locator('#milestone-0-checkOn').fill(addParisDays(today, 10));
    await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await expectText(page.locator('#milestones'), 'Point à mi-parcours avec les formateurs');
    await screenshot(page, 'sourcing-pilots-01-preparation-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'sourcing-pilots-02-preparation-phone');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.getByRole('button', { name: 'Démarrer l’expérimentation' }).click();
    await expectText(page.locator('#pilot-status'), /en cours/i);
    await expectText(page.locator('#milestones'), 'Tâche (À faire)');
    const checks = await db.select().from(tasks).where(eq(tasks.sourcingCaseId, created.id));
    expect(checks.map((task) => [task.assigneeId, task.dueOn])).toEqual([[manager.id, addParisDays(today, 10)]]);

    // The closing decision, before the end date: the result of the criterion, met, « Déployer ».
    await page.getByLabel('Résultat').fill('93 % des notes identiques');
    await page.locator('#decision-form').getByText('Oui', { exact: true }).click();
    await page.locator('label[for="decision-deployer"]').click();
    await page.getByLabel('Justification').fill('La fiabilité est au rendez-vous ; les formateurs demandent le déploiement.');
    await screenshot(page, 'sourcing-pilots-03-decision-desktop');
    await page.getByRole('button', { name: 'Enregistrer la décision' }).click();
    await expectText(page.locator('#pilot-status'), /close/i);
    await expectText(page.locator('#pilot-decision'), 'Décision : Déployer');
    await expectText(page.locator('#criteria'), /atteint/i);
    expect(await page.locator('#contractualisation-link').getAttribute('href')).toBe(`/sourcing/comites/nouveau?piste=${created.id}&vers=contractualisation`);
    await screenshot(page, 'sourcing-pilots-04-closed-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'sourcing-pilots-05-closed-phone');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.goto(`${app.url}/sourcing/pilotes?etat=clos`);
    await expectText(page.locator('#pilots-results'), 'EvalSkills');
    await screenshot(page, 'sourcing-pilots-06-list-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'sourcing-pilots-07-list-phone');
    expect(problems).toEqual([]);
  });
});
