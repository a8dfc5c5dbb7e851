// SQL linking the sourcing pipeline to the rest of Passerelle (docs/sourcing-links.md): a case
// as the subject of an exchange (its label, who may read it), the challenges the start-up
// meeting offers, the cases of an organisation (its « Sourcing d'innovation » tab, its
// timeline), the cases of a challenge (its timeline). Visibility of confidential cases is
// caseVisibleTo (sourcing-cases.model.ts): admins, owner, unit, evaluators of its gates.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from './database';
import { type CaseViewer, caseVisibleTo } from './sourcing-cases.model';
import { type CaseStage, exchanges, organizations, sourcingCases, sourcingChallenges, sourcingGates, sourcingPilots, users } from './schema';

/** A case as an exchange's subject or a timeline's record: « <start-up> — <défi> ». */
export interface CaseLabel {
  id: string;
  organizationId: string;
  organizationName: string;
  challengeId: string | null;
  challengeTitle: string | null;
  ownerId: string | null;
  unitId: string | null;
  confidential: boolean;
  stage: CaseStage;
}

const LABEL_COLUMNS = {
  id: sourcingCases.id,
  organizationId: sourcingCases.organizationId,
  organizationName: organizations.name,
  challengeId: sourcingCases.challengeId,
  challengeTitle: sourcingChallenges.title,
  ownerId: sourcingCases.ownerId,
  unitId: sourcingCases.unitId,
  confidential: sourcingCases.confidential,
  stage: sourcingCases.stage,
};

export async function caseLabels(db: Database, ids: readonly string[]): Promise<CaseLabel[]> {
  if (ids.length === 0) return [];
  return db
    .select(LABEL_COLUMNS)
    .from(sourcingCases)
    .innerJoin(organizations, eq(organizations.id, sourcingCases.organizationId))
    .leftJoin(sourcingChallenges, eq(sourcingChallenges.id, sourcingCases.challengeId))
    .where(inArray(sourcingCases.id, [...ids]));
}

export async function caseLabel(db: Database, id: string): Promise<CaseLabel | undefined> {
  return (await caseLabels(db, [id]))[0];
}

/** Whether the user evaluates (or evaluated) one of the case's gates: they read it even when confidential. */
export async function isEvaluatorOfCase(db: Database, caseId: string, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ one: sql<number>`1` })
    .from(sourcingGates)
    .where(and(eq(sourcingGates.caseId, caseId), sql`${userId}::uuid = any(${sourcingGates.evaluatorIds})`))
    .limit(1);
  return row !== undefined;
}

/** The cases these exchanges are about that the viewer may read, by exchange id (the exchanges list). */
export async function caseSubjectsOfExchanges(db: Database, exchangeIds: readonly string[], viewer: CaseViewer): Promise<Map<string, CaseLabel>> {
  if (exchangeIds.length === 0) return new Map();
  const rows = await db
    .select({ exchangeId: exchanges.id, ...LABEL_COLUMNS })
    .from(exchanges)
    .innerJoin(sourcingCases, eq(sourcingCases.id, exchanges.subjectId))
    .innerJoin(organizations, eq(organizations.id, sourcingCases.organizationId))
    .leftJoin(sourcingChallenges, eq(sourcingChallenges.id, sourcingCases.challengeId))
    .where(and(inArray(exchanges.id, [...exchangeIds]), eq(exchanges.subjectType, 'sourcing_case'), caseVisibleTo(viewer)));
  return new Map(rows.map(({ exchangeId, ...label }) => [exchangeId, label]));
}

/** The challenges a start-up meeting may add a case to: open or being sourced, by title. */
export async function challengesOpenForCases(db: Database): Promise<Array<{ id: string; title: string }>> {
  return db
    .select({ id: sourcingChallenges.id, title: sourcingChallenges.title })
    .from(sourcingChallenges)
    .where(inArray(sourcingChallenges.status, ['ouvert', 'en_sourcing']))
    .orderBy(asc(sourcingChallenges.title), asc(sourcingChallenges.id))
    .limit(500);
}

/** The spontaneous case (no challenge) of a start-up still under way, if any (the newest). */
export async function openSpontaneousCaseOf(db: Database, organizationId: string) {
  const [row] = await db
    .select()
    .from(sourcingCases)
    .where(and(eq(sourcingCases.organizationId, organizationId), sql`${sourcingCases.challengeId} is null`, sql`${sourcingCases.stage} not in ('abandonnee', 'deployee')`))
    .orderBy(sql`${sourcingCases.createdAt} desc`)
    .limit(1);
  return row;
}

/** The ids of the cases of these organisations that the viewer may read. */
export async function visibleCaseIdsOfOrganizations(db: Database, organizationIds: readonly string[], viewer: CaseViewer): Promise<string[]> {
  if (organizationIds.length === 0) return [];
  const rows = await db
    .select({ id: sourcingCases.id })
    .from(sourcingCases)
    .where(and(inArray(sourcingCases.organizationId, [...organizationIds]), caseVisibleTo(viewer)));
  return rows.map((row) => row.id);
}

/** The ids of the challenge's cases that the viewer may read. */
export async function visibleCaseIdsOfChallenge(db: Database, challengeId: string, viewer: CaseViewer): Promise<string[]> {
  const rows = await db
    .select({ id: sourcingCases.id })
    .from(sourcingCases)
    .where(and(eq(sourcingCases.challengeId, challengeId), caseVisibleTo(viewer)));
  return rows.map((row) => row.id);
}

/** The organisation's « Sourcing d'innovation » tab: its cases the viewer may read, with their latest pilot. */
export async function casesOfOrganization(db: Database, organizationId: string, viewer: CaseViewer) {
  const latestPilot = sql<{ status: string; endsOn: string | null; decision: string | null } | null>`(
    select json_build_object('status', p.status, 'endsOn', p.ends_on, 'decision', p.decision)
      from ${sourcingPilots} p where p.case_id = ${sourcingCases.id} order by p.iteration desc limit 1)`;
  const rows = await db
    .select({
      id: sourcingCases.id,
      challengeId: sourcingCases.challengeId,
      challengeTitle: sourcingChallenges.title,
      stage: sourcingCases.stage,
      stageEnteredAt: sourcingCases.stageEnteredAt,
      source: sourcingCases.source,
      ownerId: sourcingCases.ownerId,
      unitId: sourcingCases.unitId,
      ownerName: users.displayName,
      nextStep: sourcingCases.nextStep,
      nextStepOn: sourcingCases.nextStepOn,
      confidential: sourcingCases.confidential,
      pilot: latestPilot,
    })
    .from(sourcingCases)
    .leftJoin(sourcingChallenges, eq(sourcingChallenges.id, sourcingCases.challengeId))
    .leftJoin(users, eq(users.id, sourcingCases.ownerId))
    .where(and(eq(sourcingCases.organizationId, organizationId), caseVisibleTo(viewer)))
    .orderBy(sql`${sourcingCases.stageEnteredAt} desc`, asc(sourcingCases.id))
    .limit(200);
  // json may come back as text, depending on the driver.
  return rows.map((row) => ({ ...row, pilot: typeof row.pilot === 'string' ? (JSON.parse(row.pilot) as typeof row.pilot) : row.pilot }));
}
