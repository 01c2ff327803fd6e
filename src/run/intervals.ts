/**
 * Per-interval data on the kernel's thread: each device reports, once per interval, the
 * histogram of its completions and its op/byte counts (rpc/endpoint.ts IntervalReport).
 *
 * - each report goes, decoded, to the caller's `IntervalSink` as it arrives (the CLI streams
 *   them to an HdrHistogram interval log and a CSV: report/streams.ts);
 * - `points`: the run result's `intervals`, bounded — past MAX_POINTS, adjacent points merge
 *   pairwise (counts add; percentiles come from the merged histograms), so a long run's memory
 *   does not grow with its duration;
 * - a cumulative histogram per device (fixed size) for live progress ("p99 so far").
 */

import type { IntervalReport } from '../rpc/endpoint.js';
import { decodeHistogram, encodeHistogram, type Histogram, newMergeHistogram } from '../metrics/histogram.js';
import type { IntervalPoint } from './result.js';

/**
 * The series' cap. Each point holds every device's interval histogram (a compressed encoding of
 * 1–3 KiB), so the cap bounds the kernel thread's heap: at 600 points a 3-device run at 1 s
 * intervals grew its resident set for the first 10 minutes (`bench:long`); at 120 the series
 * is full after 2 minutes and stays within 120 points — plenty for a plot. The streams
 * (`--hlog`, `--csv`) keep every interval.
 */
export const MAX_POINTS = 120;

/** One device's interval, as it arrives: times in seconds since the start barrier. */
export interface IntervalSample {
  readonly device: string;
  readonly startS: number;
  readonly endS: number;
  readonly ops: number;
  readonly bytes: number;
  /** The latencies (ns) of the descriptors the device completed in the interval. */
  readonly histogram: Histogram;
}

/** Where a run streams its intervals while it runs (files, a live view). */
export interface IntervalSink {
  /** Once, at the start barrier: absolute ms (timeOrigin-based) and the device ids. */
  start(startAbsMs: number, deviceIds: readonly string[]): void;
  interval(sample: IntervalSample): void;
  /** Once, after the last interval (also when the run failed). */
  finish(): void;
}

interface PointDevice {
  ops: number;
  bytes: number;
  /** The interval's histogram, compressed (kept so merged points stay exact). */
  histogram: string;
}

interface Point {
  index: number;
  startS: number;
  endS: number;
  devices: (PointDevice | undefined)[];
}

export class IntervalCollector {
  /** Cumulative histogram per device (for progress). */
  readonly cumulative: Histogram[];
  private points: Point[] = [];
  /** Index span of one stored point (doubles at each merge). */
  private span = 1;

  constructor(
    private readonly deviceIds: readonly string[],
    readonly intervalS: number,
    /** Absolute ms (timeOrigin-based) of the start barrier. */
    private readonly startAbsMs: number,
    private readonly sink?: IntervalSink,
  ) {
    this.cumulative = deviceIds.map(() => newMergeHistogram());
    sink?.start(startAbsMs, deviceIds);
  }

  /** A device's interval report (called over the control plane). */
  onInterval(r: IntervalReport): void {
    const h = decodeHistogram(r.histogram);
    const startS = (r.startMs - this.startAbsMs) / 1000;
    const endS = (r.endMs - this.startAbsMs) / 1000;
    this.cumulative[r.device]!.add(h);
    this.sink?.interval({ device: this.deviceIds[r.device]!, startS, endS, ops: r.ops, bytes: r.bytes, histogram: h });
    this.store(r, startS, endS);
  }

  private store(r: IntervalReport, startS: number, endS: number): void {
    const slot = Math.floor(r.index / this.span);
    let pt = this.points.find((p) => p.index === slot);
    if (!pt) {
      pt = { index: slot, startS, endS, devices: this.deviceIds.map(() => undefined) };
      this.points.push(pt);
      this.points.sort((a, b) => a.index - b.index);
    }
    pt.startS = Math.min(pt.startS, startS);
    pt.endS = Math.max(pt.endS, endS);
    pt.devices[r.device] = merge(pt.devices[r.device], { ops: r.ops, bytes: r.bytes, histogram: r.histogram });
    if (this.points.length > MAX_POINTS) this.halve();
  }

  /** Merge adjacent points pairwise: the stored resolution halves, memory stays bounded. */
  private halve(): void {
    this.span *= 2;
    const merged = new Map<number, Point>();
    for (const p of this.points) {
      const slot = Math.floor(p.index / 2);
      const m = merged.get(slot);
      if (!m) {
        merged.set(slot, { ...p, index: slot, devices: [...p.devices] });
      } else {
        m.startS = Math.min(m.startS, p.startS);
        m.endS = Math.max(m.endS, p.endS);
        m.devices = m.devices.map((d, i) => merge(d, p.devices[i]));
      }
    }
    this.points = [...merged.values()].sort((a, b) => a.index - b.index);
  }

  /** Close the sink; the bounded interval series for the result. */
  finish(): { intervalS: number; points: IntervalPoint[] } {
    this.sink?.finish();
    // A tail shorter than half an interval (the descriptors in flight at the end, or a host run
    // stopping mid-interval) joins the interval before it, exactly: a few milliseconds on their
    // own plot as a cliff that is not in the load.
    const n = this.points.length;
    if (n >= 2) {
      const last = this.points[n - 1]!;
      const prev = this.points[n - 2]!;
      if (last.endS - last.startS < (this.intervalS * this.span) / 2) {
        prev.endS = last.endS;
        prev.devices = prev.devices.map((d, i) => merge(d, last.devices[i]));
        this.points.pop();
      }
    }
    return {
      intervalS: this.intervalS * this.span,
      points: this.points.map((p) => {
        const durationS = Math.max(p.endS - p.startS, 1e-9);
        return {
          tS: p.endS,
          durationS,
          devices: p.devices.map((d, i) => {
            const h = d ? decodeHistogram(d.histogram) : undefined;
            const count = h?.totalCount ?? 0;
            return {
              id: this.deviceIds[i]!,
              ops: d?.ops ?? 0,
              bytes: d?.bytes ?? 0,
              opsPerSec: (d?.ops ?? 0) / durationS,
              bytesPerSec: (d?.bytes ?? 0) / durationS,
              p50: count > 0 ? h!.getValueAtPercentile(50) : 0,
              p99: count > 0 ? h!.getValueAtPercentile(99) : 0,
              max: count > 0 ? h!.maxValue : 0,
            };
          }),
        };
      }),
    };
  }
}

function merge(a: PointDevice | undefined, b: PointDevice | undefined): PointDevice | undefined {
  if (!a) return b;
  if (!b) return a;
  const h = decodeHistogram(a.histogram);
  h.add(decodeHistogram(b.histogram));
  return { ops: a.ops + b.ops, bytes: a.bytes + b.bytes, histogram: encodeHistogram(h) };
}
