// Generates the benchmark directory: 50,000 organisations, 250,000 contacts and their
// affiliations, in a PostgreSQL database (DATABASE_URL, or a fresh `passerelle_bench` on
// 127.0.0.1:5432), plus the account the load scripts sign in with. Deterministic for a given
// --seed and --reference-date. See docs/benchmarks.md.
//
//   npx tsx bench/generate-directory.ts [--seed=20260101] [--organizations=50000] [--contacts=250000]
//        [--reference-date=2026-06-01] [--reset]
import { performance } from 'node:perf_hooks';
import { Pool, type PoolClient } from 'pg';
import { openDatabase } from '../src/models/database';
import { hashPassword } from '../src/lib/passwords';
import { insertUser } from '../src/models/users.model';
import { argValue, BENCH_USER, benchDatabaseUrl, databaseName, hasFlag, maintenanceUrl, withClient } from './bench-env';
import {
  type GeneratedAffiliation,
  type GeneratedContact,
  type GeneratedOrganization,
  generateContact,
  generateOrganization,
  OrganizationPicker,
  type OrganizationRef,
  organizationRef,
  seedFaker,
} from './directory-data';

const BATCH_ROWS = 1_000;
const PARALLEL_BATCHES = 4;
const LOADED_TABLES = ['organizations', 'organization_units', 'contacts', 'affiliations'] as const;

const ORGANIZATION_COLUMNS: Array<keyof GeneratedOrganization> = [
  'id', 'name', 'acronym', 'kind_code', 'status', 'siren', 'siret', 'uai', 'website', 'email', 'phone', 'address_line',
  'postal_code', 'city', 'commune_code', 'department_code', 'region_code', 'tags', 'description', 'owner_id',
  'last_activity_at', 'source_ref', 'created_at', 'updated_at',
];
const CONTACT_COLUMNS: Array<keyof GeneratedContact> = [
  'id', 'civility', 'first_name', 'last_name', 'job_title', 'emails', 'phones', 'linkedin_url', 'owner_id', 'tags', 'notes',
  'legal_basis', 'source', 'consent_at', 'last_activity_at', 'source_ref', 'created_at', 'updated_at',
];
const AFFILIATION_COLUMNS: Array<keyof GeneratedAffiliation> = [
  'contact_id', 'organization_id', 'role', 'start_date', 'end_date', 'is_primary', 'created_at', 'updated_at',
];

/** Owners shown in the list's "suivi par" column (the bench account is the first). */
const OWNER_NAMES = ['Camille Laurent', 'Karim Benali', 'Sophie Marchand', 'Thomas Nguyen', 'Aïcha Diallo', 'Julien Moreau', 'Élodie Fabre', 'Nicolas Girard'];

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

/** One statement per batch, whatever its size: the rows travel as one JSON parameter. */
async function insertJson(client: Pool | PoolClient, table: string, columns: readonly string[], rows: readonly object[]): Promise<void> {
  if (rows.length === 0) return;
  const list = columns.map((column) => `"${column}"`).join(', ');
  await client.query(`insert into ${table} (${list}) select ${list} from json_populate_recordset(null::${table}, $1::json)`, [JSON.stringify(rows)]);
}

/** Runs at most `limit` tasks at a time; the first failure stops everything. */
class TaskQueue {
  private readonly running = new Set<Promise<void>>();
  private failure: unknown = null;

  constructor(private readonly limit: number) {}

  async add(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    if (this.failure) throw this.failure;
    const promise: Promise<void> = task()
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => this.running.delete(promise));
    this.running.add(promise);
  }

  async drain(): Promise<void> {
    await Promise.all(this.running);
    if (this.failure) throw this.failure;
  }
}

