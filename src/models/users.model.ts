import { and, asc, count, desc, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from './database';
import { type Capability, type Role, type User, type NewUser, units, userUnits, users } from './schema';

export type UserWithUnits = User & { unitIds: string[] };

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function findUserById(db: Database, id: string): Promise<User | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return row;
}

export async function findUserByEmail(db: Database, email: string): Promise<User | undefined> {
  const [row] = await db.select().from(users).where(eq(users.email, normalizeEmail(email))).limit(1);
  return row;
}

export async function lockUserById(db: Database, id: string): Promise<User | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).for('update').limit(1);
  return row;
}

export async function unitIdsOfUser(db: Database, userId: string): Promise<string[]> {
  const rows = await db.select({ unitId: userUnits.unitId }).from(userUnits).where(eq(userUnits.userId, userId));
  return rows.map((row) => row.unitId);
}

/**
 * What a request needs to know about the signed-in person, in one round trip: the account
 * (without its password hash) and the ids of its units.
 */
export async function findActorRow(
  db: Database,
  id: string,
): Promise<{ id: string; email: string; displayName: string; roles: Role[]; active: boolean; unitIds: string[]; capabilities: Capability[] } | undefined> {
  let read = preparedActorReads.get(db);
  if (!read) {
    read = prepareActorRead(db);
    preparedActorReads.set(db, read);
  }
  const [row] = await read.execute({ id });
  return row;
}

/** Built once per database handle (and prepared once per connection): read on every request. */
const preparedActorReads = new WeakMap<Database, ReturnType<typeof prepareActorRead>>();

function prepareActorRead(db: Database) {
  return db
    .select({
      id: users.id,
      email: users.email,
      displayName: users.displayName,
      roles: users.roles,
      active: users.active,
      capabilities: users.capabilities,
      // Written out: inside a select list Drizzle leaves column names unqualified.
      unitIds: sql<string[]>`array(select uu.unit_id::text from user_units uu where uu.user_id = "users"."id")`,
    })
    .from(users)
    .where(eq(users.id, sql.placeholder('id')))
    .limit(1)
    .prepare('passerelle_actor_read');
}

export async function insertUser(db: Database, values: NewUser): Promise<User> {
  const [row] = await db.insert(users).values({ ...values, email: normalizeEmail(values.email) }).returning();
  if (!row) throw new Error('insert into users returned nothing');
  return row;
}

export async function updateUser(db: Database, id: string, values: Partial<NewUser>): Promise<User> {
  const [row] = await db
    .update(users)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(users.id, id))
    .returning();
  if (!row) throw new Error(`user ${id} vanished during update`);
  return row;
}

export async function replaceUserUnits(db: Database, userId: string, unitIds: string[]): Promise<void> {
  await db.delete(userUnits).where(eq(userUnits.userId, userId));
  if (unitIds.length > 0) {
    await db.insert(userUnits).values(unitIds.map((unitId) => ({ userId, unitId })));
  }
}

export async function countUsers(db: Database): Promise<number> {
  const [row] = await db.select({ value: count() }).from(users);
  return row?.value ?? 0;
}

export async function countActiveAdmins(db: Database): Promise<number> {
  const [row] = await db
    .select({ value: count() })
    .from(users)
    .where(and(eq(users.active, true), sql`'admin' = any(${users.roles})`));
  return row?.value ?? 0;
}

export interface UserListFilters {
  q?: string;
  role?: Role;
  unitId?: string;
  status?: 'active' | 'inactive';
  sort: 'name' | 'email' | 'lastLogin' | 'created';
  direction: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export interface UserListRow {
  id: string;
  email: string;
  displayName: string;
  roles: Role[];
  active: boolean;
  lastLoginAt: Date | null;
  createdAt: Date;
  unitNames: string[];
}

/** The admin user list. Institution-sized (hundreds of accounts), so offset paging is fine here. */
export async function listUsers(db: Database, filters: UserListFilters): Promise<{ rows: UserListRow[]; total: number }> {
  const conditions: SQL[] = [];
  if (filters.q) {
    const pattern = `%${filters.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const match = or(ilike(users.displayName, pattern), ilike(users.email, pattern));
    if (match) conditions.push(match);
  }
  if (filters.role) conditions.push(sql`${filters.role} = any(${users.roles})`);
  if (filters.status === 'active') conditions.push(eq(users.active, true));
  if (filters.status === 'inactive') conditions.push(eq(users.active, false));
  if (filters.unitId) {
    conditions.push(
      inArray(users.id, db.select({ id: userUnits.userId }).from(userUnits).where(eq(userUnits.unitId, filters.unitId))),
    );
  }
  const where = conditions.length > 0 ? and(...conditions) : undefined;
  const order = filters.direction === 'asc' ? asc : desc;
  const sortColumn = {
    name: sql`${users.displayName} collate "und-x-icu"`,
    email: sql`${users.email}`,
    lastLogin: sql`${users.lastLoginAt}`,
    created: sql`${users.createdAt}`,
  }[filters.sort];

  const unitNames = sql<string[]>`coalesce((
      select array_agg(${units.name} order by ${units.name})
      from ${userUnits} join ${units} on ${units.id} = ${userUnits.unitId}
      where ${userUnits.userId} = ${users.id}), '{}')`;

  const [rows, totals] = await Promise.all([
    db
      .select({
        id: users.id,
        email: users.email,
        displayName: users.displayName,
        roles: users.roles,
        active: users.active,
        lastLoginAt: users.lastLoginAt,
        createdAt: users.createdAt,
        unitNames,
      })
      .from(users)
      .where(where)
      .orderBy(filters.direction === 'asc' ? sql`${sortColumn} asc nulls last` : sql`${sortColumn} desc nulls last`, order(users.id))
      .limit(filters.limit)
      .offset(filters.offset),
    db.select({ value: count() }).from(users).where(where),
  ]);
  return { rows, total: totals[0]?.value ?? 0 };
}

/** Active people, for "owner" pickers. */
export async function listActiveUserOptions(db: Database): Promise<Array<{ id: string; displayName: string }>> {
  return db
    .select({ id: users.id, displayName: users.displayName })
    .from(users)
    .where(eq(users.active, true))
    .orderBy(sql`${users.displayName} collate "und-x-icu"`);
}
