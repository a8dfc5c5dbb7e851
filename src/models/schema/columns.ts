import { customType, timestamp, uuid } from 'drizzle-orm/pg-core';

/** Opaque ids everywhere (never guessable sequences in URLs). */
export const idColumn = () => uuid('id').primaryKey().defaultRandom();

export const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
export const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

/** PostgreSQL tsvector, for the generated full-text search documents. */
export const tsvector = customType<{ data: string }>({
  dataType() {
    return 'tsvector';
  },
});
