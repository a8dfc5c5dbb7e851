// One Drizzle database, two drivers: `pg` for a PostgreSQL server (DATABASE_URL), PGlite
// (PostgreSQL in WebAssembly) under DATA_DIR otherwise. The rest of the code sees one type.
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import lockfile from 'proper-lockfile';
import { Pool } from 'pg';
import * as schema from './schema';
import { logger } from '../lib/logger';
import { migrationsDir } from '../lib/paths';
import { assertOutsideTransaction, runInTransactionScope } from '../lib/transaction-scope';

export type Schema = typeof schema;
/** A database or a transaction: both run the same queries. */
export type Database = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export interface DatabaseHandle {
  db: Database;
  driver: 'pg' | 'pglite';
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export type DatabaseOptions =
  | { driver: 'pg'; url: string; poolSize?: number }
  | { driver: 'pglite'; dataDir?: string; lock?: boolean };

export class DataDirLockedError extends Error {
  constructor(dir: string) {
    super(
      `La base embarquée ${dir} est déjà ouverte par un autre processus Passerelle (PGlite ne supporte ` +
        `qu'un seul processus). Arrêtez-le d'abord ; si Passerelle vient d'être tué brutalement (kill -9), ` +
        `le verrou se libère de lui-même en 15 secondes : réessayez alors. / The embedded database is ` +
        `already open in another process (or one killed less than 15 s ago: retry in a moment).`,
    );
    this.name = 'DataDirLockedError';
  }
}

/**
 * Every `db.transaction` callback runs inside a transaction scope, and the root handle refuses
 * to run a query (or open another transaction) from inside one: in embedded mode the
 * transaction holds PGlite's only connection, so such a query would wait forever. The same
 * mistake fails the same way on a PostgreSQL server, so the integration tests catch it.
 */
function guardTransactions(db: Database): Database {
  const begin = db.transaction.bind(db);
  db.transaction = ((work: (tx: Transaction) => Promise<unknown>, config?: unknown) => {
    assertOutsideTransaction('db.transaction() on the root handle (use tx.transaction() for a savepoint)');
    return begin((tx) => runInTransactionScope(() => work(tx)), config as never);
  }) as Database['transaction'];
  return db;
}

/** Root-handle methods that refuse to run inside a transaction's callback. */
function guardRootMethods<T extends object>(client: T, methods: Array<keyof T>): void {
  for (const method of methods) {
    const original = client[method] as unknown as (...args: unknown[]) => unknown;
    if (typeof original !== 'function') continue;
    (client as Record<keyof T, unknown>)[method] = function guarded(this: unknown, ...args: unknown[]) {
      assertOutsideTransaction(`a query on the root database handle (${String(method)})`);
      return original.apply(this, args);
    };
  }
}

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.driver === 'pg') {
    const pool = new Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
    // An idle pooled connection that the server closes (restart, failover, a dropped test
    // database) emits 'error' on the pool; unhandled, that would crash the process. The pool
    // discards the broken client by itself and the next query opens a new one.
    pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL connection lost'));
    // Root queries go through pool.query; a transaction's go through the client it checked out.
    guardRootMethods(pool, ['query']);
    const db = guardTransactions(drizzlePg(pool, { schema }) as unknown as Database);
    return {
      db,
      driver: 'pg',
      migrate: () => migratePg(db as never, { migrationsFolder: migrationsDir }),
      close: () => pool.end(),
    };
  }

  let releaseLock: (() => Promise<void>) | undefined;
  if (options.dataDir) {
    fs.mkdirSync(options.dataDir, { recursive: true });
    if (options.lock !== false) {
      // PGlite does not lock its directory and two processes on it silently lose writes.
      try {
        releaseLock = await lockfile.lock(options.dataDir, {
          lockfilePath: path.join(options.dataDir, 'passerelle.lock'),
          stale: 15_000,
          update: 5_000,
        });
      } catch {
        throw new DataDirLockedError(options.dataDir);
      }
    }
  }
  const client = await PGlite.create({
    dataDir: options.dataDir ? path.join(options.dataDir, 'pgdata') : undefined,
    extensions: { unaccent, pg_trgm },
  });
  // A transaction's queries go through the object PGlite hands to its callback, not these.
  guardRootMethods(client, ['query', 'exec', 'transaction']);
  const db = guardTransactions(drizzlePglite(client, { schema }) as unknown as Database);
  return {
    db,
    driver: 'pglite',
    migrate: () => migratePglite(db as never, { migrationsFolder: migrationsDir }),
    close: async () => {
      await client.close();
      await releaseLock?.();
    },
  };
}

/** Rows of a raw `db.execute(sql…)`, whichever driver ran it. */
export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}
