import { CONVENTION_CIRCUIT_KEYS, DEFAULT_CONVENTION_CIRCUIT_KEY, definitionForStart, findWorkflowDefinition } from '../../src/workflows/definitions';
import { CONVENTION_APPROVAL_KEY } from '../../src/workflows/definitions/convention-approval.workflow';
import { CONVENTION_SIMPLIFIED_KEY, conventionSimplifiedWorkflow } from '../../src/workflows/definitions/convention-simplified.workflow';
import { nextStage, stageState, validateDefinition } from '../../src/workflows/engine';

const simplified = conventionSimplifiedWorkflow;

describe('the simplified convention circuit', () => {
  test('is valid and registered: the manager of the owning unit alone, then à signer', () => {
    expect(() => validateDefinition(simplified)).not.toThrow();
    expect(findWorkflowDefinition(CONVENTION_SIMPLIFIED_KEY)).toBe(simplified);
    expect(simplified.stages.map((stage) => stage.key)).toEqual(['direction', 'to-sign']);
    const direction = simplified.stages[0]?.steps[0];
    expect(direction?.kind === 'approval' && 'role' in direction.assignee && direction.assignee).toEqual({ role: 'manager', unit: 'subject' });
  });

  test('starts with the manager, has no amount condition, and ends after the action', () => {
    expect(nextStage(simplified, -1, null, { amount: 1_000_000 })).toEqual({ index: 0, skipped: [] });
    expect(nextStage(simplified, 0, 'approved', { amount: 1_000_000 })).toEqual({ index: 1, skipped: [] });
    expect(nextStage(simplified, 1, 'approved', {})).toEqual({ index: null, skipped: [] });
    expect(nextStage(simplified, 0, 'rejected', {})).toEqual({ index: null, skipped: [1] });
    expect(stageState([{ kind: 'approval', status: 'changes_requested' }])).toBe('changes_requested');
  });

  test('a run copies it like any definition (a later edit in code leaves the copy alone)', () => {
    const copy = definitionForStart(CONVENTION_SIMPLIFIED_KEY);
    expect(copy).toEqual(simplified);
    expect(copy).not.toBe(simplified);
  });
});

describe('the circuits offered for conventions', () => {
  test('the default first, then the simplified one', () => {
    expect(DEFAULT_CONVENTION_CIRCUIT_KEY).toBe(CONVENTION_APPROVAL_KEY);
    expect(CONVENTION_CIRCUIT_KEYS).toEqual([CONVENTION_APPROVAL_KEY, CONVENTION_SIMPLIFIED_KEY]);
  });

  test.each(CONVENTION_CIRCUIT_KEYS)('%s is registered and ends with the action that makes the convention « à signer »', (key) => {
    const definition = findWorkflowDefinition(key);
    expect(definition).toBeDefined();
    const last = definition?.stages.at(-1);
    expect(last?.when).toBeUndefined();
    expect(last?.steps).toEqual([expect.objectContaining({ kind: 'action', handler: 'setSubjectStatus', params: { status: 'a_signer' } })]);
  });
});
