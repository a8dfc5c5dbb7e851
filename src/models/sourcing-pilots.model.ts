// SQL of pilots (« expérimentations »): the pilot row, its success criteria and milestones, the
// list (/sourcing/pilotes) with its « sans décision » state (en cours, end date passed), the
// dashboard's overdue pilots, the case page's panel, and the convention a case drafted.
// Rules, permissions and the journal live in src/services/sourcing-pilots.service.ts.
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { type Database, rowsOf } from './database';
import { uuidArray } from './sql-arrays';
import {
  type NewTask,
  type SourcingPilot,
  type SourcingPilotCriterion,
  type SourcingPilotMilestone,
  conventions,
  organizations,
  sourcingCases,
  sourcingChallenges,
  sourcingPilotCriteria,
  sourcingPilotMilestones,
  sourcingPilots,
  tasks,
  userUnits,
  users,
} from './schema';

export type NewSourcingPilot = typeof sourcingPilots.$inferInsert;

export async function insertPilot(tx: Database, values: NewSourcingPilot): Promise<SourcingPilot> {
  const [row] = await tx.insert(sourcingPilots).values(values).returning();
  if (!row) throw new Error('pilot not inserted');
  return row;
}

export async function findPilot(db: Database, id: string): Promise<SourcingPilot | undefined> {
  const [row] = await db.select().from(sourcingPilots).where(eq(sourcingPilots.id, id)).limit(1);
  return row;
}

export async function lockPilot(tx: Database, id: string): Promise<SourcingPilot | undefined> {
  const [row] = await tx.select().from(sourcingPilots).where(eq(sourcingPilots.id, id)).for('update').limit(1);
  return row;
}

export async function updatePilotRow(tx: Database, id: string, values: Partial<NewSourcingPilot>): Promise<SourcingPilot> {
  const [row] = await tx
    .update(sourcingPilots)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(sourcingPilots.id, id))
    .returning();
  if (!row) throw new Error('pilot not updated');
  return row;
}

/** The highest iteration of a case's pilots (0 when none). */
export async function lastIterationOfCase(db: Database, caseId: string): Promise<number> {
  const [row] = await db.select({ last: sql<number>`coalesce(max(${sourcingPilots.iteration}), 0)::int` }).from(sourcingPilots).where(eq(sourcingPilots.caseId, caseId));
  return Number(row?.last ?? 0);
}

export async function openPilotOfCase(db: Database, caseId: string): Promise<SourcingPilot | undefined> {
  const [row] = await db
    .select()
    .from(sourcingPilots)
    .where(and(eq(sourcingPilots.caseId, caseId), sql`${sourcingPilots.status} <> 'clos'`))
    .limit(1);
  return row;
}

/** The case's latest pilot (highest iteration), open or closed; undefined when it never had one. */
export async function lastPilotOfCase(db: Database, caseId: string): Promise<SourcingPilot | undefined> {
  const [row] = await db.select().from(sourcingPilots).where(eq(sourcingPilots.caseId, caseId)).orderBy(desc(sourcingPilots.iteration)).limit(1);
  return row;
}

export async function pilotsOfCase(db: Database, caseId: string) {
  const owner = alias(users, 'decision_owner');
  return db
    .select({
      id: sourcingPilots.id,
      iteration: sourcingPilots.iteration,
      status: sourcingPilots.status,
      startsOn: sourcingPilots.startsOn,
      endsOn: sourcingPilots.endsOn,
      decision: sourcingPilots.decision,
      decidedAt: sourcingPilots.decidedAt,
      decisionOwnerName: owner.displayName,
    })
    .from(sourcingPilots)
    .leftJoin(owner, eq(owner.id, sourcingPilots.decisionOwnerId))
    .where(eq(sourcingPilots.caseId, caseId))
    .orderBy(desc(sourcingPilots.iteration));
}

