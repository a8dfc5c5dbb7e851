// The pages of tasks (issue 12): « Mes tâches » grouped by due day, the task page with its
// history, the task form, the header badge. View models only: every rule is in tasks.service.ts.
import { z } from 'zod';
import { NotFoundError } from '../lib/errors';
import { t } from '../lib/i18n';
import { addDays } from '../lib/convention-dates';
import { formatDate, formatDateTime, isoDateInParis } from '../lib/format';
import { isUuid } from '../lib/validation';
import { listTimeline } from '../models/audit.model';
import { TASK_PRIORITIES, TASK_STATUSES, type TaskPriority, type TaskStatus } from '../models/schema';
import { countOverdueTasks, findTaskRow, listTasks, prefillLinks, userInUnits, type TaskListFilters, type TaskListRow } from '../models/tasks.model';
import { findUnitsByIds } from '../models/units.model';
import { caseLabel, isEvaluatorOfCase, type CaseLabel } from '../models/sourcing-links.model';
import type { Actor, ServiceContext } from './context';
import { requireActor } from './context';
import { describeAuditEntries } from './journal.service';
import { assertCan, can, hasRole } from './permissions';
import { cachedActiveUnits, cachedActiveUserOptions } from './reference-lists';
import { canReadCase } from './sourcing-cases.service';

export const TASK_PAGE_SIZE = 50;

// ── Days (Europe/Paris) ──────────────────────────────────────────────────────────────────────

export type TaskGroup = 'overdue' | 'today' | 'week' | 'later' | 'done' | 'cancelled';

