import { and, eq } from 'drizzle-orm';
import type { Database } from './database';
import { restrictedFields } from './schema';

export async function listRestrictedFields(db: Database, entityType: string): Promise<string[]> {
  const rows = await db.select({ field: restrictedFields.field }).from(restrictedFields).where(eq(restrictedFields.entityType, entityType));
  return rows.map((row) => row.field);
}

export async function replaceRestrictedFields(db: Database, entityType: string, fields: string[], actorId: string | null): Promise<void> {
  await db.delete(restrictedFields).where(and(eq(restrictedFields.entityType, entityType)));
  if (fields.length > 0) {
    await db.insert(restrictedFields).values(fields.map((field) => ({ entityType, field, restrictedById: actorId })));
  }
}
