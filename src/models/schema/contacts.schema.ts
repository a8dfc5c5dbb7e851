import { sql } from 'drizzle-orm';
import { boolean, check, date, index, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { createdAt, idColumn, tsvector, updatedAt } from './columns';
import { organizations } from './organizations.schema';
import { units, users } from './users.schema';

export const CIVILITIES = ['M.', 'Mme'] as const;
export type Civility = (typeof CIVILITIES)[number];

/** GDPR legal basis for processing a contact's data (RGPD art. 6). */
export const LEGAL_BASES = ['interet_legitime', 'consentement', 'contrat', 'mission_interet_public'] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

export const CONTACT_SOURCES = ['salon', 'site_web', 'recommandation', 'import', 'evenement', 'prospection', 'autre'] as const;
export type ContactSource = (typeof CONTACT_SOURCES)[number];

/**
 * People. Emails and phones are ordered lists (the first is the primary one); phones are
 * stored in E.164. An erased contact keeps its row (counts, history) with personal fields
 * emptied and `erasedAt` set.
 */
export const contacts = pgTable(
  'contacts',
  {
    id: idColumn(),
    civility: text('civility').$type<Civility>(),
    firstName: text('first_name').notNull().default(''),
    lastName: text('last_name').notNull(),
    jobTitle: text('job_title'),
    emails: text('emails').array().notNull().default(sql`'{}'::text[]`),
    phones: text('phones').array().notNull().default(sql`'{}'::text[]`),
    linkedinUrl: text('linkedin_url'),
    ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'set null' }),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    notes: text('notes'),
    legalBasis: text('legal_basis').$type<LegalBasis>().notNull().default('interet_legitime'),
    source: text('source').$type<ContactSource>(),
    consentAt: timestamp('consent_at', { withTimezone: true }),
    emailOptOut: boolean('email_opt_out').notNull().default(false),
    /** When the contact opted out (one-click unsubscribe, or set by a user), and how. */
    emailOptOutAt: timestamp('email_opt_out_at', { withTimezone: true }),
    emailOptOutSource: text('email_opt_out_source'),
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true }),
    sourceRef: text('source_ref'),
    mergedIntoId: uuid('merged_into_id').references((): AnyPgColumn => contacts.id, { onDelete: 'set null' }),
    importBatchId: uuid('import_batch_id'),
    erasedAt: timestamp('erased_at', { withTimezone: true }),
    erasedById: uuid('erased_by_id').references(() => users.id, { onDelete: 'set null' }),
    erasureReason: text('erasure_reason'),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    updatedById: uuid('updated_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
    archivedById: uuid('archived_by_id').references(() => users.id, { onDelete: 'set null' }),
    searchName: text('search_name')
      .notNull()
      .generatedAlwaysAs(sql`lower(immutable_unaccent(first_name || ' ' || last_name))`),
    searchDocument: tsvector('search_document')
      .notNull()
      .generatedAlwaysAs(
        sql`setweight(to_tsvector('simple', immutable_unaccent(first_name || ' ' || last_name)), 'A')
          || setweight(to_tsvector('fr_unaccent', coalesce(job_title, '') || ' ' || immutable_text_list(tags)), 'B')
          || setweight(to_tsvector('simple', immutable_text_list(emails) || ' ' || immutable_text_list(phones)), 'C')`,
      ),
  },
  (table) => [
    uniqueIndex('contacts_source_ref_key').on(table.sourceRef),
    index('contacts_name_sort_idx').on(sql`lower(${table.lastName})`, sql`lower(${table.firstName})`, table.id),
    index('contacts_owner_idx').on(table.ownerId, table.id),
    index('contacts_updated_idx').on(table.updatedAt, table.id),
    index('contacts_activity_idx').on(table.lastActivityAt, table.id),
    index('contacts_emails_idx').using('gin', table.emails),
    index('contacts_tags_idx').using('gin', table.tags),
    index('contacts_search_idx').using('gin', table.searchDocument),
    index('contacts_search_name_trgm_idx').using('gin', sql`${table.searchName} gin_trgm_ops`),
    // Imports match contacts by « prénom nom » exactly: a btree probe.
    index('contacts_search_name_key_idx').on(table.searchName),
    index('contacts_import_batch_idx').on(table.importBatchId),
    // The ON DELETE SET NULL of merged_into_id looks rows up by it: without an index, deleting
    // many contacts (an import's revert) scans the table once per deleted row.
    index('contacts_merged_into_idx').on(table.mergedIntoId).where(sql`merged_into_id is not null`),
    check('contacts_civility_check', sql`${table.civility} is null or ${table.civility} in ('M.', 'Mme')`),
    check(
      'contacts_legal_basis_check',
      sql`${table.legalBasis} in ('interet_legitime', 'consentement', 'contrat', 'mission_interet_public')`,
    ),
  ],
);

/** Units concerned by a contact (edit rights), as for organisations. */
export const contactUnits = pgTable(
  'contact_units',
  {
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    unitId: uuid('unit_id')
      .notNull()
      .references(() => units.id, { onDelete: 'cascade' }),
  },
  (table) => [primaryKey({ columns: [table.contactId, table.unitId] }), index('contact_units_unit_idx').on(table.unitId)],
);

/**
 * A person's position in an organisation over time. Ending an affiliation (endDate) keeps it
 * as history: a person who changes employer keeps their past.
 */
export const affiliations = pgTable(
  'affiliations',
  {
    id: idColumn(),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    role: text('role'),
    startDate: date('start_date'),
    endDate: date('end_date'),
    isPrimary: boolean('is_primary').notNull().default(false),
    importBatchId: uuid('import_batch_id'),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index('affiliations_contact_idx').on(table.contactId),
    index('affiliations_organization_idx').on(table.organizationId, table.endDate),
    check('affiliations_dates_check', sql`${table.endDate} is null or ${table.startDate} is null or ${table.endDate} >= ${table.startDate}`),
  ],
);

export type Contact = typeof contacts.$inferSelect;
export type NewContact = typeof contacts.$inferInsert;
export type Affiliation = typeof affiliations.$inferSelect;
export type NewAffiliation = typeof affiliations.$inferInsert;
