// Invitations to reciprocity events (issue 13): invite contacts, send the invitation e-mails with
// their iCalendar part (METHOD:REQUEST, or CANCEL for a cancellation; stable UID, SEQUENCE =
// events.ics_sequence), re-send on change or cancellation, answer through signed RSVP links that
// need no account, and the partner's J-1 reminder e-mail (planned by the reminder engine).
//
// Every partner-facing e-mail goes through partnerEmail() (legal basis, consent, opt-out,
// List-Unsubscribe, Reply-To the event's owner): a refusal is kept on the invitation
// (not_sent_reason) and shown to the sender.
import { z } from 'zod';
import { ConflictError, ForbiddenError, NotFoundError } from '../lib/errors';
import { t } from '../lib/i18n';
import { buildCalendar, icsUid, type IcsItem } from '../lib/ical';
import { formatDateTime, formatLongDate, isoTimeInParis } from '../lib/format';
import { signToken, verifyToken } from '../lib/signed-tokens';
import { isUuid, parseInput, stringList } from '../lib/validation';
import type { Database, Transaction } from '../models/database';
import {
  deleteUnsentInvitation,
  findInvitationWithContact,
  findInvitingEvent,
  findRsvpRecord,
  invitationsOfContacts,
  insertInvitations,
  listInvitationsOfEvent,
  lockInvitation,
  lockInvitationsToMail,
  markInvitationsNotSent,
  markInvitationsSent,
  organizationsOfEvent,
  searchInvitableContacts,
  updateInvitationResponse,
  type InvitationWithContact,
  type InvitingEvent,
} from '../models/event-invitations.model';
import type { InvitationResponse } from '../models/schema';
import { signingKey } from '../models/signing-key.model';
import { recordAudit } from './audit.service';
import { type Actor, type ServiceContext, inTransaction, requireActor } from './context';
import { type QueuedEmail, queueEmailsAndJobs } from './mail.service';
import { partnerEmail, partnerEmailEligibility } from './partner-mail.service';
import { assertCan, can } from './permissions';

export type InvitationMailReason = 'invitation' | 'update' | 'cancel';

// ── Links and wording ────────────────────────────────────────────────────────────────────────

/** The RSVP answers as they appear in links (`?reponse=peut-etre`) and forms. */
const RESPONSE_OF_PARAM: Record<string, Exclude<InvitationResponse, 'en_attente'>> = {
  accepte: 'accepte',
  decline: 'decline',
  'peut-etre': 'peut_etre',
  peut_etre: 'peut_etre',
};
const PARAM_OF_RESPONSE: Record<Exclude<InvitationResponse, 'en_attente'>, string> = { accepte: 'accepte', decline: 'decline', peut_etre: 'peut-etre' };

/** An answer from a link or a form, or null when it is none of the three. */
export function rsvpResponseOf(value: unknown): Exclude<InvitationResponse, 'en_attente'> | null {
  return typeof value === 'string' ? (RESPONSE_OF_PARAM[value] ?? null) : null;
}

/** The signed token of an invitation's RSVP links: valid until the event ends. */
export function rsvpToken(key: Buffer, invitationId: string, event: { endsAt: Date }): string {
  return signToken(key, { purpose: 'rsvp', subject: invitationId, expiresAt: Math.ceil(event.endsAt.getTime() / 1000) });
}

function rsvpLinks(baseUrl: string, token: string) {
  const base = `${baseUrl.replace(/\/$/, '')}/invitation/${token}`;
  return {
    rsvpUrl: base,
    acceptUrl: `${base}?reponse=${PARAM_OF_RESPONSE.accepte}`,
    maybeUrl: `${base}?reponse=${PARAM_OF_RESPONSE.peut_etre}`,
    declineUrl: `${base}?reponse=${PARAM_OF_RESPONSE.decline}`,
  };
}

