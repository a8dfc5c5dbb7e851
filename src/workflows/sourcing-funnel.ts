// The funnel's arithmetic (/sourcing/statistiques, docs/sourcing-funnel.md): pure functions over
// the counts the model reads — conversion between consecutive pipeline stages, medians, shares
// that add up to 100 %, and the bars' geometry of the server-rendered SVG charts. No zero
// denominator ever becomes NaN or Infinity: a rate or a share of nothing is `null` (shown « — »).
import { CASE_PIPELINE_STAGES, type CaseStage } from '../models/schema';

/** Position of a stage in the pipeline (repérée 0 … déployée 6); -1 for « en veille » and « abandonnée ». */
export function pipelineIndex(stage: CaseStage): number {
  return (CASE_PIPELINE_STAGES as readonly CaseStage[]).indexOf(stage);
}

/** `part / whole`, or null when there is nothing to divide by (whole ≤ 0 or not finite). */
export function ratio(part: number, whole: number): number | null {
  if (!Number.isFinite(part) || !Number.isFinite(whole) || whole <= 0) return null;
  return part / whole;
}

/** A ratio as a whole percentage (0–100, rounded half up), or null. */
export function percent(part: number, whole: number): number | null {
  const value = ratio(part, whole);
  return value === null ? null : Math.round(value * 1000) / 10;
}

/** Median of the values (mean of the two middle ones for an even count); null for none. Same as percentile_cont(0.5). */
export function median(values: readonly number[]): number | null {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Whole-percent shares of each count that add up to exactly 100 (largest remainders; ties to the
 * first), or all null when the total is 0: « 1 sur 3 » is 33, 33, 34 — never 99 % in all.
 */
export function shares(counts: readonly number[]): Array<number | null> {
  const total = counts.reduce((sum, count) => sum + Math.max(0, count), 0);
  if (total <= 0) return counts.map(() => null);
  const exact = counts.map((count) => (Math.max(0, count) * 100) / total);
  const floors = exact.map(Math.floor);
  let missing = 100 - floors.reduce((sum, value) => sum + value, 0);
  const order = exact.map((value, index) => ({ index, remainder: value - Math.floor(value) })).sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of order) {
    if (missing <= 0) break;
    floors[index] = (floors[index] as number) + 1;
    missing -= 1;
  }
  return floors;
}

/** Counts of one stage in the period, as the model reads them. */
export interface StageCounts {
  /** Distinct cases that entered the stage in the period. */
  entered: number;
  /** Of those, the cases that later entered a further pipeline stage (at any time up to now). */
  advanced: number;
}

export interface ConversionStep {
  from: CaseStage;
  to: CaseStage;
  entered: number;
  advanced: number;
  /** advanced / entered in percent (one decimal), null when no case entered `from`. */
  rate: number | null;
}

/**
 * Conversion between consecutive pipeline stages: for each stage S but the last, of the cases
 * that entered S in the period, the share that later entered S+1 or a stage beyond it (a gate
 * may send « évaluée » straight to « contractualisation »: that case did get past S). Stages
 * missing from `counts` count as zero.
 */
export function conversionSteps(counts: ReadonlyMap<CaseStage, StageCounts>): ConversionStep[] {
  const steps: ConversionStep[] = [];
  for (let index = 0; index < CASE_PIPELINE_STAGES.length - 1; index += 1) {
    const from = CASE_PIPELINE_STAGES[index] as CaseStage;
    const to = CASE_PIPELINE_STAGES[index + 1] as CaseStage;
    const { entered, advanced } = counts.get(from) ?? { entered: 0, advanced: 0 };
    steps.push({ from, to, entered, advanced, rate: percent(advanced, entered) });
  }
  return steps;
}

/** Seconds → days with one decimal (null stays null). */
export function secondsToDays(seconds: number | null): number | null {
  if (seconds === null || !Number.isFinite(seconds)) return null;
  return Math.round((seconds / 86_400) * 10) / 10;
}

// ── Bars of the SVG charts ──────────────────────────────────────────────────────────────────

/** The charts' coordinate system: a viewBox this wide, scaled to the column's width (width 100 %): 13-unit text stays ≥ 13 px on a 390 px phone. */
export const CHART_WIDTH = 340;
const LABEL_HEIGHT = 16;
const BAR_HEIGHT = 18;
const ROW_GAP = 10;
/** Room kept right of the longest bar for its value. */
const VALUE_ROOM = 64;

export interface BarInput {
  label: string;
  value: number;
  /** The text printed after the bar (« 12 », « 45 % », « 3,5 j »); default the value. */
  valueLabel?: string;
  /** A secondary bar (grey): side exits, rows without decision. */
  muted?: boolean;
}

export interface Bar extends BarInput {
  valueLabel: string;
  labelY: number;
  barY: number;
  width: number;
  valueX: number;
  valueY: number;
}

export interface BarChart {
  width: number;
  height: number;
  barHeight: number;
  bars: Bar[];
  empty: boolean;
}

/**
 * Horizontal bars, one per row, the label above its bar (readable at 390 px: nothing to share a
 * line with), lengths proportional to the largest value; a zero keeps a hairline so the row is seen.
 */
export function horizontalBars(rows: readonly BarInput[], width = CHART_WIDTH): BarChart {
  const max = Math.max(0, ...rows.map((row) => (Number.isFinite(row.value) ? row.value : 0)));
  const usable = width - VALUE_ROOM;
  const rowHeight = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP;
  const bars = rows.map((row, index) => {
    const top = index * rowHeight;
    const value = Number.isFinite(row.value) ? Math.max(0, row.value) : 0;
    const length = max > 0 ? Math.round((value / max) * usable * 10) / 10 : 0;
    const barWidth = Math.max(length, 1);
    return {
      ...row,
      valueLabel: row.valueLabel ?? String(row.value),
      labelY: top + LABEL_HEIGHT - 4,
      barY: top + LABEL_HEIGHT,
      width: barWidth,
      valueX: barWidth + 6,
      valueY: top + LABEL_HEIGHT + BAR_HEIGHT - 5,
    };
  });
  return { width, height: Math.max(rowHeight, rows.length * rowHeight), barHeight: BAR_HEIGHT, bars, empty: max === 0 };
}
