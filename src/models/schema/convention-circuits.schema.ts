import { sql } from 'drizzle-orm';
import { check, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { CONVENTION_KINDS, type ConventionKind } from './conventions.schema';
import { users } from './users.schema';

const inList = (values: readonly string[]) => sql.raw(values.map((value) => `'${value}'`).join(', '));

/**
 * Which approval circuit a new submission of each convention kind starts (reference data an
 * admin changes at /admin/circuits-des-conventions). The key names a definition in code
 * (src/workflows/definitions), so it cannot be a foreign key: the service checks it on save.
 * A kind without a row uses the default circuit. Runs copy their definition at start, so a
 * change here only affects later submissions.
 */
export const conventionKindCircuits = pgTable(
  'convention_kind_circuits',
  {
    kind: text('kind').$type<ConventionKind>().primaryKey(),
    definitionKey: text('definition_key').notNull(),
    updatedById: uuid('updated_by_id').references(() => users.id, { onDelete: 'set null' }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [check('convention_kind_circuits_kind_check', sql`${table.kind} in (${inList(CONVENTION_KINDS)})`)],
);

export type ConventionKindCircuit = typeof conventionKindCircuits.$inferSelect;
