// Reminder date arithmetic (pure, Paris calendar through src/lib/paris-time.ts): which subject
// days a rule reminds of on which send days, at what instant, and when a reminder is « late ».
//
// A rule's offset is the number of days before the day reminded of (J-7 → 7; 0 = that day;
// negative = after it, « overdue »). When the nominal send day is not a working day:
//   - an early warning (offset > 0: J-1 of a meeting, J-30 of a deadline) goes out the working
//     day before (a Monday meeting's J-1 on Friday; a deadline's J-7 never later than J-7);
//   - an overdue notice (offset < 0) goes out the next working day;
//   - a same-day reminder (offset 0) stays on its day (a Saturday meeting is reminded that morning);
//   - the daily digest is only planned on working days.
import type { ReminderRuleCode, ReminderRuleDefaults } from '../models/reminder-rules';
import type { PlanSlot } from '../models/reminders.model';
import {
  addParisDays,
  atParisTime,
  isParisWorkingDay,
  nextParisWorkingDay,
  parisDayOf,
  parisDaysBetween,
  previousParisWorkingDay,
  startOfParisDayInstant,
} from '../lib/paris-time';

/** Handled more than this after its due time: shown as late. */
export const LATE_AFTER_MS = 3_600_000;
/** How far back a sweep looks for what fell due while no sweep ran (the app was down). */
export const MAX_LOOKBACK_DAYS = 14;
/** Longest run of non-working days a shifted reminder can cross (a bridge of holidays and a weekend). */
const SHIFT_MARGIN_DAYS = 6;

/** The day a reminder of `subjectDay` at `offsetDays` goes out. */
export function sendDayOf(rule: ReminderRuleCode, subjectDay: string, offsetDays: number): string | null {
  const nominal = addParisDays(subjectDay, -offsetDays);
  if (rule === 'digest.daily') return isParisWorkingDay(nominal) ? nominal : null;
  if (offsetDays > 0) return previousParisWorkingDay(nominal);
  if (offsetDays < 0) return nextParisWorkingDay(nominal);
  return nominal;
}

/**
 * Every slot of a rule whose send day is in [fromDay, the Paris day of `until`] and whose send
 * instant is not after `until`. `fromDay` earlier than today: what fell due while no sweep ran.
 */
export function reminderSlots(rule: ReminderRuleCode, settings: Pick<ReminderRuleDefaults, 'offsetsDays' | 'sendTime'>, fromDay: string, until: Date): PlanSlot[] {
  const toDay = parisDayOf(until);
  const days = parisDaysBetween(fromDay, toDay);
  if (days < 0) return [];
  const offsets = rule === 'digest.daily' ? [0] : [...new Set(settings.offsetsDays)];
  const slots: PlanSlot[] = [];
  for (const offset of offsets) {
    for (let index = -SHIFT_MARGIN_DAYS; index <= days + SHIFT_MARGIN_DAYS; index += 1) {
      const subjectDay = addParisDays(fromDay, index + offset);
      const sendDay = sendDayOf(rule, subjectDay, offset);
      if (!sendDay || parisDaysBetween(fromDay, sendDay) < 0 || parisDaysBetween(sendDay, toDay) < 0) continue;
      const dueAt = atParisTime(sendDay, settings.sendTime);
      if (dueAt.getTime() > until.getTime()) continue;
      slots.push({ offsetDays: offset, subjectDay, subjectStart: startOfParisDayInstant(subjectDay), subjectEnd: startOfParisDayInstant(addParisDays(subjectDay, 1)), dueAt });
    }
  }
  return slots;
}

/** The first send day a sweep at `now` covers: the day of the last sweep (at most two weeks back), else today. */
export function sweepFromDay(now: Date, lastSweep: Date | null): string {
  const today = parisDayOf(now);
  if (!lastSweep || lastSweep.getTime() > now.getTime()) return today;
  const earliest = addParisDays(today, -MAX_LOOKBACK_DAYS);
  const last = parisDayOf(lastSweep);
  return parisDaysBetween(earliest, last) < 0 ? earliest : last;
}

export function isLate(dueAt: Date, handledAt: Date): boolean {
  return handledAt.getTime() - dueAt.getTime() > LATE_AFTER_MS;
}

/** « At most once a month per partnership »: the reciprocity reminder's occurrence day. */
export function monthKeyDay(day: string): string {
  return `${day.slice(0, 7)}-01`;
}