/** « mardi 14 mars 2027, 14:00 – 16:00 » (Paris), the end's day too when it is another day. */
export function eventWhenText(event: { startsAt: Date; endsAt: Date }): string {
  const startDay = formatLongDate(event.startsAt);
  const endDay = formatLongDate(event.endsAt);
  const start = isoTimeInParis(event.startsAt);
  const end = isoTimeInParis(event.endsAt);
  return startDay === endDay ? `${startDay}, ${start} – ${end}` : `${startDay}, ${start} – ${endDay}, ${end}`;
}

const ICS_RESPONSES: Record<InvitationResponse, 'ACCEPTED' | 'DECLINED' | 'TENTATIVE' | 'NEEDS-ACTION'> = {
  en_attente: 'NEEDS-ACTION',
  accepte: 'ACCEPTED',
  decline: 'DECLINED',
  peut_etre: 'TENTATIVE',
};

/** The organiser written in the invitation: the event's owner, else the person acting. */
function organizerOf(event: InvitingEvent, actor: Actor | null): { name: string; email: string } | null {
  if (event.ownerEmail) return { name: event.ownerName ?? event.ownerEmail, email: event.ownerEmail };
  return actor ? { name: actor.displayName, email: actor.email } : null;
}

function invitationCalendar(event: InvitingEvent, organizer: { name: string; email: string } | null, attendee: { name: string; email: string; response: InvitationResponse }, baseUrl: string, method: 'REQUEST' | 'CANCEL', rsvpUrl: string): QueuedEmail['calendar'] {
  const item: IcsItem = {
    uid: icsUid('event', event.id, baseUrl),
    sequence: event.icsSequence,
    start: event.startsAt,
    end: event.endsAt,
    summary: event.title,
    description: [event.description, event.visioUrl ? `${t('eventInvitationEmail.visio')} : ${event.visioUrl}` : null, `${t('rsvp.choose')} : ${rsvpUrl}`].filter(Boolean).join('\n\n'),
    location: event.place ?? event.visioUrl ?? null,
    url: rsvpUrl,
    status: method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED',
    organizer,
    attendees: [{ name: attendee.name, email: attendee.email, response: ICS_RESPONSES[attendee.response] }],
    lastModified: event.updatedAt,
  };
  return { method, content: buildCalendar({ name: event.title, method, items: [item] }) };
}

function contactNameOf(contact: { firstName: string; lastName: string }): string {
  return `${contact.firstName} ${contact.lastName}`.trim();
}

/** The data every event e-mail template reads (all keys present: the templates are strict). */
function eventMailData(event: InvitingEvent, contactName: string, organizerName: string, links: ReturnType<typeof rsvpLinks>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    contactName,
    organizerName,
    eventTitle: event.title,
    eventWhen: eventWhenText(event),
    eventPlace: event.place,
    eventVisioUrl: event.visioUrl,
    eventDescription: event.description,
    cancelReason: event.cancelReason,
    isUpdate: false,
    /** A reply reaches the event's owner (Reply-To); without one the footer says not to reply. */
    canReply: false,
    subjectLead: t('eventInvitations.email.subjectLeadInvitation'),
    ...links,
    ...extra,
  };
}

// ── Sending (inside the caller's transaction: no I/O but the outbox rows) ────────────────────

interface MailOutcome {
  queued: number;
  refused: number;
}

