import { sql } from 'drizzle-orm';
import { bigint, boolean, check, date, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { contacts } from './contacts.schema';
import { createdAt, idColumn, updatedAt } from './columns';
import { organizations } from './organizations.schema';
import { units, users } from './users.schema';

export const CONVENTION_KINDS = ['partenariat', 'cadre', 'application', 'co_construction', 'accord', 'stage_alternance', 'mecenat', 'avenant'] as const;
export type ConventionKind = (typeof CONVENTION_KINDS)[number];

export const CONVENTION_STATUSES = ['brouillon', 'en_revue', 'modifications_demandees', 'validee', 'a_signer', 'signee', 'en_vigueur', 'echue', 'resiliee', 'renouvelee'] as const;
export type ConventionStatus = (typeof CONVENTION_STATUSES)[number];

export const MONEY_DIRECTIONS = ['recette', 'depense', 'sans_flux'] as const;
export type MoneyDirection = (typeof MONEY_DIRECTIONS)[number];

export const CONVENTION_DOCUMENT_KINDS = ['projet', 'signee', 'annexe'] as const;
export type ConventionDocumentKind = (typeof CONVENTION_DOCUMENT_KINDS)[number];

const inList = (values: readonly string[]) => sql.raw(values.map((value) => `'${value}'`).join(', '));

/**
 * Last reference number given per year. Updated in the creating transaction (row lock), so
 * numbers are gapless under concurrency and never reused, even after a convention is deleted.
 */
export const conventionReferenceCounters = pgTable('convention_reference_counters', {
  year: integer('year').primaryKey(),
  lastNumber: integer('last_number').notNull(),
});

/** A convention, accord or avenant with its dates, money and clauses. */
export const conventions = pgTable(
  'conventions',
  {
    id: idColumn(),
    /** CONV-2026-0042: year of creation + per-year sequence. */
    reference: text('reference').notNull(),
    title: text('title').notNull(),
    kind: text('kind').$type<ConventionKind>().notNull(),
    status: text('status').$type<ConventionStatus>().notNull().default('brouillon'),
    /** Avenant → its convention; convention signed under a convention-cadre → the cadre. */
    parentId: uuid('parent_id').references((): AnyPgColumn => conventions.id, { onDelete: 'restrict' }),
    /** An avenant that renews its parent: signing it extends the parent's end date. */
    isRenewal: boolean('is_renewal').notNull().default(false),
    ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'set null' }),
    unitId: uuid('unit_id').references(() => units.id, { onDelete: 'set null' }),
    object: text('object'),
    programmes: text('programmes'),
    signedOn: date('signed_on'),
    startsOn: date('starts_on'),
    endsOn: date('ends_on'),
    noticeMonths: integer('notice_months'),
    tacitRenewal: boolean('tacit_renewal').notNull().default(false),
    /** endsOn − noticeMonths, computed by the service (src/lib/convention-dates.ts). */
    noticeDeadline: date('notice_deadline'),
    amountCents: bigint('amount_cents', { mode: 'number' }),
    currency: text('currency').notNull().default('EUR'),
    moneyDirection: text('money_direction').$type<MoneyDirection>().notNull().default('sans_flux'),
    clauseGdpr: boolean('clause_gdpr').notNull().default(false),
    clauseIntellectualProperty: boolean('clause_intellectual_property').notNull().default(false),
    clauseExclusivity: boolean('clause_exclusivity').notNull().default(false),
    clauseCommunication: boolean('clause_communication').notNull().default(false),
    terminatedOn: date('terminated_on'),
    terminationReason: text('termination_reason'),
    /** Stable key of a seeded record, so re-running the seed is idempotent. */
    sourceRef: text('source_ref'),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    updatedById: uuid('updated_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('conventions_reference_key').on(table.reference),
    uniqueIndex('conventions_source_ref_key').on(table.sourceRef),
    index('conventions_parent_idx').on(table.parentId),
    index('conventions_status_idx').on(table.status),
    index('conventions_kind_idx').on(table.kind),
    index('conventions_unit_idx').on(table.unitId),
    index('conventions_owner_idx').on(table.ownerId),
    index('conventions_ends_on_idx').on(table.endsOn),
    index('conventions_notice_deadline_idx').on(table.noticeDeadline),
    index('conventions_updated_idx').on(table.updatedAt, table.id),
    check('conventions_kind_check', sql`${table.kind} in (${inList(CONVENTION_KINDS)})`),
    check('conventions_status_check', sql`${table.status} in (${inList(CONVENTION_STATUSES)})`),
    check('conventions_money_direction_check', sql`${table.moneyDirection} in (${inList(MONEY_DIRECTIONS)})`),
    check('conventions_avenant_parent_check', sql`${table.kind} <> 'avenant' or ${table.parentId} is not null`),
  ],
);

/** The organisations that sign, each with its signatory and role. */
export const conventionParties = pgTable(
  'convention_parties',
  {
    id: idColumn(),
    conventionId: uuid('convention_id')
      .notNull()
      .references(() => conventions.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    signatoryContactId: uuid('signatory_contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    role: text('role'),
    position: integer('position').notNull().default(0),
  },
  (table) => [
    uniqueIndex('convention_parties_convention_organization_key').on(table.conventionId, table.organizationId),
    index('convention_parties_organization_idx').on(table.organizationId),
  ],
);

/** Payment schedule lines. */
export const conventionPayments = pgTable(
  'convention_payments',
  {
    id: idColumn(),
    conventionId: uuid('convention_id')
      .notNull()
      .references(() => conventions.id, { onDelete: 'cascade' }),
    dueOn: date('due_on').notNull(),
    amountCents: bigint('amount_cents', { mode: 'number' }).notNull(),
    label: text('label'),
    position: integer('position').notNull().default(0),
  },
  (table) => [index('convention_payments_convention_idx').on(table.conventionId, table.dueOn)],
);

/** A document "slot" (the draft, the signed PDF, an annex) whose files are versioned. */
export const conventionDocuments = pgTable(
  'convention_documents',
  {
    id: idColumn(),
    conventionId: uuid('convention_id')
      .notNull()
      .references(() => conventions.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<ConventionDocumentKind>().notNull(),
    title: text('title').notNull(),
    /** Readable only by the convention's units, juristes, finance and admins (docs/conventions.md). */
    confidential: boolean('confidential').notNull().default(false),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (table) => [
    index('convention_documents_convention_idx').on(table.conventionId),
    check('convention_documents_kind_check', sql`${table.kind} in (${inList(CONVENTION_DOCUMENT_KINDS)})`),
  ],
);

/** One uploaded file of a document slot; the bytes live in the document storage under `storageKey`. */
export const conventionDocumentVersions = pgTable(
  'convention_document_versions',
  {
    documentId: uuid('document_id')
      .notNull()
      .references(() => conventionDocuments.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    storageKey: text('storage_key').notNull(),
    fileName: text('file_name').notNull(),
    contentType: text('content_type').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    uploadedById: uuid('uploaded_by_id').references(() => users.id, { onDelete: 'set null' }),
    uploadedAt: timestamp('uploaded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.documentId, table.version] })],
);

export type Convention = typeof conventions.$inferSelect;
export type NewConvention = typeof conventions.$inferInsert;
export type ConventionParty = typeof conventionParties.$inferSelect;
export type ConventionPayment = typeof conventionPayments.$inferSelect;
export type ConventionDocument = typeof conventionDocuments.$inferSelect;
export type ConventionDocumentVersion = typeof conventionDocumentVersions.$inferSelect;
