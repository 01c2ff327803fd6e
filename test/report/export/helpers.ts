/**
 * Inputs and helpers for the export tests (not a test file itself): recorded latencies per
 * device and interval, written as an hlog (as `run --hlog` writes it) and as a run result (as
 * `run --json` writes it), so the two exports can be compared.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, encodeIntoCompressedBase64, type Histogram, HistogramLogWriter } from 'hdr-histogram-js';
import { afterAll, expect } from 'vitest';

import { exportCommand } from '../../../src/cli/export/handler.js';
import { decodeHistogram, summarise } from '../../../src/metrics/histogram.js';
import type { ExportSummary } from '../../../src/report/export.js';
import { BadInputError } from '../../../src/run/errors.js';
import type { RunResult } from '../../../src/run/result.js';
import { makeRunResult } from '../fixtures.js';

const dirs: string[] = [];
export function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'dmaload-export-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A deterministic spread of latencies (ns), with a tail. */
export function latencies(n: number, seed: number, scale: number): number[] {
  let x = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const u = x / 2 ** 32;
    out.push(Math.max(1, Math.round(scale * (1 + 20 * u ** 8))));
  }
  return out;
}

export function hist(values: readonly number[], tag?: string): Histogram {
  const h = build();
  for (const v of values) h.recordValue(v);
  if (tag !== undefined) h.tag = tag;
  return h;
}

export const b64 = (h: Histogram): string => encodeIntoCompressedBase64(h);

/**
 * A histogram of `values` as it reads once encoded and decoded: the max becomes the highest value
 * equivalent to the largest recorded one (within the 3-digit precision), counts are unchanged.
 */
export const canon = (values: readonly number[]): Histogram => decodeHistogram(b64(hist(values)));

/** Per device, per interval, the recorded values: 3 intervals × 2 devices, different shapes. */
export const DEVICES = ['dsa0', 'iax.1'] as const;
export const VALUES: Record<string, number[][]> = {
  dsa0: [latencies(500, 1, 10_000), latencies(800, 2, 12_000), latencies(50, 3, 80_000)],
  'iax.1': [latencies(1200, 4, 3_000), latencies(10, 5, 400_000), latencies(900, 6, 5_000)],
};

export interface HlogOptions {
  startTimeMsec?: number;
  /** Write timestamps as absolute epoch seconds (as the Java tools do) instead of relative. */
  absolute?: boolean;
}

/** An hlog as dmaload writes it: one tagged histogram per device per 1 s interval. */
export function writeHlog(values: Record<string, number[][]>, opts: HlogOptions = {}): string {
  let text = '';
  const w = new HistogramLogWriter((s) => {
    text += s;
  });
  const startMsec = opts.startTimeMsec ?? 1_700_000_000_000;
  w.outputLogFormatVersion();
  w.outputStartTime(startMsec);
  w.outputLegend();
  const tags = Object.keys(values);
  const n = Math.max(...tags.map((t) => values[t]!.length));
  const off = opts.absolute ? startMsec / 1000 : 0;
  for (let i = 0; i < n; i++) {
    for (const tag of tags) {
      const vs = values[tag]![i];
      if (vs) w.outputIntervalHistogram(hist(vs, tag), off + i, off + i + 1);
    }
  }
  return text;
}

/** A complete run result (it must pass the result schema) whose devices recorded `values`. */
export function runResult(values: Record<string, number[][]>): RunResult {
  const ids = Object.keys(values);
  const all = ids.flatMap((id) => values[id]!.flat());
  const base = makeRunResult({ devices: ids });
  const devices = base.devices.map((d) => ({
    ...d,
    ops: values[d.id]!.flat().length,
    latencyNs: summarise(hist(values[d.id]!.flat())),
  }));
  const n = Math.max(...ids.map((id) => values[id]!.length));
  const points = Array.from({ length: n }, (_, i) => ({
    tS: i + 1,
    durationS: 1,
    devices: ids.map((id) => {
      const vs = values[id]![i] ?? [];
      const s = summarise(hist(vs));
      return { id, ops: vs.length, bytes: vs.length * 4096, opsPerSec: vs.length, bytesPerSec: vs.length * 4096, p50: s.p50, p99: s.p99, max: s.max };
    }),
  }));
  return {
    ...base,
    totals: { ...base.totals, ops: all.length, latencyNs: summarise(hist(all)) },
    devices,
    intervals: { intervalS: 1, points },
    histograms: {
      total: b64(hist(all)),
      devices: Object.fromEntries(ids.map((id) => [id, b64(hist(values[id]!.flat()))])),
      byOp: {},
      uncorrected: {},
    },
  };
}

export function totalCount(hgrm: string): number {
  const m = /Total count\s*=\s*(\d+)/.exec(hgrm);
  if (!m) throw new Error(`no "Total count" in:\n${hgrm}`);
  return Number(m[1]);
}

export function save(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

export async function exportJson(input: string): Promise<ExportSummary> {
  const out = `${input}.summary.json`;
  await exportCommand({ input, format: 'json', out, quiet: true });
  return JSON.parse(readFileSync(out, 'utf8')) as ExportSummary;
}

export async function expectBadInput(p: Promise<unknown>, message: RegExp): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BadInputError);
  expect((e as Error).message).toMatch(message);
}
