// iCalendar (RFC 5545) for invitations, downloads and the personal feed, with ical-generator.
// Every timed item is written in Europe/Paris (DTSTART;TZID=Europe/Paris:…) with the zone's
// VTIMEZONE in the calendar, so Outlook (which ignores X-WR-TIMEZONE and needs the VTIMEZONE)
// and the others show the same wall-clock time; DTSTAMP, CREATED and LAST-MODIFIED stay in UTC
// as RFC 5545 §3.8.7.2 asks.
import { ICalAttendeeRole, ICalAttendeeStatus, ICalCalendar, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { DateTime } from 'luxon';
import { PARIS_ZONE } from './paris-time';

export interface IcsPerson {
  name: string;
  email: string;
}

export interface IcsItem {
  /** Stable across changes: `event-<id>@<host>`, `exchange-<id>@<host>`, `task-<id>@<host>`… */
  uid: string;
  sequence: number;
  start: Date;
  /** Timed item: its end (null: a point in time). All-day item: the day after the last day (exclusive, RFC 5545); null: one day. */
  end: Date | null;
  /** An all-day item (a task's due day, a convention deadline): `start` is that Paris day's midnight. */
  allDay?: boolean;
  summary: string;
  /** Plain text; never confidential notes. */
  description?: string | null;
  location?: string | null;
  url?: string | null;
  status?: 'CONFIRMED' | 'TENTATIVE' | 'CANCELLED';
  organizer?: IcsPerson | null;
  attendees?: Array<IcsPerson & { response?: 'ACCEPTED' | 'DECLINED' | 'TENTATIVE' | 'NEEDS-ACTION' }>;
  lastModified?: Date;
}

export type IcsMethod = 'REQUEST' | 'CANCEL' | 'PUBLISH';

const METHODS: Record<IcsMethod, ICalCalendarMethod> = {
  REQUEST: ICalCalendarMethod.REQUEST,
  CANCEL: ICalCalendarMethod.CANCEL,
  PUBLISH: ICalCalendarMethod.PUBLISH,
};

const STATUSES: Record<NonNullable<IcsItem['status']>, ICalEventStatus> = {
  CONFIRMED: ICalEventStatus.CONFIRMED,
  TENTATIVE: ICalEventStatus.TENTATIVE,
  CANCELLED: ICalEventStatus.CANCELLED,
};

const RESPONSES: Record<NonNullable<NonNullable<IcsItem['attendees']>[number]['response']>, ICalAttendeeStatus> = {
  ACCEPTED: ICalAttendeeStatus.ACCEPTED,
  DECLINED: ICalAttendeeStatus.DECLINED,
  TENTATIVE: ICalAttendeeStatus.TENTATIVE,
  'NEEDS-ACTION': ICalAttendeeStatus.NEEDSACTION,
};

/**
 * The VTIMEZONE of Europe/Paris: the EU rule in force since 1996 (summer time from the last Sunday
 * of March 02:00 to the last Sunday of October 03:00). ical-generator has no zone database and asks
 * for a generator; the one zone Passerelle writes is this one (tests/unit/ical.test.ts checks the
 * offsets it yields against Luxon's tz database around each change).
 */
const PARIS_VTIMEZONE = [
  'BEGIN:VTIMEZONE',
  `TZID:${PARIS_ZONE}`,
  `X-LIC-LOCATION:${PARIS_ZONE}`,
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'TZNAME:CEST',
  'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'TZNAME:CET',
  'DTSTART:19701025T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
].join('\r\n');

function vtimezoneOf(zone: string): string | null {
  return zone === PARIS_ZONE ? PARIS_VTIMEZONE : null;
}

function inParis(instant: Date): DateTime {
  return DateTime.fromJSDate(instant, { zone: PARIS_ZONE });
}

/** One calendar: METHOD:REQUEST or CANCEL for invitations, PUBLISH (or none) for downloads and feeds. Times in Europe/Paris. */
export function buildCalendar(options: {
  name: string;
  method?: IcsMethod;
  items: IcsItem[];
  /** A subscribed feed: how often clients should read it again (REFRESH-INTERVAL, X-PUBLISHED-TTL). */
  refreshSeconds?: number;
}): string {
  const calendar = new ICalCalendar({
    name: options.name,
    prodId: { company: 'Passerelle', product: 'Passerelle', language: 'FR' },
    method: options.method ? METHODS[options.method] : null,
    // No calendar-level zone name (ical-generator would then write DTSTAMP without its Z): each
    // event carries TZID=Europe/Paris and the generator adds the VTIMEZONE once.
    timezone: { name: null, generator: vtimezoneOf },
    ttl: options.refreshSeconds ?? null,
  });
  // DTSTAMP (RFC 5545 §3.8.7.2): with a METHOD (an iTIP message), when the message was made;
  // without one (a download, a feed), when the item was last revised — so the same items give
  // the same bytes and a polling calendar app gets « 304 Not Modified ».
  const now = new Date();
  for (const item of options.items) {
    const start = inParis(item.start);
    const end = item.allDay
      ? item.end
        ? inParis(item.end)
        : start.startOf('day').plus({ days: 1 })
      : item.end
        ? inParis(item.end)
        : null;
    // A cancellation must name the attendees it cancels for, and its organiser (RFC 5546 §3.2.5).
    const cancelled = options.method === 'CANCEL' || item.status === 'CANCELLED';
    calendar.createEvent({
      id: item.uid,
      sequence: item.sequence,
      stamp: options.method ? now : (item.lastModified ?? now),
      start: item.allDay ? start.startOf('day') : start,
      end,
      allDay: item.allDay ?? false,
      timezone: PARIS_ZONE,
      summary: item.summary,
      description: item.description ?? null,
      location: item.location ?? null,
      url: item.url ?? null,
      status: cancelled ? ICalEventStatus.CANCELLED : item.status ? STATUSES[item.status] : null,
      organizer: item.organizer ? { name: item.organizer.name, email: item.organizer.email } : null,
      attendees: (item.attendees ?? []).map((attendee) => {
        const response = RESPONSES[attendee.response ?? 'NEEDS-ACTION'];
        return {
          name: attendee.name,
          email: attendee.email,
          role: ICalAttendeeRole.REQ,
          status: response,
          // Ask for an answer only in an invitation still waiting for one.
          rsvp: options.method === 'REQUEST' && response === ICalAttendeeStatus.NEEDSACTION,
        };
      }),
      lastModified: item.lastModified ?? null,
    });
  }
  return calendar.toString();
}

/** A calendar's UID for a Passerelle record: `<kind>-<id>@<host of baseUrl>` (stable across edits). */
export function icsUid(kind: string, id: string, baseUrl: string): string {
  return `${kind}-${id}@${new URL(baseUrl).hostname}`;
}
