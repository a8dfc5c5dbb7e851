// Issue 13 — RSVP through the signed link of the invitation e-mail, without an account: the link
// is the one the delivered e-mail carries; GET only shows (link scanners), POST records;
// idempotent when reused, changeable until the event starts, refused after, for a cancelled
// event, and for forged, wrong-purpose and expired tokens.
import { and, asc, eq, sql } from 'drizzle-orm';
import request from 'supertest';
import { signToken } from '../../src/lib/signed-tokens';
import { listUnits } from '../../src/models/units.model';
import { signingKey } from '../../src/models/signing-key.model';
import { auditLog, devMailbox, eventInvitations, events, type Event, type User } from '../../src/models/schema';
import { labelAction } from '../../src/services/journal.service';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, eventually, startTestApp, type TestApp } from '../support/harness';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('RSVP links', () => {
  let harness: TestApp;
  let owner: User;
  let unitId: string;
  let browser: TestBrowser;

  beforeAll(async () => {
    harness = await startTestApp({ worker: true });
    owner = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Camille Lefèvre' });
    unitId = (await listUnits(harness.db)).find((unit) => unit.code === 'DDPSI')?.id as string;
    browser = new TestBrowser(harness.app);
    await browser.login(owner.email);
    // The session's CSRF token after signing in.
    await browser.get('/');
  });
  afterAll(async () => {
    await harness.close();
  });

  /** An event, one invited contact, the invitation sent and delivered to the SMTP sink: the links of that message. */
  async function invitedThroughMail(title: string): Promise<{ event: Event; invitationId: string; links: { accept: string; decline: string; maybe: string } }> {
    const startsAt = new Date(Math.floor((Date.now() + 5 * DAY) / 60_000) * 60_000);
    const [event] = await harness.db
      .insert(events)
      .values({ kind: 'rencontre_partenaires', title, startsAt, endsAt: new Date(startsAt.getTime() + 2 * HOUR), place: 'Rectorat, Rennes', unitId, ownerId: owner.id })
      .returning();
    if (!event) throw new Error('event not inserted');
    const organization = await buildOrganization(harness.db, { name: `Université ${title}` });
    const address = `ines.${event.id.slice(0, 8)}@univ.test`;
    const contact = await buildContact(harness.db, { firstName: 'Inès', lastName: 'Moreau', emails: [address], organizationId: organization.id });
    expect((await browser.post(`/evenements/${event.id}/invitations`, { contactIds: [contact.id] })).status).toBe(303);
    expect((await browser.post(`/evenements/${event.id}/invitations/envoyer`, {})).status).toBe(303);
    const [invitation] = await harness.db.select().from(eventInvitations).where(eq(eventInvitations.eventId, event.id));
    const mail = await eventually(async () => (await harness.db.select().from(devMailbox).where(sql`${address} = any(${devMailbox.envelopeTo})`))[0], 15_000);
    // The message in the application's SMTP sink carries the invitation as its text/calendar part.
    expect(mail.headers['Content-Type (invitation)']).toMatch(/^text\/calendar/);
    const linkOf = (answer: string) => {
      const match = new RegExp(`http://passerelle\\.test(/invitation/[A-Za-z0-9_.-]+\\?reponse=${answer})`).exec(mail.textBody ?? '');
      if (!match?.[1]) throw new Error(`no ${answer} link in: ${mail.textBody}`);
      return match[1];
    };
    return { event, invitationId: invitation?.id as string, links: { accept: linkOf('accepte'), decline: linkOf('decline'), maybe: linkOf('peut-etre') } };
  }

  async function responseOf(invitationId: string) {
    const [row] = await harness.db.select({ response: eventInvitations.response, respondedAt: eventInvitations.respondedAt }).from(eventInvitations).where(eq(eventInvitations.id, invitationId));
    return row;
  }

  async function answers(eventId: string) {
    return harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, eventId), eq(auditLog.action, 'event.invitation_answered'))).orderBy(asc(auditLog.id));
  }

  const tokenOf = (link: string) => link.replace(/^\/invitation\//, '').replace(/\?.*$/, '');

  test('the link from the e-mail: GET shows the event and changes nothing; POST records; reused changes nothing; changed until the event', async () => {
    const { event, invitationId, links } = await invitedThroughMail('Rencontre des partenaires');
    const anonymous = request(harness.app);

    const shown = await anonymous.get(links.accept);
    expect(shown.status).toBe(200);
    expect(shown.headers['cache-control']).toBe('no-store');
    expect(shown.headers['referrer-policy']).toBe('no-referrer');
    expect(shown.text).toContain('Rencontre des partenaires');
    expect(shown.text).toContain('Rectorat, Rennes');
    expect(shown.text).toContain('Bonjour Inès Moreau,');
    expect(shown.text).toContain('Vous n’avez pas encore répondu.');
    expect(shown.text).toContain('Confirmez votre réponse');
    expect(shown.text).toMatch(/<button class="fr-btn" type="submit" name="reponse" value="accepte"/);
    // Opening every link (as a mail scanner does) records nothing.
    await anonymous.get(links.decline);
    await anonymous.get(links.maybe);
    expect((await responseOf(invitationId))?.response).toBe('en_attente');
    expect(await answers(event.id)).toHaveLength(0);

    // No session, no CSRF token: the signed link is the proof.
    const token = tokenOf(links.accept);
    const accepted = await anonymous.post(`/invitation/${token}`).type('form').send({ reponse: 'accepte' });
    expect(accepted.status).toBe(303);
    expect(accepted.headers.location).toBe(`/invitation/${token}?enregistre=1`);
    expect((await responseOf(invitationId))?.response).toBe('accepte');
    const confirmation = await anonymous.get(String(accepted.headers.location));
    expect(confirmation.text).toContain('Merci, votre participation est enregistrée.');
    expect(confirmation.text).toContain('Votre réponse actuelle : vous participez.');

    // Reused: the same answer again is the same state, without a second journal row.
    const firstAt = (await responseOf(invitationId))?.respondedAt;
    expect((await anonymous.post(`/invitation/${token}`).type('form').send({ reponse: 'accepte' })).status).toBe(303);
    expect((await responseOf(invitationId))?.respondedAt?.getTime()).toBe(firstAt?.getTime());
    expect(await answers(event.id)).toHaveLength(1);

    // Changed: any of the three links' tokens is the invitee's; the last answer wins.
    expect((await anonymous.post(`/invitation/${tokenOf(links.maybe)}`).type('form').send({ reponse: 'peut-etre' })).status).toBe(303);
    expect((await responseOf(invitationId))?.response).toBe('peut_etre');
    expect((await anonymous.post(`/invitation/${token}`).type('form').send({ reponse: 'decline' })).status).toBe(303);
    expect((await responseOf(invitationId))?.response).toBe('decline');
    const journal = await answers(event.id);
    expect(journal.map((row) => [(row.metadata as { before: string }).before, (row.metadata as { after: string }).after])).toEqual([
      ['en_attente', 'accepte'],
      ['accepte', 'peut_etre'],
      ['peut_etre', 'decline'],
    ]);
    expect(journal.every((row) => row.actorId === null)).toBe(true);
    expect(labelAction('event.invitation_answered')).toBe('Réponse à une invitation');

    // Not one of the three answers: a clear 422, nothing changed.
    const invalid = await anonymous.post(`/invitation/${token}`).type('form').send({ reponse: 'oui' });
    expect(invalid.status).toBe(422);
    expect(invalid.text).toContain('Choisissez une des trois réponses proposées.');
    expect((await responseOf(invitationId))?.response).toBe('decline');

    // Once the event has started, answers are closed (the page says so, POST is refused).
    await harness.db.update(events).set({ startsAt: new Date(Date.now() - HOUR) }).where(eq(events.id, event.id));
    const late = await anonymous.post(`/invitation/${token}`).type('form').send({ reponse: 'accepte' });
    expect(late.status).toBe(410);
    expect(late.text).toContain('il n’est plus possible de répondre');
    expect((await responseOf(invitationId))?.response).toBe('decline');
    const closedPage = await anonymous.get(`/invitation/${token}`);
    expect(closedPage.status).toBe(200);
    expect(closedPage.text).not.toContain('name="reponse"');
  });

  test('a cancelled event shows it and takes no answer', async () => {
    const { event, invitationId, links } = await invitedThroughMail('Salon des formations');
    await harness.db.update(events).set({ status: 'annule', cancelledAt: new Date(), cancelReason: 'Intempéries' }).where(eq(events.id, event.id));
    const page = await request(harness.app).get(links.accept);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Cet événement a été annulé.');
    expect(page.text).toContain('Motif : Intempéries');
    expect(page.text).not.toContain('name="reponse"');
    const posted = await request(harness.app).post(`/invitation/${tokenOf(links.accept)}`).type('form').send({ reponse: 'accepte' });
    expect(posted.status).toBe(410);
    expect((await responseOf(invitationId))?.response).toBe('en_attente');
  });

  test('forged, wrong-purpose and expired tokens are refused with a clear page, and change nothing', async () => {
    const { invitationId, links } = await invitedThroughMail('Comité de pilotage');
    const token = tokenOf(links.accept);
    const [payload, signature] = token.split('.') as [string, string];
    const flipped = `${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    const otherKey = signToken(Buffer.alloc(32, 7), { purpose: 'rsvp', subject: invitationId, expiresAt: Date.now() / 1000 + DAY / 1000 });
    const key = await signingKey(harness.db);
    const wrongPurpose = signToken(key, { purpose: 'unsubscribe', subject: invitationId });
    // Another invitation's id in a payload signed for this one: the signature no longer matches.
    const swapped = `${Buffer.from(JSON.stringify({ p: 'rsvp', s: '00000000-0000-4000-8000-000000000000' })).toString('base64url')}.${signature}`;
    for (const forged of [flipped, otherKey, wrongPurpose, swapped, 'pas-un-jeton']) {
      const shown = await request(harness.app).get(`/invitation/${forged}?reponse=accepte`);
      expect(shown.status).toBe(400);
      expect(shown.text).toContain('Lien non valable');
      const posted = await request(harness.app).post(`/invitation/${forged}`).type('form').send({ reponse: 'accepte' });
      expect(posted.status).toBe(400);
    }
    const expired = signToken(key, { purpose: 'rsvp', subject: invitationId, expiresAt: Date.now() / 1000 - 60 });
    const shown = await request(harness.app).get(`/invitation/${expired}`);
    expect(shown.status).toBe(410);
    expect(shown.text).toContain('Lien expiré');
    expect((await request(harness.app).post(`/invitation/${expired}`).type('form').send({ reponse: 'accepte' })).status).toBe(410);
    // A valid token for an invitation that no longer exists.
    const gone = signToken(key, { purpose: 'rsvp', subject: '00000000-0000-4000-8000-000000000000', expiresAt: Date.now() / 1000 + 3600 });
    expect((await request(harness.app).get(`/invitation/${gone}`)).status).toBe(404);
    expect((await responseOf(invitationId))?.response).toBe('en_attente');
  });
});
