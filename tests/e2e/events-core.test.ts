// Reciprocity events in Chromium (issue 13, /evenements): a chargée on the demo data reads the
// list, creates an event with the form (the organisation picked through the htmx search), opens
// it, records the attendance of a past event, and finds it in the organisation's events tab;
// screenshots at 1280 and 390 px.
import type { Browser } from 'playwright-core';
import { and, eq } from 'drizzle-orm';
import { logger } from '../../src/lib/logger';
import { eventOrganizations, events, organizations } from '../../src/models/schema';
import { runSeed } from '../../src/seed/seed';
import { DEMO_PASSWORD } from '../../src/seed/demo-users';
import { expectText, launchBrowser, newPerson, screenshot, signIn, startE2eApp, waitUntil, type E2eApp } from '../support/e2e';

const NADIA = 'nadia.ferreira@passerelle.example';

describe('events', () => {
  let app: E2eApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await startE2eApp();
    await runSeed(app.database.db, logger.child({ module: 'seed' }), { baseUrl: app.url });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  test('a chargée lists events, creates one, and records the attendance of a past one', async () => {
    const db = app.database.db;
    const { page, problems } = await newPerson(browser);
    await signIn(page, app.url, NADIA, DEMO_PASSWORD);

    await page.goto(`${app.url}/evenements`);
    await expectText(page.locator('#events-results'), 'Rencontre partenaires : ressources numériques');
    await screenshot(page, 'events-01-list-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'events-02-list-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('link', { name: 'Passés' }).click();
    await expectText(page.locator('#events-results'), 'Conférence métier : les métiers de l’encadrement sportif');

    // The form: the organisation found by the picker (htmx suggestions), ticked.
    await page.getByRole('link', { name: 'Nouvel événement' }).click();
    await page.getByLabel('Type d’événement').selectOption({ label: 'Job dating' });
    await page.getByLabel('Titre *').fill('Job dating des métiers du sport');
    await page.getByLabel('Date *').fill('2031-05-12');
    await page.getByLabel('Heure de début').fill('14:00');
    await page.getByLabel('Heure de fin').fill('17:00');
    await page.getByLabel('Lieu', { exact: false }).first().fill('CREPS de Montpellier, gymnase');
    await page.getByRole('searchbox', { name: 'Chercher une structure' }).fill('CREPS de Montp');
    const suggestion = page.locator('#organization-suggestions label', { hasText: 'CREPS de Montpellier' }).first();
    await suggestion.waitFor();
    await suggestion.click();
    await waitUntil(() => page.locator('#organization-suggestions').getByRole('checkbox', { name: /CREPS de Montpellier/ }).isChecked(), 'the CREPS is ticked');
    await screenshot(page, 'events-03-form-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'events-04-form-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await page.waitForURL(/\/evenements\/[0-9a-f-]{36}$/);
    await expectText(page.locator('#event-title'), 'Job dating des métiers du sport');
    await expectText(page.locator('#event-organizations'), 'CREPS');
    const [created] = await db.select().from(events).where(eq(events.title, 'Job dating des métiers du sport'));
    expect(created?.startsAt.toISOString()).toBe('2031-05-12T12:00:00.000Z');

    // Cancelled with a reason: the page says so.
    await page.getByRole('link', { name: 'Annuler l’événement' }).click();
    await page.getByLabel(/Motif de l’annulation/).fill('Gymnase en travaux');
    await screenshot(page, 'events-07-cancel-desktop');
    await page.getByRole('button', { name: 'Confirmer l’annulation' }).click();
    await expectText(page.locator('#event-cancelled'), 'Gymnase en travaux');
    await screenshot(page, 'events-08-cancelled-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'events-09-cancelled-phone');
    await page.setViewportSize({ width: 1280, height: 900 });

    // A past event of the seed: Mathis was absent; he came after all.
    const [conference] = await db.select().from(events).where(eq(events.sourceRef, 'seed:event:conference-metier-creps-toulouse'));
    const [reims] = await db.select().from(organizations).where(eq(organizations.sourceRef, 'seed:creps-reims'));
    await page.goto(`${app.url}/evenements/${conference?.id}`);
    await page.getByRole('group', { name: /Présence de Mathis/ }).locator('label', { hasText: /^Présent$/ }).click();
    await screenshot(page, 'events-05-attendance-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'events-06-attendance-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('button', { name: 'Enregistrer les présences' }).click();
    await waitUntil(async () => {
      const [row] = await db
        .select({ attended: eventOrganizations.attended })
        .from(eventOrganizations)
        .where(and(eq(eventOrganizations.eventId, String(conference?.id)), eq(eventOrganizations.organizationId, String(reims?.id))));
      return row?.attended === true;
    }, 'the CREPS of Reims attended');
    await expectText(page.locator('#flash'), 'Présences enregistrées');
    await expectText(page.locator('#event-organizations'), /CREPS de Reims\s+présente/i);
    // The CREPS's timeline shows the event it attended.
    await page.goto(`${app.url}/structures/${reims?.id}/historique?types=evenement`);
    await expectText(page.locator('main'), 'Conférence métier : les métiers de l’encadrement sportif');
    await screenshot(page, 'events-10-organisation-timeline-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'events-11-organisation-timeline-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
    // Its events tab: the conference, « présente », and the way to a new event with it.
    await page.goto(`${app.url}/structures/${reims?.id}`);
    await page.getByRole('tab', { name: 'Événements et réciprocité' }).click();
    await expectText(page.locator('#panel-events'), /Conférence métier : les métiers de l’encadrement sportif\s+présente/i);
    await expectText(page.locator('#panel-events'), 'Tous ses événements');
    await screenshot(page, 'events-12-organisation-events-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'events-13-organisation-events-phone');
    await page.locator('#panel-events').getByRole('link', { name: 'Nouvel événement' }).click();
    await waitUntil(() => page.getByRole('checkbox', { name: /CREPS de Reims/ }).isChecked(), 'the CREPS of Reims is ticked');
    expect(problems).toEqual([]);
  }, 60_000);
});
