// Tasks (« tâches », issue 12): the SQL of the tasks table. Rules, permissions and the journal
// live in src/services/tasks.service.ts.
import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { rowsOf, type Database } from './database';
import { exchangeVisibleTo, type ExchangeViewer } from './exchange-visibility';
import { caseVisibleTo } from './sourcing-cases.model';
import {
  contacts,
  conventions,
  exchangeContacts,
  exchangeOrganizations,
  exchanges,
  organizations,
  sourcingCases,
  sourcingChallenges,
  tasks,
  userUnits,
  users,
  type NewTask,
  type Task,
  type TaskPriority,
  type TaskStatus,
} from './schema';
import { uuidArray } from './sql-arrays';

export async function insertTask(db: Database, values: NewTask): Promise<Task> {
  const [row] = await db.insert(tasks).values(values).returning();
  if (!row) throw new Error('insert into tasks returned nothing');
  return row;
}

export async function findTaskById(db: Database, id: string): Promise<Task | undefined> {
  const [row] = await db.select().from(tasks).where(eq(tasks.id, id)).limit(1);
  return row;
}

export async function lockTaskById(db: Database, id: string): Promise<Task | undefined> {
  const [row] = await db.select().from(tasks).where(eq(tasks.id, id)).for('update').limit(1);
  return row;
}

export async function updateTaskRow(db: Database, id: string, values: Partial<NewTask>): Promise<Task> {
  const [row] = await db
    .update(tasks)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(tasks.id, id))
    .returning();
  if (!row) throw new Error(`task ${id} vanished during update`);
  return row;
}

/** Whether this user exists and may sign in (a task is only given to an active account). */
export async function isActiveUser(db: Database, id: string): Promise<boolean> {
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.id, id), eq(users.active, true)))
    .limit(1);
  return row !== undefined;
}

export interface TaskLinks {
  organizationId?: string | null;
  contactId?: string | null;
  conventionId?: string | null;
  exchangeId?: string | null;
}

/** Which of the given linked records exist, in one round trip (missing ones come back false). */
export async function linkedRecordsExist(db: Database, links: TaskLinks): Promise<Record<keyof TaskLinks, boolean>> {
  const probe = (table: typeof organizations | typeof contacts | typeof conventions | typeof exchanges, id: string | null | undefined) =>
    id ? sql<boolean>`exists(select 1 from ${table} where ${table.id} = ${id}::uuid)` : sql<boolean>`true`;
  const result = await db.execute(sql`select ${probe(organizations, links.organizationId)} as "organizationId",
    ${probe(contacts, links.contactId)} as "contactId",
    ${probe(conventions, links.conventionId)} as "conventionId",
    ${probe(exchanges, links.exchangeId)} as "exchangeId"`);
  const row = rowsOf<Record<keyof TaskLinks, boolean>>(result)[0];
  if (!row) throw new Error('linked records probe returned nothing');
  return row;
}

// ── Who sees which task ──────────────────────────────────────────────────────────────────────

/** Who reads: admins see every task; others theirs (assigned or created), managers their units' members'. */
export interface TaskViewer {
  id: string;
  isAdmin: boolean;
  /** The units whose members' tasks this person sees (a manager's units; empty otherwise). */
  managedUnitIds: readonly string[];
}


/** The assignee belongs to one of these units. */
function assigneeInUnits(unitIds: readonly string[]): SQL {
  if (unitIds.length === 0) return sql`false`;
  return sql`exists (select 1 from ${userUnits} where ${userUnits.userId} = ${tasks.assigneeId} and ${userUnits.unitId} = any(${uuidArray(unitIds)}))`;
}

/** SQL predicate over `tasks`: the tasks this viewer may see. */
export function taskVisibleTo(viewer: TaskViewer): SQL {
  if (viewer.isAdmin) return sql`true`;
  const own = sql`(${tasks.assigneeId} = ${viewer.id} or ${tasks.createdById} = ${viewer.id})`;
  return viewer.managedUnitIds.length > 0 ? sql`(${own} or ${assigneeInUnits(viewer.managedUnitIds)})` : own;
}

/** Whether the assignee of a task (by user id) belongs to one of these units. */
export async function userInUnits(db: Database, userId: string, unitIds: readonly string[]): Promise<boolean> {
  if (unitIds.length === 0) return false;
  const [row] = await db
    .select({ userId: userUnits.userId })
    .from(userUnits)
    .where(and(eq(userUnits.userId, userId), sql`${userUnits.unitId} = any(${uuidArray(unitIds)})`))
    .limit(1);
  return row !== undefined;
}

// ── Lists ────────────────────────────────────────────────────────────────────────────────────

