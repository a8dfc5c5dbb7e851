// How a benchmark target (a child process started by bench/run-directory.ts) reports that it
// listens, and stops when asked.
import type { Server } from 'node:http';

export interface ReadyMessage {
  type: 'ready';
  url: string;
}

export function announceReady(server: Server, stop: () => Promise<void> = () => new Promise((resolve) => server.close(() => resolve()))): void {
  const address = server.address();
  const port = address && typeof address === 'object' ? address.port : 0;
  const message: ReadyMessage = { type: 'ready', url: `http://127.0.0.1:${port}` };
  process.send?.(message);
  stopOnSignal(stop);
}

export function stopOnSignal(stop: () => Promise<void>): void {
  const handler = () => {
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
  // The runner died: do not outlive it.
  process.once('disconnect', handler);
}
