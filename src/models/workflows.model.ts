// Queries of the workflow engine (runs, steps, delegations, notifications). The rules live in
// src/services/workflows.service.ts; this file only reads and writes rows.
import { and, asc, desc, eq, inArray, isNull, lte, or, sql, type SQL } from 'drizzle-orm';
import { type Database, rowsOf } from './database';
import {
  type NewWorkflowRun,
  type NewWorkflowStep,
  type Role,
  type WorkflowRun,
  type WorkflowStep,
  notifications,
  userUnits,
  users,
  workflowDelegations,
  workflowRuns,
  workflowSteps,
} from './schema';
import { reusableInsert, reusableQuery, reusableUpdateById } from './prepared';

/** A PostgreSQL array literal for `= any(…)` (ids and role codes never hold commas or quotes). */
const pgArray = (values: readonly string[]) => `{${values.join(',')}}`;

// ── runs and steps ────────────────────────────────────────────────────────────────────────
const insertRunRows = reusableInsert(workflowRuns, 'workflow_runs_insert');

export async function insertRun(db: Database, values: NewWorkflowRun): Promise<WorkflowRun> {
  const [row] = (await insertRunRows(db, [values])) as WorkflowRun[];
  if (!row) throw new Error('insert into workflow_runs returned nothing');
  return row;
}

// The queries of every transition are built once (reusableQuery: named prepared statements).
const lockRunQuery = reusableQuery('workflow_runs_lock', (db) =>
  db.select().from(workflowRuns).where(eq(workflowRuns.id, sql.placeholder('id'))).for('update').limit(1),
);

export async function lockRun(db: Database, id: string): Promise<WorkflowRun | undefined> {
  const [row] = await lockRunQuery(db, { id });
  return row;
}

const runOfStep = sql`(select ${workflowSteps.runId} from ${workflowSteps} where ${workflowSteps.id} = ${sql.placeholder('stepId')})`;
const lockRunOfStepQuery = reusableQuery('workflow_runs_lock_of_step', (db) =>
  db.select().from(workflowRuns).where(eq(workflowRuns.id, runOfStep)).for('update').limit(1),
);

/** Locks the run a step belongs to (a step never changes run): one statement instead of a step read, then the lock. */
export async function lockRunOfStep(db: Database, stepId: string): Promise<WorkflowRun | undefined> {
  const [row] = await lockRunOfStepQuery(db, { stepId });
  return row;
}

/**
 * lockRunOfStep, and in the same statement the active person `personId` (as findActivePerson
 * reads them: not protected by the run lock, so the snapshot read is the same). A decision
 * needs both: one round trip instead of two.
 */
const lockRunOfStepWithPersonQuery = reusableQuery('workflow_runs_lock_of_step_with_person', (db) =>
  db
    .select({
      run: workflowRuns,
      person: sql<Person | null>`(
        select json_build_object('id', u.id, 'email', u.email, 'displayName', u.display_name, 'roles', u.roles,
          'unitIds', coalesce((select array_agg(m.unit_id::text) from ${userUnits} m where m.user_id = u.id), '{}'))
        from ${users} u where u.id = ${sql.placeholder('personId')} and u.active)`,
    })
    .from(workflowRuns)
    .where(eq(workflowRuns.id, runOfStep))
    .for('update')
    .limit(1),
);

export async function lockRunOfStepWithPerson(db: Database, stepId: string, personId: string): Promise<{ run: WorkflowRun; person: Person | null } | undefined> {
  const [row] = await lockRunOfStepWithPersonQuery(db, { stepId, personId });
  return row;
}

export async function findRun(db: Database, id: string): Promise<WorkflowRun | undefined> {
  const [row] = await db.select().from(workflowRuns).where(eq(workflowRuns.id, id)).limit(1);
  return row;
}

const updateRunRow = reusableUpdateById(workflowRuns, 'workflow_runs_set');
const updateStepRow = reusableUpdateById(workflowSteps, 'workflow_steps_set');

export async function updateRun(db: Database, id: string, values: Partial<NewWorkflowRun>): Promise<WorkflowRun> {
  const row = (await updateRunRow(db, id, values)) as WorkflowRun | undefined;
  if (!row) throw new Error(`workflow run ${id} vanished`);
  return row;
}

const findOpenRunForSubjectQuery = reusableQuery('workflow_runs_open_of_subject', (db) =>
  db
    .select()
    .from(workflowRuns)
    .where(
      and(
        eq(workflowRuns.subjectType, sql.placeholder('subjectType')),
        eq(workflowRuns.subjectId, sql.placeholder('subjectId')),
        inArray(workflowRuns.status, ['running', 'changes_requested']),
      ),
    )
    .orderBy(desc(workflowRuns.startedAt))
    .limit(1),
);

