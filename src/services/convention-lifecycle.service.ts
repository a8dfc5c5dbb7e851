// Convention statuses that follow the calendar (Paris days): « signée » → « en vigueur » on the
// start date, « en vigueur » → « échue » after the end date, or a tacit renewal for a term of the
// same length. Run by the periodic `convention.lifecycle` job; every change is journaled as the
// system. Safe to run twice or from two workers at once (see moveConventionsOnCalendar).
import { addDays, addMonths, noticeDeadline, parseIsoDay } from '../lib/convention-dates';
import type { Database } from '../models/database';
import { isoDateInParis } from '../lib/format';
import { t } from '../lib/i18n';
import { insertAuditEntries } from '../models/audit.model';
import { TACIT_RENEWAL_ACTION, lastTacitRenewalsOf, lockTacitRenewalsDue, moveConventionsOnCalendar, setRenewedDates, type CalendarMove } from '../models/conventions.model';
import type { ConventionStatus } from '../models/schema';
import { auditEntryOf } from './audit.service';
import type { ServiceContext } from './context';
import { assertConventionMove } from './conventions.service';

/** Conventions changed per transaction: short row locks, bounded statements. */
export const CALENDAR_BATCH_SIZE = 200;

/** How long a tacitly renewed convention runs again: whole months when its term is, else days. */
export type RenewalTerm = { months: number } | { days: number };

/** Without a start date the term is unknown: tacit renewals are yearly in practice. */
const DEFAULT_TERM: RenewalTerm = { months: 12 };

function daysFrom(fromIsoDay: string, toIsoDay: string): number {
  return Math.round((Date.parse(`${toIsoDay}T00:00:00Z`) - Date.parse(`${fromIsoDay}T00:00:00Z`)) / 86_400_000);
}

/** The length of the term startsOn..endsOn (both days included). */
export function termOf(startsOn: string | null, endsOn: string): RenewalTerm {
  const start = startsOn ? parseIsoDay(startsOn) : null;
  const dayAfter = parseIsoDay(addDays(endsOn, 1));
  if (!startsOn || !start || !dayAfter || startsOn > endsOn) return DEFAULT_TERM;
  const months = (dayAfter.year - start.year) * 12 + (dayAfter.month - start.month);
  if (months > 0 && addDays(addMonths(startsOn, months), -1) === endsOn) return { months };
  return { days: daysFrom(startsOn, endsOn) + 1 };
}

/** End of the term that follows one ending on `endsOn`. Counted from the next start, so 28 February does not drift. */
export function nextTermEnd(endsOn: string, term: RenewalTerm): string {
  const nextStart = addDays(endsOn, 1);
  return 'months' in term ? addDays(addMonths(nextStart, term.months), -1) : addDays(nextStart, term.days - 1);
}

function termFromJournal(metadata: Record<string, unknown>): RenewalTerm | null {
  const term = metadata.term as { months?: unknown; days?: unknown } | undefined;
  if (term && typeof term.months === 'number' && term.months > 0) return { months: term.months };
  if (term && typeof term.days === 'number' && term.days > 0) return { days: term.days };
  return null;
}

export interface CalendarResult {
  today: string;
  /** signée → en vigueur */
  started: number;
  /** end date moved by tacit renewal */
  renewed: number;
  /** en vigueur → échue */
  expired: number;
}

function systemContext(db: Database, now: Date): ServiceContext {
  return { db, actor: null, now, baseUrl: '' };
}

/** The calendar's two moves; CONVENTION_TRANSITIONS gives them to the calendar job ('calendar'). */
const CALENDAR_MOVES: Record<CalendarMove, { from: ConventionStatus; to: ConventionStatus }> = {
  start: { from: 'signee', to: 'en_vigueur' },
  end: { from: 'en_vigueur', to: 'echue' },
};

async function moveAll(db: Database, move: CalendarMove, today: string, now: Date): Promise<number> {
  const ctx = systemContext(db, now);
  const { from, to } = CALENDAR_MOVES[move];
  // The one check every status change goes through; the batch update then moves only rows still in `from`.
  assertConventionMove(ctx, { status: from, ownerId: null, unitId: null }, to, 'calendar');
  const reason = t(move === 'start' ? 'conventions.calendarReasons.started' : 'conventions.calendarReasons.ended');
  let total = 0;
  for (;;) {
    const moved = await db.transaction(async (tx) => {
      const rows = await moveConventionsOnCalendar(tx, { move, from, to }, today, CALENDAR_BATCH_SIZE);
      await insertAuditEntries(
        tx,
        rows.map((row) =>
          auditEntryOf(ctx, { action: 'convention.statusChanged', entityType: 'convention', entityId: row.id, before: { status: from }, after: { status: to }, metadata: { reason, calendarDay: today } }),
        ),
      );
      return rows.length;
    });
    total += moved;
    if (moved < CALENDAR_BATCH_SIZE) return total;
  }
}

/**
 * Tacit renewals: the end date moves by the convention's term (as many terms as needed to reach
 * today, if the job was stopped for a while) and the notice deadline follows. The term is that of
 * the last tacit renewal while the end date is still the one it set; otherwise start → end.
 */
async function renewAll(db: Database, today: string, now: Date): Promise<number> {
  const ctx = systemContext(db, now);
  const reason = t('conventions.calendarReasons.tacitRenewal');
  let total = 0;
  for (;;) {
    const renewed = await db.transaction(async (tx) => {
      const due = await lockTacitRenewalsDue(tx, today, CALENDAR_BATCH_SIZE);
      const journal = new Map((await lastTacitRenewalsOf(tx, due.map((row) => row.id))).map((row) => [row.conventionId, row]));
      const changes = due.flatMap((row) => {
        if (!row.endsOn) return [];
        const last = journal.get(row.id);
        const term = (last && last.changes.endsOn?.after === row.endsOn ? termFromJournal(last.metadata) : null) ?? termOf(row.startsOn, row.endsOn);
        let endsOn = row.endsOn;
        let terms = 0;
        while (endsOn < today) {
          endsOn = nextTermEnd(endsOn, term);
          terms += 1;
        }
        return [{ before: row, id: row.id, endsOn, noticeDeadline: noticeDeadline(endsOn, row.noticeMonths), term, terms }];
      });
      await setRenewedDates(tx, changes);
      await insertAuditEntries(
        tx,
        changes.map((change) =>
          auditEntryOf(ctx, {
            action: TACIT_RENEWAL_ACTION,
            entityType: 'convention',
            entityId: change.id,
            before: { endsOn: change.before.endsOn, noticeDeadline: change.before.noticeDeadline },
            after: { endsOn: change.endsOn, noticeDeadline: change.noticeDeadline },
            metadata: { reason, calendarDay: today, term: change.term, terms: change.terms },
          }),
        ),
      );
      return due.length;
    });
    total += renewed;
    if (renewed < CALENDAR_BATCH_SIZE) return total;
  }
}

/**
 * Brings every convention's status in line with the calendar of `now` (a Paris day). Starts
 * first, so a convention signed late whose term is already over goes through « en vigueur »;
 * renewals before expiries, so a tacitly renewed convention never shows « échue ».
 */
export async function applyConventionCalendar(db: Database, now: Date = new Date()): Promise<CalendarResult> {
  const today = isoDateInParis(now);
  const started = await moveAll(db, 'start', today, now);
  const renewed = await renewAll(db, today, now);
  const expired = await moveAll(db, 'end', today, now);
  return { today, started, renewed, expired };
}
