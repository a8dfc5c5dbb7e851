import { and, desc, eq, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Database } from './database';
import { type DevMail, type Email, type OutboxRow, auditLog, devMailbox, emails, jobHeartbeats, notifications, outbox } from './schema';
import { reusableQuery } from './prepared';

// ── outbox ────────────────────────────────────────────────────────────────────────────────
export async function insertOutboxRow(
  db: Database,
  values: { queue: string; jobName: string; payload: Record<string, unknown>; runAt?: Date },
): Promise<OutboxRow> {
  const [row] = await db.insert(outbox).values(values).returning();
  if (!row) throw new Error('insert into outbox returned nothing');
  return row;
}

export interface NewOutboxRow {
  queue: string;
  jobName: string;
  payload: Record<string, unknown>;
  runAt: Date;
}

export interface NewEmailRow {
  idempotencyKey: string;
  toAddress: string;
  template: string;
  subject: string;
  payload: Record<string, unknown>;
  replyTo?: string | null;
  extraHeaders?: Record<string, string>;
  calendar?: { method: string; content: string } | null;
}

export interface NewNotificationRow {
  userId: string;
  kind: string;
  title: string;
  link?: string | null;
  /** The workflow step the notice asks to decide (done once the step leaves « active »). */
  stepId?: string | null;
}

export interface NewAuditRow {
  actorId: string | null;
  actorLabel: string;
  action: string;
  entityType: string;
  entityId: string;
  changes: Record<string, unknown>;
  metadata: Record<string, unknown>;
  at: Date;
}

/**
 * In one statement, inside the caller's transaction: the emails whose idempotency key is new,
 * one outbox row per email actually inserted (`mailJob`, payload `{ emailId }`), `outboxRows`,
 * `notifications` and `auditRows` (journal ids in the order given). A workflow transition
 * writes all of these at once rather than a statement or two per person and per journal row.
 * The rows travel as JSON parameters, so the statement text (and its plan) never changes.
 */
export async function insertMessagingRows(
  db: Database,
  input: {
    emails: NewEmailRow[];
    mailJob: { queue: string; jobName: string };
    outboxRows: NewOutboxRow[];
    notifications?: NewNotificationRow[];
    auditRows?: NewAuditRow[];
    /** Steps that left « active »: their notices still to do are done at `at`. */
    stepNoticesDone?: { stepIds: string[]; at: Date };
  },
): Promise<void> {
  const notificationRows = input.notifications ?? [];
  const auditRows = input.auditRows ?? [];
  const doneStepIds = input.stepNoticesDone?.stepIds ?? [];
  if (input.emails.length + input.outboxRows.length + notificationRows.length + auditRows.length + doneStepIds.length === 0) return;
  const emailRecords = input.emails.map((email, ordinal) => ({
    ordinal,
    idempotency_key: email.idempotencyKey,
    to_address: email.toAddress,
    template: email.template,
    subject: email.subject,
    payload: email.payload,
    reply_to: email.replyTo ?? null,
    extra_headers: email.extraHeaders ?? {},
    calendar: email.calendar ?? null,
  }));
  const outboxRecords = input.outboxRows.map((row) => ({ queue: row.queue, job_name: row.jobName, payload: row.payload, run_at: row.runAt.toISOString() }));
  const notificationRecords = notificationRows.map((row) => ({ user_id: row.userId, kind: row.kind, title: row.title, link: row.link ?? null, step_id: row.stepId ?? null }));
  const auditRecords = auditRows.map((row, ordinal) => ({
    ordinal,
    actor_id: row.actorId,
    actor_label: row.actorLabel,
    action: row.action,
    entity_type: row.entityType,
    entity_id: row.entityId,
    changes: row.changes,
    metadata: row.metadata,
    at: row.at.toISOString(),
  }));
  // Data-modifying CTEs all run to completion whether or not the final SELECT reads them. They
  // all see the rows as they were before the statement: `done_notices` never touches a notice
  // `new_notifications` inserts (a reassigned step: the old notices done, the new one to do).
  await db.execute(sql`
    with new_emails as (
      insert into ${emails} (idempotency_key, to_address, template, subject, payload, reply_to, extra_headers, calendar)
      select e.idempotency_key, e.to_address, e.template, e.subject, e.payload, e.reply_to, coalesce(e.extra_headers, '{}'::jsonb), e.calendar
      from jsonb_to_recordset(${JSON.stringify(emailRecords)}::jsonb)
        as e(ordinal int, idempotency_key text, to_address text, template text, subject text, payload jsonb, reply_to text, extra_headers jsonb, calendar jsonb)
      order by e.ordinal
      on conflict (idempotency_key) do nothing
      returning id
    ), new_outbox as (
      insert into ${outbox} (queue, job_name, payload, run_at)
      select ${input.mailJob.queue}::text, ${input.mailJob.jobName}::text, jsonb_build_object('emailId', new_emails.id), now() from new_emails
      union all
      select o.queue, o.job_name, o.payload, o.run_at
      from jsonb_to_recordset(${JSON.stringify(outboxRecords)}::jsonb) as o(queue text, job_name text, payload jsonb, run_at timestamptz)
      returning 1
    ), new_notifications as (
      insert into ${notifications} (user_id, kind, title, link, step_id)
      select n.user_id, n.kind, n.title, n.link, n.step_id
      from jsonb_to_recordset(${JSON.stringify(notificationRecords)}::jsonb) as n(user_id uuid, kind text, title text, link text, step_id uuid)
      returning 1
    ), done_notices as (
      update ${notifications} set done_at = ${(input.stepNoticesDone?.at ?? new Date()).toISOString()}::timestamptz
      where ${notifications.stepId} = any(${`{${doneStepIds.join(',')}}`}::uuid[]) and ${notifications.doneAt} is null
      returning 1
    ), new_audit as (
      insert into ${auditLog} (actor_id, actor_label, action, entity_type, entity_id, changes, metadata, at)
      select a.actor_id, a.actor_label, a.action, a.entity_type, a.entity_id, a.changes, a.metadata, a.at
      from jsonb_to_recordset(${JSON.stringify(auditRecords)}::jsonb)
        as a(ordinal int, actor_id uuid, actor_label text, action text, entity_type text, entity_id text, changes jsonb, metadata jsonb, at timestamptz)
      order by a.ordinal
      returning 1
    )
    select 1`);
}

