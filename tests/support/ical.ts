// Reads a calendar Passerelle produced with ical.js (Mozilla's RFC 5545 parser) and checks what a
// client relies on: CRLF lines of at most 75 octets, VERSION and PRODID, each VEVENT with UID,
// DTSTAMP in UTC and DTSTART, and every TZID defined by a VTIMEZONE of the same calendar (Outlook
// does not know zones by name). Returns the parsed components with their zones registered, so
// dates read from them are real instants.
import ICAL from 'ical.js';

export interface ParsedCalendar {
  calendar: InstanceType<typeof ICAL.Component>;
  events: Array<InstanceType<typeof ICAL.Component>>;
  /** Value of a property of the VCALENDAR. */
  property(name: string): string | null;
}

export function parseValidCalendar(text: string): ParsedCalendar {
  if (!text.endsWith('\r\n') && !text.endsWith('END:VCALENDAR')) throw new Error('calendar does not end with END:VCALENDAR');
  const lines = text.split('\r\n');
  lines.forEach((line, index) => {
    if (line.includes('\n')) throw new Error(`line ${index + 1} ends with a bare LF`);
    if (Buffer.byteLength(line, 'utf8') > 75) throw new Error(`line ${index + 1} is longer than 75 octets: ${line}`);
  });
  const calendar = new ICAL.Component(ICAL.parse(text));
  if (calendar.name !== 'vcalendar') throw new Error(`not a VCALENDAR: ${calendar.name}`);
  if (calendar.getFirstPropertyValue('version') !== '2.0') throw new Error('VERSION:2.0 missing');
  if (!calendar.getFirstPropertyValue('prodid')) throw new Error('PRODID missing');

  for (const line of lines) {
    if (/^(DTSTAMP|CREATED|LAST-MODIFIED)[:;]/.test(line) && !/^[A-Z-]+:\d{8}T\d{6}Z$/.test(line)) {
      throw new Error(`not a UTC date-time (RFC 5545 §3.8.7): ${line}`);
    }
  }
  const definedZones = new Set<string>();
  for (const vtimezone of calendar.getAllSubcomponents('vtimezone')) {
    const tzid = String(vtimezone.getFirstPropertyValue('tzid'));
    definedZones.add(tzid);
    ICAL.TimezoneService.register(vtimezone);
  }
  const events = calendar.getAllSubcomponents('vevent');
  for (const event of events) {
    const uid = event.getFirstPropertyValue('uid');
    if (!uid) throw new Error('VEVENT without UID');
    const stamp = event.getFirstProperty('dtstamp');
    if (!stamp) throw new Error(`VEVENT ${uid} without DTSTAMP`);
    if (!event.getFirstProperty('dtstart')) throw new Error(`VEVENT ${uid} without DTSTART`);
    if (event.getFirstProperty('dtend') && event.getFirstProperty('duration')) throw new Error(`VEVENT ${uid} with DTEND and DURATION`);
    for (const property of event.getAllProperties()) {
      const tzid = property.getParameter('tzid');
      if (typeof tzid === 'string' && !definedZones.has(tzid)) throw new Error(`TZID ${tzid} used by ${uid} without its VTIMEZONE`);
    }
  }
  return {
    calendar,
    events,
    property: (name) => {
      const value = calendar.getFirstPropertyValue(name);
      return value == null ? null : String(value);
    },
  };
}

/** The instant of a DATE-TIME property (resolved through its TZID). */
export function instantOf(event: InstanceType<typeof ICAL.Component>, name: string): Date {
  const value = event.getFirstPropertyValue(name) as InstanceType<typeof ICAL.Time>;
  return new Date(value.toUnixTime() * 1000);
}

export function eventByUid(parsed: ParsedCalendar, uid: string): InstanceType<typeof ICAL.Component> {
  const event = parsed.events.find((candidate) => candidate.getFirstPropertyValue('uid') === uid);
  if (!event) throw new Error(`no VEVENT ${uid}; have ${parsed.events.map((e) => e.getFirstPropertyValue('uid')).join(', ')}`);
  return event;
}
