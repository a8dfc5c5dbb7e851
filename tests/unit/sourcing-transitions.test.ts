// The sourcing pipeline's transition tables (src/workflows/sourcing-transitions.ts): a case moves
// one stage at a time, the gated stages answer 'gate' (a committee decides), the side exits need a
// reason, lecteurs and juristes never move a card, a person outside the case's unit is refused;
// a challenge goes brouillon → ouvert → en sourcing → clos and only a manager reopens it.
import { CASE_PIPELINE_STAGES, CASE_STAGES, CHALLENGE_STATUSES, ROLES, type CaseStage, type Role } from '../../src/models/schema';
import {
  CASE_TRANSITIONS,
  CHALLENGE_TRANSITIONS,
  GATED_STAGES,
  STAGES_NEEDING_REASON,
  caseMoveChoices,
  checkCaseMove,
} from '../../src/workflows/sourcing-transitions';
import { checkMove, movesBy, movesFrom } from '../../src/workflows/transitions';

const person = (role: Role, inUnit = true) => ({ by: 'person' as const, roles: [role], inUnit });
const charge = person('charge');

describe('the sourcing case transition table', () => {
  it('cannot jump from repérée to déployée, nor skip a stage forward', () => {
    expect(checkCaseMove('reperee', 'deployee', charge)).toBe('notAllowed');
    expect(checkCaseMove('reperee', 'deployee', person('admin'))).toBe('notAllowed');
    expect(checkCaseMove('reperee', 'rencontree', charge)).toBe('notAllowed');
    expect(checkCaseMove('qualifiee', 'evaluee', charge)).toBe('notAllowed');
    for (const by of ['gate', 'pilot'] as const) expect(checkMove(CASE_TRANSITIONS, 'reperee', 'deployee', { by })).toBe('notAllowed');
  });

  it('moves forward one stage at a time, and back one before the gates', () => {
    const pipeline = CASE_PIPELINE_STAGES as readonly CaseStage[];
    for (const [from, to] of [['reperee', 'qualifiee'], ['qualifiee', 'rencontree'], ['rencontree', 'evaluee'], ['contractualisation', 'deployee']] as const) {
      expect(checkCaseMove(from, to, charge)).toBe('allowed');
      expect(pipeline.indexOf(to) - pipeline.indexOf(from)).toBe(1);
    }
    expect(checkCaseMove('qualifiee', 'reperee', charge)).toBe('allowed');
    expect(checkCaseMove('evaluee', 'rencontree', charge)).toBe('allowed');
    expect(checkCaseMove('experimentation', 'evaluee', charge)).toBe('notAllowed');
  });

  it('answers « gate » for the gated stages: only a committee moves the card there', () => {
    expect(GATED_STAGES).toEqual(['experimentation', 'contractualisation']);
    expect(checkCaseMove('evaluee', 'experimentation', charge)).toBe('gate');
    expect(checkCaseMove('evaluee', 'contractualisation', person('manager'))).toBe('gate');
    expect(checkCaseMove('experimentation', 'contractualisation', person('admin', false))).toBe('gate');
    // Not reachable from earlier stages, even through a committee.
    expect(checkCaseMove('rencontree', 'experimentation', charge)).toBe('notAllowed');
    expect(checkCaseMove('reperee', 'contractualisation', charge)).toBe('notAllowed');
    // The committee's own mover, and the pilot's « arrêter ».
    expect(checkMove(CASE_TRANSITIONS, 'evaluee', 'experimentation', { by: 'gate' })).toBe('allowed');
    expect(checkMove(CASE_TRANSITIONS, 'experimentation', 'contractualisation', { by: 'gate' })).toBe('allowed');
    expect(movesBy(CASE_TRANSITIONS, 'pilot')).toEqual([['experimentation', 'abandonnee']]);
    // No person moves a card into a gated stage directly.
    for (const from of CASE_STAGES) for (const to of GATED_STAGES) expect(checkMove(CASE_TRANSITIONS, from, to, person('admin'))).not.toBe('allowed');
  });

  it('offers the « Déplacer vers » choices: direct moves, then the committee stages', () => {
    expect(caseMoveChoices('evaluee', charge)).toEqual([
      { stage: 'rencontree', gate: false },
      { stage: 'en_veille', gate: false },
      { stage: 'abandonnee', gate: false },
      { stage: 'experimentation', gate: true },
      { stage: 'contractualisation', gate: true },
    ]);
    expect(caseMoveChoices('reperee', charge).map((choice) => choice.stage)).toEqual(['qualifiee', 'en_veille', 'abandonnee']);
    expect(caseMoveChoices('deployee', charge)).toEqual([]);
    expect(caseMoveChoices('evaluee', person('lecteur'))).toEqual([]);
  });

  it('has side exits from every active stage, which need a reason, and ways back', () => {
    expect(STAGES_NEEDING_REASON).toEqual(['en_veille', 'abandonnee']);
    for (const from of ['reperee', 'qualifiee', 'rencontree', 'evaluee', 'experimentation', 'contractualisation'] as const) {
      expect(checkCaseMove(from, 'en_veille', charge)).toBe('allowed');
      expect(checkCaseMove(from, 'abandonnee', charge)).toBe('allowed');
    }
    expect(checkCaseMove('deployee', 'abandonnee', charge)).toBe('notAllowed');
    expect(checkCaseMove('en_veille', 'rencontree', charge)).toBe('allowed');
    expect(checkCaseMove('en_veille', 'evaluee', charge)).toBe('notAllowed');
    expect(checkCaseMove('abandonnee', 'reperee', charge)).toBe('allowed');
    expect(checkCaseMove('abandonnee', 'qualifiee', charge)).toBe('notAllowed');
  });

  it('refuses lecteurs, juristes and finance, and people outside the case’s unit', () => {
    for (const role of ['lecteur', 'juriste', 'finance'] as const) {
      expect(checkCaseMove('reperee', 'qualifiee', person(role))).toBe('notPermitted');
      expect(checkCaseMove('evaluee', 'experimentation', person(role))).toBe('notPermitted');
      expect(movesFrom(CASE_TRANSITIONS, 'reperee', person(role))).toEqual([]);
    }
    expect(checkCaseMove('reperee', 'qualifiee', person('charge', false))).toBe('notPermitted');
    expect(checkCaseMove('reperee', 'qualifiee', person('manager', false))).toBe('notPermitted');
    expect(checkCaseMove('evaluee', 'experimentation', person('charge', false))).toBe('notPermitted');
    // Admins move any case.
    expect(checkCaseMove('reperee', 'qualifiee', person('admin', false))).toBe('allowed');
  });

  it('only names known stages', () => {
    for (const transition of CASE_TRANSITIONS) {
      expect(CASE_STAGES).toContain(transition.to);
      for (const from of transition.from) expect(CASE_STAGES).toContain(from);
      for (const role of transition.roles ?? []) expect(ROLES).toContain(role);
    }
  });
});

