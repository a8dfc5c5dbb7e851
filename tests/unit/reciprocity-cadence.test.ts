// The reciprocity cadence (src/workflows/reciprocity.ts): rolling 12 months on Paris days, the
// status, the day a partnership falls behind, the strictest figures.
import { parisDayOf } from '../../src/lib/paris-time';
import {
  applicableFigures,
  countsOn,
  dropsOutOn,
  fallsBehindWithin,
  nextMeetingDueOn,
  reciprocityStatus,
  summarizeReciprocity,
  windowStartDay,
} from '../../src/workflows/reciprocity';

const DEFAULT = { minimum: 2, target: 3 };

describe('rolling 12 months', () => {
  test('a meeting counts up to the day before its anniversary, then drops out', () => {
    expect(windowStartDay('2026-03-14')).toBe('2025-03-15');
    expect(countsOn('2025-03-14', '2026-03-13')).toBe(true);
    expect(countsOn('2025-03-14', '2026-03-14')).toBe(false);
    expect(dropsOutOn('2025-03-14')).toBe('2026-03-14');
  });

  test('a meeting held today counts, one planned tomorrow does not yet', () => {
    expect(countsOn('2026-03-14', '2026-03-14')).toBe(true);
    expect(countsOn('2026-03-15', '2026-03-14')).toBe(false);
  });

  test('29 February counts through 28 February of the next year and drops out on 1 March', () => {
    expect(countsOn('2024-02-29', '2025-02-28')).toBe(true);
    expect(countsOn('2024-02-29', '2025-03-01')).toBe(false);
    expect(dropsOutOn('2024-02-29')).toBe('2025-03-01');
    // …and the day after it drops out on the same day: the window never skips nor repeats a day.
    expect(dropsOutOn('2024-03-01')).toBe('2025-03-01');
  });

  test('month ends: 31 March drops out on 31 March, 30 April on 30 April', () => {
    expect(dropsOutOn('2025-03-31')).toBe('2026-03-31');
    expect(dropsOutOn('2025-04-30')).toBe('2026-04-30');
  });

  test('dropsOutOn agrees with countsOn on every day around a leap day and month ends', () => {
    for (let day = '2024-01-27'; day <= '2024-03-03'; day = nextDay(day)) check(day);
    for (const day of ['2024-04-30', '2024-05-31', '2024-08-31', '2024-12-31', '2025-01-31']) check(day);
    function check(day: string) {
      const out = dropsOutOn(day);
      expect(countsOn(day, previousDay(out))).toBe(true);
      expect(countsOn(day, out)).toBe(false);
    }
  });

  test('a meeting at 00:30 in Paris on the night of a DST change belongs to its Paris day, not to the UTC one', () => {
    // 31 March 2024 00:30 Paris (CET, +01:00) is 30 March 23:30 UTC.
    const springNight = new Date('2024-03-30T23:30:00Z');
    expect(parisDayOf(springNight)).toBe('2024-03-31');
    expect(dropsOutOn(parisDayOf(springNight))).toBe('2025-03-31');
    // 27 October 2024 00:30 Paris (CEST, +02:00) is 26 October 22:30 UTC.
    const autumnNight = new Date('2024-10-26T22:30:00Z');
    expect(parisDayOf(autumnNight)).toBe('2024-10-27');
    expect(countsOn('2024-10-27', '2025-10-26')).toBe(true);
    expect(countsOn('2024-10-27', '2025-10-27')).toBe(false);
  });
});