async function prepareDatabase(url: string, explicit: boolean): Promise<void> {
  const name = databaseName(url);
  if (explicit && !hasFlag('reset')) return;
  // Only ever drop a database that is obviously a benchmark one.
  if (!/bench/i.test(name)) throw new Error(`Refus de recréer la base « ${name} » : son nom ne contient pas « bench ».`);
  await withClient(maintenanceUrl(url), async (client) => {
    await client.query(`drop database if exists "${name}" with (force)`);
    await client.query(`create database "${name}"`);
  });
  log(`base ${name} recréée`);
}

/** Secondary indexes slow a bulk load down several times: drop them, load, rebuild them. */
async function dropSecondaryIndexes(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ name: string; definition: string }>(
    `select i.indexname as name, i.indexdef as definition
       from pg_indexes i
       join pg_class c on c.relname = i.indexname
       join pg_index x on x.indexrelid = c.oid
      where i.schemaname = 'public' and i.tablename = any($1) and not x.indisprimary and not x.indisunique`,
    [LOADED_TABLES],
  );
  for (const row of rows) await pool.query(`drop index "${row.name}"`);
  return rows.map((row) => row.definition);
}

async function rebuildIndexes(pool: Pool, definitions: readonly string[]): Promise<void> {
  const queue = new TaskQueue(2);
  for (const definition of definitions) {
    await queue.add(async () => {
      const client = await pool.connect();
      try {
        await client.query(`set maintenance_work_mem = '256MB'`);
        await client.query(definition);
      } finally {
        client.release();
      }
    });
  }
  await queue.drain();
}

async function createUsers(url: string): Promise<{ ownerIds: string[]; unitIds: string[] }> {
  const handle = await openDatabase({ driver: 'pg', url, poolSize: 2 });
  try {
    await handle.migrate();
    const pool = new Pool({ connectionString: url, max: 1 });
    try {
      const existing = await pool.query(`select 1 from users where email = $1`, [BENCH_USER.email]);
      if (existing.rowCount) {
        throw new Error('La base contient déjà des données de benchmark : relancez avec --reset (ou sans DATABASE_URL).');
      }
      const units = await pool.query<{ id: string }>(`select id from units order by code`);
      const benchUser = await insertUser(handle.db, {
        email: BENCH_USER.email,
        displayName: BENCH_USER.displayName,
        roles: ['charge'],
        passwordHash: await hashPassword(BENCH_USER.password),
        passwordChangedAt: new Date(),
      });
      const ddpsi = await pool.query<{ id: string }>(`select id from units where code = 'DDPSI'`);
      if (ddpsi.rows[0]) await pool.query(`insert into user_units (user_id, unit_id) values ($1, $2)`, [benchUser.id, ddpsi.rows[0].id]);
      const owners = [benchUser.id];
      for (const [index, displayName] of OWNER_NAMES.entries()) {
        const owner = await insertUser(handle.db, { email: `owner-${index + 1}@passerelle.test`, displayName, roles: ['charge'] });
        owners.push(owner.id);
      }
      return { ownerIds: owners, unitIds: units.rows.map((row) => row.id) };
    } finally {
      await pool.end();
    }
  } finally {
    await handle.close();
  }
}

