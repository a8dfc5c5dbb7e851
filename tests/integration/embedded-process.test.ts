// `npm start` with no configuration: PGlite under DATA_DIR, a private redis-server child on a
// unix socket, an in-process SMTP sink. Data survives a restart; no redis-server is left behind,
// whether the app is stopped by boot's shutdown, by SIGTERM to the `npm start` process itself,
// or killed with SIGKILL (the next start stops the orphan). Stopping is bounded, even with a job
// stuck in SMTP.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { boot, SHUTDOWN_DEADLINE_MS } from '../../src/boot';
import { projectRoot } from '../../src/lib/paths';
import { PRIVATE_REDIS_PIDFILE, PrivateRedisInUseError, RedisServerMissingError } from '../../src/lib/redis';
import { createTestDatabase } from '../support/harness';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function redisChildPids(socketPath: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(socketPath);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Every descendant of a process (children, their children…), from /proc. */
function descendantsOf(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after the last ')'.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const next = [...parentOf].filter(([, parent]) => frontier.includes(parent)).map(([pid]) => pid);
    found.push(...next);
    frontier = next;
  }
  return found;
}

async function waitFor<T>(what: string | (() => string), probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(address && typeof address === 'object' ? address.port : 0));
    });
  });
}

/** `npm start` as a newcomer types it (the built code: rebuilt first if the sources changed). */
function npmStart(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn('npm', ['start', '--silent'], { cwd: projectRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function readyz(url: string): Promise<number | undefined> {
  try {
    return (await fetch(`${url}/readyz`)).status === 200 ? 200 : undefined;
  } catch {
    return undefined;
  }
}

function recordedRedisPid(dataDir: string): number | undefined {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dataDir, PRIVATE_REDIS_PIDFILE), 'utf8')) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

describe('embedded mode', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-embedded-'));
  const env = { NODE_ENV: 'test', DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ADMIN_EMAIL: 'admin@passerelle.test', ADMIN_PASSWORD: 'un mot de passe administrateur' };
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  test('starts with no servers configured, keeps data across restarts and stops its redis-server', async () => {
    const first = await boot({ web: true, worker: true }, env);
    const socketPath = path.join(dataDir, 'redis.sock');
    const pids = redisChildPids(socketPath);
    expect(pids).toHaveLength(1);
    // The pid file that lets the next start find this server should the app be killed -9.
    expect(recordedRedisPid(dataDir)).toBe(pids[0]);
    const health = await fetch(`${first.url}/readyz`).then((response) => response.json() as Promise<{ database: { ok: boolean }; redis: { ok: boolean } }>);
    expect(health.database.ok).toBe(true);
    expect(health.redis.ok).toBe(true);
    const login = await fetch(`${first.url}/login`).then((response) => response.text());
    expect(login).toContain('Connexion à Passerelle');
    await first.shutdown();
    expect(pids.every((pid) => !isAlive(pid))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, PRIVATE_REDIS_PIDFILE))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'pgdata'))).toBe(true);

    // Restart: the admin created from ADMIN_EMAIL/ADMIN_PASSWORD is still there, so no setup link.
    const second = await boot({ web: true, worker: true }, { ...env, ADMIN_PASSWORD: '' });
    expect(second.setupLink).toBeUndefined();
    await second.shutdown();
  }, 180_000);

  test('without ADMIN_* a fresh installation prints a setup link, never a default password', async () => {
    const freshDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-fresh-'));
    try {
      const running = await boot({ web: true, worker: false }, { ...env, DATA_DIR: freshDir, ADMIN_EMAIL: '', ADMIN_PASSWORD: '' });
      expect(running.setupLink).toMatch(/\/setup\/[A-Za-z0-9_-]{40,}$/);
      await running.shutdown();
    } finally {
      fs.rmSync(freshDir, { recursive: true, force: true });
    }
  }, 180_000);

  test('a missing redis-server binary stops the start with instructions in French and English', async () => {
    const missingDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-noredis-'));
    try {
      const attempt = boot({ web: true, worker: true }, { ...env, DATA_DIR: missingDir, REDIS_SERVER_BIN: 'redis-server-introuvable' });
      await expect(attempt).rejects.toBeInstanceOf(RedisServerMissingError);
      await expect(attempt).rejects.toThrow(/apt install redis-server[\s\S]*REDIS_URL/);
    } finally {
      fs.rmSync(missingDir, { recursive: true, force: true });
    }
  }, 180_000);
  test('a redis-server still used by a running process on the same DATA_DIR is never taken for an orphan', async () => {
    // Server mode without REDIS_URL takes no lock on DATA_DIR: a second process there must not
    // stop the first one's redis-server.
    const sharedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-shared-'));
    const database = await createTestDatabase();
    const serverEnv = { ...env, DATA_DIR: sharedDir, DATABASE_URL: database.url, MIGRATE_ON_START: 'false' };
    try {
      const first = await boot({ web: false, worker: false }, serverEnv);
      try {
        const pid = recordedRedisPid(sharedDir) as number;
        await expect(boot({ web: false, worker: false }, serverEnv)).rejects.toBeInstanceOf(PrivateRedisInUseError);
        expect(isAlive(pid)).toBe(true);
        expect(recordedRedisPid(sharedDir)).toBe(pid);
      } finally {
        await first.shutdown();
      }
    } finally {
      await database.drop();
      fs.rmSync(sharedDir, { recursive: true, force: true });
    }
  }, 60_000);

  describe('the real `npm start` process', () => {
    beforeAll(() => {
      // `npm start` runs the built code and refuses stale code: build it if the sources changed.
      if (spawnSync(process.execPath, ['scripts/run-built.mjs', '--check'], { cwd: projectRoot }).status !== 0) {
        const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: projectRoot, stdio: 'inherit' });
        if (build.status !== 0) throw new Error('npm run build failed');
      }
    }, 300_000);

    test('SIGTERM to the npm process stops node and the private redis-server within 10 s, and nothing is left running', async () => {
      const npmDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-npm-'));
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const { child, output } = npmStart({ ...env, DATA_DIR: npmDir, PORT: String(port), LOG_LEVEL: 'warn' });
      try {
        await waitFor(
          () => `/readyz 200 from npm start (${output()})`,
          () => {
            if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}: ${output()}`);
            return readyz(url);
          },
          90_000,
        );
        const processes = descendantsOf(child.pid as number);
        const redisPid = recordedRedisPid(npmDir) as number;
        // npm runs node directly (`exec`, no shell left in between), and node runs redis-server.
        expect(processes).toContain(redisPid);
        expect(processes.length).toBeLessThanOrEqual(2);

        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        const stopping = Date.now();
        process.kill(child.pid as number, 'SIGTERM');
        await waitFor('every process to stop', () => ([child.pid as number, ...processes].some(isAlive) ? undefined : true), SHUTDOWN_DEADLINE_MS + 5_000);
        expect(Date.now() - stopping).toBeLessThan(SHUTDOWN_DEADLINE_MS);
        expect(await exited).toBe(0);
        expect(fs.existsSync(path.join(npmDir, PRIVATE_REDIS_PIDFILE))).toBe(false);
        expect(output()).not.toMatch(/error while stopping|exiting now/);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
        fs.rmSync(npmDir, { recursive: true, force: true });
      }
    }, 150_000);

    test('a redis-server orphaned by kill -9 of the app is found and stopped at the next start', async () => {
      const killedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-kill9-'));
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      // node directly (npm would outlive a SIGKILL of its child and report it).
      const child = spawn(process.execPath, ['scripts/run-built.mjs', 'src/server.js'], {
        cwd: projectRoot,
        env: { ...process.env, ...env, DATA_DIR: killedDir, PORT: String(port), LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let errors = '';
      child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
      try {
        await waitFor(
          () => `/readyz 200 (${errors})`,
          () => {
            if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode}: ${errors}`);
            return readyz(url);
          },
          90_000,
        );
        const orphan = recordedRedisPid(killedDir) as number;
        expect(isAlive(orphan)).toBe(true);
        process.kill(child.pid as number, 'SIGKILL');
        await waitFor('the app to die', () => (isAlive(child.pid as number) ? undefined : true), 5_000);
        // SIGKILL runs no handler: its redis-server is still there, on the socket under DATA_DIR.
        expect(isAlive(orphan)).toBe(true);

        // The next start, once the DATA_DIR lock of the killed process is stale (15 s).
        const next = await waitFor(
          'a start that is not refused by the stale lock',
          () => boot({ web: false, worker: true }, { ...env, DATA_DIR: killedDir }).catch((error: unknown) => {
            if (error instanceof Error && error.name === 'DataDirLockedError') return undefined;
            throw error;
          }),
          40_000,
        );
        try {
          expect(isAlive(orphan)).toBe(false);
          const current = recordedRedisPid(killedDir) as number;
          expect(current).not.toBe(orphan);
          expect(isAlive(current)).toBe(true);
          expect(redisChildPids(path.join(killedDir, 'redis.sock'))).toEqual([current]);
        } finally {
          await next.shutdown();
        }
        expect(redisChildPids(path.join(killedDir, 'redis.sock'))).toEqual([]);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
        fs.rmSync(killedDir, { recursive: true, force: true });
      }
    }, 150_000);
  });

  test('stopping is bounded: a mail job stuck talking to an SMTP server that never answers does not hold the shutdown', async () => {
    const stuckDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-stuck-'));
    // An SMTP server that accepts the connection and never says a word (nodemailer waits 30 s
    // for the greeting): the job that sends the setup link hangs there.
    const sockets = new Set<net.Socket>();
    let connected = false;
    const blackHole = net.createServer((socket) => {
      connected = true;
      sockets.add(socket);
    });
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const smtpPort = (blackHole.address() as net.AddressInfo).port;
    try {
      // ADMIN_EMAIL without a password: the first start e-mails the setup link.
      const running = await boot(
        { web: true, worker: true },
        { ...env, DATA_DIR: stuckDir, ADMIN_PASSWORD: '', SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, HEARTBEAT_SECONDS: '1' },
      );
      await waitFor('the mail job to reach the SMTP server', () => (connected ? true : undefined), 30_000);
      const stopping = Date.now();
      await running.shutdown('test');
      expect(Date.now() - stopping).toBeLessThan(SHUTDOWN_DEADLINE_MS);
      expect(redisChildPids(path.join(stuckDir, 'redis.sock'))).toEqual([]);
    } finally {
      for (const socket of sockets) socket.destroy();
      blackHole.close();
      fs.rmSync(stuckDir, { recursive: true, force: true });
    }
  }, 120_000);
});
