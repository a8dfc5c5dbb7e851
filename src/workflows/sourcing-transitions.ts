// The sourcing pipeline's transition tables (docs/sourcing.md, « Étapes »): a case's stage and a
// challenge's status. Enforced by moveCaseStage (src/services/sourcing-cases.service.ts) and
// moveChallengeStatus (sourcing-challenges.service.ts), which every path that changes them goes
// through: the kanban's drag and drop and « Déplacer vers » ('person'), a committee's go ('gate'),
// a pilot's closing decision ('pilot'), the import wizard creates cases in « repérée » (no move).
import type { CaseStage, ChallengeStatus, Role } from '../models/schema';
import { type MoveRequest, type TransitionTable, checkMove, movesFrom } from './transitions';

export type CaseMover = 'person' | 'gate' | 'pilot';

const MOVERS: readonly Role[] = ['admin', 'manager', 'charge'];

/** Stages a case may only enter through a committee (« Comité de sourcing »): the card does not move, a gate starts. */
export const GATED_STAGES: readonly CaseStage[] = ['experimentation', 'contractualisation'];

/** Stages whose entry needs a written reason. */
export const STAGES_NEEDING_REASON: readonly CaseStage[] = ['en_veille', 'abandonnee'];

const ACTIVE: readonly CaseStage[] = ['reperee', 'qualifiee', 'rencontree', 'evaluee', 'experimentation', 'contractualisation'];

export const CASE_TRANSITIONS: TransitionTable<CaseStage, CaseMover, Role> = [
  // Forward, one stage at a time, by the case's people (chargés and managers of its unit, its owner).
  { from: ['reperee'], to: 'qualifiee', by: 'person', roles: MOVERS, ownUnitOnly: true },
  { from: ['qualifiee'], to: 'rencontree', by: 'person', roles: MOVERS, ownUnitOnly: true },
  { from: ['rencontree'], to: 'evaluee', by: 'person', roles: MOVERS, ownUnitOnly: true },
  // Back one stage before the gates (a qualification that did not hold).
  { from: ['qualifiee'], to: 'reperee', by: 'person', roles: MOVERS, ownUnitOnly: true },
  { from: ['rencontree'], to: 'qualifiee', by: 'person', roles: MOVERS, ownUnitOnly: true },
  { from: ['evaluee'], to: 'rencontree', by: 'person', roles: MOVERS, ownUnitOnly: true },
  // The gates: the sponsor's go in the committee circuit moves the card (a pilot, or contracting directly).
  { from: ['evaluee'], to: 'experimentation', by: 'gate' },
  { from: ['evaluee', 'experimentation'], to: 'contractualisation', by: 'gate' },
  // Contract signed and solution in use.
  { from: ['contractualisation'], to: 'deployee', by: 'person', roles: MOVERS, ownUnitOnly: true },
  // Side exits, with a reason; back from « en veille » to where sourcing resumes, reopening an abandoned case.
  { from: ACTIVE, to: 'en_veille', by: 'person', roles: MOVERS, ownUnitOnly: true },
  { from: ACTIVE, to: 'abandonnee', by: 'person', roles: MOVERS, ownUnitOnly: true },
  { from: ['en_veille'], to: 'reperee', by: 'person', roles: MOVERS, ownUnitOnly: true },
  { from: ['en_veille'], to: 'qualifiee', by: 'person', roles: MOVERS, ownUnitOnly: true },
  { from: ['en_veille'], to: 'rencontree', by: 'person', roles: MOVERS, ownUnitOnly: true },
  { from: ['abandonnee'], to: 'reperee', by: 'person', roles: MOVERS, ownUnitOnly: true },
  // A pilot's closing decision « arrêter » ends the case.
  { from: ['experimentation'], to: 'abandonnee', by: 'pilot' },
];

/**
 * What a person asking to move a case from → to gets: 'allowed', 'gate' (the move exists but
 * only through the committee: start a gate instead), 'notPermitted' or 'notAllowed'.
 */
export function checkCaseMove(from: CaseStage, to: CaseStage, request: MoveRequest<'person', Role>): 'allowed' | 'gate' | 'notPermitted' | 'notAllowed' {
  const verdict = checkMove(CASE_TRANSITIONS, from, to, request);
  if (verdict !== 'notAllowed') return verdict;
  if (GATED_STAGES.includes(to) && checkMove(CASE_TRANSITIONS, from, to, { by: 'gate' }) === 'allowed') {
    // The person must still be one who moves this case.
    return MOVERS.some((role) => request.roles?.includes(role)) && (request.inUnit === true || request.roles?.includes('admin')) ? 'gate' : 'notPermitted';
  }
  return 'notAllowed';
}

/** The « Déplacer vers » choices of a card: direct moves, then the gated stages reachable through a committee. */
export function caseMoveChoices(from: CaseStage, request: MoveRequest<'person', Role>): Array<{ stage: CaseStage; gate: boolean }> {
  const direct = movesFrom(CASE_TRANSITIONS, from, request).map((stage) => ({ stage, gate: false }));
  if (direct.length === 0) return [];
  const gated = GATED_STAGES.filter((stage) => checkMove(CASE_TRANSITIONS, from, stage, { by: 'gate' }) === 'allowed').map((stage) => ({ stage, gate: true }));
  return [...direct, ...gated];
}

export type ChallengeMover = 'person';

export const CHALLENGE_TRANSITIONS: TransitionTable<ChallengeStatus, ChallengeMover, Role> = [
  { from: ['brouillon'], to: 'ouvert', by: 'person', roles: MOVERS, ownUnitOnly: true },
  { from: ['ouvert'], to: 'en_sourcing', by: 'person', roles: MOVERS, ownUnitOnly: true },
  { from: ['ouvert', 'en_sourcing'], to: 'brouillon', by: 'person', roles: MOVERS, ownUnitOnly: true },
  // Closing needs an outcome (the service checks it); reopening is a manager's.
  { from: ['brouillon', 'ouvert', 'en_sourcing'], to: 'clos', by: 'person', roles: MOVERS, ownUnitOnly: true },
  { from: ['clos'], to: 'en_sourcing', by: 'person', roles: ['admin', 'manager'], ownUnitOnly: true },
];
