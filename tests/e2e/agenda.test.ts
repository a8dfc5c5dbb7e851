// The agenda in Chromium (issue 13): a chargée opens /agenda — this month's grid with her meeting,
// an event, a task and a convention deadline —, walks it with the keyboard (Tab and the arrow keys
// from item to item, Enter opens one; « Mois suivant » and back), switches to the list and drops a
// type (htmx: the URL follows), downloads the meeting's .ics from the exchange page, and creates her iCal feed on
// /compte, which a calendar app then reads. Screenshots at 1280 and 390 px.
import { DateTime } from 'luxon';
import type { Browser, Page } from 'playwright-core';
import { conventions, events, tasks } from '../../src/models/schema';
import { listUnits } from '../../src/models/units.model';
import { loadActiveActor } from '../../src/services/auth.service';
import { createExchange } from '../../src/services/exchanges.service';
import { buildOrganization } from '../support/directory-fixtures';
import { expectText, launchBrowser, newPerson, screenshot, signIn, startE2eApp, waitUntil, type E2eApp } from '../support/e2e';
import { buildUser } from '../support/harness';
import { parseValidCalendar } from '../support/ical';

const PARIS = 'Europe/Paris';

/** The document's width against the window's (a string: this project's TypeScript has no DOM types). */
async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
}

