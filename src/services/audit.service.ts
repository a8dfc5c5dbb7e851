import { insertAuditEntries, insertAuditEntry } from '../models/audit.model';
import type { AuditChanges } from '../models/schema';
import type { Database } from '../models/database';
import type { ServiceContext } from './context';

/** Fields never copied into the journal. */
const HIDDEN_FIELDS = new Set(['passwordHash', 'tokenHash', 'updatedAt', 'createdAt']);

function comparable(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return [...value].map(comparable).sort();
  return value ?? null;
}

/** Field-level difference between two versions of a record (null for created/deleted). */
export function diffRecords(before: Record<string, unknown> | null, after: Record<string, unknown> | null): AuditChanges {
  const changes: AuditChanges = {};
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  for (const key of keys) {
    if (HIDDEN_FIELDS.has(key)) continue;
    const previous = comparable(before?.[key]);
    const next = comparable(after?.[key]);
    if (JSON.stringify(previous) !== JSON.stringify(next)) changes[key] = { before: previous, after: next };
  }
  return changes;
}

export interface AuditRecord {
  action: string;
  entityType: string;
  entityId: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  metadata?: Record<string, unknown>;
}

/**
 * Writes one journal row. Call it with the transaction that makes the change, so the change
 * and its record commit or roll back together.
 */
export async function recordAudit(tx: Database, ctx: ServiceContext, record: AuditRecord): Promise<void> {
  const batch = batchedEntries.get(tx);
  if (batch) batch.push(auditEntryOf(ctx, record));
  else await insertAuditEntry(tx, auditEntryOf(ctx, record));
}

/** Journal rows recorded inside `batchAuditRows` and not written yet, per transaction. */
const batchedEntries = new WeakMap<Database, AuditEntryRow[]>();
export type AuditEntryRow = ReturnType<typeof auditEntryOf>;

/**
 * Runs `work` with every recordAudit(tx, …) of it kept in memory, then hands them to `write`
 * (by default one multi-row INSERT) in the order they were recorded (the journal's id order),
 * still inside the transaction: a change and its journal rows commit or roll back together.
 * Used by the workflow engine, whose transitions record several rows each (theirs and the
 * subject's) and write them with their other rows in one statement. Nothing in `work` may read
 * back the journal rows it recorded. Nested calls join the outer batch.
 */
export async function batchAuditRows<T>(
  tx: Database,
  work: () => Promise<T>,
  write: (entries: AuditEntryRow[]) => Promise<void> = (entries) => insertAuditEntries(tx, entries),
): Promise<T> {
  if (batchedEntries.has(tx)) return work();
  const entries: AuditEntryRow[] = [];
  batchedEntries.set(tx, entries);
  try {
    const result = await work();
    batchedEntries.delete(tx);
    await write(entries);
    return result;
  } finally {
    batchedEntries.delete(tx);
  }
}

/** The journal row for a record, for callers that write many rows at once (insertAuditEntries). */
export function auditEntryOf(ctx: ServiceContext, record: AuditRecord) {
  return {
    actorId: ctx.actor?.id ?? null,
    actorLabel: ctx.actor ? `${ctx.actor.displayName} <${ctx.actor.email}>` : 'Système',
    action: record.action,
    entityType: record.entityType,
    entityId: record.entityId,
    changes: diffRecords(record.before ?? null, record.after ?? null),
    metadata: { ...(ctx.requestId ? { requestId: ctx.requestId } : {}), ...(ctx.ip ? { ip: ctx.ip } : {}), ...record.metadata },
    at: ctx.now,
  };
}
