// Import benchmark: a 100,000-row CSV of organisations (generated, French-looking, valid
// identifiers), imported through the real pipeline — upload analysis and storage, then the
// job's run (validation with the forms' rules, matching, inserts, audit, per-row outcomes) —
// against server PostgreSQL. Measured in the same run, as baselines: parsing the file alone,
// and inserting the parsed rows with raw multi-row INSERTs (no validation, no audit).
//
//   npx tsx bench/run-import.ts [--rows=100000] [--seed=20260101]
//   DATABASE_URL=postgres://…/passerelle_bench_import (default; dropped and recreated)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../src/models/database';
import { readTable } from '../src/lib/imports/table-reader';
import { insertUser, replaceUserUnits } from '../src/models/users.model';
import { listUnits } from '../src/models/units.model';
import { actorOf } from '../src/services/auth.service';
import type { ServiceContext } from '../src/services/context';
import { runImportBatch } from '../src/services/import-run.service';
import { createImportBatch, saveMapping, startImport } from '../src/services/imports.service';
import { argValue, recreateBenchDatabase } from './bench-env';
import { generateOrganization, seedFaker } from './directory-data';

const ROWS = Number(argValue('rows') ?? 100_000);
const SEED = Number(argValue('seed') ?? 20260101);
const DATABASE_URL = process.env.DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/passerelle_bench_import';

/** Peak resident memory and heap while `work` runs, sampled every 50 ms. */
async function measured<T>(label: string, work: () => Promise<T>) {
  global.gc?.();
  const startRss = process.memoryUsage().rss;
  let peakRss = startRss;
  let peakHeap = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  }, 50);
  const started = performance.now();
  try {
    const result = await work();
    const seconds = (performance.now() - started) / 1000;
    return { label, result, seconds, peakRssMb: peakRss / 1048576, rssGrowthMb: (peakRss - startRss) / 1048576, peakHeapMb: peakHeap / 1048576 };
  } finally {
    clearInterval(timer);
  }
}

