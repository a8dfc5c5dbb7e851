// What the traced-replay benchmarks share (run-activity.ts, run-sourcing.ts): the app started as a
// child process, a signed-in session's cookies, asking the traced app for a request's statements,
// grouping those statements into the waves the app sent (parallel statements, transactions on one
// connection) and replaying them through `pg` as the raw-SQL baseline, percentiles.
import type { ChildProcess } from 'node:child_process';
import type { Pool, PoolClient } from 'pg';
import type { CaptureReply, CaptureRequest, TracedStatement } from './targets/passerelle-app-traced';

export interface Child {
  url: string;
  process: ChildProcess;
  output: string[];
}

/** A statement to replay, or a transaction's statements (replayed in order on one connection). */
export type Unit = { statements: TracedStatement[]; startMs: number; endMs: number };
/** Units sent together: a wave starts when the previous one has answered. */
export type Wave = Unit[];

const isTransactionStart = (text: string) => /^\s*(begin|start transaction)\b/i.test(text);
const isTransactionEnd = (text: string) => /^\s*(commit|rollback|end)\b/i.test(text);

export function stopChild(child: Child): Promise<void> {
  if (child.process.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.process.kill('SIGKILL'), 15_000);
    child.process.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.process.kill('SIGTERM');
  });
}

export function decodeHtml(text: string): string {
  return text.replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16))).replace(/&amp;/g, '&');
}

export function mergeCookies(jar: Map<string, string>, response: Response): void {
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(';');
    const separator = pair?.indexOf('=') ?? -1;
    if (pair && separator > 0) jar.set(pair.slice(0, separator).trim(), pair.slice(separator + 1).trim());
  }
}

export function ask(child: Child, request: CaptureRequest, expected: CaptureReply['type']): Promise<CaptureReply> {
  return new Promise((resolve) => {
    const onMessage = (message: CaptureReply) => {
      if (message?.type !== expected) return;
      child.process.off('message', onMessage);
      resolve(message);
    };
    child.process.on('message', onMessage);
    child.process.send(request);
  });
}

export function wavesOf(statements: readonly TracedStatement[]): Wave[] {
  const units: Unit[] = [];
  const open = new Map<number, Unit>();
  for (const statement of [...statements].sort((a, b) => a.startMs - b.startMs)) {
    const running = open.get(statement.connection);
    if (running) {
      running.statements.push(statement);
      running.endMs = statement.endMs;
      if (isTransactionEnd(statement.text)) open.delete(statement.connection);
      continue;
    }
    const unit: Unit = { statements: [statement], startMs: statement.startMs, endMs: statement.endMs };
    units.push(unit);
    if (isTransactionStart(statement.text)) open.set(statement.connection, unit);
  }
  const waves: Wave[] = [];
  let current: Wave = [];
  for (const unit of units) {
    const firstAnswer = Math.min(...current.map((member) => member.endMs));
    if (current.length > 0 && unit.startMs >= firstAnswer) {
      waves.push(current);
      current = [];
    }
    current.push(unit);
  }
  if (current.length > 0) waves.push(current);
  return waves;
}

export function replayConfig(statement: TracedStatement) {
  return { text: statement.text, values: statement.values, ...(statement.name ? { name: statement.name } : {}), ...(statement.rowMode ? { rowMode: statement.rowMode as 'array' } : {}) };
}

export async function replayUnit(pool: Pool, unit: Unit): Promise<void> {
  if (unit.statements.length === 1) {
    await pool.query(replayConfig(unit.statements[0] as TracedStatement));
    return;
  }
  const client: PoolClient = await pool.connect();
  try {
    for (const statement of unit.statements) await client.query(replayConfig(statement));
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] as number;
}