export interface TaskListFilters {
  viewer: TaskViewer;
  /** 'mine': assigned to or created by the viewer; 'units': assignee in these units; 'all': no restriction beyond visibility. */
  scope: { kind: 'mine' } | { kind: 'units'; unitIds: readonly string[] } | { kind: 'all' };
  status: TaskStatus;
  /** Inclusive bounds on the due day (`YYYY-MM-DD`). */
  dueFrom?: string;
  dueTo?: string;
  assigneeId?: string;
  unitId?: string;
  priority?: TaskPriority;
  q?: string;
}

export interface TaskListRow extends Task {
  assigneeName: string | null;
  createdByName: string | null;
  doneByName: string | null;
  organizationName: string | null;
  contactName: string | null;
  conventionReference: string | null;
  conventionTitle: string | null;
  exchangeOccurredAt: Date | null;
  /** The linked exchange may be read by the viewer (a confidential one is not linked for others). */
  exchangeVisible: boolean | null;
  /** The linked sourcing case (« piste »): its start-up and challenge (null: spontaneous case). */
  caseStartupName: string | null;
  caseChallengeTitle: string | null;
  /** The linked case may be read by the viewer (a confidential case is not linked for others: caseVisibleTo). */
  caseVisible: boolean | null;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

function listConditions(filters: TaskListFilters): SQL[] {
  const conditions: SQL[] = [taskVisibleTo(filters.viewer), eq(tasks.status, filters.status)];
  if (filters.scope.kind === 'mine') conditions.push(sql`(${tasks.assigneeId} = ${filters.viewer.id} or ${tasks.createdById} = ${filters.viewer.id})`);
  if (filters.scope.kind === 'units') conditions.push(assigneeInUnits(filters.scope.unitIds));
  if (filters.dueFrom) conditions.push(sql`${tasks.dueOn} >= ${filters.dueFrom}::date`);
  if (filters.dueTo) conditions.push(sql`${tasks.dueOn} <= ${filters.dueTo}::date`);
  if (filters.assigneeId) conditions.push(eq(tasks.assigneeId, filters.assigneeId));
  if (filters.unitId) conditions.push(assigneeInUnits([filters.unitId]));
  if (filters.priority) conditions.push(eq(tasks.priority, filters.priority));
  if (filters.q) conditions.push(sql`immutable_unaccent(${tasks.title}) ilike '%' || immutable_unaccent(${escapeLike(filters.q)}) || '%'`);
  return conditions;
}

const assignees = alias(users, 'assignees');
const creators = alias(users, 'creators');
const finishers = alias(users, 'finishers');
const caseStartups = alias(organizations, 'case_startups');

/** Columns of a task row with the names it shows (assignee, linked records). */
function rowColumns(viewer: ExchangeViewer) {
  return {
    id: tasks.id,
    title: tasks.title,
    description: tasks.description,
    dueOn: tasks.dueOn,
    dueTime: tasks.dueTime,
    assigneeId: tasks.assigneeId,
    priority: tasks.priority,
    status: tasks.status,
    organizationId: tasks.organizationId,
    contactId: tasks.contactId,
    conventionId: tasks.conventionId,
    exchangeId: tasks.exchangeId,
    sourcingCaseId: tasks.sourcingCaseId,
    createdById: tasks.createdById,
    doneAt: tasks.doneAt,
    doneById: tasks.doneById,
    sourceRef: tasks.sourceRef,
    createdAt: tasks.createdAt,
    updatedAt: tasks.updatedAt,
    assigneeName: assignees.displayName,
    createdByName: creators.displayName,
    doneByName: finishers.displayName,
    organizationName: organizations.name,
    contactName: sql<string | null>`case when ${contacts.id} is null then null else trim(${contacts.firstName} || ' ' || ${contacts.lastName}) end`,
    conventionReference: conventions.reference,
    conventionTitle: conventions.title,
    exchangeOccurredAt: exchanges.occurredAt,
    exchangeVisible: sql<boolean | null>`case when ${exchanges.id} is null then null else ${exchangeVisibleTo(viewer)} end`,
    caseStartupName: caseStartups.name,
    caseChallengeTitle: sourcingChallenges.title,
    caseVisible: sql<boolean | null>`case when ${sourcingCases.id} is null then null else ${caseVisibleTo({ userId: viewer.id, unitIds: [...viewer.unitIds], isAdmin: viewer.roles.includes('admin') })} end`,
  };
}

function selectRows(db: Database, viewer: ExchangeViewer) {
  return db
    .select(rowColumns(viewer))
    .from(tasks)
    .leftJoin(assignees, eq(assignees.id, tasks.assigneeId))
    .leftJoin(creators, eq(creators.id, tasks.createdById))
    .leftJoin(finishers, eq(finishers.id, tasks.doneById))
    .leftJoin(organizations, eq(organizations.id, tasks.organizationId))
    .leftJoin(contacts, eq(contacts.id, tasks.contactId))
    .leftJoin(conventions, eq(conventions.id, tasks.conventionId))
    .leftJoin(exchanges, eq(exchanges.id, tasks.exchangeId))
    .leftJoin(sourcingCases, eq(sourcingCases.id, tasks.sourcingCaseId))
    .leftJoin(caseStartups, eq(caseStartups.id, sourcingCases.organizationId))
    .leftJoin(sourcingChallenges, eq(sourcingChallenges.id, sourcingCases.challengeId));
}

/**
 * One page of tasks. Open tasks soonest first (overdue, today, this week, later follow from the
 * due day), those of the same day by time (untimed last), then high priority first; done tasks
 * most recently done first; cancelled ones most recently changed first.
 */
export async function listTasks(db: Database, filters: TaskListFilters & { exchangeViewer: ExchangeViewer }, page: { limit: number; offset: number }): Promise<{ rows: TaskListRow[]; total: number }> {
  const where = and(...listConditions(filters));
  const order =
    filters.status === 'a_faire'
      ? [asc(tasks.dueOn), sql`${tasks.dueTime} asc nulls last`, sql`case ${tasks.priority} when 'haute' then 0 when 'normale' then 1 else 2 end`, asc(tasks.createdAt), asc(tasks.id)]
      : filters.status === 'faite'
        ? [desc(tasks.doneAt), desc(tasks.id)]
        : [desc(tasks.updatedAt), desc(tasks.id)];
  const [rows, totals] = await Promise.all([
    selectRows(db, filters.exchangeViewer)
      .where(where)
      .orderBy(...order)
      .limit(page.limit)
      .offset(page.offset),
    db.select({ value: sql<number>`count(*)::int` }).from(tasks).where(where),
  ]);
  return { rows, total: totals[0]?.value ?? 0 };
}

/** One task with the names it shows. */
export async function findTaskRow(db: Database, id: string, exchangeViewer: ExchangeViewer): Promise<TaskListRow | undefined> {
  const [row] = await selectRows(db, exchangeViewer).where(eq(tasks.id, id)).limit(1);
  return row;
}

/** Open tasks assigned to this person due before `today` (the header badge). */
export async function countOverdueTasks(db: Database, assigneeId: string, today: string): Promise<number> {
  const [row] = await db
    .select({ value: sql<number>`count(*)::int` })
    .from(tasks)
    .where(and(eq(tasks.assigneeId, assigneeId), eq(tasks.status, 'a_faire'), sql`${tasks.dueOn} < ${today}::date`));
  return row?.value ?? 0;
}

/** The names of records a new task is pre-filled with, and an exchange's first organisation and contact. */
export async function prefillLinks(
  db: Database,
  links: TaskLinks,
  exchangeViewer: ExchangeViewer,
): Promise<{
  organizationName: string | null;
  contactName: string | null;
  conventionLabel: string | null;
  exchange: { occurredAt: Date; organizationId: string | null; contactId: string | null } | null;
}> {
  const none = sql`null`;
  const result = await db.execute(sql`select
    ${links.organizationId ? sql`(select name from ${organizations} where id = ${links.organizationId}::uuid)` : none} as "organizationName",
    ${links.contactId ? sql`(select trim(first_name || ' ' || last_name) from ${contacts} where id = ${links.contactId}::uuid)` : none} as "contactName",
    ${links.conventionId ? sql`(select reference || ' — ' || title from ${conventions} where id = ${links.conventionId}::uuid)` : none} as "conventionLabel"`);
  const names = rowsOf<{ organizationName: string | null; contactName: string | null; conventionLabel: string | null }>(result)[0];
  let exchange = null;
  if (links.exchangeId) {
    const [row] = await db
      .select({
        occurredAt: exchanges.occurredAt,
        organizationId: sql<string | null>`(select ${exchangeOrganizations.organizationId} from ${exchangeOrganizations} where ${exchangeOrganizations.exchangeId} = ${exchanges.id} order by ${exchangeOrganizations.organizationId} limit 1)`,
        contactId: sql<string | null>`(select ${exchangeContacts.contactId} from ${exchangeContacts} where ${exchangeContacts.exchangeId} = ${exchanges.id} order by ${exchangeContacts.contactId} limit 1)`,
      })
      .from(exchanges)
      .where(and(eq(exchanges.id, links.exchangeId), exchangeVisibleTo(exchangeViewer)))
      .limit(1);
    exchange = row ?? null;
  }
  return { organizationName: names?.organizationName ?? null, contactName: names?.contactName ?? null, conventionLabel: names?.conventionLabel ?? null, exchange };
}
