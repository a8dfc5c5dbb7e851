// SQL of sourcing challenges (« défis »): the row, its units, the list (filters, sort, pages, case
// counts per stage), and the blocks of its page (cases by stage, exchanges about its cases,
// decided gates). Rules (who reads and writes) are sourcing-challenges.service.ts's.
import { asc, eq, sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Database } from './database';
import { type ExchangeViewer, exchangeVisibleTo } from './exchange-visibility';
import { type CaseViewer, caseVisibleTo } from './sourcing-cases.model';
import { textArray, uuidArray } from './sql-arrays';
import {
  type CaseStage,
  type ChallengeOutcome,
  type ChallengeStatus,
  type GateStatus,
  type GateTarget,
  type NewSourcingChallenge,
  type SourcingChallenge,
  exchangeOrganizations,
  exchanges,
  organizations,
  sourcingCases,
  sourcingChallengeUnits,
  sourcingChallenges,
  sourcingGates,
  units,
  users,
} from './schema';

export async function findChallenge(db: Database, id: string): Promise<SourcingChallenge | undefined> {
  const [row] = await db.select().from(sourcingChallenges).where(eq(sourcingChallenges.id, id)).limit(1);
  return row;
}

/** The challenge row locked for an edit or a status change. */
export async function lockChallenge(tx: Database, id: string): Promise<SourcingChallenge | undefined> {
  const [row] = await tx.select().from(sourcingChallenges).where(eq(sourcingChallenges.id, id)).for('update').limit(1);
  return row;
}

/** The challenge's units, main unit first. */
export async function listUnitIdsOfChallenge(db: Database, challengeId: string): Promise<string[]> {
  const rows = await db
    .select({ unitId: sourcingChallengeUnits.unitId })
    .from(sourcingChallengeUnits)
    .where(eq(sourcingChallengeUnits.challengeId, challengeId))
    .orderBy(asc(sourcingChallengeUnits.position));
  return rows.map((row) => row.unitId);
}

export async function insertChallenge(tx: Database, values: NewSourcingChallenge): Promise<SourcingChallenge> {
  const [row] = await tx.insert(sourcingChallenges).values(values).returning();
  if (!row) throw new Error('sourcing challenge not inserted');
  return row;
}

export async function updateChallengeRow(tx: Database, id: string, values: Partial<NewSourcingChallenge>): Promise<SourcingChallenge> {
  const [row] = await tx.update(sourcingChallenges).set(values).where(eq(sourcingChallenges.id, id)).returning();
  if (!row) throw new Error('sourcing challenge not updated');
  return row;
}

/** Replaces the challenge's units (in this order: the first is the main unit). */
export async function replaceChallengeUnits(tx: Database, challengeId: string, unitIds: readonly string[]): Promise<void> {
  await tx.delete(sourcingChallengeUnits).where(eq(sourcingChallengeUnits.challengeId, challengeId));
  if (unitIds.length > 0) await tx.insert(sourcingChallengeUnits).values(unitIds.map((unitId, position) => ({ challengeId, unitId, position })));
}

/** Active users holding one of these roles, by name (the owner and sponsor pickers). */
export async function listActiveUsersWithRoles(db: Database, roles: readonly string[]): Promise<Array<{ id: string; displayName: string }>> {
  return rowsOf<{ id: string; displayName: string }>(
    await db.execute(sql`select ${users.id} as id, ${users.displayName} as "displayName" from ${users}
      where ${users.active} and ${users.roles} && ${textArray(roles)}
      order by ${users.displayName} collate "und-x-icu"`),
  );
}

/** Names of users and units (the page's header, the journal's readable values). */
export async function namesOfUsers(db: Database, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = rowsOf<{ id: string; name: string }>(await db.execute(sql`select ${users.id} as id, ${users.displayName} as name from ${users} where ${users.id} = any(${uuidArray(ids)})`));
  return new Map(rows.map((row) => [row.id, row.name]));
}

export async function unitsByIds(db: Database, ids: readonly string[]): Promise<Array<{ id: string; name: string; archived: boolean }>> {
  if (ids.length === 0) return [];
  return rowsOf<{ id: string; name: string; archived: boolean }>(
    await db.execute(sql`select ${units.id} as id, ${units.name} as name, (${units.archivedAt} is not null) as archived from ${units} where ${units.id} = any(${uuidArray(ids)})`),
  );
}

// ── The list ─────────────────────────────────────────────────────────────────────────────────

export const CHALLENGE_LIST_SORTS = ['created', 'title', 'status', 'cases'] as const;
export type ChallengeListSort = (typeof CHALLENGE_LIST_SORTS)[number];

export interface ChallengeListFilters {
  q?: string;
  status?: ChallengeStatus;
  unitId?: string;
  ownerId?: string;
  sort: ChallengeListSort;
  direction: 'asc' | 'desc';
  /** Counts include only the cases this person may read (confidential ones hidden from others). */
  viewer: CaseViewer;
}

