// Array parameters for raw SQL. Drizzle expands a JS array into a row of values, so `= any(…)`,
// `&&` and `unnest(…)` need an explicit array; an empty list is a typed empty array, never the
// invalid `array[]`.
import { sql, type SQL } from 'drizzle-orm';

function arrayOf(items: readonly string[], type: 'uuid' | 'text'): SQL {
  if (items.length === 0) return sql.raw(`'{}'::${type}[]`);
  return sql`array[${sql.join(items.map((item) => sql`${item}`), sql`, `)}]::${sql.raw(type)}[]`;
}

/** A uuid[] parameter. */
export function uuidArray(ids: readonly string[]): SQL {
  return arrayOf(ids, 'uuid');
}

/** A text[] parameter. */
export function textArray(items: readonly string[]): SQL {
  return arrayOf(items, 'text');
}
