// Invitations to reciprocity events (issue 13): the SQL of event_invitations and what the
// invitation e-mails, the RSVP pages and the event page's « Invités » panel read. Rules,
// permissions, the journal and the e-mails live in src/services/event-invitations.service.ts.
import { and, asc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Database } from './database';
import { affiliations, contacts, eventInvitations, eventOrganizations, events, organizations, units, users, type Contact, type Event, type EventInvitation, type InvitationResponse } from './schema';
import { uuidArray } from './sql-arrays';

/** An event with what its invitations show: the owner (organiser, Reply-To) and the unit. */
export interface InvitingEvent extends Event {
  ownerName: string | null;
  ownerEmail: string | null;
  unitName: string | null;
}

export async function findInvitingEvent(db: Database, eventId: string, options: { lock?: boolean } = {}): Promise<InvitingEvent | undefined> {
  const query = db
    .select({ event: events, ownerName: users.displayName, ownerEmail: users.email, unitName: units.name })
    .from(events)
    .leftJoin(users, eq(users.id, events.ownerId))
    .leftJoin(units, eq(units.id, events.unitId))
    .where(eq(events.id, eventId))
    .limit(1);
  const [row] = options.lock ? await query.for('update', { of: events }) : await query;
  return row ? { ...row.event, ownerName: row.ownerName, ownerEmail: row.ownerEmail, unitName: row.unitName } : undefined;
}

/** The contact fields an invitation e-mail needs (partner-mail rules, the greeting). */
export type InviteeContact = Pick<Contact, 'id' | 'firstName' | 'lastName' | 'civility' | 'emails' | 'legalBasis' | 'consentAt' | 'emailOptOut' | 'erasedAt'>;

export interface InvitationWithContact {
  invitation: EventInvitation;
  contact: InviteeContact;
}

const inviteeContactColumns = {
  id: contacts.id,
  firstName: contacts.firstName,
  lastName: contacts.lastName,
  civility: contacts.civility,
  emails: contacts.emails,
  legalBasis: contacts.legalBasis,
  consentAt: contacts.consentAt,
  emailOptOut: contacts.emailOptOut,
  erasedAt: contacts.erasedAt,
};

/**
 * The invitations that get this version of the e-mail, locked: 'invitation' → never sent;
 * 'update' and 'cancel' → sent before and not declined (an invitee never sent gets the current
 * version when invitations are sent).
 */
export async function lockInvitationsToMail(tx: Database, eventId: string, reason: 'invitation' | 'update' | 'cancel'): Promise<InvitationWithContact[]> {
  const which: SQL | undefined =
    reason === 'invitation'
      ? isNull(eventInvitations.sentSequence)
      : and(sql`${eventInvitations.sentSequence} is not null`, sql`${eventInvitations.response} <> 'decline'`);
  return tx
    .select({ invitation: eventInvitations, contact: inviteeContactColumns })
    .from(eventInvitations)
    .innerJoin(contacts, eq(contacts.id, eventInvitations.contactId))
    .where(and(eq(eventInvitations.eventId, eventId), which))
    .orderBy(asc(eventInvitations.createdAt), asc(eventInvitations.id))
    .for('update', { of: eventInvitations });
}

export async function findInvitationWithContact(db: Database, invitationId: string): Promise<InvitationWithContact | undefined> {
  const [row] = await db
    .select({ invitation: eventInvitations, contact: inviteeContactColumns })
    .from(eventInvitations)
    .innerJoin(contacts, eq(contacts.id, eventInvitations.contactId))
    .where(eq(eventInvitations.id, invitationId))
    .limit(1);
  return row;
}

export async function lockInvitation(tx: Database, invitationId: string): Promise<EventInvitation | undefined> {
  const [row] = await tx.select().from(eventInvitations).where(eq(eventInvitations.id, invitationId)).for('update').limit(1);
  return row;
}

/** Sent (queued) at `at` with this SEQUENCE: the reason it could not go, if any, is cleared. */
export async function markInvitationsSent(tx: Database, ids: string[], sequence: number, at: Date): Promise<void> {
  if (ids.length === 0) return;
  await tx.update(eventInvitations).set({ sentSequence: sequence, sentAt: at, notSentReason: null }).where(inArray(eventInvitations.id, ids));
}

