// The audit journal page (/admin/journal): filters, keyset pages, readable labels.
import { z } from 'zod';
import { labelFor, t } from '../lib/i18n';
import { formatDate, formatDateTime, formatEuros, startOfParisDay } from '../lib/format';
import { type AuditReferenceKind, auditReferenceLabels, distinctAuditValues, listAuditEntries } from '../models/audit.model';
import type { Database } from '../models/database';
import type { AuditEntry } from '../models/schema';
import { REMINDER_RULE_CODES } from '../models/reminder-rules';
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
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Catalogue groups of action labels, first match wins. */
const ACTION_GROUPS = ['audits', 'conventionAudits', 'exchangeAudits', 'taskAudits', 'settingAudits', 'eventAudits', 'reminderAudits', 'reciprocityAudits', 'agendaAudits', 'partnerMailAudits', 'eventInvitationAudits', 'sourcingGateAudits', 'sourcingChallengeAudits', 'sourcingStatsAudits', 'sourcingPilotAudits', 'sourcingCaseAudits'];

/** Field labels specific to an entity type, before the journal's common ones (`auditFields`). */
const FIELD_GROUPS: Record<string, string> = { convention: 'conventionFields', setting: 'settingFields', task: 'taskFields', exchange: 'exchangeFields', event: 'eventFields', reminder_rule: 'reminderRuleFields', reminder_preferences: 'reminderPreferenceFields', sourcing_challenge: 'sourcingChallengeFields', sourcing_case: 'sourcingCaseFields' };

/** Fields whose values are codes: the catalogue group naming them, per entity type ('*': any). */
const CODE_FIELDS: Record<string, Record<string, string>> = {
  '*': { roles: 'roles', capabilities: 'users.capabilityLabels' },
  convention: { status: 'conventions.statuses', kind: 'conventions.kinds', moneyDirection: 'conventions.directions', currency: 'conventions.currencies' },
  organization: { status: 'organizations.statuses' },
  task: { status: 'tasks.statuses', priority: 'tasks.priorities' },
  exchange: { kind: 'exchanges.kinds', outcome: 'exchanges.outcomes' },
  contact: { emailOptOutSource: 'partnerMail.sources' },
  event: { kind: 'events.kinds', status: 'events.statuses' },
  sourcing_challenge: { status: 'sourcingChallenges.statuses', outcome: 'sourcingChallenges.outcomes' },
  // A case's entries: its own fields, its committees' and its pilots' (recorded on the case).
  sourcing_case: { stage: 'sourcingCases.stages', fromStage: 'sourcingCases.stages', source: 'sourcingCases.sources', targetStage: 'sourcingCases.stages', decision: 'sourcingPilots.decisions', status: 'sourcingPilots.statuses' },
  // A person's choice per reminder rule (the field is the rule's code): courriel, résumé, aucun.
  reminder_preferences: Object.fromEntries(REMINDER_RULE_CODES.map((code) => [code, 'reminders.preferences.modes'])),
};

/** Fields whose values are ids (or a kind's code): what they refer to, per entity type ('*': any). */
const REFERENCE_FIELDS: Record<string, Record<string, AuditReferenceKind>> = {
  '*': {
    ownerId: 'user',
    userId: 'user',
    assigneeId: 'user',
    delegateId: 'user',
    delegatorId: 'user',
    decisionOwnerId: 'user',
    createdById: 'user',
    updatedById: 'user',
    archivedById: 'user',
    unitId: 'unit',
    unitIds: 'unit',
    organizationId: 'organization',
    contactId: 'contact',
    signatoryContactId: 'contact',
    kindCode: 'organizationKind',
  },
  convention: { parentId: 'convention' },
  task: { conventionId: 'convention', doneById: 'user' },
  organization: { parentId: 'organization', mergedIntoId: 'organization' },
  contact: { mergedIntoId: 'contact' },
  sourcing_case: { challengeId: 'challenge', conventionId: 'convention', sponsorId: 'user', evaluatorIds: 'user', decidedById: 'user' },
};

export function labelAction(action: string): string {
  for (const group of ACTION_GROUPS) {
    const label = labelFor(group, action);
    if (label !== action) return label;
  }
  return action;
}

function fieldLabel(entityType: string, field: string): string {
  const own = FIELD_GROUPS[entityType];
  const label = own ? labelFor(own, field) : field;
  return label !== field ? label : labelFor('auditFields', field);
}

/** A code's French label in a catalogue group, or the code itself when the catalogue does not know it. */
function codeLabel(group: string, value: string): string {
  const key = `${group}.${value}`;
  const label = t(key);
  return label === key ? value : label;
}