// ── criteria and milestones ────────────────────────────────────────────────────────────────
export async function criteriaOf(db: Database, pilotId: string): Promise<SourcingPilotCriterion[]> {
  return db.select().from(sourcingPilotCriteria).where(eq(sourcingPilotCriteria.pilotId, pilotId)).orderBy(asc(sourcingPilotCriteria.position), asc(sourcingPilotCriteria.id));
}

export async function replaceCriteria(tx: Database, pilotId: string, rows: ReadonlyArray<{ label: string; measure: string; target: string }>): Promise<void> {
  await tx.delete(sourcingPilotCriteria).where(eq(sourcingPilotCriteria.pilotId, pilotId));
  if (rows.length === 0) return;
  await tx.insert(sourcingPilotCriteria).values(rows.map((row, position) => ({ pilotId, position, label: row.label, measure: row.measure, target: row.target })));
}

/** Records the results of a pilot's criteria (one statement). */
export async function recordCriteriaResults(tx: Database, pilotId: string, results: ReadonlyArray<{ id: string; result: string; met: boolean }>): Promise<void> {
  if (results.length === 0) return;
  await tx.execute(sql`
    update sourcing_pilot_criteria c set result = r.result, met = r.met
    from jsonb_to_recordset(${JSON.stringify(results)}::jsonb) as r(id uuid, result text, met boolean)
    where c.id = r.id and c.pilot_id = ${pilotId}::uuid`);
}

export async function milestonesOf(db: Database, pilotId: string): Promise<SourcingPilotMilestone[]> {
  return db.select().from(sourcingPilotMilestones).where(eq(sourcingPilotMilestones.pilotId, pilotId)).orderBy(asc(sourcingPilotMilestones.checkOn), asc(sourcingPilotMilestones.id));
}

export async function insertMilestone(tx: Database, values: typeof sourcingPilotMilestones.$inferInsert): Promise<SourcingPilotMilestone> {
  const [row] = await tx.insert(sourcingPilotMilestones).values(values).returning();
  if (!row) throw new Error('milestone not inserted');
  return row;
}

export async function updateMilestone(tx: Database, id: string, values: Partial<typeof sourcingPilotMilestones.$inferInsert>): Promise<void> {
  await tx.update(sourcingPilotMilestones).set(values).where(eq(sourcingPilotMilestones.id, id));
}

export async function deleteMilestones(tx: Database, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.delete(sourcingPilotMilestones).where(inArray(sourcingPilotMilestones.id, [...ids]));
}

/** Tasks by id (the milestones' checks). */
export async function tasksByIds(db: Database, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return db.select().from(tasks).where(inArray(tasks.id, [...ids]));
}

export async function insertMilestoneTask(tx: Database, values: NewTask) {
  const [row] = await tx.insert(tasks).values(values).returning();
  if (!row) throw new Error('task not inserted');
  return row;
}

// ── people ────────────────────────────────────────────────────────────────────────────────
/**
 * Who may own a pilot's decision: active users with `sourcing.sponsor` (admins, managers), and the
 * case's editors (chargés of its unit, its owner). Sorted by name.
 */
export async function decisionOwnerChoices(db: Database, unitId: string | null, caseOwnerId: string | null): Promise<Array<{ id: string; displayName: string }>> {
  const inUnit = unitId ? sql`exists (select 1 from ${userUnits} uu where uu.user_id = ${users.id} and uu.unit_id = ${unitId}::uuid)` : sql`false`;
  return db
    .select({ id: users.id, displayName: users.displayName })
    .from(users)
    .where(
      and(
        eq(users.active, true),
        sql`('admin' = any(${users.roles}) or 'manager' = any(${users.roles}) or ('charge' = any(${users.roles}) and ${inUnit}) or ${users.id} = ${caseOwnerId}::uuid)`,
      ),
    )
    .orderBy(asc(users.displayName));
}

export async function userNames(db: Database, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select({ id: users.id, name: users.displayName }).from(users).where(inArray(users.id, [...ids]));
  return new Map(rows.map((row) => [row.id, row.name]));
}

