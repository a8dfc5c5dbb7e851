// The application's key for signed links (src/lib/signed-tokens.ts). Generated once and kept in
// app_settings, so every process — web and worker, embedded or server mode, before and after a
// restart — signs and verifies with the same key, without one more setting to deploy.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type Database, rowsOf } from './database';

const SIGNING_KEY_SETTING = 'security.signingKey';
const cache = new WeakMap<object, Buffer>();

/**
 * The key, created on first use (two processes racing both insert; `on conflict do nothing`
 * keeps the first and both read it back). Read first, so the usual call is one select and never a
 * write (an RSVP page, an unsubscribe link). Cached per database handle; a transaction handle
 * reads it through the transaction.
 */
export async function signingKey(db: Database): Promise<Buffer> {
  const cached = cache.get(db);
  if (cached) return cached;
  const read = async () =>
    rowsOf<{ value: string }>(await db.execute(sql`select value #>> '{}' as value from app_settings where key = ${SIGNING_KEY_SETTING}`))[0]?.value;
  let value = await read();
  if (!value) {
    await db.execute(sql`
      insert into app_settings (key, value) values (${SIGNING_KEY_SETTING}, ${JSON.stringify(randomBytes(32).toString('base64'))}::jsonb)
      on conflict (key) do nothing`);
    value = await read();
  }
  if (!value) throw new Error('signing key missing after insert');
  const key = Buffer.from(value, 'base64');
  cache.set(db, key);
  return key;
}
