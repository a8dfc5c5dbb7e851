// SQL of sourcing cases (« pistes »): the row and its stage history (sourcing_case_stages, the
// funnel's source), which always change together — a case is inserted with its first stage row,
// and a move closes the open row and opens the next in the same statements. The kanban, the
// case page and the lists add their queries below (sourcing-cases.service.ts applies the rules).
import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { Database } from './database';
import { uuidArray } from './sql-arrays';
import { type CaseStage, type NewSourcingCase, type SourcingCase, sourcingCaseStages, sourcingCases, sourcingGates } from './schema';

/** Inserts a case and its first stage row (entered at `stageEnteredAt`). */
export async function insertCase(tx: Database, values: NewSourcingCase & { stageEnteredAt: Date }, movedBy: string, movedById: string | null): Promise<SourcingCase> {
  const [row] = await tx.insert(sourcingCases).values(values).returning();
  if (!row) throw new Error('sourcing case not inserted');
  await tx.insert(sourcingCaseStages).values({ caseId: row.id, stage: row.stage, fromStage: null, enteredAt: row.stageEnteredAt, movedBy, movedById, reason: row.stageReason });
  return row;
}

export async function findCase(db: Database, id: string): Promise<SourcingCase | undefined> {
  const [row] = await db.select().from(sourcingCases).where(eq(sourcingCases.id, id)).limit(1);
  return row;
}

/** The case row locked for a move or an edit (serialises two moves of the same card). */
export async function lockCase(tx: Database, id: string): Promise<SourcingCase | undefined> {
  const [row] = await tx.select().from(sourcingCases).where(eq(sourcingCases.id, id)).for('update').limit(1);
  return row;
}

/** Closes the open stage row and opens the next one; the case row copies the new stage. */
export async function recordStageMove(
  tx: Database,
  move: { caseId: string; from: CaseStage; to: CaseStage; at: Date; movedBy: string; movedById: string | null; reason: string | null },
): Promise<SourcingCase> {
  await tx
    .update(sourcingCaseStages)
    .set({ leftAt: move.at })
    .where(and(eq(sourcingCaseStages.caseId, move.caseId), isNull(sourcingCaseStages.leftAt)));
  await tx.insert(sourcingCaseStages).values({ caseId: move.caseId, stage: move.to, fromStage: move.from, enteredAt: move.at, movedBy: move.movedBy, movedById: move.movedById, reason: move.reason });
  const [row] = await tx
    .update(sourcingCases)
    .set({ stage: move.to, stageEnteredAt: move.at, stageReason: move.reason, updatedById: move.movedById, updatedAt: move.at })
    .where(eq(sourcingCases.id, move.caseId))
    .returning();
  if (!row) throw new Error('sourcing case not updated');
  return row;
}

/** Who reads a confidential case: admins, its owner, its unit's members, the evaluators of its gates. */
export interface CaseViewer {
  userId: string;
  unitIds: string[];
  isAdmin: boolean;
}

/** SQL condition: the case (alias-free, on sourcing_cases) is visible to `viewer`. */
export function caseVisibleTo(viewer: CaseViewer): SQL {
  if (viewer.isAdmin) return sql`true`;
  const units = viewer.unitIds.length > 0 ? sql`${sourcingCases.unitId} = any(${uuidArray(viewer.unitIds)})` : sql`false`;
  return sql`(not ${sourcingCases.confidential} or ${sourcingCases.ownerId} = ${viewer.userId} or ${units} or exists (select 1 from ${sourcingGates} g where g.case_id = ${sourcingCases.id} and ${viewer.userId} = any(g.evaluator_ids)))`;
}

/** The case of this start-up in this challenge, if any (one per pair). */
export async function findCaseOfChallenge(db: Database, challengeId: string, organizationId: string): Promise<SourcingCase | undefined> {
  const [row] = await db
    .select()
    .from(sourcingCases)
    .where(and(eq(sourcingCases.challengeId, challengeId), eq(sourcingCases.organizationId, organizationId)))
    .limit(1);
  return row;
}

/** Writes the edited fields of a case (not its stage: moveCaseStage alone changes it). */
export async function updateCaseFields(
  tx: Database,
  id: string,
  values: Partial<Pick<SourcingCase, 'challengeId' | 'unitId' | 'ownerId' | 'source' | 'summary' | 'tags' | 'estimatedBudgetCents' | 'nextStep' | 'nextStepOn' | 'confidential' | 'updatedById' | 'updatedAt'>>,
): Promise<SourcingCase> {
  const [row] = await tx.update(sourcingCases).set(values).where(eq(sourcingCases.id, id)).returning();
  if (!row) throw new Error('sourcing case not updated');
  return row;
}

/**
 * SEED ONLY (src/seed/demo-sourcing.ts): a case with a past stage history written as given —
 * `history` in order, each stage left when the next is entered, the last one open. Real moves go
 * through moveCaseStage (sourcing-cases.service.ts); the demo needs two years of history at once.
 */
export async function insertSeedCaseWithHistory(
  tx: Database,
  values: Omit<NewSourcingCase, 'stage' | 'stageEnteredAt' | 'stageReason'>,
  history: ReadonlyArray<{ stage: CaseStage; enteredAt: Date; reason?: string | null }>,
  movedById: string | null,
): Promise<SourcingCase> {
  const last = history[history.length - 1];
  const first = history[0];
  if (!last || !first) throw new Error('a seeded case needs at least one stage');
  const [row] = await tx
    .insert(sourcingCases)
    .values({ ...values, stage: last.stage, stageEnteredAt: last.enteredAt, stageReason: last.reason ?? null, createdAt: first.enteredAt, updatedAt: last.enteredAt })
    .returning();
  if (!row) throw new Error('sourcing case not inserted');
  await tx.insert(sourcingCaseStages).values(
    history.map((entry, index) => ({
      caseId: row.id,
      stage: entry.stage,
      fromStage: index > 0 ? (history[index - 1]?.stage ?? null) : null,
      enteredAt: entry.enteredAt,
      leftAt: history[index + 1]?.enteredAt ?? null,
      movedBy: index === 0 ? 'seed' : 'person',
      movedById,
      reason: entry.reason ?? null,
    })),
  );
  return row;
}