export async function findOpenRunForSubject(db: Database, subjectType: string, subjectId: string): Promise<WorkflowRun | undefined> {
  const [row] = await findOpenRunForSubjectQuery(db, { subjectType, subjectId });
  return row;
}

export async function listRunsForSubject(db: Database, subjectType: string, subjectId: string): Promise<WorkflowRun[]> {
  return db
    .select()
    .from(workflowRuns)
    .where(and(eq(workflowRuns.subjectType, subjectType), eq(workflowRuns.subjectId, subjectId)))
    .orderBy(desc(workflowRuns.startedAt));
}

const insertStepRows = reusableInsert(workflowSteps, 'workflow_steps_insert');

export async function insertSteps(db: Database, values: NewWorkflowStep[]): Promise<WorkflowStep[]> {
  return (await insertStepRows(db, values)) as WorkflowStep[];
}

const findStepQuery = reusableQuery('workflow_steps_find', (db) => db.select().from(workflowSteps).where(eq(workflowSteps.id, sql.placeholder('id'))).limit(1));

export async function findStep(db: Database, id: string): Promise<WorkflowStep | undefined> {
  const [row] = await findStepQuery(db, { id });
  return row;
}

export async function updateStep(db: Database, id: string, values: Partial<NewWorkflowStep>): Promise<WorkflowStep> {
  const row = (await updateStepRow(db, id, values)) as WorkflowStep | undefined;
  if (!row) throw new Error(`workflow step ${id} vanished`);
  return row;
}

const listStepsOfRunQuery = reusableQuery('workflow_steps_of_run', (db) =>
  db
    .select()
    .from(workflowSteps)
    .where(eq(workflowSteps.runId, sql.placeholder('runId')))
    .orderBy(asc(workflowSteps.round), asc(workflowSteps.stageIndex), asc(workflowSteps.createdAt), asc(workflowSteps.stepKey)),
);

export async function listStepsOfRun(db: Database, runId: string): Promise<WorkflowStep[]> {
  return listStepsOfRunQuery(db, { runId });
}

/** Steps of a run with the names of the people involved, for history tables. */
export async function listStepHistory(db: Database, runId: string) {
  return db
    .select({
      step: workflowSteps,
      assigneeUserName: sql<string | null>`(select display_name from users where id = ${workflowSteps.assigneeUserId})`,
      decidedByName: sql<string | null>`(select display_name from users where id = ${workflowSteps.decidedById})`,
      decidedForName: sql<string | null>`(select display_name from users where id = ${workflowSteps.decidedForId})`,
      unitName: sql<string | null>`(select name from units where id = ${workflowSteps.assigneeUnitId})`,
    })
    .from(workflowSteps)
    .where(eq(workflowSteps.runId, runId))
    .orderBy(asc(workflowSteps.round), asc(workflowSteps.stageIndex), asc(workflowSteps.createdAt), asc(workflowSteps.stepKey));
}

/** Cancels the run's open steps; returns the ids of those that were active (their notices are then done). */
export async function cancelActiveSteps(db: Database, runId: string, now: Date): Promise<string[]> {
  const rows = await db.execute(sql`
    with to_cancel as (
      select id, status from ${workflowSteps} where run_id = ${runId} and status in ('active', 'pending')
    ), cancelled as (
      update ${workflowSteps} s set status = 'cancelled', updated_at = ${now.toISOString()}::timestamptz
      from to_cancel where s.id = to_cancel.id
      returning to_cancel.id, to_cancel.status
    )
    select id from cancelled where status = 'active'`);
  return rowsOf<{ id: string }>(rows).map((row) => row.id);
}

// ── who may decide ────────────────────────────────────────────────────────────────────────
export interface Person {
  id: string;
  email: string;
  displayName: string;
  roles: Role[];
  unitIds: string[];
}

const personColumns = {
  id: users.id,
  email: users.email,
  displayName: users.displayName,
  roles: users.roles,
  unitIds: sql<string[]>`coalesce((select array_agg(${userUnits.unitId}::text) from ${userUnits} where ${userUnits.userId} = ${users.id}), '{}')`,
};

export async function findActivePerson(db: Database, id: string): Promise<Person | undefined> {
  const [row] = await db.select(personColumns).from(users).where(and(eq(users.id, id), eq(users.active, true))).limit(1);
  return row;
}