export interface ChallengeListRow {
  id: string;
  title: string;
  status: ChallengeStatus;
  outcome: ChallengeOutcome | null;
  startsOn: string | null;
  endsOn: string | null;
  createdAt: Date;
  ownerId: string | null;
  ownerName: string | null;
  sponsorName: string | null;
  unitNames: string[];
  caseCount: number;
  /** Cases currently in each stage (stages without cases absent). */
  stageCounts: Partial<Record<CaseStage, number>>;
}

function whereOf(filters: ChallengeListFilters): SQL {
  const conditions: SQL[] = [sql`true`];
  if (filters.status) conditions.push(sql`${sourcingChallenges.status} = ${filters.status}`);
  if (filters.ownerId) conditions.push(sql`${sourcingChallenges.ownerId} = ${filters.ownerId}`);
  if (filters.unitId) {
    conditions.push(sql`exists (select 1 from ${sourcingChallengeUnits} where ${sourcingChallengeUnits.challengeId} = ${sourcingChallenges.id} and ${sourcingChallengeUnits.unitId} = ${filters.unitId})`);
  }
  if (filters.q) {
    const pattern = `%${filters.q.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
    conditions.push(sql`lower(immutable_unaccent(${sourcingChallenges.title} || ' ' || ${sourcingChallenges.problemStatement})) like lower(immutable_unaccent(${pattern}::text))`);
  }
  return sql.join(conditions, sql` and `);
}

function orderOf(sort: ChallengeListSort, direction: 'asc' | 'desc'): SQL {
  const dir = direction === 'asc' ? sql`asc` : sql`desc`;
  switch (sort) {
    case 'created':
      return sql`${sourcingChallenges.createdAt} ${dir}, ${sourcingChallenges.id} ${dir}`;
    case 'title':
      return sql`lower(${sourcingChallenges.title}) ${dir}, ${sourcingChallenges.id} asc`;
    case 'status':
      // The life cycle's order, not the alphabet.
      return sql`array_position(array['brouillon','ouvert','en_sourcing','clos']::text[], ${sourcingChallenges.status}) ${dir}, lower(${sourcingChallenges.title}) asc, ${sourcingChallenges.id} asc`;
    case 'cases':
      return sql`coalesce(counts.total, 0) ${dir}, lower(${sourcingChallenges.title}) asc, ${sourcingChallenges.id} asc`;
  }
}

/** One page of challenges and the number of matches (challenges are tens: a plain count). */
export async function listChallenges(db: Database, filters: ChallengeListFilters, page: { limit: number; offset: number }): Promise<{ rows: ChallengeListRow[]; total: number }> {
  const where = whereOf(filters);
  const owner = sql.raw('owner_user');
  const sponsor = sql.raw('sponsor_user');
  const rows = rowsOf<Omit<ChallengeListRow, 'stageCounts' | 'caseCount'> & { caseCount: number | null; stageCounts: Record<string, number> | null }>(
    await db.execute(sql`with counts as (
        select per_stage.challenge_id, sum(per_stage.n)::int as total, jsonb_object_agg(per_stage.stage, per_stage.n) as stages
        from (select ${sourcingCases.challengeId} as challenge_id, ${sourcingCases.stage} as stage, count(*)::int as n
              from ${sourcingCases} where ${sourcingCases.challengeId} is not null and ${caseVisibleTo(filters.viewer)}
              group by ${sourcingCases.challengeId}, ${sourcingCases.stage}) per_stage
        group by per_stage.challenge_id)
      select ${sourcingChallenges.id} as id, ${sourcingChallenges.title} as title, ${sourcingChallenges.status} as status, ${sourcingChallenges.outcome} as outcome,
        ${sourcingChallenges.startsOn} as "startsOn", ${sourcingChallenges.endsOn} as "endsOn", ${sourcingChallenges.createdAt} as "createdAt",
        ${sourcingChallenges.ownerId} as "ownerId", ${owner}.display_name as "ownerName", ${sponsor}.display_name as "sponsorName",
        array(select u.name from ${sourcingChallengeUnits} cu join ${units} u on u.id = cu.unit_id where cu.challenge_id = ${sourcingChallenges.id} order by cu.position) as "unitNames",
        counts.total as "caseCount", counts.stages as "stageCounts"
      from ${sourcingChallenges}
      left join ${users} ${owner} on ${owner}.id = ${sourcingChallenges.ownerId}
      left join ${users} ${sponsor} on ${sponsor}.id = ${sourcingChallenges.sponsorId}
      left join counts on counts.challenge_id = ${sourcingChallenges.id}
      where ${where} order by ${orderOf(filters.sort, filters.direction)} limit ${page.limit} offset ${page.offset}`),
  ).map((row) => ({
    ...row,
    createdAt: new Date(row.createdAt),
    startsOn: row.startsOn ? String(row.startsOn).slice(0, 10) : null,
    endsOn: row.endsOn ? String(row.endsOn).slice(0, 10) : null,
    unitNames: row.unitNames ?? [],
    caseCount: Number(row.caseCount ?? 0),
    stageCounts: (row.stageCounts ?? {}) as Partial<Record<CaseStage, number>>,
  }));
  const [count] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from ${sourcingChallenges} where ${where}`));
  return { rows, total: Number(count?.n ?? 0) };
}

