// The in-process cache of reference lists: TTL, invalidation, one load for concurrent misses,
// and a load racing an invalidation is not kept.
import { cachedReference, invalidateReference, invalidatingAfter, setReferenceCacheTtl } from '../../src/lib/reference-cache';

function counter() {
  let calls = 0;
  return {
    load: async () => {
      calls += 1;
      return [calls];
    },
    get calls() {
      return calls;
    },
  };
}

describe('reference cache', () => {
  afterEach(() => {
    jest.useRealTimers();
    setReferenceCacheTtl(30);
  });

  test('serves the cached list until the TTL runs out, per database', async () => {
    jest.useFakeTimers({ now: new Date('2026-11-23T10:00:00Z') });
    setReferenceCacheTtl(30);
    const db = {};
    const other = {};
    const source = counter();
    expect(await cachedReference(db, 'units', source.load)).toEqual([1]);
    expect(await cachedReference(db, 'units', source.load)).toEqual([1]);
    expect(await cachedReference(other, 'units', source.load)).toEqual([2]);
    jest.setSystemTime(new Date('2026-11-23T10:00:31Z'));
    expect(await cachedReference(db, 'units', source.load)).toEqual([3]);
    expect(source.calls).toBe(3);
  });

  test('an invalidation makes the next read load again, for that key only', async () => {
    setReferenceCacheTtl(600);
    const db = {};
    const units = counter();
    const kinds = counter();
    await cachedReference(db, 'units', units.load);
    await cachedReference(db, 'organizationKinds', kinds.load);
    await invalidatingAfter(['units'], Promise.resolve('committed'));
    expect(await cachedReference(db, 'units', units.load)).toEqual([2]);
    expect(await cachedReference(db, 'organizationKinds', kinds.load)).toEqual([1]);
    // Also after a failed change (nothing to lose by loading again).
    await expect(invalidatingAfter(['organizationKinds'], Promise.reject(new Error('rolled back')))).rejects.toThrow('rolled back');
    expect(await cachedReference(db, 'organizationKinds', kinds.load)).toEqual([2]);
  });

  test('concurrent misses share one load; a load started before an invalidation is not kept', async () => {
    setReferenceCacheTtl(600);
    const db = {};
    let release: (value: string[]) => void = () => undefined;
    let loads = 0;
    const slow = () => {
      loads += 1;
      return new Promise<string[]>((resolve) => (release = resolve));
    };
    const first = cachedReference(db, 'activeUserOptions', slow);
    const second = cachedReference(db, 'activeUserOptions', slow);
    expect(loads).toBe(1);
    invalidateReference('activeUserOptions');
    release(['old']);
    expect(await first).toEqual(['old']);
    expect(await second).toEqual(['old']);
    expect(await cachedReference(db, 'activeUserOptions', async () => ['new'])).toEqual(['new']);
  });

  test('a failed load is not cached; TTL 0 turns the cache off', async () => {
    setReferenceCacheTtl(600);
    const db = {};
    await expect(cachedReference(db, 'units', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cachedReference(db, 'units', async () => ['up'])).toEqual(['up']);
    setReferenceCacheTtl(0);
    const source = counter();
    await cachedReference(db, 'units', source.load);
    await cachedReference(db, 'units', source.load);
    expect(source.calls).toBe(2);
  });
});