async function queueInvitationMails(tx: Transaction, ctx: ServiceContext, eventId: string, reason: InvitationMailReason): Promise<MailOutcome> {
  const event = await findInvitingEvent(tx, eventId);
  if (!event) throw new NotFoundError();
  if (event.status === 'annule' && reason !== 'cancel') return { queued: 0, refused: 0 };
  const rows = await lockInvitationsToMail(tx, eventId, reason);
  if (rows.length === 0) return { queued: 0, refused: 0 };
  const key = await signingKey(tx);
  const organizer = organizerOf(event, ctx.actor);
  const organizerName = organizer?.name ?? event.unitName ?? t('app.name');
  const emails: QueuedEmail[] = [];
  const sentIds: string[] = [];
  const refusals: Array<{ id: string; reason: string }> = [];
  // One after the other: every statement runs on the transaction (PGlite is one connection).
  for (const row of rows) {
    const outcome = await invitationEmailOf(tx, ctx, event, organizer, organizerName, row, reason, key);
    if ('refused' in outcome) refusals.push({ id: row.invitation.id, reason: outcome.refused });
    else {
      emails.push(outcome.email);
      sentIds.push(row.invitation.id);
    }
  }
  await queueEmailsAndJobs(tx, emails, []);
  await markInvitationsSent(tx, sentIds, event.icsSequence, ctx.now);
  await markInvitationsNotSent(tx, refusals);
  return { queued: emails.length, refused: refusals.length };
}

async function invitationEmailOf(
  tx: Transaction,
  ctx: ServiceContext,
  event: InvitingEvent,
  organizer: { name: string; email: string } | null,
  organizerName: string,
  row: InvitationWithContact,
  reason: InvitationMailReason,
  key: Buffer,
): Promise<{ email: QueuedEmail } | { refused: string }> {
  const eligibility = partnerEmailEligibility(row.contact);
  if (!eligibility.allowed) return { refused: eligibility.reason };
  const contactName = contactNameOf(row.contact);
  const links = rsvpLinks(ctx.baseUrl, rsvpToken(key, row.invitation.id, event));
  const method = reason === 'cancel' ? 'CANCEL' : 'REQUEST';
  const calendar = invitationCalendar(event, organizer, { name: contactName, email: eligibility.address, response: row.invitation.response }, ctx.baseUrl, method, links.rsvpUrl);
  const isUpdate = reason === 'update';
  return partnerEmail(tx, {
    contact: row.contact,
    replyTo: organizer ? { email: organizer.email, displayName: organizer.name } : null,
    template: reason === 'cancel' ? 'event_cancellation' : 'event_invitation',
    data: eventMailData(event, contactName, organizerName, links, {
      canReply: organizer !== null,
      isUpdate,
      subjectLead: t(isUpdate ? 'eventInvitations.email.subjectLeadUpdate' : 'eventInvitations.email.subjectLeadInvitation'),
    }),
    idempotencyKey: `event:${event.id}:${row.invitation.id}:seq${event.icsSequence}:${reason}`,
    calendar,
    baseUrl: ctx.baseUrl,
  });
}

/**
 * Inside the caller's transaction (the event row already updated, `ics_sequence` already bumped
 * for an update or a cancellation): queues one e-mail per invitee who should get this version —
 * for 'invitation' the invitees never sent; for 'update' and 'cancel' every invitee who had been
 * sent an invitation and had not declined. Records the SEQUENCE sent, or why an e-mail could
 * not go. Returns how many e-mails were queued. No I/O: only rows (e-mails + outbox).
 */
export async function queueEventInvitationEmails(tx: Transaction, ctx: ServiceContext, eventId: string, reason: InvitationMailReason): Promise<number> {
  return (await queueInvitationMails(tx, ctx, eventId, reason)).queued;
}

// ── Managing the invitees (/evenements/:id/invitations) ─────────────────────────────────────

function canEditEvent(actor: Actor | null, event: Pick<InvitingEvent, 'ownerId' | 'unitId'>): boolean {
  return can(actor, 'events.edit', { ownerId: event.ownerId, unitIds: event.unitId ? [event.unitId] : [] });
}

/** Invitations can be added and sent while the event is planned and has not started. */
function isOpen(event: Pick<InvitingEvent, 'status' | 'startsAt'>, now: Date): boolean {
  return event.status === 'planifie' && event.startsAt.getTime() > now.getTime();
}

