// Issue 13 — the scenario of the issue in Chromium: a chargée creates an event with a followed
// partner that is behind on reciprocity, invites two of its contacts and sends the invitations;
// one invitee opens the RSVP link of the e-mail (as /admin/courriels shows it) and accepts, without
// an account; after the event the chargée records the attendance, and the organisation's
// reciprocity goes from « En retard » to « À surveiller ». Screenshots at 1280 and 390 px.
import type { Browser, Page } from 'playwright-core';
import { and, eq, sql } from 'drizzle-orm';
import { eventInvitations, events, exchangeOrganizations, exchanges } from '../../src/models/schema';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { buildUser } from '../support/harness';
import { expectText, launchBrowser, newPerson, screenshot, signIn, startE2eApp, waitUntil, type E2eApp } from '../support/e2e';

const DAY = 24 * 3_600_000;

async function bothWidths(page: Page, name: string): Promise<void> {
  await screenshot(page, `${name}-desktop`);
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, `${name}-phone`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** `YYYY-MM-DD` of a day in Paris, for the date input. */
function parisDay(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

describe('events, invitations, RSVP and reciprocity', () => {
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

  test('create an event, invite two contacts, accept from the e-mail, record attendance: « En retard » becomes « À surveiller »', async () => {
    const db = app.database.db;
    // An admin of the unit: she organises the event and reads /admin/courriels (the SMTP sink).
    const organiser = await buildUser(db, { roles: ['admin'], unitCodes: ['DDPSI'], displayName: 'Camille Lefèvre' });
    const partner = await buildOrganization(db, { name: 'CREPS de Bretagne', unitCodes: ['DDPSI'], followedPartner: true });
    const ines = await buildContact(db, { firstName: 'Inès', lastName: 'Moreau', emails: ['ines.moreau@creps-bretagne.fr'], organizationId: partner.id, unitCodes: ['DDPSI'] });
    const paul = await buildContact(db, { firstName: 'Paul', lastName: 'Guérin', emails: ['paul.guerin@creps-bretagne.fr'], organizationId: partner.id, unitCodes: ['DDPSI'] });
    // One meeting in the last 12 months: below the minimum of 2.
    const metAt = new Date(Date.now() - 90 * DAY);
    const [exchange] = await db.insert(exchanges).values({ kind: 'rendez_vous', occurredAt: metAt, summary: 'Point annuel', authorId: organiser.id }).returning();
    await db.insert(exchangeOrganizations).values({ exchangeId: exchange!.id, organizationId: partner.id, occurredAt: metAt });

    const user = await newPerson(browser);
    const page = user.page;
    await signIn(page, app.url, organiser.email);
    await page.goto(`${app.url}/structures/${partner.id}`);
    await expectText(page.locator('#organization-reciprocity'), /en retard/i);

    // The event, with the partner concerned.
    await page.goto(`${app.url}/evenements/nouveau`);
    const form = page.locator('#event-form');
    await form.getByLabel('Type d’événement').selectOption({ label: 'Conférence métier' });
    await form.getByLabel(/^Titre/).fill('Conférence métiers du sport');
    await form.getByLabel(/^Date/).fill(parisDay(new Date(Date.now() + 14 * DAY)));
    await form.getByLabel('Heure de début').fill('14:00');
    await form.getByLabel('Heure de fin').fill('16:30');
    await form.getByLabel(/^Lieu/).fill('CREPS, Dinard');
    await form.getByLabel('Chercher une structure').fill('CREPS de Bret');
    // DSFR checkboxes: the label is what a person clicks.
    await page.locator('#organization-suggestions label', { hasText: 'CREPS de Bretagne' }).first().click();
    await waitUntil(() => page.locator('#organization-suggestions').getByRole('checkbox').first().isChecked(), 'the partner is ticked');
    await page.locator('#event-save').click();
    await expectText(page.locator('#flash'), 'Événement créé.');
    const eventId = /\/evenements\/([0-9a-f-]{36})/.exec(page.url())?.[1] as string;
    expect(eventId).toBeTruthy();

    // Invite the partner's two contacts, then send.
    await page.getByRole('link', { name: 'Inviter des contacts' }).click();
    await expectText(page.locator('#invitation-picker-results'), 'Contacts des structures concernées');
    // The search narrows the list as one types (htmx swaps the results only).
    await page.getByLabel(/^Chercher un contact/).fill('Guér');
    await waitUntil(async () => !(await page.locator('#invitation-picker-results').innerText()).includes('Inès Moreau'), 'the search narrows the list');
    await expectText(page.locator('#invitation-picker-results'), 'Paul Guérin');
    await page.getByLabel(/^Chercher un contact/).fill('');
    await expectText(page.locator('#invitation-picker-results'), 'Inès Moreau');
    await page.locator('#invitation-picker-results label', { hasText: 'Inès Moreau' }).click();
    await page.locator('#invitation-picker-results label', { hasText: 'Paul Guérin' }).click();
    await page.getByRole('button', { name: 'Inviter les contacts cochés' }).click();
    await expectText(page.locator('#flash'), '2 contact(s) invité(s)');
    await bothWidths(page, 'events-reciprocity-01-invitations');
    await page.getByRole('button', { name: 'Envoyer les invitations (2)' }).click();
    await expectText(page.locator('#flash'), '2 invitation(s) mise(s) en envoi.');
    await expectText(page.locator('#invitations-table'), 'Envoyée le');

    // The e-mail, as the SMTP sink shows it; its « Je participe » link.
    const mailLink = page.getByRole('link', { name: /Invitation : Conférence métiers du sport/ }).first();
    await waitUntil(async () => {
      await page.goto(`${app.url}/admin/courriels?q=ines.moreau`);
      return mailLink.isVisible();
    }, 'the invitation reached the SMTP sink', 20_000);
    await mailLink.click();
    await expectText(page.locator('main'), 'Je participe');
    await expectText(page.locator('main dl'), 'text/calendar');
    const text = await page.locator('pre.passerelle-mail-text').innerText();
    const acceptLink = /Je participe : (\S+)/.exec(text)?.[1];
    expect(acceptLink).toContain('/invitation/');
    await bothWidths(page, 'events-reciprocity-02-invitation-email');

    // The invitee, without an account: the page only asks; the button records.
    const invitee = await newPerson(browser);
    await invitee.page.goto(acceptLink as string);
    await expectText(invitee.page.locator('main'), 'Conférence métiers du sport');
    await expectText(invitee.page.locator('main'), 'Confirmez votre réponse');
    await bothWidths(invitee.page, 'events-reciprocity-03-rsvp-confirm');
    const responseOf = async () => (await db.select({ response: eventInvitations.response }).from(eventInvitations).where(and(eq(eventInvitations.eventId, eventId), eq(eventInvitations.contactId, ines.id))))[0]?.response;
    expect(await responseOf()).toBe('en_attente');
    await invitee.page.getByRole('button', { name: 'Je participe' }).click();
    await expectText(invitee.page.locator('main'), 'Merci, votre participation est enregistrée.');
    await bothWidths(invitee.page, 'events-reciprocity-04-rsvp-recorded');
    await waitUntil(async () => (await responseOf()) === 'accepte', 'the answer is recorded');
    expect(invitee.problems).toEqual([]);

    // The event took place (its dates moved to yesterday, as if the days had passed).
    const startsAt = new Date(Date.now() - DAY);
    await db.update(events).set({ startsAt, endsAt: new Date(startsAt.getTime() + 2.5 * 3_600_000) }).where(eq(events.id, eventId));
    await db.execute(sql`update event_organizations set starts_at = ${startsAt.toISOString()}::timestamptz where event_id = ${eventId}::uuid`);
    await db.execute(sql`update event_participants set starts_at = ${startsAt.toISOString()}::timestamptz where event_id = ${eventId}::uuid`);

    await page.goto(`${app.url}/evenements/${eventId}`);
    await page.getByRole('group', { name: /Présence de Inès Moreau/ }).locator('label', { hasText: /^Présent$/ }).click();
    await page.getByRole('group', { name: /Présence de Paul Guérin/ }).locator('label', { hasText: /^Excusé$/ }).click();
    await page.getByRole('button', { name: 'Enregistrer les présences' }).click();
    await waitUntil(async () => (await db.select({ attendance: eventInvitations.attendance }).from(eventInvitations).where(eq(eventInvitations.contactId, ines.id)))[0]?.attendance === 'present', 'the attendance is recorded');
    await bothWidths(page, 'events-reciprocity-05-attendance');

    await page.goto(`${app.url}/structures/${partner.id}`);
    await expectText(page.locator('#organization-reciprocity'), /à surveiller/i);
    await page.locator('#organization-reciprocity').scrollIntoViewIfNeeded();
    await bothWidths(page, 'events-reciprocity-06-reciprocity');
    expect(user.problems).toEqual([]);
    void paul;
  }, 90_000);
});
