// The reminder engine (issue 13): exactly once, never missed.
//
// A sweep (BullMQ job scheduler, every minute: src/jobs/reminder-sweep.job.ts) does, each time:
//   1. re-plan: planned occurrences whose subject moved or closed are cancelled (one statement);
//   2. plan: for every enabled rule, one set-based statement inserts the occurrences of its slots
//      (send days from the last sweep's day to now + 1 day: what fell due while the app was down
//      is planned too) with `on conflict` on the unique key — repeated, concurrent or crashed
//      sweeps never plan one twice;
//   3. dispatch: due occurrences are claimed (`for update skip locked`) in short transactions of
//      up to 50; per recipient's mode: courriel → the e-mail (idempotency key `reminder:<id>`,
//      through the outbox) and the in-app notification, written in the same transaction that
//      moves the row to « envoyee »; résumé → « resumee » (the daily digest carries it); aucun →
//      « ignoree ». No I/O inside: the outbox relay and mail.send deliver after commit.
//      Handled more than an hour after due → `late`.
// The digest (rule digest.daily) is an occurrence per user and working day at 08:00 Paris,
// dispatched after the others of its pass; an empty digest is not sent (« ignoree », « vide »).
// workflow.step_overdue stays with the workflow engine's own timers (its reminder and escalation
// e-mails, tests unchanged); the engine records an occurrence for each person it reached, so the
// history and the preview show them (recordSentByEngine).
import type { Database, Transaction } from '../models/database';
import { logger } from '../lib/logger';
import { t } from '../lib/i18n';
import { formatDate, formatDateTime, formatLongDate } from '../lib/format';
import { addParisDays, atParisTime, parisDayOf, parisDaysBetween, startOfParisDayInstant } from '../lib/paris-time';
import { recordHeartbeat } from '../models/messaging.model';
import type { NewNotificationRow } from '../models/messaging.model';
import { REMINDER_RULES, REMINDER_RULE_CODES, type ReminderRuleCode } from '../models/reminder-rules';
import { type EffectiveRuleSettings, deliveryModeOf, readRuleSettings, readUserPreferences } from '../models/reminder-settings.model';
import {
  type ClaimedOccurrence,
  type DigestItem,
  type ListedSubject,
  type OccurrenceOutcome,
  type PreviewRow,
  attachToDigest,
  cancelStaleOccurrences,
  claimDueOccurrences,
  digestContents,
  lastSweepAt,
  planFromList,
  planRule,
  previewFromList,
  previewRule,
  previewWorkflowSteps,
  recordOutcomes,
} from '../models/reminders.model';
import { isLate, monthKeyDay, reminderSlots, sweepFromDay } from '../workflows/reminder-dates';
import { partnerReminderEmail } from './event-invitations.service';
import { type QueuedEmail, queueEmailsAndJobs } from './mail.service';
import { partnershipsFallingBehind } from './reciprocity.service';

export const REMINDER_SWEEP_HEARTBEAT = 'reminders.sweep';
const RECIPROCITY_HEARTBEAT = 'reminders.reciprocity';
/** Occurrences are planned up to a day ahead (visible, and ready the minute they are due). */
const PLAN_HORIZON_MS = 24 * 3_600_000;
const DISPATCH_BATCH = 50;

export interface ReminderEngineOptions {
  baseUrl: string;
  now?: Date;
  /** Nudges the outbox relay after each dispatch transaction. */
  dispatchOutbox?: () => void;
}

export interface SweepReport {
  cancelled: number;
  planned: number;
  sent: number;
  summarized: number;
  ignored: number;
  digests: number;
  late: number;
  /** Rules whose planning failed this time (logged; the heartbeat is then not moved on). */
  failedRules: string[];
}