/** Why the e-mail could not go (shown on the panel); one statement for all. */
export async function markInvitationsNotSent(tx: Database, refusals: Array<{ id: string; reason: string }>): Promise<void> {
  if (refusals.length === 0) return;
  await tx.execute(sql`
    update ${eventInvitations} as i set not_sent_reason = r.reason
    from jsonb_to_recordset(${JSON.stringify(refusals)}::jsonb) as r(id uuid, reason text)
    where i.id = r.id`);
}

export async function updateInvitationResponse(tx: Database, invitationId: string, response: InvitationResponse, at: Date): Promise<EventInvitation> {
  const [row] = await tx.update(eventInvitations).set({ response, respondedAt: at }).where(eq(eventInvitations.id, invitationId)).returning();
  if (!row) throw new Error(`invitation ${invitationId} vanished during update`);
  return row;
}

/**
 * Contacts invited (skipping those already invited), each with its current primary
 * organisation (attendance counts for it). Returns the invitations created.
 */
export async function insertInvitations(tx: Database, eventId: string, contactIds: string[], invitedById: string | null, at: Date): Promise<Array<{ id: string; contactId: string; organizationId: string | null }>> {
  if (contactIds.length === 0) return [];
  const result = await tx.execute(sql`
    insert into event_invitations (event_id, contact_id, organization_id, invited_by_id, created_at)
    select ${eventId}::uuid, c.id, (${currentOrganizationOf(sql`c.id`)}), ${invitedById}::uuid, ${at.toISOString()}::timestamptz
    from contacts c
    where c.id = any(${uuidArray(contactIds)}) and c.erased_at is null and c.merged_into_id is null
    order by c.last_name, c.first_name
    on conflict (event_id, contact_id) do nothing
    returning id, contact_id as "contactId", organization_id as "organizationId"`);
  return rowsOf<{ id: string; contactId: string; organizationId: string | null }>(result);
}

/** The contact's current organisation: the primary affiliation without an end, else the latest open one. */
function currentOrganizationOf(contactId: SQL): SQL {
  return sql`select a.organization_id from ${affiliations} a where a.contact_id = ${contactId} and (a.end_date is null or a.end_date >= current_date)
    order by a.is_primary desc, a.start_date desc nulls last, a.created_at desc limit 1`;
}

/** Removes an invitation that was never sent. Returns whether a row went. */
export async function deleteUnsentInvitation(tx: Database, eventId: string, invitationId: string): Promise<boolean> {
  const rows = await tx
    .delete(eventInvitations)
    .where(and(eq(eventInvitations.id, invitationId), eq(eventInvitations.eventId, eventId), isNull(eventInvitations.sentSequence)))
    .returning({ id: eventInvitations.id });
  return rows.length > 0;
}

/** One row of the « Invités » panel. */
export interface InvitationRow {
  id: string;
  contactId: string;
  contactName: string;
  contactErased: boolean;
  organizationId: string | null;
  organizationName: string | null;
  response: InvitationResponse;
  respondedAt: Date | null;
  sentSequence: number | null;
  sentAt: Date | null;
  notSentReason: string | null;
  attendance: string | null;
}

export async function listInvitationsOfEvent(db: Database, eventId: string): Promise<InvitationRow[]> {
  return db
    .select({
      id: eventInvitations.id,
      contactId: eventInvitations.contactId,
      contactName: sql<string>`trim(${contacts.firstName} || ' ' || ${contacts.lastName})`,
      contactErased: sql<boolean>`${contacts.erasedAt} is not null`,
      organizationId: eventInvitations.organizationId,
      organizationName: organizations.name,
      response: eventInvitations.response,
      respondedAt: eventInvitations.respondedAt,
      sentSequence: eventInvitations.sentSequence,
      sentAt: eventInvitations.sentAt,
      notSentReason: eventInvitations.notSentReason,
      attendance: eventInvitations.attendance,
    })
    .from(eventInvitations)
    .innerJoin(contacts, eq(contacts.id, eventInvitations.contactId))
    .leftJoin(organizations, eq(organizations.id, eventInvitations.organizationId))
    .where(eq(eventInvitations.eventId, eventId))
    .orderBy(sql`lower(${organizations.name}) nulls last`, sql`lower(${contacts.lastName})`, sql`lower(${contacts.firstName})`, asc(eventInvitations.id));
}

/** A contact the picker offers. */
export interface InvitableContact {
  id: string;
  name: string;
  jobTitle: string | null;
  organizationName: string | null;
  hasAddress: boolean;
  optedOut: boolean;
}