/** Today and the last day (Sunday) of this week, Paris time, as `YYYY-MM-DD`. */
export function taskDays(now: Date): { today: string; endOfWeek: string } {
  const today = isoDateInParis(now);
  const weekday = new Date(`${today}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return { today, endOfWeek: addDays(today, weekday === 0 ? 0 : 7 - weekday) };
}

/** The « Mes tâches » group of a task. */
export function groupOf(task: { status: TaskStatus; dueOn: string }, days: { today: string; endOfWeek: string }): TaskGroup {
  if (task.status === 'faite') return 'done';
  if (task.status === 'annulee') return 'cancelled';
  if (task.dueOn < days.today) return 'overdue';
  if (task.dueOn === days.today) return 'today';
  return task.dueOn <= days.endOfWeek ? 'week' : 'later';
}

// ── The row view (partials/tasks/row.hbs) ────────────────────────────────────────────────────

export interface TaskRelatedLink {
  label: string;
  href: string;
}

/** What partials/tasks/row.hbs shows of a task (the dashboard builds it with taskRowView too). */
export interface TaskRowView {
  id: string;
  title: string;
  href: string;
  description: string | null;
  dueOn: string;
  dueLabel: string;
  dueTime: string | null;
  group: TaskGroup;
  groupLabel: string;
  overdue: boolean;
  open: boolean;
  done: boolean;
  cancelled: boolean;
  priority: TaskPriority;
  priorityLabel: string;
  high: boolean;
  status: TaskStatus;
  statusLabel: string;
  assigneeId: string;
  assigneeName: string;
  mine: boolean;
  createdByName: string | null;
  doneAtLabel: string | null;
  doneByName: string | null;
  related: TaskRelatedLink[];
  /** The actor may complete and postpone it (reassign, cancel and edit need 'tasks.edit' too). */
  canEdit: boolean;
  /** Edit, reassign, cancel: 'tasks.edit'. */
  canManage: boolean;
  /** « Fait, et consigner l'échange » is offered: the actor logs exchanges. */
  canLog: boolean;
  /** Smallest date the « Reporter » date input accepts (today). */
  today: string;
}

function relatedLinks(row: TaskListRow): TaskRelatedLink[] {
  const links: TaskRelatedLink[] = [];
  if (row.organizationId && row.organizationName) links.push({ label: row.organizationName, href: `/structures/${row.organizationId}` });
  if (row.contactId && row.contactName) links.push({ label: row.contactName, href: `/contacts/${row.contactId}` });
  if (row.conventionId && row.conventionReference) links.push({ label: `${row.conventionReference} — ${row.conventionTitle ?? ''}`, href: `/conventions/${row.conventionId}` });
  if (row.exchangeId && row.exchangeVisible && row.exchangeOccurredAt) links.push({ label: t('tasks.row.exchangeOf', { date: formatDate(row.exchangeOccurredAt) }), href: `/echanges/${row.exchangeId}` });
  // A confidential case the reader may not read stays unnamed and unlinked.
  if (row.sourcingCaseId && row.caseVisible && row.caseStartupName) {
    links.push({ label: t('tasks.row.caseOf', { label: caseText(row.caseStartupName, row.caseChallengeTitle) }), href: `/sourcing/pistes/${row.sourcingCaseId}` });
  }
  return links;
}

/** « <start-up> — <défi> » (a spontaneous case: « sourcing spontané »). */
function caseText(startupName: string, challengeTitle: string | null): string {
  return t('tasks.row.caseLabel', { startup: startupName, challenge: challengeTitle ?? t('tasks.row.spontaneousCase') });
}

/** The view of one task row for `actor` (visible rows only: the caller has filtered). */
export function taskRowView(row: TaskListRow, actor: Actor, now: Date): TaskRowView {
  const days = taskDays(now);
  const group = groupOf(row, days);
  return {
    id: row.id,
    title: row.title,
    href: `/taches/${row.id}`,
    description: row.description,
    dueOn: row.dueOn,
    dueLabel: formatDate(row.dueOn),
    dueTime: row.dueTime ? row.dueTime.slice(0, 5) : null,
    group,
    groupLabel: t(`tasks.groups.${group}`),
    overdue: group === 'overdue',
    open: row.status === 'a_faire',
    done: row.status === 'faite',
    cancelled: row.status === 'annulee',
    priority: row.priority,
    priorityLabel: t(`tasks.priorities.${row.priority}`),
    high: row.priority === 'haute',
    status: row.status,
    statusLabel: t(`tasks.statuses.${row.status}`),
    assigneeId: row.assigneeId,
    assigneeName: row.assigneeName ?? '—',
    mine: row.assigneeId === actor.id,
    createdByName: row.createdByName,
    doneAtLabel: row.doneAt ? formatDateTime(row.doneAt) : null,
    doneByName: row.doneByName,
    related: relatedLinks(row),
    // The assignee handles their own task (done, postponed) whatever their role; the rest is for editors.
    canEdit: can(actor, 'tasks.edit') || row.assigneeId === actor.id,
    canManage: can(actor, 'tasks.edit'),
    canLog: can(actor, 'exchanges.edit'),
    today: days.today,
  };
}

/** Consecutive rows of the same group under one heading (a page may start mid-group). */
function groupRows(views: TaskRowView[]): Array<{ key: TaskGroup; label: string; overdue: boolean; tasks: TaskRowView[] }> {
  const groups: Array<{ key: TaskGroup; label: string; overdue: boolean; tasks: TaskRowView[] }> = [];
  for (const view of views) {
    const last = groups[groups.length - 1];
    if (last && last.key === view.group) last.tasks.push(view);
    else groups.push({ key: view.group, label: view.groupLabel, overdue: view.group === 'overdue', tasks: [view] });
  }
  return groups;
}

/** The active users a task may be given to, for the « Réattribuer » select and the form. */
export async function assigneeOptions(ctx: ServiceContext): Promise<Array<{ value: string; label: string }>> {
  const users = await cachedActiveUserOptions(ctx.db);
  return users.map((user) => ({ value: user.id, label: user.displayName }));
}

// ── « Mes tâches » ───────────────────────────────────────────────────────────────────────────

const DUE_FILTERS = ['en_retard', 'aujourdhui', 'semaine', 'plus_tard'] as const;
const VIEWS = ['mes', 'unites', 'toutes'] as const;

const listSchema = z.object({
  vue: z.enum(VIEWS).default('mes').catch('mes'),
  statut: z.enum(TASK_STATUSES).default('a_faire').catch('a_faire'),
  echeance: z.enum(DUE_FILTERS).optional().catch(undefined),
  assignee: z.union([z.literal('moi'), z.uuid()]).optional().catch(undefined),
  unit: z.uuid().optional().catch(undefined),
  priority: z.enum(TASK_PRIORITIES).optional().catch(undefined),
  q: z.string().trim().max(100).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).default(1).catch(1),
});
export type TaskListQuery = z.infer<typeof listSchema>;

/** The views this person may choose: « Mes tâches », their units' (managers), all (admins). */
function viewsFor(actor: Actor): Array<(typeof VIEWS)[number]> {
  const views: Array<(typeof VIEWS)[number]> = ['mes'];
  if (hasRole(actor, 'manager') || (hasRole(actor, 'admin') && actor.unitIds.length > 0)) views.push('unites');
  if (hasRole(actor, 'admin')) views.push('toutes');
  return views;
}

/** The units whose members' tasks the person may list (a manager's; every unit for an admin). */
function listableUnitIds(actor: Actor, allUnitIds: readonly string[]): readonly string[] {
  if (hasRole(actor, 'admin')) return allUnitIds;
  return hasRole(actor, 'manager') ? actor.unitIds : [];
}

function dueBounds(echeance: TaskListQuery['echeance'], days: { today: string; endOfWeek: string }): { dueFrom?: string; dueTo?: string } {
  switch (echeance) {
    case 'en_retard':
      return { dueTo: addDays(days.today, -1) };
    case 'aujourdhui':
      return { dueFrom: days.today, dueTo: days.today };
    case 'semaine':
      return { dueFrom: addDays(days.today, 1), dueTo: days.endOfWeek };
    case 'plus_tard':
      return { dueFrom: addDays(days.endOfWeek, 1) };
    default:
      return {};
  }
}

/**
 * « Mes tâches » (and a manager's « Mes unités », an admin's « Toutes »): filters from the URL,
 * one page of tasks in the groups overdue / today / this week / later (or done, cancelled).
 */
export async function listTasksPage(ctx: ServiceContext, rawQuery: unknown) {
  const actor = requireActor(ctx);
  assertCan(actor, 'tasks.read');
  const parsed = listSchema.parse(rawQuery ?? {});
  const views = viewsFor(actor);
  const query: TaskListQuery = { ...parsed, vue: views.includes(parsed.vue) ? parsed.vue : 'mes' };
  const allUnits = (await cachedActiveUnits(ctx.db)).filter((unit) => !unit.archivedAt);
  const unitIds = listableUnitIds(actor, allUnits.map((unit) => unit.id));
  if (query.unit && !unitIds.includes(query.unit)) query.unit = undefined;
  const days = taskDays(ctx.now);
  const filters: TaskListFilters = {
    viewer: { id: actor.id, isAdmin: hasRole(actor, 'admin'), managedUnitIds: hasRole(actor, 'manager') ? actor.unitIds : [] },
    scope: query.vue === 'mes' ? { kind: 'mine' } : query.vue === 'unites' ? { kind: 'units', unitIds: actor.unitIds } : { kind: 'all' },
    status: query.statut,
    ...dueBounds(query.echeance, days),
    assigneeId: query.assignee === 'moi' ? actor.id : query.assignee,
    unitId: query.unit,
    priority: query.priority,
    q: query.q || undefined,
  };
  const [{ rows, total }, people] = await Promise.all([
    listTasks(ctx.db, { ...filters, exchangeViewer: actor }, { limit: TASK_PAGE_SIZE, offset: (query.page - 1) * TASK_PAGE_SIZE }),
    assigneeOptions(ctx),
  ]);
  const tasks = rows.map((row) => taskRowView(row, actor, ctx.now));
  const { page, ...queryWithoutPage } = query;
  // The URL's own filters, without the defaults (links and pagination keep them short).
  const urlQuery: Record<string, string> = {};
  for (const [key, value] of Object.entries(queryWithoutPage)) {
    if (value === undefined || value === '' || (key === 'vue' && value === 'mes') || (key === 'statut' && value === 'a_faire')) continue;
    urlQuery[key] = String(value);
  }
  const search = new URLSearchParams({ ...urlQuery, ...(page > 1 ? { page: String(page) } : {}) }).toString();
  const filtered = Boolean(query.echeance || query.assignee || query.unit || query.priority || query.q);
  const titleKey = query.vue === 'unites' ? 'tasks.unitTasks' : query.vue === 'toutes' ? 'tasks.allTasks' : 'tasks.myTasks';
  return {
    title: t(titleKey),
    query: { ...queryWithoutPage, page },
    urlQuery,
    /** This page's address: where a row's no-JS action comes back to. */
    backUrl: search ? `/taches?${search}` : '/taches',
    page,
    pageCount: Math.max(1, Math.ceil(total / TASK_PAGE_SIZE)),
    total,
    tasks,
    groups: groupRows(tasks),
    filtered,
    showingOpen: query.statut === 'a_faire',
    options: {
      views: views.map((value) => ({ value, label: t(`tasks.views.${value}`) })),
      statuses: TASK_STATUSES.map((value) => ({ value, label: t(`tasks.statuses.${value}`) })),
      dueFilters: DUE_FILTERS.map((value) => ({ value, label: t(`tasks.dueFilters.${value}`) })),
      priorities: TASK_PRIORITIES.map((value) => ({ value, label: t(`tasks.priorities.${value}`) })),
      units: allUnits.filter((unit) => unitIds.includes(unit.id)).map((unit) => ({ value: unit.id, label: unit.name })),
      people,
    },
    canCreate: can(actor, 'tasks.edit'),
    canChooseView: views.length > 1,
  };
}

/** The open tasks assigned to the actor, soonest first, as row views (the dashboard's blocks: overdue, coming). */
export async function myOpenTaskViews(ctx: ServiceContext, due: { dueFrom?: string; dueTo?: string }, limit: number): Promise<{ rows: TaskRowView[]; total: number }> {
  const actor = requireActor(ctx);
  const { rows, total } = await listTasks(
    ctx.db,
    { viewer: { id: actor.id, isAdmin: false, managedUnitIds: [] }, scope: { kind: 'mine' }, status: 'a_faire', assigneeId: actor.id, exchangeViewer: actor, ...due },
    { limit, offset: 0 },
  );
  return { rows: rows.map((row) => taskRowView(row, actor, ctx.now)), total };
}

/** The header badge: my open tasks due before today (Paris). */
export async function countMyOverdueTasks(ctx: ServiceContext): Promise<number> {
  const actor = requireActor(ctx);
  return countOverdueTasks(ctx.db, actor.id, taskDays(ctx.now).today);
}

// ── One task ─────────────────────────────────────────────────────────────────────────────────

/** A task the actor may see, with its names; NotFoundError otherwise (an outsider learns nothing). */
export async function loadVisibleTaskRow(ctx: ServiceContext, id: string): Promise<TaskListRow> {
  const actor = requireActor(ctx);
  assertCan(actor, 'tasks.read');
  if (!isUuid(id)) throw new NotFoundError();
  const row = await findTaskRow(ctx.db, id, actor);
  if (!row) throw new NotFoundError();
  const visible =
    hasRole(actor, 'admin') ||
    row.assigneeId === actor.id ||
    row.createdById === actor.id ||
    (hasRole(actor, 'manager') && (await userInUnits(ctx.db, row.assigneeId, actor.unitIds)));
  if (!visible) throw new NotFoundError();
  return row;
}

/** One task row (after an inline action: the row swapped in place). */
export async function taskRowViewById(ctx: ServiceContext, id: string): Promise<TaskRowView> {
  const row = await loadVisibleTaskRow(ctx, id);
  return taskRowView(row, requireActor(ctx), ctx.now);
}

/** The task page: details, its links, the actions, its history from the journal. */
export async function taskPageView(ctx: ServiceContext, id: string) {
  const actor = requireActor(ctx);
  const row = await loadVisibleTaskRow(ctx, id);
  const task = taskRowView(row, actor, ctx.now);
  const [entries, people] = await Promise.all([listTimeline(ctx.db, { entityType: 'task', entityId: row.id, limit: 100 }), task.canManage ? assigneeOptions(ctx) : Promise.resolve([])]);
  return {
    title: row.title,
    task,
    people,
    history: await describeAuditEntries(ctx.db, entries),
    breadcrumb: [{ label: t('tasks.title'), href: '/taches' }, { label: row.title }],
  };
}

// ── The form ─────────────────────────────────────────────────────────────────────────────────

const prefillSchema = z.object({
  structure: z.uuid().optional().catch(undefined),
  contact: z.uuid().optional().catch(undefined),
  convention: z.uuid().optional().catch(undefined),
  echange: z.uuid().optional().catch(undefined),
  piste: z.uuid().optional().catch(undefined),
});

/** The case with its names when the actor reads it (canReadCase, evaluators of its gates included); undefined otherwise. */
async function readableCaseLabel(ctx: ServiceContext, id: string): Promise<{ row: CaseLabel; readable: boolean } | undefined> {
  const actor = requireActor(ctx);
  const row = await caseLabel(ctx.db, id);
  if (!row) return undefined;
  const readable = canReadCase(actor, row) || ((await isEvaluatorOfCase(ctx.db, row.id, actor.id)) && canReadCase(actor, row, true));
  return { row, readable };
}

interface FormLinks {
  organizationId?: string;
  contactId?: string;
  conventionId?: string;
  exchangeId?: string;
  sourcingCaseId?: string;
}

/**
 * The linked records a form carries (hidden fields), named and linked. A case is carried only
 * when the actor reads it — except `keptCaseId`, the case an edited task already has, carried
 * unnamed when it is confidential to them (editing the task does not unlink it).
 */
async function linkedRecordsOf(ctx: ServiceContext, links: FormLinks, keptCaseId?: string) {
  const actor = requireActor(ctx);
  const names = await prefillLinks(ctx.db, links, actor);
  const exchangeId = links.exchangeId && names.exchange ? links.exchangeId : undefined;
  const organizationId = links.organizationId ?? names.exchange?.organizationId ?? undefined;
  const contactId = links.contactId ?? names.exchange?.contactId ?? undefined;
  // An exchange's first organisation and contact: named in a second look-up when they came from it.
  const extra = (organizationId && !links.organizationId) || (contactId && !links.contactId) ? await prefillLinks(ctx.db, { organizationId, contactId }, actor) : null;
  const organizationName = names.organizationName ?? extra?.organizationName ?? null;
  const contactName = names.contactName ?? extra?.contactName ?? null;
  const linked: Array<{ field: string; value: string; label: string; kind: string; href: string | null }> = [];
  if (organizationId && organizationName) linked.push({ field: 'organizationId', value: organizationId, label: organizationName, kind: t('tasks.fields.organizationId'), href: `/structures/${organizationId}` });
  if (contactId && contactName) linked.push({ field: 'contactId', value: contactId, label: contactName, kind: t('tasks.fields.contactId'), href: `/contacts/${contactId}` });
  if (links.conventionId && names.conventionLabel) linked.push({ field: 'conventionId', value: links.conventionId, label: names.conventionLabel, kind: t('tasks.fields.conventionId'), href: `/conventions/${links.conventionId}` });
  if (exchangeId && names.exchange) linked.push({ field: 'exchangeId', value: exchangeId, label: t('tasks.row.exchangeOf', { date: formatDate(names.exchange.occurredAt) }), kind: t('tasks.fields.exchangeId'), href: `/echanges/${exchangeId}` });
  if (links.sourcingCaseId) {
    const found = await readableCaseLabel(ctx, links.sourcingCaseId);
    if (found?.readable) {
      linked.push({ field: 'sourcingCaseId', value: found.row.id, label: caseText(found.row.organizationName, found.row.challengeTitle), kind: t('tasks.fields.sourcingCaseId'), href: `/sourcing/pistes/${found.row.id}` });
    } else if (found && found.row.id === keptCaseId) {
      linked.push({ field: 'sourcingCaseId', value: found.row.id, label: t('tasks.row.confidentialCase'), kind: t('tasks.fields.sourcingCaseId'), href: null });
    }
  }
  return linked;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && isUuid(value) ? value : undefined;
}

/** The linked records of a refused post: what the hidden fields carried. */
function linksOfValues(values: Record<string, unknown>): FormLinks {
  return {
    organizationId: stringOf(values.organizationId),
    contactId: stringOf(values.contactId),
    conventionId: stringOf(values.conventionId),
    exchangeId: stringOf(values.exchangeId),
    sourcingCaseId: stringOf(values.sourcingCaseId),
  };
}

/**
 * The « Nouvelle tâche » form: pre-filled from ?structure= ?contact= ?convention= ?echange=
 * ?piste= (an exchange also brings its first organisation and contact; a case only when the
 * person reads it), due today, assigned to me.
 * After a refused post, `values` is what was typed.
 */
export async function newTaskFormView(ctx: ServiceContext, rawQuery: unknown, values?: Record<string, unknown>) {
  const actor = requireActor(ctx);
  assertCan(actor, 'tasks.edit');
  const prefill = prefillSchema.parse(rawQuery ?? {});
  const source: FormLinks = values
    ? linksOfValues(values)
    : { organizationId: prefill.structure, contactId: prefill.contact, conventionId: prefill.convention, exchangeId: prefill.echange, sourcingCaseId: prefill.piste };
  const [linked, people] = await Promise.all([linkedRecordsOf(ctx, source), assigneeOptions(ctx)]);
  return {
    title: t('tasks.newTask'),
    action: '/taches/nouvelle',
    values: values ?? { dueOn: taskDays(ctx.now).today, assigneeId: actor.id, priority: 'normale' },
    linked,
    options: { people, priorities: TASK_PRIORITIES.map((value) => ({ value, label: t(`tasks.priorities.${value}`) })) },
    breadcrumb: [{ label: t('tasks.title'), href: '/taches' }, { label: t('tasks.newTask') }],
    submitLabel: t('tasks.actions.create'),
  };
}

/** « Modifier la tâche »: the same form, filled with the task (or what was typed). */
export async function editTaskFormView(ctx: ServiceContext, id: string, values?: Record<string, unknown>) {
  const actor = requireActor(ctx);
  assertCan(actor, 'tasks.edit');
  const row = await loadVisibleTaskRow(ctx, id);
  const links: FormLinks = values
    ? linksOfValues(values)
    : {
        organizationId: row.organizationId ?? undefined,
        contactId: row.contactId ?? undefined,
        conventionId: row.conventionId ?? undefined,
        exchangeId: row.exchangeId ?? undefined,
        sourcingCaseId: row.sourcingCaseId ?? undefined,
      };
  const [linked, people] = await Promise.all([linkedRecordsOf(ctx, links, row.sourcingCaseId ?? undefined), assigneeOptions(ctx)]);
  return {
    title: t('tasks.editTask'),
    action: `/taches/${row.id}/modifier`,
    task: { id: row.id, title: row.title },
    values: values ?? {
      title: row.title,
      description: row.description ?? '',
      dueOn: row.dueOn,
      dueTime: row.dueTime ? row.dueTime.slice(0, 5) : '',
      assigneeId: row.assigneeId,
      priority: row.priority,
    },
    linked,
    options: { people, priorities: TASK_PRIORITIES.map((value) => ({ value, label: t(`tasks.priorities.${value}`) })) },
    breadcrumb: [{ label: t('tasks.title'), href: '/taches' }, { label: row.title, href: `/taches/${row.id}` }, { label: t('tasks.editTask') }],
    submitLabel: t('tasks.actions.save'),
  };
}

/** Unit names, for a manager's filter chips (unused units are skipped). */
export async function unitNames(ctx: ServiceContext, ids: string[]): Promise<string[]> {
  return (await findUnitsByIds(ctx.db, ids)).map((unit) => unit.name);
}
