// One timeline per record (issue 12): the organisation, contact and convention pages show one
// stream of exchanges, tasks, journal changes, circuit events, documents and merges, filtered by
// type and period, paginated by cursor (« Voir plus »). Read by readTimelinePage (one statement,
// confidential exchanges left out inside it), described here for people: French labels, names.
// Issue 14 adds the sourcing case's and the challenge's timelines (/sourcing/historique/…), and
// an organisation's shows its cases' entries; confidential cases only to who may read them.
import { z } from 'zod';
import { NotFoundError } from '../lib/errors';
import { formatDate, startOfParisDay } from '../lib/format';
import { labelFor, t } from '../lib/i18n';
import { auditReferenceLabels } from '../models/audit.model';
import { findContactById } from '../models/contacts.model';
import { findConventionById } from '../models/conventions.model';
import { findOrganizationById } from '../models/organizations.model';
import { findChallenge } from '../models/sourcing-challenges.model';
import { caseLabel, caseLabels, isEvaluatorOfCase, visibleCaseIdsOfChallenge, visibleCaseIdsOfOrganizations } from '../models/sourcing-links.model';
import {
  type AuditRow,
  TIMELINE_TYPES,
  type TimelineCursor,
  type TimelineRow,
  type TimelineScope,
  type TimelineType,
  organizationTimelineScope,
  readTimelinePage,
} from '../models/timeline.model';
import type { ServiceContext } from './context';
import { maySeeConfidential } from './conventions.service';
import { describeAuditEntries } from './journal.service';
import { caseSubjectLabel } from './exchanges.service';
import { assertCan, can } from './permissions';
import { canReadCase, caseViewerOf } from './sourcing-cases.service';

export const TIMELINE_PAGE_SIZE = 25;

export type TimelineSubjectType = 'organization' | 'contact' | 'convention' | 'sourcing_case' | 'sourcing_challenge';
export interface TimelineSubject {
  type: TimelineSubjectType;
  id: string;
}

const WITH_OPTIONS = ['contacts', 'conventions'] as const;
type WithOption = (typeof WITH_OPTIONS)[number];

/** Where each record's page lives. */
const BASES: Record<TimelineSubjectType, string> = {
  organization: '/structures',
  contact: '/contacts',
  convention: '/conventions',
  sourcing_case: '/sourcing/pistes',
  sourcing_challenge: '/sourcing/defis',
};

/** Where each subject's timeline lives (its fragment and its page without JavaScript). */
function timelineBase(subject: TimelineSubject): string {
  if (subject.type === 'sourcing_case') return `/sourcing/historique/pistes/${subject.id}`;
  if (subject.type === 'sourcing_challenge') return `/sourcing/historique/defis/${subject.id}`;
  return `${BASES[subject.type]}/${subject.id}/historique`;
}

/** Where a record's own page is (the timeline page's « back » link). */
export function recordHrefOf(subject: TimelineSubject): string {
  return `${BASES[subject.type]}/${subject.id}`;
}

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)));

/** A comma list (`types=echange,tache`) or repeated fields (ticked boxes), unknown values dropped. */
function listOf<Value extends string>(allowed: readonly Value[]) {
  return z
    .union([z.string(), z.array(z.string())])
    .optional()
    .catch(undefined)
    .transform((value) => {
      const items = (Array.isArray(value) ? value : value === undefined ? [] : [value]).flatMap((item) => item.split(','));
      return allowed.filter((option) => items.includes(option));
    });
}

const timelineQuerySchema = z.object({
  types: listOf(TIMELINE_TYPES),
  from: isoDay.optional().catch(undefined),
  to: isoDay.optional().catch(undefined),
  avec: listOf(WITH_OPTIONS),
  page: z.string().max(200).optional().catch(undefined),
});

const CURSOR_ID = /^[0-9a-f:-]{1,60}$/;
const CURSOR_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function encodeCursor(cursor: TimelineCursor): string {
  return Buffer.from(`${cursor.atKey}|${cursor.type}|${cursor.sortId}`, 'utf8').toString('base64url');
}