/** The catalogue group of a field's coded values: workflow step and run statuses for the circuit's entries. */
function codeGroupOf(entry: { action: string; entityType: string }, field: string): string | undefined {
  if (field === 'status' && entry.action.startsWith('workflow.step_')) return 'workflows.stepStatuses';
  if (field === 'status' && entry.action.startsWith('workflow.run_')) return 'workflows.runStatuses';
  return CODE_FIELDS[entry.entityType]?.[field] ?? CODE_FIELDS['*']?.[field];
}

function referenceKindOf(entityType: string, field: string): AuditReferenceKind | undefined {
  return REFERENCE_FIELDS[entityType]?.[field] ?? REFERENCE_FIELDS['*']?.[field];
}

/** The names of the records a journal value refers to, keyed `kind:id` (see auditReferenceLabels). */
export type ReferenceNames = Map<string, string>;

function display(value: unknown, render: (scalar: string) => string = (scalar) => scalar): string {
  if (value === null || value === undefined || value === '') return '—';
  if (value === true) return 'oui';
  if (value === false) return 'non';
  if (typeof value === 'string' && ISO_INSTANT.test(value)) return formatDateTime(value);
  if (typeof value === 'string' && ISO_DAY.test(value)) return formatDate(value);
  if (Array.isArray(value)) return value.length === 0 ? '—' : value.map((item) => display(item, render)).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return render(String(value));
}

/** Amounts kept in cents (conventions, payments): shown in euros. */
const CENTS_FIELDS = new Set(['amountCents', 'estimatedBudgetCents', 'budgetCents', 'budgetMinCents', 'budgetMaxCents']);

/** One value as people read it: a label for a code, a name for an id (« élément supprimé » when the record is gone). */
function displayValue(entry: { action: string; entityType: string }, field: string, value: unknown, names: ReferenceNames): string {
  if (CENTS_FIELDS.has(field) && typeof value === 'number') return formatEuros(value / 100);
  const group = codeGroupOf(entry, field);
  if (group) return display(value, (code) => codeLabel(group, code));
  const kind = referenceKindOf(entry.entityType, field);
  if (kind) return display(value, (id) => names.get(`${kind}:${id}`) ?? (UUID.test(id) ? t('audit.unknownRecord') : id));
  return display(value);
}

/**
 * A journal row as people read it: labels instead of codes, names instead of ids, one line per
 * changed field. Every journal view (the admin journal, every record's history) goes through it;
 * `names` comes from describeAuditEntries, which looks the referenced records up once per page.
 */
export function describeAuditEntry<Entry extends { action: string; entityType: string; changes: Record<string, { before: unknown; after: unknown }>; metadata?: Record<string, unknown> | null }>(
  entry: Entry,
  names: ReferenceNames = new Map(),
) {
  const metadata = entry.metadata ?? {};
  const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : null);
  return {
    ...entry,
    actionLabel: labelAction(entry.action),
    /** Which workflow step, when the entry is about one. */
    stepLabel: text(metadata.label),
    /** Why: a status change's reason, a decision's comment; a document's entries name the file. */
    note: text(metadata.reason) ?? text(metadata.comment) ?? text(metadata.fileName),
    entityTypeLabel: labelFor('entityTypes', entry.entityType),
    changeList: Object.entries(entry.changes).map(([field, change]) => ({
      field: fieldLabel(entry.entityType, field),
      before: displayValue(entry, field, change.before, names),
      after: displayValue(entry, field, change.after, names),
    })),
  };
}

/** Journal rows described, with the names of every record their values refer to looked up in one go. */
export async function describeAuditEntries<Entry extends Parameters<typeof describeAuditEntry>[0]>(db: Database, entries: Entry[]) {
  const ids: Record<AuditReferenceKind, string[]> = { user: [], unit: [], organization: [], contact: [], convention: [], organizationKind: [], challenge: [] };
  for (const entry of entries) {
    for (const [field, change] of Object.entries(entry.changes)) {
      const kind = referenceKindOf(entry.entityType, field);
      if (!kind) continue;
      for (const value of [change.before, change.after].flat()) {
        if (typeof value === 'string' && (kind === 'organizationKind' || UUID.test(value))) ids[kind].push(value);
      }
    }
  }
  const names = await auditReferenceLabels(db, ids);
  return entries.map((entry) => describeAuditEntry(entry, names));
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
  const views: JournalEntryView[] = await describeAuditEntries(ctx.db, page);
  return {
    query,
    entries: views,
    nextBefore: hasMore ? page[page.length - 1]?.id : undefined,
    actions: options.actions.map((value) => ({ value, label: labelAction(value) })).sort((a, b) => a.label.localeCompare(b.label, 'fr')),
    entityTypes: options.entityTypes.map((value) => ({ value, label: labelFor('entityTypes', value) })),
  };
}
