// An SMTP server of a test's own that keeps every message, parsed whole (every header and the
// calendar part, where the application's development sink keeps the bodies and a few headers).
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface CapturingSmtpServer {
  url: string;
  messages: ParsedMail[];
  close(): Promise<void>;
}

export async function startCapturingSmtpServer(): Promise<CapturingSmtpServer> {
  const messages: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          messages.push(parsed);
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  if (!address || typeof address === 'string') throw new Error('the capturing SMTP server has no TCP address');
  return { url: `smtp://127.0.0.1:${address.port}`, messages, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