// ── the case a pilot belongs to, with its names ─────────────────────────────────────────────
export async function caseSummary(db: Database, caseId: string) {
  const [row] = await db
    .select({
      id: sourcingCases.id,
      stage: sourcingCases.stage,
      organizationId: sourcingCases.organizationId,
      startupName: organizations.name,
      challengeId: sourcingCases.challengeId,
      challengeTitle: sourcingChallenges.title,
      sponsorId: sourcingChallenges.sponsorId,
      ownerId: sourcingCases.ownerId,
      unitId: sourcingCases.unitId,
      confidential: sourcingCases.confidential,
      conventionId: sourcingCases.conventionId,
    })
    .from(sourcingCases)
    .innerJoin(organizations, eq(organizations.id, sourcingCases.organizationId))
    .leftJoin(sourcingChallenges, eq(sourcingChallenges.id, sourcingCases.challengeId))
    .where(eq(sourcingCases.id, caseId))
    .limit(1);
  return row;
}
export type CaseSummary = NonNullable<Awaited<ReturnType<typeof caseSummary>>>;

export async function setCaseConvention(tx: Database, caseId: string, conventionId: string, at: Date): Promise<void> {
  await tx.update(sourcingCases).set({ conventionId, updatedAt: at }).where(eq(sourcingCases.id, caseId));
}

/** The case that drafted this convention (its page says « Issue de la piste … »). */
export async function caseOfConvention(db: Database, conventionId: string) {
  const [row] = await db
    .select({ id: sourcingCases.id, startupName: organizations.name, challengeTitle: sourcingChallenges.title })
    .from(sourcingCases)
    .innerJoin(organizations, eq(organizations.id, sourcingCases.organizationId))
    .leftJoin(sourcingChallenges, eq(sourcingChallenges.id, sourcingCases.challengeId))
    .where(eq(sourcingCases.conventionId, conventionId))
    .limit(1);
  return row;
}

export async function conventionReference(db: Database, id: string) {
  const [row] = await db.select({ id: conventions.id, reference: conventions.reference, title: conventions.title, status: conventions.status }).from(conventions).where(eq(conventions.id, id)).limit(1);
  return row;
}

/** The challenges, for the list's filter. */
export async function listChallengeChoices(db: Database) {
  return db.select({ id: sourcingChallenges.id, title: sourcingChallenges.title }).from(sourcingChallenges).orderBy(asc(sourcingChallenges.title)).limit(500);
}

// ── the list ──────────────────────────────────────────────────────────────────────────────
export const PILOT_STATES = ['en_preparation', 'en_cours', 'sans_decision', 'clos'] as const;
export type PilotState = (typeof PILOT_STATES)[number];
export const PILOT_SORTS = ['fin', 'debut', 'startup', 'maj'] as const;
export type PilotSort = (typeof PILOT_SORTS)[number];

export interface PilotListFilters {
  state: PilotState | null;
  challengeId: string | null;
  unitId: string | null;
  decisionOwnerId: string | null;
  /** The Paris day: « sans décision » = en cours and ends before it. */
  today: string;
  sort: PilotSort;
  dir: 'asc' | 'desc';
  /** SQL condition on sourcing_cases (the viewer may read the case). */
  visible: SQL;
}

function stateCondition(state: PilotState | null, today: string): SQL | undefined {
  if (state === 'sans_decision') return sql`${sourcingPilots.status} = 'en_cours' and ${sourcingPilots.endsOn} < ${today}::date`;
  if (state === 'en_cours') return sql`${sourcingPilots.status} = 'en_cours' and (${sourcingPilots.endsOn} is null or ${sourcingPilots.endsOn} >= ${today}::date)`;
  if (state) return eq(sourcingPilots.status, state);
  return undefined;
}