/** One sweep: re-plan, plan every enabled rule, dispatch what is due. Safe to run anywhere, any number of times. */
export async function runReminderSweep(db: Database, options: ReminderEngineOptions): Promise<SweepReport> {
  const now = options.now ?? new Date();
  const settings = await readRuleSettings(db);
  const report: SweepReport = { cancelled: 0, planned: 0, sent: 0, summarized: 0, ignored: 0, digests: 0, late: 0, failedRules: [] };
  report.cancelled = await cancelStaleOccurrences(db, now);
  const fromDay = sweepFromDay(now, await lastSweepAt(db, REMINDER_SWEEP_HEARTBEAT));
  const until = new Date(now.getTime() + PLAN_HORIZON_MS);
  // A rule that fails to plan (a bug, a statement timeout) is logged and retried next minute;
  // it never holds back the other rules nor the dispatch of what is already planned.
  const planned = async (rule: string, work: () => Promise<number>) => {
    try {
      report.planned += await work();
    } catch (error) {
      report.failedRules.push(rule);
      logger.error({ err: error, rule }, 'reminder planning failed');
    }
  };
  for (const rule of REMINDER_RULE_CODES) {
    if (!settings[rule].enabled) continue;
    await planned(rule, () => planRule(db, rule, reminderSlots(rule, settings[rule], fromDay, until), now));
  }
  await planned('reciprocity.behind', () => planReciprocity(db, settings, now));
  const dispatched = await dispatchDueReminders(db, { ...options, now }, settings);
  Object.assign(report, dispatched);
  // The next sweep plans from this one's day: not moved on while a rule failed (it would skip its days).
  if (report.failedRules.length === 0) await recordHeartbeat(db, REMINDER_SWEEP_HEARTBEAT, now, { ...report });
  return report;
}

/** reciprocity.behind: once a day (the cadence is the heaviest computation), at most once a month per partnership. */
async function planReciprocity(db: Database, settings: EffectiveRuleSettings, now: Date): Promise<number> {
  const rule = settings['reciprocity.behind'];
  if (!rule.enabled) return 0;
  const today = parisDayOf(now);
  const sendAt = atParisTime(today, rule.sendTime);
  if (now.getTime() < sendAt.getTime()) return 0;
  // Once a day, at the first sweep after its time (a clock gone back runs it again).
  const last = await lastSweepAt(db, RECIPROCITY_HEARTBEAT);
  if (last && last.getTime() >= sendAt.getTime() && last.getTime() <= now.getTime()) return 0;
  const subjects = await reciprocitySubjects(db, settings, now);
  const planned = await planFromList(db, 'reciprocity.behind', rule.offsetsDays[0] ?? 30, subjects);
  await recordHeartbeat(db, RECIPROCITY_HEARTBEAT, now, { partnerships: subjects.length });
  return planned;
}

async function reciprocitySubjects(db: Database, settings: EffectiveRuleSettings, now: Date, dueAt?: Date): Promise<ListedSubject[]> {
  const rule = settings['reciprocity.behind'];
  const today = parisDayOf(now);
  const behind = await partnershipsFallingBehind(db, { now, withinDays: rule.offsetsDays[0] ?? 30 });
  return behind
    .filter((item) => item.ownerId)
    .map((item) => ({
      subjectType: 'organization',
      subjectId: item.organizationId,
      occursOn: monthKeyDay(today),
      userId: item.ownerId as string,
      dueAt: dueAt ?? now,
      payload: { label: item.organizationName, status: item.status, meetings: item.meetings, target: item.target, date: item.nextDueOn, link: `/structures/${item.organizationId}` },
    }));
}

// ── dispatch ──────────────────────────────────────────────────────────────────────────────
/** Sends what is due: the other rules first, then the digests (which gather the « résumé » ones). */
export async function dispatchDueReminders(
  db: Database,
  options: ReminderEngineOptions,
  settings?: EffectiveRuleSettings,
): Promise<Omit<SweepReport, 'cancelled' | 'planned' | 'failedRules'>> {
  const now = options.now ?? new Date();
  const effective = settings ?? (await readRuleSettings(db));
  const total = { sent: 0, summarized: 0, ignored: 0, digests: 0, late: 0 };
  for (const digests of [false, true]) {
    for (;;) {
      const batch = await db.transaction((tx) => dispatchBatch(tx, effective, now, options.baseUrl, digests));
      if (batch.claimed > 0) options.dispatchOutbox?.();
      total.sent += batch.sent;
      total.summarized += batch.summarized;
      total.ignored += batch.ignored;
      total.digests += batch.digests;
      total.late += batch.late;
      if (batch.claimed < DISPATCH_BATCH) break;
    }
  }
  return total;
}

interface BatchResult {
  claimed: number;
  sent: number;
  summarized: number;
  ignored: number;
  digests: number;
  late: number;
}

/** The template variables of an occurrence (dates formatted in French). */
function variablesOf(row: Pick<ClaimedOccurrence, 'payload' | 'offsetDays'>, now?: Date): Record<string, string> {
  const payload = row.payload;
  // « dans 7 jours » counts from the day it goes out (a J-7 moved to Friday, or sent late), not the nominal offset.
  const dateDay = typeof payload.date === 'string' ? payload.date.slice(0, 10) : null;
  const days = now && dateDay && /^\d{4}-\d{2}-\d{2}$/.test(dateDay) ? Math.max(0, parisDaysBetween(parisDayOf(now), dateDay)) : Math.abs(row.offsetDays);
  return {
    label: String(payload.label ?? ''),
    when: payload.at ? formatDateTime(String(payload.at)) : '',
    date: payload.date ? formatDate(String(payload.date)) : '',
    days: String(days),
    place: String(payload.place ?? ''),
  };
}