async function loadEditableEvent(db: Database, actor: Actor, eventId: string, now: Date, options: { lock?: boolean } = {}): Promise<InvitingEvent> {
  if (!isUuid(eventId)) throw new NotFoundError();
  const event = await findInvitingEvent(db, eventId, options);
  if (!event) throw new NotFoundError();
  if (!canEditEvent(actor, event)) throw new ForbiddenError(t('errors.forbidden'));
  if (!isOpen(event, now)) throw new ConflictError(t('eventInvitations.errors.eventClosed'));
  return event;
}

const inviteSchema = z.object({
  contactIds: stringList().pipe(z.array(z.uuid({ error: t('eventInvitations.errors.unknownContact') })).min(1, t('eventInvitations.errors.noContactChosen')).max(500)),
});

/** « Inviter les contacts cochés »: adds them (once each); the e-mails go with « Envoyer les invitations ». */
export async function inviteContacts(ctx: ServiceContext, eventId: string, input: unknown): Promise<{ invited: number }> {
  const actor = requireActor(ctx);
  assertCan(actor, 'events.edit');
  const { contactIds } = parseInput(inviteSchema, input);
  return inTransaction(ctx, async (tx) => {
    const event = await loadEditableEvent(tx, actor, eventId, ctx.now, { lock: true });
    const created = await insertInvitations(tx, event.id, [...new Set(contactIds)], actor.id, ctx.now);
    if (created.length > 0) {
      await recordAudit(tx, ctx, {
        action: 'event.contacts_invited',
        entityType: 'event',
        entityId: event.id,
        metadata: { title: event.title, count: created.length, contactIds: created.map((row) => row.contactId) },
      });
    }
    return { invited: created.length };
  });
}

/** « Envoyer les invitations »: one e-mail per invitee never sent (the current SEQUENCE). */
export async function sendInvitations(ctx: ServiceContext, eventId: string): Promise<MailOutcome> {
  const actor = requireActor(ctx);
  assertCan(actor, 'events.edit');
  return inTransaction(ctx, async (tx) => {
    const event = await loadEditableEvent(tx, actor, eventId, ctx.now, { lock: true });
    const outcome = await queueInvitationMails(tx, ctx, event.id, 'invitation');
    if (outcome.queued + outcome.refused > 0) {
      await recordAudit(tx, ctx, {
        action: 'event.invitations_sent',
        entityType: 'event',
        entityId: event.id,
        metadata: { title: event.title, queued: outcome.queued, refused: outcome.refused, sequence: event.icsSequence },
      });
    }
    return outcome;
  });
}

/** « Retirer »: an invitee who was never sent anything. */
export async function removeInvitation(ctx: ServiceContext, eventId: string, invitationId: string): Promise<{ name: string }> {
  const actor = requireActor(ctx);
  assertCan(actor, 'events.edit');
  if (!isUuid(invitationId)) throw new NotFoundError();
  return inTransaction(ctx, async (tx) => {
    const event = await loadEditableEvent(tx, actor, eventId, ctx.now, { lock: true });
    const row = await findInvitationWithContact(tx, invitationId);
    if (!row || row.invitation.eventId !== event.id) throw new NotFoundError();
    if (!(await deleteUnsentInvitation(tx, event.id, invitationId))) throw new ConflictError(t('eventInvitations.errors.alreadySent'));
    await recordAudit(tx, ctx, {
      action: 'event.invitation_removed',
      entityType: 'event',
      entityId: event.id,
      metadata: { title: event.title, contactId: row.contact.id },
    });
    return { name: contactNameOf(row.contact) };
  });
}

// ── The « Invités » panel and the picker ────────────────────────────────────────────────────

const PICKER_LIMIT = 50;

const pickerQuerySchema = z.object({
  q: z.string().max(200).optional().catch(undefined),
  structure: z
    .string()
    .optional()
    .catch(undefined)
    .transform((value) => (isUuid(value) ? value : undefined)),
});

