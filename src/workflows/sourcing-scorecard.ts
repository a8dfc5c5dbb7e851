// Scorecards of the sourcing committee (docs/sourcing.md, « Grilles d'évaluation »): the default
// criteria grid a challenge starts from, and the pure arithmetic of one scorecard and of a gate's
// aggregate (weighted mean, spread, per-evaluator scores, visible only once all have submitted).
// Unit-tested on its own (tests/unit/sourcing-scorecard.test.ts).
import type { ScorecardCriterion } from '../models/schema';

/** The default grid: the institution's evaluation axes (innovation, performance, image), weights 0–5. */
export const DEFAULT_CRITERIA: readonly ScorecardCriterion[] = [
  { key: 'adequation', label: 'Adéquation au besoin', weight: 3 },
  { key: 'maturite', label: 'Maturité de la solution', weight: 2 },
  { key: 'impact_pedagogique', label: 'Impact pédagogique', weight: 3 },
  { key: 'accessibilite', label: 'Accessibilité (RGAA)', weight: 2 },
  { key: 'rgpd_hebergement', label: 'Conformité RGPD et hébergement des données', weight: 2 },
  { key: 'cout', label: 'Coût', weight: 1 },
  { key: 'equipe', label: 'Solidité de l’équipe', weight: 1 },
  { key: 'image', label: 'Image', weight: 1 },
];

export const MIN_SCORE = 1;
export const MAX_SCORE = 5;
export const MAX_WEIGHT = 5;
/** A committee has at least this many evaluators. */
export const MIN_EVALUATORS = 2;

/** The criteria a gate scores: those of the grid whose weight is above 0 (the default grid when none is left). */
export function gateCriteria(grid: readonly ScorecardCriterion[] | null | undefined): ScorecardCriterion[] {
  const kept = (grid ?? []).filter((criterion) => Number.isFinite(criterion.weight) && criterion.weight > 0);
  return kept.length > 0 ? kept.map((criterion) => ({ ...criterion })) : DEFAULT_CRITERIA.map((criterion) => ({ ...criterion }));
}

/** Weighted mean of one scorecard's scores (weight 0 left out); null when nothing is scored. */
export function weightedMean(scores: ReadonlyArray<{ weight: number; score: number }>): number | null {
  let total = 0;
  let weights = 0;
  for (const { weight, score } of scores) {
    if (!(weight > 0) || !Number.isFinite(score)) continue;
    total += weight * score;
    weights += weight;
  }
  return weights > 0 ? total / weights : null;
}

/** A mean as the integer × 100 the tables store (3.456 → 346). */
export const toX100 = (mean: number | null): number | null => (mean === null ? null : Math.round(mean * 100));

/** What the aggregation reads of a scorecard row. */
export interface ScorecardInput {
  evaluatorId: string | null;
  evaluatorName?: string;
  scores: ReadonlyArray<{ key: string; score: number; comment: string; weight?: number }>;
  overallComment?: string | null;
  conflictDeclared: boolean;
  submittedAt: Date | null;
}

export interface CriterionAggregate {
  key: string;
  label: string;
  weight: number;
  /** Mean of the evaluators' scores on this criterion. */
  mean: number | null;
  min: number | null;
  max: number | null;
  /** Population standard deviation (the committee is the whole population). */
  stddev: number | null;
  /** Each evaluator's score and comment, in the evaluators' order. */
  scores: Array<{ evaluatorId: string | null; evaluatorName?: string; score: number | null; comment: string }>;
}

export interface GateAggregate {
  criteria: CriterionAggregate[];
  /** Mean over criteria weighted by their weights (= the mean of the evaluators' weighted means). */
  overall: number | null;
  evaluators: Array<{ evaluatorId: string | null; evaluatorName?: string; weightedMean: number | null; overallComment: string }>;
  count: number;
}

/** The scorecards that count: submitted and not recused. */
const counted = (scorecards: readonly ScorecardInput[]) => scorecards.filter((card) => !card.conflictDeclared && card.submittedAt !== null);

/** Per criterion mean, spread (min–max, standard deviation) and each evaluator's score; the overall weighted mean. */
export function aggregateScorecards(criteria: readonly ScorecardCriterion[], scorecards: readonly ScorecardInput[]): GateAggregate {
  const cards = counted(scorecards);
  const rows: CriterionAggregate[] = criteria
    .filter((criterion) => criterion.weight > 0)
    .map((criterion) => {
      const scores = cards.map((card) => {
        const found = card.scores.find((score) => score.key === criterion.key);
        return { evaluatorId: card.evaluatorId, evaluatorName: card.evaluatorName, score: found ? found.score : null, comment: found?.comment ?? '' };
      });
      const values = scores.map((entry) => entry.score).filter((value): value is number => value !== null);
      if (values.length === 0) return { ...criterion, mean: null, min: null, max: null, stddev: null, scores };
      const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
      const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
      return { key: criterion.key, label: criterion.label, weight: criterion.weight, mean, min: Math.min(...values), max: Math.max(...values), stddev: Math.sqrt(variance), scores };
    });
  const overall = weightedMean(rows.filter((row) => row.mean !== null).map((row) => ({ weight: row.weight, score: row.mean as number })));
  const evaluators = cards.map((card) => ({
    evaluatorId: card.evaluatorId,
    evaluatorName: card.evaluatorName,
    weightedMean: weightedMean(
      criteria.filter((criterion) => criterion.weight > 0).flatMap((criterion) => {
        const found = card.scores.find((score) => score.key === criterion.key);
        return found ? [{ weight: criterion.weight, score: found.score }] : [];
      }),
    ),
    overallComment: card.overallComment ?? '',
  }));
  return { criteria: rows, overall, evaluators, count: cards.length };
}

/** Whether every evaluator who is not recused has submitted (and there is at least one). */
export function allSubmitted(scorecards: readonly ScorecardInput[]): boolean {
  const active = scorecards.filter((card) => !card.conflictDeclared);
  return active.length > 0 && active.every((card) => card.submittedAt !== null);
}

/** The aggregate, or null while an evaluator who is not recused has not submitted (scores stay hidden). */
export function visibleAggregate(criteria: readonly ScorecardCriterion[], scorecards: readonly ScorecardInput[]): GateAggregate | null {
  return allSubmitted(scorecards) ? aggregateScorecards(criteria, scorecards) : null;
}
