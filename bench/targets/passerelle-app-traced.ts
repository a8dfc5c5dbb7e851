// The real Passerelle web process, as bench/targets/passerelle-app.ts, with every statement it
// sends to PostgreSQL recorded while the runner asks for it (IPC « capture » on/off): the raw
// SQL baselines of bench/run-activity.ts replay exactly what a page sent, with when each
// statement started and ended (statements sent in parallel are replayed in parallel) and on
// which connection (a transaction is replayed on one connection). Used for capturing only:
// the measured app is the untraced target.
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { boot } from '../../src/boot';
import type { ReadyMessage } from './child-process';
import { stopOnSignal } from './child-process';

export interface TracedStatement {
  text: string;
  values: unknown[];
  name?: string;
  rowMode?: string;
  /** Which connection sent it (a number per pg client). */
  connection: number;
  startMs: number;
  endMs: number;
  failed: boolean;
}

export type CaptureRequest = { type: 'capture'; on: boolean };
export type CaptureReply = { type: 'capture-on' } | { type: 'captured'; statements: TracedStatement[] };

const prepareValue = (pg as unknown as { utils: { prepareValue(value: unknown): unknown } }).utils.prepareValue;
const connectionIds = new WeakMap<object, number>();
let nextConnection = 1;
let recording = false;
let origin = 0;
let statements: TracedStatement[] = [];

type QueryFunction = (this: pg.Client, ...args: unknown[]) => unknown;
const originalQuery = pg.Client.prototype.query as unknown as QueryFunction;

(pg.Client.prototype as unknown as { query: QueryFunction }).query = function tracedQuery(this: pg.Client, ...args: unknown[]): unknown {
  const [config, second] = args;
  const submittable = typeof config === 'object' && config !== null && typeof (config as { submit?: unknown }).submit === 'function';
  if (!recording || submittable) return originalQuery.apply(this, args);
  const options = (typeof config === 'object' && config !== null ? config : {}) as { text?: string; values?: unknown[]; name?: string; rowMode?: string };
  const values = Array.isArray(second) ? second : (options.values ?? []);
  if (!connectionIds.has(this)) connectionIds.set(this, nextConnection++);
  const entry: TracedStatement = {
    text: typeof config === 'string' ? config : (options.text ?? ''),
    values: values.map((value) => prepareValue(value)),
    ...(options.name ? { name: options.name } : {}),
    ...(options.rowMode ? { rowMode: options.rowMode } : {}),
    connection: connectionIds.get(this) as number,
    startMs: performance.now() - origin,
    endMs: Number.NaN,
    failed: false,
  };
  statements.push(entry);
  const finish = (failed: boolean) => {
    entry.endMs = performance.now() - origin;
    entry.failed = failed;
  };
  // Callback style: the last argument is the callback.
  const callbackIndex = args.findIndex((arg) => typeof arg === 'function');
  if (callbackIndex >= 0) {
    const callback = args[callbackIndex] as (error: unknown, result: unknown) => void;
    args[callbackIndex] = (error: unknown, result: unknown) => {
      finish(Boolean(error));
      callback(error, result);
    };
    return originalQuery.apply(this, args);
  }
  const result = originalQuery.apply(this, args) as Promise<unknown>;
  result.then(
    () => finish(false),
    () => finish(true),
  );
  return result;
};

async function settled(): Promise<void> {
  const deadline = performance.now() + 2_000;
  while (statements.some((statement) => Number.isNaN(statement.endMs)) && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

process.on('message', (message: CaptureRequest) => {
  if (message?.type !== 'capture') return;
  if (message.on) {
    statements = [];
    origin = performance.now();
    recording = true;
    process.send?.({ type: 'capture-on' } satisfies CaptureReply);
    return;
  }
  void settled().then(() => {
    recording = false;
    process.send?.({ type: 'captured', statements } satisfies CaptureReply);
    statements = [];
  });
});

// The pools are created by boot(), after the patch above: every client they open is traced.
boot({ web: true, worker: false }).then(
    (running) => {
      const message: ReadyMessage = { type: 'ready', url: (running.url ?? '').replace('localhost', '127.0.0.1') };
      process.send?.(message);
      stopOnSignal(() => running.shutdown('benchmark finished'));
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
