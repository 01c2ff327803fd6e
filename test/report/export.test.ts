import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, encodeIntoCompressedBase64, type Histogram, HistogramLogWriter } from 'hdr-histogram-js';
import { afterAll, describe, expect, it, vi } from 'vitest';

import { exportCommand } from '../../src/cli/export/handler.js';
import { decodeHistogram, summarise } from '../../src/metrics/histogram.js';
import { CSV_HEADER } from '../../src/report/csv.js';
import { defaultExportOut, type ExportSummary, loadExportInput, parseHlog } from '../../src/report/export.js';
import { BadInputError } from '../../src/run/errors.js';
import type { RunResult } from '../../src/run/result.js';
import { makeRunResult } from './fixtures.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'dmaload-export-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A deterministic spread of latencies (ns), with a tail. */
function latencies(n: number, seed: number, scale: number): number[] {
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

function hist(values: readonly number[], tag?: string): Histogram {
  const h = build();
  for (const v of values) h.recordValue(v);
  if (tag !== undefined) h.tag = tag;
  return h;
}

const b64 = (h: Histogram): string => encodeIntoCompressedBase64(h);

/**
 * A histogram of `values` as it reads once encoded and decoded: the max becomes the highest value
 * equivalent to the largest recorded one (within the 3-digit precision), counts are unchanged.
 */
const canon = (values: readonly number[]): Histogram => decodeHistogram(b64(hist(values)));

/** Per device, per interval, the recorded values: 3 intervals × 2 devices, different shapes. */
const DEVICES = ['dsa0', 'iax.1'] as const;
const VALUES: Record<string, number[][]> = {
  dsa0: [latencies(500, 1, 10_000), latencies(800, 2, 12_000), latencies(50, 3, 80_000)],
  'iax.1': [latencies(1200, 4, 3_000), latencies(10, 5, 400_000), latencies(900, 6, 5_000)],
};

interface HlogOptions {
  startTimeMsec?: number;
  /** Write timestamps as absolute epoch seconds (as the Java tools do) instead of relative. */
  absolute?: boolean;
}

/** An hlog as dmaload writes it: one tagged histogram per device per 1 s interval. */
function writeHlog(values: Record<string, number[][]>, opts: HlogOptions = {}): string {
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
function runResult(values: Record<string, number[][]>): RunResult {
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

function totalCount(hgrm: string): number {
  const m = /Total count\s*=\s*(\d+)/.exec(hgrm);
  if (!m) throw new Error(`no "Total count" in:\n${hgrm}`);
  return Number(m[1]);
}

function save(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function exportJson(input: string): Promise<ExportSummary> {
  const out = `${input}.summary.json`;
  await exportCommand({ input, format: 'json', out, quiet: true });
  return JSON.parse(readFileSync(out, 'utf8')) as ExportSummary;
}

async function expectBadInput(p: Promise<unknown>, message: RegExp): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BadInputError);
  expect((e as Error).message).toMatch(message);
}

describe('export --format hgrm', () => {
  it('writes one file per device and all.hgrm whose total counts are the result ops', async () => {
    const d = tmp();
    const R = runResult(VALUES);
    const input = save(d, 'run.json', JSON.stringify(R));
    await exportCommand({ input, format: 'hgrm', out: undefined, quiet: true });
    const out = join(d, 'run-hgrm');
    expect(readdirSync(out).sort()).toEqual(['all.hgrm', 'dsa0.hgrm', 'iax.1.hgrm']);
    for (const dev of R.devices) expect(totalCount(readFileSync(join(out, `${dev.id}.hgrm`), 'utf8'))).toBe(dev.ops);
    expect(totalCount(readFileSync(join(out, 'all.hgrm'), 'utf8'))).toBe(R.totals.ops);
  });

  it('merges all intervals of a tag of an hlog', async () => {
    const d = tmp();
    const input = save(d, 'run.hlog', writeHlog(VALUES));
    const out = join(d, 'out');
    await exportCommand({ input, format: 'hgrm', out, quiet: true });
    for (const tag of DEVICES) {
      const text = readFileSync(join(out, `${tag}.hgrm`), 'utf8');
      expect(totalCount(text)).toBe(VALUES[tag]!.flat().length);
      // The same distribution as one histogram of all the values.
      // (All but the "#[Buckets" line, which shows the merge histogram's larger range.)
      const layout = (t: string) => t.replace(/#\[Buckets.*\n/, '');
      expect(layout(text)).toBe(layout(canon(VALUES[tag]!.flat()).outputPercentileDistribution(5, 1)));
    }
    expect(totalCount(readFileSync(join(out, 'all.hgrm'), 'utf8'))).toBe(DEVICES.flatMap((t) => VALUES[t]!.flat()).length);
  });

  it('accepts an idle device with no histogram, but not a busy one', async () => {
    const d = tmp();
    const R = runResult(VALUES);
    R.devices.push({ ...R.devices[0]!, id: 'idle', ops: 0 });
    const out = join(d, 'h');
    await exportCommand({ input: save(d, 'run.json', JSON.stringify(R)), format: 'hgrm', out, quiet: true });
    expect(totalCount(readFileSync(join(out, 'idle.hgrm'), 'utf8'))).toBe(0);
    delete R.histograms.devices['dsa0'];
    await expectBadInput(
      exportCommand({ input: save(d, 'run.json', JSON.stringify(R)), format: 'hgrm', out, quiet: true }),
      /run\.json: histograms\.devices has no histogram for device "dsa0"/,
    );
  });
});

describe('export --format json', () => {
  it('from an hlog: per-tag counts are the sums of the intervals, total the sum of all', async () => {
    const d = tmp();
    const s = await exportJson(save(d, 'run.hlog', writeHlog(VALUES)));
    expect(s.source).toBe('hlog');
    expect(s.intervals).toBe(6);
    expect(Object.keys(s.tags)).toEqual([...DEVICES]);
    for (const tag of DEVICES) {
      const all = VALUES[tag]!.flat();
      expect(s.tags[tag]!.count).toBe(VALUES[tag]!.reduce((n, vs) => n + vs.length, 0));
      // Exact merge: the percentiles of one histogram holding every value, not an average.
      expect(s.tags[tag]!.latencyNs).toEqual(summarise(canon(all)));
    }
    const everything = DEVICES.flatMap((t) => VALUES[t]!.flat());
    expect(s.total.count).toBe(everything.length);
    expect(s.total.latencyNs).toEqual(summarise(canon(everything)));
  });

  it('does not average percentiles across intervals', async () => {
    // dsa0's third interval is small but slow: averaging interval p99s would be far off.
    const d = tmp();
    const s = await exportJson(save(d, 'run.hlog', writeHlog({ dsa0: VALUES['dsa0']! })));
    const perInterval = VALUES['dsa0']!.map((vs) => summarise(hist(vs)).p99);
    const averaged = perInterval.reduce((a, b) => a + b, 0) / perInterval.length;
    expect(s.tags['dsa0']!.latencyNs.p99).toBe(summarise(hist(VALUES['dsa0']!.flat())).p99);
    expect(Math.abs(s.tags['dsa0']!.latencyNs.p99 - averaged)).toBeGreaterThan(1000);
  });

  it('from a run result: the same shape and numbers as from the hlog of the same run', async () => {
    const d = tmp();
    const fromHlog = await exportJson(save(d, 'run.hlog', writeHlog(VALUES)));
    const fromResult = await exportJson(save(d, 'run.json', JSON.stringify(runResult(VALUES))));
    expect(fromResult.source).toBe('result');
    expect(fromResult.intervals).toBe(3);
    const strip = (s: ExportSummary) => ({
      tags: Object.fromEntries(Object.entries(s.tags).map(([k, v]) => [k, { count: v.count, latencyNs: v.latencyNs }])),
      total: { count: s.total.count, latencyNs: s.total.latencyNs },
    });
    expect(strip(fromResult)).toEqual(strip(fromHlog));
  });

  it('round trip: re-exporting its merged histograms gives the same percentiles', async () => {
    const d = tmp();
    const first = await exportJson(save(d, 'run.hlog', writeHlog(VALUES)));
    // The summary's histograms decode to its own percentiles…
    for (const v of [...Object.values(first.tags), first.total]) {
      const h = decodeHistogram(v.histogram);
      expect(h.totalCount).toBe(v.count);
      expect(summarise(h)).toEqual(v.latencyNs);
    }
    // …and written back as a one-interval hlog, export the same again.
    let text = '';
    const w = new HistogramLogWriter((s) => {
      text += s;
    });
    w.outputLegend();
    for (const [tag, v] of Object.entries(first.tags)) {
      const h = decodeHistogram(v.histogram);
      h.tag = tag;
      w.outputIntervalHistogram(h, 0, 3);
    }
    const second = await exportJson(save(d, 'again.hlog', text));
    expect(second.intervals).toBe(DEVICES.length);
    for (const tag of DEVICES) {
      expect(second.tags[tag]!.count).toBe(first.tags[tag]!.count);
      expect(second.tags[tag]!.latencyNs).toEqual(first.tags[tag]!.latencyNs);
    }
    expect(second.total.latencyNs).toEqual(first.total.latencyNs);
    expect(second.total.count).toBe(first.total.count);
  });

  it('writes to standard output by default, even when quiet', async () => {
    const d = tmp();
    const input = save(d, 'run.hlog', writeHlog(VALUES));
    let written = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written += String(chunk);
      return true;
    });
    try {
      await exportCommand({ input, format: 'json', out: undefined, quiet: true });
    } finally {
      spy.mockRestore();
    }
    expect((JSON.parse(written) as ExportSummary).total.count).toBe(DEVICES.flatMap((t) => VALUES[t]!.flat()).length);
  });
});

describe('export --format csv', () => {
  it('from a run result: one row per device per interval point', async () => {
    const d = tmp();
    const input = save(d, 'run.json', JSON.stringify(runResult(VALUES)));
    await exportCommand({ input, format: 'csv', out: undefined, quiet: true });
    const lines = readFileSync(join(d, 'run.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(CSV_HEADER);
    expect(lines).toHaveLength(1 + 3 * DEVICES.length);
    const s = summarise(hist(VALUES['dsa0']![1]!));
    const n = VALUES['dsa0']![1]!.length;
    expect(lines[3]).toBe(`2,dsa0,${n},${n},${n * 4096},${s.p50},${s.p99},${s.max}`);
  });

  it('from an hlog: ops from each interval histogram, bytes left empty, tS the interval end', async () => {
    const d = tmp();
    const input = save(d, 'run.hlog', writeHlog(VALUES));
    const out = join(d, 'x', 'intervals.csv');
    await exportCommand({ input, format: 'csv', out, quiet: true });
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(CSV_HEADER);
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows).toHaveLength(6);
    expect(rows.map((r) => [r[0], r[1]])).toEqual([
      ['1', 'dsa0'],
      ['1', 'iax.1'],
      ['2', 'dsa0'],
      ['2', 'iax.1'],
      ['3', 'dsa0'],
      ['3', 'iax.1'],
    ]);
    const vs = VALUES['iax.1']![1]!;
    const s = summarise(canon(vs));
    expect(rows[3]).toEqual(['2', 'iax.1', String(vs.length), String(vs.length), '', String(s.p50), String(s.p99), String(s.max)]);
  });

  it('makes absolute hlog timestamps relative to StartTime', () => {
    const log = parseHlog(writeHlog(VALUES, { absolute: true }), 'abs.hlog');
    expect(log.intervals.map((iv) => iv.tS)).toEqual([1, 1, 2, 2, 3, 3]);
  });
});

describe('export input detection and errors', () => {
  it('detects by content, not by extension', async () => {
    const d = tmp();
    const hlogNamedJson = await exportJson(save(d, 'really-an-hlog.json', writeHlog(VALUES)));
    expect(hlogNamedJson.source).toBe('hlog');
    const resultNamedTxt = await exportJson(save(d, 'result.txt', JSON.stringify(runResult(VALUES))));
    expect(resultNamedTxt.source).toBe('result');
    expect(loadExportInput(save(d, 'plain', writeHlog(VALUES))).kind).toBe('hlog');
  });

  it('reads an hlog without any header', () => {
    const h = hist([1000, 2000, 3000], 'dsa0');
    const text = `Tag=dsa0,0.000,1.000,3.000,${b64(h)}\n0.000,1.000,3.000,${b64(h)}\n`;
    const log = parseHlog(text, 'bare.hlog');
    expect(log.intervals.map((iv) => [iv.tag, iv.histogram.totalCount])).toEqual([
      ['dsa0', 3],
      ['untagged', 3],
    ]);
  });

  it.each<[string, string, RegExp]>([
    ['a text file', 'hello\nworld\n', /notes\.txt: neither a JSON run result nor an HdrHistogram interval log; expected a run result/],
    ['an empty file', '', /notes\.txt: empty file; expected a run result/],
    ['broken JSON', '{"totals": ', /notes\.txt: not valid JSON \(.*\); expected a run result/],
    ['JSON that is not a result', '{"profile": "x"}', /notes\.txt: JSON, but not a dmaload run result/],
    ['an hlog with no intervals', '#[Histogram log format version 1.3]\n', /notes\.txt: an HdrHistogram interval log with no interval histograms/],
    ['a malformed hlog line', '#[Histogram log format version 1.3]\nTag=dsa0,zero,1,2,HISTF\n', /notes\.txt:2: expected an interval line/],
  ])('rejects %s, naming the file', async (_what, content, message) => {
    const d = tmp();
    await expectBadInput(exportCommand({ input: save(d, 'notes.txt', content), format: 'json', out: join(d, 'o.json'), quiet: true }), message);
  });

  it('rejects a missing file', async () => {
    const d = tmp();
    await expectBadInput(
      exportCommand({ input: join(d, 'nope.json'), format: 'hgrm', out: undefined, quiet: true }),
      /nope\.json: no such file; expected a run result/,
    );
    expect(existsSync(join(d, 'nope-hgrm'))).toBe(false);
  });

  it('rejects malformed base64 in a run result', async () => {
    const d = tmp();
    const R = runResult(VALUES);
    const good = R.histograms.devices['dsa0']!;
    const cases: [string, RegExp][] = [
      ['not base64!', /bad\.json: histograms\.devices\.dsa0: malformed histogram: not base64/],
      [good.slice(0, 24), /bad\.json: histograms\.devices\.dsa0: malformed histogram \(.*\); expected HdrHistogram compressed base64/],
      ['AAAA', /malformed histogram \(Encoding not supported.*\)/],
    ];
    for (const [bad, message] of cases) {
      R.histograms.devices['dsa0'] = bad;
      const input = save(d, 'bad.json', JSON.stringify(R));
      await expectBadInput(exportCommand({ input, format: 'hgrm', out: join(d, 'h'), quiet: true }), message);
    }
  });

  it('rejects malformed base64 in an hlog, naming the line', async () => {
    const d = tmp();
    const lines = writeHlog(VALUES).split('\n');
    const k = lines.findIndex((l) => l.startsWith('Tag=iax.1,'));
    lines[k] = lines[k]!.slice(0, -8);
    const input = save(d, 'bad.hlog', lines.join('\n'));
    await expectBadInput(exportCommand({ input, format: 'json', out: join(d, 'o.json'), quiet: true }), new RegExp(`bad\\.hlog:${k + 1}: malformed histogram`));
  });

  it('rejects a result without the data the format needs', async () => {
    const d = tmp();
    const R = runResult(VALUES) as unknown as Record<string, unknown>;
    delete R['histograms'];
    delete R['intervals'];
    const input = save(d, 'old.json', JSON.stringify(R));
    await expectBadInput(exportCommand({ input, format: 'json', out: join(d, 'o.json'), quiet: true }), /old\.json: this run result has no histograms/);
    await expectBadInput(exportCommand({ input, format: 'csv', out: join(d, 'o.csv'), quiet: true }), /old\.json: this run result has no intervals/);
  });

  it('refuses to overwrite its input', async () => {
    const d = tmp();
    const input = save(d, 'run.json', JSON.stringify(runResult(VALUES)));
    await expectBadInput(exportCommand({ input, format: 'json', out: input, quiet: true }), /is the input file/);
  });

  it('derives default outputs from the input name', () => {
    expect(defaultExportOut('out/run.json', 'hgrm')).toBe('out/run-hgrm');
    expect(defaultExportOut('out/run.hlog', 'csv')).toBe('out/run.csv');
    expect(defaultExportOut('out.d/run', 'csv')).toBe('out.d/run.csv');
    expect(defaultExportOut('run.json', 'json')).toBeUndefined();
  });
});
