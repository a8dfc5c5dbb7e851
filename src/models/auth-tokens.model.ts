import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from './database';
import { type AuthToken, type TokenPurpose, authTokens } from './schema';

export async function insertAuthToken(
  db: Database,
  values: { tokenHash: string; purpose: TokenPurpose; userId: string | null; createdById: string | null; expiresAt: Date },
): Promise<AuthToken> {
  const [row] = await db.insert(authTokens).values(values).returning();
  if (!row) throw new Error('insert into auth_tokens returned nothing');
  return row;
}

/** A token that is unused and not expired, locked for the transaction that consumes it. */
export async function lockUsableToken(db: Database, tokenHash: string, now: Date): Promise<AuthToken | undefined> {
  const [row] = await db
    .select()
    .from(authTokens)
    .where(
      and(
        eq(authTokens.tokenHash, tokenHash),
        isNull(authTokens.usedAt),
        sql`${authTokens.expiresAt} > ${now.toISOString()}`,
      ),
    )
    .for('update')
    .limit(1);
  return row;
}

export async function findUsableToken(db: Database, tokenHash: string, now: Date): Promise<AuthToken | undefined> {
  const [row] = await db
    .select()
    .from(authTokens)
    .where(
      and(eq(authTokens.tokenHash, tokenHash), isNull(authTokens.usedAt), sql`${authTokens.expiresAt} > ${now.toISOString()}`),
    )
    .limit(1);
  return row;
}

export async function markTokenUsed(db: Database, id: string, now: Date): Promise<void> {
  await db.update(authTokens).set({ usedAt: now }).where(eq(authTokens.id, id));
}

/** A new link replaces older unused ones of the same purpose. */
export async function revokeUnusedTokens(db: Database, purpose: TokenPurpose, userId: string | null, now: Date): Promise<void> {
  await db
    .update(authTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(authTokens.purpose, purpose),
        userId ? eq(authTokens.userId, userId) : isNull(authTokens.userId),
        isNull(authTokens.usedAt),
      ),
    );
}