/**
 * The oldest rows not dispatched yet. Not locked: the relay adds them to Redis outside any
 * transaction, and two relays reading the same rows add each job once (the job id is the row's).
 */
export async function listPendingOutboxRows(db: Database, limit: number): Promise<OutboxRow[]> {
  return db.select().from(outbox).where(isNull(outbox.dispatchedAt)).orderBy(outbox.createdAt).limit(limit);
}

export async function markOutboxDispatched(db: Database, ids: string[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  await db.update(outbox).set({ dispatchedAt: now }).where(sql`${outbox.id} in ${ids}`);
}

export async function deleteDispatchedOutboxRowsBefore(db: Database, before: Date): Promise<void> {
  await db.delete(outbox).where(and(lt(outbox.dispatchedAt, before)));
}

// ── emails ────────────────────────────────────────────────────────────────────────────────
// Delivery is claim → send → record, each database step a statement of its own: no transaction
// is open while the SMTP server is talking (in embedded mode that server is the in-process sink,
// which writes through the same single PGlite connection). The hot statements are built once
// (reusableQuery: named prepared statements).

/**
 * Takes a pending email — or one whose previous claim's lease has run out (its worker died
 * mid-delivery) — for `leaseMs`: status `sending`, one more attempt. Undefined when the email is
 * already sent, failed, or being sent by a live claim.
 */
const claimEmailQuery = reusableQuery('emails_claim', (db) =>
  db
    .update(emails)
    .set({
      status: 'sending',
      attempts: sql`${emails.attempts} + 1`,
      leaseUntil: sql`${sql.placeholder('leaseUntil')}::timestamptz` as unknown as Date,
    })
    .where(
      and(
        eq(emails.id, sql.placeholder('id')),
        sql`(${emails.status} = 'pending' or (${emails.status} = 'sending' and ${emails.leaseUntil} < ${sql.placeholder('now')}::timestamptz))`,
      ),
    )
    .returning(),
);

export async function claimEmail(db: Database, id: string, now: Date, leaseMs: number): Promise<Email | undefined> {
  const [row] = await claimEmailQuery(db, { id, now: now.toISOString(), leaseUntil: new Date(now.getTime() + leaseMs).toISOString() });
  return row as Email | undefined;
}

export async function findEmail(db: Database, id: string): Promise<Email | undefined> {
  const [row] = await db.select().from(emails).where(eq(emails.id, id)).limit(1);
  return row;
}

/** Records a delivery of the claim taken at `attempts` (a later claim of the same email wins). */
const markEmailSentQuery = reusableQuery('emails_mark_sent', (db) =>
  db
    .update(emails)
    // The payload may hold a one-time link: once delivered it is not kept. (Drizzle's types do
    // not admit placeholders in set(); at run time they become parameters like any value.)
    .set({
      status: 'sent',
      messageId: sql.placeholder('messageId') as unknown as string,
      sentAt: sql.placeholder('now') as unknown as Date,
      payload: {},
      calendar: null,
      leaseUntil: null,
      lastError: null,
    })
    .where(and(eq(emails.id, sql.placeholder('id')), eq(emails.status, 'sending'), eq(emails.attempts, sql.placeholder('claim')))),
);

/** `claim` is the `attempts` the claim returned: an outcome recorded after a newer claim changes nothing. */
export async function markEmailSent(db: Database, id: string, claim: number, messageId: string | null, now: Date): Promise<void> {
  await markEmailSentQuery(db, { id, claim, messageId, now });
}

/** A failed delivery: pending again (BullMQ retries the job), or failed for good after the last attempt. */
export async function recordEmailFailure(db: Database, id: string, claim: number, error: string, final: boolean): Promise<void> {
  await db
    .update(emails)
    .set({ lastError: error.slice(0, 2000), status: final ? 'failed' : 'pending', leaseUntil: null })
    .where(and(eq(emails.id, id), eq(emails.status, 'sending'), eq(emails.attempts, claim)));
}

/**
 * Emails still to deliver long after creation — pending, or claimed by a worker whose lease has
 * run out: the sweeper re-enqueues them.
 */
export async function listStalePendingEmails(db: Database, olderThan: Date, limit: number, now = new Date()): Promise<Email[]> {
  return db
    .select()
    .from(emails)
    .where(
      and(
        lte(emails.createdAt, olderThan),
        or(eq(emails.status, 'pending'), and(eq(emails.status, 'sending'), lt(emails.leaseUntil, now))),
      ),
    )
    .orderBy(emails.createdAt)
    .limit(limit);
}

// ── development mailbox (embedded SMTP sink) ─────────────────────────────────────────────
export async function insertDevMail(db: Database, values: Omit<DevMail, 'id' | 'receivedAt'>): Promise<DevMail> {
  const [row] = await db.insert(devMailbox).values(values).returning();
  if (!row) throw new Error('insert into dev_mailbox returned nothing');
  return row;
}

export async function listDevMails(db: Database, options: { q?: string; limit: number; offset: number }) {
  const where = options.q
    ? sql`(${devMailbox.subject} ilike ${`%${options.q}%`} or array_to_string(${devMailbox.envelopeTo}, ' ') ilike ${`%${options.q}%`})`
    : undefined;
  const [rows, totals] = await Promise.all([
    db
      .select({
        id: devMailbox.id,
        receivedAt: devMailbox.receivedAt,
        subject: devMailbox.subject,
        envelopeTo: devMailbox.envelopeTo,
        fromHeader: devMailbox.fromHeader,
      })
      .from(devMailbox)
      .where(where)
      .orderBy(desc(devMailbox.receivedAt), desc(devMailbox.id))
      .limit(options.limit)
      .offset(options.offset),
    db.select({ value: sql<number>`count(*)::int` }).from(devMailbox).where(where),
  ]);
  return { rows, total: totals[0]?.value ?? 0 };
}

export async function findDevMail(db: Database, id: string): Promise<DevMail | undefined> {
  const [row] = await db.select().from(devMailbox).where(eq(devMailbox.id, id)).limit(1);
  return row;
}

// ── job heartbeats ────────────────────────────────────────────────────────────────────────
export async function recordHeartbeat(db: Database, name: string, at: Date, details: Record<string, unknown>): Promise<void> {
  await db
    .insert(jobHeartbeats)
    .values({ name, lastRunAt: at, details })
    .onConflictDoUpdate({ target: jobHeartbeats.name, set: { lastRunAt: at, details } });
}

export async function findHeartbeat(db: Database, name: string) {
  const [row] = await db.select().from(jobHeartbeats).where(eq(jobHeartbeats.name, name)).limit(1);
  return row;
}
