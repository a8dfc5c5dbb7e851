import { sql } from 'drizzle-orm';
import { bigint, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './users.schema';

/** Field → [before, after]. Only changed fields are kept. */
export type AuditChanges = Record<string, { before: unknown; after: unknown }>;

/** Who did what to which record, written in the same transaction as the change. */
export const auditLog = pgTable(
  'audit_log',
  {
    // A sequence rather than a UUID: the journal is read newest-first with keyset pagination.
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    /** The actor's name at the time, so the journal stays readable if the account is erased. */
    actorLabel: text('actor_label').notNull(),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id').notNull(),
    changes: jsonb('changes').$type<AuditChanges>().notNull().default({}),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
  },
  (table) => [
    index('audit_log_entity_idx').on(table.entityType, table.entityId, table.id),
    index('audit_log_actor_idx').on(table.actorId, table.id),
    index('audit_log_action_idx').on(table.action, table.id),
    // Timelines find the entries of related changes (an affiliation, a merge, a task) that name a record.
    index('audit_log_related_idx').using('gin', sql`(${table.metadata} -> 'related')`),
  ],
);

export type AuditEntry = typeof auditLog.$inferSelect;
