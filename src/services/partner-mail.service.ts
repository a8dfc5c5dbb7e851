// Partner-facing e-mail done right (issue 13): only to contacts whose legal basis and consent
// allow it, never to one who opted out or was erased; every such e-mail carries List-Unsubscribe
// (an HTTPS link built from baseUrl) and List-Unsubscribe-Post (RFC 8058 one-click) with a signed
// per-contact token, answers to the internal owner (Reply-To), and has HTML and text parts with a
// French footer saying why the person receives it. No tracking pixel, no tracked links.
//
// The opt-out lives on the contact (email_opt_out, email_opt_out_at, email_opt_out_source) and
// is journaled: by the person through /desabonnement/<token>, or by a user on the contact page.
import { z } from 'zod';
import { NotFoundError } from '../lib/errors';
import { formatDate } from '../lib/format';
import { t } from '../lib/i18n';
import { isUuid, parseInput } from '../lib/validation';
import { signToken, verifyToken } from '../lib/signed-tokens';
import type { Database } from '../models/database';
import { findContactById, lockContactById, unitIdsOfContact, updateContactRow } from '../models/contacts.model';
import type { Contact, NewContact } from '../models/schema';
import { signingKey } from '../models/signing-key.model';
import { recordAudit } from './audit.service';
import { type ServiceContext, inTransaction } from './context';
import type { EmailTemplate, QueuedEmail } from './mail.service';
import { assertCan } from './permissions';

/** How an opt-out was recorded (contacts.email_opt_out_source). */
export const OPT_OUT_SOURCES = ['lien_desabonnement', 'utilisateur', 'import'] as const;
export type OptOutSource = (typeof OPT_OUT_SOURCES)[number];

export type PartnerEmailEligibility = { allowed: true; address: string } | { allowed: false; reason: string };

type EligibilityFields = Pick<Contact, 'emails' | 'legalBasis' | 'consentAt' | 'emailOptOut' | 'erasedAt'> &
  Partial<Pick<Contact, 'emailOptOutAt' | 'emailOptOutSource'>>;

export function optOutSourceLabel(source: string | null | undefined): string {
  return source && (OPT_OUT_SOURCES as readonly string[]).includes(source) ? t(`partnerMail.sources.${source}`) : t('partnerMail.sources.utilisateur');
}

/**
 * Whether a partner-facing e-mail may go to this contact, and if not why (French, shown to the
 * sender). Erased and opted-out contacts never; a contact whose legal basis is consent needs a
 * recorded consent date; the other bases (legitimate interest in a professional relationship,
 * contract, public-interest mission) allow professional e-mail as long as the person can opt out.
 */
export function partnerEmailEligibility(contact: EligibilityFields): PartnerEmailEligibility {
  if (contact.erasedAt) return { allowed: false, reason: t('partnerMail.refused.erased') };
  if (contact.emailOptOut) {
    return {
      allowed: false,
      reason: contact.emailOptOutAt
        ? t('partnerMail.refused.optedOut', { date: formatDate(contact.emailOptOutAt), source: optOutSourceLabel(contact.emailOptOutSource) })
        : t('partnerMail.refused.optedOutUndated'),
    };
  }
  const address = contact.emails.map((email) => email.trim()).find((email) => email.length > 0);
  if (!address) return { allowed: false, reason: t('partnerMail.refused.noAddress') };
  if (contact.legalBasis === 'consentement' && !contact.consentAt) return { allowed: false, reason: t('partnerMail.refused.noConsent') };
  return { allowed: true, address };
}

export interface PartnerEmailRequest {
  contact: Pick<Contact, 'id' | 'emails' | 'legalBasis' | 'consentAt' | 'emailOptOut' | 'erasedAt'> & Partial<Pick<Contact, 'emailOptOutAt' | 'emailOptOutSource'>>;
  /** The internal owner the partner answers to (Reply-To); null: the application's sender. */
  replyTo: { email: string; displayName: string } | null;
  template: EmailTemplate;
  data: Record<string, unknown>;
  idempotencyKey: string;
  calendar?: QueuedEmail['calendar'];
  baseUrl: string;
}

