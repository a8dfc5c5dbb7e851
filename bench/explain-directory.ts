// EXPLAIN (ANALYZE, BUFFERS) of the statements the directory list and the search suggestions
// send, captured from the app's own model functions (as bench/run-directory.ts replays them),
// on the bench database. Prints each plan with its execution time (median of --repeat runs).
//
//   npx tsx bench/explain-directory.ts [--repeat=5] [--plans]
import { drizzle } from 'drizzle-orm/node-postgres';
import { Pool } from 'pg';
import type { Database } from '../src/models/database';
import * as schema from '../src/models/schema';
import { listOrganizations, type OrganizationListFilters } from '../src/models/organizations.model';
import { searchSuggestionsSql } from '../src/models/search.model';
import { argValue, benchDatabaseUrl, hasFlag } from './bench-env';

interface CapturedQuery {
  text: string;
  params: unknown[];
}

const LISTS: Record<string, Partial<OrganizationListFilters>> = {
  'liste actif + région 84, tri nom': { status: 'actif', region: '84', sort: 'name', direction: 'asc' },
  'liste start-ups sans activité 12 mois, tri mise à jour': { kind: 'startup', inactiveMonths: 12, sort: 'updated', direction: 'desc' },
  'liste sans filtre, tri nom': { sort: 'name', direction: 'asc' },
  'liste département 69': { department: '69', sort: 'name', direction: 'asc' },
  'liste suivi par (owner)': { sort: 'updated', direction: 'desc' },
};
const SEARCHES = ['universite lyon', 'univrsité lyonn', 'ecole natinale superieure ingenieurs rouen', 'lycee xxxxxx', 'cfa pharamcie'];

async function captureList(pool: Pool, filters: Partial<OrganizationListFilters>): Promise<CapturedQuery[]> {
  const captured: CapturedQuery[] = [];
  const db = drizzle(pool, { schema, logger: { logQuery: (text: string, params: unknown[]) => captured.push({ text, params }) } }) as unknown as Database;
  await listOrganizations(db, { archived: 'exclude', sort: 'name', direction: 'asc', ...filters }, { limit: 50 }, new Date());
  return captured;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] as number;
}

async function explain(pool: Pool, label: string, query: CapturedQuery, repeat: number, showPlan: boolean): Promise<void> {
  const times: number[] = [];
  let plan = '';
  for (let index = 0; index < repeat; index += 1) {
    const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${query.text}`, query.params);
    plan = rows.map((row) => row['QUERY PLAN']).join('\n');
    const match = /Execution Time: ([\d.]+) ms/.exec(plan);
    if (match) times.push(Number(match[1]));
  }
  process.stdout.write(`\n### ${label} — médiane ${median(times).toFixed(2)} ms (${repeat} exécutions)\n`);
  process.stdout.write(`${query.text.replace(/\s+/g, ' ').slice(0, 240)}…\n`);
  if (showPlan) process.stdout.write(`${plan}\n`);
}

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: benchDatabaseUrl().url, max: 2 });
  const repeat = Number(argValue('repeat') ?? 5);
  const showPlan = hasFlag('plans');
  try {
    const { rows: owner } = await pool.query<{ id: string }>(`select id from users where email = 'owner-1@passerelle.test'`);
    if (owner[0]) LISTS['liste suivi par (owner)'] = { ...LISTS['liste suivi par (owner)'], ownerId: owner[0].id };
    for (const [label, filters] of Object.entries(LISTS)) {
      const [page, total] = await captureList(pool, filters);
      if (page) await explain(pool, `${label} : page`, page, repeat, showPlan);
      if (total) await explain(pool, `${label} : total`, total, repeat, showPlan);
    }
    for (const q of SEARCHES) {
      const [organizations, contacts] = searchSuggestionsSql(q);
      if (organizations) await explain(pool, `suggestions « ${q} » : structures`, organizations, repeat, showPlan);
      if (contacts) await explain(pool, `suggestions « ${q} » : contacts`, contacts, repeat, showPlan);
      // The typo passes, sent by the app only when neither first statement returned a row.
      const found = await Promise.all([organizations, contacts].map(async (statement) => (statement ? (await pool.query(statement.text, statement.params)).rowCount : 0)));
      if (found.some((count) => count !== 0)) continue;
      if (organizations?.fallback) await explain(pool, `suggestions « ${q} » : structures, passe fautes`, organizations.fallback, repeat, showPlan);
      if (contacts?.fallback) await explain(pool, `suggestions « ${q} » : contacts, passe fautes`, contacts.fallback, repeat, showPlan);
    }
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
