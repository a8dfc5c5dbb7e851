// The reciprocity cadence (issue 13), pure: which meetings count, the status of a partnership and
// the day it falls behind. Days are Paris calendar days (src/lib/paris-time.ts), so a DST change
// never moves a meeting into the next or previous day.
//
// The window is the rolling last 12 months: on day T a meeting held on Paris day d (at or before
// now) counts when d > T − 12 months. A meeting of 14 March 2025 counts up to 13 March 2026
// included: the next one must happen « avant le 14 mars ». Month ends follow the calendar
// (Luxon): on 28 February 2025 the window opens after 28 February 2024, so a meeting of
// 29 February 2024 still counts that day and drops out on 1 March 2025.
import { addParisDays, addParisMonths } from '../lib/paris-time';
import { BEHIND_STATUSES, DEFAULT_RECIPROCITY_FIGURES, type ReciprocityStatus } from '../models/reciprocity.model';

export { BEHIND_STATUSES, DEFAULT_RECIPROCITY_FIGURES, QUALIFYING_EXCHANGE_KINDS, RECIPROCITY_STATUSES, type ReciprocityStatus } from '../models/reciprocity.model';

export const RECIPROCITY_WINDOW_MONTHS = 12;

export interface ReciprocityFigures {
  minimum: number;
  target: number;
}

/**
 * The first Paris day of the window on `today`: meetings held on this day or later count.
 * (today − 12 months) + 1 day.
 */
export function windowStartDay(today: string): string {
  return addParisDays(addParisMonths(today, -RECIPROCITY_WINDOW_MONTHS), 1);
}

/** Does a meeting held on Paris day `meetingDay` count on Paris day `today` (meetingDay ≤ today)? */
export function countsOn(meetingDay: string, today: string): boolean {
  return meetingDay >= windowStartDay(today) && meetingDay <= today;
}

/**
 * The first day a meeting held on `meetingDay` no longer counts: the smallest day T with
 * windowStartDay(T) > meetingDay. Usually meetingDay + 12 months; one day later after a 29 February.
 */
export function dropsOutOn(meetingDay: string): string {
  let day = addParisMonths(meetingDay, RECIPROCITY_WINDOW_MONTHS);
  while (windowStartDay(day) <= meetingDay) day = addParisDays(day, 1);
  while (windowStartDay(addParisDays(day, -1)) > meetingDay) day = addParisDays(day, -1);
  return day;
}

/**
 * The status from the meetings counted in the window. Below the minimum, « jamais rencontré »
 * when no qualifying meeting ever happened, « en retard » otherwise. (The SQL of the list filter,
 * reciprocityStatusSql in src/models/reciprocity.model.ts, says the same; an integration test
 * checks they agree.)
 */
export function reciprocityStatus(meetings: number, figures: ReciprocityFigures, everMet: boolean): ReciprocityStatus {
  if (meetings >= figures.target) return 'a_jour';
  if (meetings >= figures.minimum) return 'a_surveiller';
  return everMet || meetings > 0 ? 'en_retard' : 'jamais_rencontre';
}

/**
 * The day the partnership falls below its minimum unless another meeting happens before it:
 * the day the minimum-th most recent meeting of the window drops out. `today` when it already is
 * below; null when the minimum is 0 (it never falls behind).
 * `meetingDaysNewestFirst`: Paris days of the meetings counted in the window, newest first.
 */
export function nextMeetingDueOn(meetingDaysNewestFirst: readonly string[], figures: ReciprocityFigures, today: string): string | null {
  if (figures.minimum <= 0) return null;
  const keeping = meetingDaysNewestFirst[figures.minimum - 1];
  if (!keeping) return today;
  const due = dropsOutOn(keeping);
  return due > today ? due : today;
}

/** Behind now, or will be within `withinDays` days if nobody meets the partner meanwhile. */
export function fallsBehindWithin(status: ReciprocityStatus, nextDueOn: string | null, today: string, withinDays: number): boolean {
  if (BEHIND_STATUSES.includes(status)) return true;
  return nextDueOn !== null && nextDueOn <= addParisDays(today, withinDays);
}

/**
 * The figures that apply to a partnership: among the admin's rows for its kind of organisation
 * and the kinds of its conventions in force, the strictest (highest target, then highest
 * minimum); the default when none applies.
 */
export function applicableFigures(candidates: readonly ReciprocityFigures[]): ReciprocityFigures {
  let best: ReciprocityFigures | undefined;
  for (const candidate of candidates) {
    if (!best || candidate.target > best.target || (candidate.target === best.target && candidate.minimum > best.minimum)) best = candidate;
  }
  return best ? { minimum: best.minimum, target: best.target } : { ...DEFAULT_RECIPROCITY_FIGURES };
}

export interface ReciprocitySummary extends ReciprocityFigures {
  status: ReciprocityStatus;
  /** Meetings counted in the window. */
  meetings: number;
  /** See nextMeetingDueOn: the day it falls behind (today when it already is), null when the minimum is 0. */
  nextDueOn: string | null;
}

/** Everything the pages show, from the meetings of the window (Paris days, newest first). */
export function summarizeReciprocity(meetingDaysNewestFirst: readonly string[], figures: ReciprocityFigures, everMet: boolean, today: string): ReciprocitySummary {
  const meetings = meetingDaysNewestFirst.length;
  return {
    ...figures,
    meetings,
    status: reciprocityStatus(meetings, figures, everMet),
    nextDueOn: nextMeetingDueOn(meetingDaysNewestFirst, figures, today),
  };
}
