// Settings shared by the benchmark scripts (generator and load runner).
import { Client } from 'pg';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/passerelle_bench';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** The account the load scripts sign in with (role `charge`). Bench data only, never production. */
export const BENCH_USER = {
  email: 'bench@passerelle.test',
  password: 'bench-passerelle-2026',
  displayName: 'Compte de benchmark',
};

export function benchDatabaseUrl(): { url: string; explicit: boolean } {
  const fromEnv = process.env.DATABASE_URL?.trim();
  return fromEnv ? { url: fromEnv, explicit: true } : { url: DEFAULT_DATABASE_URL, explicit: false };
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

/** The same server, `postgres` maintenance database: where CREATE/DROP DATABASE run. */
export function maintenanceUrl(url: string): string {
  const parsed = new URL(url);
  parsed.pathname = '/postgres';
  return parsed.toString();
}

export async function withClient<T>(url: string, run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Drops and creates the database of `url`, empty; refused unless its name says it is a bench one. */
export async function recreateBenchDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  if (!name.includes('bench')) throw new Error(`refusing to drop ${name}: its name must contain "bench"`);
  await withClient(maintenanceUrl(url), async (client) => {
    await client.query(`drop database if exists ${name} with (force)`);
    await client.query(`create database ${name}`);
  });
}

export function argValue(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

export function hasFlag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}
