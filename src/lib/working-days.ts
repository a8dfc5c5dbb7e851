// Working days for approval deadlines: Saturdays, Sundays and French public holidays
// (metropolitan calendar) are skipped. Dates are handled as calendar days in UTC: a step
// activated on Friday 15:00 with 2 working days is due on Tuesday 15:00.

/** Easter Sunday (anonymous Gregorian algorithm), as a UTC date. */
export function easterSunday(year: number): Date {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return new Date(Date.UTC(year, month - 1, day));
}

const DAY_MS = 24 * 3600_000;
const holidayCache = new Map<number, Set<string>>();

/** French public holidays of a year, as YYYY-MM-DD. */
export function frenchPublicHolidays(year: number): Set<string> {
  let days = holidayCache.get(year);
  if (days) return days;
  const easter = easterSunday(year).getTime();
  const movable = [1, 39, 50].map((offset) => new Date(easter + offset * DAY_MS).toISOString().slice(0, 10));
  const fixed = ['01-01', '05-01', '05-08', '07-14', '08-15', '11-01', '11-11', '12-25'].map((day) => `${year}-${day}`);
  days = new Set([...fixed, ...movable]);
  holidayCache.set(year, days);
  return days;
}

export function isWorkingDay(date: Date): boolean {
  const weekday = date.getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  return !frenchPublicHolidays(date.getUTCFullYear()).has(date.toISOString().slice(0, 10));
}

/** `from` plus `days` working days, same time of day. */
export function addWorkingDays(from: Date, days: number): Date {
  let current = new Date(from.getTime());
  let remaining = days;
  while (remaining > 0) {
    current = new Date(current.getTime() + DAY_MS);
    if (isWorkingDay(current)) remaining -= 1;
  }
  return current;
}
