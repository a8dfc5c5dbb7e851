// Redis for BullMQ and rate limiting: REDIS_URL when set, otherwise a private redis-server
// child on a unix socket under DATA_DIR that dies with the application.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
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

export async function startPrivateRedis(dataDir: string, binary = 'redis-server'): Promise<RedisEndpoint> {
  const probe = spawnSync(binary, ['--version'], { stdio: 'ignore' });
  if (probe.error) throw new RedisServerMissingError(binary);

  fs.mkdirSync(dataDir, { recursive: true });
  // Unix socket paths are limited to ~107 bytes; fall back to the temp dir for deep DATA_DIRs.
  let socketPath = path.join(dataDir, 'redis.sock');
  if (socketPath.length > 100) socketPath = path.join('/tmp', `passerelle-redis-${process.pid}.sock`);
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
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.resume();
  child.stderr?.resume();
  // If the app dies without running its shutdown (crash, kill -9 of the parent is not
  // catchable, but uncaught errors and normal exits are), take the child down too.
  const killChild = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.once('exit', killChild);

  await waitForSocket(socketPath, child);
  logger.info({ socketPath, pid: child.pid }, 'private redis-server started');

  return {
    connectionOptions: { path: socketPath },
    stop: async () => {
      process.removeListener('exit', killChild);
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => {
          if (child.exitCode === null) child.kill('SIGKILL');
        }, 3_000).unref();
      });
      fs.rmSync(socketPath, { force: true });
    },
  };
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