export interface InvitationsPanelView {
  eventId: string;
  eventTitle: string;
  canEdit: boolean;
  open: boolean;
  rows: Array<{
    id: string;
    contactId: string;
    contactName: string;
    organizationId: string | null;
    organizationName: string | null;
    response: InvitationResponse;
    responseLabel: string;
    respondedAt: Date | null;
    sentAt: Date | null;
    sentCurrent: boolean;
    notSentReason: string | null;
    toSend: boolean;
    removable: boolean;
    attendance: string | null;
  }>;
  counts: { invited: number; accepted: number; maybe: number; declined: number; pending: number };
  toSendCount: number;
}

/** The invitees of an event with their answers and what was sent; for the event page and /invitations. */
export async function invitationsPanelView(ctx: ServiceContext, eventId: string): Promise<InvitationsPanelView> {
  assertCan(ctx.actor, 'events.read');
  if (!isUuid(eventId)) throw new NotFoundError();
  const event = await findInvitingEvent(ctx.db, eventId);
  if (!event) throw new NotFoundError();
  const canEdit = canEditEvent(ctx.actor, event);
  const open = isOpen(event, ctx.now);
  const invitations = await listInvitationsOfEvent(ctx.db, eventId);
  const rows = invitations
    .filter((row) => !row.contactErased)
    .map((row) => ({
      id: row.id,
      contactId: row.contactId,
      contactName: row.contactName,
      organizationId: row.organizationId,
      organizationName: row.organizationName,
      response: row.response,
      responseLabel: t(`eventInvitations.responses.${row.response}`),
      respondedAt: row.respondedAt,
      sentAt: row.sentAt,
      sentCurrent: row.sentSequence !== null && row.sentSequence === event.icsSequence,
      notSentReason: row.notSentReason,
      toSend: row.sentSequence === null,
      removable: canEdit && open && row.sentSequence === null,
      attendance: row.attendance,
    }));
  const count = (response: InvitationResponse) => rows.filter((row) => row.response === response).length;
  return {
    eventId: event.id,
    eventTitle: event.title,
    canEdit,
    open,
    rows,
    counts: { invited: rows.length, accepted: count('accepte'), maybe: count('peut_etre'), declined: count('decline'), pending: count('en_attente') },
    toSendCount: rows.filter((row) => row.toSend).length,
  };
}

/** /evenements/:id/invitations: the panel, and the picker (search by name or organisation). */
export async function invitationsPageView(ctx: ServiceContext, eventId: string, query: unknown) {
  const panel = await invitationsPanelView(ctx, eventId);
  const filters = pickerQuerySchema.parse(query ?? {});
  const pickerEnabled = panel.canEdit && panel.open;
  const found = pickerEnabled ? await searchInvitableContacts(ctx.db, eventId, { q: filters.q, organizationId: filters.structure }, PICKER_LIMIT) : [];
  const organizations = pickerEnabled ? await organizationsOfEvent(ctx.db, eventId) : [];
  return {
    title: `${t('eventInvitations.pickerTitle')} — ${panel.eventTitle}`,
    breadcrumb: [{ label: t('events.nav'), href: '/evenements' }, { label: panel.eventTitle, href: `/evenements/${panel.eventId}` }, { label: t('eventInvitations.pickerTitle') }],
    invitationsPanel: panel,
    picker: {
      enabled: pickerEnabled,
      q: filters.q ?? '',
      structure: filters.structure ?? '',
      searched: Boolean(filters.q || filters.structure),
      organizationOptions: organizations.map((organization) => ({ value: organization.id, label: organization.name })),
      results: found.slice(0, PICKER_LIMIT),
      more: found.length > PICKER_LIMIT,
      limit: PICKER_LIMIT,
    },
  };
}

// ── RSVP through the signed link (/invitation/:token) ───────────────────────────────────────

export type RsvpFailure = { failure: 'forged' | 'expired' | 'gone' };

