import { fr as frFoundation } from './fr';
import { frDirectory } from './fr-directory';
import { frDuplicates } from './fr-duplicates';
import { frExport } from './fr-export';
import { frImport } from './fr-import';
import { frKinds } from './fr-kinds';
import { frReference } from './fr-reference';
import { frSearch } from './fr-search';

type Tree = { readonly [key: string]: string | Tree };
/**
 * The French catalogue, one file per feature so features can be worked on side by side.
 * Each file owns its own top-level groups; a clash would silently hide strings, so it throws.
 */
function mergeCatalogues(...parts: Tree[]): Tree {
  const merged: Record<string, string | Tree> = {};
  for (const part of parts) {
    for (const [group, value] of Object.entries(part)) {
      if (group in merged) throw new Error(`i18n: the group "${group}" is defined twice`);
      merged[group] = value;
    }
  }
  return merged;
}
const fr = mergeCatalogues(frFoundation, frDirectory, frSearch, frImport, frDuplicates, frExport, frReference, frKinds);
const catalogues: Record<string, Tree> = { fr };

/** Looks up a dotted key ("users.created") and fills `{name}` placeholders. Unknown keys show as-is. */
export function t(key: string, params: Record<string, unknown> = {}, locale = 'fr'): string {
  let node: string | Tree | undefined = catalogues[locale] ?? fr;
  for (const part of key.split('.')) {
    node = typeof node === 'object' ? node[part] : undefined;
    if (node === undefined) return key;
  }
  if (typeof node !== 'string') return key;
  return node.replace(/\{(\w+)\}/g, (match, name: string) => (name in params ? String(params[name]) : match));
}


/** A label keyed by a code that may itself contain dots (audit actions like `user.created`). */
export function labelFor(group: string, key: string, locale = 'fr'): string {
  const catalogue = (catalogues[locale] ?? fr) as Tree;
  const node = catalogue[group];
  const value = typeof node === 'object' ? node[key] : undefined;
  return typeof value === 'string' ? value : key;
}
