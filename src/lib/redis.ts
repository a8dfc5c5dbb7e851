// Redis for BullMQ and rate limiting: REDIS_URL when set, otherwise a private redis-server
// child on a unix socket under DATA_DIR that dies with the application (and that the next start
// stops, should the application be killed with SIGKILL).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { logger } from './logger';

export class RedisServerMissingError extends Error {
  constructor(binary: string) {
    super(
      [
        `Le programme « ${binary} » est introuvable. Passerelle en mode embarqué lance son propre Redis :`,
        '  installez-le (Debian/Ubuntu : sudo apt install redis-server ; macOS : brew install redis)',
        '  ou indiquez un serveur existant avec REDIS_URL=redis://hôte:6379.',
        `"${binary}" was not found. Embedded mode starts a private Redis:`,
        '  install it (Debian/Ubuntu: sudo apt install redis-server; macOS: brew install redis)',
        '  or point REDIS_URL at an existing server.',
      ].join('\n'),
    );
    this.name = 'RedisServerMissingError';
  }
}

export interface RedisEndpoint {
  /** Options for new ioredis connections (BullMQ workers need their own). */
  connectionOptions: RedisOptions;
  /** Stops the private server, if we started one. */
  stop(): Promise<void>;
}

export function redisOptionsFromUrl(url: string): RedisOptions {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
  };
}

/** Where the private server's pid and socket are written, so the next start can find a stale one. */
export const PRIVATE_REDIS_PIDFILE = 'redis-server.pid';

interface PidFile {
  pid: number;
  socketPath: string;
}

/** The command line of a live process, or undefined (Linux /proc, else ps). */
function commandLineOf(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    if (fs.existsSync('/proc/self')) return undefined;
  }
  const ps = spawnSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8' });
  return ps.status === 0 && ps.stdout.trim() !== '' ? ps.stdout : undefined;
}

/** The parent of a live process (Linux /proc, else ps). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    const ps = spawnSync('ps', ['-p', String(pid), '-o', 'ppid='], { encoding: 'utf8' });
    return ps.status === 0 ? Number(ps.stdout.trim()) : undefined;
  }
}

export class PrivateRedisInUseError extends Error {
  constructor(dataDir: string, owner?: number) {
    const who = owner ? ` (pid ${owner})` : '';
    super(
      `Un autre processus Passerelle${who} utilise déjà ${dataDir} (son redis-server privé est en marche) : arrêtez-le d'abord.\n` +
        `Another Passerelle process${who} already uses ${dataDir} (its private redis-server is running): stop it first.`,
    );
    this.name = 'PrivateRedisInUseError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A redis-server left running by an application killed with SIGKILL (no handler runs then) keeps
 * the socket under DATA_DIR. Stop it — only if the pid is still a redis-server on our socket, so
 * a recycled pid is never signalled — and wait until it is gone.
 */
export async function stopStaleRedis(dataDir: string): Promise<number | undefined> {
  const file = path.join(dataDir, PRIVATE_REDIS_PIDFILE);
  let recorded: PidFile;
  try {
    recorded = JSON.parse(fs.readFileSync(file, 'utf8')) as PidFile;
  } catch {
    return undefined;
  }
  const { pid, socketPath } = recorded;
  const commandLine = Number.isInteger(pid) && pid > 0 ? commandLineOf(pid) : undefined;
  // Redis 7 shows its socket in its process title; Redis 6 (Ubuntu 22.04's) shows « redis-server *:0 »
  // for the port 0 we start it with.
  const ours = !!commandLine && commandLine.includes('redis-server') && (commandLine.includes(socketPath) || /redis-server \*:0(\s|$)/.test(commandLine));
  if (!ours) {
    fs.rmSync(file, { force: true });
    return undefined;
  }
  // Still the child of a live Node process: another Passerelle runs on this DATA_DIR (server mode
  // without REDIS_URL takes no lock on it). An orphan's parent is init or a subreaper.
  const parent = parentOf(pid);
  if (parent !== undefined && parent > 1 && /\bnode\b|passerelle/.test(commandLineOf(parent) ?? '')) {
    throw new PrivateRedisInUseError(dataDir, parent);
  }
  logger.warn({ pid, socketPath }, 'stopping a private redis-server left running by a previous start');
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 3_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 25));
  fs.rmSync(file, { force: true });
  return pid;
}

