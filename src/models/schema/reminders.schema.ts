import { sql } from 'drizzle-orm';
import { boolean, check, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { contacts } from './contacts.schema';
import { createdAt, idColumn, updatedAt } from './columns';
import { emails } from './messaging.schema';
import { users } from './users.schema';

/**
 * An admin's changes to a built-in reminder rule (src/workflows/reminder-rules.ts holds the rules
 * and their defaults; a missing row means the defaults).
 */
export const reminderRuleSettings = pgTable('reminder_rule_settings', {
  ruleCode: text('rule_code').primaryKey(),
  enabled: boolean('enabled').notNull().default(true),
  /** Users cannot switch it off in /compte. */
  mandatory: boolean('mandatory').notNull().default(false),
  /** Days before the date reminded of (J-90, J-30, J-7 → {90,30,7}); 0 is the day itself. */
  offsetsDays: integer('offsets_days').array().notNull().default(sql`'{}'::int[]`),
  /** Paris wall-clock time the reminder goes out, 'HH:MM'. */
  sendTime: text('send_time').notNull().default('08:00'),
  updatedById: uuid('updated_by_id').references(() => users.id, { onDelete: 'set null' }),
  updatedAt: updatedAt(),
});

export const REMINDER_DELIVERY_MODES = ['courriel', 'resume', 'aucun'] as const;
export type ReminderDeliveryMode = (typeof REMINDER_DELIVERY_MODES)[number];

/** A user's choice per rule in /compte: individual e-mails, the daily digest only, or off. */
export const userReminderPreferences = pgTable(
  'user_reminder_preferences',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    ruleCode: text('rule_code').notNull(),
    mode: text('mode').$type<ReminderDeliveryMode>().notNull(),
    updatedAt: updatedAt(),
  },
  (table) => [
    primaryKey({ name: 'user_reminder_preferences_pkey', columns: [table.userId, table.ruleCode] }),
    check('user_reminder_preferences_mode_check', sql`${table.mode} in ('courriel', 'resume', 'aucun')`),
  ],
);

/**
 * planifiee → envoyee (e-mail and/or notification written in the same transaction) | resumee
 * (folded into a daily digest) | ignoree (the recipient switched it off, or no address) |
 * annulee (the date moved or the subject is gone: re-planned under a new key).
 */
export const REMINDER_OCCURRENCE_STATUSES = ['planifiee', 'envoyee', 'resumee', 'ignoree', 'annulee'] as const;
export type ReminderOccurrenceStatus = (typeof REMINDER_OCCURRENCE_STATUSES)[number];

/**
 * One reminder to send once. The unique key (rule, subject, occurrence date, recipient) is what
 * makes it exactly-once: the sweep inserts what is due with `on conflict do nothing`, however
 * many sweeps run, crash or repeat; the dispatcher moves a row out of « planifiee » in the same
 * transaction that writes its e-mail (itself keyed `reminder:<id>`) and its notification.
 * `occursOn` is the date reminded of as the rule sees it (the end date for J-90, the task's due
 * day, the digest's day); `recipientKey` is `user:<id>` or `contact:<id>`.
 */
export const reminderOccurrences = pgTable(
  'reminder_occurrences',
  {
    id: idColumn(),
    ruleCode: text('rule_code').notNull(),
    /** Which offset of the rule (90, 30, 7…; 0 for the day itself; -1 for « overdue »). */
    offsetDays: integer('offset_days').notNull().default(0),
    subjectType: text('subject_type').notNull(),
    subjectId: uuid('subject_id').notNull(),
    occursOn: date('occurs_on').notNull(),
    recipientKey: text('recipient_key').notNull(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    contactId: uuid('contact_id').references(() => contacts.id, { onDelete: 'cascade' }),
    /** When it is to go out. */
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    status: text('status').$type<ReminderOccurrenceStatus>().notNull().default('planifiee'),
    /** Sent more than an hour after `dueAt` (the app was down): shown as late. */
    late: boolean('late').notNull().default(false),
    /** Title, link and what the template needs, fixed when planned. */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    /** How it went out: 'courriel', 'resume', 'notification', or why not. */
    delivery: text('delivery'),
    emailId: uuid('email_id').references(() => emails.id, { onDelete: 'set null' }),
    /** The digest occurrence that carried it. */
    digestId: uuid('digest_id'),
    handledAt: timestamp('handled_at', { withTimezone: true }),
    cancelReason: text('cancel_reason'),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('reminder_occurrences_key').on(table.ruleCode, table.offsetDays, table.subjectType, table.subjectId, table.occursOn, table.recipientKey),
    index('reminder_occurrences_due_idx').on(table.dueAt).where(sql`${table.status} = 'planifiee'`),
    index('reminder_occurrences_subject_idx').on(table.subjectType, table.subjectId),
    index('reminder_occurrences_user_idx').on(table.userId, table.dueAt),
    index('reminder_occurrences_digest_idx').on(table.userId, table.status).where(sql`${table.status} = 'resumee' and ${table.digestId} is null`),
    check('reminder_occurrences_status_check', sql`${table.status} in ('planifiee', 'envoyee', 'resumee', 'ignoree', 'annulee')`),
    check('reminder_occurrences_recipient_check', sql`(${table.userId} is null) <> (${table.contactId} is null)`),
  ],
);

/**
 * Reciprocity figures other than the default (minimum 2, target 3 meetings over 12 months) for a
 * kind of organisation or a convention kind. The strictest applicable row wins (the service).
 */
export const RECIPROCITY_TARGET_SCOPES = ['organization_kind', 'convention_kind'] as const;
export type ReciprocityTargetScope = (typeof RECIPROCITY_TARGET_SCOPES)[number];

export const reciprocityTargets = pgTable(
  'reciprocity_targets',
  {
    id: idColumn(),
    scope: text('scope').$type<ReciprocityTargetScope>().notNull(),
    scopeCode: text('scope_code').notNull(),
    minimum: integer('minimum').notNull(),
    target: integer('target').notNull(),
    updatedById: uuid('updated_by_id').references(() => users.id, { onDelete: 'set null' }),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('reciprocity_targets_scope_key').on(table.scope, table.scopeCode),
    check('reciprocity_targets_scope_check', sql`${table.scope} in ('organization_kind', 'convention_kind')`),
    check('reciprocity_targets_figures_check', sql`${table.minimum} >= 0 and ${table.target} >= ${table.minimum} and ${table.target} <= 52`),
  ],
);

/**
 * A user's personal iCal feed. The secret in the URL is an HMAC of (user, version) with the
 * application's signing key (src/lib/signed-tokens.ts): nothing secret is stored, the page can
 * show the URL again, and « régénérer » bumps the version (every older URL stops working);
 * « révoquer » sets `active` false.
 */
export const calendarFeeds = pgTable('calendar_feeds', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  version: integer('version').notNull().default(1),
  active: boolean('active').notNull().default(true),
  lastFetchedAt: timestamp('last_fetched_at', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export type ReminderOccurrence = typeof reminderOccurrences.$inferSelect;
export type NewReminderOccurrence = typeof reminderOccurrences.$inferInsert;
export type ReminderRuleSetting = typeof reminderRuleSettings.$inferSelect;
export type ReciprocityTarget = typeof reciprocityTargets.$inferSelect;
