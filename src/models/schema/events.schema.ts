import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { contacts } from './contacts.schema';
import { createdAt, idColumn, updatedAt } from './columns';
import { organizations } from './organizations.schema';
import { units, users } from './users.schema';

export const EVENT_KINDS = [
  'conference_metier',
  'rencontre_partenaires',
  'job_dating',
  'master_class',
  'webinaire',
  'conseil_perfectionnement',
  'comite_pilotage',
  'visite_site',
  'salon',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** planifie → annule (src/workflows/event-transitions.ts). Past or not is read from the dates. */
export const EVENT_STATUSES = ['planifie', 'annule'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

export const INVITATION_RESPONSES = ['en_attente', 'accepte', 'decline', 'peut_etre'] as const;
export type InvitationResponse = (typeof INVITATION_RESPONSES)[number];

export const ATTENDANCE_VALUES = ['present', 'absent', 'excuse'] as const;
export type Attendance = (typeof ATTENDANCE_VALUES)[number];

const inList = (values: readonly string[]) => sql.raw(values.map((value) => `'${value}'`).join(', '));

/**
 * A reciprocity event (« événement »): a conference, a partners' meeting, a steering committee…
 * Times are instants; the forms read and show them in Europe/Paris. `icsSequence` is the iCalendar
 * SEQUENCE: incremented on every change the invitees must see (date, place, cancellation), so
 * mail clients replace the invitation they hold (UID `event-<id>@<host>`, stable).
 */
export const events = pgTable(
  'events',
  {
    id: idColumn(),
    kind: text('kind').$type<EventKind>().notNull(),
    title: text('title').notNull(),
    description: text('description'),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    place: text('place'),
    visioUrl: text('visio_url'),
    unitId: uuid('unit_id').references(() => units.id, { onDelete: 'set null' }),
    ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'set null' }),
    capacity: integer('capacity'),
    status: text('status').$type<EventStatus>().notNull().default('planifie'),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    cancelReason: text('cancel_reason'),
    icsSequence: integer('ics_sequence').notNull().default(0),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    updatedById: uuid('updated_by_id').references(() => users.id, { onDelete: 'set null' }),
    /** Stable key of a seeded record, so re-running the seed is idempotent. */
    sourceRef: text('source_ref'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('events_source_ref_key').on(table.sourceRef),
    index('events_starts_idx').on(table.startsAt, table.id),
    index('events_unit_starts_idx').on(table.unitId, table.startsAt),
    index('events_owner_starts_idx').on(table.ownerId, table.startsAt),
    check('events_kind_check', sql`${table.kind} in (${inList(EVENT_KINDS)})`),
    check('events_status_check', sql`${table.status} in (${inList(EVENT_STATUSES)})`),
    check('events_period_check', sql`${table.endsAt} > ${table.startsAt}`),
    check('events_capacity_check', sql`${table.capacity} is null or ${table.capacity} > 0`),
  ],
);

/**
 * The partner organisations an event concerns (`concerned`: chosen on the form) or that attended
 * (`attended`: at least one invitee from it recorded « présent »). `startsAt` copies the event's
 * so an organisation's timeline and its reciprocity count read one index.
 */
export const eventOrganizations = pgTable(
  'event_organizations',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    concerned: boolean('concerned').notNull().default(true),
    attended: boolean('attended').notNull().default(false),
  },
  (table) => [
    primaryKey({ name: 'event_organizations_pkey', columns: [table.eventId, table.organizationId] }),
    index('event_organizations_timeline_idx').on(table.organizationId, table.startsAt, table.eventId),
  ],
);

/** The institution's people taking part (they get the J-1 and morning-of reminders). */
export const eventParticipants = pgTable(
  'event_participants',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
  },
  (table) => [
    primaryKey({ name: 'event_participants_pkey', columns: [table.eventId, table.userId] }),
    index('event_participants_user_idx').on(table.userId, table.startsAt, table.eventId),
  ],
);

/**
 * One invited contact: the answer given through the signed RSVP link, the attendance recorded
 * after the event, and which version of the invitation (SEQUENCE) was last sent. The address the
 * invitation went to is the contact's, read when sending (never copied here: an erased contact
 * leaves nothing personal in this table). `organizationId` is the contact's organisation when
 * invited: attendance counts for it.
 */
export const eventInvitations = pgTable(
  'event_invitations',
  {
    id: idColumn(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id').references(() => organizations.id, { onDelete: 'set null' }),
    response: text('response').$type<InvitationResponse>().notNull().default('en_attente'),
    respondedAt: timestamp('responded_at', { withTimezone: true }),
    /** The SEQUENCE of the last invitation (or cancellation) queued for this invitee; null: never sent. */
    sentSequence: integer('sent_sequence'),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    /** Why no e-mail went (opt-out, no address, legal basis): shown to the sender. */
    notSentReason: text('not_sent_reason'),
    attendance: text('attendance').$type<Attendance>(),
    attendanceRecordedAt: timestamp('attendance_recorded_at', { withTimezone: true }),
    attendanceRecordedById: uuid('attendance_recorded_by_id').references(() => users.id, { onDelete: 'set null' }),
    invitedById: uuid('invited_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('event_invitations_event_contact_key').on(table.eventId, table.contactId),
    index('event_invitations_contact_idx').on(table.contactId),
    index('event_invitations_organization_idx').on(table.organizationId),
    check('event_invitations_response_check', sql`${table.response} in (${inList(INVITATION_RESPONSES)})`),
    check('event_invitations_attendance_check', sql`${table.attendance} is null or ${table.attendance} in (${inList(ATTENDANCE_VALUES)})`),
  ],
);

export type Event = typeof events.$inferSelect;
export type NewEvent = typeof events.$inferInsert;
export type EventInvitation = typeof eventInvitations.$inferSelect;
