// Dates and numbers are shown for fr-FR in the Europe/Paris time zone, whatever the server's zone.
export const TIME_ZONE = 'Europe/Paris';
export const LOCALE = 'fr-FR';

const dateFormat = new Intl.DateTimeFormat(LOCALE, { timeZone: TIME_ZONE, day: '2-digit', month: '2-digit', year: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat(LOCALE, {
  timeZone: TIME_ZONE,
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const longDateFormat = new Intl.DateTimeFormat(LOCALE, { timeZone: TIME_ZONE, dateStyle: 'full' });
const numberFormat = new Intl.NumberFormat(LOCALE);
const euroFormat = new Intl.NumberFormat(LOCALE, { style: 'currency', currency: 'EUR' });

function toDate(value: Date | string | number | null | undefined): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * Intl formatting costs microseconds per call and a list page formats a hundred dates. Paris is
 * always a whole number of hours from UTC, so the calendar day is the same for every instant of
 * one UTC hour: formatted days are kept per UTC hour (bounded).
 */
const daysByUtcHour = new Map<number, string>();
const MAX_CACHED_DAYS = 20_000;

export function formatDate(value: Date | string | null | undefined): string {
  const date = toDate(value);
  if (!date) return '';
  const hour = Math.floor(date.getTime() / 3_600_000);
  let text = daysByUtcHour.get(hour);
  if (text === undefined) {
    text = dateFormat.format(date);
    if (daysByUtcHour.size >= MAX_CACHED_DAYS) daysByUtcHour.clear();
    daysByUtcHour.set(hour, text);
  }
  return text;
}

export function formatDateTime(value: Date | string | null | undefined): string {
  const date = toDate(value);
  return date ? dateTimeFormat.format(date).replace(' ', ' à ') : '';
}

export function formatLongDate(value: Date | string | null | undefined): string {
  const date = toDate(value);
  return date ? longDateFormat.format(date) : '';
}

export function formatNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : numberFormat.format(value);
}

export function formatEuros(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : euroFormat.format(value);
}

/** `YYYY-MM-DD` of a moment in Paris, for date inputs. */
export function isoDateInParis(value: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(value);
  return parts;
}

/** The UTC instant of midnight, Paris time, on a `YYYY-MM-DD` day (for inclusive date filters). */
export function startOfParisDay(isoDay: string): Date {
  const [year, month, day] = isoDay.split('-').map(Number) as [number, number, number];
  const guess = new Date(Date.UTC(year, month - 1, day));
  const offsetMinutes = parisOffsetMinutes(guess);
  return new Date(guess.getTime() - offsetMinutes * 60_000);
}

function parisOffsetMinutes(at: Date): number {
  const local = new Date(at.toLocaleString('en-US', { timeZone: TIME_ZONE }));
  const utc = new Date(at.toLocaleString('en-US', { timeZone: 'UTC' }));
  return Math.round((local.getTime() - utc.getTime()) / 60_000);
}

/** `HH:MM` of a moment in Paris, for time inputs. */
export function isoTimeInParis(value: Date): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(value);
}

/**
 * The UTC instant of a wall-clock time in Paris (`YYYY-MM-DD`, `HH:MM`). A time skipped by the
 * spring change (02:30 on the last Sunday of March) lands an hour earlier; the repeated autumn
 * hour takes one of its two occurrences.
 */
export function parisDateTime(isoDay: string, time: string): Date {
  const [year, month, day] = isoDay.split('-').map(Number) as [number, number, number];
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const first = new Date(wall - parisOffsetMinutes(new Date(wall)) * 60_000);
  const second = new Date(wall - parisOffsetMinutes(first) * 60_000);
  return parisOffsetMinutes(second) === parisOffsetMinutes(first) ? second : first;
}
