import { diffRecords } from '../../src/services/audit.service';

describe('audit differences', () => {
  test('keeps only changed fields, compares dates and arrays by value, hides secrets', () => {
    const at = new Date('2026-01-01T10:00:00Z');
    const changes = diffRecords(
      { name: 'A', roles: ['charge', 'admin'], at, passwordHash: 'x', same: 1 },
      { name: 'B', roles: ['admin', 'charge'], at: new Date(at), passwordHash: 'y', same: 1 },
    );
    expect(changes).toEqual({ name: { before: 'A', after: 'B' } });
  });

  test('a creation lists every field with a null before', () => {
    expect(diffRecords(null, { name: 'A', acronym: null })).toEqual({ name: { before: null, after: 'A' } });
  });
});
