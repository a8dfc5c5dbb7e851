// « Dernière activité » of organisations and contacts: the directory's « sans activité depuis
// N mois » filter, the dashboard's dormant partners and the GDPR review read it.
import { sql } from 'drizzle-orm';
import type { Database } from './database';
import { contacts, organizations } from './schema';
import { uuidArray } from './sql-arrays';

/**
 * Moves the last activity of these records forward to `at` (never backwards: logging an old
 * meeting does not hide a newer one). An exchange planned in the future is not activity yet:
 * callers pass `least(occurredAt, now)` semantics by giving `at` ≤ now.
 */
export async function touchLastActivity(db: Database, records: { organizationIds: readonly string[]; contactIds: readonly string[] }, at: Date): Promise<void> {
  const iso = at.toISOString();
  if (records.organizationIds.length > 0) {
    await db
      .update(organizations)
      .set({ lastActivityAt: sql`greatest(coalesce(${organizations.lastActivityAt}, ${iso}::timestamptz), ${iso}::timestamptz)` })
      .where(sql`${organizations.id} = any(${uuidArray(records.organizationIds)})`);
  }
  if (records.contactIds.length > 0) {
    await db
      .update(contacts)
      .set({ lastActivityAt: sql`greatest(coalesce(${contacts.lastActivityAt}, ${iso}::timestamptz), ${iso}::timestamptz)` })
      .where(sql`${contacts.id} = any(${uuidArray(records.contactIds)})`);
  }
}
