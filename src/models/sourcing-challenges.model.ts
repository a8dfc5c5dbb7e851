// SQL of sourcing challenges (« défis »): the row, its units. The list, the page's blocks and the
// form's writes are added by the challenges feature.
import { asc, eq } from 'drizzle-orm';
import type { Database } from './database';
import { type SourcingChallenge, sourcingChallengeUnits, sourcingChallenges } from './schema';

export async function findChallenge(db: Database, id: string): Promise<SourcingChallenge | undefined> {
  const [row] = await db.select().from(sourcingChallenges).where(eq(sourcingChallenges.id, id)).limit(1);
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
