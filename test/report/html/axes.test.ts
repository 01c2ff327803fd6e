// The plots' axis helpers (pure functions the browser script calls): percentile ticks and
// legend values, decade and 1-2-5 splits, 1-2-5 ranges, series aligned on one x column, and
// the log latency axis chosen by default only when the tail dwarfs the median; a sweep plot's
// x range (room at both ends), tick labels as written, and y range covering the error bars.
import { describe, expect, it } from 'vitest';
import { alignSeries, axisSize, logSplits, logSplitsY, nice125, pctTick, pctValue, sweepTickLabel, sweepXRange, sweepYRange, wantLogY } from '../../../src/report/html/axes.js';
import type { PlotSpec } from '../../../src/report/html/data.js';

describe('percentile axis', () => {
  it('ticks read as percentiles with as many decimals as nines', () => {
    expect([1, 10, 100, 1000, 1e4, 1e5].map(pctTick)).toEqual(['0%', '90%', '99%', '99.9%', '99.99%', '99.999%']);
  });

  it('legend values have one more decimal; nothing reads as a dash', () => {
    expect([1, 2, 20, 1000].map(pctValue)).toEqual(['0%', '50.0%', '95.0%', '99.90%']);
    expect(pctValue(null)).toBe('–');
  });

  it('splits at each decade of 1/(1−p) within the range', () => {
    expect(logSplits(null, 0, 1, 5000)).toEqual([1, 10, 100, 1000]);
    expect(logSplits(null, 0, 5, 1e5)).toEqual([10, 100, 1000, 1e4, 1e5]);
  });
});

describe('latency axis', () => {
  it('log splits step 1-2-5, or decades only when that would be crowded', () => {
    expect(logSplitsY(null, 1, 900, 12_000)).toEqual([1000, 2000, 5000, 10_000]);
    expect(logSplitsY(null, 1, 1, 1e7)).toEqual([1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7]);
  });

  it('log ranges round out to 1-2-5 steps', () => {
    expect([nice125(1300, false), nice125(1300, true), nice125(0, false), nice125(0, true)]).toEqual([1000, 2000, 0.5, 1]);
  });

  it('is as wide as its longest label needs', () => {
    expect(axisSize(null, ['0', '1 s'])).toBe(48);
    expect(axisSize(null, ['100 ms', '1234567890'])).toBe(96);
  });
});

describe('series', () => {
  it('align on the union of their x values, null where a series has no point', () => {
    const spec = (points: [number, number | null][]) => ({ name: 'a', color: '#000', width: 1, dash: false, points });
    expect(alignSeries([spec([[1, 10], [3, 30]]), spec([[2, 20], [3, 31]])])).toEqual([
      [1, 2, 3],
      [10, null, 30],
      [null, 20, 31],
    ]);
  });

  it('get a log latency axis by default only when the tail is over 30× the median', () => {
    const plot = (p50: number, max: number): PlotSpec => ({
      id: 'p', kind: 'percentile', title: '', yUnit: 'ns', device: null,
      series: [{ name: 'a', color: '#000', width: 1, dash: false, points: [[1, p50 / 2], [2, p50], [1000, max]] }],
    });
    expect(wantLogY(plot(1000, 31_000))).toBe(true);
    expect(wantLogY(plot(1000, 29_000))).toBe(false);
    expect(wantLogY({ ...plot(1000, 1e6), kind: 'time' })).toBe(false);
  });
});

describe('sweep axes', () => {
  const categorical = { label: 's', scale: 'categorical' as const, log: false, ticks: [{ x: 0, label: 'a' }, { x: 1, label: 'b' }, { x: 2, label: 'c' }] };
  const linear = { label: 'n', scale: 'numeric' as const, log: false, ticks: [{ x: 4, label: '4' }, { x: 24, label: '24' }] };
  const log = { label: 'n', scale: 'numeric' as const, log: true, ticks: [{ x: 1, label: '1' }, { x: 16, label: '16' }] };

  it('leave room at both ends: half a category, 5% of a linear span, a factor 1.25 on a log axis', () => {
    expect(sweepXRange(categorical)).toEqual([-0.5, 2.5]);
    expect(sweepXRange(linear)).toEqual([3, 25]);
    expect(sweepXRange(log)).toEqual([0.8, 20]);
    expect(sweepXRange({ ...linear, ticks: [{ x: 7, label: '7' }] })).toEqual([6.5, 7.5]);
  });

  it('label a tick as its value was written, and nothing between ticks', () => {
    expect([0, 1, 2, 0.5].map((x) => sweepTickLabel(categorical, x))).toEqual(['a', 'b', 'c', '']);
    expect(sweepTickLabel(log, 16)).toBe('16');
    expect(sweepTickLabel(log, null)).toBe('–');
  });

  it('range y from 0 to 8% above the highest mean or error bar', () => {
    const spec = (points: [number, number | null][], spread?: ([number, number] | null)[]): PlotSpec => ({
      id: 's', kind: 'sweep', title: '', yUnit: 'count', device: null, series: [{ name: 'a', color: '#000', width: 1, dash: false, points, ...(spread ? { spread } : {}) }],
    });
    expect(sweepYRange(spec([[0, 50], [1, 100]]))).toEqual([0, 108]);
    expect(sweepYRange(spec([[0, 50], [1, 100]], [[40, 200], null]))).toEqual([0, 216]);
    expect(sweepYRange(spec([[0, -50], [1, null]]))).toEqual([-54, 0]);
    expect(sweepYRange(spec([[0, 0], [1, 0]]))).toEqual([0, 1]);
  });
});
