import { fr } from './fr';

type Tree = { readonly [key: string]: string | Tree };
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

/** Does the catalogue hold this key? (Used to label audit actions and entity types.) */
export function hasMessage(key: string, locale = 'fr'): boolean {
  return t(key, {}, locale) !== key;
}
