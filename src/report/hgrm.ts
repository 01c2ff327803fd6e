/** Write `.hgrm` percentile-distribution files: one per device and `all.hgrm` for the run. */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { percentileDistribution } from '../metrics/histogram.js';
import type { RunOutcome } from '../run/result.js';

/** Returns the paths written. Values in the files are latencies in nanoseconds. */
export function writeHgrmFiles(outcome: RunOutcome, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  outcome.result.devices.forEach((d, i) => {
    const path = join(dir, `${d.id}.hgrm`);
    writeFileSync(path, percentileDistribution(outcome.histograms.byDevice[i]!));
    written.push(path);
  });
  const all = join(dir, 'all.hgrm');
  writeFileSync(all, percentileDistribution(outcome.histograms.total));
  written.push(all);
  return written;
}
