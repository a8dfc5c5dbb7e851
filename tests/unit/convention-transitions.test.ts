import { CONVENTION_REVIEW_STATUSES, CONVENTION_TRANSITIONS } from '../../src/workflows/convention-transitions';
import { checkMove, movesBy, movesFrom, type TransitionTable } from '../../src/workflows/transitions';
import { PERMISSIONS } from '../../src/services/permissions';
import { CONVENTION_STATUSES } from '../../src/models/schema';

const charge = { by: 'person' as const, roles: ['charge' as const], inUnit: true };
const admin = { by: 'person' as const, roles: ['admin' as const], inUnit: false };

describe('the conventions transition table', () => {
  it('never lets a chargé move a convention past the circuit to « signée » or « en vigueur »', () => {
    for (const from of CONVENTION_STATUSES) {
      expect(movesFrom(CONVENTION_TRANSITIONS, from, charge)).not.toContain('signee');
      expect(movesFrom(CONVENTION_TRANSITIONS, from, charge)).not.toContain('en_vigueur');
    }
    expect(checkMove(CONVENTION_TRANSITIONS, 'en_revue', 'signee', charge)).toBe('notAllowed');
    expect(checkMove(CONVENTION_TRANSITIONS, 'brouillon', 'signee', charge)).toBe('notPermitted');
    expect(checkMove(CONVENTION_TRANSITIONS, 'brouillon', 'signee', admin)).toBe('allowed');
  });

  it('gives people no move while the circuit reviews a convention', () => {
    for (const from of CONVENTION_REVIEW_STATUSES) expect(movesFrom(CONVENTION_TRANSITIONS, from, admin)).toEqual([]);
  });

  it('reserves the circuit’s, the signature’s and the calendar’s moves to them', () => {
    expect(checkMove(CONVENTION_TRANSITIONS, 'en_revue', 'a_signer', { by: 'circuit' })).toBe('allowed');
    expect(checkMove(CONVENTION_TRANSITIONS, 'en_revue', 'a_signer', admin)).toBe('notAllowed');
    expect(checkMove(CONVENTION_TRANSITIONS, 'a_signer', 'signee', { by: 'signature' })).toBe('allowed');
    expect(checkMove(CONVENTION_TRANSITIONS, 'a_signer', 'signee', charge)).toBe('notAllowed');
    expect(movesBy(CONVENTION_TRANSITIONS, 'calendar')).toEqual([
      ['signee', 'en_vigueur'],
      ['en_vigueur', 'echue'],
    ]);
    expect(checkMove(CONVENTION_TRANSITIONS, 'brouillon', 'en_vigueur', { by: 'calendar' })).toBe('notAllowed');
    expect(checkMove(CONVENTION_TRANSITIONS, 'en_vigueur', 'renouvelee', { by: 'renewal' })).toBe('allowed');
    expect(checkMove(CONVENTION_TRANSITIONS, 'brouillon', 'renouvelee', { by: 'renewal' })).toBe('notAllowed');
  });

  it('lets the circuit take a convention in and out of review, and nothing else', () => {
    expect(movesBy(CONVENTION_TRANSITIONS, 'circuit')).toEqual([
      ['brouillon', 'en_revue'],
      ['modifications_demandees', 'en_revue'],
      ['en_revue', 'modifications_demandees'],
      ['en_revue', 'a_signer'],
      ['en_revue', 'brouillon'],
      ['modifications_demandees', 'brouillon'],
    ]);
  });

  it('terminates only with the terminate permission’s roles, in one’s unit, outside review and draft', () => {
    const termination = CONVENTION_TRANSITIONS.filter((transition) => transition.by === 'termination');
    expect(termination.map((transition) => [...(transition.roles ?? [])].sort())).toEqual([[...PERMISSIONS['conventions.terminate']].sort()]);
    const manager = { by: 'termination' as const, roles: ['manager' as const], inUnit: true };
    expect(checkMove(CONVENTION_TRANSITIONS, 'en_vigueur', 'resiliee', manager)).toBe('allowed');
    expect(checkMove(CONVENTION_TRANSITIONS, 'en_vigueur', 'resiliee', { ...manager, inUnit: false })).toBe('notPermitted');
    expect(checkMove(CONVENTION_TRANSITIONS, 'en_vigueur', 'resiliee', { ...manager, roles: ['charge'] })).toBe('notPermitted');
    expect(checkMove(CONVENTION_TRANSITIONS, 'brouillon', 'resiliee', manager)).toBe('notAllowed');
    expect(checkMove(CONVENTION_TRANSITIONS, 'en_revue', 'resiliee', manager)).toBe('notAllowed');
  });

  it('offers people only statuses that exist, never the one they are in', () => {
    for (const from of CONVENTION_STATUSES) {
      for (const to of movesFrom(CONVENTION_TRANSITIONS, from, admin)) {
        expect(CONVENTION_STATUSES).toContain(to);
        expect(to).not.toBe(from);
      }
    }
  });
});

describe('a transition table (generic)', () => {
  type Status = 'open' | 'won' | 'lost';
  const table: TransitionTable<Status, 'person' | 'job', 'admin' | 'user'> = [
    { from: ['open'], to: 'won', by: 'person', roles: ['user', 'admin'], ownUnitOnly: true },
    { from: ['open'], to: 'lost', by: 'job' },
  ];

  it('checks the mover, the roles and the unit; admins need no unit', () => {
    expect(checkMove(table, 'open', 'won', { by: 'person', roles: ['user'], inUnit: true })).toBe('allowed');
    expect(checkMove(table, 'open', 'won', { by: 'person', roles: ['user'], inUnit: false })).toBe('notPermitted');
    expect(checkMove(table, 'open', 'won', { by: 'person', roles: ['admin'], inUnit: false })).toBe('allowed');
    expect(checkMove(table, 'open', 'lost', { by: 'person', roles: ['admin'] })).toBe('notAllowed');
    expect(checkMove(table, 'open', 'lost', { by: 'job' })).toBe('allowed');
    expect(checkMove(table, 'won', 'open', { by: 'job' })).toBe('notAllowed');
    expect(movesFrom(table, 'open', { by: 'person', roles: ['user'], inUnit: true })).toEqual(['won']);
  });
});
