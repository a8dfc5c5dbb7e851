// Start time of the embedded mode as a newcomer meets it: `npm start` (the built dist, no
// rebuild) in an empty DATA_DIR — PGlite's initdb and every migration included — until
// /readyz answers 200; then SIGTERM to the npm process, and a restart on the same DATA_DIR.
// Prints one line per start and how long each stop took; exits 1 if an objective is missed.
//
//   npm run build && node scripts/measure-start.mjs [--runs 3] [--keep]
//
// Objectives (issue 10): first start ≤ 6 s, restart ≤ 3 s, stop ≤ 10 s with nothing left running.
/* global fetch, performance, setTimeout */
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 1;
const keep = args.includes('--keep');
const OBJECTIVES = { firstMs: 6_000, restartMs: 3_000, stopMs: 10_000 };

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** CPU seconds (user + system) a process and its children have used so far, from /proc. */
function cpuSeconds(pid) {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[1] = ppid, fields[11..12] = utime, stime (clock ticks, 100 per second on Linux)
      if (Number(entry) === pid || Number(fields[1]) === pid) total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // gone
    }
  }
  return total;
}

/** Pids whose command line mentions the DATA_DIR (node, redis-server). */
function processesUsing(dataDir) {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function startAndStop(dataDir, port) {
  const started = performance.now();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ADMIN_EMAIL: 'admin@passerelle.test', ADMIN_PASSWORD: 'un mot de passe administrateur' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  let exited = false;
  child.once('exit', () => (exited = true));

  let readyMs;
  let cpu;
  while (readyMs === undefined) {
    if (exited) throw new Error(`npm start exited before /readyz answered:\n${output}`);
    if (performance.now() - started > 60_000) throw new Error(`/readyz not 200 after 60 s:\n${output}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (response.status === 200) {
        readyMs = performance.now() - started;
        cpu = cpuSeconds(child.pid);
      }
    } catch {
      // not listening yet
    }
    if (readyMs === undefined) await new Promise((resolve) => setTimeout(resolve, 25));
  }

  // SIGTERM to the npm process itself, as a terminal, systemd or a supervisor would send it.
  const stopping = performance.now();
  process.kill(child.pid, 'SIGTERM');
  while (!exited || processesUsing(dataDir).length > 0) {
    if (performance.now() - stopping > 20_000) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const stopMs = performance.now() - stopping;
  const left = processesUsing(dataDir);
  for (const pid of left) process.kill(pid, 'SIGKILL');
  return { readyMs, cpu, stopMs, left };
}

const results = [];
let failed = false;
for (let run = 1; run <= runs; run += 1) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-start-'));
  try {
    const port = await freePort();
    const first = await startAndStop(dataDir, port);
    const restart = await startAndStop(dataDir, port);
    results.push({ first, restart });
    for (const [label, measure, objective] of [
      ['first start (empty DATA_DIR)', first, OBJECTIVES.firstMs],
      ['restart', restart, OBJECTIVES.restartMs],
    ]) {
      const ok = measure.readyMs <= objective && measure.stopMs <= OBJECTIVES.stopMs && measure.left.length === 0;
      failed ||= !ok;
      console.log(
        `run ${run} ${label.padEnd(29)} /readyz 200 after ${(measure.readyMs / 1000).toFixed(2)} s (objective ${objective / 1000} s; ` +
          `CPU used by npm, node and redis-server until then: ${measure.cpu.toFixed(2)} s), ` +
          `SIGTERM to npm → all stopped in ${(measure.stopMs / 1000).toFixed(2)} s, processes left: ${measure.left.length} ${ok ? 'ok' : 'MISSED'}`,
      );
    }
  } finally {
    if (!keep) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
if (runs > 1) {
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(
    `median of ${runs}: first start ${(median(results.map((r) => r.first.readyMs)) / 1000).toFixed(2)} s ` +
      `(CPU ${median(results.map((r) => r.first.cpu)).toFixed(2)} s), ` +
      `restart ${(median(results.map((r) => r.restart.readyMs)) / 1000).toFixed(2)} s (CPU ${median(results.map((r) => r.restart.cpu)).toFixed(2)} s)`,
  );
}
const [load1] = os.loadavg();
console.log(`load average (1 min) at the end: ${load1.toFixed(2)} on ${os.cpus().length} CPUs`);
process.exit(failed ? 1 : 0);