export function reminderTitle(rule: ReminderRuleCode, row: Pick<ClaimedOccurrence, 'payload' | 'offsetDays'>, now?: Date): string {
  return t(`reminders.mail.titles.${rule.replace('.', '_')}`, variablesOf(row, now));
}

function absolute(baseUrl: string, link: unknown): string | null {
  return typeof link === 'string' && link.startsWith('/') ? `${baseUrl}${link}` : null;
}

function reminderEmail(row: ClaimedOccurrence, baseUrl: string, late: boolean, now: Date): QueuedEmail {
  const rule = row.ruleCode;
  const link = absolute(baseUrl, row.payload.link);
  const actions: Array<{ label: string; url: string }> = [];
  if (link && rule === 'convention.end') actions.push({ label: t('reminders.mail.renew'), url: `${link}/renouveler` });
  if (link && rule === 'convention.notice') actions.push({ label: t('reminders.mail.terminate'), url: `${link}#terminate-form` });
  return {
    to: row.userEmail as string,
    template: 'reminder',
    idempotencyKey: `reminder:${row.id}`,
    data: {
      displayName: row.userName ?? '',
      title: reminderTitle(rule, row, now),
      body: t(`reminders.mail.bodies.${rule.replace('.', '_')}`, variablesOf(row, now)),
      link,
      actions,
      late,
      lateNotice: late ? t('reminders.mail.late', { dueAt: formatDateTime(row.dueAt) }) : null,
      ruleLabel: t(`reminders.admin.rules.${rule}`),
      preferencesLink: `${baseUrl}/compte`,
    },
  };
}

async function dispatchBatch(tx: Transaction, settings: EffectiveRuleSettings, now: Date, baseUrl: string, digests: boolean): Promise<BatchResult> {
  const rows = await claimDueOccurrences(tx, now, DISPATCH_BATCH, digests);
  const result: BatchResult = { claimed: rows.length, sent: 0, summarized: 0, ignored: 0, digests: 0, late: 0 };
  if (rows.length === 0) return result;
  const preferences = await readUserPreferences(tx, rows.flatMap((row) => (row.userId ? [row.userId] : [])));
  const emails: QueuedEmail[] = [];
  const notifications: NewNotificationRow[] = [];
  const outcomes: OccurrenceOutcome[] = [];
  const digestRows: ClaimedOccurrence[] = [];

  for (const row of rows) {
    const late = isLate(row.dueAt, now);
    const rule = settings[row.ruleCode];
    if (!rule?.enabled) {
      outcomes.push({ id: row.id, status: 'annulee', delivery: 'regle_desactivee', late: false, cancelReason: 'regle_desactivee' });
      continue;
    }
    if (row.ruleCode === 'event.partner_day_before') {
      // Partner-facing: the contact's e-mail rules (consent, opt-out) decide; no user preference.
      const built = await partnerReminderEmail(tx, { baseUrl, now }, row.subjectId, { idempotencyKey: `reminder:${row.id}` });
      if ('email' in built) {
        emails.push({ ...built.email, idempotencyKey: `reminder:${row.id}` });
        outcomes.push({ id: row.id, status: 'envoyee', delivery: 'courriel', late, emailKey: `reminder:${row.id}` });
        result.sent += 1;
      } else {
        outcomes.push({ id: row.id, status: 'ignoree', delivery: built.refused.slice(0, 500), late });
        result.ignored += 1;
      }
      if (late) result.late += 1;
      continue;
    }
    if (!row.userId || !row.userActive || !row.userEmail) {
      outcomes.push({ id: row.id, status: 'ignoree', delivery: 'sans_destinataire', late });
      result.ignored += 1;
      continue;
    }
    if (row.ruleCode === 'digest.daily') {
      digestRows.push(row);
      continue;
    }
    const mode = REMINDER_RULES[row.ruleCode].userChoice ? deliveryModeOf(rule, preferences.get(row.userId)?.[row.ruleCode]) : 'courriel';
    if (mode === 'aucun') {
      outcomes.push({ id: row.id, status: 'ignoree', delivery: 'aucun', late });
      result.ignored += 1;
      continue;
    }
    notifications.push({ userId: row.userId, kind: `reminder.${row.ruleCode}`, title: reminderTitle(row.ruleCode, row, now), link: typeof row.payload.link === 'string' ? row.payload.link : null });
    if (mode === 'resume') {
      outcomes.push({ id: row.id, status: 'resumee', delivery: 'resume', late });
      result.summarized += 1;
    } else {
      emails.push(reminderEmail(row, baseUrl, late, now));
      outcomes.push({ id: row.id, status: 'envoyee', delivery: 'courriel', late, emailKey: `reminder:${row.id}` });
      result.sent += 1;
    }
    if (late) result.late += 1;
  }

  const attachments: Array<{ digestId: string; occurrenceIds: string[] }> = [];
  if (digestRows.length > 0) {
    await composeDigests(tx, digestRows, settings, preferences, now, baseUrl, { emails, outcomes, attachments, result });
  }
  await queueEmailsAndJobs(tx, emails, [], { notifications });
  await recordOutcomes(tx, outcomes, now);
  for (const attachment of attachments) await attachToDigest(tx, attachment.digestId, attachment.occurrenceIds);
  return result;
}

