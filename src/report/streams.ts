/**
 * Interval streams a run writes while it runs (an `IntervalSink`, run/intervals.ts):
 *
 * - `--hlog FILE`: an HdrHistogram interval log: one tagged interval histogram (tag = device id)
 *   per device per interval, written with hdr-histogram-js's HistogramLogWriter, so
 *   HdrHistogram's own log readers read it back;
 * - `--csv FILE`: one row per device per interval (throughput and percentiles), written by the
 *   one CSV row writer (report/csv.ts, which states the rounding).
 *
 * Files are created when the run reaches its start barrier and closed when it finishes.
 */

import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import type { IntervalSample, IntervalSink } from '../run/intervals.js';
import { CSV_HEADER, csvRow } from './csv.js';

export interface StreamFiles {
  readonly hlog?: string | undefined;
  readonly csv?: string | undefined;
}

export class IntervalStreams implements IntervalSink {
  private hlogFd: number | undefined;
  private csvFd: number | undefined;
  private hlog: hdr.HistogramLogWriter | undefined;

  constructor(private readonly files: StreamFiles) {}

  start(startAbsMs: number): void {
    const { hlog, csv } = this.files;
    if (hlog) {
      mkdirSync(dirname(hlog), { recursive: true });
      const fd = openSync(hlog, 'w');
      this.hlogFd = fd;
      this.hlog = new hdr.HistogramLogWriter((text: string) => writeSync(fd, text));
      this.hlog.outputComment('[dmaload interval log: one tagged histogram per device per interval; values in ns]');
      this.hlog.outputLogFormatVersion();
      this.hlog.outputStartTime(startAbsMs);
      this.hlog.outputLegend();
    }
    if (csv) {
      mkdirSync(dirname(csv), { recursive: true });
      this.csvFd = openSync(csv, 'w');
      writeSync(this.csvFd, `${CSV_HEADER}\n`);
    }
  }

  interval(s: IntervalSample): void {
    const h = s.histogram;
    if (this.hlog && h.totalCount > 0) {
      h.tag = s.device;
      this.hlog.outputIntervalHistogram(h, s.startS, s.endS, 1e6);
    }
    if (this.csvFd !== undefined) {
      const durS = Math.max(s.endS - s.startS, 1e-9);
      const p = (q: number): number => (h.totalCount > 0 ? h.getValueAtPercentile(q) : 0);
      const row = csvRow({
        tS: s.endS,
        device: s.device,
        ops: s.ops,
        opsPerSec: s.ops / durS,
        bytesPerSec: s.bytes / durS,
        p50Ns: p(50),
        p99Ns: p(99),
        maxNs: h.totalCount > 0 ? h.maxValue : 0,
      });
      writeSync(this.csvFd, `${row}\n`);
    }
  }

  finish(): void {
    if (this.hlogFd !== undefined) closeSync(this.hlogFd);
    if (this.csvFd !== undefined) closeSync(this.csvFd);
    this.hlogFd = undefined;
    this.csvFd = undefined;
  }
}
