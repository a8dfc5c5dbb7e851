// Email transport and rendering. Templates are Handlebars pairs under src/views/emails/
// (<name>.html.hbs and <name>.text.hbs) wrapped in layout.html.hbs / layout.text.hbs.
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import nodemailer, { type Transporter } from 'nodemailer';
import { t } from './i18n';
import { formatDateTime } from './format';
import { viewsDir } from './paths';
import { assertOutsideTransaction } from './transaction-scope';

const emailViews = path.join(viewsDir, 'emails');

const handlebars = Handlebars.create();
handlebars.registerHelper('t', (key: string, options: Handlebars.HelperOptions) => t(key, options.hash));
handlebars.registerHelper('formatDateTime', (value: Date | string) => formatDateTime(value));

const compiled = new Map<string, Handlebars.TemplateDelegate>();
function template(file: string, noEscape: boolean): Handlebars.TemplateDelegate {
  const key = `${file}:${noEscape}`;
  let delegate = compiled.get(key);
  if (!delegate) {
    delegate = handlebars.compile(fs.readFileSync(path.join(emailViews, file), 'utf8'), { noEscape, strict: true });
    compiled.set(key, delegate);
  }
  return delegate;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export function emailSubject(templateName: string, data: Record<string, unknown>): string {
  return t(`emails.${templateName}.subject`, data);
}

export function renderEmail(templateName: string, data: Record<string, unknown>): RenderedEmail {
  const subject = emailSubject(templateName, data);
  // `subject` in the data is what the e-mail is about (the workflow e-mails' convention title):
  // the layout gets the e-mail's own subject under another name, so it never replaces it.
  const context = { ...data, mailSubject: subject };
  // Text parts are not HTML: escaping would turn & into &amp; in links.
  const html = template('layout.html.hbs', false)({ ...context, body: template(`${templateName}.html.hbs`, false)(context) });
  const text = template('layout.text.hbs', true)({ ...context, body: template(`${templateName}.text.hbs`, true)(context) });
  return { subject, html, text };
}

/**
 * The SMTP transport. Its timeouts stay well under the delivery lease of mail.send (5 min), so a
 * slow server fails the attempt rather than outliving the claim. Sending from inside a database
 * transaction throws (src/lib/transaction-scope.ts): the transaction would wait on the network.
 */
export function createMailTransport(smtpUrl: string): Transporter {
  // Settings written in the URL (`?socketTimeout=…`) override these.
  const transport: Transporter = nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 });
  const send = transport.sendMail.bind(transport) as (...args: unknown[]) => unknown;
  transport.sendMail = ((...args: unknown[]) => {
    assertOutsideTransaction('sending an e-mail (SMTP)');
    return send(...args);
  }) as never;
  return transport;
}
