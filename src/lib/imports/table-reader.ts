// Reads an uploaded table (CSV or XLSX) row by row from a stream, whatever the encoding and
// delimiter French offices produce: UTF-8 with or without BOM, Windows-1252 (Excel "CSV"),
// `;` `,` or tab. Nothing here holds the whole file in memory.
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';

export type TableEncoding = 'utf-8' | 'windows-1252' | 'utf-16le';
export type TableDelimiter = ';' | ',' | '\t';

export type TableFormat = { kind: 'csv'; encoding: TableEncoding; delimiter: TableDelimiter } | { kind: 'xlsx' };

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** XLSX files are ZIP archives; whatever the extension says, the first bytes decide. */
export function looksLikeXlsx(sample: Buffer): boolean {
  return sample.subarray(0, 4).equals(ZIP_MAGIC);
}

/**
 * The encoding of a text sample: a BOM settles it; otherwise bytes that are valid UTF-8 are
 * UTF-8 (Windows-1252 accents almost never form valid UTF-8 sequences) and anything else is
 * taken as Windows-1252, which every byte is.
 */
export function detectEncoding(sample: Buffer): TableEncoding {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return 'utf-8';
  if (sample[0] === 0xff && sample[1] === 0xfe) return 'utf-16le';
  try {
    // `stream: true` tolerates a multi-byte character cut at the end of the sample.
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
}

export function decodeSample(sample: Buffer, encoding: TableEncoding): string {
  return iconv.decode(sample, encoding, { stripBOM: true });
}

/**
 * The delimiter of a CSV sample: the candidate that splits the first lines into the same,
 * largest number of fields. Quoted text is ignored so a comma inside "Lyon, 7e" does not count.
 */
export function detectDelimiter(text: string): TableDelimiter {
  const lines = text
    .replace(/"(?:[^"]|"")*"/g, '""')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .slice(0, 10);
  if (lines.length > 1 && text.length > 0 && !/\r?\n/.test(text.slice(-2))) lines.pop(); // last line may be cut
  const candidates: TableDelimiter[] = [';', '\t', ','];
  let best: TableDelimiter = ';';
  let bestScore = 0;
  for (const candidate of candidates) {
    const counts = lines.map((line) => line.split(candidate).length - 1);
    const first = counts[0] ?? 0;
    if (first === 0) continue;
    const consistent = counts.filter((count) => count === first).length;
    const score = first * consistent;
    if (score > bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/** A spreadsheet cell as text: rich text, hyperlinks, formulas and dates included. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    const cell = value as { richText?: Array<{ text: string }>; text?: unknown; result?: unknown; hyperlink?: string; error?: string };
    if (cell.richText) return cell.richText.map((part) => part.text).join('');
    if (cell.text !== undefined) return cellText(cell.text);
    if (cell.result !== undefined) return cellText(cell.result);
    if (cell.hyperlink) return cell.hyperlink;
    return '';
  }
  return String(value);
}

/** One row of the table and its line in the file as a spreadsheet numbers it (header = 1). */
export interface TableRow {
  line: number;
  cells: string[];
}

async function* readCsv(source: Readable, format: Extract<TableFormat, { kind: 'csv' }>): AsyncGenerator<TableRow> {
  const parser = source.pipe(iconv.decodeStream(format.encoding, { stripBOM: true })).pipe(
    parse({
      delimiter: format.delimiter,
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
    }),
  );
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    yield { line: info.lines, cells: record };
  }
}

async function* readXlsx(source: Readable): AsyncGenerator<TableRow> {
  // Loaded on first use: exceljs is 666 modules, a third of what the process loads at start.
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(source, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    entries: 'ignore',
  });
  for await (const worksheet of workbook) {
    // Only the first sheet: later ones are usually notes or pivot tables.
    for await (const row of worksheet) {
      const values = Array.isArray(row.values) ? row.values.slice(1) : [];
      yield { line: row.number, cells: Array.from(values, (value) => cellText(value).trim()) };
    }
    return;
  }
}

/** Rows of the table, header first; blank rows are skipped, trailing empty cells kept. */
export async function* readTable(source: Readable, format: TableFormat): AsyncGenerator<TableRow> {
  const rows = format.kind === 'xlsx' ? readXlsx(source) : readCsv(source, format);
  for await (const row of rows) {
    if (row.cells.some((cell) => cell !== '')) yield row;
  }
}
