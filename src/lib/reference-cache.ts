// In-process cache for small reference lists that pages read on every request but that change
// rarely (organisation kinds, units, the names of active users): a few rows each, loaded once
// per TTL instead of once per request.
//
// Staleness: the services that change these lists call `invalidateReference` after their
// transaction commits, so in the process that made the change the next request sees it. Other
// web processes (several `npm run web` behind a proxy) do not hear about it: there, the TTL
// bounds how long an old list can be shown (REFERENCE_CACHE_SECONDS, 30 s by default). Nothing
// security-relevant is cached here: permissions and the signed-in person are read per request.
//
// A load that started before an invalidation is returned to its caller but never stored, so a
// read racing a commit cannot keep the old list alive for a whole TTL.

export type ReferenceKey = 'organizationKinds' | 'units' | 'activeUserOptions';

interface Entry {
  generation: number;
  expiresAt: number;
  value: Promise<unknown>;
}

let ttlMs = 30_000;
/** Bumped by each invalidation of a key: entries of an older generation are ignored. */
const generations = new Map<ReferenceKey, number>();
/** One cache per database handle (tests run several apps, each on its own database, in one process). */
const caches = new WeakMap<object, Map<ReferenceKey, Entry>>();

/** 0 turns caching off (every call loads). */
export function setReferenceCacheTtl(seconds: number): void {
  ttlMs = Math.max(0, seconds) * 1000;
}

export function cachedReference<T>(db: object, key: ReferenceKey, load: () => Promise<T>): Promise<T> {
  if (ttlMs === 0) return load();
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  const generation = generations.get(key) ?? 0;
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && hit.generation === generation && hit.expiresAt > now) return hit.value as Promise<T>;
  const value = load();
  // Concurrent misses share this one load.
  const entry: Entry = { generation, expiresAt: now + ttlMs, value };
  cache.set(key, entry);
  value.catch(() => {
    if (cache.get(key) === entry) cache.delete(key);
  });
  return value;
}

/** After a change to a list is committed: the next read of any process-local cache loads it again. */
export function invalidateReference(...keys: ReferenceKey[]): void {
  for (const key of keys) generations.set(key, (generations.get(key) ?? 0) + 1);
}

/** Runs `work` (a committed transaction), then invalidates, whether it succeeded or not. */
export async function invalidatingAfter<T>(keys: ReferenceKey[], work: Promise<T>): Promise<T> {
  try {
    return await work;
  } finally {
    invalidateReference(...keys);
  }
}