describe('agenda', () => {
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

  test('month grid walked with the keyboard, list with a type dropped, an exchange’s .ics, the personal feed', async () => {
    const db = app.database.db;
    const month = DateTime.now().setZone(PARIS).startOf('month');
    // Days 8 to 22 exist in every month; the grid is this month's.
    const day = (n: number) => month.set({ day: n }).toISODate() as string;
    const at = (n: number, time: string) => DateTime.fromISO(`${day(n)}T${time}`, { zone: PARIS }).toJSDate();
    const charge = await buildUser(db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Chloé Agenda' });
    const ddpsi = (await listUnits(db)).find((unit) => unit.code === 'DDPSI')?.id as string;
    const creps = await buildOrganization(db, { name: 'CREPS de Bordeaux', unitCodes: ['DDPSI'] });
    const actor = await loadActiveActor(db, charge.id);
    const ctx = { db, actor, now: new Date(), baseUrl: app.url };
    const { exchange } = await createExchange(ctx, { kind: 'rendez_vous', occurredOn: day(9), occurredTime: '10:30', durationMinutes: '60', summary: 'Bilan annuel avec le CREPS', organizationIds: [creps.id] });
    await createExchange(ctx, { kind: 'visio', occurredOn: day(9), occurredTime: '15:00', summary: 'Visio de suivi CREPS', organizationIds: [creps.id] });
    await db.insert(events).values({ kind: 'conference_metier', title: 'Conférence métiers du sport', startsAt: at(14, '09:00'), endsAt: at(14, '12:00'), place: 'CREPS', unitId: ddpsi, ownerId: charge.id });
    await db.insert(tasks).values({ title: 'Relancer le CREPS pour la convention', dueOn: day(17), assigneeId: charge.id, createdById: charge.id });
    await db.insert(conventions).values({ reference: 'CONV-E2E-0001', title: 'Partenariat CREPS', kind: 'partenariat', status: 'en_vigueur', unitId: ddpsi, ownerId: charge.id, endsOn: day(22) });

    const { page, problems } = await newPerson(browser);
    await signIn(page, app.url, charge.email);
    // From the menu: « Activité » opens its sub-menu.
    await page.locator('#navigation').getByRole('button', { name: 'Activité' }).click();
    await page.getByRole('link', { name: 'Agenda', exact: true }).click();
    await page.waitForURL(`${app.url}/agenda`);
    const results = page.locator('#agenda-results');
    await expectText(results, 'Bilan annuel avec le CREPS');
    await expectText(results, 'Conférence métiers du sport');
    await expectText(results, 'Relancer le CREPS pour la convention');
    await expectText(results, 'Fin de la convention CONV-E2E-0001');
    await screenshot(page, 'agenda-01-month-desktop');

    // Keyboard: the items are links in reading order; Tab goes from the 10:30 meeting to the 15:00 visio, Enter opens it.
    const meeting = results.getByRole('link', { name: /Bilan annuel avec le CREPS/ });
    await meeting.focus();
    await page.keyboard.press('Tab');
    const focused = () => page.evaluate('document.activeElement ? document.activeElement.textContent : ""') as Promise<string>;
    await waitUntil(async () => (await focused()).includes('Visio de suivi CREPS'), 'Tab moves to the next item of the day');
    // The arrow keys: right to the next day holding something, left back, up to the day's previous item.
    await page.keyboard.press('ArrowRight');
    await waitUntil(async () => (await focused()).includes('Conférence métiers du sport'), 'ArrowRight moves to the next day with items');
    await page.keyboard.press('ArrowLeft');
    await waitUntil(async () => (await focused()).includes('Visio de suivi CREPS'), 'ArrowLeft moves back');
    await page.keyboard.press('ArrowUp');
    await waitUntil(async () => (await focused()).includes('Bilan annuel avec le CREPS'), 'ArrowUp moves to the previous item of the day');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${app.url}/echanges/${exchange.id}`);

    // The exchange page offers its .ics.
    const downloadPromise = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Ajouter à mon agenda (.ics)' }).click();
    const download = await downloadPromise;
    expect(download.suggestedFilename()).toBe(`passerelle-echange-${day(9)}.ics`);
    const downloadedPath = await download.path();
    const { readFileSync } = await import('node:fs');
    const file = parseValidCalendar(readFileSync(String(downloadedPath), 'utf8'));
    expect(file.events[0]?.getFirstPropertyValue('uid')).toBe(`exchange-${exchange.id}@127.0.0.1`);

    // Next month and back, from the keyboard.
    await page.goto(`${app.url}/agenda`);
    await page.getByRole('link', { name: /Mois suivant/ }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`${app.url}/agenda?mois=${month.plus({ months: 1 }).toFormat('yyyy-LL')}`);
    await page.getByRole('link', { name: /Mois précédent/ }).click();
    await page.waitForURL(`${app.url}/agenda?mois=${month.toFormat('yyyy-LL')}`);

    // The list view, then without tasks: htmx refreshes the results and the URL keeps the filters.
    await page.getByLabel('Affichage', { exact: true }).selectOption('liste');
    await page.waitForURL(/vue=liste/);
    await expectText(results, 'Relancer le CREPS pour la convention');
    await expect(results.locator('h3').first().innerText()).resolves.toMatch(/\d{4}/);
    await screenshot(page, 'agenda-02-list-desktop');
    await page.locator('label[for="agenda-type-tache"]').click(); // the DSFR draws the box on the label
    await waitUntil(async () => !(await results.innerText()).includes('Relancer le CREPS pour la convention'), 'the task leaves the list');
    expect(page.url()).toContain('type=echange');
    expect(page.url()).not.toContain('type=tache');

    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'agenda-03-list-phone');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.goto(`${app.url}/agenda`);
    await expectText(results, 'Bilan annuel avec le CREPS');
    await screenshot(page, 'agenda-04-month-phone');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 900 });

    // « S'abonner » leads to /compte, where the feed is created; a calendar app reads it without a session.
    await page.getByRole('link', { name: 'Abonner mon agenda (flux iCal)' }).click();
    await page.waitForURL(`${app.url}/compte#flux-ical`);
    await page.getByRole('button', { name: 'Créer mon flux iCal' }).click();
    await expectText(page.locator('#flash'), 'Votre flux iCal est prêt');
    const feedUrl = await page.getByLabel(/Adresse secrète de votre flux/).inputValue();
    expect(feedUrl).toMatch(new RegExp(`^${app.url}/agenda/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.ics$`));
    await page.locator('#flux-ical').scrollIntoViewIfNeeded();
    await screenshot(page, 'agenda-05-account-feed');
    const calendarApp = await browser.newContext();
    const feed = await calendarApp.request.get(feedUrl);
    expect(feed.status()).toBe(200);
    const parsed = parseValidCalendar(await feed.text());
    expect(parsed.events.map((item) => String(item.getFirstPropertyValue('summary')))).toEqual(
      expect.arrayContaining(['Rendez-vous — Bilan annuel avec le CREPS', 'Conférence métiers du sport', 'Tâche : Relancer le CREPS pour la convention']),
    );
    await calendarApp.close();
    expect(problems).toEqual([]);
  }, 90_000);
});
