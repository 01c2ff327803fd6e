/**
 * A parameter sweep's result (`dmaload sweep`, cli/sweep/handler.ts): every point's run result
 * (in its own file, named here), and a table of chosen metrics against the swept parameters,
 * one row per combination with the spread over its repetitions. Latency percentiles of a row
 * come from its repetitions' histograms added together (never averaged); counts and rates are
 * given as mean, min and max over the repetitions. `sweepResultSchema` validates a sweep.json read
 * back (`dmaload report DIR/sweep.json`).
 *
 * Where a point ran (locally, or which queue worker: cli/sweep) is the sweep.json writer's to
 * add; the table does not depend on it.
 *
 * Leaves out: the HTML report (html/sweep.ts).
 */

import Table from 'cli-table3';
import { z } from 'zod';
import { formatCount, formatNs, formatRate } from '../common/units.js';
import { decodeHistogram, newMergeHistogram, summarise } from '../metrics/histogram.js';
import type { LatencySummaryNs } from '../metrics/histogram.js';
import type { StoredRunResult } from '../run/result.js';
import { latencySummaryNsSchema, resultFields as f } from '../run/result-schema.js';

export const SWEEP_FORMAT_VERSION = 1;

/** One swept parameter: a profile key (as `--set` names it) and its values, as written. */
export interface SweepParam {
  readonly key: string;
  readonly values: readonly string[];
}

/** One run of the sweep: a combination of values, a repetition, its seed and its result file. */
export interface SweepPoint {
  readonly id: string;
  readonly params: Readonly<Record<string, string>>;
  readonly repeat: number;
  readonly seed: number;
  /** The run's JSON result, relative to the sweep's directory. */
  readonly file: string;
}

/** What became of a point: its result read back, failed (with the error), or not run (the sweep stopped first). */
export type SweepPointStatus = 'done' | 'failed' | 'not run';

/** A point as sweep.json lists it, with what became of it. */
export interface SweepPointOutcome extends SweepPoint {
  readonly status: SweepPointStatus;
  /** A failed point's error (the first line the run printed). */
  readonly error?: string;
}

