import { and, desc, eq, gte, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../lib/database';
import { type AuditChanges, type AuditEntry, auditLog } from './schema';

export async function insertAuditEntry(
  db: Database,
  values: {
    actorId: string | null;
    actorLabel: string;
    action: string;
    entityType: string;
    entityId: string;
    changes: AuditChanges;
    metadata: Record<string, unknown>;
    at: Date;
  },
): Promise<void> {
  await db.insert(auditLog).values(values);
}

export interface AuditFilters {
  actorId?: string;
  action?: string;
  entityType?: string;
  entityId?: string;
  from?: Date;
  /** Exclusive upper bound. */
  to?: Date;
  /** Keyset cursor: entries older than this id. */
  before?: number;
  limit: number;
}

/** Newest first, keyset-paginated on the id sequence (the journal only grows). */
export async function listAuditEntries(db: Database, filters: AuditFilters): Promise<AuditEntry[]> {
  const conditions: SQL[] = [];
  if (filters.actorId) conditions.push(eq(auditLog.actorId, filters.actorId));
  if (filters.action) conditions.push(eq(auditLog.action, filters.action));
  if (filters.entityType) conditions.push(eq(auditLog.entityType, filters.entityType));
  if (filters.entityId) conditions.push(eq(auditLog.entityId, filters.entityId));
  if (filters.from) conditions.push(gte(auditLog.at, filters.from));
  if (filters.to) conditions.push(lte(auditLog.at, filters.to));
  if (filters.before) conditions.push(lt(auditLog.id, filters.before));
  return db
    .select()
    .from(auditLog)
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(filters.limit);
}

export async function distinctAuditValues(db: Database): Promise<{ actions: string[]; entityTypes: string[] }> {
  const [actions, entityTypes] = await Promise.all([
    db.selectDistinct({ value: auditLog.action }).from(auditLog).orderBy(auditLog.action),
    db.selectDistinct({ value: auditLog.entityType }).from(auditLog).orderBy(auditLog.entityType),
  ]);
  return { actions: actions.map((row) => row.value), entityTypes: entityTypes.map((row) => row.value) };
}

export async function countAuditEntries(db: Database, where?: SQL): Promise<number> {
  const [row] = await db.select({ value: sql<number>`count(*)::int` }).from(auditLog).where(where);
  return row?.value ?? 0;
}
