// Knows whether the code running now is inside a database transaction's callback, so that two
// mistakes fail loudly instead of freezing embedded mode (docs/architecture.md, « One
// connection »):
// - a query on the root database handle from inside a transaction: PGlite has one connection,
//   held by the transaction, so that query waits for the transaction, which waits for it;
// - network I/O (SMTP, Redis, HTTP) from inside a transaction: the transaction, and with PGlite
//   the whole process, waits on a remote peer — and the in-process SMTP sink writes through the
//   same connection, which is the deadlock of issue 10.
// The scope follows async calls (AsyncLocalStorage); it closes when the transaction ends, so a
// callback that outlives the transaction (a timer started inside it) is not blamed.
import { AsyncLocalStorage } from 'node:async_hooks';

interface OpenTransaction {
  open: boolean;
}

const scope = new AsyncLocalStorage<OpenTransaction>();

export class TransactionMisuseError extends Error {
  constructor(what: string) {
    super(
      `${what} inside a database transaction: with embedded PGlite (one connection) this waits for ` +
        `the transaction, which waits for it. Use the transaction handle (tx) for queries, and do ` +
        `network I/O before or after the transaction.`,
    );
    this.name = 'TransactionMisuseError';
  }
}

/** Runs a transaction's callback inside the scope; the scope closes when the callback settles. */
export async function runInTransactionScope<T>(work: () => Promise<T>): Promise<T> {
  const marker: OpenTransaction = { open: true };
  try {
    return await scope.run(marker, work);
  } finally {
    marker.open = false;
  }
}

export function insideTransaction(): boolean {
  return scope.getStore()?.open === true;
}

/** Throws when called from inside a transaction's callback: `what` names the forbidden act. */
export function assertOutsideTransaction(what: string): void {
  if (insideTransaction()) throw new TransactionMisuseError(what);
}
