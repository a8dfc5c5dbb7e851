// The real Passerelle web process (server mode: PostgreSQL + Redis from the environment), as
// bench/run-directory.ts starts it. No worker: the benchmark measures the web tier.
import { boot } from '../../src/boot';
import type { ReadyMessage } from './child-process';
import { stopOnSignal } from './child-process';

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
