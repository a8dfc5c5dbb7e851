// The scorecard arithmetic of the « Comité de sourcing »: weighted means, the aggregate per
// criterion (mean, min–max, standard deviation, each evaluator's score), weights 0 left out,
// recused evaluators left out, and nothing visible before every evaluator has submitted.
import type { ScorecardCriterion } from '../../src/models/schema';
import { winAnsiText } from '../../src/services/sourcing-gates-pdf';
import { stepDefinitionIn } from '../../src/services/workflows.service';
import { sourcingCommitteeLegalWorkflow, sourcingCommitteeWorkflow } from '../../src/workflows/definitions/sourcing-committee.workflow';
import { validateDefinition } from '../../src/workflows/engine';
import { DEFAULT_CRITERIA, type ScorecardInput, aggregateScorecards, allSubmitted, gateCriteria, toX100, visibleAggregate, weightedMean } from '../../src/workflows/sourcing-scorecard';

const criteria: ScorecardCriterion[] = [
  { key: 'a', label: 'A', weight: 3 },
  { key: 'b', label: 'B', weight: 1 },
  { key: 'c', label: 'C', weight: 0 },
];

const card = (evaluatorId: string, values: Record<string, number>, extra: Partial<ScorecardInput> = {}): ScorecardInput => ({
  evaluatorId,
  evaluatorName: evaluatorId.toUpperCase(),
  scores: Object.entries(values).map(([key, score]) => ({ key, score, comment: `${evaluatorId}-${key}`, weight: criteria.find((criterion) => criterion.key === key)?.weight ?? 0 })),
  overallComment: `avis ${evaluatorId}`,
  conflictDeclared: false,
  submittedAt: new Date('2026-12-01T10:00:00Z'),
  ...extra,
});

describe('weightedMean', () => {
  test('weights the scores and leaves weight 0 out', () => {
    expect(weightedMean([{ weight: 3, score: 4 }, { weight: 1, score: 2 }, { weight: 0, score: 1 }])).toBeCloseTo(3.5);
    expect(weightedMean([])).toBeNull();
    expect(weightedMean([{ weight: 0, score: 5 }])).toBeNull();
    expect(toX100(3.456)).toBe(346);
    expect(toX100(null)).toBeNull();
  });
});

describe('gateCriteria', () => {
  test('keeps the criteria with a weight, falls back to the default grid', () => {
    expect(gateCriteria(criteria).map((criterion) => criterion.key)).toEqual(['a', 'b']);
    expect(gateCriteria([{ key: 'x', label: 'X', weight: 0 }])).toHaveLength(DEFAULT_CRITERIA.length);
    expect(gateCriteria(null)).toHaveLength(DEFAULT_CRITERIA.length);
  });
});

describe('aggregateScorecards', () => {
  test('per criterion mean, spread, standard deviation, each evaluator; overall weighted mean', () => {
    const aggregate = aggregateScorecards(criteria, [card('x', { a: 4, b: 2, c: 5 }), card('y', { a: 2, b: 4, c: 1 })]);
    expect(aggregate.criteria.map((row) => row.key)).toEqual(['a', 'b']);
    const a = aggregate.criteria[0];
    expect(a).toMatchObject({ mean: 3, min: 2, max: 4, stddev: 1 });
    expect(a?.scores.map((entry) => [entry.evaluatorId, entry.score, entry.comment])).toEqual([
      ['x', 4, 'x-a'],
      ['y', 2, 'y-a'],
    ]);
    // (3×3 + 1×3) / 4
    expect(aggregate.overall).toBeCloseTo(3);
    expect(aggregate.evaluators.map((entry) => [entry.evaluatorId, entry.weightedMean])).toEqual([
      ['x', 3.5],
      ['y', 2.5],
    ]);
    expect(aggregate.count).toBe(2);
  });

  test('a recused evaluator counts for nothing', () => {
    const aggregate = aggregateScorecards(criteria, [card('x', { a: 4, b: 4 }), card('z', { a: 1, b: 1 }, { conflictDeclared: true })]);
    expect(aggregate.count).toBe(1);
    expect(aggregate.criteria[0]).toMatchObject({ mean: 4, min: 4, max: 4, stddev: 0 });
    expect(aggregate.overall).toBe(4);
  });
});

describe('visibleAggregate (hidden scores)', () => {
  test('null until every evaluator who is not recused has submitted', () => {
    const waiting = [card('x', { a: 4, b: 4 }), card('y', {}, { submittedAt: null })];
    expect(allSubmitted(waiting)).toBe(false);
    expect(visibleAggregate(criteria, waiting)).toBeNull();
    // The one who has not submitted is recused (and replaced by w, who submitted): visible.
    const recused = [card('x', { a: 4, b: 4 }), card('y', {}, { submittedAt: null, conflictDeclared: true }), card('w', { a: 2, b: 2 })];
    expect(visibleAggregate(criteria, recused)?.count).toBe(2);
    expect(visibleAggregate(criteria, [])).toBeNull();
    expect(visibleAggregate(criteria, [card('y', {}, { submittedAt: null, conflictDeclared: true })])).toBeNull();
  });
});

describe('the committee circuits', () => {
  test('are valid, evaluations named by the context, then the sponsor; each step decided by its form', () => {
    expect(() => validateDefinition(sourcingCommitteeWorkflow)).not.toThrow();
    expect(() => validateDefinition(sourcingCommitteeLegalWorkflow)).not.toThrow();
    const evaluation = stepDefinitionIn(sourcingCommitteeWorkflow.stages[0], 'evaluation#2');
    expect(evaluation?.kind === 'approval' && evaluation.assignee).toEqual({ contextUsers: 'evaluatorIds' });
    expect(evaluation?.kind === 'approval' && evaluation.form).toBe('sourcing-scorecard');
    const legal = stepDefinitionIn(sourcingCommitteeLegalWorkflow.stages[0], 'legal');
    expect(legal?.kind === 'approval' && legal.form).toBeUndefined();
    expect(stepDefinitionIn(sourcingCommitteeWorkflow.stages[1], 'sponsor')?.key).toBe('sponsor');
  });
});

describe('the decision log PDF text (standard Helvetica, WinAnsi)', () => {
  test('narrow no-break spaces become spaces; characters WinAnsi lacks become « ? »; French punctuation stays', () => {
    expect(winAnsiText('12\u202F000\u00A0€ — « l’équipe » œuvre…')).toBe('12 000\u00A0€ — « l’équipe » œuvre…');
    expect(winAnsiText('Score ≥ 4 ✓ 😀')).toBe('Score ? 4 ? ?');
  });
});