function csvCell(text: string): string {
  return /[";\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

async function writeCsv(file: string): Promise<number> {
  seedFaker(SEED);
  // Owners are not imported from this file (no owner column); the generator just needs one id.
  const context = { referenceDate: new Date('2026-06-01T00:00:00Z'), ownerIds: ['00000000-0000-4000-8000-000000000000'] };
  const out = fs.createWriteStream(file);
  const write = (line: string) => (out.write(line) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve())));
  await write('\uFEFFRaison sociale;Sigle;Type;Statut;SIRET;UAI;Site web;Courriel;Téléphone;Adresse;Code postal;Commune;Étiquettes;Description\r\n');
  for (let index = 0; index < ROWS; index += 1) {
    const org = generateOrganization(index, context);
    const cells = [org.name, org.acronym ?? '', org.kind_code, org.status, org.siret ?? '', org.uai.join(' '), org.website ?? '', org.email ?? '', org.phone ?? '', org.address_line ?? '', org.postal_code ?? '', org.city, org.tags.join(', '), org.description ?? ''];
    await write(cells.map(csvCell).join(';') + '\r\n');
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
  return fs.statSync(file).size;
}

async function main(): Promise<void> {
  await recreateBenchDatabase(DATABASE_URL);
  const handle = await openDatabase({ driver: 'pg', url: DATABASE_URL, poolSize: 10 });
  await handle.migrate();
  const db = handle.db;
  const units = await listUnits(db);
  const user = await insertUser(db, { email: 'import-bench@passerelle.test', displayName: 'Banc d’essai import', roles: ['manager'], passwordHash: null });
  await replaceUserUnits(db, user.id, units.slice(0, 1).map((unit) => unit.id));
  const ctx: ServiceContext = { db, actor: await actorOf(db, user), now: new Date(), baseUrl: 'http://bench' };

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-import-bench-'));
  const file = path.join(dir, 'organisations-100k.csv');
  const generation = await measured('generate CSV', () => writeCsv(file));
  const bytes = generation.result;

  // Baseline 1: read and parse the file, nothing else.
  const parse = await measured('parse only (csv-parse stream)', async () => {
    let rows = 0;
    for await (const _row of readTable(fs.createReadStream(file), { kind: 'csv', encoding: 'utf-8', delimiter: ';' })) rows += 1;
    return rows - 1;
  });

  // Baseline 2: parse + raw multi-row INSERTs of name/kind/siret, 1,000 rows per statement, no validation.
  const raw = await measured('raw INSERT (parse + 1,000-row INSERTs, no validation/audit)', async () => {
    let batch: string[][] = [];
    let rows = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const values = sql.join(batch.map((cells) => sql`(${cells[0]}, ${cells[2]}, ${cells[4] || null}, 'bench-raw')`), sql`, `);
      await db.execute(sql`insert into organizations (name, kind_code, siret, tags) select v.name, v.kind, v.siret, array[v.tag] from (values ${values}) as v(name, kind, siret, tag)`);
      rows += batch.length;
      batch = [];
    };
    let header = true;
    for await (const row of readTable(fs.createReadStream(file), { kind: 'csv', encoding: 'utf-8', delimiter: ';' })) {
      if (header) {
        header = false;
        continue;
      }
      batch.push(row.cells);
      if (batch.length >= 1000) await flush();
    }
    await flush();
    return rows;
  });
  await db.execute(sql`delete from organizations where 'bench-raw' = any(tags)`);

  // Passerelle: the upload step (analysis, row count, storage in 1 MiB chunks)…
  const upload = await measured('Passerelle upload (detect, count, store)', () =>
    createImportBatch(ctx, { entityType: 'organizations', fileName: 'organisations-100k.csv', filePath: file, size: bytes }, { maxBytes: 200 * 1048576, maxRows: 1_000_000 }),
  );
  const batch = upload.result;
  const columns = Object.fromEntries(Object.entries(batch.mapping).map(([index, field]) => [`column_${index}`, field]));
  await saveMapping(ctx, batch.id, { ...columns, matchKey: 'siret', mode: 'create_and_update', defaultKindCode: 'entreprise', defaultStatus: 'prospect' });
  await startImport(ctx, batch.id);
  // …then what the worker's job does.
  const run = await measured('Passerelle run (validate, match by SIRET, insert, audit, outcomes)', () => runImportBatch(db, batch.id));
  const [finished] = rowsOf(await db.execute(sql`select processed_rows, created_count, updated_count, skipped_count, error_count from import_batches where id = ${batch.id}`));

  const table = [generation, parse, raw, upload, run].map((step) => {
    const rows = step === generation ? ROWS : step === raw ? Number(raw.result) : step === parse ? Number(parse.result) : ROWS;
    return `| ${step.label} | ${step.seconds.toFixed(1)} | ${Math.round(rows / step.seconds).toLocaleString('fr-FR')} | ${step.peakRssMb.toFixed(0)} | ${step.rssGrowthMb.toFixed(0)} | ${step.peakHeapMb.toFixed(0)} |`;
  });
  console.log(`\nImport benchmark — ${new Date().toISOString()} — ${ROWS.toLocaleString('fr-FR')} rows, ${(bytes / 1048576).toFixed(1)} MiB, seed ${SEED}`);
  console.log(`machine: ${os.cpus().length} CPU (${os.cpus()[0]?.model}), Node ${process.version}`);
  console.log('\n| step | seconds | rows/s | peak RSS (MiB) | RSS growth (MiB) | peak heap (MiB) |\n|---|---:|---:|---:|---:|---:|');
  for (const line of table) console.log(line);
  console.log(`\nbatch outcome: ${JSON.stringify(finished)}`);
  console.log(`ratio run / raw INSERT time: ${(run.seconds / raw.seconds).toFixed(1)}×`);
  fs.rmSync(dir, { recursive: true, force: true });
  await handle.close();
}

function rowsOf(result: unknown): Array<Record<string, unknown>> {
  return (result as { rows: Array<Record<string, unknown>> }).rows;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
