// Entry of `npm start`, `npm run demo|web|worker|seed`: runs the compiled program in this same
// process (no rebuild, no child process), so the signal npm forwards on Ctrl-C or SIGTERM
// reaches the application itself and it stops everything it started.
//
// The code is compiled once, at install (`npm ci` runs `prepare`). If dist/ is missing or a
// TypeScript file is newer than its compiled version, this refuses to start rather than run
// old code: run `npm run build` (or `npm run dev` while developing, which compiles on the fly).
//
//   node scripts/run-built.mjs src/server.js      (a path inside dist/)
//   node scripts/run-built.mjs --check            (exit 0 if dist/ is up to date, 1 if not)
import fs from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const distDir = path.join(root, 'dist');
const entry = process.argv[2];
if (!entry) {
  process.stderr.write('usage: node scripts/run-built.mjs <path inside dist/, e.g. src/server.js>\n');
  process.exit(2);
}

/** TypeScript files of src/ and workers/ whose compiled .js is missing or older. */
function staleSources() {
  const stale = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const item of entries) {
      const full = path.join(dir, item.name);
      if (item.isDirectory()) {
        if (item.name !== 'views' && item.name !== 'data') walk(full);
      } else if (item.name.endsWith('.ts') && !item.name.endsWith('.d.ts')) {
        const compiled = path.join(distDir, path.relative(root, full)).replace(/\.ts$/, '.js');
        let compiledAt = 0;
        try {
          compiledAt = fs.statSync(compiled).mtimeMs;
        } catch {
          // missing
        }
        if (compiledAt < fs.statSync(full).mtimeMs) stale.push(path.relative(root, full));
      }
    }
  };
  walk(path.join(root, 'src'));
  walk(path.join(root, 'workers'));
  return stale;
}

const checkOnly = entry === '--check';
const target = path.join(distDir, checkOnly ? 'src/server.js' : entry);
const stale = fs.existsSync(target) ? staleSources() : ['dist/ (absent)'];
if (checkOnly) {
  if (stale.length > 0) process.stdout.write(`dist/ is out of date: ${stale.slice(0, 5).join(', ')}\n`);
  process.exit(stale.length > 0 ? 1 : 0);
}
if (stale.length > 0) {
  const shown = stale.slice(0, 5).join(', ') + (stale.length > 5 ? ` … (+${stale.length - 5})` : '');
  process.stderr.write(
    [
      '',
      'Passerelle n’est pas compilé, ou le code a changé depuis la dernière compilation :',
      `  ${shown}`,
      '  lancez « npm run build » (environ 20 s), puis relancez la commande.',
      '  En développement, « npm run dev » compile à la volée.',
      'Passerelle is not built, or the code changed since the last build:',
      '  run "npm run build" (about 20 s), then run the command again ("npm run dev" compiles on the fly).',
      '',
      '',
    ].join('\n'),
  );
  process.exit(1);
}

// Node ≥ 22.1 keeps V8's compiled code of every module on disk: later starts skip compiling
// (Node 20 has no such cache and ignores this).
module.enableCompileCache?.(path.join(root, 'node_modules', '.cache', 'passerelle-compile'));

await import(pathToFileURL(target).href);