/** Unix socket paths are limited to ~107 bytes: deep DATA_DIRs get a stable one under /tmp. */
function socketPathFor(dataDir: string): string {
  const socketPath = path.join(dataDir, 'redis.sock');
  if (socketPath.length <= 100) return socketPath;
  return path.join(os.tmpdir(), `passerelle-redis-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}.sock`);
}

export async function startPrivateRedis(dataDir: string, binary = 'redis-server'): Promise<RedisEndpoint> {
  fs.mkdirSync(dataDir, { recursive: true });
  // Runs before the database takes its lock on DATA_DIR (see boot.ts), so it checks by itself that
  // no live process uses this directory's Redis: a recorded server with a live Node parent, or
  // any server answering on the socket, belongs to a running Passerelle.
  await stopStaleRedis(dataDir);
  const socketPath = socketPathFor(dataDir);
  if (await answersOn(socketPath)) throw new PrivateRedisInUseError(dataDir);
  fs.rmSync(socketPath, { force: true });

  const child: ChildProcess = spawn(
    binary,
    [
      '--port', '0',
      '--unixsocket', socketPath,
      '--unixsocketperm', '700',
      '--save', '',
      '--appendonly', 'no',
      '--maxmemory-policy', 'noeviction',
      '--dir', dataDir,
    ],
    // Its own process group: Ctrl-C in a terminal signals the whole foreground group, and Redis
    // must outlive the application's drain of its jobs; the application stops it last.
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  if (child.pid === undefined) {
    // Not started (ENOENT: not installed or not on the PATH); the error event follows.
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => child.once('error', resolve));
    child.stdout?.destroy();
    child.stderr?.destroy();
    if (error.code === 'ENOENT' || error.code === 'EACCES') throw new RedisServerMissingError(binary);
    throw error;
  }
  child.stdout?.resume();
  child.stderr?.resume();
  const pidFile = path.join(dataDir, PRIVATE_REDIS_PIDFILE);
  fs.writeFileSync(pidFile, `${JSON.stringify({ pid: child.pid, socketPath } satisfies PidFile)}\n`);
  // Whatever way the process ends short of SIGKILL (a forced exit after the shutdown deadline, a
  // second Ctrl-C, an uncaught error), take the child down too; SIGKILL leaves the pid file,
  // and the next start stops the orphan (stopStaleRedis).
  let stopping = false;
  const killChild = () => {
    // The process is exiting now: no time left for Redis's own shutdown once stop() asked for it.
    if (child.exitCode === null && child.signalCode === null) child.kill(stopping ? 'SIGKILL' : 'SIGTERM');
  };
  process.once('exit', killChild);
  const removePidFile = () => fs.rmSync(pidFile, { force: true });

  try {
    await waitForSocket(socketPath, child);
  } catch (error) {
    process.removeListener('exit', killChild);
    removePidFile();
    throw error;
  }
  logger.info({ socketPath, pid: child.pid }, 'private redis-server started');

  return {
    connectionOptions: { path: socketPath },
    stop: async () => {
      // The exit hook stays until Redis has exited: if the application's shutdown deadline comes
      // first, the hook kills it on the way out. SIGKILL after 1 s, within boot's step budget.
      if (child.exitCode === null && child.signalCode === null) {
        stopping = true;
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          }, 1_000).unref();
        });
      }
      process.removeListener('exit', killChild);
      removePidFile();
      fs.rmSync(socketPath, { force: true });
    },
  };
}

/** Whether a Redis server answers on this unix socket now. */
async function answersOn(socketPath: string): Promise<boolean> {
  if (!fs.existsSync(socketPath)) return false;
  const client = new Redis({ path: socketPath, lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1_000, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function waitForSocket(socketPath: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited early with code ${child.exitCode}`);
    if (fs.existsSync(socketPath)) {
      const client = new Redis({ path: socketPath, lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await client.connect();
        await client.ping();
        return;
      } catch {
        // not ready yet
      } finally {
        client.disconnect();
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error('redis-server did not start within 10 s');
}

export async function connectRedis(url: string | undefined, dataDir: string, binary: string): Promise<RedisEndpoint> {
  if (url) return { connectionOptions: redisOptionsFromUrl(url), stop: async () => {} };
  return startPrivateRedis(dataDir, binary);
}
