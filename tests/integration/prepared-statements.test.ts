// The reusable queries of src/models/prepared.ts keep at most MAX_PREPARED_SHAPES query shapes:
// past the cap a new shape runs unprepared through Drizzle, and still writes what it should
// (docs/decisions/0004-prepared-statements.md).
import { sql } from 'drizzle-orm';
import { MAX_PREPARED_SHAPES, reusableInsert, reusableUpdateById } from '../../src/models/prepared';
import { conventions } from '../../src/models/schema';
import { createTestDatabase, type TestDatabase } from '../support/harness';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database.drop();
});

/** Seven nullable columns set or null: 128 distinct shapes of one update. */
const NULLABLE = ['object', 'programmes', 'signedOn', 'startsOn', 'endsOn', 'noticeMonths', 'terminationReason'] as const;
function valuesOfShape(index: number): Record<string, unknown> {
  const filled: Record<string, unknown> = { object: 'Objet', programmes: 'Programme', signedOn: '2026-01-02', startsOn: '2026-01-03', endsOn: '2026-12-31', noticeMonths: 2, terminationReason: 'Raison' };
  return Object.fromEntries(NULLABLE.map((column, bit) => [column, index & (1 << bit) ? filled[column] : null]));
}

/** Named statements of this connection whose name starts with `prefix`. */
async function preparedCount(tx: TestDatabase['db'], prefix: string): Promise<number> {
  const rows = await tx.execute(sql`select count(*)::int as n from pg_prepared_statements where name like ${`${prefix}%`}`);
  return Number((rows as unknown as { rows: Array<{ n: number }> }).rows[0]?.n);
}

describe('reusable queries', () => {
  it('prepare at most MAX_PREPARED_SHAPES update shapes, and run the others unprepared', async () => {
    const update = reusableUpdateById(conventions, 'cap_update');
    const insert = reusableInsert(conventions, 'cap_insert');
    const shapes = MAX_PREPARED_SHAPES + 10;
    await database.db.transaction(async (tx) => {
      const [row] = (await insert(tx, [{ reference: 'CONV-2099-0001', title: 'Plafond', kind: 'partenariat' }])) as Array<{ id: string }>;
      const id = row?.id as string;
      for (let index = 0; index < shapes; index += 1) {
        const updated = (await update(tx, id, valuesOfShape(index))) as Record<string, unknown>;
        // Past the cap as before it: the row comes back as written.
        expect(updated.noticeMonths).toBe(index & (1 << 5) ? 2 : null);
        expect(updated.object).toBe(index & 1 ? 'Objet' : null);
      }
      // One connection (the transaction's): it holds one named statement per prepared shape.
      expect(await preparedCount(tx, 'cap_update_')).toBe(MAX_PREPARED_SHAPES);
      // The same shapes again reuse the statements (no new ones, same results).
      const again = (await update(tx, id, valuesOfShape(3))) as Record<string, unknown>;
      expect(again).toMatchObject({ object: 'Objet', programmes: 'Programme', signedOn: null });
      expect(await preparedCount(tx, 'cap_update_')).toBe(MAX_PREPARED_SHAPES);
    });
  });

  it('prepare at most MAX_PREPARED_SHAPES insert shapes, and insert the others unprepared', async () => {
    const insert = reusableInsert(conventions, 'cap_rows');
    const shapes = MAX_PREPARED_SHAPES + 6;
    await database.db.transaction(async (tx) => {
      for (let index = 0; index < shapes; index += 1) {
        const rows = (await insert(tx, [{ reference: `CONV-2098-${String(index).padStart(4, '0')}`, title: `Ligne ${index}`, kind: 'accord', ...valuesOfShape(index) }])) as Array<{ title: string }>;
        expect(rows.map((row) => row.title)).toEqual([`Ligne ${index}`]);
      }
      expect(await preparedCount(tx, 'cap_rows_')).toBe(MAX_PREPARED_SHAPES);
      const [count] = (await tx.execute(sql`select count(*)::int as n from conventions where reference like 'CONV-2098-%'`) as unknown as { rows: Array<{ n: number }> }).rows;
      expect(count?.n).toBe(shapes);
    });
  });
});