describe('status', () => {
  test('à jour from the target, à surveiller from the minimum', () => {
    expect(reciprocityStatus(3, DEFAULT, true)).toBe('a_jour');
    expect(reciprocityStatus(5, DEFAULT, true)).toBe('a_jour');
    expect(reciprocityStatus(2, DEFAULT, true)).toBe('a_surveiller');
  });

  test('below the minimum: en retard when met before, jamais rencontré when never', () => {
    expect(reciprocityStatus(1, DEFAULT, true)).toBe('en_retard');
    expect(reciprocityStatus(0, DEFAULT, true)).toBe('en_retard');
    expect(reciprocityStatus(0, DEFAULT, false)).toBe('jamais_rencontre');
  });

  test('a minimum of 0 is never behind', () => {
    expect(reciprocityStatus(0, { minimum: 0, target: 1 }, false)).toBe('a_surveiller');
    expect(reciprocityStatus(0, { minimum: 0, target: 0 }, false)).toBe('a_jour');
  });
});

describe('next meeting due', () => {
  test('the day the minimum-th most recent meeting drops out', () => {
    // Meetings on 14 March 2025 and 2 June 2025 (newest first); minimum 2: the 14 March one keeps it.
    expect(nextMeetingDueOn(['2025-06-02', '2025-03-14'], DEFAULT, '2025-12-01')).toBe('2026-03-14');
    // A third, older meeting changes nothing: the second most recent still decides.
    expect(nextMeetingDueOn(['2025-06-02', '2025-03-14', '2025-01-10'], DEFAULT, '2025-12-01')).toBe('2026-03-14');
  });

  test('today when already behind, none when the minimum is 0', () => {
    expect(nextMeetingDueOn(['2025-06-02'], DEFAULT, '2025-12-01')).toBe('2025-12-01');
    expect(nextMeetingDueOn([], DEFAULT, '2025-12-01')).toBe('2025-12-01');
    expect(nextMeetingDueOn([], { minimum: 0, target: 2 }, '2025-12-01')).toBeNull();
  });

  test('across a DST change the date is a calendar date, not 365 × 24 h', () => {
    expect(nextMeetingDueOn(['2025-10-26'], { minimum: 1, target: 2 }, '2026-01-05')).toBe('2026-10-26');
    expect(nextMeetingDueOn(['2025-03-30'], { minimum: 1, target: 2 }, '2026-01-05')).toBe('2026-03-30');
  });

  test('falls behind within N days', () => {
    expect(fallsBehindWithin('a_surveiller', '2026-01-10', '2025-12-15', 30)).toBe(true);
    expect(fallsBehindWithin('a_surveiller', '2026-01-15', '2025-12-15', 30)).toBe(false);
    expect(fallsBehindWithin('en_retard', '2025-12-15', '2025-12-15', 0)).toBe(true);
    expect(fallsBehindWithin('jamais_rencontre', '2025-12-15', '2025-12-15', 0)).toBe(true);
    expect(fallsBehindWithin('a_jour', null, '2025-12-15', 30)).toBe(false);
  });

  test('summary of a partnership', () => {
    expect(summarizeReciprocity(['2025-06-02'], { minimum: 2, target: 3 }, true, '2025-12-01')).toEqual({
      minimum: 2,
      target: 3,
      meetings: 1,
      status: 'en_retard',
      nextDueOn: '2025-12-01',
    });
  });
});

describe('figures', () => {
  test('the default when no admin row applies', () => {
    expect(applicableFigures([])).toEqual({ minimum: 2, target: 3 });
  });

  test('the strictest row wins: highest target, then highest minimum', () => {
    expect(applicableFigures([{ minimum: 1, target: 2 }, { minimum: 2, target: 4 }, { minimum: 3, target: 3 }])).toEqual({ minimum: 2, target: 4 });
    expect(applicableFigures([{ minimum: 1, target: 4 }, { minimum: 3, target: 4 }])).toEqual({ minimum: 3, target: 4 });
  });

  test('a lenient row replaces the default for its kind', () => {
    expect(applicableFigures([{ minimum: 1, target: 1 }])).toEqual({ minimum: 1, target: 1 });
  });
});

function nextDay(day: string): string {
  const date = new Date(`${day}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}
function previousDay(day: string): string {
  const date = new Date(`${day}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() - 1);
  return date.toISOString().slice(0, 10);
}