/** Active users holding a role, optionally members of a unit. */
export async function listPeopleWithRole(db: Database, role: Role, unitId: string | null): Promise<Person[]> {
  return db
    .select(personColumns)
    .from(users)
    .where(
      and(
        eq(users.active, true),
        sql`${role} = any(${users.roles})`,
        unitId ? sql`exists (select 1 from ${userUnits} where ${userUnits.userId} = ${users.id} and ${userUnits.unitId} = ${unitId})` : undefined,
      ),
    )
    .orderBy(asc(users.displayName));
}

export type Recipient = Person & { forId: string | null };
export interface Assignee {
  userId: string | null;
  role: Role | null;
  unitId: string | null;
}

/**
 * Who must act on each of `assignees` (the steps of a stage), in one statement: the named user
 * or the active holders of the role (members of the unit when it is set), then the delegates
 * those people have at `now` (for that role when there is one), each once per assignee;
 * `forId` is who a delegate stands in for. Same order as `assignees`.
 */
export async function listRecipients(db: Database, assignees: Assignee[], now: Date): Promise<Recipient[][]> {
  if (assignees.length === 0) return [];
  // Arrays (not a JSON record set): PostgreSQL then knows how many assignees there are, and
  // its cost estimate stays far below jit_above_cost. With jsonb_to_recordset's default guess
  // of 100 rows, every call was JIT-compiled: ~60 ms of server CPU for a 1 ms query.
  const column = (values: Array<string | number | null>) => `{${values.map((value) => value ?? 'NULL').join(',')}}`;
  const result = await db.execute(sql`
    with assignees as (
      select * from unnest(
        ${column(assignees.map((_assignee, slot) => slot))}::int[],
        ${column(assignees.map((assignee) => assignee.userId))}::uuid[],
        ${column(assignees.map((assignee) => assignee.role))}::text[],
        ${column(assignees.map((assignee) => assignee.unitId))}::uuid[]
      ) as a(slot, user_id, role, unit_id)
    ), direct as (
      select a.slot, a.role, u.id, u.display_name from assignees a join ${users} u on u.id = a.user_id and u.active
      union all
      select a.slot, a.role, u.id, u.display_name from assignees a join ${users} u on a.role = any(u.roles) and u.active
      where a.user_id is null
        and (a.unit_id is null or exists (select 1 from ${userUnits} m where m.user_id = u.id and m.unit_id = a.unit_id))
    ), candidates as (
      select d.slot, d.id, null::uuid as for_id, 0 as rank, d.display_name as sort_name from direct d
      union all
      select d.slot, w.to_user_id, w.from_user_id, 1, u.display_name
      from direct d join ${workflowDelegations} w on w.from_user_id = d.id
        join ${users} u on u.id = w.to_user_id and u.active
      where w.revoked_at is null and w.starts_at <= ${now} and w.ends_at > ${now} and (d.role is null or w.role = d.role)
    )
    select c.slot, c.id, c.for_id, u.email, u.display_name, u.roles,
      coalesce((select array_agg(m.unit_id::text) from ${userUnits} m where m.user_id = c.id), '{}') as unit_ids
    from candidates c join ${users} u on u.id = c.id
    order by c.slot, c.rank, c.sort_name, c.for_id`);
  const rows = (result as unknown as { rows: Array<{ slot: number; id: string; for_id: string | null; email: string; display_name: string; roles: Role[]; unit_ids: string[] }> }).rows;
  const bySlot = assignees.map(() => new Map<string, Recipient>());
  for (const row of rows) {
    const recipients = bySlot[row.slot];
    if (recipients && !recipients.has(row.id)) {
      recipients.set(row.id, { id: row.id, email: row.email, displayName: row.display_name, roles: row.roles, unitIds: row.unit_ids, forId: row.for_id });
    }
  }
  return bySlot.map((recipients) => [...recipients.values()]);
}

/**
 * The delegations `toUserId` holds at `now`, earliest first (start, then creation, then id):
 * when several delegators could be the one a decision stands in for, the earliest wins.
 */
export async function listActiveDelegationsTo(db: Database, toUserId: string, now: Date) {
  return db
    .select()
    .from(workflowDelegations)
    .where(
      and(eq(workflowDelegations.toUserId, toUserId), isNull(workflowDelegations.revokedAt), lte(workflowDelegations.startsAt, now), sql`${workflowDelegations.endsAt} > ${now}`),
    )
    .orderBy(asc(workflowDelegations.startsAt), asc(workflowDelegations.createdAt), asc(workflowDelegations.id));
}