/** A figure over a combination's repetitions. */
export interface Spread {
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

export interface SweepRow {
  readonly params: Readonly<Record<string, string>>;
  readonly repetitions: number;
  readonly metrics: Readonly<Record<string, Spread>>;
  /** Every repetition's descriptors, latencies merged exactly (histograms added). */
  readonly latencyNs: LatencySummaryNs;
}

export interface SweepResult {
  readonly formatVersion: number;
  readonly profile: string;
  readonly params: readonly SweepParam[];
  readonly repeat: number;
  readonly points: readonly SweepPointOutcome[];
  readonly table: readonly SweepRow[];
}

/** The unit of a table metric's values (the HTML report's axes and formats follow it). */
export type SweepMetricUnit = 'count' | 'perSec' | 'bytesPerSec' | 'ns';

/** Every combination of the parameters' values, the sweep's grid, in order (the last parameter varies fastest). */
export function combinations(params: readonly SweepParam[]): Record<string, string>[] {
  let out: Record<string, string>[] = [{}];
  for (const p of params) out = out.flatMap((c) => p.values.map((v) => ({ ...c, [p.key]: v })));
  return out;
}

/** The metrics of the table: per run, one number. */
export const SWEEP_METRICS: readonly { key: string; label: string; unit: SweepMetricUnit; get: (r: StoredRunResult) => number; format: (v: number) => string }[] = [
  { key: 'ops', label: 'descriptors', unit: 'count', get: (r) => r.totals.ops, format: formatCount },
  { key: 'opsPerSec', label: 'descriptors/s', unit: 'perSec', get: (r) => r.totals.opsPerSec, format: (v) => `${formatRate(v)}/s` },
  { key: 'bytesPerSec', label: 'bytes/s', unit: 'bytesPerSec', get: (r) => r.totals.bytesPerSec, format: (v) => `${formatRate(v)}B/s` },
  { key: 'invalidationSubmissions', label: 'inval. submissions', unit: 'count', get: (r) => r.invalidation?.submissions ?? 0, format: formatCount },
  { key: 'invalidationTotalNs', label: 'inval. time', unit: 'ns', get: (r) => r.invalidation?.totalNs ?? 0, format: formatNs },
  { key: 'invalidationMeanNs', label: 'inval. per event', unit: 'ns', get: (r) => r.invalidation?.latencyNs.mean ?? 0, format: formatNs },
  { key: 'violations', label: 'checker violations', unit: 'count', get: (r) => r.checker.violations, format: formatCount },
];

const NUMBER = 'expected a number';
const spreadSchema = f.obj({ mean: z.number({ error: NUMBER }), min: z.number({ error: NUMBER }), max: z.number({ error: NUMBER }) });

/** sweep.json as `dmaload sweep` writes it; every metric of SWEEP_METRICS is required in every row. */
export const sweepResultSchema = f.obj({
  formatVersion: z.literal(SWEEP_FORMAT_VERSION, { error: `expected ${SWEEP_FORMAT_VERSION} (the only sweep format so far)` }),
  profile: f.text(),
  params: f.list(f.obj({ key: f.text(), values: f.list(f.text()) })),
  repeat: f.count(),
  points: f.list(
    f.obj({
      id: f.text(),
      params: f.record(f.text()),
      repeat: f.count(),
      seed: f.count(),
      file: f.text(),
      status: f.oneOf(['done', 'failed', 'not run']),
      error: f.text().optional(),
    }),
  ),
  table: f.list(
    f.obj({
      params: f.record(f.text()),
      repetitions: f.count(),
      metrics: f.obj(Object.fromEntries(SWEEP_METRICS.map((m) => [m.key, spreadSchema]))),
      latencyNs: latencySummaryNsSchema,
    }),
  ),
});

/** The table: one row per combination (in the points' order), its repetitions merged. */
export function sweepTable(points: readonly SweepPoint[], results: ReadonlyMap<string, StoredRunResult>): SweepRow[] {
  const rows = new Map<string, { params: Record<string, string>; runs: StoredRunResult[] }>();
  for (const p of points) {
    const r = results.get(p.id);
    if (!r) continue;
    const key = JSON.stringify(p.params);
    const row = rows.get(key) ?? { params: { ...p.params }, runs: [] };
    row.runs.push(r);
    rows.set(key, row);
  }
  return [...rows.values()].map(({ params, runs }) => {
    const metrics: Record<string, Spread> = {};
    for (const m of SWEEP_METRICS) {
      const v = runs.map(m.get);
      metrics[m.key] = { mean: v.reduce((a, b) => a + b, 0) / v.length, min: Math.min(...v), max: Math.max(...v) };
    }
    const merged = newMergeHistogram();
    for (const r of runs) if (r.histograms?.total) merged.add(decodeHistogram(r.histograms.total));
    return { params, repetitions: runs.length, metrics, latencyNs: summarise(merged) };
  });
}

/** The table for the terminal: parameters, then each metric's mean (and its range over repetitions). */
export function formatSweep(s: SweepResult): string {
  const head = [...s.params.map((p) => p.key), 'reps', ...SWEEP_METRICS.map((m) => m.label), 'p50', 'p99'];
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const row of s.table) {
    t.push([
      ...s.params.map((p) => row.params[p.key] ?? ''),
      String(row.repetitions),
      ...SWEEP_METRICS.map((m) => {
        const v = row.metrics[m.key]!;
        return v.min === v.max ? m.format(v.mean) : `${m.format(v.mean)} (${m.format(v.min)}–${m.format(v.max)})`;
      }),
      formatNs(row.latencyNs.p50),
      formatNs(row.latencyNs.p99),
    ]);
  }
  return `dmaload sweep "${s.profile}": ${s.points.length} point(s), ${s.table.length} combination(s) × ${s.repeat} repetition(s)\n${t.toString()}`;
}
