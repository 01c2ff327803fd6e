/**
 * The plots of a sweep's HTML report (html/sweep.ts), as data (html/data.ts), on the server: each
 * figure of the table — the metrics of SWEEP_METRICS and the latency p50 and p99 — against a
 * swept parameter, one series per combination of the other parameters' values (named by them in
 * the legend), a point per value of the x parameter at the mean over the repetitions, with the
 * [min, max] over them as the point's spread. The latency percentiles come from the repetitions'
 * histograms added together (report/sweep.ts), so they have no spread.
 *
 * Which parameter is x: every swept parameter with two or more values gets a set of plots of
 * its own, in `--param` order (a parameter with one value is held fixed, as the legend names
 * it). When no parameter has two values, the first parameter gets the plots (one x position:
 * the spread over the repetitions is then what there is to see).
 *
 * The x axis of a parameter: numeric when every value is a decimal number and no two are the
 * same number ("4" and "4.0" are), the value's position its number, on a log10 axis when all are
 * above 0 and the largest is more than 10 times the smallest (1, 2, 4, 8, 16); otherwise
 * categorical (strategy names, `sequential`/`uniform`), the value's position its index in
 * `--param` order. Either way each value is a tick labelled as written.
 *
 * Leaves out: drawing (html/client.ts), the page (html/sweep.ts).
 */

import { combinations, SWEEP_METRICS, type SweepMetricUnit, type SweepParam, type SweepResult, type SweepRow } from '../sweep.js';
import { color } from './curves.js';
import type { PlotSeries, PlotSpec, SweepAxis } from './data.js';

/** One figure of a table row to plot: its mean, and its spread over the repetitions (null: none). */
export interface SweepFigure {
  readonly key: string;
  readonly label: string;
  readonly unit: SweepMetricUnit;
  readonly value: (row: SweepRow) => { mean: number; spread: [number, number] | null };
}

/** The plotted figures, in plot order: the table's metrics, then latency p50 and p99. */
export const SWEEP_FIGURES: readonly SweepFigure[] = [
  ...SWEEP_METRICS.map(
    (m): SweepFigure => ({
      key: m.key,
      label: m.label,
      unit: m.unit,
      value: (row) => {
        const v = row.metrics[m.key];
        if (!v) throw new Error(`sweep table row ${JSON.stringify(row.params)} has no metric "${m.key}"`);
        return { mean: v.mean, spread: [v.min, v.max] };
      },
    }),
  ),
  { key: 'p50', label: 'latency p50', unit: 'ns', value: (row) => ({ mean: row.latencyNs.p50, spread: null }) },
  { key: 'p99', label: 'latency p99', unit: 'ns', value: (row) => ({ mean: row.latencyNs.p99, spread: null }) },
];

/** The y axis label of a figure: its name, with the unit where the name does not carry one. */
export function yLabelOf(f: Pick<SweepFigure, 'label' | 'unit'>): string {
  switch (f.unit) {
    case 'count':
      return `${f.label} (count)`;
    case 'ns':
      return `${f.label} (time)`;
    case 'perSec':
    case 'bytesPerSec':
      return f.label;
  }
}

const DECIMAL = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i;

/** A parameter's x axis: numeric (log10 when spanning more than a decade) or categorical; ticks ascending. */
export function sweepAxis(p: SweepParam): SweepAxis {
  const numbers = p.values.map((v) => (DECIMAL.test(v.trim()) ? Number(v) : Number.NaN));
  const numeric = numbers.every((n) => Number.isFinite(n)) && new Set(numbers).size === numbers.length;
  if (!numeric) {
    return { label: p.key, scale: 'categorical', log: false, ticks: p.values.map((v, i) => ({ x: i, label: v })) };
  }
  const lo = Math.min(...numbers);
  const hi = Math.max(...numbers);
  const ticks = p.values.map((v, i) => ({ x: numbers[i]!, label: v })).sort((a, b) => a.x - b.x);
  return { label: p.key, scale: 'numeric', log: lo > 0 && hi > 10 * lo, ticks };
}

/** The parameters that get plots of their own (see the scope comment). */
export function xParams(params: readonly SweepParam[]): SweepParam[] {
  const varied = params.filter((p) => p.values.length >= 2);
  return varied.length > 0 ? varied : params.slice(0, 1);
}

/** A legend name: the other parameters' values, `key=value` joined by " · ". */
export function comboName(combo: Readonly<Record<string, string>>): string {
  return Object.entries(combo).map(([k, v]) => `${k}=${v}`).join(' · ');
}

/** The plots of one x parameter (index `xIndex` in `s.params`), one per figure. */
export function sweepPlotsAgainst(s: SweepResult, xIndex: number): PlotSpec[] {
  const xp = s.params[xIndex];
  if (!xp) throw new Error(`sweep has no parameter #${xIndex} (it has ${s.params.length})`);
  const axis = sweepAxis(xp);
  const others = s.params.filter((_, i) => i !== xIndex);
  const rowKey = (params: Readonly<Record<string, string>>): string => JSON.stringify(s.params.map((p) => params[p.key] ?? null));
  const rows = new Map<string, SweepRow>(s.table.map((r) => [rowKey(r.params), r]));
  const combos = combinations(others);
  return SWEEP_FIGURES.map((f): PlotSpec => {
    const series = combos.map((combo, i): PlotSeries => {
      const points: [number, number | null][] = [];
      const spread: ([number, number] | null)[] = [];
      for (const t of axis.ticks) {
        const row = rows.get(rowKey({ ...combo, [xp.key]: t.label }));
        const v = row ? f.value(row) : null;
        points.push([t.x, v ? v.mean : null]);
        spread.push(v ? v.spread : null);
      }
      const name = others.length > 0 ? comboName(combo) : f.label;
      return { name, color: color(i), width: 2, dash: false, points, spread };
    });
    return {
      id: `sweep-x${xIndex}-${f.key}`,
      kind: 'sweep',
      title: `${f.label} against ${xp.key}`,
      yUnit: f.unit,
      yLabel: yLabelOf(f),
      x: axis,
      device: null,
      series,
    };
  });
}

/** Every set of plots: per x parameter (xParams), its index in `s.params` and its plots. */
export function sweepPlotGroups(s: SweepResult): { param: SweepParam; plots: PlotSpec[] }[] {
  return xParams(s.params).map((p) => ({ param: p, plots: sweepPlotsAgainst(s, s.params.indexOf(p)) }));
}
