// A migrated, empty PGlite data directory made once at install (`npm ci` runs `prepare`,
// scripts/prepare.mjs), copied into an empty DATA_DIR at the first start. PGlite's initdb runs
// the bootstrap of a whole PostgreSQL cluster in WebAssembly (several seconds, ~70 % of a first
// start); copying the ~40 MB result takes a fraction of a second. Without a template (a build
// made with `npm run build` only, another PGlite version) the first start simply runs initdb.
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from './paths';

export const PGLITE_TEMPLATE_DIR = path.join(projectRoot, 'dist', 'pglite-template');

interface TemplateInfo {
  pgliteVersion: string;
}

export function installedPgliteVersion(): string {
  const file = path.join(projectRoot, 'node_modules', '@electric-sql', 'pglite', 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

function templateInfo(templateDir: string): TemplateInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(templateDir, 'template.json'), 'utf8')) as TemplateInfo;
  } catch {
    return undefined;
  }
}

/**
 * Copies the template into `pgdataDir` when that directory holds no database yet and the
 * template was made by the installed PGlite. Returns whether it did. The copy lands in a
 * temporary sibling first and is renamed, so an interrupted copy never looks like a database.
 */
export function initializeFromTemplate(pgdataDir: string, templateDir = PGLITE_TEMPLATE_DIR): boolean {
  if (fs.existsSync(path.join(pgdataDir, 'PG_VERSION'))) return false;
  if (fs.existsSync(pgdataDir) && fs.readdirSync(pgdataDir).length > 0) return false;
  const info = templateInfo(templateDir);
  if (!info || info.pgliteVersion !== installedPgliteVersion()) return false;
  const source = path.join(templateDir, 'pgdata');
  if (!fs.existsSync(path.join(source, 'PG_VERSION'))) return false;
  const staging = `${pgdataDir}.copying-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.cpSync(source, staging, { recursive: true });
  fs.rmSync(pgdataDir, { recursive: true, force: true });
  fs.renameSync(staging, pgdataDir);
  return true;
}

/** Records which PGlite made the template (scripts/prepare.mjs). */
export function writeTemplateInfo(templateDir: string): void {
  const info: TemplateInfo = { pgliteVersion: installedPgliteVersion() };
  fs.writeFileSync(path.join(templateDir, 'template.json'), `${JSON.stringify(info)}\n`);
}
