// One record's history (an organisation, a contact, a convention) as ONE stream: its exchanges,
// its tasks (created, done), its journal entries (changes, circuit events, documents, merges)
// and its circuit reminders, read by one statement that also counts each type. Confidential
// exchanges are filtered inside the statement (exchangeVisibleTo), so neither the entries nor
// the counts reveal them; a task that is the next step of such an exchange goes with it.
// Sourcing (issue 14): a case's stream is its journal entries (stage moves, gates, pilots, the
// engine's circuit events), the exchanges about it and its tasks; a challenge's adds its own
// entries to those of its cases; an organisation's adds its cases'. Which cases a reader may
// see (confidential ones) is decided by the caller, who passes only those ids.
import { sql, type SQL } from 'drizzle-orm';
import { type Database, rowsOf } from './database';
import { type ExchangeViewer, exchangeVisibleTo } from './exchange-visibility';
import {
  affiliations,
  auditLog,
  conventionDocuments,
  conventionParties,
  conventions,
  eventInvitations,
  eventOrganizations,
  events,
  exchangeContacts,
  exchangeOrganizations,
  exchanges,
  organizations,
  tasks,
  users,
  workflowRuns,
  workflowSteps,
} from './schema';
import { textArray, uuidArray } from './sql-arrays';

/** The types a reader filters on (URL values, French). */
export const TIMELINE_TYPES = ['echange', 'evenement', 'tache', 'modification', 'circuit', 'document', 'fusion', 'sourcing'] as const;
export type TimelineType = (typeof TIMELINE_TYPES)[number];

/** The records whose entries make the stream (one for a contact or a convention; an organisation may add its contacts and conventions). */
export interface TimelineScope {
  organizationIds: string[];
  contactIds: string[];
  conventionIds: string[];
  /** Sourcing cases (« pistes ») the reader may see: their entries, the exchanges about them, their tasks. */
  caseIds?: string[];
  /** Sourcing challenges (« défis »): their own journal entries. */
  challengeIds?: string[];
}

/** Position in the stream, newest first: entries strictly after it come next. */
export interface TimelineCursor {
  /** The instant to the microsecond, UTC, as the statement prints it (`2026-12-05T10:00:00.123456Z`). */
  atKey: string;
  type: TimelineType;
  sortId: string;
}

export interface TimelineQuery {
  scope: TimelineScope;
  viewer: ExchangeViewer;
  types: readonly TimelineType[];
  from?: Date;
  /** Exclusive upper bound. */
  to?: Date;
  after?: TimelineCursor;
  limit: number;
  /** Whether the reader may see exchanges and tasks at all. */
  withExchanges: boolean;
  withTasks: boolean;
  /** Whether the reader may see events (absent: yes). */
  withEvents?: boolean;
}

interface RowBase {
  type: TimelineType;
  at: Date;
  atKey: string;
  sortId: string;
}

export interface ExchangeRow extends RowBase {
  source: 'exchange';
  id: string;
  kind: string;
  occurredAt: Date;
  summary: string;
  outcome: string | null;
  confidential: boolean;
  authorName: string | null;
  organizations: Array<{ id: string; name: string }>;
}

export interface TaskRow extends RowBase {
  source: 'task_created' | 'task_done';
  id: string;
  title: string;
  dueOn: string;
  status: string;
  priority: string;
  assigneeName: string | null;
  /** Who created it (created entry) or did it (done entry). */
  byName: string | null;
}

export interface AuditRow extends RowBase {
  source: 'audit';
  id: number;
  actorLabel: string;
  action: string;
  entityType: string;
  entityId: string;
  changes: Record<string, { before: unknown; after: unknown }>;
  metadata: Record<string, unknown>;
  /** For a document's entries: the document is confidential, and the convention it belongs to (who may see it). */
  document: { confidential: boolean; conventionOwnerId: string | null; conventionUnitId: string | null } | null;
}

export interface ReminderRow extends RowBase {
  source: 'reminder';
  id: string;
  stepLabel: string;
  /** The run's subject: a convention, or a sourcing case (its committee). */
  subjectType: string;
  conventionId: string;
  assigneeName: string | null;
}