/** A cursor from the URL, or undefined when it is not one of ours (the first page then). */
export function decodeCursor(text: string | undefined): TimelineCursor | undefined {
  if (!text) return undefined;
  const [atKey = '', type = '', sortId = ''] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  if (!CURSOR_AT.test(atKey) || !CURSOR_ID.test(sortId) || !(TIMELINE_TYPES as readonly string[]).includes(type)) return undefined;
  return { atKey, type: type as TimelineType, sortId };
}

function nextDay(isoDate: string): string {
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + 1)).toISOString().slice(0, 10);
}

interface LoadedSubject {
  label: string;
}

async function loadSubject(ctx: ServiceContext, subject: TimelineSubject): Promise<LoadedSubject> {
  const valid = z.uuid().safeParse(subject.id).success;
  if (subject.type === 'organization') {
    assertCan(ctx.actor, 'directory.read');
    const organization = valid ? await findOrganizationById(ctx.db, subject.id) : undefined;
    if (!organization || (organization.archivedAt && !can(ctx.actor, 'directory.archive'))) throw new NotFoundError(t('organizations.notFound'));
    return { label: organization.name };
  }
  if (subject.type === 'sourcing_case') {
    assertCan(ctx.actor, 'sourcing.read');
    const row = valid ? await caseLabel(ctx.db, subject.id) : undefined;
    const readable = row && ctx.actor && (canReadCase(ctx.actor, row) || ((await isEvaluatorOfCase(ctx.db, row.id, ctx.actor.id)) && canReadCase(ctx.actor, row, true)));
    if (!row || !readable) throw new NotFoundError(t('sourcingCases.notFound'));
    return { label: caseSubjectLabel(row) };
  }
  if (subject.type === 'sourcing_challenge') {
    assertCan(ctx.actor, 'sourcing.read');
    const challenge = valid ? await findChallenge(ctx.db, subject.id) : undefined;
    if (!challenge) throw new NotFoundError(t('timeline.challengeNotFound'));
    return { label: challenge.title };
  }
  if (subject.type === 'contact') {
    assertCan(ctx.actor, 'directory.read');
    const contact = valid ? await findContactById(ctx.db, subject.id) : undefined;
    if (!contact || (contact.archivedAt && !can(ctx.actor, 'directory.archive'))) throw new NotFoundError(t('contacts.notFound'));
    return { label: `${contact.firstName} ${contact.lastName}`.trim() };
  }
  assertCan(ctx.actor, 'conventions.read');
  const convention = valid ? await findConventionById(ctx.db, subject.id) : undefined;
  if (!convention) throw new NotFoundError(t('conventions.notFound'));
  return { label: `${convention.reference} — ${convention.title}` };
}

/** A code's French label in a catalogue group, or the code itself when the catalogue does not know it yet. */
function codeLabel(group: string, code: string | null): string | null {
  if (!code) return null;
  const key = `${group}.${code}`;
  const label = t(key);
  return label === key ? code : label;
}

/** Journal entries told for people; a confidential document's name hidden from who may not see it. */
async function describeJournal(ctx: ServiceContext, subject: TimelineSubject, rows: AuditRow[]) {
  const described = await describeAuditEntries(ctx.db, rows);
  // Entries of another record (its contacts', its conventions', with the toggle): which one.
  const others = { organization: [] as string[], contact: [] as string[], convention: [] as string[] };
  const otherCases: string[] = [];
  for (const row of rows) {
    if (row.entityId === subject.id) continue;
    if (row.entityType === 'organization' || row.entityType === 'contact' || row.entityType === 'convention') others[row.entityType].push(row.entityId);
    if (row.entityType === 'sourcing_case') otherCases.push(row.entityId);
  }
  const names =
    others.organization.length + others.contact.length + others.convention.length > 0
      ? await auditReferenceLabels(ctx.db, { user: [], unit: [], organizationKind: [], challenge: [], ...others })
      : new Map<string, string>();
  // A case's entries on its organisation's or challenge's timeline: « Piste : <start-up> — <défi> ».
  for (const row of await caseLabels(ctx.db, [...new Set(otherCases)])) names.set(`sourcing_case:${row.id}`, caseSubjectLabel(row));
  return described.map((entry) => {
    const document = entry.document;
    const confidentialDocument = document ? document.confidential : entry.metadata.confidential === true && typeof entry.metadata.documentId === 'string';
    const hidden = confidentialDocument && !maySeeConfidential(ctx.actor, { ownerId: document?.conventionOwnerId ?? null, unitId: document?.conventionUnitId ?? null });
    const otherName = entry.entityId !== subject.id ? names.get(`${entry.entityType}:${entry.entityId}`) : undefined;
    return {
      ...entry,
      note: hidden ? t('conventions.confidentialDocument') : entry.note,
      recordLabel: otherName ? (entry.entityType === 'sourcing_case' ? otherName : `${labelFor('entityTypes', entry.entityType)} : ${otherName}`) : null,
      recordHref: otherName ? `${BASES[entry.entityType as TimelineSubjectType]}/${entry.entityId}` : null,
    };
  });
}

