import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, idColumn } from './columns';

/**
 * Jobs to enqueue after commit (DESIGN.md §5). A service writes a row in its transaction;
 * the relay adds it to BullMQ with the row id as job id, so it is never enqueued twice.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: idColumn(),
    queue: text('queue').notNull(),
    jobName: text('job_name').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    /** Not before this time (delayed job). */
    runAt: timestamp('run_at', { withTimezone: true }).notNull().defaultNow(),
    dispatchedAt: timestamp('dispatched_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [index('outbox_pending_idx').on(table.createdAt).where(sql`${table.dispatchedAt} is null`)],
);

/**
 * pending → sending (claimed by a worker until `leaseUntil`) → sent | failed; a `sending` row
 * whose lease has expired (the worker died mid-delivery) can be claimed again.
 */
export const EMAIL_STATUSES = ['pending', 'sending', 'sent', 'failed'] as const;
export type EmailStatus = (typeof EMAIL_STATUSES)[number];

/** Every email the application sends; the idempotency key makes a replay harmless. */
export const emails = pgTable(
  'emails',
  {
    id: idColumn(),
    idempotencyKey: text('idempotency_key').notNull(),
    toAddress: text('to_address').notNull(),
    template: text('template').notNull(),
    /** Template data; may hold a one-time link, so it is cleared once the email is sent. */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    subject: text('subject').notNull(),
    /** Partner-facing e-mails answer to the internal owner. */
    replyTo: text('reply_to'),
    /** Extra headers (List-Unsubscribe, List-Unsubscribe-Post); kept after sending. */
    extraHeaders: jsonb('extra_headers').$type<Record<string, string>>().notNull().default({}),
    /** An iCalendar part ({ method, content }): sent as the invitation; cleared once sent. */
    calendar: jsonb('calendar').$type<{ method: string; content: string } | null>(),
    status: text('status').$type<EmailStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** While `sending`: the claim's end. A worker that dies leaves a lease that expires. */
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    lastError: text('last_error'),
    messageId: text('message_id'),
    createdAt: createdAt(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('emails_idempotency_key_key').on(table.idempotencyKey),
    index('emails_status_idx').on(table.status, table.createdAt),
    check('emails_status_check', sql`${table.status} in ('pending', 'sending', 'sent', 'failed')`),
  ],
);

/** Embedded mode only: what the in-process SMTP sink received, shown at /admin/courriels. */
export const devMailbox = pgTable(
  'dev_mailbox',
  {
    id: idColumn(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    envelopeFrom: text('envelope_from'),
    envelopeTo: text('envelope_to').array().notNull(),
    subject: text('subject').notNull().default(''),
    fromHeader: text('from_header').notNull().default(''),
    toHeader: text('to_header').notNull().default(''),
    textBody: text('text_body'),
    htmlBody: text('html_body'),
    messageId: text('message_id'),
    /** The headers a reader checks by hand (Reply-To, List-Unsubscribe…): see smtp-sink.ts. */
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
  },
  (table) => [index('dev_mailbox_received_at_idx').on(table.receivedAt)],
);

/** Last run of recurring jobs (the heartbeat proves a worker is alive). */
export const jobHeartbeats = pgTable('job_heartbeats', {
  name: text('name').primaryKey(),
  lastRunAt: timestamp('last_run_at', { withTimezone: true }).notNull(),
  details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
});

export type OutboxRow = typeof outbox.$inferSelect;
export type Email = typeof emails.$inferSelect;
export type DevMail = typeof devMailbox.$inferSelect;