export interface RsvpView {
  token: string;
  contactName: string;
  organizerName: string | null;
  eventTitle: string;
  eventWhen: string;
  eventPlace: string | null;
  eventVisioUrl: string | null;
  response: InvitationResponse;
  responseLabel: string;
  /** The answer the link proposes (`?reponse=`), to confirm with one button. */
  proposed: Exclude<InvitationResponse, 'en_attente'> | null;
  cancelled: boolean;
  cancelReason: string | null;
  started: boolean;
  canAnswer: boolean;
  choices: Array<{ value: string; label: string; current: boolean; proposed: boolean }>;
}

async function loadRsvp(db: Database, token: string, now: Date): Promise<{ invitationId: string; record: NonNullable<Awaited<ReturnType<typeof findRsvpRecord>>> } | RsvpFailure> {
  const check = verifyToken(await signingKey(db), token, 'rsvp', now);
  if (!check.ok) return { failure: check.reason === 'expired' ? 'expired' : 'forged' };
  if (!isUuid(check.subject)) return { failure: 'forged' };
  const record = await findRsvpRecord(db, check.subject);
  if (!record || record.contactErased) return { failure: 'gone' };
  return { invitationId: check.subject, record };
}

function rsvpViewOf(token: string, record: NonNullable<Awaited<ReturnType<typeof findRsvpRecord>>>, now: Date, proposed: RsvpView['proposed']): RsvpView {
  const { event, invitation } = record;
  const cancelled = event.status === 'annule';
  const started = event.startsAt.getTime() <= now.getTime();
  const response = invitation.response;
  return {
    token,
    contactName: record.contactName,
    organizerName: event.ownerName ?? event.unitName,
    eventTitle: event.title,
    eventWhen: eventWhenText(event),
    eventPlace: event.place,
    eventVisioUrl: event.visioUrl && /^https?:\/\//i.test(event.visioUrl) ? event.visioUrl : null,
    response,
    responseLabel: response === 'en_attente' ? t('eventInvitations.responses.en_attente') : t(`rsvp.currentLabels.${response}`),
    proposed,
    cancelled,
    cancelReason: event.cancelReason,
    started,
    canAnswer: !cancelled && !started,
    choices: (['accepte', 'peut_etre', 'decline'] as const).map((value) => ({
      value: PARAM_OF_RESPONSE[value],
      label: t(`rsvp.buttons.${value}`),
      current: response === value,
      proposed: proposed === value,
    })),
  };
}

/** GET: what the invitee sees. Never changes anything (link scanners follow GETs). */
export async function rsvpPage(ctx: Pick<ServiceContext, 'db' | 'now'>, token: string, requested: unknown): Promise<RsvpView | RsvpFailure> {
  const loaded = await loadRsvp(ctx.db, token, ctx.now);
  if ('failure' in loaded) return loaded;
  return rsvpViewOf(token, loaded.record, ctx.now, rsvpResponseOf(requested));
}

export type RsvpOutcome = RsvpFailure | { failure: 'closed'; view: RsvpView } | { failure: 'invalid'; view: RsvpView } | { changed: boolean; response: Exclude<InvitationResponse, 'en_attente'> };

/**
 * POST: records the answer. Idempotent (the same answer twice changes nothing and journals
 * nothing), changeable until the event starts; refused for a cancelled or started event.
 */
export async function recordRsvp(ctx: ServiceContext, token: string, requested: unknown): Promise<RsvpOutcome> {
  const loaded = await loadRsvp(ctx.db, token, ctx.now);
  if ('failure' in loaded) return loaded;
  const response = rsvpResponseOf(requested);
  const view = rsvpViewOf(token, loaded.record, ctx.now, response);
  if (!view.canAnswer) return { failure: 'closed', view };
  if (!response) return { failure: 'invalid', view };
  return inTransaction(ctx, async (tx) => {
    const event = await findInvitingEvent(tx, loaded.record.event.id, { lock: true });
    const invitation = await lockInvitation(tx, loaded.invitationId);
    if (!event || !invitation) return { failure: 'gone' as const };
    if (!isOpen(event, ctx.now)) return { failure: 'closed' as const, view: rsvpViewOf(token, { ...loaded.record, event, invitation }, ctx.now, response) };
    if (invitation.response === response) return { changed: false, response };
    await updateInvitationResponse(tx, invitation.id, response, ctx.now);
    await recordAudit(tx, { ...ctx, actor: null }, {
      action: 'event.invitation_answered',
      entityType: 'event',
      entityId: event.id,
      metadata: { title: event.title, contactId: invitation.contactId, contactName: loaded.record.contactName, before: invitation.response, after: response, via: 'lien' },
    });
    return { changed: true, response };
  });
}

