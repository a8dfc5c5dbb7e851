// What the CSV and XLSX writers share: the column description and how a database value
// becomes the text a French spreadsheet user expects (dates in Paris time, lists joined).
import { TIME_ZONE } from '../format';

export type ExportRow = Record<string, unknown>;

export interface ExportColumn<Row extends ExportRow = ExportRow> {
  /** Property of the row to read. */
  key: string;
  /** Header text (French, shown to the user). */
  label: string;
  /** Overrides the default conversion; the result is written as text. */
  format?: (value: unknown, row: Row) => string;
  /**
   * How to read the value when no `format` is given. `date` (default for Date values) keeps
   * the day in Paris; `datetime` adds hours and minutes; a `date` column also accepts the
   * `YYYY-MM-DD` strings PostgreSQL returns for `date` columns.
   */
  type?: 'text' | 'number' | 'date' | 'datetime';
  /** XLSX column width in characters; estimated from the first rows when absent. */
  width?: number;
}

/** A database cursor (async) or an array (sync): both are read with `for await`. */
export type ExportRows<Row extends ExportRow = ExportRow> = AsyncIterable<Row> | Iterable<Row>;

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

const parisParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The calendar day and time a Paris wall clock shows at this instant. */
export function parisWallClock(date: Date): WallClock {
  const parts: Record<string, number> = {};
  for (const part of parisParts.formatToParts(date)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** A `YYYY-MM-DD` day as a wall clock at midnight (no time zone involved). */
export function isoDayWallClock(value: string): WallClock | null {
  const match = ISO_DAY.exec(value);
  if (!match) return null;
  return { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]), hour: 0, minute: 0, second: 0 };
}

const pad = (value: number) => String(value).padStart(2, '0');

export function wallClockText(clock: WallClock, withTime: boolean): string {
  const day = `${pad(clock.day)}/${pad(clock.month)}/${clock.year}`;
  return withTime ? `${day} ${pad(clock.hour)}:${pad(clock.minute)}` : day;
}

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

/** The wall clock to show for a date-like cell, or null when the value is not one. */
export function dateCell(value: unknown, column: Pick<ExportColumn, 'type'>): WallClock | null {
  if (isValidDate(value)) return parisWallClock(value);
  if (typeof value === 'string' && (column.type === 'date' || column.type === 'datetime')) return isoDayWallClock(value);
  return null;
}

/**
 * Plain text of a value for a French spreadsheet: `15/07/2026`, `1234,5` (no thousands
 * separator, so Excel still reads a number), `oui`/`non`, lists joined with ", ".
 */
export function cellText(value: unknown, column: Pick<ExportColumn, 'type'> = {}): string {
  if (value === null || value === undefined) return '';
  const clock = dateCell(value, column);
  if (clock) return wallClockText(clock, column.type === 'datetime');
  if (value instanceof Date) return '';
  if (Array.isArray(value)) {
    return value
      .map((item) => cellText(item, column))
      .filter((text) => text !== '')
      .join(', ');
  }
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? String(value).replace('.', ',') : '';
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 'oui' : 'non';
    case 'object':
      return JSON.stringify(value);
    default:
      return String(value);
  }
}

/** The value of a column in a row, through the column's formatter when it has one. */
export function columnValue<Row extends ExportRow>(column: ExportColumn<Row>, row: Row): unknown {
  const value = row[column.key];
  return column.format ? column.format(value, row) : value;
}
