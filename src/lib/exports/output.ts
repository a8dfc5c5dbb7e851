// Writing an export into an HTTP response (or any writable stream) without holding it in
// memory: respect backpressure, stop reading rows when the client has gone away.

/** An Express `Response`, a file stream or a PassThrough in tests. */
export type ExportOutput = NodeJS.WritableStream;

/** The reader left (connection closed) or the stream failed before the export was complete. */
export class ExportAbortedError extends Error {
  constructor(cause?: unknown) {
    super('Export interrompu : le flux de sortie est fermé / export aborted: output closed', { cause });
    this.name = 'ExportAbortedError';
  }
}

interface StreamState {
  destroyed?: boolean;
  writableEnded?: boolean;
  destroy?: (error?: Error) => void;
}

function isClosed(out: ExportOutput): boolean {
  const state = out as unknown as StreamState;
  return state.destroyed === true || state.writableEnded === true;
}

/** Resolves on 'drain'; rejects if the stream closes or fails first (the download was cancelled). */
export function drained(out: ExportOutput): Promise<void> {
  if (isClosed(out)) return Promise.reject(new ExportAbortedError());
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      out.removeListener('drain', onDrain);
      out.removeListener('close', onClose);
      out.removeListener('error', onError);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(new ExportAbortedError());
    };
    const onError = (error: unknown) => {
      cleanup();
      reject(new ExportAbortedError(error));
    };
    out.on('drain', onDrain);
    out.on('close', onClose);
    out.on('error', onError);
  });
}

/**
 * Ends the stream and waits until it is flushed. `end()` is called without arguments:
 * express-session wraps `res.end(chunk, encoding)` and would take a callback for a chunk.
 */
export function endOutput(out: ExportOutput): Promise<void> {
  return new Promise((resolve) => {
    out.once('finish', () => resolve());
    out.end();
  });
}

/**
 * Cuts the output after a failure: the headers are gone already, so the only honest signal
 * left is a broken download rather than a file that looks complete.
 */
export function abortOutput(out: ExportOutput): void {
  const state = out as unknown as StreamState;
  if (!isClosed(out) && typeof state.destroy === 'function') state.destroy();
}

/** Collects small strings and writes them in chunks of about 64 KiB, waiting when asked to. */
export class ChunkedWriter {
  private buffer = '';

  constructor(
    private readonly out: ExportOutput,
    private readonly chunkSize = 64 * 1024,
  ) {}

  async push(text: string): Promise<void> {
    this.buffer += text;
    if (this.buffer.length >= this.chunkSize) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer === '') return;
    if (isClosed(this.out)) throw new ExportAbortedError();
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.out.write(chunk, 'utf8')) await drained(this.out);
  }
}
