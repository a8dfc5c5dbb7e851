// mail.send: delivers one row of `emails`, in three steps so that no database transaction is
// open while SMTP talks (docs/architecture.md, « One connection »):
//   1. claim — one statement: pending → sending, attempts + 1, a lease until now + MAIL_LEASE_MS;
//   2. send — outside any transaction;
//   3. record — one statement: sent (payload cleared), or pending again / failed for good.
// Idempotent: a sent email is never claimed again, and a live claim keeps a second worker off.
// A worker that dies between 1 and 3 leaves a lease that runs out; the sweeper then re-enqueues
// the email and the next claim takes it.
//
// SMTP cannot be exactly-once: if a worker dies after the server accepted the message but
// before step 3, the email goes out a second time after the lease. The resent copy carries the
// same Message-ID (derived from the email's id), so mail clients and archives see one message.
import { UnrecoverableError, type Job } from 'bullmq';
import type { Transporter } from 'nodemailer';
import type { Database } from '../models/database';
import { logger } from '../lib/logger';
import { renderEmail } from '../lib/mail';
import { claimEmail, findEmail, markEmailSent, recordEmailFailure } from '../models/messaging.model';
import type { MailSendPayload } from '../workflows/queues';

/**
 * How long a claim keeps other workers off an email. Longer than the transport can take on one
 * message (src/lib/mail.ts bounds its connection, greeting and socket timeouts well below it),
 * so a slow but live delivery is never sent twice.
 */
export const MAIL_LEASE_MS = 5 * 60_000;

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

/** Another worker holds a live claim: the job is retried later (BullMQ backoff). */
export class EmailClaimedElsewhereError extends Error {
  constructor(emailId: string, until: Date | null) {
    super(`email ${emailId} is being delivered by another worker (lease until ${until?.toISOString() ?? '?'})`);
    this.name = 'EmailClaimedElsewhereError';
  }
}

export async function sendQueuedEmail(
  deps: MailSendDeps,
  payload: MailSendPayload,
  attempt = 1,
  maxAttempts = 1,
): Promise<'sent' | 'skipped'> {
  const email = await claimEmail(deps.db, payload.emailId, new Date(), MAIL_LEASE_MS);
  if (!email) {
    const current = await findEmail(deps.db, payload.emailId);
    if (!current) throw new UnrecoverableError(`email ${payload.emailId} does not exist`);
    if (current.status === 'sending') throw new EmailClaimedElsewhereError(current.id, current.leaseUntil);
    return 'skipped'; // sent or failed for good already
  }

  let messageId: string | null;
  try {
    const rendered = renderEmail(email.template, email.payload);
    const info = await deps.transport.sendMail({
      from: deps.from,
      to: email.toAddress,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      messageId: messageIdOf(email.id, deps.from),
      headers: { ...email.extraHeaders, 'X-Passerelle-Email-Id': email.id },
      ...(email.replyTo ? { replyTo: email.replyTo } : {}),
      // nodemailer's icalEvent: a text/calendar alternative (what Outlook, Thunderbird and Gmail
      // read as an invitation) plus the same content as an invite.ics attachment.
      ...(email.calendar ? { icalEvent: { method: email.calendar.method, content: email.calendar.content, filename: 'invitation.ics' } } : {}),
    });
    messageId = typeof info.messageId === 'string' ? info.messageId : null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.warn({ emailId: email.id, attempt, err: message }, 'email delivery failed');
    await recordEmailFailure(deps.db, email.id, email.attempts, message, attempt >= maxAttempts);
    throw new Error(`email delivery failed: ${message}`);
  }
  await markEmailSent(deps.db, email.id, email.attempts, messageId, new Date());
  return 'sent';
}

export function mailSendProcessor(deps: MailSendDeps) {
  return (job: Job<MailSendPayload>) => sendQueuedEmail(deps, job.data, job.attemptsMade + 1, job.opts.attempts ?? 1);
}
