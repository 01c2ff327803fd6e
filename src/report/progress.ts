/**
 * Live progress on stderr, about once per interval: on a terminal, one line per device redrawn
 * in place (log-update); otherwise (CI, pipes) one plain line per interval; nothing with
 * --quiet. Draws the snapshots a run hands to its `onProgress` callback (run/progress.ts).
 */

import { logUpdateStderr } from 'log-update';
import type { ProgressSnapshot } from '../run/progress.js';
import { formatClockS, formatCount, formatExact, formatGBps, formatNs, formatRate, NO_VALUE } from '../common/units.js';

export type { ProgressDevice, ProgressSnapshot } from '../run/progress.js';

export type ProgressMode = 'tty' | 'plain' | 'off';

export function progressMode(quiet: boolean, isTty: boolean): ProgressMode {
  if (quiet) return 'off';
  return isTty ? 'tty' : 'plain';
}

export function formatProgress(p: ProgressSnapshot): string[] {
  // Modelled time: virtual time reached (of the virtual total), the wall time, the slowdown.
  const head =
    (p.virtualS !== undefined
      ? `[virtual ${formatNs(p.virtualS * 1e9)}${p.totalS !== undefined ? ` / ${formatNs(p.totalS * 1e9)}` : ''}  wall ${formatClockS(p.elapsedS)}` +
        `  slowdown ${p.virtualS > 0 ? `${formatRate(p.elapsedS / p.virtualS)}×` : NO_VALUE}]`
      : `[${formatClockS(p.elapsedS)}${p.totalS !== undefined ? ` / ${formatClockS(p.totalS)}` : ''}]`) +
    (p.invalidations > 0 ? `  invalidations ${formatExact(p.invalidations)}` : '');
  const w = Math.max(...p.devices.map((d) => d.id.length));
  return [
    head,
    ...p.devices.map(
      (d) =>
        `  ${d.id.padEnd(w)}  ${formatRate(d.opsPerSec).padStart(7)}ops/s  ${formatGBps(d.bytesPerSec).padStart(6)} GB/s  ` +
        `p99 so far ${(d.p99SoFarNs > 0 ? formatNs(d.p99SoFarNs) : NO_VALUE).padStart(8)}  ops ${formatCount(d.ops)}` +
        (d.faults > 0 ? `  faults ${formatCount(d.faults)}` : ''),
    ),
  ];
}

export class Progress {
  constructor(private readonly mode: ProgressMode) {}

  update(p: ProgressSnapshot): void {
    if (this.mode === 'off') return;
    const lines = formatProgress(p);
    if (this.mode === 'tty') logUpdateStderr(lines.join('\n'));
    else process.stderr.write(`${lines[0]}${lines.slice(1).map((l) => `\n${l}`).join('')}\n`);
  }

  /** Leave the last frame on screen (terminal) and stop redrawing. */
  done(): void {
    if (this.mode === 'tty') logUpdateStderr.done();
  }
}
