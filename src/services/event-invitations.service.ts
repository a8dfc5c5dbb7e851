// Invitations to reciprocity events (issue 13): invite contacts, send the invitation e-mails with
// their iCalendar part, re-send on change or cancellation, RSVP through signed links.
// STUB written by the lead so events.service.ts compiles: helper A2 replaces the body.
import type { Transaction } from '../models/database';
import type { ServiceContext } from './context';

export type InvitationMailReason = 'invitation' | 'update' | 'cancel';

/**
 * Inside the caller's transaction (the event row already updated, `ics_sequence` already bumped
 * for an update or a cancellation): queues one e-mail per invitee who should get this version —
 * for 'invitation' the invitees never sent; for 'update' and 'cancel' every invitee who had not
 * declined. Returns how many e-mails were queued.
 */
export async function queueEventInvitationEmails(_tx: Transaction, _ctx: ServiceContext, _eventId: string, _reason: InvitationMailReason): Promise<number> {
  return 0;
}
