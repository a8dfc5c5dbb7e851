import { and, desc, eq, gte, inArray, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { Database } from './database';
import { type AuditChanges, type AuditEntry, auditLog, contacts, conventions, organizationKinds, organizations, sourcingChallenges, units, users } from './schema';

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

/** Many journal rows in one statement (imports write one per record they create). */
export async function insertAuditEntries(db: Database, values: Array<Parameters<typeof insertAuditEntry>[1]>): Promise<void> {
  if (values.length === 0) return;
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

export interface TimelineEntry {
  id: number;
  at: Date;
  actorLabel: string;
  action: string;
  entityType: string;
  entityId: string;
  changes: AuditChanges;
  metadata: Record<string, unknown>;
}

/**
 * A record's history: its own journal entries plus those of related changes (an affiliation,
 * a merge…) that name it in `metadata.related`.
 */
export async function listTimeline(db: Database, filters: { entityType: string; entityId: string; limit: number; before?: number }): Promise<TimelineEntry[]> {
  const own = and(eq(auditLog.entityType, filters.entityType), eq(auditLog.entityId, filters.entityId));
  // The same expression as the GIN index audit_log_related_idx, so the planner can use it.
  const related = sql`(${auditLog.metadata} -> 'related') @> jsonb_build_array(${filters.entityId}::text)`;
  return db
    .select({
      id: auditLog.id,
      at: auditLog.at,
      actorLabel: auditLog.actorLabel,
      action: auditLog.action,
      entityType: auditLog.entityType,
      entityId: auditLog.entityId,
      changes: auditLog.changes,
      metadata: auditLog.metadata,
    })
    .from(auditLog)
    .where(and(sql`(${own} or ${related})`, filters.before ? lt(auditLog.id, filters.before) : undefined))
    .orderBy(desc(auditLog.id))
    .limit(filters.limit);
}

/** Keeps which fields changed in a record's journal entries, but not their values (GDPR erasure). */
export async function scrubAuditChanges(db: Database, entityType: string, entityId: string): Promise<void> {
  await db.execute(
    sql`update ${auditLog}
        set changes = (select coalesce(jsonb_object_agg(key, jsonb_build_object('before', null, 'after', null)), '{}'::jsonb)
                       from jsonb_object_keys(${auditLog.changes}) as key)
        where ${auditLog.entityType} = ${entityType} and ${auditLog.entityId} = ${entityId}`,
  );
}

/** What a journal value may refer to, by id (or code for organisation kinds). */
export type AuditReferenceKind = 'user' | 'unit' | 'organization' | 'contact' | 'convention' | 'organizationKind' | 'challenge';

/**
 * The readable names of the records journal values refer to (a user's display name, a unit's
 * name, a convention's reference…), keyed `kind:id`. Ids must be UUIDs (kinds: codes).
 */
export async function auditReferenceLabels(db: Database, ids: Record<AuditReferenceKind, string[]>): Promise<Map<string, string>> {
  const pick = <Row extends { id: string; label: string }>(kind: AuditReferenceKind, query: (list: string[]) => Promise<Row[]>) =>
    ids[kind].length === 0 ? Promise.resolve([] as Array<[string, string]>) : query([...new Set(ids[kind])]).then((rows) => rows.map((row) => [`${kind}:${row.id}`, row.label] as [string, string]));
  const groups = await Promise.all([
    pick('user', (list) => db.select({ id: users.id, label: users.displayName }).from(users).where(inArray(users.id, list))),
    pick('unit', (list) => db.select({ id: units.id, label: units.name }).from(units).where(inArray(units.id, list))),
    pick('organization', (list) => db.select({ id: organizations.id, label: organizations.name }).from(organizations).where(inArray(organizations.id, list))),
    pick('contact', (list) =>
      db
        .select({ id: contacts.id, label: sql<string>`trim(${contacts.firstName} || ' ' || ${contacts.lastName})` })
        .from(contacts)
        .where(inArray(contacts.id, list)),
    ),
    pick('convention', (list) => db.select({ id: conventions.id, label: sql<string>`${conventions.reference} || ' — ' || ${conventions.title}` }).from(conventions).where(inArray(conventions.id, list))),
    pick('organizationKind', (list) => db.select({ id: organizationKinds.code, label: organizationKinds.label }).from(organizationKinds).where(inArray(organizationKinds.code, list))),
    pick('challenge', (list) => db.select({ id: sourcingChallenges.id, label: sourcingChallenges.title }).from(sourcingChallenges).where(inArray(sourcingChallenges.id, list))),
  ]);
  return new Map(groups.flat());
}
