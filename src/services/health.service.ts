import { sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { Database } from '../models/database';
import { findHeartbeat } from '../models/messaging.model';
import { JOB_NAMES } from '../workflows/queues';

export interface Readiness {
  ok: boolean;
  status: 'ok' | 'degraded' | 'unavailable';
  database: { ok: boolean; latencyMs?: number; error?: string };
  redis: { ok: boolean; latencyMs?: number; error?: string };
  worker: { lastHeartbeatAt: string | null; ageSeconds: number | null; ok: boolean };
}

async function timed(check: () => Promise<unknown>): Promise<{ ok: boolean; latencyMs?: number; error?: string }> {
  const started = performance.now();
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout after 2 s')), 2_000).unref()),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Database and Redis must answer for the process to take traffic. A stale heartbeat means no
 * worker is running (or it is stuck): reported as "degraded" so a web process is not taken
 * out of the load balancer because a separate worker is down.
 */
export async function checkReadiness(db: Database, redis: Redis, heartbeatSeconds: number, now = new Date()): Promise<Readiness> {
  const [database, redisCheck] = await Promise.all([timed(() => db.execute(sql`select 1`)), timed(() => redis.ping())]);
  let lastHeartbeatAt: Date | null = null;
  if (database.ok) lastHeartbeatAt = (await findHeartbeat(db, JOB_NAMES.heartbeat))?.lastRunAt ?? null;
  const ageSeconds = lastHeartbeatAt ? Math.round((now.getTime() - lastHeartbeatAt.getTime()) / 1000) : null;
  const workerOk = ageSeconds !== null && ageSeconds <= heartbeatSeconds * 3;
  const ok = database.ok && redisCheck.ok;
  return {
    ok,
    status: !ok ? 'unavailable' : workerOk ? 'ok' : 'degraded',
    database,
    redis: redisCheck,
    worker: { lastHeartbeatAt: lastHeartbeatAt?.toISOString() ?? null, ageSeconds, ok: workerOk },
  };
}
