import type { Database } from '../models/database';
import { emailSubject } from '../lib/mail';
import { type NewAuditRow, type NewNotificationRow, type NewOutboxRow, insertMessagingRows } from '../models/messaging.model';
import { JOB_NAMES, QUEUE_NAMES } from '../workflows/queues';

export type EmailTemplate =
  | 'setup'
  | 'invitation'
  | 'password_reset'
  | 'workflow_assignment'
  | 'workflow_reminder'
  | 'workflow_escalation'
  | 'workflow_changes_requested'
  | 'workflow_notice'
  // Issue 13: events (invitations carry an iCalendar part) and reminders.
  | 'event_invitation'
  | 'event_cancellation'
  | 'event_partner_reminder'
  | 'reminder'
  | 'reminder_digest';

export interface QueuedEmail {
  to: string;
  template: EmailTemplate;
  data: Record<string, unknown>;
  /** Same key, same email: a retried request or job never sends twice. */
  idempotencyKey: string;
  /** Partner-facing e-mails answer to the internal owner (partner-mail.service.ts sets it). */
  replyTo?: string | null;
  /** List-Unsubscribe and List-Unsubscribe-Post for partner-facing e-mails (RFC 8058). */
  headers?: Record<string, string>;
  /** An invitation's iCalendar part (METHOD:REQUEST or CANCEL), built by src/lib/ical.ts. */
  calendar?: { method: 'REQUEST' | 'CANCEL' | 'PUBLISH'; content: string } | null;
}

/**
 * Records an email and the outbox row that will send it, inside the caller's transaction:
 * if the change rolls back, no email leaves.
 */
export async function queueEmail(tx: Database, email: QueuedEmail): Promise<void> {
  await queueEmailsAndJobs(tx, [email], []);
}

/**
 * Records emails (one `mail.send` outbox row each, skipping a key already used), other outbox
 * rows, and optionally notifications and journal rows, in one statement inside the caller's
 * transaction (the workflow engine's transitions write all theirs this way).
 */
export async function queueEmailsAndJobs(
  tx: Database,
  queued: QueuedEmail[],
  outboxRows: NewOutboxRow[],
  alongside: { notifications?: NewNotificationRow[]; auditRows?: NewAuditRow[]; stepNoticesDone?: { stepIds: string[]; at: Date } } = {},
): Promise<void> {
  // The same key twice in one statement would be one email anyway: keep the first.
  const keys = new Set<string>();
  const unique = queued.filter((email) => !keys.has(email.idempotencyKey) && keys.add(email.idempotencyKey));
  await insertMessagingRows(tx, {
    emails: unique.map((email) => ({
      idempotencyKey: email.idempotencyKey,
      toAddress: email.to,
      template: email.template,
      subject: emailSubject(email.template, email.data),
      payload: email.data,
      replyTo: email.replyTo ?? null,
      extraHeaders: email.headers ?? {},
      calendar: email.calendar ?? null,
    })),
    mailJob: { queue: QUEUE_NAMES.mail, jobName: JOB_NAMES.mailSend },
    outboxRows,
    ...alongside,
  });
}
