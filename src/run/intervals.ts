/**
 * Per-interval data on the kernel's thread: each device reports, once per interval, the
 * histogram of its completions and its op/byte counts (rpc/endpoint.ts IntervalReport).
 *
 * - `--hlog FILE`: an HdrHistogram interval log, streamed as reports arrive: one tagged interval
 *   histogram (tag = device id) per device per interval, written with hdr-histogram-js's
 *   HistogramLogWriter, so HdrHistogram's own log readers read it back.
 * - `--csv FILE`: one row per device per interval (throughput and percentiles), streamed.
 * - `points`: the run result's `intervals`, bounded — past MAX_POINTS, adjacent points merge
 *   pairwise (counts add; percentiles come from the merged histograms), so a long run's memory
 *   does not grow with its duration.
 * - a cumulative histogram per device (fixed size) for live progress ("p99 so far").
 */

import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import type { IntervalReport } from '../rpc/endpoint.js';
import { decodeHistogram, encodeHistogram, type Histogram, newMergeHistogram } from '../metrics/histogram.js';
import type { IntervalPoint } from './result.js';

export const MAX_POINTS = 600;

export const CSV_HEADER = 'tS,device,ops,opsPerSec,bytesPerSec,p50Ns,p99Ns,maxNs';

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

export interface IntervalSinks {
  readonly hlog?: string;
  readonly csv?: string;
}

export class IntervalCollector {
  /** Cumulative histogram per device (for progress). */
  readonly cumulative: Histogram[];
  private points: Point[] = [];
  /** Index span of one stored point (doubles at each merge). */
  private span = 1;
  private readonly hlogFd: number | undefined;
  private readonly csvFd: number | undefined;
  private readonly hlog: hdr.HistogramLogWriter | undefined;

  constructor(
    private readonly deviceIds: readonly string[],
    readonly intervalS: number,
    /** Absolute ms (timeOrigin-based) of the start barrier. */
    private readonly startAbsMs: number,
    sinks: IntervalSinks,
  ) {
    this.cumulative = deviceIds.map(() => newMergeHistogram());
    if (sinks.hlog) {
      mkdirSync(dirname(sinks.hlog), { recursive: true });
      const fd = openSync(sinks.hlog, 'w');
      this.hlogFd = fd;
      this.hlog = new hdr.HistogramLogWriter((text: string) => writeSync(fd, text));
      this.hlog.outputComment('[dmaload interval log: one tagged histogram per device per interval; values in ns]');
      this.hlog.outputLogFormatVersion();
      this.hlog.outputStartTime(startAbsMs);
      this.hlog.outputLegend();
    }
    if (sinks.csv) {
      mkdirSync(dirname(sinks.csv), { recursive: true });
      this.csvFd = openSync(sinks.csv, 'w');
      writeSync(this.csvFd, `${CSV_HEADER}\n`);
    }
  }

  /** A device's interval report (called over the control plane). */
  onInterval(r: IntervalReport): void {
    const h = decodeHistogram(r.histogram);
    const startS = (r.startMs - this.startAbsMs) / 1000;
    const endS = (r.endMs - this.startAbsMs) / 1000;
    const durS = Math.max(endS - startS, 1e-9);
    this.cumulative[r.device]!.add(h);
    const id = this.deviceIds[r.device]!;
    if (this.hlog && h.totalCount > 0) {
      h.tag = id;
      this.hlog.outputIntervalHistogram(h, startS, endS, 1e6);
    }
    if (this.csvFd !== undefined) {
      const p = (q: number): number => (h.totalCount > 0 ? h.getValueAtPercentile(q) : 0);
      writeSync(
        this.csvFd,
        `${endS.toFixed(3)},${id},${r.ops},${(r.ops / durS).toFixed(1)},${(r.bytes / durS).toFixed(0)},${p(50)},${p(99)},${h.totalCount > 0 ? h.maxValue : 0}\n`,
      );
    }
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

  /** Close the streams; the bounded interval series for the result. */
  finish(): { intervalS: number; points: IntervalPoint[] } {
    if (this.hlogFd !== undefined) closeSync(this.hlogFd);
    if (this.csvFd !== undefined) closeSync(this.csvFd);
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
