/**
 * `.hgrm` files, written in one place for `run --hgrm` and `dmaload export --format hgrm`: one
 * HdrHistogram percentile distribution per series (a device, or an hlog tag) and `all.hgrm` for
 * the total. Values are latencies in nanoseconds.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Histogram, percentileDistribution } from '../metrics/histogram.js';
import type { RunOutcome } from '../run/result.js';

/** One histogram to write: a device id (run result) or a tag (hlog). */
export interface HgrmSeries {
  readonly id: string;
  readonly histogram: Histogram;
}

/** The total's file. */
const ALL = 'all';
export const HGRM_TOTAL_FILE = `${ALL}.hgrm`;

/**
 * File names for the series: the id when it is a safe file name (device ids are), otherwise
 * with unsafe characters replaced by "_"; "all" is the total's, and clashes (ignoring case)
 * get "-2", "-3"….
 */
export function hgrmFileNames(ids: readonly string[]): string[] {
  const used = new Set<string>([ALL]);
  return ids.map((id) => {
    let stem = id.replace(/[^A-Za-z0-9_.-]/g, '_');
    if (stem === '' || stem.startsWith('.')) stem = `_${stem}`;
    let name = stem;
    for (let k = 2; used.has(name.toLowerCase()); k++) name = `${stem}-${k}`;
    used.add(name.toLowerCase());
    return `${name}.hgrm`;
  });
}

/** Write one `.hgrm` per series plus `all.hgrm` (the total) into `dir`, creating it. Returns the paths written. */
export function writeHgrmFiles(dir: string, series: readonly HgrmSeries[], total: Histogram): string[] {
  mkdirSync(dir, { recursive: true });
  const names = hgrmFileNames(series.map((s) => s.id));
  const written = series.map((s, i) => {
    const path = join(dir, names[i]!);
    writeFileSync(path, percentileDistribution(s.histogram));
    return path;
  });
  const all = join(dir, `${ALL}.hgrm`);
  writeFileSync(all, percentileDistribution(total));
  written.push(all);
  return written;
}

/** A finished run's series: one per device, in profile order. */
export function runHgrmSeries(outcome: RunOutcome): HgrmSeries[] {
  return outcome.result.devices.map((d, i) => ({ id: d.id, histogram: outcome.histograms.byDevice[i]! }));
}
