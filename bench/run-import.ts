// Import benchmark: a 100,000-row CSV of organisations (generated, French-looking, valid
// identifiers), imported through the real pipeline — upload analysis and storage, then the
// job's run (validation with the forms' rules, matching, inserts, audit, per-row outcomes) —
// against server PostgreSQL. Measured in the same run, as baselines: parsing the file alone
// (once), and a raw load of the same rows — parse + multi-row
// `INSERT … SELECT FROM json_populate_recordset(null::organizations, $1)`, no validation, no
// matching, no journal — into a freshly emptied table. With --repeat=N the import and the raw
// load alternate (ABBA order) so that the machine's noise hits both, and medians are reported.
//
//   LOG_LEVEL=warn node --expose-gc --import tsx bench/run-import.ts [--rows=100000] [--seed=20260101]
//        [--repeat=1] [--raw-chunk=1000] [--reimport] [--reimport-mode=update_only]
//   DATABASE_URL=postgres://…/passerelle_bench_import (default; dropped and recreated)
//
// --reimport: after each import, the same file is imported again (mode --reimport-mode,
// « mettre à jour seulement » by default) and timed; its outcome counts are read from
// import_batches. A stable re-import leaves every row « inchangée ».
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { openDatabase, rowsOf, type Database } from '../src/models/database';
import { IMPORT_MODES, type ImportMode } from '../src/models/schema';
import { readTable } from '../src/lib/imports/table-reader';
import { insertUser, replaceUserUnits } from '../src/models/users.model';
import { listUnits } from '../src/models/units.model';
import { actorOf } from '../src/services/auth.service';
import type { ServiceContext } from '../src/services/context';
import { runImportBatch } from '../src/services/import-run.service';
import { createImportBatch, saveMapping, startImport } from '../src/services/imports.service';
import { argValue, hasFlag, recreateBenchDatabase } from './bench-env';
import { generateOrganization, seedFaker } from './directory-data';

const ROWS = Number(argValue('rows') ?? 100_000);
const SEED = Number(argValue('seed') ?? 20260101);
const REPEAT = Math.max(1, Number(argValue('repeat') ?? 1));
/** Rows per raw INSERT statement (the import commits 200-row chunks; a raw load can afford more). */
const RAW_CHUNK = Math.max(1, Number(argValue('raw-chunk') ?? 1000));
const REIMPORT = hasFlag('reimport');
const REIMPORT_MODE = (argValue('reimport-mode') ?? 'update_only') as ImportMode;
const DATABASE_URL = process.env.DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/passerelle_bench_import';
const FILE_NAME = 'organisations-bench.csv';

/** The objectives of issue 11 (« Speed »), checked in the summary. */
const AIM = { ratio: 0.25, seconds100k: 60, rssGrowthMb: 150 };

interface Step<T = unknown> {
  label: string;
  result: T;
  seconds: number;
  rows: number;
  peakRssMb: number;
  rssGrowthMb: number;
  peakHeapMb: number;
}

/**
 * Peak resident memory and heap while `work` runs: sampled every 50 ms, and the kernel's
 * high-water mark (maxRSS) when it rose during the step, so a spike between samples counts.
 */
