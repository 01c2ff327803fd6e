/**
 * The plots' axes and data, as pure functions the browser script (html/client.ts) uses and the
 * tests can call: percentile ticks and legend values for the 1/(1−p) axis, log-axis splits,
 * 1-2-5 ranges, the y-axis width, series aligned on one x column, the default latency axis, and
 * a sweep plot's ranges and tick labels.
 * No DOM and no uPlot here (uPlot passes its chart as the first argument of a callback; these
 * ignore it).
 */

import { NO_VALUE } from '../../common/units.js';
import type { PlotSeries, PlotSpec, SweepAxis } from './data.js';

/** A tick on the percentile axis: x = 1/(1−p) → "90%", "99.9%" (as many decimals as nines). */
export function pctTick(x: number): string {
  if (x <= 1) return '0%';
  const digits = Math.max(0, Math.round(Math.log10(x)) - 2);
  return `${(100 - 100 / x).toFixed(digits)}%`;
}

/** A legend value on the percentile axis, one more decimal than the decade needs. */
export function pctValue(x: number | null): string {
  if (x === null || x === undefined) return NO_VALUE;
  if (x <= 1) return '0%';
  const digits = Math.max(1, Math.ceil(Math.log10(x) - 1e-9) - 1);
  return `${(100 - 100 / x).toFixed(digits)}%`;
}

/** Ticks of the percentile axis: one per decade of 1/(1−p) within [min, max]. */
export function logSplits(_u: unknown, _axis: number, min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(Math.max(min, 1))); e < 12; e++) {
    const v = 10 ** e;
    if (v > max * 1.000001) break;
    if (v >= min / 1.000001) out.push(v);
  }
  return out;
}

/** Ticks of a log latency axis: 1-2-5 steps per decade (decades only when that would be crowded). */
export function logSplitsY(_u: unknown, _axis: number, min: number, max: number): number[] {
  const out: number[] = [];
  const decades: number[] = [];
  for (let e = Math.floor(Math.log10(Math.max(min, 1e-3))); e <= Math.ceil(Math.log10(Math.max(max, 1))); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= min / 1.000001 && v <= max * 1.000001) {
        out.push(v);
        if (m === 1) decades.push(v);
      }
    }
  }
  return out.length > 13 && decades.length >= 2 ? decades : out;
}

/** `v` rounded down (or up) to a 1-2-5 step: the range of a log latency axis. */
export function nice125(v: number, up: boolean): number {
  if (!(v > 0)) return up ? 1 : 0.5;
  const e = Math.floor(Math.log10(v));
  let best = up ? Number.POSITIVE_INFINITY : 0;
  for (const m of [1, 2, 5, 10]) {
    const c = m * 10 ** e;
    if (up ? c >= v * 0.999999 && c < best : c <= v * 1.000001 && c > best) best = c;
  }
  return best;
}

/** Width of the y axis: room for its longest label. */
export function axisSize(_u: unknown, values: readonly string[] | null): number {
  let w = 0;
  if (values) for (const v of values) if (v) w = Math.max(w, String(v).length);
  return Math.max(48, w * 7 + 26);
}

/**
 * Series aligned on the union of their x values: [xs, ys of each series], with null where a
 * series has no point (uPlot's spanGaps joins across them).
 */
export function alignSeries(series: readonly PlotSeries[]): [number[], ...(number | null)[][]] {
  const seen = new Set<number>();
  for (const s of series) for (const [x] of s.points) seen.add(x);
  const xs = [...seen].sort((a, b) => a - b);
  const at = new Map<number, number>();
  xs.forEach((x, i) => at.set(x, i));
  const ys = series.map((s) => {
    const col: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    for (const [x, y] of s.points) col[at.get(x)!] = y;
    return col;
  });
  return [xs, ...ys];
}

/** Log latency axis by default when the tail dwarfs the median (a linear axis would flatten the body). */
export function wantLogY(spec: PlotSpec): boolean {
  if (spec.yUnit !== 'ns' || spec.kind !== 'percentile') return false;
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (const s of spec.series) {
    for (const [x, y] of s.points) {
      if (y === null) continue;
      if (x >= 1.99 && x < 2.3 && y > 0) lo = Math.min(lo, y); // ~p50
      hi = Math.max(hi, y);
    }
  }
  return Number.isFinite(lo) && hi / lo > 30;
}

/**
 * The x range of a sweep plot: its ticks with room for a point's marker at either end — half a
 * step for a categorical or linear axis, a factor of 1.25 on a log one.
 */
export function sweepXRange(axis: SweepAxis): [number, number] {
  const xs = axis.ticks.map((t) => t.x);
  if (xs.length === 0) return [0, 1];
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  if (axis.log) return [lo / 1.25, hi * 1.25];
  if (hi === lo) return [lo - 0.5, hi + 0.5];
  const pad = axis.scale === 'categorical' ? 0.5 : (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

/** The label of the sweep tick at `x` (as the parameter's value was written); '' off the ticks. */
export function sweepTickLabel(axis: SweepAxis, x: number | null): string {
  if (x === null || x === undefined) return NO_VALUE;
  return axis.ticks.find((t) => Math.abs(t.x - x) <= 1e-9 * Math.max(1, Math.abs(x)))?.label ?? '';
}

/** The y range of a sweep plot: from 0 (or below, for negative values) to 8% above the highest mean or spread. */
export function sweepYRange(spec: PlotSpec): [number, number] {
  let lo = 0;
  let hi = 0;
  for (const s of spec.series) {
    s.points.forEach(([, y], k) => {
      const r = s.spread?.[k];
      for (const v of [y, r?.[0], r?.[1]]) {
        if (v === null || v === undefined) continue;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    });
  }
  if (hi === lo) return [lo, lo + 1];
  return [lo < 0 ? lo * 1.08 : 0, hi > 0 ? hi * 1.08 : 0];
}
