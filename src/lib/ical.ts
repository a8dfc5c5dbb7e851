// iCalendar (RFC 5545) for invitations, downloads and the personal feed, with ical-generator.
// STUB written by the lead with the contract: helper E replaces the bodies.

export interface IcsPerson {
  name: string;
  email: string;
}

export interface IcsItem {
  /** Stable across changes: `event-<id>@<host>`, `exchange-<id>@<host>`, `task-<id>@<host>`… */
  uid: string;
  sequence: number;
  start: Date;
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

/** One calendar: METHOD:REQUEST or CANCEL for invitations, PUBLISH (or none) for downloads and feeds. Times in Europe/Paris. */
export function buildCalendar(_options: { name: string; method?: 'REQUEST' | 'CANCEL' | 'PUBLISH'; items: IcsItem[] }): string {
  throw new Error('src/lib/ical.ts: not written yet');
}
