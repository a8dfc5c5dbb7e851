// The agenda (issue 13): /agenda month and list views (mine, a manager's units, the types in the
// URL), the .ics of one exchange (following its visibility) or event, and the personal iCal feed
// (created, read without a session, regenerated, revoked — journaled) — every calendar parsed
// with ical.js (tests/support/ical.ts): valid RFC 5545, Europe/Paris, stable UIDs, no notes.
import { and, eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { signToken } from '../../src/lib/signed-tokens';
import { signingKey } from '../../src/models/signing-key.model';
import { auditLog, calendarFeeds, conventions, eventParticipants, events, tasks, users, type User } from '../../src/models/schema';
import { listUnits } from '../../src/models/units.model';
import { createExchange } from '../../src/services/exchanges.service';
import { labelAction } from '../../src/services/journal.service';
import { buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';
import { eventByUid, instantOf, parseValidCalendar } from '../support/ical';

const PARIS = 'Europe/Paris';
// Next month (Paris): inside the feed's window and never « today », whatever day the suite runs.
const month = DateTime.now().setZone(PARIS).plus({ months: 1 }).startOf('month');
const monthKey = month.toFormat('yyyy-LL');
const day = (n: number) => month.set({ day: n }).toISODate() as string;
const at = (n: number, time: string) => DateTime.fromISO(`${day(n)}T${time}`, { zone: PARIS }).toJSDate();

describe('agenda', () => {
  let harness: TestApp;
  let charge: User; // DDPSI
  let colleague: User; // DDPSI
  let manager: User; // DDPSI
  let outsider: User; // DAJ
  let chargeBrowser: TestBrowser;
  let managerBrowser: TestBrowser;
  let outsiderBrowser: TestBrowser;
  let adminBrowser: TestBrowser;
  const ids: Record<string, string> = {};

  async function signedIn(user: User): Promise<TestBrowser> {
    const browser = new TestBrowser(harness.app);
    await browser.login(user.email);
    await browser.get('/agenda');
    return browser;
  }

  beforeAll(async () => {
    harness = await startTestApp();
    charge = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Camille Agenda' });
    colleague = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Lina Collègue' });
    manager = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'], displayName: 'Marc Manager' });
    outsider = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DAJ'], displayName: 'Omar Ailleurs' });
    const admin = await buildUser(harness.db, { roles: ['admin'] });
    const units = await listUnits(harness.db);
    const ddpsi = units.find((unit) => unit.code === 'DDPSI')?.id as string;
    const creps = await buildOrganization(harness.db, { name: 'CREPS de Bordeaux', unitCodes: ['DDPSI'] });

    const chargeCtx = await harness.context(charge);
    const log = async (ctx: typeof chargeCtx, fields: Record<string, unknown>) => (await createExchange(ctx, { organizationIds: [creps.id], ...fields })).exchange.id;
    ids.meeting = await log(chargeCtx, {
      kind: 'rendez_vous',
      occurredOn: day(10),
      occurredTime: '10:30',
      durationMinutes: '90',
      place: 'Salle Garonne',
      summary: 'Bilan annuel CREPS',
      notes: 'Note interne : budget serré',
      participantIds: [colleague.id],
    });
    ids.confidential = await log(chargeCtx, { kind: 'visio', occurredOn: day(12), occurredTime: '14:00', summary: 'Négociation tarifaire', notes: 'Marge confidentielle', confidential: 'on' });
    ids.elsewhere = await log(await harness.context(outsider), { kind: 'appel', occurredOn: day(11), occurredTime: '09:00', summary: 'Appel secret DAJ', confidential: 'on' });
    ids.colleagues = await log(await harness.context(colleague), { kind: 'visite', occurredOn: day(13), occurredTime: '11:00', summary: 'Visite du plateau technique' });

    const [event] = await harness.db
      .insert(events)
      .values({ kind: 'conference_metier', title: 'Conférence métiers du sport', startsAt: at(15, '09:00'), endsAt: at(15, '12:00'), place: 'CREPS, amphithéâtre', unitId: ddpsi, ownerId: charge.id, icsSequence: 2 })
      .returning();
    const [cancelled] = await harness.db
      .insert(events)
      .values({ kind: 'comite_pilotage', title: 'Comité de pilotage annulé', startsAt: at(16, '14:00'), endsAt: at(16, '16:00'), unitId: ddpsi, ownerId: manager.id, status: 'annule', cancelledAt: new Date(), icsSequence: 1 })
      .returning();
    ids.event = event?.id as string;
    ids.cancelledEvent = cancelled?.id as string;
    await harness.db.insert(eventParticipants).values({ eventId: ids.cancelledEvent, userId: charge.id, startsAt: at(16, '14:00') });

    const [task] = await harness.db.insert(tasks).values({ title: 'Relancer le CREPS', dueOn: day(20), dueTime: '14:30', assigneeId: charge.id, createdById: charge.id }).returning();
    const [doneTask] = await harness.db.insert(tasks).values({ title: 'Tâche déjà faite', dueOn: day(20), assigneeId: charge.id, status: 'faite', doneAt: new Date() }).returning();
    const [colleagueTask] = await harness.db.insert(tasks).values({ title: 'Préparer la visite', dueOn: day(21), assigneeId: colleague.id }).returning();
    ids.task = task?.id as string;
    ids.doneTask = doneTask?.id as string;
    ids.colleagueTask = colleagueTask?.id as string;

    const [inForce] = await harness.db
      .insert(conventions)
      .values({ reference: 'CONV-AG-0001', title: 'Partenariat CREPS', kind: 'partenariat', status: 'en_vigueur', unitId: ddpsi, ownerId: manager.id, endsOn: day(25), noticeDeadline: day(5) })
      .returning();
    await harness.db.insert(conventions).values({ reference: 'CONV-AG-0002', title: 'Brouillon sans échéance utile', kind: 'partenariat', status: 'brouillon', unitId: ddpsi, endsOn: day(26) });
    ids.convention = inForce?.id as string;

    chargeBrowser = await signedIn(charge);
    managerBrowser = await signedIn(manager);
    outsiderBrowser = await signedIn(outsider);
    adminBrowser = await signedIn(admin);
  });
  afterAll(() => harness.close());

  it('shows my month: my exchanges (confidential ones I wrote too), events, open tasks and my units’ convention deadlines — nothing else', async () => {
    const page = await chargeBrowser.get(`/agenda?mois=${monthKey}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<table class="passerelle-agenda-month"');
    for (const text of ['Bilan annuel CREPS', 'Négociation tarifaire', 'Conférence métiers du sport', 'Comité de pilotage annulé', 'Relancer le CREPS', 'Fin de la convention CONV-AG-0001', 'Date limite de préavis — CONV-AG-0001']) {
      expect(page.text).toContain(text);
    }
    for (const text of ['Appel secret DAJ', 'Visite du plateau technique', 'Tâche déjà faite', 'Préparer la visite', 'CONV-AG-0002', 'budget serré']) {
      expect(page.text).not.toContain(text);
    }
    // Each day is a cell with its items as links; the time is shown; a cancelled event is marked.
    expect(page.text).toMatch(new RegExp(`<time datetime="${day(10)}">`));
    expect(page.text).toContain(`href="/echanges/${ids.meeting}"`);
    expect(page.text).toMatch(/passerelle-agenda-item__time">10:30</);
    expect(page.text).toContain('passerelle-agenda-item--cancelled');
    // Previous and next months keep the filters.
    const next = month.plus({ months: 1 }).toFormat('yyyy-LL');
    expect(page.text).toContain(`href="/agenda?mois&#x3D;${next}"`);
  });

  it('shows five items in a day cell, then « + N autres » leading to that day in the list', async () => {
    await harness.db.insert(tasks).values(Array.from({ length: 7 }, (_, index) => ({ title: `Appel n°${index + 1}`, dueOn: day(8), dueTime: `0${index + 1}:00`, assigneeId: outsider.id })));
    const page = await outsiderBrowser.get(`/agenda?mois=${monthKey}&type=tache`);
    expect(page.text).toContain('Appel n°5');
    expect(page.text).not.toContain('Appel n°6');
    expect(page.text).toContain('+ 2 autre(s)');
    expect(page.text.replaceAll('&#x3D;', '=').replaceAll('&amp;', '&')).toContain(`href="/agenda?type=tache&vue=liste&mois=${monthKey}#agenda-day-${day(8)}"`);
    const list = await outsiderBrowser.get(`/agenda?type=tache&vue=liste&mois=${monthKey}`);
    expect(list.text).toContain(`id="agenda-day-${day(8)}"`);
    expect(list.text).toContain('Appel n°7');
  });

  it('lists the month by day with the types chosen in the URL, newest first on demand, and the .ics links', async () => {
    const tasksOnly = await chargeBrowser.get(`/agenda?vue=liste&mois=${monthKey}&type=tache`);
    expect(tasksOnly.status).toBe(200);
    expect(tasksOnly.text).toContain('Relancer le CREPS');
    expect(tasksOnly.text).toMatch(/passerelle-agenda-item__time">14:30</);
    expect(tasksOnly.text).not.toContain('Bilan annuel CREPS');
    expect(tasksOnly.text).toMatch(/id="agenda-type-tache"[^>]*checked/);
    expect(tasksOnly.text).not.toMatch(/id="agenda-type-echange"[^>]*checked/);

    const list = await chargeBrowser.get(`/agenda?vue=liste&mois=${monthKey}&ordre=desc`);
    const positions = ['Fin de la convention CONV-AG-0001', 'Relancer le CREPS', 'Bilan annuel CREPS'].map((text) => list.text.indexOf(text));
    expect(positions.every((position) => position > 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(list.text).toContain(`href="/agenda/echanges/${ids.meeting}.ics"`);
    expect(list.text).toContain(`href="/agenda/evenements/${ids.event}.ics"`);

    // htmx asks for the results only.
    const fragment = await chargeBrowser.get(`/agenda?vue=liste&mois=${monthKey}`, { 'HX-Request': 'true', 'HX-Target': 'agenda-results' });
    expect(fragment.text.trim().startsWith('<div id="agenda-results"')).toBe(true);

    // A month that is not one falls back to the current month (no error page).
    expect((await chargeBrowser.get('/agenda?mois=2026-13&vue=nimporte&type=autre')).status).toBe(200);
    expect((await chargeBrowser.get('/agenda?mois=0000-01&portee=toutes&ordre=x')).status).toBe(200);
    expect((await chargeBrowser.get('/agenda?mois=9999-12&vue=liste')).status).toBe(200);
  });

  it('shows a manager their units’ agenda; others get their own whatever the URL says', async () => {
    const units = await managerBrowser.get(`/agenda?portee=unites&vue=liste&mois=${monthKey}`);
    expect(units.text).toContain('Agenda de mes unités');
    for (const text of ['Visite du plateau technique', 'Bilan annuel CREPS', 'Préparer la visite', 'pour Lina Collègue', 'Conférence métiers du sport', 'Fin de la convention CONV-AG-0001']) {
      expect(units.text).toContain(text);
    }
    expect(units.text).not.toContain('Appel secret DAJ');

    const notAManager = await chargeBrowser.get(`/agenda?portee=unites&vue=liste&mois=${monthKey}`);
    expect(notAManager.text).toContain('Mon agenda');
    expect(notAManager.text).not.toContain('Visite du plateau technique');
    expect(notAManager.text).not.toContain('id="agenda-portee"');
  });

  it('downloads one exchange as .ics only for those who may read it, without its notes', async () => {
    const response = await chargeBrowser.get(`/agenda/echanges/${ids.meeting}.ics`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(response.headers['content-disposition']).toContain(`passerelle-echange-${day(10)}.ics`);
    const parsed = parseValidCalendar(response.text);
    const item = eventByUid(parsed, `exchange-${ids.meeting}@passerelle.test`);
    expect(item.getFirstProperty('dtstart')?.toICALString()).toBe(`DTSTART;TZID=Europe/Paris:${day(10).replaceAll('-', '')}T103000`);
    expect(instantOf(item, 'dtend').getTime() - instantOf(item, 'dtstart').getTime()).toBe(90 * 60_000);
    expect(item.getFirstPropertyValue('summary')).toBe('Rendez-vous — Bilan annuel CREPS');
    expect(item.getFirstPropertyValue('location')).toBe('Salle Garonne');
    expect(item.getFirstPropertyValue('description')).toContain('CREPS de Bordeaux');
    expect(response.text).not.toContain('budget');

    // A confidential exchange: its circle only (404 for the others, as for an unknown one).
    expect((await outsiderBrowser.get(`/agenda/echanges/${ids.confidential}.ics`)).status).toBe(404);
    expect((await chargeBrowser.get(`/agenda/echanges/${ids.elsewhere}.ics`)).status).toBe(404);
    expect((await outsiderBrowser.get(`/agenda/echanges/${ids.elsewhere}.ics`)).status).toBe(200);
    expect((await adminBrowser.get(`/agenda/echanges/${ids.confidential}.ics`)).status).toBe(200);
    expect((await chargeBrowser.get('/agenda/echanges/00000000-0000-4000-8000-000000000000.ics')).status).toBe(404);
    expect((await chargeBrowser.get('/agenda/echanges/pas-un-id.ics')).status).toBe(404);

    // The exchange page links to it.
    const page = await chargeBrowser.get(`/echanges/${ids.meeting}`);
    expect(page.text).toContain(`href="/agenda/echanges/${ids.meeting}.ics"`);
  });

  it('downloads an event as .ics with the invitations’ UID and SEQUENCE, a cancelled one as CANCELLED', async () => {
    const response = await outsiderBrowser.get(`/agenda/evenements/${ids.event}.ics`);
    expect(response.status).toBe(200);
    const parsed = parseValidCalendar(response.text);
    const item = eventByUid(parsed, `event-${ids.event}@passerelle.test`);
    expect(item.getFirstPropertyValue('sequence')).toBe(2);
    expect(item.getFirstPropertyValue('status')).toBe('CONFIRMED');
    expect(instantOf(item, 'dtstart').toISOString()).toBe(at(15, '09:00').toISOString());
    expect(instantOf(item, 'dtend').toISOString()).toBe(at(15, '12:00').toISOString());

    const cancelled = parseValidCalendar((await chargeBrowser.get(`/agenda/evenements/${ids.cancelledEvent}.ics`)).text);
    expect(eventByUid(cancelled, `event-${ids.cancelledEvent}@passerelle.test`).getFirstPropertyValue('status')).toBe('CANCELLED');
    expect((await chargeBrowser.get('/agenda/evenements/00000000-0000-4000-8000-000000000000.ics')).status).toBe(404);
  });

  it('serves my feed at a secret URL without a session: valid, stable, no notes; regenerated and revoked from /compte, journaled', async () => {
    const account = await chargeBrowser.get('/compte');
    expect(account.text).toContain('id="flux-ical"');
    expect(account.text).toContain('Créer mon flux iCal');

    const created = await chargeBrowser.post('/agenda/flux/regenerer');
    expect(created.status).toBe(303);
    expect(created.headers.location).toBe('/compte#flux-ical');
    const urlOf = async () => {
      const match = /id="calendar-feed-url"[^>]*value="([^"]+)"/.exec((await chargeBrowser.get('/compte')).text);
      expect(match).not.toBeNull();
      return new URL(String(match?.[1])).pathname;
    };
    const firstUrl = await urlOf();
    expect(firstUrl).toMatch(/^\/agenda\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.ics$/);

    const calendarApp = new TestBrowser(harness.app); // no session, no cookie
    const feed = await calendarApp.get(firstUrl);
    expect(feed.status).toBe(200);
    expect(feed.headers['content-type']).toBe('text/calendar; charset=utf-8');
    const parsed = parseValidCalendar(feed.text);
    expect(parsed.property('x-wr-calname')).toBe('Passerelle — Camille Agenda');
    const uids = parsed.events.map((item) => String(item.getFirstPropertyValue('uid'))).sort();
    expect(uids).toEqual(
      [
        `exchange-${ids.meeting}@passerelle.test`,
        `exchange-${ids.confidential}@passerelle.test`,
        `event-${ids.event}@passerelle.test`,
        `event-${ids.cancelledEvent}@passerelle.test`,
        `task-${ids.task}@passerelle.test`,
        `convention-end-${ids.convention}@passerelle.test`,
        `convention-notice-${ids.convention}@passerelle.test`,
      ].sort(),
    );
    // Times in Europe/Paris with the zone's definition; tasks and deadlines are all-day.
    expect(parsed.calendar.getAllSubcomponents('vtimezone').map((zone) => zone.getFirstPropertyValue('tzid'))).toEqual(['Europe/Paris']);
    const task = eventByUid(parsed, `task-${ids.task}@passerelle.test`);
    expect(String(task.getFirstPropertyValue('dtstart'))).toBe(day(20));
    expect(task.getFirstPropertyValue('summary')).toBe('Tâche : Relancer le CREPS (à 14:30)');
    expect(String(eventByUid(parsed, `convention-notice-${ids.convention}@passerelle.test`).getFirstPropertyValue('dtstart'))).toBe(day(5));
    // No notes, and a confidential exchange shows its kind only.
    expect(feed.text).not.toContain('budget');
    expect(feed.text).not.toContain('Marge');
    expect(feed.text).not.toContain('Négociation');
    expect(eventByUid(parsed, `exchange-${ids.confidential}@passerelle.test`).getFirstPropertyValue('summary')).toBe('Visio (confidentiel)');
    expect(eventByUid(parsed, `event-${ids.cancelledEvent}@passerelle.test`).getFirstPropertyValue('status')).toBe('CANCELLED');
    // Read again: the same UIDs (calendar apps update entries in place) — the same bytes even, so
    // an app polling with its ETag gets « 304 Not Modified ».
    const againResponse = await calendarApp.get(firstUrl);
    const again = parseValidCalendar(againResponse.text);
    expect(again.events.map((item) => String(item.getFirstPropertyValue('uid'))).sort()).toEqual(uids);
    expect(againResponse.text).toBe(feed.text);
    expect(feed.headers.etag).toBeTruthy();
    expect((await calendarApp.get(firstUrl, { 'If-None-Match': String(feed.headers.etag) })).status).toBe(304);
    const [row] = await harness.db.select().from(calendarFeeds).where(eq(calendarFeeds.userId, charge.id));
    expect(row?.lastFetchedAt).not.toBeNull();
    expect((await chargeBrowser.get('/compte')).text).toContain('Dernière lecture par une application');

    // Forged, of another purpose, or not an .ics path: 404 alike.
    const [payload, signature] = firstUrl.slice('/agenda/'.length, -'.ics'.length).split('.') as [string, string];
    const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    expect((await calendarApp.get(`/agenda/${payload}.${flipped}.ics`)).status).toBe(404);
    const rsvpToken = signToken(await signingKey(harness.db), { purpose: 'rsvp', subject: `${charge.id}.1` });
    expect((await calendarApp.get(`/agenda/${rsvpToken}.ics`)).status).toBe(404);
    expect((await calendarApp.get('/agenda/abc.ics')).status).toBe(404);
    // Only `/<token>.ics` is public: the agenda itself still asks to sign in.
    expect((await calendarApp.get('/agenda')).status).toBe(303);

    // Regenerate: the old URL stops, the new one works.
    expect((await chargeBrowser.post('/agenda/flux/regenerer')).status).toBe(303);
    const secondUrl = await urlOf();
    expect(secondUrl).not.toBe(firstUrl);
    expect((await calendarApp.get(firstUrl)).status).toBe(404);
    expect((await calendarApp.get(secondUrl)).status).toBe(200);

    // Revoke: nothing works until a new address is made.
    expect((await chargeBrowser.post('/agenda/flux/revoquer')).status).toBe(303);
    expect((await calendarApp.get(secondUrl)).status).toBe(404);
    const revoked = await chargeBrowser.get('/compte');
    expect(revoked.text).toContain('Votre flux iCal est révoqué');
    expect(revoked.text).not.toContain('id="calendar-feed-url"');

    const journal = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityType, 'user'), eq(auditLog.entityId, charge.id))).orderBy(auditLog.id);
    const actions = journal.map((entry) => entry.action).filter((action) => action.startsWith('calendar_feed.'));
    expect(actions).toEqual(['calendar_feed.created', 'calendar_feed.regenerated', 'calendar_feed.revoked']);
    expect(actions.map(labelAction)).toEqual(['Flux iCal créé', 'Flux iCal régénéré', 'Flux iCal révoqué']);
  });

  it('stops serving the feed of a deactivated account', async () => {
    const browser = await signedIn(colleague);
    await browser.post('/agenda/flux/regenerer');
    const match = /id="calendar-feed-url"[^>]*value="([^"]+)"/.exec((await browser.get('/compte')).text);
    const path = new URL(String(match?.[1])).pathname;
    const calendarApp = new TestBrowser(harness.app);
    expect((await calendarApp.get(path)).status).toBe(200);
    await harness.db.update(users).set({ active: false }).where(eq(users.id, colleague.id));
    expect((await calendarApp.get(path)).status).toBe(404);
  });
});