/** The step is named for `person`, or waits for a role they hold (within the unit restriction). */
function inOwnRight(person: Pick<Person, 'id' | 'roles' | 'unitIds'>): SQL {
  return sql`(${workflowSteps.assigneeUserId} = ${person.id}
    or (${workflowSteps.assigneeUserId} is null and ${workflowSteps.assigneeRole} = any(${pgArray(person.roles)}::text[])
        and (${workflowSteps.assigneeUnitId} is null or ${workflowSteps.assigneeUnitId} = any(${pgArray(person.unitIds)}::uuid[]))))`;
}

/**
 * A delegation `d` (from the active user `f`) to `person`, current at `now`, covers the step: it
 * is named for `f`, or waits for the delegated role, which `f` holds (within the unit restriction).
 */
function delegationCovers(person: Pick<Person, 'id'>, now: Date): SQL {
  return sql`d.to_user_id = ${person.id} and d.revoked_at is null and d.starts_at <= ${now} and d.ends_at > ${now}
    and (${workflowSteps.assigneeUserId} = d.from_user_id
      or (${workflowSteps.assigneeUserId} is null and d.role = ${workflowSteps.assigneeRole} and d.role = any(f.roles)
          and (${workflowSteps.assigneeUnitId} is null
            or exists (select 1 from user_units uu where uu.user_id = f.id and uu.unit_id = ${workflowSteps.assigneeUnitId}))))`;
}

/**
 * Who `person` would decide the step for: null in their own right, else the delegator of the
 * earliest delegation that covers it (as workflows.service's decidingFor chooses).
 */
function decidingForName(person: Pick<Person, 'id' | 'roles' | 'unitIds'>, now: Date): SQL<string | null> {
  return sql<string | null>`case when ${inOwnRight(person)} then null else (
    select f.display_name from workflow_delegations d join users f on f.id = d.from_user_id and f.active
    where ${delegationCovers(person, now)}
    order by d.starts_at, d.created_at, d.id limit 1) end`;
}

/**
 * The steps `person` may decide now: named for them, or their role within the unit
 * restriction, or delegated to them by someone who may; minus the steps whose
 * `distinct_from` steps they already decided (a second manager must be another person).
 */
function decidableBy(person: Pick<Person, 'id' | 'roles' | 'unitIds'>, now: Date): SQL {
  return sql`(
    ${inOwnRight(person)}
    or exists (select 1 from workflow_delegations d join users f on f.id = d.from_user_id and f.active where ${delegationCovers(person, now)})
  ) and not exists (
    select 1 from workflow_steps p
    where p.run_id = ${workflowSteps.runId} and p.step_key = any(${workflowSteps.distinctFrom})
      and p.status = 'approved' and (p.decided_by_id = ${person.id} or p.decided_for_id = ${person.id})
  )`;
}

export interface InboxFilters {
  definitionKey?: string;
  overdueOnly?: boolean;
  limit: number;
  offset: number;
}

export async function listInbox(db: Database, person: Person, now: Date, filters: InboxFilters) {
  const where = and(
    eq(workflowSteps.status, 'active'),
    eq(workflowSteps.kind, 'approval'),
    eq(workflowRuns.status, 'running'),
    decidableBy(person, now),
    filters.definitionKey ? eq(workflowRuns.definitionKey, filters.definitionKey) : undefined,
    filters.overdueOnly ? eq(workflowSteps.overdue, true) : undefined,
  );
  const [rows, totals] = await Promise.all([
    db
      .select({ step: workflowSteps, run: workflowRuns, decidingForName: decidingForName(person, now) })
      .from(workflowSteps)
      .innerJoin(workflowRuns, eq(workflowRuns.id, workflowSteps.runId))
      .where(where)
      .orderBy(desc(workflowSteps.overdue), sql`${workflowSteps.dueAt} asc nulls last`, asc(workflowSteps.activatedAt))
      .limit(filters.limit)
      .offset(filters.offset),
    db
      .select({ value: sql<number>`count(*)::int` })
      .from(workflowSteps)
      .innerJoin(workflowRuns, eq(workflowRuns.id, workflowSteps.runId))
      .where(where),
  ]);
  return { rows, total: totals[0]?.value ?? 0 };
}

export async function countInbox(db: Database, person: Person, now: Date): Promise<number> {
  const [row] = await db
    .select({ value: sql<number>`count(*)::int` })
    .from(workflowSteps)
    .innerJoin(workflowRuns, eq(workflowRuns.id, workflowSteps.runId))
    .where(and(eq(workflowSteps.status, 'active'), eq(workflowSteps.kind, 'approval'), eq(workflowRuns.status, 'running'), decidableBy(person, now)));
  return row?.value ?? 0;
}

