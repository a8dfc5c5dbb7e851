// SQL for convention_kind_circuits: which approval circuit each convention kind starts.
import { eq, sql } from 'drizzle-orm';
import type { Database } from './database';
import { type ConventionKind, type ConventionKindCircuit, conventionKindCircuits, users } from './schema';

export type ConventionKindCircuitRow = ConventionKindCircuit & { updatedByName: string | null };

/** Every stored choice, with the name of who made it last. */
export async function listConventionKindCircuits(db: Database): Promise<ConventionKindCircuitRow[]> {
  return db
    .select({
      kind: conventionKindCircuits.kind,
      definitionKey: conventionKindCircuits.definitionKey,
      updatedById: conventionKindCircuits.updatedById,
      updatedAt: conventionKindCircuits.updatedAt,
      updatedByName: users.displayName,
    })
    .from(conventionKindCircuits)
    .leftJoin(users, eq(users.id, conventionKindCircuits.updatedById));
}

export async function findCircuitKeyOfKind(db: Database, kind: ConventionKind): Promise<string | undefined> {
  const [row] = await db.select({ definitionKey: conventionKindCircuits.definitionKey }).from(conventionKindCircuits).where(eq(conventionKindCircuits.kind, kind));
  return row?.definitionKey;
}

/** The stored choices, locked for the saving transaction (two admins saving at once: one after the other). */
export async function lockConventionKindCircuits(tx: Database): Promise<ConventionKindCircuit[]> {
  return tx.select().from(conventionKindCircuits).for('update');
}

export async function upsertConventionKindCircuit(tx: Database, values: { kind: ConventionKind; definitionKey: string; updatedById: string | null; updatedAt: Date }): Promise<void> {
  await tx
    .insert(conventionKindCircuits)
    .values(values)
    .onConflictDoUpdate({
      target: conventionKindCircuits.kind,
      set: { definitionKey: sql`excluded.definition_key`, updatedById: sql`excluded.updated_by_id`, updatedAt: sql`excluded.updated_at` },
    });
}
