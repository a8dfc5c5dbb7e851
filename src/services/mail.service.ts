import type { Database } from '../lib/database';
import { emailSubject } from '../lib/mail';
import { insertEmailIfNew, insertOutboxRow } from '../models/messaging.model';
import { JOB_NAMES, QUEUE_NAMES, type MailSendPayload } from '../workflows/queues';

export type EmailTemplate =
  | 'setup'
  | 'invitation'
  | 'password_reset'
  | 'workflow_assignment'
  | 'workflow_reminder'
  | 'workflow_escalation'
  | 'workflow_changes_requested';

export interface QueuedEmail {
  to: string;
  template: EmailTemplate;
  data: Record<string, unknown>;
  /** Same key, same email: a retried request or job never sends twice. */
  idempotencyKey: string;
}

/**
 * Records an email and the outbox row that will send it, inside the caller's transaction:
 * if the change rolls back, no email leaves.
 */
export async function queueEmail(tx: Database, email: QueuedEmail): Promise<void> {
  const row = await insertEmailIfNew(tx, {
    idempotencyKey: email.idempotencyKey,
    toAddress: email.to,
    template: email.template,
    subject: emailSubject(email.template, email.data),
    payload: email.data,
  });
  if (!row) return;
  const payload: MailSendPayload = { emailId: row.id };
  await insertOutboxRow(tx, { queue: QUEUE_NAMES.mail, jobName: JOB_NAMES.mailSend, payload: { ...payload } });
}
