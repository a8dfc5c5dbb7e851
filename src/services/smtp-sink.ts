// Embedded mode: an SMTP server on 127.0.0.1 that accepts what the application sends (through
// real SMTP, the same path as production) and keeps it in dev_mailbox for /admin/courriels.
import type { AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { Database } from '../models/database';
import { logger } from '../lib/logger';
import { insertDevMail } from '../models/messaging.model';

export interface SmtpSink {
  url: string;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

function addressText(value: AddressObject | AddressObject[] | undefined): string {
  if (!value) return '';
  return (Array.isArray(value) ? value : [value]).map((address) => address.text).join(', ');
}

/** Headers an admin checks by hand on /admin/courriels (partner e-mails' Reply-To and one-click unsubscribe, invitations). */
const SHOWN_HEADERS = ['reply-to', 'list-unsubscribe', 'list-unsubscribe-post', 'auto-submitted'];

function headersWorthShowing(lines: ReadonlyArray<{ key: string; line: string }>, attachments: ReadonlyArray<{ contentType: string }>): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const { key, line } of lines) {
    if (!SHOWN_HEADERS.includes(key)) continue;
    // `line` is the raw « Name: value » (folded lines joined): keep the value.
    shown[line.slice(0, line.indexOf(':'))] = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
  }
  // An invitation's iCalendar part: its method says whether clients add or remove the event.
  const calendar = attachments.find((attachment) => attachment.contentType.startsWith('text/calendar'));
  if (calendar) shown['Content-Type (invitation)'] = calendar.contentType;
  return shown;
}

export async function startSmtpSink(db: Database): Promise<SmtpSink> {
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_MESSAGE_BYTES,
    banner: 'Passerelle development mailbox',
    logger: false,
    onData(stream, session, callback) {
      // mailparser (≈ 0.1 s of module loading) at the first message, not at every start.
      import('mailparser')
        .then(({ simpleParser }) => simpleParser(stream))
        .then((parsed) =>
          insertDevMail(db, {
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
            envelopeTo: session.envelope.rcptTo.map((recipient) => recipient.address),
            subject: parsed.subject ?? '',
            fromHeader: addressText(parsed.from),
            toHeader: addressText(parsed.to),
            textBody: parsed.text ?? null,
            htmlBody: typeof parsed.html === 'string' ? parsed.html : null,
            messageId: parsed.messageId ?? null,
            headers: headersWorthShowing(parsed.headerLines, parsed.attachments),
          }),
        )
        .then(() => callback())
        .catch((error: unknown) => {
          logger.error({ err: error }, 'development mailbox could not store a message');
          callback(error instanceof Error ? error : new Error(String(error)));
        });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  if (!address || typeof address === 'string') throw new Error('SMTP sink has no TCP address');
  logger.info({ port: address.port }, 'development SMTP sink listening');
  return {
    url: `smtp://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
