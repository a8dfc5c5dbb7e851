// The one-way layer rule (DESIGN.md §3): lib → models → workflows → services → jobs | web → routes → boot.
// A file may import its own layer or a lower one, never a higher one nor a sibling (jobs ↔ web).
// Run by `npm run lint`; prints every offending import and exits 1.
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const layerRank = {
  lib: 0, config: 0,
  models: 1,
  workflows: 2,
  services: 3,
  jobs: 4, web: 4,
  routes: 5,
  app: 6, seed: 6,
  boot: 7, server: 8,
};

function layerOf(file) {
  const rel = path.relative(path.join(root, 'src'), file).split(path.sep);
  const head = rel[0].replace(/\.ts$/, '');
  if (!(head in layerRank)) throw new Error(`src/${rel.join('/')}: no layer for "${head}" in scripts/check-layers.mjs`);
  return head;
}

const files = [];
(function walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (full.endsWith('.ts')) files.push(full);
  }
})(path.join(root, 'src'));

const violations = [];
for (const file of files) {
  const from = layerOf(file);
  const text = fs.readFileSync(file, 'utf8');
  for (const match of text.matchAll(/(?:from|import\(|require\()\s*'(\.{1,2}\/[^']*)'/g)) {
    const target = path.resolve(path.dirname(file), match[1]);
    if (!target.startsWith(path.join(root, 'src') + path.sep)) continue;
    const to = layerOf(target);
    const siblings = from !== to && layerRank[from] === layerRank[to] && layerRank[from] !== 0;
    if (layerRank[to] > layerRank[from] || siblings) {
      violations.push(`${path.relative(root, file)} (${from}) imports ${match[1]} (${to})`);
    } else if (from === 'routes' && to === 'models' && !target.includes(`${path.sep}models${path.sep}schema`)) {
      // Routes call services only; the schema's constants and types are the one thing they read.
      violations.push(`${path.relative(root, file)} (routes) imports ${match[1]}: call a service instead`);
    }
  }
}
if (violations.length > 0) {
  console.error(`Imports running up the layers (lib → models → workflows → services → jobs | web → routes → boot):\n  ${violations.join('\n  ')}`);
  process.exit(1);
}
console.log(`layers: ${files.length} files, no import runs up the layers`);