async function main(): Promise<void> {
  const { url, explicit } = benchDatabaseUrl();
  const seed = Number(argValue('seed') ?? 20260101);
  const organizationCount = Number(argValue('organizations') ?? 50_000);
  const contactCount = Number(argValue('contacts') ?? 250_000);
  const referenceDate = new Date(argValue('reference-date') ?? new Date().toISOString().slice(0, 10));
  if (Number.isNaN(referenceDate.getTime())) throw new Error('--reference-date doit être une date AAAA-MM-JJ');
  const started = performance.now();
  log(`seed ${seed}, ${organizationCount} structures, ${contactCount} contacts, date de référence ${referenceDate.toISOString().slice(0, 10)}`);
  log(`base ${databaseName(url)} (${explicit ? 'DATABASE_URL' : 'par défaut'})`);

  let phase = performance.now();
  await prepareDatabase(url, explicit);
  const { ownerIds, unitIds } = await createUsers(url);
  log(`migrations + comptes : ${seconds(phase)}`);

  const pool = new Pool({ connectionString: url, max: PARALLEL_BATCHES + 1 });
  try {
    phase = performance.now();
    const indexDefinitions = await dropSecondaryIndexes(pool);
    log(`${indexDefinitions.length} index secondaires retirés pendant le chargement`);

    seedFaker(seed);
    const context = { referenceDate, ownerIds };
    const refs: OrganizationRef[] = [];
    const queue = new TaskQueue(PARALLEL_BATCHES);
    for (let start = 0; start < organizationCount; start += BATCH_ROWS) {
      const batch: GeneratedOrganization[] = [];
      const memberships: Array<{ organization_id: string; unit_id: string }> = [];
      for (let index = start; index < Math.min(organizationCount, start + BATCH_ROWS); index += 1) {
        const organization = generateOrganization(index, context);
        batch.push(organization);
        refs.push(organizationRef(organization));
        // Half the organisations concern one unit, a fifth a second one.
        if (unitIds.length > 0 && index % 2 === 0) memberships.push({ organization_id: organization.id, unit_id: unitIds[index % unitIds.length] as string });
        if (unitIds.length > 1 && index % 5 === 0) memberships.push({ organization_id: organization.id, unit_id: unitIds[(index + 3) % unitIds.length] as string });
      }
      const unique = [...new Map(memberships.map((row) => [`${row.organization_id}:${row.unit_id}`, row])).values()];
      await queue.add(async () => {
        await insertJson(pool, 'organizations', ORGANIZATION_COLUMNS, batch);
        await insertJson(pool, 'organization_units', ['organization_id', 'unit_id'], unique);
      });
    }
    await queue.drain();
    log(`structures : ${organizationCount} en ${seconds(phase)}`);

    phase = performance.now();
    const picker = new OrganizationPicker(refs);
    let affiliationCount = 0;
    for (let start = 0; start < contactCount; start += BATCH_ROWS) {
      const contacts: GeneratedContact[] = [];
      const affiliations: GeneratedAffiliation[] = [];
      for (let index = start; index < Math.min(contactCount, start + BATCH_ROWS); index += 1) {
        const generated = generateContact(index, context, picker);
        contacts.push(generated.contact);
        affiliations.push(...generated.affiliations);
      }
      affiliationCount += affiliations.length;
      await queue.add(async () => {
        await insertJson(pool, 'contacts', CONTACT_COLUMNS, contacts);
        await insertJson(pool, 'affiliations', AFFILIATION_COLUMNS, affiliations);
      });
    }
    await queue.drain();
    log(`contacts : ${contactCount} et ${affiliationCount} rattachements en ${seconds(phase)}`);

    phase = performance.now();
    await rebuildIndexes(pool, indexDefinitions);
    log(`index reconstruits en ${seconds(phase)}`);

    phase = performance.now();
    for (const table of LOADED_TABLES) await pool.query(`vacuum (analyze) ${table}`);
    log(`vacuum analyze : ${seconds(phase)}`);

    const { rows } = await pool.query<Record<string, string>>(`
      select (select count(*) from organizations) as organizations,
             (select count(*) from contacts) as contacts,
             (select count(*) from affiliations) as affiliations,
             (select count(*) from organizations where status = 'actif' and region_code = '84') as actif_region_84,
             (select round(100.0 * count(*) filter (where coalesce(last_activity_at, created_at) < $1::timestamptz - interval '12 months') / count(*), 1)
                from organizations) as inactive_12_months_pct,
             (select pg_size_pretty(pg_database_size(current_database()))) as database_size`,
      [referenceDate.toISOString()],
    );
    log(`contenu : ${JSON.stringify(rows[0])}`);
    log(`compte de benchmark : ${BENCH_USER.email} / ${BENCH_USER.password}`);
    log(`total : ${seconds(started)}`);
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
