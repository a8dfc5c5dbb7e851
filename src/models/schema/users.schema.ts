import { sql } from 'drizzle-orm';
import { boolean, check, index, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, idColumn, updatedAt } from './columns';

export const ROLES = ['admin', 'manager', 'charge', 'juriste', 'finance', 'lecteur'] as const;
export type Role = (typeof ROLES)[number];

/** Capabilities an admin grants on top of roles: `dpo` answers data subjects' requests (GDPR export). */
export const CAPABILITIES = ['dpo'] as const;
export type Capability = (typeof CAPABILITIES)[number];

export const UNIT_KINDS = ['direction', 'unite_operationnelle'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

/** Units and directions of the institution (UO Pro, Direction des affaires juridiques…). */
export const units = pgTable(
  'units',
  {
    id: idColumn(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    kind: text('kind').$type<UnitKind>().notNull(),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('units_code_key').on(table.code),
    uniqueIndex('units_name_key').on(table.name),
    check('units_kind_check', sql`${table.kind} in ('direction', 'unite_operationnelle')`),
  ],
);

export const users = pgTable(
  'users',
  {
    id: idColumn(),
    /** Stored lower-cased and trimmed: the login identifier. */
    email: text('email').notNull(),
    displayName: text('display_name').notNull(),
    /** Null until the person chooses a password through a one-time link. */
    passwordHash: text('password_hash'),
    roles: text('roles').array().$type<Role[]>().notNull().default(sql`'{}'::text[]`),
    capabilities: text('capabilities').array().$type<Capability[]>().notNull().default(sql`'{}'::text[]`),
    active: boolean('active').notNull().default(true),
    deactivatedAt: timestamp('deactivated_at', { withTimezone: true }),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    passwordChangedAt: timestamp('password_changed_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('users_email_key').on(table.email),
    check('users_capabilities_check', sql`${table.capabilities} <@ array['dpo']::text[]`),
    check(
      'users_roles_check',
      sql`${table.roles} <@ array['admin','manager','charge','juriste','finance','lecteur']::text[]`,
    ),
  ],
);

export const userUnits = pgTable(
  'user_units',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    unitId: uuid('unit_id')
      .notNull()
      .references(() => units.id, { onDelete: 'restrict' }),
  },
  (table) => [primaryKey({ name: 'user_units_pkey', columns: [table.userId, table.unitId] }), index('user_units_unit_idx').on(table.unitId)],
);

/** express-session rows; user_id is copied out of the data so a user's sessions can be ended at once. */
export const sessions = pgTable(
  'sessions',
  {
    sid: text('sid').primaryKey(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    data: jsonb('data').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (table) => [index('sessions_expires_at_idx').on(table.expiresAt), index('sessions_user_id_idx').on(table.userId)],
);

export const TOKEN_PURPOSES = ['setup', 'invitation', 'password_reset'] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

/** One-time links (first-admin setup, invitation, password reset). Only a SHA-256 of the token is stored. */
export const authTokens = pgTable(
  'auth_tokens',
  {
    id: idColumn(),
    tokenHash: text('token_hash').notNull(),
    purpose: text('purpose').$type<TokenPurpose>().notNull(),
    /** Null for the first-admin setup token: that user does not exist yet. */
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('auth_tokens_token_hash_key').on(table.tokenHash),
    index('auth_tokens_user_id_idx').on(table.userId),
    check('auth_tokens_purpose_check', sql`${table.purpose} in ('setup', 'invitation', 'password_reset')`),
  ],
);

export type Unit = typeof units.$inferSelect;
export type NewUnit = typeof units.$inferInsert;
export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type AuthToken = typeof authTokens.$inferSelect;
