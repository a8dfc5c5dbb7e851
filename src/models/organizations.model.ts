import { count, isNull } from 'drizzle-orm';
import type { Database } from '../lib/database';
import { organizations } from './schema';

export async function countActiveOrganizations(db: Database): Promise<number> {
  const [row] = await db.select({ value: count() }).from(organizations).where(isNull(organizations.archivedAt));
  return row?.value ?? 0;
}
