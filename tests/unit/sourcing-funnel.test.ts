import {
  CHART_WIDTH,
  conversionSteps,
  horizontalBars,
  median,
  percent,
  pipelineIndex,
  ratio,
  secondsToDays,
  shares,
  type StageCounts,
} from '../../src/workflows/sourcing-funnel';
import type { CaseStage } from '../../src/models/schema';

describe('funnel arithmetic', () => {
  it('divides safely: nothing to divide by is null, never NaN nor Infinity', () => {
    expect(ratio(1, 4)).toBe(0.25);
    expect(ratio(0, 0)).toBeNull();
    expect(ratio(3, 0)).toBeNull();
    expect(ratio(3, -1)).toBeNull();
    expect(ratio(Number.NaN, 2)).toBeNull();
    expect(percent(1, 3)).toBe(33.3);
    expect(percent(2, 3)).toBe(66.7);
    expect(percent(0, 5)).toBe(0);
    expect(percent(0, 0)).toBeNull();
  });

  it('takes the median like percentile_cont(0.5)', () => {
    expect(median([])).toBeNull();
    expect(median([7])).toBe(7);
    expect(median([9, 1, 5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN, 2, 4])).toBe(3);
  });

  it('gives whole shares that add up to 100, or none of nothing', () => {
    expect(shares([1, 1, 1])).toEqual([34, 33, 33]);
    expect(shares([2, 1])).toEqual([67, 33]);
    expect(shares([0, 5, 0])).toEqual([0, 100, 0]);
    expect(shares([0, 0])).toEqual([null, null]);
    expect(shares([])).toEqual([]);
    const many = shares([3, 7, 11, 13, 17]);
    expect(many.reduce((sum, value) => (sum ?? 0) + (value ?? 0), 0)).toBe(100);
  });

  it('converts between consecutive pipeline stages, zero where nothing entered', () => {
    const counts = new Map<CaseStage, StageCounts>([
      ['reperee', { entered: 10, advanced: 6 }],
      ['qualifiee', { entered: 6, advanced: 3 }],
      ['rencontree', { entered: 4, advanced: 1 }],
      ['evaluee', { entered: 1, advanced: 1 }],
    ]);
    const steps = conversionSteps(counts);
    expect(steps.map((step) => `${step.from}>${step.to}`)).toEqual([
      'reperee>qualifiee',
      'qualifiee>rencontree',
      'rencontree>evaluee',
      'evaluee>experimentation',
      'experimentation>contractualisation',
      'contractualisation>deployee',
    ]);
    expect(steps.map((step) => step.rate)).toEqual([60, 50, 25, 100, null, null]);
    expect(steps[4]).toEqual({ from: 'experimentation', to: 'contractualisation', entered: 0, advanced: 0, rate: null });
  });

  it('knows the pipeline order and leaves the side exits out of it', () => {
    expect(pipelineIndex('reperee')).toBe(0);
    expect(pipelineIndex('deployee')).toBe(6);
    expect(pipelineIndex('en_veille')).toBe(-1);
    expect(pipelineIndex('abandonnee')).toBe(-1);
  });

  it('turns seconds into days with one decimal', () => {
    expect(secondsToDays(86_400 * 3.5)).toBe(3.5);
    expect(secondsToDays(3_600)).toBe(0);
    expect(secondsToDays(null)).toBeNull();
  });

  it('draws bars proportional to the largest value, a hairline for zero, nothing broken when all are zero', () => {
    const chart = horizontalBars([
      { label: 'A', value: 10 },
      { label: 'B', value: 5, valueLabel: '5 pistes' },
      { label: 'C', value: 0 },
    ]);
    expect(chart.width).toBe(CHART_WIDTH);
    expect(chart.empty).toBe(false);
    const [a, b, c] = chart.bars;
    expect(a?.width).toBeGreaterThan(0);
    expect(b?.width).toBeCloseTo((a?.width ?? 0) / 2, 1);
    expect(c?.width).toBe(1);
    expect(b?.valueLabel).toBe('5 pistes');
    expect(a?.valueLabel).toBe('10');
    expect((a?.width ?? 0) + 6).toBeLessThan(CHART_WIDTH);
    expect(b?.barY).toBeGreaterThan(a?.barY ?? 0);
    expect(chart.height).toBeGreaterThanOrEqual((c?.barY ?? 0) + chart.barHeight);
    const none = horizontalBars([
      { label: 'A', value: 0 },
      { label: 'B', value: 0 },
    ]);
    expect(none.empty).toBe(true);
    expect(none.bars.every((bar) => bar.width === 1 && Number.isFinite(bar.valueX))).toBe(true);
    expect(horizontalBars([]).bars).toEqual([]);
  });
});
