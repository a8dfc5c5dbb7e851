import { sql } from 'drizzle-orm';
import { type AnyPgColumn, bigint, boolean, check, date, index, integer, jsonb, pgTable, primaryKey, text, time, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { contacts } from './contacts.schema';
import { conventions } from './conventions.schema';
import { createdAt, idColumn, tsvector, updatedAt } from './columns';
import { organizations } from './organizations.schema';
import { units, users } from './users.schema';
// Circular with sourcing.schema (a milestone's task): both sides reference lazily.
import { sourcingCases } from './sourcing.schema';

export const EXCHANGE_KINDS = ['rendez_vous', 'appel', 'visio', 'courriel', 'salon', 'visite', 'note'] as const;
export type ExchangeKind = (typeof EXCHANGE_KINDS)[number];

/** Exchanges that are a meeting (not a call, an e-mail nor a note): « start-ups rencontrées » on the dashboard and the funnel. */
export const MEETING_KINDS: readonly ExchangeKind[] = ['rendez_vous', 'visio', 'salon', 'visite'];

export const EXCHANGE_OUTCOMES = ['positive', 'neutre', 'a_relancer', 'sans_suite'] as const;
export type ExchangeOutcome = (typeof EXCHANGE_OUTCOMES)[number];

/**
 * What an exchange is about besides its organisations: a convention now; sourcing cases
 * (issue 14) and reciprocity events (issue 13) use the same generic reference, so they add a
 * value here and nothing else changes in the exchange tables.
 */
export const EXCHANGE_SUBJECT_TYPES = ['convention', 'sourcing_case', 'event'] as const;
export type ExchangeSubjectType = (typeof EXCHANGE_SUBJECT_TYPES)[number];

export const TASK_STATUSES = ['a_faire', 'faite', 'annulee'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TASK_PRIORITIES = ['basse', 'normale', 'haute'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

const inList = (values: readonly string[]) => sql.raw(values.map((value) => `'${value}'`).join(', '));

/**
 * A meeting, call, visio, e-mail, trade-show encounter, site visit or note with partners
 * (« échange »). Its organisations, contacts present, internal participants and units are
 * link tables; each link copies `occurred_at` so one record's timeline is read from one index
 * (an organisation with thousands of exchanges) without touching the exchanges first.
 * A confidential exchange is read only by its units' members, its author, its participants
 * and admins (exchangeVisibleTo in exchanges.model.ts).
 */
export const exchanges = pgTable(
  'exchanges',
  {
    id: idColumn(),
    kind: text('kind').$type<ExchangeKind>().notNull(),
    /** When it happened (or will happen: a meeting planned for next week is logged ahead). */
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    durationMinutes: integer('duration_minutes'),
    place: text('place'),
    visioUrl: text('visio_url'),
    subjectType: text('subject_type').$type<ExchangeSubjectType>(),
    subjectId: uuid('subject_id'),
    summary: text('summary').notNull(),
    /** Plain text: line breaks kept, links made clickable when shown, never HTML. */
    notes: text('notes'),
    outcome: text('outcome').$type<ExchangeOutcome>(),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    confidential: boolean('confidential').notNull().default(false),
    authorId: uuid('author_id').references(() => users.id, { onDelete: 'set null' }),
    updatedById: uuid('updated_by_id').references(() => users.id, { onDelete: 'set null' }),
    /** Stable key of a seeded or generated record, so re-running the seed is idempotent. */
    sourceRef: text('source_ref'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    searchDocument: tsvector('search_document')
      .notNull()
      .generatedAlwaysAs(
        sql`setweight(to_tsvector('fr_unaccent', coalesce(summary, '')), 'A')
          || setweight(to_tsvector('fr_unaccent', immutable_text_list(tags)), 'B')
          || setweight(to_tsvector('fr_unaccent', coalesce(notes, '')), 'C')`,
      ),
  },
  (table) => [
    uniqueIndex('exchanges_source_ref_key').on(table.sourceRef),
    index('exchanges_occurred_idx').on(table.occurredAt, table.id),
    // Also exchanges_id_kind_idx (id) INCLUDE (kind, confidential, author_id): migration 0021, hand-written (Drizzle cannot say INCLUDE).
    index('exchanges_author_occurred_idx').on(table.authorId, table.occurredAt),
    index('exchanges_kind_occurred_idx').on(table.kind, table.occurredAt),
    index('exchanges_subject_idx').on(table.subjectType, table.subjectId, table.occurredAt),
    index('exchanges_search_idx').using('gin', table.searchDocument),
    index('exchanges_tags_idx').using('gin', table.tags),
    check('exchanges_kind_check', sql`${table.kind} in (${inList(EXCHANGE_KINDS)})`),
    check('exchanges_outcome_check', sql`${table.outcome} is null or ${table.outcome} in (${inList(EXCHANGE_OUTCOMES)})`),
    check('exchanges_subject_type_check', sql`${table.subjectType} is null or ${table.subjectType} in (${inList(EXCHANGE_SUBJECT_TYPES)})`),
    check('exchanges_subject_pair_check', sql`(${table.subjectType} is null) = (${table.subjectId} is null)`),
    check('exchanges_duration_check', sql`${table.durationMinutes} is null or ${table.durationMinutes} between 0 and 10080`),
  ],
);

/** The organisations an exchange concerns (at least one, checked by the service). */
export const exchangeOrganizations = pgTable(
  'exchange_organizations',
  {
    exchangeId: uuid('exchange_id')
      .notNull()
      .references(() => exchanges.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    /** Copy of exchanges.occurred_at (kept in step by the service). */
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  },
  (table) => [
    primaryKey({ name: 'exchange_organizations_pkey', columns: [table.exchangeId, table.organizationId] }),
    index('exchange_organizations_timeline_idx').on(table.organizationId, table.occurredAt, table.exchangeId),
  ],
);

/** The partner contacts present. An erased contact keeps the link (shown « contact supprimé »). */
export const exchangeContacts = pgTable(
  'exchange_contacts',
  {
    exchangeId: uuid('exchange_id')
      .notNull()
      .references(() => exchanges.id, { onDelete: 'cascade' }),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  },
  (table) => [
    primaryKey({ name: 'exchange_contacts_pkey', columns: [table.exchangeId, table.contactId] }),
    index('exchange_contacts_timeline_idx').on(table.contactId, table.occurredAt, table.exchangeId),
  ],
);

/** The institution's people who took part (the author is not always one of them). */
export const exchangeParticipants = pgTable(
  'exchange_participants',
  {
    exchangeId: uuid('exchange_id')
      .notNull()
      .references(() => exchanges.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  },
  (table) => [
    primaryKey({ name: 'exchange_participants_pkey', columns: [table.exchangeId, table.userId] }),
    index('exchange_participants_user_idx').on(table.userId, table.occurredAt, table.exchangeId),
  ],
);

/** The units an exchange belongs to (by default its author's): who edits it, who reads it when confidential. */
export const exchangeUnits = pgTable(
  'exchange_units',
  {
    exchangeId: uuid('exchange_id')
      .notNull()
      .references(() => exchanges.id, { onDelete: 'cascade' }),
    unitId: uuid('unit_id')
      .notNull()
      .references(() => units.id, { onDelete: 'restrict' }),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  },
  (table) => [
    primaryKey({ name: 'exchange_units_pkey', columns: [table.exchangeId, table.unitId] }),
    index('exchange_units_unit_idx').on(table.unitId, table.occurredAt, table.exchangeId),
  ],
);

/** Files attached to an exchange; the bytes live in the document storage (src/lib/documents) under `storageKey`. */
export const exchangeAttachments = pgTable(
  'exchange_attachments',
  {
    id: idColumn(),
    exchangeId: uuid('exchange_id')
      .notNull()
      .references(() => exchanges.id, { onDelete: 'cascade' }),
    storageKey: text('storage_key').notNull(),
    fileName: text('file_name').notNull(),
    contentType: text('content_type').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    uploadedById: uuid('uploaded_by_id').references(() => users.id, { onDelete: 'set null' }),
    uploadedAt: timestamp('uploaded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('exchange_attachments_exchange_idx').on(table.exchangeId)],
);

/**
 * A follow-up with a due date and an assignee (« tâche » / relance). It may relate to an
 * organisation, a contact, a convention and the exchange it came from — several at once (a
 * next step of a meeting names the exchange and its first organisation), so each record's
 * timeline finds it through its own column. Reminders (issue 13) key on the task's id.
 */
export const tasks = pgTable(
  'tasks',
  {
    id: idColumn(),
    title: text('title').notNull(),
    description: text('description'),
    dueOn: date('due_on').notNull(),
    /** Optional time of day, Europe/Paris. */
    dueTime: time('due_time'),
    assigneeId: uuid('assignee_id')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    priority: text('priority').$type<TaskPriority>().notNull().default('normale'),
    status: text('status').$type<TaskStatus>().notNull().default('a_faire'),
    organizationId: uuid('organization_id').references(() => organizations.id, { onDelete: 'set null' }),
    contactId: uuid('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    conventionId: uuid('convention_id').references(() => conventions.id, { onDelete: 'set null' }),
    exchangeId: uuid('exchange_id').references(() => exchanges.id, { onDelete: 'set null' }),
    /** A sourcing case (a pilot's milestone check, a next step of the case). */
    sourcingCaseId: uuid('sourcing_case_id').references((): AnyPgColumn => sourcingCases.id, { onDelete: 'set null' }),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    doneAt: timestamp('done_at', { withTimezone: true }),
    doneById: uuid('done_by_id').references(() => users.id, { onDelete: 'set null' }),
    sourceRef: text('source_ref'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('tasks_source_ref_key').on(table.sourceRef),
    index('tasks_assignee_status_due_idx').on(table.assigneeId, table.status, table.dueOn),
    // « Mes tâches » shows the tasks I created for others too.
    index('tasks_created_by_status_due_idx').on(table.createdById, table.status, table.dueOn),
    index('tasks_open_due_idx').on(table.dueOn).where(sql`${table.status} = 'a_faire'`),
    index('tasks_organization_idx').on(table.organizationId, table.createdAt),
    index('tasks_contact_idx').on(table.contactId, table.createdAt),
    index('tasks_convention_idx').on(table.conventionId, table.createdAt),
    index('tasks_exchange_idx').on(table.exchangeId),
    index('tasks_sourcing_case_idx').on(table.sourcingCaseId, table.createdAt),
    check('tasks_status_check', sql`${table.status} in (${inList(TASK_STATUSES)})`),
    check('tasks_priority_check', sql`${table.priority} in (${inList(TASK_PRIORITIES)})`),
    check('tasks_done_check', sql`(${table.status} = 'faite') = (${table.doneAt} is not null)`),
  ],
);

/**
 * Settings an admin changes without a deployment (the dashboard's inactivity threshold, the
 * exchanges' retention period; issue 13's reminder offsets). Read through settings.model.ts,
 * which holds each key's default: a missing row means the default.
 */
export const appSettings = pgTable('app_settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedById: uuid('updated_by_id').references(() => users.id, { onDelete: 'set null' }),
  updatedAt: updatedAt(),
});

export type Exchange = typeof exchanges.$inferSelect;
export type NewExchange = typeof exchanges.$inferInsert;
export type ExchangeAttachment = typeof exchangeAttachments.$inferSelect;
export type Task = typeof tasks.$inferSelect;
export type NewTask = typeof tasks.$inferInsert;
export type AppSetting = typeof appSettings.$inferSelect;