/** The one-click unsubscribe link of a contact: signed, per contact, without expiry. */
export async function unsubscribeUrlFor(db: Database, contactId: string, baseUrl: string): Promise<string> {
  const token = signToken(await signingKey(db), { purpose: 'unsubscribe', subject: contactId });
  return new URL(`/desabonnement/${token}`, `${baseUrl.replace(/\/$/, '')}/`).toString();
}

/** `"Camille Martin" <camille.martin@…>`: quoted, without line breaks (nodemailer encodes accents). */
function mailbox(person: { email: string; displayName: string }): string {
  const name = person.displayName.replace(/[\r\n]+/g, ' ').replace(/["\\]/g, (character) => `\\${character}`).trim();
  const email = person.email.replace(/[\r\n<>]/g, '').trim();
  return name ? `"${name}" <${email}>` : email;
}

/**
 * The e-mail to queue (with queueEmail / queueEmailsAndJobs, inside the caller's transaction), or
 * the reason it may not go. Adds `unsubscribeUrl` and `partnerFooter` (the footer: why they receive it,
 * whom a reply reaches) to the template data; the e-mail layout shows them. `db` may be the
 * caller's transaction (the signing key is read through it).
 */
export async function partnerEmail(db: Database, request: PartnerEmailRequest): Promise<{ email: QueuedEmail } | { refused: string }> {
  const eligibility = partnerEmailEligibility(request.contact);
  if (!eligibility.allowed) return { refused: eligibility.reason };
  const unsubscribeUrl = await unsubscribeUrlFor(db, request.contact.id, request.baseUrl);
  const institution = t('app.institution');
  const partnerFooter = {
    why: t(`partnerMail.footer.why.${request.contact.legalBasis}`, { institution }),
    reply: request.replyTo ? t('partnerMail.footer.replyTo', { name: request.replyTo.displayName }) : t('partnerMail.footer.noReply'),
    unsubscribeUrl,
  };
  return {
    email: {
      to: eligibility.address,
      template: request.template,
      data: { ...request.data, unsubscribeUrl, partnerFooter },
      idempotencyKey: request.idempotencyKey,
      replyTo: request.replyTo ? mailbox(request.replyTo) : null,
      headers: {
        'List-Unsubscribe': `<${unsubscribeUrl}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
      calendar: request.calendar ?? null,
    },
  };
}

// ── Opt-out ──────────────────────────────────────────────────────────────────────────────────

/**
 * The opt-out columns of a contact whose flag goes from `before` to `after`: the date and source
 * are set when it is switched on, cleared when it is switched off, untouched otherwise. Used by
 * the contact form too (a user ticking « Ne souhaite pas recevoir de courriels »).
 */
export function optOutColumns(before: boolean, after: boolean, now: Date, source: OptOutSource): Partial<NewContact> {
  if (before === after) return {};
  return after ? { emailOptOut: true, emailOptOutAt: now, emailOptOutSource: source } : { emailOptOut: false, emailOptOutAt: null, emailOptOutSource: null };
}

/** What the journal keeps of an opt-out change (emailOptOut feeds the GDPR consent history). */
function optOutAudit(contact: Pick<Contact, 'emailOptOut' | 'emailOptOutAt' | 'emailOptOutSource'>) {
  return { emailOptOut: contact.emailOptOut, emailOptOutAt: contact.emailOptOutAt, emailOptOutSource: contact.emailOptOutSource };
}

function maskedAddress(address: string | undefined): string {
  if (!address) return '—';
  const [local = '', domain = ''] = address.split('@');
  return `${local.slice(0, 1)}${'•'.repeat(Math.max(2, Math.min(local.length - 1, 6)))}@${domain}`;
}

export type UnsubscribeLink =
  | { state: 'invalid' }
  | { state: 'unknown' }
  | { state: 'valid'; contactId: string; address: string; optedOutAt: Date | null; alreadyOptedOut: boolean };

/** A contact merged into another is the same person: the opt-out goes to the kept record. */
async function contactBehind(db: Database, contactId: string): Promise<Contact | undefined> {
  let contact = await findContactById(db, contactId);
  for (let hops = 0; contact?.mergedIntoId && hops < 10; hops += 1) contact = await findContactById(db, contact.mergedIntoId);
  return contact;
}

/** Reads a link without changing anything (GET: link scanners and previews follow it). */
export async function readUnsubscribeLink(ctx: ServiceContext, token: string): Promise<UnsubscribeLink> {
  const check = verifyToken(await signingKey(ctx.db), token, 'unsubscribe', ctx.now);
  if (!check.ok || !isUuid(check.subject)) return { state: 'invalid' };
  const contact = await contactBehind(ctx.db, check.subject);
  // An erased person is no one any more (and gets no e-mail anyway): nothing to show or change.
  if (!contact || contact.erasedAt) return { state: 'unknown' };
  return {
    state: 'valid',
    contactId: contact.id,
    address: maskedAddress(contact.emails[0]),
    optedOutAt: contact.emailOptOutAt,
    alreadyOptedOut: contact.emailOptOut,
  };
}

/**
 * The person unsubscribes (POST from their mail client — RFC 8058 one-click — or from the
 * confirmation page): at once, idempotent (a second POST keeps the first date), journaled.
 */
export async function unsubscribeWithToken(ctx: ServiceContext, token: string, options: { oneClick: boolean }): Promise<UnsubscribeLink> {
  const link = await readUnsubscribeLink(ctx, token);
  if (link.state !== 'valid' || link.alreadyOptedOut) return link;
  return inTransaction(ctx, async (tx) => {
    const before = await lockContactById(tx, link.contactId);
    if (!before) return { state: 'unknown' } as const;
    if (before.emailOptOut) return { ...link, alreadyOptedOut: true, optedOutAt: before.emailOptOutAt };
    const updated = await updateContactRow(tx, before.id, optOutColumns(false, true, ctx.now, 'lien_desabonnement'));
    await recordAudit(tx, ctx, {
      action: 'contact.unsubscribed',
      entityType: 'contact',
      entityId: before.id,
      before: optOutAudit(before),
      after: optOutAudit(updated),
      metadata: { oneClick: options.oneClick },
    });
    return { ...link, alreadyOptedOut: false, optedOutAt: updated.emailOptOutAt };
  });
}

const optOutSchema = z.object({ optOut: z.enum(['oui', 'non']) });

/**
 * A user records the person's refusal (or, when the person asks for it, lifts it) from the
 * contact page: same permission as editing the contact, journaled with the date and source.
 */
export async function setContactEmailOptOut(ctx: ServiceContext, contactId: string, input: unknown): Promise<Contact> {
  // Refused up front for roles that never edit the directory (no lookup for them), then per record.
  assertCan(ctx.actor, 'directory.edit');
  const contact = isUuid(contactId) ? await findContactById(ctx.db, contactId) : undefined;
  if (!contact || contact.mergedIntoId || contact.erasedAt) throw new NotFoundError(t('contacts.notFound'));
  assertCan(ctx.actor, 'directory.edit', { ownerId: contact.ownerId, unitIds: await unitIdsOfContact(ctx.db, contact.id) });
  const optOut = parseInput(optOutSchema, input).optOut === 'oui';
  return inTransaction(ctx, async (tx) => {
    const before = await lockContactById(tx, contactId);
    if (!before) throw new NotFoundError(t('contacts.notFound'));
    const columns = optOutColumns(before.emailOptOut, optOut, ctx.now, 'utilisateur');
    if (Object.keys(columns).length === 0) return before;
    const updated = await updateContactRow(tx, contactId, { ...columns, updatedById: ctx.actor?.id ?? null });
    await recordAudit(tx, ctx, {
      action: optOut ? 'contact.email_opt_out_set' : 'contact.email_opt_out_cleared',
      entityType: 'contact',
      entityId: contactId,
      before: optOutAudit(before),
      after: optOutAudit(updated),
    });
    return updated;
  });
}
