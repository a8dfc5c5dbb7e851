// Calendar arithmetic in Europe/Paris for reminders, the cadence and the agenda (Luxon: it knows
// the DST changes). A « day » is an ISO date string (YYYY-MM-DD) on the Paris calendar; an instant
// is a Date. A reminder « at 08:00 on J-7 » is atParisTime(addParisDays(day, -7), '08:00'): the
// 08:00 of that Paris day whatever its UTC offset (+01:00 in winter, +02:00 in summer).
import { DateTime } from 'luxon';
import { frenchPublicHolidays } from './working-days';

export const PARIS_ZONE = 'Europe/Paris';

function dayTime(isoDay: string): DateTime {
  const parsed = DateTime.fromISO(isoDay, { zone: PARIS_ZONE });
  if (!parsed.isValid || !/^\d{4}-\d{2}-\d{2}$/.test(isoDay)) throw new RangeError(`not an ISO day: ${isoDay}`);
  return parsed;
}

/** The Paris calendar day an instant falls on. */
export function parisDayOf(instant: Date): string {
  return DateTime.fromJSDate(instant, { zone: PARIS_ZONE }).toISODate() as string;
}

/**
 * The instant of a Paris wall-clock time ('HH:MM') on a Paris day. A time that does not exist
 * (02:30 on the last Sunday of March) moves forward by the gap, as clocks do.
 */
export function atParisTime(isoDay: string, time: string): Date {
  const match = /^(\d{1,2}):(\d{2})$/.exec(time);
  if (!match) throw new RangeError(`not a time: ${time}`);
  return dayTime(isoDay)
    .set({ hour: Number(match[1]), minute: Number(match[2]), second: 0, millisecond: 0 })
    .toJSDate();
}

/** Calendar days on the Paris calendar (negative: earlier). Never 23 or 25 hours off at a DST change. */
export function addParisDays(isoDay: string, days: number): string {
  return dayTime(isoDay).plus({ days }).toISODate() as string;
}

/** Calendar months (31 January + 1 month = 28 or 29 February). */
export function addParisMonths(isoDay: string, months: number): string {
  return dayTime(isoDay).plus({ months }).toISODate() as string;
}

/** Whole days from `from` to `to` (both Paris days); negative when `to` is earlier. */
export function parisDaysBetween(from: string, to: string): number {
  return Math.round(dayTime(to).diff(dayTime(from), 'days').days);
}

/** Monday to Friday, and not a French public holiday (metropolitan calendar). */
export function isParisWorkingDay(isoDay: string): boolean {
  const weekday = dayTime(isoDay).weekday; // 1 = Monday … 7 = Sunday
  if (weekday >= 6) return false;
  return !frenchPublicHolidays(Number(isoDay.slice(0, 4))).has(isoDay);
}

/** The day itself when it is a working day, else the next working day. */
export function nextParisWorkingDay(isoDay: string): string {
  let day = isoDay;
  while (!isParisWorkingDay(day)) day = addParisDays(day, 1);
  return day;
}

/** The day itself when it is a working day, else the last working day before it. */
export function previousParisWorkingDay(isoDay: string): string {
  let day = isoDay;
  while (!isParisWorkingDay(day)) day = addParisDays(day, -1);
  return day;
}

/** Midnight starting a Paris day, as an instant (a day's bounds for SQL: [start, start of next)). */
export function startOfParisDayInstant(isoDay: string): Date {
  return dayTime(isoDay).startOf('day').toJSDate();
}