const DIGEST_SECTIONS = ['rappels', 'taches', 'rencontres', 'echeances', 'validations'] as const;

function digestItemView(item: DigestItem, baseUrl: string): { label: string; detail: string; link: string | null } {
  let detail = '';
  if (item.section === 'rappels') detail = t(`reminders.admin.rules.${item.ruleCode ?? ''}`);
  if (item.section === 'taches' && item.detail) detail = t('reminders.digest.dueOn', { date: formatDate(item.detail) });
  if (item.section === 'rencontres' && item.detail) detail = formatDateTime(item.detail);
  if (item.section === 'echeances' && item.detail) {
    const dates = JSON.parse(item.detail) as { endsOn: string | null; noticeDeadline: string | null };
    detail = [
      dates.noticeDeadline ? t('reminders.digest.noticeDeadline', { date: formatDate(dates.noticeDeadline) }) : null,
      dates.endsOn ? t('reminders.digest.endsOn', { date: formatDate(dates.endsOn) }) : null,
    ]
      .filter(Boolean)
      .join(' · ');
  }
  return { label: item.label, detail, link: absolute(baseUrl, item.link) };
}

async function composeDigests(
  tx: Transaction,
  rows: ClaimedOccurrence[],
  settings: EffectiveRuleSettings,
  preferences: Awaited<ReturnType<typeof readUserPreferences>>,
  now: Date,
  baseUrl: string,
  out: { emails: QueuedEmail[]; outcomes: OccurrenceOutcome[]; attachments: Array<{ digestId: string; occurrenceIds: string[] }>; result: BatchResult },
): Promise<void> {
  // Digests of one batch are of the same day in practice; group by day to be exact.
  const byDay = new Map<string, ClaimedOccurrence[]>();
  // After days down, one user's digests of several days come together: a « résumé » reminder goes in the first only.
  const carried = new Set<string>();
  for (const row of rows) byDay.set(row.occursOn, [...(byDay.get(row.occursOn) ?? []), row]);
  for (const [day, dayRows] of byDay) {
    const items = await digestContents(
      tx,
      dayRows.map((row) => row.userId as string),
      { iso: day, start: startOfParisDayInstant(day), end: startOfParisDayInstant(addParisDays(day, 1)), in30: addParisDays(day, 30) },
    );
    for (const row of dayRows) {
      const userId = row.userId as string;
      const late = isLate(row.dueAt, now);
      const mode = deliveryModeOf(settings['digest.daily'], preferences.get(userId)?.['digest.daily']);
      // Digest off: it still carries what the user asked to receive only in the digest.
      const mine = items.filter(
        (item) => item.userId === userId && (mode !== 'aucun' || item.section === 'rappels') && !(item.occurrenceId && carried.has(item.occurrenceId)),
      );
      if (mine.length === 0) {
        out.outcomes.push({ id: row.id, status: 'ignoree', delivery: mode === 'aucun' ? 'aucun' : 'vide', late });
        out.result.ignored += 1;
        continue;
      }
      const sections = DIGEST_SECTIONS.map((section) => ({
        title: t(`reminders.digest.sections.${section}`),
        items: mine.filter((item) => item.section === section).map((item) => digestItemView(item, baseUrl)),
      })).filter((section) => section.items.length > 0);
      out.emails.push({
        to: row.userEmail as string,
        template: 'reminder_digest',
        idempotencyKey: `reminder:${row.id}`,
        data: {
          displayName: row.userName ?? '',
          dayLabel: formatLongDate(startOfParisDayInstant(day)),
          sections,
          count: mine.length,
          late,
          link: `${baseUrl}/`,
          preferencesLink: `${baseUrl}/compte`,
        },
      });
      out.outcomes.push({ id: row.id, status: 'envoyee', delivery: 'courriel', late, emailKey: `reminder:${row.id}` });
      const occurrenceIds = mine.flatMap((item) => (item.occurrenceId ? [item.occurrenceId] : []));
      for (const id of occurrenceIds) carried.add(id);
      out.attachments.push({ digestId: row.id, occurrenceIds });
      out.result.digests += 1;
      if (late) out.result.late += 1;
    }
  }
}

