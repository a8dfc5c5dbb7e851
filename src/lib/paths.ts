import fs from 'node:fs';
import path from 'node:path';

/** The repository root (where package.json is), whether running from src/ via jest or from dist/. */
function findProjectRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json introuvable au-dessus de ${start}`);
    dir = parent;
  }
  return dir;
}

export const projectRoot = findProjectRoot(__dirname);
export const viewsDir = path.join(projectRoot, 'src', 'views');
export const migrationsDir = path.join(projectRoot, 'migrations');
export const publicDir = path.join(projectRoot, 'public');
