/**
 * HdrHistogram plumbing. Workers record into wasm histograms (about 7× faster to record) and
 * ship them as compressed base64; the main thread decodes into JS histograms and merges them
 * exactly (counts are added bucket by bucket — percentiles are never averaged).
 * Values are latencies in nanoseconds; 3 significant digits; the range grows as needed.
 */

import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

let wasmReady: Promise<void> | undefined;

/** Load the wasm module once per thread. */
export function initHistogramWasm(): Promise<void> {
  wasmReady ??= hdr.initWebAssembly();
  return wasmReady;
}

/** A recording histogram for a worker (call `initHistogramWasm` first); `destroy()` it after. */
export function newWasmHistogram(): Histogram {
  return hdr.build({
    useWebAssembly: true,
    // 32-bit counts: 93 KiB a histogram instead of 201 (a thousand logical devices keep three or
    // four each); a count overflows after 2^32 − 1 descriptors of one latency value in one device.
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2 ** 30,
    numberOfSignificantValueDigits: 3,
  });
}

/** An empty JS histogram for merging on the main thread. */
export function newMergeHistogram(): Histogram {
  return hdr.build({
    useWebAssembly: false,
    bitBucketSize: 64,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2 ** 30,
    numberOfSignificantValueDigits: 3,
  });
}

export function encodeHistogram(h: Histogram): string {
  return h.totalCount === 0 ? '' : hdr.encodeIntoCompressedBase64(h);
}

/** Decode a shipped histogram ('' = empty) into a JS histogram. */
export function decodeHistogram(encoded: string): Histogram {
  if (encoded === '') return newMergeHistogram();
  return hdr.decodeFromCompressedBase64(encoded, 64, false);
}

export interface LatencySummaryNs {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export function summarise(h: Histogram): LatencySummaryNs {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  return {
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    max: h.maxValue,
    mean: Math.round(meanOf(h)),
  };
}

/** A JS histogram's own index access (hdr-histogram-js JsHistogram). */
interface IndexedHistogram {
  readonly countsArrayLength: number;
  getCountAtIndex(index: number): number;
  valueFromIndex(index: number): number;
  medianEquivalentValue(value: number): number;
}

/**
 * The histogram's mean as hdr-histogram-js computes it (each recorded value's median-equivalent
 * value times its count, in index order, ÷ the total count), by index instead of through its
 * recorded-values iterator — which builds an object per bucket and made a thousand devices'
 * result take seconds. The same sums in the same order: the same number.
 */
function meanOf(h: Histogram): number {
  const x = h as unknown as Partial<IndexedHistogram>;
  if (typeof x.getCountAtIndex !== 'function' || typeof x.countsArrayLength !== 'number') return h.mean;
  const ix = x as IndexedHistogram;
  let total = 0;
  for (let i = 0; i < ix.countsArrayLength; i++) {
    const c = ix.getCountAtIndex(i);
    if (c !== 0) total += ix.medianEquivalentValue(ix.valueFromIndex(i)) * c;
  }
  return total / h.totalCount;
}

/** The `.hgrm` percentile distribution text (values in ns). */
export function percentileDistribution(h: Histogram): string {
  return h.outputPercentileDistribution(5, 1);
}
