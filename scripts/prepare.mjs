// `prepare` (run by `npm ci` and `npm install`): compiles TypeScript once, so that `npm start`
// runs the built code at once, then makes the PGlite template that spares the first start
// PostgreSQL's initdb (src/lib/pglite-template.ts).
//
// Skipped where there is nothing to build: an install without this script or without src/ (the
// Dockerfile's `npm ci` layers copy package.json alone: package.json runs this file only if it
// exists) or without the dev dependencies (`npm ci --omit=dev`).
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

if (!fs.existsSync(path.join(root, 'src')) || !fs.existsSync(path.join(root, 'node_modules', 'typescript'))) {
  console.log('prepare: no src/ or no TypeScript (production install): nothing to build');
  process.exit(0);
}

let started = Date.now();
const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
console.log(`prepare: TypeScript compiled to dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);

// The template: a fresh PGlite data directory with every migration applied.
started = Date.now();
const { openDatabase } = require(path.join(root, 'dist/src/models/database.js'));
const { PGLITE_TEMPLATE_DIR, writeTemplateInfo } = require(path.join(root, 'dist/src/lib/pglite-template.js'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-template-'));
try {
  const handle = await openDatabase({ driver: 'pglite', dataDir: work, lock: false });
  await handle.migrate();
  await handle.close();
  fs.rmSync(PGLITE_TEMPLATE_DIR, { recursive: true, force: true });
  fs.mkdirSync(PGLITE_TEMPLATE_DIR, { recursive: true });
  fs.cpSync(path.join(work, 'pgdata'), path.join(PGLITE_TEMPLATE_DIR, 'pgdata'), { recursive: true });
  writeTemplateInfo(PGLITE_TEMPLATE_DIR);
  console.log(`prepare: empty migrated PGlite database made in ${((Date.now() - started) / 1000).toFixed(1)} s (dist/pglite-template)`);
} catch (error) {
  // Not fatal: the first start then runs initdb itself, only slower.
  console.warn(`prepare: PGlite template not made (${error instanceof Error ? error.message : String(error)}); the first start will initialise the database itself`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
process.exit(0);
