import { ForbiddenError } from '../../src/lib/errors';
import type { Actor } from '../../src/services/context';
import { assertCan, can } from '../../src/services/permissions';

const actor = (roles: Actor['roles'], unitIds: string[] = []): Actor => ({ id: 'u1', email: 'a@b.fr', displayName: 'A', roles, unitIds });

describe('permissions', () => {
  test('only admins manage users', () => {
    expect(can(actor(['admin']), 'users.manage')).toBe(true);
    for (const role of ['manager', 'charge', 'juriste', 'finance', 'lecteur'] as const) {
      expect(can(actor([role]), 'users.manage')).toBe(false);
    }
    expect(can(null, 'dashboard.read')).toBe(false);
  });

  test('roles add up', () => {
    expect(can(actor(['lecteur', 'charge']), 'directory.edit')).toBe(true);
  });

  test('edits are limited to the records of one’s units unless one owns the record', () => {
    const charge = actor(['charge'], ['unit-a']);
    expect(can(charge, 'directory.edit', { unitIds: ['unit-a'] })).toBe(true);
    expect(can(charge, 'directory.edit', { unitIds: ['unit-b'] })).toBe(false);
    expect(can(charge, 'directory.edit', { unitIds: ['unit-b'], ownerId: 'u1' })).toBe(true);
    expect(can(actor(['admin']), 'directory.edit', { unitIds: ['unit-b'] })).toBe(true);
    expect(can(actor(['lecteur'], ['unit-a']), 'directory.edit', { unitIds: ['unit-a'] })).toBe(false);
  });

  test('sourcing: everyone reads; chargés, managers and admins edit within their units; lecteur is never an evaluator; managers sponsor', () => {
    const roles = ['admin', 'manager', 'charge', 'juriste', 'finance', 'lecteur'] as const;
    const allowed = (permission: Parameters<typeof can>[1]) => roles.filter((role) => can(actor([role]), permission));
    expect(allowed('sourcing.read')).toEqual([...roles]);
    expect(allowed('sourcing.edit')).toEqual(['admin', 'manager', 'charge']);
    expect(allowed('sourcing.evaluate')).toEqual(['admin', 'manager', 'charge', 'juriste', 'finance']);
    expect(allowed('sourcing.sponsor')).toEqual(['admin', 'manager']);
    expect(allowed('sourcing.export')).toEqual(['admin', 'manager', 'charge']);
    // Moving a case of another unit: refused to a chargé unless they own it; an admin moves any.
    const charge = actor(['charge'], ['unit-a']);
    expect(can(charge, 'sourcing.edit', { unitIds: ['unit-a'] })).toBe(true);
    expect(can(charge, 'sourcing.edit', { unitIds: ['unit-b'] })).toBe(false);
    expect(can(charge, 'sourcing.edit', { unitIds: ['unit-b'], ownerId: 'u1' })).toBe(true);
    expect(can(actor(['manager'], ['unit-a']), 'sourcing.edit', { unitIds: ['unit-b'] })).toBe(false);
    expect(can(actor(['admin']), 'sourcing.edit', { unitIds: ['unit-b'] })).toBe(true);
    expect(can(actor(['juriste'], ['unit-a']), 'sourcing.edit', { unitIds: ['unit-a'] })).toBe(false);
  });

  test('assertCan throws a Forbidden domain error', () => {
    expect(() => assertCan(actor(['lecteur']), 'audit.read')).toThrow(ForbiddenError);
  });
});