async function measured<T>(label: string, rows: number, work: () => Promise<T>): Promise<Step<T>> {
  global.gc?.();
  const startRss = process.memoryUsage().rss;
  const startMaxRssKb = process.resourceUsage().maxRSS;
  let peakRss = startRss;
  let peakHeap = process.memoryUsage().heapUsed;
  const sample = () => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  };
  const timer = setInterval(sample, 50);
  const started = performance.now();
  try {
    const result = await work();
    const seconds = (performance.now() - started) / 1000;
    sample();
    const maxRssKb = process.resourceUsage().maxRSS;
    if (maxRssKb > startMaxRssKb) peakRss = Math.max(peakRss, maxRssKb * 1024);
    return { label, result, seconds, rows, peakRssMb: peakRss / 1048576, rssGrowthMb: (peakRss - startRss) / 1048576, peakHeapMb: peakHeap / 1048576 };
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

async function* fileRows(file: string): AsyncGenerator<string[]> {
  let header = true;
  for await (const row of readTable(fs.createReadStream(file), { kind: 'csv', encoding: 'utf-8', delimiter: ';' })) {
    if (header) header = false;
    else yield row.cells;
  }
}

/** A CSV row as an `organizations` record, cells taken as they are (no validation, no normalisation). */
function rawRecord(cells: string[]) {
  const cell = (index: number) => cells[index]?.trim() || null;
  const list = (index: number, separator: RegExp) => (cells[index] ?? '').split(separator).map((item) => item.trim()).filter(Boolean);
  const siret = cell(4);
  return {
    name: cell(0),
    acronym: cell(1),
    kind_code: cell(2) ?? 'entreprise',
    status: cell(3) ?? 'prospect',
    siren: siret ? siret.slice(0, 9) : null,
    siret,
    uai: list(5, /\s+/),
    website: cell(6),
    email: cell(7),
    phone: cell(8),
    address_line: cell(9),
    postal_code: cell(10),
    city: cell(11),
    tags: list(12, /,/),
    description: cell(13),
  };
}

/** The raw baseline: parse + one `INSERT … SELECT FROM json_populate_recordset` per RAW_CHUNK rows. */
async function rawLoad(db: Database, file: string): Promise<number> {
  let records: Array<ReturnType<typeof rawRecord>> = [];
  let rows = 0;
  const flush = async () => {
    if (records.length === 0) return;
    // Generated columns (website_domain, search_name, search_document) are computed by
    // PostgreSQL as for the import; id, created_at and updated_at take their defaults.
    await db.execute(sql`
      insert into organizations (name, acronym, kind_code, status, siren, siret, uai, website, email, phone, address_line, postal_code, city, tags, description)
      select name, acronym, kind_code, status, siren, siret, uai, website, email, phone, address_line, postal_code, city, tags, description
        from json_populate_recordset(null::organizations, ${JSON.stringify(records)}::json)`);
    rows += records.length;
    records = [];
  };
  for await (const cells of fileRows(file)) {
    records.push(rawRecord(cells));
    if (records.length >= RAW_CHUNK) await flush();
  }
  await flush();
  return rows;
}

/**
 * Empties what the previous measured run wrote (organisations with their units and links,
 * the journal, import batches with their rows and stored files) and writes dirty pages out,
 * so every run starts from the same state and does not pay for its predecessor's checkpoint.
 */
async function freshTables(db: Database): Promise<void> {
  await db.execute(sql`truncate organizations, audit_log, import_batches restart identity cascade`);
  await db.execute(sql`checkpoint`);
}

interface BatchOutcome {
  status: string;
  processed_rows: number;
  created_count: number;
  updated_count: number;
  unchanged_count: number;
  skipped_count: number;
  ambiguous_count: number;
  warning_count: number;
  error_count: number;
}

interface ImportResult {
  batchId: string;
  uploadSeconds: number;
  runSeconds: number;
  outcome: BatchOutcome;
}

/** Upload (analyse, count, store), mapping as suggested, then what the worker's job does. */
async function importFile(ctx: ServiceContext, file: string, bytes: number, mode: ImportMode): Promise<ImportResult> {
  const started = performance.now();
  const batch = await createImportBatch(ctx, { entityType: 'organizations', fileName: FILE_NAME, filePath: file, size: bytes }, { maxBytes: 200 * 1048576, maxRows: 1_000_000 });
  const uploaded = performance.now();
  const columns = Object.fromEntries(Object.entries(batch.mapping).map(([index, field]) => [`column_${index}`, field]));
  await saveMapping(ctx, batch.id, { ...columns, matchKey: 'siret', mode, defaultKindCode: 'entreprise', defaultStatus: 'prospect' });
  await startImport(ctx, batch.id);
  const runStarted = performance.now();
  const outcome = await runImportBatch(ctx.db, batch.id);
  const finished = performance.now();
  if (outcome !== 'completed') throw new Error(`import run ended as ${outcome}`);
  const [counts] = rowsOf<BatchOutcome>(
    await ctx.db.execute(sql`
      select status, processed_rows, created_count, updated_count, unchanged_count, skipped_count, ambiguous_count, warning_count, error_count
        from import_batches where id = ${batch.id}`),
  );
  if (!counts) throw new Error(`import batch ${batch.id} vanished`);
  return { batchId: batch.id, uploadSeconds: (uploaded - started) / 1000, runSeconds: (finished - runStarted) / 1000, outcome: counts };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

const number = (value: number, digits = 0) => value.toLocaleString('fr-FR', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const rate = (rows: number, seconds: number) => rows / seconds;
const check = (ok: boolean) => (ok ? '✓' : '✗');

function stepLine(run: string, step: Step): string {
  return `| ${run} | ${step.label} | ${step.seconds.toFixed(1)} | ${number(rate(step.rows, step.seconds))} | ${step.peakRssMb.toFixed(0)} | ${step.rssGrowthMb.toFixed(0)} | ${step.peakHeapMb.toFixed(0)} |`;
}

function outcomeLine(outcome: BatchOutcome): string {
  return `${outcome.status}: ${number(outcome.processed_rows)} processed — created ${number(outcome.created_count)}, updated ${number(outcome.updated_count)}, unchanged ${number(outcome.unchanged_count)}, skipped ${number(outcome.skipped_count)}, ambiguous ${number(outcome.ambiguous_count)}, errors ${number(outcome.error_count)} (warnings ${number(outcome.warning_count)})`;
}

async function main(): Promise<void> {
  if (!IMPORT_MODES.includes(REIMPORT_MODE)) throw new Error(`--reimport-mode must be one of ${IMPORT_MODES.join(', ')}`);
  if (!Number.isInteger(ROWS) || ROWS < 1) throw new Error('--rows must be a positive integer');
  await recreateBenchDatabase(DATABASE_URL);
  const handle = await openDatabase({ driver: 'pg', url: DATABASE_URL, poolSize: 10 });
  await handle.migrate();
  const db = handle.db;
  const units = await listUnits(db);
  const user = await insertUser(db, { email: 'import-bench@passerelle.test', displayName: 'Banc d’essai import', roles: ['manager'], passwordHash: null });
  await replaceUserUnits(db, user.id, units.slice(0, 1).map((unit) => unit.id));
  const ctx: ServiceContext = { db, actor: await actorOf(db, user), now: new Date(), baseUrl: 'http://bench' };
  const loadBefore = os.loadavg();

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-import-bench-'));
  const file = path.join(dir, FILE_NAME);
  const generation = await measured('generate the CSV', ROWS, () => writeCsv(file));
  const bytes = generation.result;

  // Baseline: read and parse the file, nothing else (once: it does not touch the database).
  const parse = await measured('baseline: parse only (csv-parse stream)', ROWS, async () => {
    let rows = 0;
    for await (const _cells of fileRows(file)) rows += 1;
    return rows;
  });

  const imports: Array<Step<ImportResult>> = [];
  const reimports: Array<Step<ImportResult>> = [];
  const raws: Array<Step<number>> = [];
  const perRun: string[] = [];
  const runImport = async (run: number) => {
    await freshTables(db);
    const step = await measured('Passerelle import (upload + run), create_and_update', ROWS, () => importFile(ctx, file, bytes, 'create_and_update'));
    imports.push(step);
    perRun.push(stepLine(`${run}`, step));
    console.error(`run ${run}: import ${step.seconds.toFixed(1)} s — ${outcomeLine(step.result.outcome)}`);
    if (!REIMPORT) return;
    await db.execute(sql`checkpoint`);
    const again = await measured(`re-import of the same file, ${REIMPORT_MODE}`, ROWS, () => importFile(ctx, file, bytes, REIMPORT_MODE));
    reimports.push(again);
    perRun.push(stepLine(`${run}`, again));
    console.error(`run ${run}: re-import ${again.seconds.toFixed(1)} s — ${outcomeLine(again.result.outcome)}`);
  };
  const runRaw = async (run: number) => {
    await freshTables(db);
    const step = await measured(`raw json_populate_recordset INSERTs (${number(RAW_CHUNK)} rows each)`, ROWS, () => rawLoad(db, file));
    if (step.result !== ROWS) throw new Error(`raw load inserted ${step.result} rows, expected ${ROWS}`);
    raws.push(step);
    perRun.push(stepLine(`${run}`, step));
    console.error(`run ${run}: raw ${step.seconds.toFixed(1)} s`);
  };
  // ABBA: import first on even runs, raw first on odd ones.
  for (let run = 1; run <= REPEAT; run += 1) {
    if (run % 2 === 1) {
      await runImport(run);
      await runRaw(run);
    } else {
      await runRaw(run);
      await runImport(run);
    }
  }
  const loadAfter = os.loadavg();

  const importSeconds = median(imports.map((step) => step.seconds));
  const runSeconds = median(imports.map((step) => step.result.runSeconds));
  const uploadSeconds = median(imports.map((step) => step.result.uploadSeconds));
  const rawSeconds = median(raws.map((step) => step.seconds));
  const importGrowth = median(imports.map((step) => step.rssGrowthMb));
  const rawGrowth = median(raws.map((step) => step.rssGrowthMb));
  const ratio = rawSeconds / importSeconds;
  const runRatio = rawSeconds / runSeconds;
  const seconds100k = (importSeconds * 100_000) / ROWS;

  console.log(`\nImport benchmark — ${new Date().toISOString()} — ${number(ROWS)} rows, ${(bytes / 1048576).toFixed(1)} MiB, seed ${SEED}, ${REPEAT} run(s)`);
  console.log(`machine: ${os.cpus().length} CPU (${os.cpus()[0]?.model}), Node ${process.version}, load average ${loadBefore.map((value) => value.toFixed(1)).join(' ')} before → ${loadAfter.map((value) => value.toFixed(1)).join(' ')} after`);
  console.log(`GC between steps: ${global.gc ? 'yes (--expose-gc)' : 'no (run with node --expose-gc for steadier RSS figures)'}`);
  console.log('\n| run | step | seconds | rows/s | peak RSS (MiB) | RSS growth (MiB) | peak heap (MiB) |\n|---|---|---:|---:|---:|---:|---:|');
  console.log(stepLine('–', generation));
  console.log(stepLine('–', parse));
  for (const line of perRun) console.log(line);

  const medianOf = REPEAT > 1 ? `median of ${REPEAT}` : '1 run';
  console.log(`\nSummary (${medianOf}):\n`);
  console.log('| measure | value | aim |\n|---|---:|---|');
  console.log(`| import, end to end (upload + mapping + run) | ${importSeconds.toFixed(1)} s, ${number(rate(ROWS, importSeconds))} rows/s | |`);
  console.log(`| … of which upload (detect, count, store) | ${uploadSeconds.toFixed(1)} s | |`);
  console.log(`| … of which run (validate, match by SIRET, write, journal, outcomes) | ${runSeconds.toFixed(1)} s, ${number(rate(ROWS, runSeconds))} rows/s | |`);
  console.log(`| raw json_populate_recordset load | ${rawSeconds.toFixed(1)} s, ${number(rate(ROWS, rawSeconds))} rows/s | |`);
  console.log(`| ratio import / raw (rows/s, end to end) | ${ratio.toFixed(2)}× | ≥ ${AIM.ratio}× ${check(ratio >= AIM.ratio)} |`);
  console.log(`| ratio run only / raw | ${runRatio.toFixed(2)}× | |`);
  console.log(`| import time for 100,000 rows${ROWS === 100_000 ? '' : ' (extrapolated linearly)'} | ${seconds100k.toFixed(1)} s | ≤ ${AIM.seconds100k} s ${check(seconds100k <= AIM.seconds100k)} |`);
  console.log(`| peak RSS growth during the import | ${importGrowth.toFixed(0)} MiB | ≤ ${AIM.rssGrowthMb} MB ${check(importGrowth * 1.048576 <= AIM.rssGrowthMb)} |`);
  console.log(`| peak RSS growth during the raw load | ${rawGrowth.toFixed(0)} MiB | |`);
  if (REIMPORT) {
    const reSeconds = median(reimports.map((step) => step.seconds));
    const reGrowth = median(reimports.map((step) => step.rssGrowthMb));
    console.log(`| re-import (${REIMPORT_MODE}), end to end | ${reSeconds.toFixed(1)} s, ${number(rate(ROWS, reSeconds))} rows/s | |`);
    console.log(`| peak RSS growth during the re-import | ${reGrowth.toFixed(0)} MiB | |`);
  }
  console.log('\nBatch outcomes (import_batches):');
  imports.forEach((step, index) => {
    console.log(`- import ${index + 1}: ${outcomeLine(step.result.outcome)}`);
    const again = reimports[index];
    if (again) {
      const outcome = again.result.outcome;
      // Stable: nothing created, nothing updated, nothing ambiguous. Rows the first import
      // refused are refused again; rows without a SIRET have no key to match on (skipped in
      // update_only, created a second time in create_and_update: then not stable).
      const stable = outcome.created_count === 0 && outcome.updated_count === 0 && outcome.ambiguous_count === 0;
      console.log(`- re-import ${index + 1}: ${outcomeLine(outcome)} — ${stable ? 'stable' : 'NOT stable (expected no created, updated or ambiguous row)'}`);
    }
  });
  fs.rmSync(dir, { recursive: true, force: true });
  await handle.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
