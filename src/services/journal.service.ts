// The audit journal page (/admin/journal): filters, keyset pages, readable labels.
import { z } from 'zod';
import { labelFor } from '../lib/i18n';
import { formatDateTime, startOfParisDay } from '../lib/format';
import { distinctAuditValues, listAuditEntries } from '../models/audit.model';
import type { AuditEntry } from '../models/schema';
import type { ServiceContext } from './context';
import { assertCan } from './permissions';

export const JOURNAL_PAGE_SIZE = 50;

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const journalQuerySchema = z.object({
  actor: z.uuid().optional().catch(undefined),
  action: z.string().max(80).optional().catch(undefined),
  entityType: z.string().max(80).optional().catch(undefined),
  entityId: z.string().max(200).optional().catch(undefined),
  from: isoDay.optional().catch(undefined),
  to: isoDay.optional().catch(undefined),
  before: z.coerce.number().int().positive().optional().catch(undefined),
});
export type JournalQuery = z.infer<typeof journalQuerySchema>;

export interface JournalEntryView extends AuditEntry {
  actionLabel: string;
  entityTypeLabel: string;
  changeList: Array<{ field: string; before: string; after: string }>;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function display(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (value === true) return 'oui';
  if (value === false) return 'non';
  if (typeof value === 'string' && ISO_INSTANT.test(value)) return formatDateTime(value);
  if (Array.isArray(value)) return value.length === 0 ? '—' : value.map(display).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function labelAction(action: string): string {
  return labelFor('audits', action);
}

/** A journal row as people read it: labels instead of codes, one line per changed field. */
export function describeAuditEntry<Entry extends { action: string; entityType: string; changes: Record<string, { before: unknown; after: unknown }>; metadata?: Record<string, unknown> | null }>(
  entry: Entry,
) {
  const metadata = entry.metadata ?? {};
  const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : null);
  return {
    ...entry,
    actionLabel: labelAction(entry.action),
    /** Which workflow step, when the entry is about one. */
    stepLabel: text(metadata.label),
    /** Why: a status change's reason, a decision's comment. */
    note: text(metadata.reason) ?? text(metadata.comment),
    entityTypeLabel: labelFor('entityTypes', entry.entityType),
    changeList: Object.entries(entry.changes).map(([field, change]) => ({
      field: labelFor('auditFields', field),
      before: display(change.before),
      after: display(change.after),
    })),
  };
}

export async function readJournal(ctx: ServiceContext, rawQuery: unknown) {
  assertCan(ctx.actor, 'audit.read');
  const query = journalQuerySchema.parse(rawQuery ?? {});
  const toExclusive = query.to ? new Date(startOfParisDay(query.to).getTime() + 24 * 3600_000 - 1) : undefined;
  const [entries, options] = await Promise.all([
    listAuditEntries(ctx.db, {
      actorId: query.actor,
      action: query.action || undefined,
      entityType: query.entityType || undefined,
      entityId: query.entityId || undefined,
      from: query.from ? startOfParisDay(query.from) : undefined,
      to: toExclusive,
      before: query.before,
      limit: JOURNAL_PAGE_SIZE + 1,
    }),
    distinctAuditValues(ctx.db),
  ]);
  const hasMore = entries.length > JOURNAL_PAGE_SIZE;
  const page = entries.slice(0, JOURNAL_PAGE_SIZE);
  const views: JournalEntryView[] = page.map((entry) => describeAuditEntry(entry));
  return {
    query,
    entries: views,
    nextBefore: hasMore ? page[page.length - 1]?.id : undefined,
    actions: options.actions.map((value) => ({ value, label: labelAction(value) })),
    entityTypes: options.entityTypes.map((value) => ({ value, label: labelFor('entityTypes', value) })),
  };
}
