// mail.send: delivers one row of `emails`. Idempotent: a sent email is never sent again, and
// the row lock stops two workers from sending it at the same time.
//
// SMTP cannot be exactly-once: if a worker dies after the server accepted the message but
// before the « sent » mark commits, the job runs again and the message goes out a second time.
// That window is a few milliseconds; the resent copy carries the same Message-ID (derived from
// the email's id), so mail clients and archives see one message, and the duplicate is visible.
import { UnrecoverableError, type Job } from 'bullmq';
import type { Transporter } from 'nodemailer';
import type { Database } from '../models/database';
import { logger } from '../lib/logger';
import { renderEmail } from '../lib/mail';
import { lockEmail, markEmailSent, recordEmailFailure } from '../models/messaging.model';
import type { MailSendPayload } from '../workflows/queues';

export interface MailSendDeps {
  db: Database;
  transport: Transporter;
  from: string;
}

/** `<email-id@sender-domain>`: the same for every delivery attempt of one email. */
export function messageIdOf(emailId: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'passerelle.localhost';
  return `<${emailId}@${domain}>`;
}

export async function sendQueuedEmail(
  deps: MailSendDeps,
  payload: MailSendPayload,
  attempt = 1,
  maxAttempts = 1,
): Promise<'sent' | 'skipped'> {
  const outcome = await deps.db.transaction(async (tx) => {
    const email = await lockEmail(tx, payload.emailId);
    if (!email) throw new UnrecoverableError(`email ${payload.emailId} does not exist`);
    if (email.status !== 'pending') return { status: 'skipped' as const };
    const rendered = renderEmail(email.template, email.payload);
    try {
      const info = await deps.transport.sendMail({
        from: deps.from,
        to: email.toAddress,
        subject: rendered.subject,
        html: rendered.html,
        text: rendered.text,
        messageId: messageIdOf(email.id, deps.from),
        headers: { 'X-Passerelle-Email-Id': email.id },
      });
      await markEmailSent(tx, email.id, typeof info.messageId === 'string' ? info.messageId : null, new Date());
      return { status: 'sent' as const };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      logger.warn({ emailId: email.id, attempt, err: message }, 'email delivery failed');
      // Keep the failure count: return normally so the transaction commits, then throw below.
      await recordEmailFailure(tx, email.id, message, attempt >= maxAttempts);
      return { status: 'failed' as const, message };
    }
  });
  if (outcome.status === 'failed') throw new Error(`email delivery failed: ${outcome.message}`);
  return outcome.status;
}

export function mailSendProcessor(deps: MailSendDeps) {
  return (job: Job<MailSendPayload>) => sendQueuedEmail(deps, job.data, job.attemptsMade + 1, job.opts.attempts ?? 1);
}
