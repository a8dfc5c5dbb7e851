// Reminder date arithmetic on the Paris calendar: offsets, weekends, public holidays, DST.
import { isLate, monthKeyDay, reminderSlots, sendDayOf, sweepFromDay } from '../../src/workflows/reminder-dates';

const at = (iso: string) => new Date(iso);

describe('sendDayOf: the day a reminder goes out', () => {
  test('a deadline reminder is never later than its offset: J-7 falling on a Saturday goes out on Friday', () => {
    // End date Saturday 12 December 2026 → J-7 is Saturday 5 December → Friday 4 December.
    expect(sendDayOf('convention.end', '2026-12-12', 7)).toBe('2026-12-04');
    // A working day stays.
    expect(sendDayOf('convention.end', '2026-12-17', 7)).toBe('2026-12-10');
  });

  test('J-1 of a Monday meeting goes out on Friday; of the day after Easter Monday, on the Friday before it', () => {
    expect(sendDayOf('meeting.day_before', '2026-12-07', 1)).toBe('2026-12-04');
    // Easter 2027 is 28 March: Monday 29 March is a public holiday.
    expect(sendDayOf('meeting.day_before', '2027-03-30', 1)).toBe('2027-03-26');
  });

  test('an overdue notice goes out the next working day; a same-day reminder stays on its day, weekend or not', () => {
    expect(sendDayOf('task.overdue', '2026-12-04', -1)).toBe('2026-12-07'); // due Friday → Monday
    expect(sendDayOf('task.overdue', '2027-03-26', -1)).toBe('2027-03-30'); // due Friday before Easter → Tuesday
    expect(sendDayOf('task.overdue', '2026-07-13', -1)).toBe('2026-07-15'); // 14 July is a holiday
    expect(sendDayOf('meeting.morning_of', '2026-12-05', 0)).toBe('2026-12-05'); // a Saturday meeting
    expect(sendDayOf('task.due_today', '2026-12-25', 0)).toBe('2026-12-25');
  });

  test('the daily digest exists on working days only', () => {
    expect(sendDayOf('digest.daily', '2026-12-07', 0)).toBe('2026-12-07');
    expect(sendDayOf('digest.daily', '2026-12-05', 0)).toBeNull();
    expect(sendDayOf('digest.daily', '2026-12-06', 0)).toBeNull();
    expect(sendDayOf('digest.daily', '2026-12-25', 0)).toBeNull();
    expect(sendDayOf('digest.daily', '2027-05-06', 0)).toBeNull(); // Ascension 2027 (Easter + 39)
  });
});

describe('reminderSlots: what a sweep plans', () => {
  test('08:00 Paris is 07:00 UTC in winter and 06:00 UTC after the spring change (no 23- or 25-hour day)', () => {
    const slots = reminderSlots('digest.daily', { offsetsDays: [0], sendTime: '08:00' }, '2027-03-26', at('2027-03-31T12:00:00Z'));
    expect(slots.map((slot) => [slot.subjectDay, slot.dueAt.toISOString()])).toEqual([
      ['2027-03-26', '2027-03-26T07:00:00.000Z'],
      // 27-28 weekend, 29 Easter Monday: no digest.
      ['2027-03-30', '2027-03-30T06:00:00.000Z'],
      ['2027-03-31', '2027-03-31T06:00:00.000Z'],
    ]);
    // The subject day's bounds follow the change too: Sunday 28 March 2027 lasts 23 hours.
    const sunday = reminderSlots('meeting.morning_of', { offsetsDays: [0], sendTime: '07:30' }, '2027-03-28', at('2027-03-28T12:00:00Z'));
    expect(sunday).toHaveLength(1);
    expect(sunday[0]?.subjectEnd.getTime()).toBe((sunday[0]?.subjectStart.getTime() ?? 0) + 23 * 3_600_000);
    expect(sunday[0]?.dueAt.toISOString()).toBe('2027-03-28T05:30:00.000Z');
  });

  test('autumn change: 17:00 the day before is 16:00 UTC in summer time, 08:00 after is 07:00 UTC', () => {
    const slots = reminderSlots('meeting.day_before', { offsetsDays: [1], sendTime: '17:00' }, '2026-10-23', at('2026-10-27T00:00:00Z'));
    // Send days Friday 23 (for Saturday 24, Sunday 25 and Monday 26) and Monday 26 (for Tuesday 27).
    expect(slots.map((slot) => [slot.subjectDay, slot.dueAt.toISOString()])).toEqual([
      ['2026-10-24', '2026-10-23T15:00:00.000Z'],
      ['2026-10-25', '2026-10-23T15:00:00.000Z'],
      ['2026-10-26', '2026-10-23T15:00:00.000Z'],
      ['2026-10-27', '2026-10-26T16:00:00.000Z'],
    ]);
  });

  test('every offset of a rule, none after `until`', () => {
    const slots = reminderSlots('convention.end', { offsetsDays: [90, 30, 7], sendTime: '08:00' }, '2026-12-07', at('2026-12-07T06:59:00Z'));
    expect(slots).toEqual([]);
    const monday = reminderSlots('convention.end', { offsetsDays: [90, 30, 7], sendTime: '08:00' }, '2026-12-07', at('2026-12-07T07:00:00Z'));
    // Monday 7 December at 08:00: J-90 of 7 March, J-30 of 6 January, J-7 of 14 December.
    expect(monday.map((slot) => `${slot.offsetDays}:${slot.subjectDay}`).sort()).toEqual(['30:2027-01-06', '7:2026-12-14', '90:2027-03-07'].sort());
    // Friday 4 December covers the weekend's: J-7 of 11, 12 and 13 December.
    const friday = reminderSlots('convention.end', { offsetsDays: [7], sendTime: '08:00' }, '2026-12-04', at('2026-12-04T08:00:00Z'));
    expect(friday.map((slot) => slot.subjectDay)).toEqual(['2026-12-11', '2026-12-12', '2026-12-13']);
  });

  test('a sweep after two days down covers the days it missed', () => {
    const slots = reminderSlots('task.due_today', { offsetsDays: [0], sendTime: '08:00' }, '2026-12-05', at('2026-12-07T09:00:00Z'));
    expect(slots.map((slot) => slot.subjectDay)).toEqual(['2026-12-05', '2026-12-06', '2026-12-07']);
  });
});

describe('the sweep window and lateness', () => {
  test('a sweep starts from the last sweep day, at most two weeks back; the first one from today', () => {
    const now = at('2026-12-07T09:00:00Z');
    expect(sweepFromDay(now, null)).toBe('2026-12-07');
    expect(sweepFromDay(now, at('2026-12-04T22:59:00Z'))).toBe('2026-12-04');
    expect(sweepFromDay(now, at('2026-12-04T23:30:00Z'))).toBe('2026-12-05'); // already Saturday in Paris
    expect(sweepFromDay(now, at('2026-10-01T10:00:00Z'))).toBe('2026-11-23');
    expect(sweepFromDay(now, at('2026-12-08T10:00:00Z'))).toBe('2026-12-07'); // a clock gone back
  });

  test('late means handled more than an hour after due; the reciprocity key is the first of the month', () => {
    expect(isLate(at('2026-12-07T07:00:00Z'), at('2026-12-07T08:00:00Z'))).toBe(false);
    expect(isLate(at('2026-12-07T07:00:00Z'), at('2026-12-07T08:00:01Z'))).toBe(true);
    expect(monthKeyDay('2026-12-31')).toBe('2026-12-01');
  });
});
