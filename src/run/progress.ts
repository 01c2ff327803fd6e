/**
 * What a run reports while it runs: one snapshot about once per interval, handed to the caller's
 * `onProgress` callback (the CLI draws it with report/progress.ts). Cheap to build while devices
 * run: the devices' shared counters, the cumulative interval histograms and the kernel's
 * invalidation count.
 */

export interface ProgressDevice {
  id: string;
  /** Completed descriptors so far and their bytes. */
  ops: number;
  bytes: number;
  /** Over the latest interval. */
  opsPerSec: number;
  bytesPerSec: number;
  /** p99 of everything completed so far, ns (0 before the first interval). */
  p99SoFarNs: number;
  faults: number;
}

export interface ProgressSnapshot {
  elapsedS: number;
  totalS: number | undefined;
  devices: ProgressDevice[];
  invalidations: number;
}