// ── preview (C2's /admin/relances) ───────────────────────────────────────────────────────
export interface ReminderPreviewItem {
  ruleCode: ReminderRuleCode;
  ruleLabel: string;
  offsetDays: number;
  subjectType: string;
  subjectId: string;
  subjectLabel: string;
  /** Path inside the application (the subject's page), or null. */
  link: string | null;
  recipientKey: string;
  recipientLabel: string;
  userId: string | null;
  contactId: string | null;
  occursOn: string;
  dueAt: Date;
}

/**
 * What the sweep would plan in the next `days` days (and to whom), from the same planning
 * statements as the sweep: every enabled rule's slots from now on, reciprocity as of now, and
 * the approval steps whose reminder or deadline the workflow engine will send.
 */
export async function previewReminders(
  db: Database,
  options: {
    now: Date;
    days: number;
    /** Only these rules (the page's rule filter); all enabled ones by default. */
    ruleCodes?: readonly ReminderRuleCode[];
    /** Only this user's (the page's recipient filter, once resolved to a user). */
    userId?: string | null;
    /** At most this many per rule, earliest first (a large base plans tens of thousands in 30 days). */
    limitPerRule?: number | null;
  },
): Promise<ReminderPreviewItem[]> {
  const { now } = options;
  const filter = { userId: options.userId ?? null, limit: options.limitPerRule ?? null };
  const wanted = (rule: ReminderRuleCode) => settings[rule].enabled && (!options.ruleCodes || options.ruleCodes.includes(rule));
  const settings = await readRuleSettings(db);
  const until = new Date(now.getTime() + options.days * 24 * 3_600_000);
  const today = parisDayOf(now);
  const rows: PreviewRow[] = [];
  for (const rule of REMINDER_RULE_CODES) {
    if (!wanted(rule)) continue;
    const slots = reminderSlots(rule, settings[rule], today, until).filter((slot) => slot.dueAt.getTime() >= now.getTime());
    rows.push(...(await previewRule(db, rule, slots, now, filter)));
  }
  if (wanted('reciprocity.behind')) {
    const sendAt = atParisTime(today, settings['reciprocity.behind'].sendTime);
    const dueAt = sendAt.getTime() >= now.getTime() ? sendAt : atParisTime(addParisDays(today, 1), settings['reciprocity.behind'].sendTime);
    rows.push(...(await previewFromList(db, 'reciprocity.behind', settings['reciprocity.behind'].offsetsDays[0] ?? 30, await reciprocitySubjects(db, settings, now, dueAt), filter)));
  }
  if (wanted('workflow.step_overdue')) rows.push(...(await previewWorkflowSteps(db, now, until, filter)));
  return rows
    .map((row) => ({
      ruleCode: row.ruleCode,
      ruleLabel: t(`reminders.admin.rules.${row.ruleCode}`),
      offsetDays: row.offsetDays,
      subjectType: row.subjectType,
      subjectId: row.subjectId,
      subjectLabel: String(row.payload.label ?? ''),
      link: typeof row.payload.link === 'string' ? row.payload.link : null,
      recipientKey: row.recipientKey,
      recipientLabel: row.recipientLabel,
      userId: row.userId,
      contactId: row.contactId,
      occursOn: row.occursOn,
      dueAt: row.dueAt,
    }))
    .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || a.ruleCode.localeCompare(b.ruleCode) || a.recipientLabel.localeCompare(b.recipientLabel));
}

/** Logged by the job: a sweep that did something. */
export function logSweep(report: SweepReport): void {
  if (report.planned + report.cancelled + report.sent + report.summarized + report.ignored + report.digests > 0) logger.info({ ...report }, 'reminder sweep');
}
