import { and, eq, lt, ne, sql } from 'drizzle-orm';
import type { Database } from './database';
import { type Capability, type Role, sessions, users } from './schema';

/** The signed-in person, read with the session (src/web/auth-middleware.ts uses it). */
export interface SessionUserRow {
  id: string;
  email: string;
  displayName: string;
  roles: Role[];
  active: boolean;
  unitIds: string[];
  capabilities: Capability[];
}

function prepareRead(db: Database) {
  return db
    .select({
      data: sessions.data,
      expiresAt: sessions.expiresAt,
      user: {
        id: users.id,
        email: users.email,
        displayName: users.displayName,
        roles: users.roles,
        active: users.active,
        capabilities: users.capabilities,
        // Written out: inside a select list Drizzle leaves column names unqualified.
        unitIds: sql<string[]>`array(select uu.unit_id::text from user_units uu where uu.user_id = "users"."id")`,
      },
    })
    .from(sessions)
    .leftJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.sid, sql.placeholder('sid')), sql`${sessions.expiresAt} > ${sql.placeholder('now')}`))
    .limit(1)
    .prepare('passerelle_session_read');
}

/**
 * One round trip per request for the session and the account behind it (with its units).
 * Built once per database handle, prepared once per connection.
 */
const preparedReads = new WeakMap<Database, ReturnType<typeof prepareRead>>();

export async function readSession(
  db: Database,
  sid: string,
  now: Date,
): Promise<{ data: unknown; expiresAt: Date; user: SessionUserRow | null } | undefined> {
  let read = preparedReads.get(db);
  if (!read) {
    read = prepareRead(db);
    preparedReads.set(db, read);
  }
  const [row] = await read.execute({ sid, now: now.toISOString() });
  return row;
}

export async function writeSession(
  db: Database,
  values: { sid: string; userId: string | null; data: unknown; expiresAt: Date },
): Promise<void> {
  await db
    .insert(sessions)
    .values(values)
    .onConflictDoUpdate({
      target: sessions.sid,
      set: { userId: values.userId, data: values.data, expiresAt: values.expiresAt },
    });
}

export async function touchSession(db: Database, sid: string, expiresAt: Date): Promise<void> {
  await db.update(sessions).set({ expiresAt }).where(eq(sessions.sid, sid));
}

export async function deleteSession(db: Database, sid: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.sid, sid));
}

/** Ends every session of a user (deactivation, password reset), optionally keeping one. */
export async function deleteSessionsOfUser(db: Database, userId: string, exceptSid?: string): Promise<number> {
  const deleted = await db
    .delete(sessions)
    .where(exceptSid ? and(eq(sessions.userId, userId), ne(sessions.sid, exceptSid)) : eq(sessions.userId, userId))
    .returning({ sid: sessions.sid });
  return deleted.length;
}

export async function deleteExpiredSessions(db: Database, now: Date): Promise<number> {
  const deleted = await db
    .delete(sessions)
    .where(lt(sessions.expiresAt, now))
    .returning({ sid: sessions.sid });
  return deleted.length;
}
