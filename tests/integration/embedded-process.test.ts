// `npm start` with no configuration: PGlite under DATA_DIR, a private redis-server child on a
// unix socket, an in-process SMTP sink. Data survives a restart; no redis-server is left behind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { boot } from '../../src/boot';
import { RedisServerMissingError } from '../../src/lib/redis';

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

describe('embedded mode', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-embedded-'));
  const env = { NODE_ENV: 'test', DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ADMIN_EMAIL: 'admin@passerelle.test', ADMIN_PASSWORD: 'un mot de passe administrateur' };
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  test('starts with no servers configured, keeps data across restarts and stops its redis-server', async () => {
    const first = await boot({ web: true, worker: true }, env);
    const socketPath = path.join(dataDir, 'redis.sock');
    const pids = redisChildPids(socketPath);
    expect(pids).toHaveLength(1);
    const health = await fetch(`${first.url}/readyz`).then((response) => response.json() as Promise<{ database: { ok: boolean }; redis: { ok: boolean } }>);
    expect(health.database.ok).toBe(true);
    expect(health.redis.ok).toBe(true);
    const login = await fetch(`${first.url}/login`).then((response) => response.text());
    expect(login).toContain('Connexion à Passerelle');
    await first.shutdown();
    expect(pids.every((pid) => !isAlive(pid))).toBe(true);
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
});