// ── The partner's J-1 reminder (planned by the reminder engine, rule event.partner_day_before) ─

/**
 * The reminder e-mail for an invitee who accepted, to queue inside the caller's transaction, or
 * why it may not go (not accepted, event cancelled or started, the contact's e-mail rules).
 */
export async function partnerReminderEmail(
  db: Database,
  ctx: Pick<ServiceContext, 'baseUrl' | 'now'>,
  invitationId: string,
  options: { idempotencyKey?: string } = {},
): Promise<{ email: QueuedEmail } | { refused: string }> {
  const row = await findInvitationWithContact(db, invitationId);
  if (!row) return { refused: t('rsvp.gone') };
  const event = await findInvitingEvent(db, row.invitation.eventId);
  if (!event) return { refused: t('rsvp.gone') };
  if (event.status === 'annule') return { refused: t('eventInvitations.reminderRefused', { reason: t('rsvp.cancelled') }) };
  if (!isOpen(event, ctx.now)) return { refused: t('eventInvitations.reminderRefused', { reason: t('rsvp.started') }) };
  if (row.invitation.response !== 'accepte') return { refused: t('eventInvitations.reminderRefused', { reason: t(`eventInvitations.responses.${row.invitation.response}`) }) };
  const key = await signingKey(db);
  const organizer = organizerOf(event, null);
  const contactName = contactNameOf(row.contact);
  const links = rsvpLinks(ctx.baseUrl, rsvpToken(key, row.invitation.id, event));
  return partnerEmail(db, {
    contact: row.contact,
    replyTo: organizer ? { email: organizer.email, displayName: organizer.name } : null,
    template: 'event_partner_reminder',
    data: eventMailData(event, contactName, organizer?.name ?? event.unitName ?? t('app.name'), links, { canReply: organizer !== null }),
    idempotencyKey: options.idempotencyKey ?? `event:${event.id}:${row.invitation.id}:reminder:${event.startsAt.toISOString()}`,
    baseUrl: ctx.baseUrl,
  });
}

// ── GDPR access export ───────────────────────────────────────────────────────────────────────

/** The events the person was invited to, their answers and attendance (RGPD art. 15), in words. */
export const eventInvitationsPersonalDataSection = {
  key: 'eventInvitations',
  titleKey: 'eventInvitations.gdpr.title',
  async load(db: Database, person: { contactIds: string[] }): Promise<Array<Record<string, unknown>>> {
    const rows = await invitationsOfContacts(db, person.contactIds);
    return rows.map((row) => ({
      [t('eventInvitations.gdpr.event')]: row.eventTitle,
      [t('eventInvitations.gdpr.date')]: formatDateTime(row.startsAt),
      [t('eventInvitations.gdpr.cancelled')]: row.eventStatus === 'annule' ? t('common.yes') : t('common.no'),
      [t('eventInvitations.columns.organization')]: row.organizationName ?? '',
      [t('eventInvitations.gdpr.sentAt')]: row.sentAt ? formatDateTime(row.sentAt) : (row.notSentReason ?? ''),
      [t('eventInvitations.columns.response')]: t(`eventInvitations.responses.${row.response}`),
      [t('eventInvitations.gdpr.respondedAt')]: row.respondedAt ? formatDateTime(row.respondedAt) : '',
      [t('eventInvitations.columns.attendance')]: row.attendance ? t(`eventInvitations.attendance.${row.attendance}`) : '',
    }));
  },
};
