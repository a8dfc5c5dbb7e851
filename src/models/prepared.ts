// Hot queries built once. Drizzle rebuilds a query's SQL text from its builder at every call
// (about 0.1–0.3 ms of CPU for a select or update of a wide table: ~30 % of the Node process in
// the workflow benchmark); its own `.prepare()` keeps the text but is bound to the database or
// transaction it was made on, and every transaction is a new one. Here the text, parameters
// (with `sql.placeholder`s) and result fields are built at the first call, and each call only
// binds them to the caller's session, database or transaction. With `pg` the query is a named
// prepared statement: each connection parses it once and sends only its values afterwards.
// PGlite runs the same text (it ignores the name).
import { eq, sql } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Database } from './database';

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

type TableWithId = PgTable & { id: AnyPgColumn };
type Reusable = (db: Database, values: Record<string, unknown>) => Promise<unknown[]>;

/**
 * Query shapes kept per reusable update or insert (docs/decisions/0004-prepared-statements.md).
 * The callers use a handful of shapes; a caller passing ever-new sets of columns must not grow
 * the map (nor each pooled connection's prepared statements) without end: past the cap, a new
 * shape runs through Drizzle's builder, unprepared, as any other query does.
 */
export const MAX_PREPARED_SHAPES = 64;

/**
 * A value as a placeholder, or a literal NULL: a placeholder's value goes through the column's
 * encoder, which does not expect null (Drizzle itself skips the encoder for null).
 */
const slot = (value: unknown, name: string) => (value === null ? sql`null` : sql.placeholder(name));
/** Which columns are set and which are null: one query text per shape. */
const shapeOf = (row: Record<string, unknown>) =>
  Object.keys(row)
    .filter((key) => row[key] !== undefined)
    .sort()
    .map((key) => (row[key] === null ? `${key}=null` : key))
    .join(',');

/**
 * UPDATE `table` SET the given columns (and updated_at) WHERE id, returning the row: one
 * reusable query per set of columns (the callers update a few known sets). Undefined values are
 * left out, as Drizzle does. Only for plain values (not SQL expressions).
 */
export function reusableUpdateById(table: TableWithId, prefix: string): (db: Database, id: string, values: Record<string, unknown>) => Promise<unknown> {
  const queries = new Map<string, Reusable>();
  const run = async (db: Database, id: string, values: Record<string, unknown>) => {
    const shape = shapeOf(values);
    let query = queries.get(shape);
    if (!query && queries.size >= MAX_PREPARED_SHAPES) {
      const [row] = await db
        .update(table)
        .set({ ...values, updatedAt: sql`now()` } as never)
        .where(eq(table.id, id))
        .returning();
      return row;
    }
    if (!query) {
      const keys = Object.keys(values).filter((key) => values[key] !== undefined);
      const set = Object.fromEntries(keys.map((key) => [key, slot(values[key], key)]));
      // PostgreSQL truncates statement names to 63 characters: a number, not the column list.
      query = reusableQuery(`${prefix}_${queries.size + 1}`, (tx) =>
        tx
          .update(table)
          .set({ ...set, updatedAt: sql`now()` } as never)
          .where(eq(table.id, sql.placeholder('id')))
          .returning(),
      );
      queries.set(shape, query);
    }
    const [row] = await query(db, { ...values, id });
    return row;
  };
  return run;
}

/**
 * INSERT `rows` into `table` returning them: one reusable query per shape of the rows (their
 * number, and which columns each sets). Columns a row leaves out take their SQL default.
 */
export function reusableInsert(table: PgTable, prefix: string): (db: Database, rows: Array<Record<string, unknown>>) => Promise<unknown[]> {
  const queries = new Map<string, Reusable>();
  const run = async (db: Database, rows: Array<Record<string, unknown>>) => {
    if (rows.length === 0) return [];
    const shape = rows.map(shapeOf).join('|');
    let query = queries.get(shape);
    if (!query && queries.size >= MAX_PREPARED_SHAPES) return db.insert(table).values(rows as never).returning();
    if (!query) {
      const values = rows.map((row, index) =>
        Object.fromEntries(
          Object.keys(row)
            .filter((key) => row[key] !== undefined)
            .map((key) => [key, slot(row[key], `${index}.${key}`)]),
        ),
      );
      query = reusableQuery(`${prefix}_${queries.size + 1}`, (tx) => tx.insert(table).values(values as never).returning());
      queries.set(shape, query);
    }
    const placeholders: Record<string, unknown> = {};
    rows.forEach((row, index) => {
      for (const [key, value] of Object.entries(row)) placeholders[`${index}.${key}`] = value;
    });
    return query(db, placeholders);
  };
  return run;
}
