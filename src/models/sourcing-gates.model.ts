// SQL of the sourcing committee (« Comité de sourcing »): gates and their scorecards, and the
// decision log's rows. The rules (who sees scores, who decides) are in sourcing-gates.service.ts.
import { and, asc, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Database } from './database';
import {
  type SourcingGate,
  type SourcingScorecard,
  organizations,
  sourcingCases,
  sourcingChallenges,
  sourcingGates,
  sourcingScorecards,
  users,
} from './schema';

export async function insertGate(tx: Database, values: typeof sourcingGates.$inferInsert): Promise<SourcingGate> {
  const [row] = await tx.insert(sourcingGates).values(values).returning();
  if (!row) throw new Error('gate not inserted');
  return row;
}

export async function updateGate(tx: Database, id: string, values: Partial<typeof sourcingGates.$inferInsert>): Promise<SourcingGate> {
  const [row] = await tx.update(sourcingGates).set(values).where(eq(sourcingGates.id, id)).returning();
  if (!row) throw new Error('gate not updated');
  return row;
}

export async function findGate(db: Database, id: string): Promise<SourcingGate | undefined> {
  const [row] = await db.select().from(sourcingGates).where(eq(sourcingGates.id, id)).limit(1);
  return row;
}

export async function lockGate(tx: Database, id: string): Promise<SourcingGate | undefined> {
  const [row] = await tx.select().from(sourcingGates).where(eq(sourcingGates.id, id)).for('update').limit(1);
  return row;
}

export async function findGateOfRun(db: Database, runId: string): Promise<SourcingGate | undefined> {
  const [row] = await db.select().from(sourcingGates).where(eq(sourcingGates.runId, runId)).limit(1);
  return row;
}

export async function listGatesOfCase(db: Database, caseId: string): Promise<SourcingGate[]> {
  return db.select().from(sourcingGates).where(eq(sourcingGates.caseId, caseId)).orderBy(desc(sourcingGates.createdAt), desc(sourcingGates.id));
}

export async function insertScorecards(tx: Database, values: Array<typeof sourcingScorecards.$inferInsert>): Promise<SourcingScorecard[]> {
  if (values.length === 0) return [];
  return tx.insert(sourcingScorecards).values(values).returning();
}

export async function updateScorecard(tx: Database, id: string, values: Partial<typeof sourcingScorecards.$inferInsert>): Promise<SourcingScorecard> {
  const [row] = await tx.update(sourcingScorecards).set(values).where(eq(sourcingScorecards.id, id)).returning();
  if (!row) throw new Error('scorecard not updated');
  return row;
}

/** A gate's scorecards with the evaluator's name, in creation order (recused ones included). */
export async function listScorecardsOfGate(db: Database, gateId: string) {
  return db
    .select({ scorecard: sourcingScorecards, evaluatorName: users.displayName })
    .from(sourcingScorecards)
    .leftJoin(users, eq(users.id, sourcingScorecards.evaluatorId))
    .where(eq(sourcingScorecards.gateId, gateId))
    .orderBy(asc(sourcingScorecards.createdAt), asc(sourcingScorecards.id));
}

export async function findScorecardOfStep(db: Database, stepId: string): Promise<SourcingScorecard | undefined> {
  const [row] = await db.select().from(sourcingScorecards).where(eq(sourcingScorecards.stepId, stepId)).orderBy(desc(sourcingScorecards.createdAt)).limit(1);
  return row;
}

/** The start-up's name and the challenge's title of a case (labels of a gate). */
export async function findCaseLabels(db: Database, caseId: string) {
  const [row] = await db
    .select({ startupName: organizations.name, challengeTitle: sourcingChallenges.title, challengeId: sourcingChallenges.id })
    .from(sourcingCases)
    .innerJoin(organizations, eq(organizations.id, sourcingCases.organizationId))
    .leftJoin(sourcingChallenges, eq(sourcingChallenges.id, sourcingCases.challengeId))
    .where(eq(sourcingCases.id, caseId))
    .limit(1);
  return row;
}

export async function listUserNames(db: Database, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select({ id: users.id, name: users.displayName }).from(users).where(inArray(users.id, [...ids]));
  return new Map(rows.map((row) => [row.id, row.name]));
}

/** Decided gates (go, no-go, complément) of a challenge's cases, oldest decision first: the decision log. */
export async function listDecidedGatesOfChallenge(db: Database, challengeId: string, limit = 2000) {
  return db
    .select({ gate: sourcingGates, startupName: organizations.name, caseId: sourcingCases.id, confidential: sourcingCases.confidential, ownerId: sourcingCases.ownerId, unitId: sourcingCases.unitId, deciderName: users.displayName })
    .from(sourcingGates)
    .innerJoin(sourcingCases, eq(sourcingCases.id, sourcingGates.caseId))
    .innerJoin(organizations, eq(organizations.id, sourcingCases.organizationId))
    .leftJoin(users, eq(users.id, sourcingGates.decidedById))
    .where(and(eq(sourcingCases.challengeId, challengeId), isNotNull(sourcingGates.decidedAt), sql`${sourcingGates.status} <> 'annule'`))
    .orderBy(asc(sourcingGates.decidedAt), asc(sourcingGates.id))
    .limit(limit);
}

/** Every scorecard of these gates with the evaluator's name. */
export async function listScorecardsOfGates(db: Database, gateIds: readonly string[]) {
  if (gateIds.length === 0) return [];
  return db
    .select({ scorecard: sourcingScorecards, evaluatorName: users.displayName })
    .from(sourcingScorecards)
    .leftJoin(users, eq(users.id, sourcingScorecards.evaluatorId))
    .where(inArray(sourcingScorecards.gateId, [...gateIds]))
    .orderBy(asc(sourcingScorecards.createdAt), asc(sourcingScorecards.id));
}