/** A reciprocity event the scope's organisations were concerned by or attended, or its contacts were invited to. */
export interface EventRow extends RowBase {
  source: 'event';
  id: string;
  kind: string;
  title: string;
  startsAt: Date;
  status: string;
  /** One of the scope's organisations attended (or one of its contacts was present). */
  attended: boolean;
  /** The organisations that attended. */
  organizations: Array<{ id: string; name: string }>;
}

export type TimelineRow = ExchangeRow | TaskRow | AuditRow | ReminderRow | EventRow;

export interface TimelinePage {
  rows: TimelineRow[];
  /** Entries of each type matching the period (not the type filter), visible to the viewer. */
  counts: Record<TimelineType, number>;
  hasMore: boolean;
}

const AT_KEY = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The organisation's current contacts and the conventions it is party to (the page's « avec » toggle). */
export async function organizationTimelineScope(db: Database, organizationId: string, include: { contacts: boolean; conventions: boolean }): Promise<TimelineScope> {
  const [contactRows, conventionRows] = await Promise.all([
    include.contacts
      ? rowsOf<{ id: string }>(await db.execute(sql`select distinct ${affiliations.contactId} as id from ${affiliations} where ${affiliations.organizationId} = ${organizationId} and ${affiliations.endDate} is null`))
      : [],
    include.conventions
      ? rowsOf<{ id: string }>(await db.execute(sql`select ${conventionParties.conventionId} as id from ${conventionParties} where ${conventionParties.organizationId} = ${organizationId}`))
      : [],
  ]);
  return { organizationIds: [organizationId], contactIds: contactRows.map((row) => row.id), conventionIds: conventionRows.map((row) => row.id) };
}

/** The exchanges of the scope: linked to its organisations or contacts, or about its conventions (ids deduplicated). */
function exchangeIdsOf(scope: TimelineScope): SQL | null {
  const parts: SQL[] = [];
  if (scope.organizationIds.length > 0) {
    parts.push(sql`select ${exchangeOrganizations.exchangeId} as exchange_id, ${exchangeOrganizations.occurredAt} as occurred_at from ${exchangeOrganizations} where ${exchangeOrganizations.organizationId} = any(${uuidArray(scope.organizationIds)})`);
  }
  if (scope.contactIds.length > 0) {
    parts.push(sql`select ${exchangeContacts.exchangeId}, ${exchangeContacts.occurredAt} from ${exchangeContacts} where ${exchangeContacts.contactId} = any(${uuidArray(scope.contactIds)})`);
  }
  if (scope.conventionIds.length > 0) {
    parts.push(sql`select ${exchanges.id}, ${exchanges.occurredAt} from ${exchanges} where ${exchanges.subjectType} = 'convention' and ${exchanges.subjectId} = any(${uuidArray(scope.conventionIds)})`);
  }
  if (scope.caseIds && scope.caseIds.length > 0) {
    parts.push(sql`select ${exchanges.id}, ${exchanges.occurredAt} from ${exchanges} where ${exchanges.subjectType} = 'sourcing_case' and ${exchanges.subjectId} = any(${uuidArray(scope.caseIds)})`);
  }
  if (parts.length === 0) return null;
  return sql.join(parts, sql` union `);
}

function auditScopeOf(scope: TimelineScope): SQL {
  const own: SQL[] = [];
  const ids: string[] = [];
  for (const [entityType, list] of [
    ['organization', scope.organizationIds],
    ['contact', scope.contactIds],
    ['convention', scope.conventionIds],
  ] as const) {
    if (list.length === 0) continue;
    own.push(sql`(${auditLog.entityType} = ${entityType} and ${auditLog.entityId} = any(${textArray(list)}))`);
    ids.push(...list);
  }
  // Cases and challenges: their own entries (gates, pilots and the engine write on the case).
  for (const [entityType, list] of [
    ['sourcing_case', scope.caseIds ?? []],
    ['sourcing_challenge', scope.challengeIds ?? []],
  ] as const) {
    if (list.length > 0) own.push(sql`(${auditLog.entityType} = ${entityType} and ${auditLog.entityId} = any(${textArray(list)}))`);
  }
  if (own.length === 0 && ids.length === 0) return sql`false`;
  // Entries of related changes that name the record (an affiliation, a merge…): one @> per id,
  // so an index on (metadata -> 'related') can answer each.
  const related = ids.map((id) => sql`(${auditLog.metadata} -> 'related') @> jsonb_build_array(${id}::text)`);
  return sql`(${sql.join([...own, ...related], sql` or `)})`;
}

