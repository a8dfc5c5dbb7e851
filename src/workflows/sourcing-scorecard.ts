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
