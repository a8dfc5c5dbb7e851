// Hot queries built once. Drizzle rebuilds a query's SQL text from its builder at every call
// (about 0.1–0.3 ms of CPU for a select or update of a wide table: ~30 % of the Node process in
// the workflow benchmark); its own `.prepare()` keeps the text but is bound to the database or
// transaction it was made on, and every transaction is a new one. Here the text, parameters
// (with `sql.placeholder`s) and result fields are built at the first call, and each call only
// binds them to the caller's session, database or transaction. With `pg` the query is a named
// prepared statement: each connection parses it once and sends only its values afterwards.
// PGlite runs the same text (it ignores the name).
import type { Database } from '../lib/database';

/** What Drizzle's prepared queries hold (the same fields for node-postgres and PGlite). */
interface BuiltQuery {
  queryString: string;
  params: unknown[];
  fields?: unknown;
  joinsNotNullableMap?: Record<string, boolean>;
}

interface Runnable<R> {
  execute(placeholderValues?: Record<string, unknown>): Promise<R>;
}

/**
 * `build(db)` makes the query (values as `sql.placeholder(name)`); the result runs it on any
 * database or transaction with `values` for the placeholders. `name` must be unique per query text, and
 * under 64 characters (PostgreSQL truncates longer names: two would become one).
 */
export function reusableQuery<R>(name: string, build: (db: Database) => { prepare(name: string): Runnable<R> }): (db: Database, values: Record<string, unknown>) => Promise<R> {
  let built: BuiltQuery | undefined;
  return (db, values) => {
    built ??= build(db).prepare(name) as unknown as BuiltQuery;
    const query = db._.session.prepareQuery({ sql: built.queryString, params: built.params }, built.fields as never, name, true) as unknown as Runnable<R> & {
      joinsNotNullableMap?: Record<string, boolean>;
    };
    query.joinsNotNullableMap = built.joinsNotNullableMap;
    return query.execute(values);
  };
}
