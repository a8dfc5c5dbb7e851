// Partner-facing e-mail done right (issue 13): only to contacts whose legal basis and consent
// allow it, never to one who opted out; List-Unsubscribe (HTTPS) + List-Unsubscribe-Post
// (RFC 8058 one-click) with a signed per-contact token; Reply-To the internal owner.
// STUB written by the lead with the contract: helper D replaces the bodies.
import type { Database } from '../models/database';
import type { Contact } from '../models/schema';
import type { EmailTemplate, QueuedEmail } from './mail.service';

export type PartnerEmailEligibility = { allowed: true; address: string } | { allowed: false; reason: string };

/** Whether a partner-facing e-mail may go to this contact, and if not why (French, shown to the sender). */
export function partnerEmailEligibility(contact: Pick<Contact, 'emails' | 'legalBasis' | 'consentAt' | 'emailOptOut' | 'erasedAt'>): PartnerEmailEligibility {
  const address = contact.emails[0];
  if (!address || contact.erasedAt || contact.emailOptOut) return { allowed: false, reason: 'stub' };
  return { allowed: true, address };
}

export interface PartnerEmailRequest {
  contact: Pick<Contact, 'id' | 'emails' | 'legalBasis' | 'consentAt' | 'emailOptOut' | 'erasedAt'>;
  /** The internal owner the partner answers to (Reply-To); null: the application's sender. */
  replyTo: { email: string; displayName: string } | null;
  template: EmailTemplate;
  data: Record<string, unknown>;
  idempotencyKey: string;
  calendar?: QueuedEmail['calendar'];
  baseUrl: string;
}

/**
 * The e-mail to queue (with queueEmail / queueEmailsAndJobs, inside the caller's transaction), or
 * the reason it may not go. Adds `unsubscribeUrl` to the template data (the partner layout shows it).
 */
export async function partnerEmail(_db: Database, request: PartnerEmailRequest): Promise<{ email: QueuedEmail } | { refused: string }> {
  const eligibility = partnerEmailEligibility(request.contact);
  if (!eligibility.allowed) return { refused: eligibility.reason };
  return { email: { to: eligibility.address, template: request.template, data: request.data, idempotencyKey: request.idempotencyKey, calendar: request.calendar ?? null } };
}
