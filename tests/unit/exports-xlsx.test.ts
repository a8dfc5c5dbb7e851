import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import type { ExportColumn } from '../../src/lib/exports/columns';
import { writeXlsx } from '../../src/lib/exports/xlsx';

async function readBack(columns: ExportColumn[], rows: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>) {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise((resolve) => out.on('end', resolve));
  const count = await writeXlsx(out, columns, rows, { sheetName: 'Structures' });
  await finished;
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.concat(chunks) as unknown as ArrayBuffer);
  const sheet = workbook.getWorksheet('Structures');
  if (!sheet) throw new Error('sheet missing');
  return { count, sheet };
}

const columns: ExportColumn[] = [
  { key: 'name', label: 'Nom' },
  { key: 'tags', label: 'Étiquettes' },
  { key: 'lastActivityAt', label: 'Dernière activité' },
  { key: 'createdAt', label: 'Créée le', type: 'datetime' },
  { key: 'startDate', label: 'Début', type: 'date' },
  { key: 'amount', label: 'Montant', type: 'number' },
  { key: 'siret', label: 'SIRET', format: (value) => String(value ?? '') },
];

describe('writeXlsx', () => {
  test('writes a bold, frozen, filterable header and one row per record', async () => {
    const { count, sheet } = await readBack(columns, [
      {
        name: 'Université Claude Bernard Lyon 1',
        tags: ['santé', 'numérique'],
        lastActivityAt: new Date('2026-07-14T22:30:00Z'),
        createdAt: new Date('2026-01-05T08:05:00Z'),
        startDate: '2026-03-29',
        amount: '1234.50',
        siret: '19691774400019',
      },
      { name: '=HYPERLINK("http://x.example")', tags: [], lastActivityAt: null, createdAt: null, startDate: null, amount: -3, siret: null },
    ]);
    expect(count).toBe(2);
    const header = sheet.getRow(1);
    expect(header.values).toEqual([undefined, 'Nom', 'Étiquettes', 'Dernière activité', 'Créée le', 'Début', 'Montant', 'SIRET']);
    expect(header.getCell(1).font?.bold).toBe(true);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.autoFilter).toBe('A1:G1');

    const row = sheet.getRow(2);
    expect(row.getCell(1).value).toBe('Université Claude Bernard Lyon 1');
    expect(row.getCell(2).value).toBe('santé, numérique');
    expect(row.getCell(6).value).toBe(1234.5);
    expect(row.getCell(7).value).toBe('19691774400019');

    // Formulas are never written: the payload stays plain text.
    expect(sheet.getRow(3).getCell(1).type).toBe(ExcelJS.ValueType.String);
    expect(sheet.getRow(3).getCell(6).value).toBe(-3);
    expect(sheet.getRow(3).getCell(3).value).toBeNull();
  });

  test('stores real Excel dates showing the Paris day and time', async () => {
    const { sheet } = await readBack(columns, [
      {
        name: 'x',
        tags: [],
        lastActivityAt: new Date('2026-07-14T22:30:00Z'),
        createdAt: new Date('2026-01-05T08:05:00Z'),
        startDate: '2026-03-29',
        amount: null,
        siret: null,
      },
    ]);
    const row = sheet.getRow(2);
    // 22:30 UTC on 14 July is 00:30 on 15 July in Paris: Excel must show the 15th.
    expect(row.getCell(3).type).toBe(ExcelJS.ValueType.Date);
    expect(row.getCell(3).value).toEqual(new Date(Date.UTC(2026, 6, 15, 0, 30)));
    expect(row.getCell(3).numFmt).toBe('dd/mm/yyyy');
    expect(row.getCell(4).value).toEqual(new Date(Date.UTC(2026, 0, 5, 9, 5)));
    expect(row.getCell(4).numFmt).toBe('dd/mm/yyyy hh:mm');
    expect(row.getCell(5).value).toEqual(new Date(Date.UTC(2026, 2, 29)));
  });

  test('sizes columns from the header and the first rows, within bounds', async () => {
    const { sheet } = await readBack(
      [
        { key: 'short', label: 'N°' },
        { key: 'long', label: 'Description' },
        { key: 'fixed', label: 'Fixe', width: 30 },
      ],
      [{ short: 'a', long: 'x'.repeat(200), fixed: 'y' }],
    );
    expect(sheet.getColumn(1).width).toBe(8);
    expect(sheet.getColumn(2).width).toBe(60);
    expect(sheet.getColumn(3).width).toBe(30);
  });

  test('streams many rows from an async iterable and drops characters XML cannot hold', async () => {
    async function* rows() {
      for (let index = 0; index < 3_000; index += 1) yield { name: `Structure ${index}\u0001`, tags: ['a', 'b'] };
    }
    const { count, sheet } = await readBack(
      [
        { key: 'name', label: 'Nom' },
        { key: 'tags', label: 'Étiquettes' },
      ],
      rows(),
    );
    expect(count).toBe(3_000);
    expect(sheet.rowCount).toBe(3_001);
    expect(sheet.getRow(3_001).getCell(1).value).toBe('Structure 2999');
  });

  test('cuts the download and rethrows when reading the rows fails', async () => {
    async function* rows() {
      yield { name: 'ok' };
      throw new Error('cursor failed');
    }
    const out = new PassThrough();
    out.resume();
    await expect(writeXlsx(out, [{ key: 'name', label: 'Nom' }], rows())).rejects.toThrow('cursor failed');
    expect(out.destroyed).toBe(true);
  });
});
