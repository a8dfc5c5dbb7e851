import { configureWorkflowSettings, definitionForStart } from '../../src/workflows/definitions';
import { DEFAULT_SECOND_APPROVAL_THRESHOLD, conventionApprovalWorkflow } from '../../src/workflows/definitions/convention-approval.workflow';
import type { WorkflowDefinition } from '../../src/workflows/definitions/types';
import { commentRequired, dueDate, finalRunStatus, nextStage, reminderDate, stageState, validateDefinition } from '../../src/workflows/engine';
import { addWorkingDays, easterSunday, isWorkingDay } from '../../src/lib/working-days';

const circuit = conventionApprovalWorkflow;

describe('the convention circuit definition', () => {
  test('is valid: parallel legal and finance reviews, then the manager of the owning unit', () => {
    expect(() => validateDefinition(circuit)).not.toThrow();
    expect(circuit.stages[0]?.steps.map((step) => step.key)).toEqual(['legal', 'finance']);
    const direction = circuit.stages[1]?.steps[0];
    expect(direction?.kind === 'approval' && 'role' in direction.assignee && direction.assignee).toEqual({ role: 'manager', unit: 'subject' });
  });

  test('a duplicated step key, an unknown setting or a distinctFrom pointing forward are refused', () => {
    const broken: WorkflowDefinition = { ...circuit, stages: [...circuit.stages, circuit.stages[0] as WorkflowDefinition['stages'][number]] };
    expect(() => validateDefinition(broken)).toThrow(/used twice/);
    expect(() => validateDefinition({ ...circuit, settings: {} })).toThrow(/unknown setting/);
    const forward: WorkflowDefinition = {
      key: 'x',
      version: 1,
      name: 'x',
      settings: {},
      stages: [{ key: 'a', label: 'a', steps: [{ kind: 'approval', key: 'a', label: 'a', assignee: { role: 'manager' }, due: { workingDays: 1 }, distinctFrom: ['b'] }] }],
    };
    expect(() => validateDefinition(forward)).toThrow(/not an earlier step/);
  });
});

describe('nextStage', () => {
  test('starts with the reviews', () => {
    expect(nextStage(circuit, -1, null, {})).toEqual({ index: 0, skipped: [] });
  });

  test('skips the second manager at or under the threshold, not above it', () => {
    expect(nextStage(circuit, 1, 'approved', { amount: 50_000 })).toEqual({ index: 3, skipped: [2] });
    expect(nextStage(circuit, 1, 'approved', { amount: 50_001 })).toEqual({ index: 2, skipped: [] });
    expect(nextStage(circuit, 1, 'approved', { amount: 'n/a' })).toEqual({ index: 3, skipped: [2] });
  });

  test('after a rejection only a stage branching on it runs; otherwise the run ends', () => {
    expect(nextStage(circuit, 0, 'rejected', {})).toEqual({ index: null, skipped: [1, 2, 3] });
    const branching: WorkflowDefinition = {
      key: 'b',
      version: 1,
      name: 'b',
      settings: {},
      stages: [
        { key: 'review', label: 'r', steps: [{ kind: 'approval', key: 'r', label: 'r', assignee: { role: 'juriste' }, due: { ms: 1 } }] },
        { key: 'on-reject', label: 'n', when: { kind: 'previousOutcome', outcome: 'rejected' }, steps: [{ kind: 'action', key: 'n', label: 'n', handler: 'notifySubmitter' }] },
        { key: 'on-approve', label: 's', when: { kind: 'previousOutcome', outcome: 'approved' }, steps: [{ kind: 'action', key: 's', label: 's', handler: 'notifySubmitter' }] },
      ],
    };
    expect(nextStage(branching, 0, 'rejected', {})).toEqual({ index: 1, skipped: [] });
    expect(nextStage(branching, 0, 'approved', {})).toEqual({ index: 2, skipped: [1] });
  });

  test('the run ends after the last stage', () => {
    expect(nextStage(circuit, 3, 'approved', {})).toEqual({ index: null, skipped: [] });
    expect(finalRunStatus('approved')).toBe('approved');
    expect(finalRunStatus(null)).toBe('completed');
  });
});

describe('stageState', () => {
  const approval = (status: string) => ({ kind: 'approval' as const, status });
  test('a parallel group needs every approval', () => {
    expect(stageState([approval('approved'), approval('active')])).toBe('open');
    expect(stageState([approval('approved'), approval('approved')])).toBe('approved');
  });
  test('one rejection or change request closes the group at once', () => {
    expect(stageState([approval('rejected'), approval('active')])).toBe('rejected');
    expect(stageState([approval('changes_requested'), approval('active')])).toBe('changes_requested');
  });
  test('a stage of actions is done', () => {
    expect(stageState([{ kind: 'action', status: 'done' }])).toBe('done');
  });
  test('reject and request changes need a comment', () => {
    expect(commentRequired('approve')).toBe(false);
    expect(commentRequired('reject')).toBe(true);
    expect(commentRequired('request_changes')).toBe(true);
  });
});

describe('deadlines in working days', () => {
  test('Easter and the movable French holidays', () => {
    expect(easterSunday(2026).toISOString().slice(0, 10)).toBe('2026-04-05');
    expect(isWorkingDay(new Date('2026-04-06T10:00:00Z'))).toBe(false); // lundi de Pâques
    expect(isWorkingDay(new Date('2026-05-14T10:00:00Z'))).toBe(false); // Ascension
    expect(isWorkingDay(new Date('2026-05-25T10:00:00Z'))).toBe(false); // Pentecôte
    expect(isWorkingDay(new Date('2026-07-14T10:00:00Z'))).toBe(false);
    expect(isWorkingDay(new Date('2026-07-15T10:00:00Z'))).toBe(true);
  });

  test('weekends and holidays are skipped, the time of day kept', () => {
    // Friday 15:00 + 2 working days → Tuesday 15:00.
    expect(addWorkingDays(new Date('2026-11-20T15:00:00Z'), 2).toISOString()).toBe('2026-11-24T15:00:00.000Z');
    // Thursday 24 Dec + 1 → Monday 28 Dec (25 Dec holiday, weekend).
    expect(addWorkingDays(new Date('2026-12-24T09:00:00Z'), 1).toISOString()).toBe('2026-12-28T09:00:00.000Z');
  });

  test('the reminder falls at half the delay', () => {
    const start = new Date('2026-11-23T08:00:00Z');
    const due = dueDate(start, { workingDays: 5 });
    expect(due.toISOString()).toBe('2026-11-30T08:00:00.000Z');
    expect(reminderDate(start, due).toISOString()).toBe('2026-11-26T20:00:00.000Z');
    expect(dueDate(start, { ms: 1_000 }).getTime() - start.getTime()).toBe(1_000);
  });
});

describe('settings copied at start', () => {
  afterEach(() => configureWorkflowSettings({ secondApprovalThreshold: DEFAULT_SECOND_APPROVAL_THRESHOLD }));

  test('the configured threshold goes into the copy a run keeps; the code definition is untouched', () => {
    configureWorkflowSettings({ secondApprovalThreshold: 10_000 });
    const copy = definitionForStart(conventionApprovalWorkflow.key);
    expect(copy?.settings.secondApprovalThreshold).toBe(10_000);
    expect(conventionApprovalWorkflow.settings.secondApprovalThreshold).toBe(DEFAULT_SECOND_APPROVAL_THRESHOLD);
    expect(copy && nextStage(copy, 1, 'approved', { amount: 20_000 }).index).toBe(2);
    expect(definitionForStart('unknown')).toBeUndefined();
  });
});
