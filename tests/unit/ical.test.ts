import { DateTime } from 'luxon';
import { buildCalendar, icsUid, type IcsItem } from '../../src/lib/ical';
import { eventByUid, instantOf, parseValidCalendar } from '../support/ical';

const meeting: IcsItem = {
  uid: 'event-11111111-1111-4111-8111-111111111111@passerelle.test',
  sequence: 3,
  start: new Date('2026-07-01T08:00:00Z'), // 10:00 in Paris (summer time)
  end: new Date('2026-07-01T10:30:00Z'),
  summary: 'Conférence métier, CREPS; salle « Alizé »',
  description: 'Ordre du jour :\n1. Bilan\n2. Suites',
  location: 'CREPS de Bordeaux, 653 cours de la Libération',
  url: 'https://passerelle.test/evenements/11111111-1111-4111-8111-111111111111',
  organizer: { name: 'Léa Martin', email: 'lea.martin@passerelle.test' },
  attendees: [
    { name: 'Paul Durand', email: 'paul.durand@creps.fr' },
    { name: 'Zoé Leroy', email: 'zoe.leroy@creps.fr', response: 'ACCEPTED' },
    { name: 'Marc Petit', email: 'marc.petit@creps.fr', response: 'DECLINED' },
  ],
  lastModified: new Date('2026-06-01T12:00:00Z'),
};

function attendee(event: ReturnType<typeof eventByUid>, email: string) {
  const property = event.getAllProperties('attendee').find((candidate) => String(candidate.getFirstValue()).toLowerCase() === `mailto:${email}`);
  if (!property) throw new Error(`no ATTENDEE ${email}`);
  return property;
}