describe('the sourcing challenge transition table', () => {
  const move = (from: (typeof CHALLENGE_STATUSES)[number], to: (typeof CHALLENGE_STATUSES)[number], request = charge) => checkMove(CHALLENGE_TRANSITIONS, from, to, request);

  it('goes brouillon → ouvert → en sourcing, and back to brouillon', () => {
    expect(move('brouillon', 'ouvert')).toBe('allowed');
    expect(move('ouvert', 'en_sourcing')).toBe('allowed');
    expect(move('brouillon', 'en_sourcing')).toBe('notAllowed');
    expect(move('ouvert', 'brouillon')).toBe('allowed');
    expect(move('en_sourcing', 'brouillon')).toBe('allowed');
    expect(move('en_sourcing', 'ouvert')).toBe('notAllowed');
  });

  it('closes from any open status; only admins and managers reopen, into « en sourcing »', () => {
    for (const from of ['brouillon', 'ouvert', 'en_sourcing'] as const) expect(move(from, 'clos')).toBe('allowed');
    expect(move('clos', 'en_sourcing')).toBe('notPermitted');
    expect(move('clos', 'en_sourcing', person('manager'))).toBe('allowed');
    expect(move('clos', 'en_sourcing', person('admin', false))).toBe('allowed');
    expect(move('clos', 'en_sourcing', person('manager', false))).toBe('notPermitted');
    expect(move('clos', 'ouvert', person('admin'))).toBe('notAllowed');
    expect(move('clos', 'brouillon', person('admin'))).toBe('notAllowed');
    expect(movesFrom(CHALLENGE_TRANSITIONS, 'clos', charge)).toEqual([]);
    expect(movesFrom(CHALLENGE_TRANSITIONS, 'clos', person('manager'))).toEqual(['en_sourcing']);
  });

  it('refuses lecteurs, juristes, finance and people outside the challenge’s units', () => {
    for (const role of ['lecteur', 'juriste', 'finance'] as const) {
      for (const from of CHALLENGE_STATUSES) expect(movesFrom(CHALLENGE_TRANSITIONS, from, person(role))).toEqual([]);
    }
    expect(move('brouillon', 'ouvert', person('charge', false))).toBe('notPermitted');
    expect(move('brouillon', 'ouvert', person('admin', false))).toBe('allowed');
  });

  it('is made by people only', () => {
    expect(CHALLENGE_TRANSITIONS.every((transition) => transition.by === 'person')).toBe(true);
  });
});