// ── run lists (managers, admin) ───────────────────────────────────────────────────────────
export interface RunFilters {
  /** null = every unit (admin). */
  unitIds: string[] | null;
  definitionKey?: string;
  status?: string;
  overdueOnly?: boolean;
  limit: number;
  offset: number;
}

export async function listRuns(db: Database, filters: RunFilters) {
  const where = and(
    filters.unitIds === null ? undefined : sql`${workflowRuns.unitId} = any(${pgArray(filters.unitIds)}::uuid[])`,
    filters.definitionKey ? eq(workflowRuns.definitionKey, filters.definitionKey) : undefined,
    filters.status ? eq(workflowRuns.status, filters.status as WorkflowRun['status']) : undefined,
    filters.overdueOnly
      ? sql`exists (select 1 from workflow_steps s where s.run_id = ${workflowRuns.id} and s.status = 'active' and s.overdue)`
      : undefined,
  );
  const [rows, totals] = await Promise.all([
    db
      .select({
        run: workflowRuns,
        unitName: sql<string | null>`(select name from units where id = ${workflowRuns.unitId})`,
        startedByName: sql<string | null>`(select display_name from users where id = ${workflowRuns.startedById})`,
        activeSteps: sql<string | null>`(select string_agg(label, ', ' order by label) from workflow_steps s where s.run_id = ${workflowRuns.id} and s.status = 'active')`,
        overdue: sql<boolean>`exists (select 1 from workflow_steps s where s.run_id = ${workflowRuns.id} and s.status = 'active' and s.overdue)`,
      })
      .from(workflowRuns)
      .where(where)
      .orderBy(desc(workflowRuns.startedAt), desc(workflowRuns.id))
      .limit(filters.limit)
      .offset(filters.offset),
    db.select({ value: sql<number>`count(*)::int` }).from(workflowRuns).where(where),
  ]);
  return { rows, total: totals[0]?.value ?? 0 };
}

// ── deadlines (sweeper) ───────────────────────────────────────────────────────────────────
/** Active steps with a reminder or a deadline not handled yet: the sweeper makes sure Redis holds their jobs. */
export async function listPendingDeadlines(db: Database, limit: number) {
  return db
    .select({
      id: workflowSteps.id,
      kind: workflowSteps.kind,
      remindAt: workflowSteps.remindAt,
      dueAt: workflowSteps.dueAt,
      remindedAt: workflowSteps.remindedAt,
      escalatedAt: workflowSteps.escalatedAt,
    })
    .from(workflowSteps)
    .where(
      and(
        eq(workflowSteps.status, 'active'),
        or(
          and(sql`${workflowSteps.remindAt} is not null`, isNull(workflowSteps.remindedAt)),
          and(sql`${workflowSteps.dueAt} is not null`, isNull(workflowSteps.escalatedAt)),
        ),
      ),
    )
    .orderBy(asc(workflowSteps.dueAt))
    .limit(limit);
}

// ── delegations ───────────────────────────────────────────────────────────────────────────
export async function insertDelegation(db: Database, values: typeof workflowDelegations.$inferInsert) {
  const [row] = await db.insert(workflowDelegations).values(values).returning();
  if (!row) throw new Error('insert into workflow_delegations returned nothing');
  return row;
}

export async function listDelegationsOf(db: Database, userId: string, now: Date) {
  return db
    .select({
      delegation: workflowDelegations,
      fromName: sql<string>`(select display_name from users where id = ${workflowDelegations.fromUserId})`,
      toName: sql<string>`(select display_name from users where id = ${workflowDelegations.toUserId})`,
    })
    .from(workflowDelegations)
    .where(
      and(
        or(eq(workflowDelegations.fromUserId, userId), eq(workflowDelegations.toUserId, userId)),
        isNull(workflowDelegations.revokedAt),
        sql`${workflowDelegations.endsAt} > ${now}`,
      ),
    )
    .orderBy(asc(workflowDelegations.startsAt));
}

export async function findDelegation(db: Database, id: string) {
  const [row] = await db.select().from(workflowDelegations).where(eq(workflowDelegations.id, id)).limit(1);
  return row;
}

export async function revokeDelegation(db: Database, id: string, now: Date): Promise<void> {
  await db.update(workflowDelegations).set({ revokedAt: now }).where(eq(workflowDelegations.id, id));
}

// ── notifications ─────────────────────────────────────────────────────────────────────────
export async function insertNotifications(db: Database, values: Array<typeof notifications.$inferInsert>): Promise<void> {
  if (values.length === 0) return;
  await db.insert(notifications).values(values);
}

