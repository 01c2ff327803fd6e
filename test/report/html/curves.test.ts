// Percentile curves from histograms: x = 1/(1−p) strictly increasing, latency non-decreasing,
// 20 points per decade, ending at (count, max).
import { describe, expect, it } from 'vitest';
import { percentilePoints } from '../../../src/report/html/curves.js';
import { latencyHistogram } from '../fixtures.js';

describe('percentilePoints', () => {
  it('samples 1/(1-p) increasing, latency non-decreasing, ending at (count, max)', () => {
    const h = latencyHistogram(1, 5000, 2000);
    const pts = percentilePoints(h);
    expect(pts[0]![0]).toBe(1);
    expect(pts.at(-1)).toEqual([5000, h.maxValue]);
    for (let i = 1; i < pts.length; i++) {
      expect(pts[i]![0]).toBeGreaterThan(pts[i - 1]![0]);
      expect(pts[i]![1]).toBeGreaterThanOrEqual(pts[i - 1]![1]);
    }
    // 20 points per decade up to (but excluding) 5000, plus the max point.
    expect(pts.length).toBe(Math.ceil(20 * Math.log10(5000)) + 1);
  });

  it('is empty for an empty histogram and a single point for one value', () => {
    expect(percentilePoints(latencyHistogram(1, 0, 100))).toEqual([]);
    const one = latencyHistogram(1, 1, 100);
    expect(percentilePoints(one)).toEqual([[1, one.maxValue]]);
  });
});
