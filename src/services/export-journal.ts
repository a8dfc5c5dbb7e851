// The journal entry of a bulk export, written after the rows are read (see `journaled`).
import { recordAudit } from './audit.service';
import { type ServiceContext, inTransaction } from './context';

export type SpreadsheetFormat = 'csv' | 'xlsx';

/**
 * Exports of personal data (the directory's, the exchanges') are traced: who exported which selection (the filters as
 * understood, empty ones left out), in which format, and how many rows left. The entry is
 * written once the rows are read — also when the download stops half-way (`complete: false`)
 * — in its own short transaction, never while one is open across the response.
 */
export async function* journaled<Row>(
  ctx: ServiceContext,
  entityType: 'organization' | 'contact' | 'exchange' | 'event' | 'sourcing_gate' | 'sourcing_case',
  filters: Record<string, unknown>,
  format: SpreadsheetFormat | 'vcard' | 'pdf',
  rows: AsyncIterable<Row>,
  /** A list's export: 'liste'; one record's list (an event's attendance): its id. */
  entityId = 'liste',
): AsyncGenerator<Row> {
  let rowCount = 0;
  let complete = false;
  try {
    for await (const row of rows) {
      rowCount += 1;
      yield row;
    }
    complete = true;
  } finally {
    const used = Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined && value !== '' && value !== null));
    await inTransaction(ctx, (tx) =>
      recordAudit(tx, ctx, {
        action: `${entityType}.exported`,
        entityType,
        entityId,
        metadata: { filters: used, format, rowCount, complete },
      }),
    );
  }
}
