import { count, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from './database';
import { type NewUnit, type Unit, units, userUnits } from './schema';

export async function listUnits(db: Database, options: { includeArchived?: boolean } = {}): Promise<Unit[]> {
  return db
    .select()
    .from(units)
    .where(options.includeArchived ? undefined : isNull(units.archivedAt))
    .orderBy(sql`${units.name} collate "und-x-icu"`);
}

export async function listUnitsWithMemberCounts(db: Database): Promise<Array<Unit & { memberCount: number }>> {
  return db
    .select({
      id: units.id,
      code: units.code,
      name: units.name,
      kind: units.kind,
      archivedAt: units.archivedAt,
      createdAt: units.createdAt,
      updatedAt: units.updatedAt,
      memberCount: sql<number>`(select count(*)::int from ${userUnits} where ${userUnits.unitId} = ${units.id})`,
    })
    .from(units)
    .orderBy(sql`${units.archivedAt} is not null`, sql`${units.name} collate "und-x-icu"`);
}

export async function findUnitById(db: Database, id: string): Promise<Unit | undefined> {
  const [row] = await db.select().from(units).where(eq(units.id, id)).limit(1);
  return row;
}

export async function findUnitsByIds(db: Database, ids: string[]): Promise<Unit[]> {
  if (ids.length === 0) return [];
  return db.select().from(units).where(inArray(units.id, ids));
}

export async function findUnitByCodeOrName(db: Database, code: string, name: string): Promise<Unit | undefined> {
  const [row] = await db
    .select()
    .from(units)
    .where(sql`lower(${units.code}) = lower(${code}) or lower(${units.name}) = lower(${name})`)
    .limit(1);
  return row;
}

export async function insertUnit(db: Database, values: NewUnit): Promise<Unit> {
  const [row] = await db.insert(units).values(values).returning();
  if (!row) throw new Error('insert into units returned nothing');
  return row;
}

export async function updateUnit(db: Database, id: string, values: Partial<NewUnit>): Promise<Unit> {
  const [row] = await db
    .update(units)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(units.id, id))
    .returning();
  if (!row) throw new Error(`unit ${id} vanished during update`);
  return row;
}

export async function countMembers(db: Database, unitId: string): Promise<number> {
  const [row] = await db.select({ value: count() }).from(userUnits).where(eq(userUnits.unitId, unitId));
  return row?.value ?? 0;
}