describe('buildCalendar', () => {
  it('writes an invitation Outlook reads: METHOD:REQUEST, a VTIMEZONE for Europe/Paris, UID, SEQUENCE, organiser and attendees', () => {
    const parsed = parseValidCalendar(buildCalendar({ name: 'Invitation', method: 'REQUEST', items: [meeting] }));
    expect(parsed.property('method')).toBe('REQUEST');
    const zones = parsed.calendar.getAllSubcomponents('vtimezone');
    expect(zones.map((zone) => zone.getFirstPropertyValue('tzid'))).toEqual(['Europe/Paris']);

    const event = eventByUid(parsed, meeting.uid);
    expect(event.getFirstPropertyValue('sequence')).toBe(3);
    expect(event.getFirstProperty('dtstart')?.getParameter('tzid')).toBe('Europe/Paris');
    expect(event.getFirstProperty('dtstart')?.toICALString()).toBe('DTSTART;TZID=Europe/Paris:20260701T100000');
    expect(instantOf(event, 'dtstart').toISOString()).toBe('2026-07-01T08:00:00.000Z');
    expect(instantOf(event, 'dtend').toISOString()).toBe('2026-07-01T10:30:00.000Z');
    expect(event.getFirstPropertyValue('summary')).toBe(meeting.summary);
    expect(event.getFirstPropertyValue('description')).toBe(meeting.description);
    expect(event.getFirstPropertyValue('location')).toBe(meeting.location);
    expect(event.getFirstPropertyValue('url')).toBe(meeting.url);
    expect(instantOf(event, 'last-modified').toISOString()).toBe('2026-06-01T12:00:00.000Z');

    const organizer = event.getFirstProperty('organizer');
    expect(organizer?.getFirstValue()).toBe('mailto:lea.martin@passerelle.test');
    expect(organizer?.getParameter('cn')).toBe('Léa Martin');

    const waiting = attendee(event, 'paul.durand@creps.fr');
    expect(waiting.getParameter('partstat')).toBe('NEEDS-ACTION');
    expect(waiting.getParameter('rsvp')).toBe('TRUE');
    expect(waiting.getParameter('role')).toBe('REQ-PARTICIPANT');
    expect(waiting.getParameter('cn')).toBe('Paul Durand');
    expect(attendee(event, 'zoe.leroy@creps.fr').getParameter('partstat')).toBe('ACCEPTED');
    expect(attendee(event, 'zoe.leroy@creps.fr').getParameter('rsvp')).toBe('FALSE');
    expect(attendee(event, 'marc.petit@creps.fr').getParameter('partstat')).toBe('DECLINED');
  });

  it('writes a cancellation with METHOD:CANCEL and STATUS:CANCELLED, the same UID and a higher SEQUENCE', () => {
    const parsed = parseValidCalendar(buildCalendar({ name: 'Annulation', method: 'CANCEL', items: [{ ...meeting, sequence: 4 }] }));
    expect(parsed.property('method')).toBe('CANCEL');
    const event = eventByUid(parsed, meeting.uid);
    expect(event.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(event.getFirstPropertyValue('sequence')).toBe(4);
    expect(event.getAllProperties('attendee')).toHaveLength(3);
    expect(event.getFirstProperty('organizer')).not.toBeNull();
  });

  it('writes all-day items as DATE values of the Paris day, one day long unless told', () => {
    const dueDay = DateTime.fromISO('2026-12-07', { zone: 'Europe/Paris' }).toJSDate(); // 2026-12-06T23:00Z
    const parsed = parseValidCalendar(
      buildCalendar({
        name: 'Agenda',
        items: [
          { uid: 'task-1@passerelle.test', sequence: 0, start: dueDay, end: null, allDay: true, summary: 'Tâche : relancer le CFA' },
          {
            uid: 'convention-1@passerelle.test',
            sequence: 0,
            start: DateTime.fromISO('2026-03-28', { zone: 'Europe/Paris' }).toJSDate(),
            end: DateTime.fromISO('2026-03-30', { zone: 'Europe/Paris' }).toJSDate(),
            allDay: true,
            summary: 'Préavis',
          },
        ],
      }),
    );
    expect(parsed.property('method')).toBeNull();
    const task = eventByUid(parsed, 'task-1@passerelle.test');
    const start = task.getFirstPropertyValue('dtstart') as { isDate: boolean; toString(): string };
    expect(start.isDate).toBe(true);
    expect(start.toString()).toBe('2026-12-07');
    expect(String(task.getFirstPropertyValue('dtend'))).toBe('2026-12-08');
    const notice = eventByUid(parsed, 'convention-1@passerelle.test');
    expect(String(notice.getFirstPropertyValue('dtstart'))).toBe('2026-03-28');
    expect(String(notice.getFirstPropertyValue('dtend'))).toBe('2026-03-30');
  });

  it('keeps Paris wall-clock times right on both sides of each DST change (the VTIMEZONE agrees with the tz database)', () => {
    const instants = [
      '2026-03-29T00:30:00Z', // 01:30 CET, just before the spring change
      '2026-03-29T01:30:00Z', // 03:30 CEST, just after
      '2026-10-24T23:30:00Z', // 01:30 CEST, before the autumn change
      '2026-10-25T02:30:00Z', // 03:30 CET, after it
      '2027-01-15T16:00:00Z',
      '2030-06-15T07:00:00Z',
    ].map((iso) => new Date(iso));
    // 02:30 on 25 October happens twice (00:30Z and 01:30Z): the wall clock is right, the instant
    // is the client's choice, as for any Paris time written in words.
    const ambiguous = new Date('2026-10-25T00:30:00Z');
    const items = [...instants, ambiguous].map((start, index) => ({ uid: `exchange-${index}@passerelle.test`, sequence: 0, start, end: null, summary: `n°${index}` }));
    const parsed = parseValidCalendar(buildCalendar({ name: 'DST', method: 'PUBLISH', items }));
    [...instants, ambiguous].forEach((start, index) => {
      const event = eventByUid(parsed, `exchange-${index}@passerelle.test`);
      const wallClock = DateTime.fromJSDate(start, { zone: 'Europe/Paris' }).toFormat("yyyyLLdd'T'HHmmss");
      expect(event.getFirstProperty('dtstart')?.toICALString()).toBe(`DTSTART;TZID=Europe/Paris:${wallClock}`);
      if (start !== ambiguous) expect(instantOf(event, 'dtstart').toISOString()).toBe(start.toISOString());
    });
  });

  it('keeps escaping and line folding within RFC 5545 for long French text', () => {
    const summary = 'Comité de pilotage « réseau des partenaires » : bilan, perspectives; décisions — '.repeat(4);
    const parsed = parseValidCalendar(buildCalendar({ name: 'Agenda', items: [{ ...meeting, summary, description: 'a\\b\nc,d;e' }] }));
    const event = eventByUid(parsed, meeting.uid);
    expect(event.getFirstPropertyValue('summary')).toBe(summary);
    expect(event.getFirstPropertyValue('description')).toBe('a\\b\nc,d;e');
  });

  it('gives a stable UID per record, named after the host of the base URL', () => {
    expect(icsUid('exchange', 'abc', 'https://crm.exemple.fr:8443/')).toBe('exchange-abc@crm.exemple.fr');
    const once = parseValidCalendar(buildCalendar({ name: 'A', items: [meeting] }));
    const again = parseValidCalendar(buildCalendar({ name: 'A', items: [{ ...meeting, summary: 'Renommé', sequence: 4 }] }));
    expect(once.events[0]?.getFirstPropertyValue('uid')).toBe(again.events[0]?.getFirstPropertyValue('uid'));
  });

  it('stamps an iTIP message with its own time and a method-less calendar with each item’s last change (same items, same bytes)', () => {
    const before = Date.now();
    const invitation = parseValidCalendar(buildCalendar({ name: 'Invitation', method: 'REQUEST', items: [meeting] }));
    expect(instantOf(eventByUid(invitation, meeting.uid), 'dtstamp').getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    const feed = buildCalendar({ name: 'Agenda', items: [meeting] });
    expect(instantOf(eventByUid(parseValidCalendar(feed), meeting.uid), 'dtstamp').toISOString()).toBe('2026-06-01T12:00:00.000Z');
    expect(buildCalendar({ name: 'Agenda', items: [meeting] })).toBe(feed);
  });

  it('writes an empty calendar that still parses (a feed with nothing in it), with its refresh interval', () => {
    const parsed = parseValidCalendar(buildCalendar({ name: 'Agenda vide', method: 'PUBLISH', items: [], refreshSeconds: 3600 }));
    expect(parsed.events).toHaveLength(0);
    expect(parsed.property('method')).toBe('PUBLISH');
    expect(parsed.property('x-published-ttl')).toBe('PT1H');
    expect(String(parsed.property('refresh-interval'))).toBe('PT1H');
  });
});