export type TimelineEntryView = Awaited<ReturnType<typeof describeRows>>[number];

async function describeRows(ctx: ServiceContext, subject: TimelineSubject, rows: TimelineRow[]) {
  const journal = await describeJournal(
    ctx,
    subject,
    rows.filter((row): row is AuditRow => row.source === 'audit'),
  );
  const journalById = new Map(journal.map((entry) => [entry.id, entry]));
  return rows.map((row) => {
    const common = { key: `${row.type}-${row.sortId}`, type: row.type, typeLabel: t(`timeline.types.${row.type}`), at: row.at };
    switch (row.source) {
      case 'exchange':
        return {
          ...common,
          isExchange: true as const,
          title: codeLabel('exchanges.kinds', row.kind),
          summary: row.summary,
          outcomeLabel: codeLabel('exchanges.outcomes', row.outcome),
          outcome: row.outcome,
          confidential: row.confidential,
          authorName: row.authorName,
          organizations: row.organizations.map((organization) => ({ ...organization, href: `/structures/${organization.id}` })),
          href: `/echanges/${row.id}`,
        };
      case 'task_created':
      case 'task_done':
        return {
          ...common,
          isTask: true as const,
          title: t(row.source === 'task_done' ? 'timeline.task.done' : 'timeline.task.created'),
          summary: row.title,
          dueOnText: formatDate(row.dueOn),
          statusLabel: codeLabel('tasks.statuses', row.status),
          status: row.status,
          /** Its status now, on its creation's entry (the entry of its completion says it). */
          showStatus: row.source === 'task_created',
          priorityLabel: codeLabel('tasks.priorities', row.priority),
          highPriority: row.priority === 'haute',
          assigneeName: row.assigneeName,
          byName: row.byName,
          href: `/taches/${row.id}`,
        };
      case 'event':
        return {
          ...common,
          isEvent: true as const,
          title: codeLabel('events.kinds', row.kind),
          summary: row.title,
          cancelled: row.status === 'annule',
          attended: row.attended,
          organizations: row.organizations.map((organization) => ({ ...organization, href: `/structures/${organization.id}` })),
          href: `/evenements/${row.id}`,
        };
      case 'reminder':
        return {
          ...common,
          isReminder: true as const,
          title: t('timeline.reminder.title'),
          stepLabel: row.stepLabel,
          assigneeName: row.assigneeName,
          href: row.conventionId === subject.id ? null : `${row.subjectType === 'sourcing_case' ? BASES.sourcing_case : BASES.convention}/${row.conventionId}`,
          hrefLabel: row.subjectType === 'sourcing_case' ? t('timeline.caseRecord') : labelFor('entityTypes', 'convention'),
        };
      case 'audit': {
        const entry = journalById.get(row.id);
        return { ...common, isJournal: true as const, ...entry };
      }
    }
  });
}

export interface TimelineView {
  subject: TimelineSubject & { label: string };
  base: string;
  /** The filters as URL values, for links (« Voir plus », the first page). */
  query: { types?: string; from?: string; to?: string; avec?: string };
  from: string | undefined;
  to: string | undefined;
  typeOptions: Array<{ value: TimelineType; label: string; count: number; checked: boolean }>;
  withOptions: Array<{ value: WithOption; label: string; checked: boolean }> | null;
  entries: TimelineEntryView[];
  /** Entries matching the filters (every page). */
  total: number;
  nextPage: string | null;
  isFirstPage: boolean;
  filtered: boolean;
}