/**
 * One page of the stream, newest first (at desc, type desc, sortId desc — a total order, so pages
 * neither skip nor repeat entries sharing an instant), and the count of each type.
 */
export async function readTimelinePage(db: Database, query: TimelineQuery): Promise<TimelinePage> {
  const { scope, viewer } = query;
  const visible = exchangeVisibleTo(viewer);
  const branches: SQL[] = [];

  const exchangeIds = query.withExchanges ? exchangeIdsOf(scope) : null;
  if (exchangeIds) {
    branches.push(sql`select 'echange'::text as type, linked.occurred_at as at, ${exchanges.id}::text as sort_id, 'exchange'::text as source, ${exchanges.id}::text as ref
      from (${exchangeIds}) as linked(exchange_id, occurred_at) join ${exchanges} on ${exchanges.id} = linked.exchange_id
      where ${visible}`);
  }

  const taskLinks: SQL[] = [];
  if (scope.organizationIds.length > 0) taskLinks.push(sql`${tasks.organizationId} = any(${uuidArray(scope.organizationIds)})`);
  if (scope.contactIds.length > 0) taskLinks.push(sql`${tasks.contactId} = any(${uuidArray(scope.contactIds)})`);
  if (scope.conventionIds.length > 0) taskLinks.push(sql`${tasks.conventionId} = any(${uuidArray(scope.conventionIds)})`);
  if (scope.caseIds && scope.caseIds.length > 0) taskLinks.push(sql`${tasks.sourcingCaseId} = any(${uuidArray(scope.caseIds)})`);
  if (query.withTasks && taskLinks.length > 0) {
    branches.push(sql`select 'tache'::text, step.at, ${tasks.id}::text || step.suffix, step.source, ${tasks.id}::text
      from ${tasks}
      cross join lateral (values (${tasks.createdAt}, ':1', 'task_created'), (${tasks.doneAt}, ':2', 'task_done')) as step(at, suffix, source)
      where (${sql.join(taskLinks, sql` or `)}) and step.at is not null
        and (${tasks.exchangeId} is null or exists (select 1 from ${exchanges} where ${exchanges.id} = ${tasks.exchangeId} and ${visible}))`);
  }

  // Events: concerning or attended by the scope's organisations, or to which its contacts were invited (ids deduplicated).
  const eventLinks: SQL[] = [];
  if (scope.organizationIds.length > 0) {
    eventLinks.push(sql`select ${eventOrganizations.eventId} as event_id, ${eventOrganizations.startsAt} as starts_at, ${eventOrganizations.attended} as attended
      from ${eventOrganizations} where ${eventOrganizations.organizationId} = any(${uuidArray(scope.organizationIds)})`);
  }
  if (scope.contactIds.length > 0) {
    eventLinks.push(sql`select ${eventInvitations.eventId}, ${events.startsAt}, coalesce(${eventInvitations.attendance} = 'present', false)
      from ${eventInvitations} join ${events} on ${events.id} = ${eventInvitations.eventId} where ${eventInvitations.contactId} = any(${uuidArray(scope.contactIds)})`);
  }
  if (query.withEvents !== false && eventLinks.length > 0) {
    branches.push(sql`select 'evenement', linked.starts_at, linked.event_id::text, case when bool_or(linked.attended) then 'event_attended' else 'event' end, linked.event_id::text
      from (${sql.join(eventLinks, sql` union all `)}) as linked(event_id, starts_at, attended)
      group by linked.event_id, linked.starts_at`);
  }

  // Journal entries of exchanges, tasks and events are told by their own entries above.
  branches.push(sql`select case
        when ${auditLog.action} like '%.merged' or ${auditLog.action} like '%.merge_undone' then 'fusion'
        when ${auditLog.action} like 'convention.document%' then 'document'
        when ${auditLog.action} like 'workflow.%' then 'circuit'
        when ${auditLog.entityType} in ('sourcing_case', 'sourcing_challenge') then 'sourcing'
        else 'modification' end,
      ${auditLog.at}, lpad(${auditLog.id}::text, 20, '0'), 'audit', ${auditLog.id}::text
    from ${auditLog}
    where ${auditScopeOf(scope)} and ${auditLog.entityType} not in ('exchange', 'task', 'event')`);

  // Circuit reminders are not journaled: the step's reminded_at tells them (not the mark left on an already escalated step).
  const runSubjects: SQL[] = [];
  if (scope.conventionIds.length > 0) runSubjects.push(sql`(${workflowRuns.subjectType} = 'convention' and ${workflowRuns.subjectId} = any(${textArray(scope.conventionIds)}))`);
  if (scope.caseIds && scope.caseIds.length > 0) runSubjects.push(sql`(${workflowRuns.subjectType} = 'sourcing_case' and ${workflowRuns.subjectId} = any(${textArray(scope.caseIds)}))`);
  if (runSubjects.length > 0) {
    branches.push(sql`select 'circuit', ${workflowSteps.remindedAt}, ${workflowSteps.id}::text, 'reminder', ${workflowSteps.id}::text
      from ${workflowSteps} join ${workflowRuns} on ${workflowRuns.id} = ${workflowSteps.runId}
      where (${sql.join(runSubjects, sql` or `)})
        and ${workflowSteps.remindedAt} is not null and (${workflowSteps.escalatedAt} is null or ${workflowSteps.remindedAt} < ${workflowSteps.escalatedAt})`);
  }

  const period: SQL[] = [sql`true`];
  if (query.from) period.push(sql`entry.at >= ${query.from.toISOString()}::timestamptz`);
  if (query.to) period.push(sql`entry.at < ${query.to.toISOString()}::timestamptz`);
  const after = query.after
    ? sql`and (page_entry.at, page_entry.type, page_entry.sort_id) < (${query.after.atKey}::timestamptz, ${query.after.type}::text, ${query.after.sortId}::text)`
    : sql``;
  const types = query.types.length > 0 ? query.types : TIMELINE_TYPES;

  const eventDetail = sql`select jsonb_build_object(
      'id', ${events.id}, 'kind', ${events.kind}, 'title', ${events.title}, 'startsAt', ${events.startsAt}, 'status', ${events.status},
      'attended', page.source = 'event_attended',
      'organizations', coalesce((select jsonb_agg(jsonb_build_object('id', ${organizations.id}, 'name', ${organizations.name}) order by ${organizations.name})
        from ${eventOrganizations} join ${organizations} on ${organizations.id} = ${eventOrganizations.organizationId}
        where ${eventOrganizations.eventId} = ${events.id} and ${eventOrganizations.attended}), '[]'::jsonb))
    from ${events} where ${events.id} = page.ref::uuid`;

  const statement = sql`with entries as materialized (
      select entry.* from (${sql.join(branches, sql` union all `)}) as entry(type, at, sort_id, source, ref) where ${sql.join(period, sql` and `)}
    ),
    page as (
      select * from entries as page_entry
      where page_entry.type = any(${textArray([...types])}) ${after}
      order by page_entry.at desc, page_entry.type desc, page_entry.sort_id desc
      limit ${query.limit + 1}
    )
    select 'count' as row_kind, type, count(*)::int as n, null::timestamptz as at, null::text as at_key, null::text as sort_id, null::text as source, null::jsonb as detail
    from entries group by type
    union all
    select 'entry', page.type, 0, page.at, ${AT_KEY(sql`page.at`)}, page.sort_id, page.source,
      case page.source
        when 'exchange' then (
          select jsonb_build_object(
            'id', ${exchanges.id}, 'kind', ${exchanges.kind}, 'occurredAt', ${exchanges.occurredAt}, 'summary', ${exchanges.summary},
            'outcome', ${exchanges.outcome}, 'confidential', ${exchanges.confidential},
            'authorName', (select ${users.displayName} from ${users} where ${users.id} = ${exchanges.authorId}),
            'organizations', coalesce((select jsonb_agg(jsonb_build_object('id', ${organizations.id}, 'name', ${organizations.name}) order by ${organizations.name})
              from ${exchangeOrganizations} join ${organizations} on ${organizations.id} = ${exchangeOrganizations.organizationId}
              where ${exchangeOrganizations.exchangeId} = ${exchanges.id}), '[]'::jsonb))
          from ${exchanges} where ${exchanges.id} = page.ref::uuid)
        when 'audit' then (
          select jsonb_build_object(
            'id', ${auditLog.id}, 'actorLabel', ${auditLog.actorLabel}, 'action', ${auditLog.action}, 'entityType', ${auditLog.entityType},
            'entityId', ${auditLog.entityId}, 'changes', ${auditLog.changes}, 'metadata', ${auditLog.metadata},
            'document', (select jsonb_build_object('confidential', ${conventionDocuments.confidential}, 'conventionOwnerId', ${conventions.ownerId}, 'conventionUnitId', ${conventions.unitId})
              from ${conventionDocuments} join ${conventions} on ${conventions.id} = ${conventionDocuments.conventionId}
              where ${conventionDocuments.id}::text = ${auditLog.metadata} ->> 'documentId'))
          from ${auditLog} where ${auditLog.id} = page.ref::bigint)
        when 'event' then (${eventDetail})
        when 'event_attended' then (${eventDetail})
        when 'reminder' then (
          select jsonb_build_object('id', ${workflowSteps.id}, 'stepLabel', ${workflowSteps.label}, 'subjectType', ${workflowRuns.subjectType}, 'conventionId', ${workflowRuns.subjectId},
            'assigneeName', (select ${users.displayName} from ${users} where ${users.id} = ${workflowSteps.assigneeUserId}))
          from ${workflowSteps} join ${workflowRuns} on ${workflowRuns.id} = ${workflowSteps.runId} where ${workflowSteps.id} = page.ref::uuid)
        else (
          select jsonb_build_object(
            'id', ${tasks.id}, 'title', ${tasks.title}, 'dueOn', ${tasks.dueOn}, 'status', ${tasks.status}, 'priority', ${tasks.priority},
            'assigneeName', (select ${users.displayName} from ${users} where ${users.id} = ${tasks.assigneeId}),
            'byName', (select ${users.displayName} from ${users} where ${users.id} = case page.source when 'task_done' then ${tasks.doneById} else ${tasks.createdById} end))
          from ${tasks} where ${tasks.id} = page.ref::uuid)
      end
    from page
    order by row_kind, at desc, type desc, sort_id desc`;

  const result = rowsOf<{ row_kind: string; type: TimelineType; n: number; at: Date | string | null; at_key: string | null; sort_id: string | null; source: string | null; detail: Record<string, unknown> | string | null }>(
    await db.execute(statement),
  );
  const counts = Object.fromEntries(TIMELINE_TYPES.map((type) => [type, 0])) as Record<TimelineType, number>;
  const rows: TimelineRow[] = [];
  for (const row of result) {
    if (row.row_kind === 'count') {
      counts[row.type] = Number(row.n);
      continue;
    }
    const detail = (typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail) as Record<string, unknown> | null;
    if (!detail) continue;
    const base = { type: row.type, at: new Date(row.at as string | Date), atKey: String(row.at_key), sortId: String(row.sort_id) };
    if (row.source === 'exchange') {
      rows.push({ ...base, source: 'exchange', ...(detail as Omit<ExchangeRow, keyof RowBase | 'source'>), occurredAt: new Date(String(detail.occurredAt)) });
    } else if (row.source === 'audit') {
      rows.push({ ...base, source: 'audit', ...(detail as Omit<AuditRow, keyof RowBase | 'source'>), id: Number(detail.id) });
    } else if (row.source === 'event' || row.source === 'event_attended') {
      rows.push({ ...base, source: 'event', ...(detail as Omit<EventRow, keyof RowBase | 'source'>), startsAt: new Date(String(detail.startsAt)) });
    } else if (row.source === 'reminder') {
      rows.push({ ...base, source: 'reminder', ...(detail as Omit<ReminderRow, keyof RowBase | 'source'>) });
    } else {
      rows.push({ ...base, source: row.source as TaskRow['source'], ...(detail as Omit<TaskRow, keyof RowBase | 'source'>) });
    }
  }
  const hasMore = rows.length > query.limit;
  return { rows: rows.slice(0, query.limit), counts, hasMore };
}