// ── The challenge page ───────────────────────────────────────────────────────────────────────

export interface ChallengeCaseRow {
  id: string;
  stage: CaseStage;
  stageEnteredAt: Date;
  organizationId: string;
  organizationName: string;
  ownerName: string | null;
  confidential: boolean;
}

/** The challenge's cases the viewer may read, by stage then start-up name. */
export async function listCasesOfChallenge(db: Database, challengeId: string, viewer: CaseViewer): Promise<ChallengeCaseRow[]> {
  return rowsOf<ChallengeCaseRow>(
    await db.execute(sql`select ${sourcingCases.id} as id, ${sourcingCases.stage} as stage, ${sourcingCases.stageEnteredAt} as "stageEnteredAt",
        ${sourcingCases.organizationId} as "organizationId", ${organizations.name} as "organizationName", ${users.displayName} as "ownerName",
        ${sourcingCases.confidential} as confidential
      from ${sourcingCases} join ${organizations} on ${organizations.id} = ${sourcingCases.organizationId}
      left join ${users} on ${users.id} = ${sourcingCases.ownerId}
      where ${sourcingCases.challengeId} = ${challengeId} and ${caseVisibleTo(viewer)}
      order by ${organizations.name} collate "und-x-icu", ${sourcingCases.id}`),
  ).map((row) => ({ ...row, stageEnteredAt: new Date(row.stageEnteredAt) }));
}

export interface ChallengeExchangeRow {
  id: string;
  kind: string;
  occurredAt: Date;
  summary: string;
  caseId: string;
  organizationNames: string[];
}

/** Exchanges whose subject is one of these cases, that the viewer may read, latest first, and how many there are. */
export async function listExchangesOfCases(db: Database, caseIds: readonly string[], viewer: ExchangeViewer, limit: number): Promise<{ rows: ChallengeExchangeRow[]; total: number }> {
  if (caseIds.length === 0) return { rows: [], total: 0 };
  const where = sql`${exchanges.subjectType} = 'sourcing_case' and ${exchanges.subjectId} = any(${uuidArray(caseIds)}) and ${exchangeVisibleTo(viewer)}`;
  const rows = rowsOf<ChallengeExchangeRow>(
    await db.execute(sql`select ${exchanges.id} as id, ${exchanges.kind} as kind, ${exchanges.occurredAt} as "occurredAt", ${exchanges.summary} as summary,
        ${exchanges.subjectId} as "caseId",
        array(select o.name from ${exchangeOrganizations} eo join ${organizations} o on o.id = eo.organization_id where eo.exchange_id = ${exchanges.id} order by o.name) as "organizationNames"
      from ${exchanges} where ${where} order by ${exchanges.occurredAt} desc, ${exchanges.id} desc limit ${limit}`),
  ).map((row) => ({ ...row, occurredAt: new Date(row.occurredAt), organizationNames: row.organizationNames ?? [] }));
  const [count] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from ${exchanges} where ${where}`));
  return { rows, total: Number(count?.n ?? 0) };
}

export interface ChallengeDecisionRow {
  id: string;
  caseId: string;
  organizationName: string;
  targetStage: GateTarget;
  status: GateStatus;
  decidedAt: Date | null;
  deciderName: string | null;
  rationale: string | null;
}

/** The decided gates (go, no-go, complément) of the challenge's cases the viewer may read, latest first. */
export async function listDecisionsOfChallenge(db: Database, challengeId: string, viewer: CaseViewer, limit: number): Promise<ChallengeDecisionRow[]> {
  return rowsOf<ChallengeDecisionRow>(
    await db.execute(sql`select ${sourcingGates.id} as id, ${sourcingGates.caseId} as "caseId", ${organizations.name} as "organizationName",
        ${sourcingGates.targetStage} as "targetStage", ${sourcingGates.status} as status, ${sourcingGates.decidedAt} as "decidedAt",
        ${users.displayName} as "deciderName", ${sourcingGates.rationale} as rationale
      from ${sourcingGates} join ${sourcingCases} on ${sourcingCases.id} = ${sourcingGates.caseId}
      join ${organizations} on ${organizations.id} = ${sourcingCases.organizationId}
      left join ${users} on ${users.id} = ${sourcingGates.decidedById}
      where ${sourcingCases.challengeId} = ${challengeId} and ${sourcingGates.status} in ('go', 'no_go', 'complement') and ${caseVisibleTo(viewer)}
      order by ${sourcingGates.decidedAt} desc nulls last, ${sourcingGates.id} desc limit ${limit}`),
  ).map((row) => ({ ...row, decidedAt: row.decidedAt ? new Date(row.decidedAt) : null }));
}
