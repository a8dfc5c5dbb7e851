// XLSX export streamed with exceljs' WorkbookWriter: rows are zipped into the response as
// they are read, so a 250,000-row export never sits in memory. Dates are real Excel dates
// (sortable, filterable) showing the Paris day; the header row is bold, frozen and filterable.
import type { Stream } from 'node:stream';
import { cellText, dateCell, type ExportColumn, type ExportRow, type ExportRows, type WallClock } from './columns';
import { abortOutput, drained, type ExportOutput } from './output';

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export interface XlsxOptions {
  /** Worksheet tab name (Excel: at most 31 characters, none of : \ / ? * [ ]). */
  sheetName?: string;
}

/** Excel refuses longer cell texts. */
const MAX_CELL_TEXT = 32_767;
/** Rows read before the header, to size the columns (widths come before the data in the file). */
const WIDTH_SAMPLE_ROWS = 200;
const MIN_WIDTH = 8;
const MAX_WIDTH = 60;
/** How often the loop lets the zip stream run and checks the response's backpressure. */
const YIELD_EVERY_ROWS = 500;

const DATE_FORMAT = 'dd/mm/yyyy';
const DATETIME_FORMAT = 'dd/mm/yyyy hh:mm';

// Characters XML 1.0 cannot carry (controls, lone surrogates): exceljs would write a file Excel rejects.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function safeText(text: string): string {
  const clean = text.replace(XML_INVALID, '');
  return clean.length > MAX_CELL_TEXT ? clean.slice(0, MAX_CELL_TEXT) : clean;
}

/** Excel dates have no time zone: store the Paris wall clock as if it were UTC. */
function excelDate(clock: WallClock): Date {
  return new Date(Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second));
}

type XlsxCell = { value: string | number | Date | null; numFmt?: string };

/**
 * The cell for one value. Text stays text: exceljs writes strings as string cells, which
 * Excel never evaluates, so no formula neutralisation is needed (and `+33…` phones stay intact).
 */
export function xlsxCell<Row extends ExportRow>(column: ExportColumn<Row>, row: Row): XlsxCell {
  if (column.format) return { value: safeText(column.format(row[column.key], row)) };
  const value = row[column.key];
  if (value === null || value === undefined) return { value: null };
  const clock = dateCell(value, column);
  if (clock) return { value: excelDate(clock), numFmt: column.type === 'datetime' ? DATETIME_FORMAT : DATE_FORMAT };
  if (typeof value === 'number') return { value: Number.isFinite(value) ? value : null };
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? { value: Number(value) } : { value: String(value) };
  // node-postgres returns numeric and bigint columns as strings.
  if (column.type === 'number' && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return { value: Number(value) };
  }
  return { value: safeText(cellText(value, column)) };
}

function displayLength(cell: XlsxCell): number {
  if (cell.value === null) return 0;
  if (cell.value instanceof Date) return cell.numFmt === DATETIME_FORMAT ? 16 : 10;
  const text = String(cell.value);
  const firstLine = text.split('\n', 1)[0] ?? '';
  return firstLine.length;
}

function columnWidths<Row extends ExportRow>(columns: ReadonlyArray<ExportColumn<Row>>, sample: readonly Row[]): number[] {
  return columns.map((column) => {
    if (column.width) return column.width;
    let longest = column.label.length;
    for (const row of sample) longest = Math.max(longest, displayLength(xlsxCell(column, row)));
    return Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, longest + 2));
  });
}

async function* iterate<Row extends ExportRow>(rows: ExportRows<Row>): AsyncGenerator<Row, void, undefined> {
  for await (const row of rows) yield row;
}

function needsDrain(out: ExportOutput): boolean {
  return (out as unknown as { writableNeedDrain?: boolean }).writableNeedDrain === true;
}

/**
 * Streams rows as an XLSX workbook (one sheet) into `out`, then ends it. Returns the number
 * of data rows. If reading the rows fails, the output is cut and the error rethrown.
 */
export async function writeXlsx<Row extends ExportRow>(
  out: ExportOutput,
  columns: ReadonlyArray<ExportColumn<Row>>,
  rows: ExportRows<Row>,
  options: XlsxOptions = {},
): Promise<number> {
  // Loaded on first use: exceljs is 666 modules, a third of what the process loads at start.
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out as unknown as Stream,
    useStyles: true,
    useSharedStrings: false,
  });
  workbook.creator = 'Passerelle';
  workbook.created = new Date();
  const source = iterate<Row>(rows);
  let count = 0;
  try {
    const sample: Row[] = [];
    while (sample.length < WIDTH_SAMPLE_ROWS) {
      const next = await source.next();
      if (next.done) break;
      sample.push(next.value);
    }
    const sheet = workbook.addWorksheet(options.sheetName ?? 'Export', {
      views: [{ state: 'frozen', ySplit: 1, xSplit: 0 }],
    });
    const widths = columnWidths(columns, sample);
    sheet.columns = columns.map((column, index) => ({ key: column.key, width: widths[index] }));
    if (columns.length > 0) sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };

    const header = sheet.addRow(columns.map((column) => safeText(column.label)));
    header.font = { bold: true };
    header.commit();

    const addRow = async (row: Row) => {
      const cells = columns.map((column) => xlsxCell(column, row));
      const written = sheet.addRow(cells.map((cell) => cell.value));
      cells.forEach((cell, index) => {
        if (cell.numFmt) written.getCell(index + 1).numFmt = cell.numFmt;
      });
      written.commit();
      count += 1;
      if (count % YIELD_EVERY_ROWS === 0) {
        // Let the zip stream move rows out of exceljs' buffer, then wait for a slow reader.
        await new Promise((resolve) => setImmediate(resolve));
        if (needsDrain(out)) await drained(out);
      }
    };
    for (const row of sample) await addRow(row);
    for await (const row of source) await addRow(row);
    sheet.commit();
    await workbook.commit();
  } catch (error) {
    await source.return(undefined);
    abortOutput(out);
    throw error;
  }
  return count;
}
