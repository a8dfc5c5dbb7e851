import { and, eq, lt, ne, sql } from 'drizzle-orm';
import type { Database } from '../lib/database';
import { sessions } from './schema';

export async function readSession(db: Database, sid: string, now: Date) {
  const [row] = await db
    .select({ data: sessions.data, expiresAt: sessions.expiresAt })
    .from(sessions)
    .where(and(eq(sessions.sid, sid), sql`${sessions.expiresAt} > ${now.toISOString()}`))
    .limit(1);
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
