// Issue 13 — inviting contacts to an event: the picker, « Envoyer les invitations » (one partner
// e-mail per invitee with its iCalendar part: METHOD:REQUEST, stable UID, SEQUENCE, organiser,
// attendee), refusals kept and shown, re-sending on update (REQUEST, SEQUENCE + 1) and on
// cancellation (CANCEL) to those who had not declined, who may invite, and the partner J-1 reminder.
import { and, asc, eq, like, sql } from 'drizzle-orm';
import { createMailTransport } from '../../src/lib/mail';
import { sendQueuedEmail } from '../../src/jobs/mail-send.job';
import { listUnits } from '../../src/models/units.model';
import { auditLog, emails, eventInvitations, events, type Contact, type Event, type Organization, type User } from '../../src/models/schema';
import { partnerReminderEmail, queueEventInvitationEmails } from '../../src/services/event-invitations.service';
import { exportPersonalData } from '../../src/services/contacts.service';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';
import { startCapturingSmtpServer } from '../support/capturing-smtp';
import { eventByUid, instantOf, parseValidCalendar } from '../support/ical';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;


describe('event invitations', () => {
  let harness: TestApp;
  let owner: User;
  let browser: TestBrowser;
  let unitId: string;
  let partner: Organization;

  beforeAll(async () => {
    harness = await startTestApp();
    owner = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Camille Lefèvre' });
    unitId = (await listUnits(harness.db)).find((unit) => unit.code === 'DDPSI')?.id as string;
    partner = await buildOrganization(harness.db, { name: 'CREPS de Bretagne', unitCodes: ['DDPSI'] });
    browser = new TestBrowser(harness.app);
    await browser.login(owner.email);
  });
  afterAll(async () => {
    await harness.close();
  });

  async function buildEvent(overrides: Partial<Event> = {}): Promise<Event> {
    // Whole minutes, as the event form gives them (iCalendar times have no milliseconds).
    const startsAt = new Date(Math.floor((Date.now() + 10 * DAY) / 60_000) * 60_000);
    const [row] = await harness.db
      .insert(events)
      .values({ kind: 'conference_metier', title: 'Conférence métiers du sport', startsAt, endsAt: new Date(startsAt.getTime() + 2 * HOUR), place: 'CREPS, Dinard', unitId, ownerId: owner.id, ...overrides })
      .returning();
    if (!row) throw new Error('event not inserted');
    await harness.db.execute(sql`insert into event_organizations (event_id, organization_id, starts_at) values (${row.id}::uuid, ${partner.id}::uuid, ${row.startsAt.toISOString()}::timestamptz)`);
    return row;
  }

  async function invitee(firstName: string, overrides: Partial<Contact> = {}): Promise<Contact> {
    return buildContact(harness.db, { firstName, lastName: 'Invitée', emails: [`${firstName.toLowerCase()}.${Math.random().toString(36).slice(2, 8)}@creps.test`], organizationId: partner.id, unitCodes: ['DDPSI'], ...overrides });
  }

  async function invitationsOf(eventId: string) {
    return harness.db.select().from(eventInvitations).where(eq(eventInvitations.eventId, eventId)).orderBy(asc(eventInvitations.createdAt), asc(eventInvitations.id));
  }

  async function emailsOf(eventId: string) {
    return harness.db.select().from(emails).where(like(emails.idempotencyKey, `event:${eventId}:%`)).orderBy(asc(emails.createdAt), asc(emails.idempotencyKey));
  }

  test('the picker offers the concerned organisations’ contacts; inviting, then sending queues one e-mail each, keeps refusals and never sends twice', async () => {
    const event = await buildEvent();
    const ines = await invitee('Inès');
    const paul = await invitee('Paul');
    const optedOut = await invitee('Zoé', { emailOptOut: true, emailOptOutAt: new Date(), emailOptOutSource: 'utilisateur' });

    const page = await browser.get(`/evenements/${event.id}/invitations`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Contacts des structures concernées');
    for (const contact of [ines, paul, optedOut]) expect(page.text).toContain(`value="${contact.id}"`);
    // A search narrows the list (htmx asks for the results alone).
    const search = await browser.get(`/evenements/${event.id}/invitations?q=in%C3%A8s`, { 'HX-Request': 'true', 'HX-Target': 'invitation-picker-results' });
    expect(search.text).toContain(`value="${ines.id}"`);
    expect(search.text).not.toContain(`value="${paul.id}"`);
    expect(search.text).not.toContain('<html');

    const none = await browser.post(`/evenements/${event.id}/invitations`, {});
    expect(none.status).toBe(303);
    expect((await browser.get(`/evenements/${event.id}/invitations`)).text).toContain('Cochez au moins un contact à inviter.');

    const invited = await browser.post(`/evenements/${event.id}/invitations`, { contactIds: [ines.id, paul.id, optedOut.id] });
    expect(invited.status).toBe(303);
    expect(await invitationsOf(event.id)).toHaveLength(3);
    expect((await invitationsOf(event.id)).every((row) => row.organizationId === partner.id && row.sentSequence === null)).toBe(true);
    // Invited once each, whatever is posted again; the picker no longer offers them.
    await browser.post(`/evenements/${event.id}/invitations`, { contactIds: [ines.id] });
    expect(await invitationsOf(event.id)).toHaveLength(3);
    const after = await browser.get(`/evenements/${event.id}/invitations`);
    expect(after.text).not.toContain(`name="contactIds" value="${ines.id}"`);
    expect(after.text).toContain('Envoyer les invitations (3)');

    const sent = await browser.post(`/evenements/${event.id}/invitations/envoyer`, {});
    expect(sent.status).toBe(303);
    const queued = await emailsOf(event.id);
    expect(queued.map((row) => row.template)).toEqual(['event_invitation', 'event_invitation']);
    const rows = await invitationsOf(event.id);
    const byContact = new Map(rows.map((row) => [row.contactId, row]));
    for (const contact of [ines, paul]) {
      const row = byContact.get(contact.id);
      expect(row?.sentSequence).toBe(0);
      expect(row?.notSentReason).toBeNull();
      expect(queued.some((email) => email.idempotencyKey === `event:${event.id}:${row?.id}:seq0:invitation` && email.toAddress === contact.emails[0])).toBe(true);
    }
    expect(byContact.get(optedOut.id)?.sentSequence).toBeNull();
    expect(byContact.get(optedOut.id)?.notSentReason).toBeTruthy();
    for (const email of queued) {
      expect(email.calendar?.method).toBe('REQUEST');
      expect(email.replyTo).toContain(owner.email);
      expect(email.extraHeaders['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
      expect(email.subject).toBe(`Invitation : Conférence métiers du sport — ${(email.payload as { eventWhen: string }).eventWhen}`);
    }
    // The panel shows who answered what and why one e-mail did not go.
    const panel = await browser.get(`/evenements/${event.id}/invitations`);
    expect(panel.text).toContain('Non envoyée :');
    expect(panel.text).toContain('Envoyée le');
    const journal = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityType, 'event'), eq(auditLog.entityId, event.id))).orderBy(asc(auditLog.id));
    expect(journal.map((row) => row.action)).toEqual(['event.contacts_invited', 'event.invitations_sent']);

    // Sending again: nothing new for those already sent; the refused one is tried again (and refused again).
    await browser.post(`/evenements/${event.id}/invitations/envoyer`, {});
    expect(await emailsOf(event.id)).toHaveLength(2);
  });

  test('the delivered message carries the invitation as text/calendar (METHOD:REQUEST, UID, SEQUENCE, organiser, attendee) and the RSVP links', async () => {
    const event = await buildEvent({ title: 'Job dating CFA' });
    const ines = await invitee('Inès');
    await browser.post(`/evenements/${event.id}/invitations`, { contactIds: [ines.id] });
    await browser.post(`/evenements/${event.id}/invitations/envoyer`, {});
    const [email] = await emailsOf(event.id);
    if (!email) throw new Error('no e-mail queued');

    const capture = await startCapturingSmtpServer();
    const transport = createMailTransport(capture.url);
    try {
      expect(await sendQueuedEmail({ db: harness.db, transport, from: harness.config.MAIL_FROM }, { emailId: email.id })).toBe('sent');
    } finally {
      transport.close();
      await capture.close();
    }
    const [message] = capture.messages;
    if (!message) throw new Error('nothing reached the SMTP server');
    expect(message.subject).toContain('Job dating CFA');
    expect(message.text).toMatch(/http:\/\/passerelle\.test\/invitation\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\?reponse=accepte/);
    expect(String(message.html).replace(/&#x3D;/g, '=')).toContain('?reponse=peut-etre');
    const calendarPart = message.attachments.find((attachment) => attachment.contentType === 'text/calendar');
    if (!calendarPart) throw new Error(`no text/calendar part: ${message.attachments.map((a) => a.contentType).join(', ')}`);
    const ics = calendarPart.content.toString('utf8');
    const parsed = parseValidCalendar(ics);
    expect(parsed.property('method')).toBe('REQUEST');
    const vevent = eventByUid(parsed, `event-${event.id}@passerelle.test`);
    expect(vevent.getFirstPropertyValue('sequence')).toBe(0);
    expect(instantOf(vevent, 'dtstart').getTime()).toBe(event.startsAt.getTime());
    expect(instantOf(vevent, 'dtend').getTime()).toBe(event.endsAt.getTime());
    expect(String(vevent.getFirstPropertyValue('organizer')).toLowerCase()).toBe(`mailto:${owner.email}`);
    const attendee = vevent.getFirstProperty('attendee');
    expect(String(attendee?.getFirstValue()).toLowerCase()).toBe(`mailto:${ines.emails[0]}`);
    expect(attendee?.getParameter('partstat')).toBe('NEEDS-ACTION');
    expect(vevent.getFirstPropertyValue('location')).toBe('CREPS, Dinard');
  });

  test('an update re-sends REQUEST with SEQUENCE + 1 to those who had not declined; a cancellation sends CANCEL', async () => {
    const event = await buildEvent({ title: 'Comité de pilotage' });
    const accepted = await invitee('Alice');
    const pending = await invitee('Bruno');
    const declined = await invitee('Chloé');
    await browser.post(`/evenements/${event.id}/invitations`, { contactIds: [accepted.id, pending.id, declined.id] });
    await browser.post(`/evenements/${event.id}/invitations/envoyer`, {});
    const late = await invitee('Denis');
    await browser.post(`/evenements/${event.id}/invitations`, { contactIds: [late.id] });
    const rows = await invitationsOf(event.id);
    const idOf = (contact: Contact) => rows.find((row) => row.contactId === contact.id)?.id as string;
    await harness.db.update(eventInvitations).set({ response: 'accepte', respondedAt: new Date() }).where(eq(eventInvitations.id, idOf(accepted)));
    await harness.db.update(eventInvitations).set({ response: 'decline', respondedAt: new Date() }).where(eq(eventInvitations.id, idOf(declined)));

    // What A1's update does: in one transaction, the new date, SEQUENCE + 1, then the e-mails.
    const ctx = await harness.context(owner);
    const movedStart = new Date(event.startsAt.getTime() + DAY);
    const updated = await harness.db.transaction(async (tx) => {
      await tx.update(events).set({ startsAt: movedStart, endsAt: new Date(movedStart.getTime() + 2 * HOUR), icsSequence: 1 }).where(eq(events.id, event.id));
      return queueEventInvitationEmails(tx, ctx, event.id, 'update');
    });
    expect(updated).toBe(2);
    const updates = (await emailsOf(event.id)).filter((email) => email.idempotencyKey.endsWith(':seq1:update'));
    expect(updates.map((email) => email.toAddress).sort()).toEqual([accepted.emails[0], pending.emails[0]].sort());
    for (const email of updates) {
      expect(email.subject.startsWith('Invitation mise à jour : Comité de pilotage')).toBe(true);
      const vevent = eventByUid(parseValidCalendar(email.calendar?.content ?? ''), `event-${event.id}@passerelle.test`);
      expect(vevent.getFirstPropertyValue('sequence')).toBe(1);
      expect(instantOf(vevent, 'dtstart').getTime()).toBe(movedStart.getTime());
    }
    const acceptedUpdate = updates.find((email) => email.toAddress === accepted.emails[0]);
    expect(eventByUid(parseValidCalendar(acceptedUpdate?.calendar?.content ?? ''), `event-${event.id}@passerelle.test`).getFirstProperty('attendee')?.getParameter('partstat')).toBe('ACCEPTED');
    // Re-running the same version queues nothing more (same idempotency keys).
    await harness.db.transaction((tx) => queueEventInvitationEmails(tx, ctx, event.id, 'update'));
    expect((await emailsOf(event.id)).filter((email) => email.idempotencyKey.endsWith(':seq1:update'))).toHaveLength(2);
    expect((await invitationsOf(event.id)).find((row) => row.id === idOf(late))?.sentSequence).toBeNull();

    const cancelled = await harness.db.transaction(async (tx) => {
      await tx.update(events).set({ status: 'annule', cancelledAt: new Date(), cancelReason: 'Salle indisponible', icsSequence: 2 }).where(eq(events.id, event.id));
      return queueEventInvitationEmails(tx, ctx, event.id, 'cancel');
    });
    expect(cancelled).toBe(2);
    const cancellations = (await emailsOf(event.id)).filter((email) => email.idempotencyKey.endsWith(':seq2:cancel'));
    expect(cancellations.map((email) => email.template)).toEqual(['event_cancellation', 'event_cancellation']);
    for (const email of cancellations) {
      expect(email.calendar?.method).toBe('CANCEL');
      const parsed = parseValidCalendar(email.calendar?.content ?? '');
      expect(parsed.property('method')).toBe('CANCEL');
      const vevent = eventByUid(parsed, `event-${event.id}@passerelle.test`);
      expect(vevent.getFirstPropertyValue('sequence')).toBe(2);
      expect(vevent.getFirstPropertyValue('status')).toBe('CANCELLED');
      expect((email.payload as { cancelReason: string }).cancelReason).toBe('Salle indisponible');
    }
    // A cancelled event takes no more invitations.
    const refused = await browser.post(`/evenements/${event.id}/invitations/envoyer`, {});
    expect(refused.status).toBe(303);
    expect((await browser.get(`/evenements/${event.id}/invitations`)).text).toContain('L’événement est annulé ou passé');
  });

  test('only editors of the event’s unit may invite; an invitee never sent can be removed, a sent one cannot', async () => {
    const event = await buildEvent();
    const ines = await invitee('Inès');
    const other = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DRH'] });
    const reader = await buildUser(harness.db, { roles: ['lecteur'], unitCodes: ['DDPSI'] });
    for (const user of [other, reader]) {
      const outsider = new TestBrowser(harness.app);
      await outsider.login(user.email);
      expect((await outsider.post(`/evenements/${event.id}/invitations`, { contactIds: [ines.id] })).status).toBe(403);
      const page = await outsider.get(`/evenements/${event.id}/invitations`);
      expect(page.status).toBe(200);
      expect(page.text).not.toContain('Inviter les contacts cochés');
    }
    expect(await invitationsOf(event.id)).toHaveLength(0);

    const paul = await invitee('Paul');
    await browser.post(`/evenements/${event.id}/invitations`, { contactIds: [ines.id] });
    const [sentRow] = await invitationsOf(event.id);
    await browser.post(`/evenements/${event.id}/invitations/envoyer`, {});
    await browser.post(`/evenements/${event.id}/invitations`, { contactIds: [paul.id] });
    const unsent = (await invitationsOf(event.id)).find((row) => row.contactId === paul.id);
    expect((await browser.post(`/evenements/${event.id}/invitations/${unsent?.id}/retirer`, {})).status).toBe(303);
    expect((await invitationsOf(event.id)).map((row) => row.contactId)).toEqual([ines.id]);
    await browser.post(`/evenements/${event.id}/invitations/${sentRow?.id}/retirer`, {});
    expect((await browser.get(`/evenements/${event.id}/invitations`)).text).toContain('Cette invitation a déjà été envoyée');
    expect(await invitationsOf(event.id)).toHaveLength(1);
  });

  test('the partner J-1 reminder goes to an invitee who accepted, and says why not otherwise', async () => {
    const event = await buildEvent({ title: 'Rencontre partenaires' });
    const yes = await invitee('Yann');
    const maybe = await invitee('Maëlle');
    await browser.post(`/evenements/${event.id}/invitations`, { contactIds: [yes.id, maybe.id] });
    const rows = await invitationsOf(event.id);
    const yesRow = rows.find((row) => row.contactId === yes.id) as (typeof rows)[number];
    const maybeRow = rows.find((row) => row.contactId === maybe.id) as (typeof rows)[number];
    await harness.db.update(eventInvitations).set({ response: 'accepte' }).where(eq(eventInvitations.id, yesRow.id));
    await harness.db.update(eventInvitations).set({ response: 'peut_etre' }).where(eq(eventInvitations.id, maybeRow.id));
    const ctx = { baseUrl: harness.config.baseUrl, now: new Date() };
    const reminder = await partnerReminderEmail(harness.db, ctx, yesRow.id, { idempotencyKey: 'reminder:test' });
    if (!('email' in reminder)) throw new Error(`refused: ${reminder.refused}`);
    expect(reminder.email.template).toBe('event_partner_reminder');
    expect(reminder.email.to).toBe(yes.emails[0]);
    expect(reminder.email.idempotencyKey).toBe('reminder:test');
    expect(reminder.email.headers?.['List-Unsubscribe']).toMatch(/^<http:\/\/passerelle\.test\/desabonnement\//);
    expect(String(reminder.email.data.declineUrl)).toContain('?reponse=decline');
    const refused = await partnerReminderEmail(harness.db, ctx, maybeRow.id);
    expect('refused' in refused && refused.refused).toContain('Peut-être');
    await harness.db.update(events).set({ status: 'annule' }).where(eq(events.id, event.id));
    expect('refused' in (await partnerReminderEmail(harness.db, ctx, yesRow.id))).toBe(true);

    // The person's access export (RGPD art. 15) lists the invitation and the answer.
    const admin = await buildUser(harness.db, { roles: ['admin'] });
    const exported = await exportPersonalData(await harness.context(admin), yes.id);
    const section = exported.otherLinks.find((link) => link.key === 'eventInvitations');
    expect(section?.rows).toEqual([expect.objectContaining({ Événement: 'Rencontre partenaires', Annulé: 'Oui', Structure: 'CREPS de Bretagne', Réponse: 'Accepte' })]);
  });
});
