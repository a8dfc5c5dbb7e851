// Small pieces of reading an imported row (field → cell values): dates, full names, the kind a
// name suggests. The row itself is read by row-reading.ts, into what the directory's forms take.
// Pure functions: what needs the database (kinds, users, organisations) is given by the caller.
import { isInCapitals } from '../../lib/french-case';
import { kindHintsOf } from '../../lib/organization-kind-hints';
import { headerKey } from './fields';

/** Field key → the row's values for it (see valuesByField). */
export type RowValues = Map<string, string[]>;

/** "25/03/2022" or "2022-03-25" → "2022-03-25"; anything else is passed on for the form to reject. */
export function isoDate(text: string): string {
  const french = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text.trim());
  if (french) {
    const [, day = '', month = '', year = ''] = french;
    return `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
  }
  return text.trim();
}

export interface KindChoice {
  code: string;
  label: string;
}

/**
 * The kind of an organisation: the kind column when there is one (code or label, any case or
 * accents), else a hint in its name ("Lycée…", "Université…"), else the import's default.
 * Returns `unknown` with the text when a kind column names nothing known.
 */
export function resolveKind(kindText: string, name: string, kinds: KindChoice[], defaultKind: string): { code: string } | { unknown: string } {
  const available = new Set(kinds.map((kind) => kind.code));
  if (kindText) {
    const key = headerKey(kindText);
    const match = kinds.find((kind) => headerKey(kind.code) === key || headerKey(kind.label) === key);
    return match ? { code: match.code } : { unknown: kindText };
  }
  for (const code of kindHintsOf(name)) {
    if (available.has(code)) return { code };
  }
  return { code: defaultKind };
}

/** "DUPONT Marie" → Marie / DUPONT; "Marie Dupont" → Marie / Dupont. */
export function splitFullName(full: string): { firstName: string; lastName: string } {
  const words = full.trim().split(/\s+/).filter(Boolean);
  if (words.length < 2) return { firstName: '', lastName: words[0] ?? '' };
  const capitals = words.filter((word) => isInCapitals(word));
  if (capitals.length > 0 && capitals.length < words.length) {
    return { lastName: capitals.join(' '), firstName: words.filter((word) => !isInCapitals(word)).join(' ') };
  }
  return { firstName: words[0] ?? '', lastName: words.slice(1).join(' ') };
}

export interface EmployerReference {
  name: string;
  siret: string;
  uai: string;
}