/**
 * Contacts not yet invited to the event, matching a name or address (`q`) and/or an organisation
 * they currently belong to, or — without either — those of the event's concerned organisations.
 * At most `limit` + 1 rows (the caller says « précisez » when there are more).
 */
export async function searchInvitableContacts(db: Database, eventId: string, filters: { q?: string; organizationId?: string }, limit: number): Promise<InvitableContact[]> {
  const conditions: SQL[] = [
    sql`c.erased_at is null`,
    sql`c.merged_into_id is null`,
    sql`c.archived_at is null`,
    sql`not exists (select 1 from ${eventInvitations} i where i.event_id = ${eventId}::uuid and i.contact_id = c.id)`,
  ];
  const q = filters.q?.trim().toLowerCase();
  if (q) {
    const pattern = `%${q.replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
    conditions.push(sql`(c.search_name like immutable_unaccent(${pattern}) or exists (select 1 from unnest(c.emails) e where lower(e) like ${pattern}))`);
  }
  if (filters.organizationId) {
    conditions.push(sql`exists (select 1 from ${affiliations} a where a.contact_id = c.id and a.organization_id = ${filters.organizationId}::uuid and (a.end_date is null or a.end_date >= current_date))`);
  } else if (!q) {
    conditions.push(sql`exists (select 1 from ${affiliations} a join ${eventOrganizations} eo on eo.organization_id = a.organization_id and eo.event_id = ${eventId}::uuid
      where a.contact_id = c.id and (a.end_date is null or a.end_date >= current_date))`);
  }
  const result = await db.execute(sql`
    select c.id, trim(c.first_name || ' ' || c.last_name) as name, c.job_title as "jobTitle",
      (select o.name from ${organizations} o where o.id = (${currentOrganizationOf(sql`c.id`)})) as "organizationName",
      cardinality(c.emails) > 0 as "hasAddress", c.email_opt_out as "optedOut"
    from ${contacts} c
    where ${sql.join(conditions, sql` and `)}
    order by lower(c.last_name), lower(c.first_name), c.id
    limit ${limit + 1}`);
  return rowsOf<InvitableContact>(result);
}

/** The organisations the picker's select offers: the event's concerned ones first. */
export async function organizationsOfEvent(db: Database, eventId: string): Promise<Array<{ id: string; name: string }>> {
  return db
    .select({ id: organizations.id, name: organizations.name })
    .from(eventOrganizations)
    .innerJoin(organizations, eq(organizations.id, eventOrganizations.organizationId))
    .where(and(eq(eventOrganizations.eventId, eventId), eq(eventOrganizations.concerned, true)))
    .orderBy(sql`lower(${organizations.name})`);
}

/** What a public RSVP page shows: the invitation, its event, the invitee's name. */
export interface RsvpRecord {
  invitation: EventInvitation;
  event: InvitingEvent;
  contactName: string;
  contactErased: boolean;
}

export async function findRsvpRecord(db: Database, invitationId: string): Promise<RsvpRecord | undefined> {
  const [row] = await db
    .select({
      invitation: eventInvitations,
      contactName: sql<string>`trim(${contacts.firstName} || ' ' || ${contacts.lastName})`,
      contactErased: sql<boolean>`${contacts.erasedAt} is not null`,
    })
    .from(eventInvitations)
    .innerJoin(contacts, eq(contacts.id, eventInvitations.contactId))
    .where(eq(eventInvitations.id, invitationId))
    .limit(1);
  if (!row) return undefined;
  const event = await findInvitingEvent(db, row.invitation.eventId);
  if (!event) return undefined;
  return { invitation: row.invitation, event, contactName: row.contactName, contactErased: row.contactErased };
}

/** A person's invitations (the GDPR access export), newest event first. */
export async function invitationsOfContacts(db: Database, contactIds: string[]) {
  if (contactIds.length === 0) return [];
  return db
    .select({
      eventTitle: events.title,
      startsAt: events.startsAt,
      eventStatus: events.status,
      organizationName: organizations.name,
      response: eventInvitations.response,
      respondedAt: eventInvitations.respondedAt,
      sentAt: eventInvitations.sentAt,
      notSentReason: eventInvitations.notSentReason,
      attendance: eventInvitations.attendance,
    })
    .from(eventInvitations)
    .innerJoin(events, eq(events.id, eventInvitations.eventId))
    .leftJoin(organizations, eq(organizations.id, eventInvitations.organizationId))
    .where(inArray(eventInvitations.contactId, contactIds))
    .orderBy(sql`${events.startsAt} desc`, asc(eventInvitations.id));
}
