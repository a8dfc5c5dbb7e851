// The reference lists that forms, filters and search read on every request, through the
// in-process cache of src/lib/reference-cache.ts (TTL + invalidation by the admin services).
// The arrays are shared between requests: read them, never mutate them.
import type { Database } from '../models/database';
import { cachedReference } from '../lib/reference-cache';
import { listKinds } from '../models/organizations.model';
import type { OrganizationKind, Unit } from '../models/schema';
import { listUnits } from '../models/units.model';
import { listActiveUserOptions } from '../models/users.model';

/** Every organisation kind, inactive ones included, in display order. */
export function cachedOrganizationKinds(db: Database): Promise<readonly OrganizationKind[]> {
  return cachedReference(db, 'organizationKinds', () => listKinds(db, { includeArchived: true }));
}

/** Active units, by name. */
export function cachedActiveUnits(db: Database): Promise<readonly Unit[]> {
  return cachedReference(db, 'units', () => listUnits(db));
}

/** Id and name of active users (owner pickers), by name. */
export function cachedActiveUserOptions(db: Database): Promise<ReadonlyArray<{ id: string; displayName: string }>> {
  return cachedReference(db, 'activeUserOptions', () => listActiveUserOptions(db));
}