export async function listPilots(db: Database, filters: PilotListFilters, page: { limit: number; offset: number }) {
  const owner = alias(users, 'decision_owner');
  const conditions: SQL[] = [filters.visible];
  const state = stateCondition(filters.state, filters.today);
  if (state) conditions.push(state);
  if (filters.challengeId) conditions.push(eq(sourcingCases.challengeId, filters.challengeId));
  if (filters.unitId) conditions.push(sql`(${sourcingCases.unitId} = ${filters.unitId}::uuid or ${filters.unitId}::uuid = any(${sourcingPilots.unitIds}))`);
  if (filters.decisionOwnerId) conditions.push(eq(sourcingPilots.decisionOwnerId, filters.decisionOwnerId));
  const where = and(...conditions);
  const order = (column: SQL) => (filters.dir === 'desc' ? sql`${column} desc nulls last` : sql`${column} asc nulls last`);
  const orderBy: SQL[] = {
    fin: [order(sql`${sourcingPilots.endsOn}`)],
    debut: [order(sql`${sourcingPilots.startsOn}`)],
    startup: [order(sql`lower(${organizations.name})`), sql`${sourcingPilots.iteration} desc`],
    maj: [order(sql`${sourcingPilots.updatedAt}`)],
  }[filters.sort];
  const rows = await db
    .select({
      id: sourcingPilots.id,
      caseId: sourcingPilots.caseId,
      iteration: sourcingPilots.iteration,
      status: sourcingPilots.status,
      startsOn: sourcingPilots.startsOn,
      endsOn: sourcingPilots.endsOn,
      extendedAt: sourcingPilots.extendedAt,
      decision: sourcingPilots.decision,
      decisionOwnerName: owner.displayName,
      startupName: organizations.name,
      challengeId: sourcingCases.challengeId,
      challengeTitle: sourcingChallenges.title,
      overdue: sql<boolean>`(${sourcingPilots.status} = 'en_cours' and ${sourcingPilots.endsOn} < ${filters.today}::date)`,
    })
    .from(sourcingPilots)
    .innerJoin(sourcingCases, eq(sourcingCases.id, sourcingPilots.caseId))
    .innerJoin(organizations, eq(organizations.id, sourcingCases.organizationId))
    .leftJoin(sourcingChallenges, eq(sourcingChallenges.id, sourcingCases.challengeId))
    .leftJoin(owner, eq(owner.id, sourcingPilots.decisionOwnerId))
    .where(where)
    .orderBy(...orderBy, asc(sourcingPilots.id))
    .limit(page.limit)
    .offset(page.offset);
  const [counted] = await db
    .select({ total: sql<number>`count(*)::int` })
    .from(sourcingPilots)
    .innerJoin(sourcingCases, eq(sourcingCases.id, sourcingPilots.caseId))
    .where(where);
  return { rows, total: Number(counted?.total ?? 0) };
}

/** Pilots en cours past their end date (no decision), of cases run by these units (or all: null), oldest end first. */
export async function overduePilots(db: Database, unitIds: readonly string[] | null, today: string, limit: number) {
  const units = unitIds === null ? sql`true` : unitIds.length === 0 ? sql`false` : sql`c.unit_id = any(${uuidArray(unitIds)})`;
  const where = sql`p.status = 'en_cours' and p.ends_on < ${today}::date and ${units}`;
  const rows = rowsOf<{ pilotId: string; caseId: string; startupName: string; challengeTitle: string | null; endsOn: string; daysOverdue: number; decisionOwnerName: string | null }>(
    await db.execute(sql`
      select p.id as "pilotId", c.id as "caseId", o.name as "startupName", ch.title as "challengeTitle", p.ends_on::text as "endsOn",
        (${today}::date - p.ends_on)::int as "daysOverdue", u.display_name as "decisionOwnerName"
      from sourcing_pilots p
      join sourcing_cases c on c.id = p.case_id
      join organizations o on o.id = c.organization_id
      left join sourcing_challenges ch on ch.id = c.challenge_id
      left join users u on u.id = p.decision_owner_id
      where ${where}
      order by p.ends_on, p.id
      limit ${limit}`),
  );
  const [counted] = rowsOf<{ total: number }>(await db.execute(sql`select count(*)::int as total from sourcing_pilots p join sourcing_cases c on c.id = p.case_id where ${where}`));
  return { rows: rows.map((row) => ({ ...row, daysOverdue: Number(row.daysOverdue) })), total: Number(counted?.total ?? 0) };
}
