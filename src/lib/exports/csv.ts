// CSV for French Excel: UTF-8 with a BOM (or Excel reads it as Windows-1252), `;` between
// fields (`,` is the decimal separator in fr-FR), CRLF, RFC 4180 quoting, and protection
// against formula injection (OWASP "CSV Injection").
import { cellText, columnValue, type ExportColumn, type ExportRow, type ExportRows } from './columns';
import { abortOutput, ChunkedWriter, endOutput, type ExportOutput } from './output';

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

const BOM = '\uFEFF';
const DELIMITER = ';';
const RECORD_END = '\r\n';

/**
 * First characters that make a spreadsheet read a cell as a formula: OWASP lists = + - @ tab
 * and carriage return; ASVS 1.2.10 adds NUL; the full-width forms are formulas too in
 * Excel's East-Asian input modes.
 */
const FORMULA_TRIGGERS = new Set(['=', '+', '-', '@', '\t', '\r', '\0', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20']);

/** Prefixes an apostrophe to text a spreadsheet would otherwise evaluate (`=HYPERLINK(…)`, `+33…`). */
export function neutralizeFormula(text: string): string {
  return text !== '' && FORMULA_TRIGGERS.has(text[0] as string) ? `'${text}` : text;
}

/** RFC 4180 §2.6–2.7: quote a field holding the delimiter, a quote or a line break; double the quotes. */
export function quoteField(text: string): string {
  return /[";\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Text of one cell. Numbers we format ourselves are left alone (a negative amount must stay
 * a number); every other text, formatter output included, may come from a user.
 */
export function csvCell<Row extends ExportRow>(column: ExportColumn<Row>, row: Row): string {
  const value = columnValue(column, row);
  const text = cellText(value, column);
  const trusted = column.format === undefined && (typeof value === 'number' || typeof value === 'bigint');
  return quoteField(trusted ? text : neutralizeFormula(text));
}

/**
 * Streams rows as CSV into `out` (an Express response once the headers are set), then ends
 * it. Returns the number of data rows. If reading the rows fails, the output is cut and the
 * error rethrown.
 */
export async function writeCsv<Row extends ExportRow>(
  out: ExportOutput,
  columns: ReadonlyArray<ExportColumn<Row>>,
  rows: ExportRows<Row>,
): Promise<number> {
  const writer = new ChunkedWriter(out);
  let count = 0;
  try {
    await writer.push(BOM + columns.map((column) => quoteField(neutralizeFormula(column.label))).join(DELIMITER) + RECORD_END);
    for await (const row of rows) {
      await writer.push(columns.map((column) => csvCell(column, row)).join(DELIMITER) + RECORD_END);
      count += 1;
    }
    await writer.flush();
  } catch (error) {
    abortOutput(out);
    throw error;
  }
  await endOutput(out);
  return count;
}
