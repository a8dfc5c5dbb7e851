import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { createdAt, idColumn, updatedAt } from './columns';
import { users } from './users.schema';

/**
 * Kinds of partner body (université, CREPS, CFA…). Reference data an admin can extend,
 * so a kind is a row, not an enum.
 */
export const organizationKinds = pgTable(
  'organization_kinds',
  {
    code: text('code').primaryKey(),
    label: text('label').notNull(),
    position: integer('position').notNull().default(100),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
  },
  (table) => [uniqueIndex('organization_kinds_label_key').on(table.label)],
);

export const ORGANIZATION_STATUSES = ['prospect', 'actif', 'en_sommeil', 'ancien'] as const;
export type OrganizationStatus = (typeof ORGANIZATION_STATUSES)[number];

/** Partner bodies. First cut: the partner-directory issue adds contacts, search and more fields. */
export const organizations = pgTable(
  'organizations',
  {
    id: idColumn(),
    name: text('name').notNull(),
    acronym: text('acronym'),
    kindCode: text('kind_code')
      .notNull()
      .references(() => organizationKinds.code, { onUpdate: 'cascade' }),
    status: text('status').$type<OrganizationStatus>().notNull().default('prospect'),
    siret: text('siret'),
    uai: text('uai').array().notNull().default(sql`'{}'::text[]`),
    website: text('website'),
    email: text('email'),
    phone: text('phone'),
    addressLine: text('address_line'),
    postalCode: text('postal_code'),
    city: text('city'),
    departmentCode: text('department_code'),
    regionCode: text('region_code'),
    description: text('description'),
    parentId: uuid('parent_id').references((): AnyPgColumn => organizations.id, { onDelete: 'set null' }),
    ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'set null' }),
    /** Stable key of an imported or seeded record (e.g. `wikidata:Q4027`), so re-running is idempotent. */
    sourceRef: text('source_ref'),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    updatedById: uuid('updated_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('organizations_source_ref_key').on(table.sourceRef),
    index('organizations_kind_idx').on(table.kindCode),
    index('organizations_parent_idx').on(table.parentId),
    index('organizations_siret_idx').on(table.siret),
    check('organizations_status_check', sql`${table.status} in ('prospect', 'actif', 'en_sommeil', 'ancien')`),
  ],
);

export type OrganizationKind = typeof organizationKinds.$inferSelect;
export type Organization = typeof organizations.$inferSelect;
export type NewOrganization = typeof organizations.$inferInsert;