/**
 * The history of an organisation, a contact or a convention: one page of the stream with the
 * filters of `rawQuery` (types, from, to, avec — an organisation's contacts and conventions —,
 * page: the cursor), the count of each type and the cursor of the next page.
 */
export async function readTimeline(ctx: ServiceContext, subject: TimelineSubject, rawQuery: unknown): Promise<TimelineView> {
  const loaded = await loadSubject(ctx, subject);
  const query = timelineQuerySchema.parse(rawQuery ?? {});
  const withOptions = subject.type === 'organization' ? query.avec : [];
  const actor = ctx.actor;
  const caseViewer = actor ? caseViewerOf(actor) : null;
  const readsCases = caseViewer !== null && can(actor, 'sourcing.read');
  let scope: TimelineScope;
  if (subject.type === 'organization') {
    scope =
      withOptions.length > 0
        ? await organizationTimelineScope(ctx.db, subject.id, { contacts: withOptions.includes('contacts'), conventions: withOptions.includes('conventions') })
        : { organizationIds: [subject.id], contactIds: [], conventionIds: [] };
    // Its sourcing cases always (the start-up's history is theirs too), those the reader may see.
    scope.caseIds = readsCases ? await visibleCaseIdsOfOrganizations(ctx.db, [subject.id], caseViewer) : [];
  } else if (subject.type === 'contact') {
    scope = { organizationIds: [], contactIds: [subject.id], conventionIds: [] };
  } else if (subject.type === 'convention') {
    scope = { organizationIds: [], contactIds: [], conventionIds: [subject.id] };
  } else if (subject.type === 'sourcing_case') {
    scope = { organizationIds: [], contactIds: [], conventionIds: [], caseIds: [subject.id] };
  } else {
    // A challenge: its own entries and those of its cases the reader may see (a confidential one stays hidden).
    scope = { organizationIds: [], contactIds: [], conventionIds: [], challengeIds: [subject.id], caseIds: caseViewer ? await visibleCaseIdsOfChallenge(ctx.db, subject.id, caseViewer) : [] };
  }
  const viewer = actor ? { id: actor.id, roles: actor.roles, unitIds: actor.unitIds } : { id: '00000000-0000-0000-0000-000000000000', roles: [], unitIds: [] };
  const after = decodeCursor(query.page);
  const page = await readTimelinePage(ctx.db, {
    scope,
    viewer,
    types: query.types,
    from: query.from ? startOfParisDay(query.from) : undefined,
    to: query.to ? startOfParisDay(nextDay(query.to)) : undefined,
    after,
    limit: TIMELINE_PAGE_SIZE,
    withExchanges: can(actor, 'exchanges.read'),
    withTasks: can(actor, 'tasks.read'),
    withEvents: can(actor, 'events.read'),
  });
  const last = page.rows[page.rows.length - 1];
  const selected: readonly TimelineType[] = query.types.length > 0 ? query.types : TIMELINE_TYPES;
  let total = 0;
  for (const type of selected) total += page.counts[type];
  return {
    subject: { ...subject, label: loaded.label },
    base: timelineBase(subject),
    query: {
      types: query.types.length > 0 ? query.types.join(',') : undefined,
      from: query.from,
      to: query.to,
      avec: withOptions.length > 0 ? withOptions.join(',') : undefined,
    },
    from: query.from,
    to: query.to,
    // « Sourcing » only where sourcing entries can be (an organisation, a case, a challenge).
    typeOptions: TIMELINE_TYPES.filter((value) => value !== 'sourcing' || (subject.type !== 'contact' && subject.type !== 'convention')).map((value) => ({
      value,
      label: t(`timeline.types.${value}`),
      count: page.counts[value],
      checked: query.types.includes(value),
    })),
    withOptions: subject.type === 'organization' ? WITH_OPTIONS.map((value) => ({ value, label: t(`timeline.with.${value}`), checked: withOptions.includes(value) })) : null,
    entries: await describeRows(ctx, subject, page.rows),
    total,
    nextPage: page.hasMore && last ? encodeCursor({ atKey: last.atKey, type: last.type, sortId: last.sortId }) : null,
    isFirstPage: !after,
    filtered: query.types.length > 0 || Boolean(query.from || query.to),
  };
}
