/**
 * Plot series from results, on the server: percentile curves decoded from a result's
 * HdrHistograms, and the series palette.
 *
 * Percentile curves: x = 1/(1−p) (plotted on a log10 axis: each decade one more nine), sampled
 * at p = 1 − 10^(−k/20) (20 points per decade) while 1/(1−p) < count, then a last point at
 * x = count (the worst 1 in count) carrying the histogram's max; y = latency in ns.
 */

import { decodeHistogram, type Histogram } from '../../metrics/histogram.js';

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#393b79'];

/** The i-th series colour (cycling). */
export const color = (i: number): string => PALETTE[i % PALETTE.length]!;

/** Percentile sampling resolution: points per decade of 1/(1−p). */
const STEPS_PER_DECADE = 20;
/** Never go past 1/(1−p) = 1e9 (p = 99.9999999%). */
const MAX_STEPS = 9 * STEPS_PER_DECADE;

/**
 * The percentile curve of a histogram: [1/(1−p), latency ns] pairs, x strictly increasing, y
 * non-decreasing; empty for an empty histogram.
 */
export function percentilePoints(h: Histogram): [number, number][] {
  const n = h.totalCount;
  if (n <= 0) return [];
  const out: [number, number][] = [];
  let last = 0;
  for (let k = 0; k <= MAX_STEPS; k++) {
    const x = 10 ** (k / STEPS_PER_DECADE);
    if (x >= n) break;
    const p = k === 0 ? 0 : 100 * (1 - 1 / x);
    last = Math.max(last, h.getValueAtPercentile(p));
    out.push([x, last]);
  }
  out.push([n, Math.max(last, h.maxValue)]);
  return out;
}

/** Decode one result histogram ('' or missing = none) into its percentile curve; null when empty. */
export function curve(encoded: string | undefined): { count: number; points: [number, number][] } | null {
  if (!encoded) return null;
  const h = decodeHistogram(encoded);
  if (h.totalCount === 0) return null;
  return { count: h.totalCount, points: percentilePoints(h) };
}
