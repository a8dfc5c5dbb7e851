// A real worker process (workers/worker.ts under tsx) for the fault tests that kill it with
// SIGKILL: started with the given environment, its output kept, resolved once it says it started.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { eventually } from './harness';

const ROOT = path.resolve(__dirname, '../..');

export interface WorkerProcess {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/worker.ts'], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await eventually(() => output.join('').includes('Passerelle worker started') || child.exitCode !== null, 30_000);
  if (child.exitCode !== null) throw new Error(`the worker process exited at start:\n${output.join('')}`);
  return { child, output, exited };
}
