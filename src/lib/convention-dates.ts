// Pure date and reference rules of conventions, shared by the service and its unit tests.

/** CONV-2026-0042: year of creation and the year's sequence number, four digits at least. */
export function formatConventionReference(year: number, sequence: number): string {
  return `CONV-${year}-${String(sequence).padStart(4, '0')}`;
}

export function parseIsoDay(value: string): { year: number; month: number; day: number } | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return { year, month, day };
}

function toIso(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * Adds (or, negative, removes) whole months to a `YYYY-MM-DD` day. A day missing from the target
 * month is clamped to its last day: 31 August − 6 months = 28 February (29 in a leap year),
 * like PostgreSQL's `date - interval 'n months'`.
 */
export function addMonths(isoDay: string, months: number): string {
  const parsed = parseIsoDay(isoDay);
  if (!parsed) throw new Error(`not a day: ${isoDay}`);
  const index = parsed.year * 12 + (parsed.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return toIso(year, month, Math.min(parsed.day, lastDay));
}

export function addDays(isoDay: string, days: number): string {
  const parsed = parseIsoDay(isoDay);
  if (!parsed) throw new Error(`not a day: ${isoDay}`);
  const date = new Date(Date.UTC(parsed.year, parsed.month - 1, parsed.day + days));
  return toIso(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());
}

/** Last day to give notice (to terminate or refuse a tacit renewal): end date − notice months. */
export function noticeDeadline(endsOn: string | null | undefined, noticeMonths: number | null | undefined): string | null {
  if (!endsOn || noticeMonths === null || noticeMonths === undefined) return null;
  return addMonths(endsOn, -noticeMonths);
}
