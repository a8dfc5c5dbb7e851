import { insertAuditEntry } from '../models/audit.model';
import type { AuditChanges } from '../models/schema';
import type { Database } from '../lib/database';
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
  await insertAuditEntry(tx, auditEntryOf(ctx, record));
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
