/**
 * What a run reports while it runs: one snapshot about once per interval, handed to the caller's
 * `onProgress` callback (the CLI draws it with report/progress.ts). Cheap to build while devices
 * run: the devices' shared counters, the cumulative interval histograms and the kernel's
 * invalidation count.
 */

import { Counter, type DeviceViews } from '../layout/device.js';
import type { Histogram } from '../metrics/histogram.js';

export interface ProgressDevice {
  id: string;
  /** Completed descriptors so far and their bytes. */
  ops: number;
  bytes: number;
  /** Over the latest interval: per wall second in host timing, per virtual second in modelled. */
  opsPerSec: number;
  bytesPerSec: number;
  /** p99 of everything completed so far, ns (0 before the first interval). */
  p99SoFarNs: number;
  faults: number;
}

export interface ProgressSnapshot {
  /** Wall-clock seconds since the start. */
  elapsedS: number;
  /** Modelled time: virtual seconds reached (the kernel's horizon); the slowdown is elapsedS ÷ this. */
  virtualS?: number;
  totalS: number | undefined;
  devices: ProgressDevice[];
  invalidations: number;
}

/**
 * Builds snapshots from what the devices publish: their shared counters (rates between two
 * samples) and the cumulative interval histograms (p99 so far).
 */
export class ProgressSampler {
  private readonly lastOps: Float64Array;
  private readonly lastBytes: Float64Array;
  private lastNs: bigint;
  private lastVirtualNs = 0;

  constructor(
    private readonly ids: readonly string[],
    private readonly views: readonly DeviceViews[],
    private readonly cumulative: readonly Histogram[],
    private readonly totalS: number | undefined,
    private readonly startNs: bigint,
  ) {
    this.lastOps = new Float64Array(ids.length);
    this.lastBytes = new Float64Array(ids.length);
    this.lastNs = startNs;
  }

  /**
   * `virtualNs`: modelled time reached (the kernel's horizon); given, rates are per virtual
   * second — the model's throughput — rather than per wall second.
   */
  sample(invalidations: number, virtualNs?: number): ProgressSnapshot {
    const nowNs = process.hrtime.bigint();
    const dtS =
      virtualNs === undefined ? Math.max(Number(nowNs - this.lastNs) / 1e9, 1e-9) : Math.max((virtualNs - this.lastVirtualNs) / 1e9, 1e-12);
    this.lastNs = nowNs;
    if (virtualNs !== undefined) this.lastVirtualNs = virtualNs;
    return {
      elapsedS: Number(nowNs - this.startNs) / 1e9,
      ...(virtualNs !== undefined ? { virtualS: virtualNs / 1e9 } : {}),
      totalS: this.totalS,
      invalidations,
      devices: this.ids.map((id, i) => {
        const counters = this.views[i]!.counters;
        const h = this.cumulative[i]!;
        const ops = counters[Counter.opsCompleted]!;
        const bytes = counters[Counter.bytes]!;
        const opsPerSec = (ops - this.lastOps[i]!) / dtS;
        const bytesPerSec = (bytes - this.lastBytes[i]!) / dtS;
        this.lastOps[i] = ops;
        this.lastBytes[i] = bytes;
        return {
          id,
          ops,
          bytes,
          opsPerSec,
          bytesPerSec,
          p99SoFarNs: h.totalCount > 0 ? h.getValueAtPercentile(99) : 0,
          faults: counters[Counter.pageRequests]! + counters[Counter.partialCompletions]!,
        };
      }),
    };
  }
}
