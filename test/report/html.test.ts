import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultHtmlPath, loadReportInput, reportCommand } from '../../src/cli/commands/report.js';
import { percentilePoints, REPORT_DATA_ID, renderCompareReport, renderRunReport, type ReportData } from '../../src/report/html.js';
import { BadInputError } from '../../src/run/errors.js';
import { latencyHistogram, makeCompareResult, makeRunResult } from './fixtures.js';

const NASTY = 'evil <script>alert("x")</script> & co';

function dataBlock(html: string): ReportData {
  const m = new RegExp(`<script type="application/json" id="${REPORT_DATA_ID}">([\\s\\S]*?)</script>`).exec(html);
  expect(m, 'JSON data block').not.toBeNull();
  return JSON.parse(m![1]!) as ReportData;
}

function externalRefs(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/\b(?:src|href|action|poster|data)\s*=\s*["']?\s*([^"'\s>]+)/gi)) {
    if (/^(?:https?:)?\/\//i.test(m[1]!)) out.push(m[0]);
  }
  for (const m of html.matchAll(/url\(\s*["']?(?:https?:)?\/\//gi)) out.push(m[0]);
  for (const m of html.matchAll(/@import/gi)) out.push(m[0]);
  return out;
}

describe('percentilePoints', () => {
  it('samples 1/(1-p) increasing, latency non-decreasing, ending at (count, max)', () => {
    const h = latencyHistogram(1, 5000, 2000);
    const pts = percentilePoints(h);
    expect(pts[0]![0]).toBe(1);
    expect(pts.at(-1)).toEqual([5000, h.maxValue]);
    for (let i = 1; i < pts.length; i++) {
      expect(pts[i]![0]).toBeGreaterThan(pts[i - 1]![0]);
      expect(pts[i]![1]).toBeGreaterThanOrEqual(pts[i - 1]![1]);
    }
    // 20 points per decade up to (but excluding) 5000, plus the max point.
    expect(pts.length).toBe(Math.ceil(20 * Math.log10(5000)) + 1);
  });

  it('is empty for an empty histogram and a single point for one value', () => {
    expect(percentilePoints(latencyHistogram(1, 0, 100))).toEqual([]);
    const one = latencyHistogram(1, 1, 100);
    expect(percentilePoints(one)).toEqual([[1, one.maxValue]]);
  });
});

describe('renderRunReport', () => {
  const r = makeRunResult({ profile: NASTY, invalidation: true, faults: true });
  const html = renderRunReport(r);

  it('is one self-contained document with no network references', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(externalRefs(html)).toEqual([]);
    expect(html).toContain('Content-Security-Policy');
    expect(html).toMatch(/var uPlot=/); // uPlot inlined
    expect(html).toContain('.uplot'); // its CSS inlined
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link\b/i);
  });

  it('escapes the profile name', () => {
    expect(html).toContain('evil &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(html).not.toContain(NASTY);
    expect(html.match(/<\/script>/g)!.length).toBe(3); // data block, uPlot, client script
  });

  it('has one percentile plot container per device, plus the total and the time plots', () => {
    for (const d of r.devices) {
      expect(html).toMatch(new RegExp(`<div class="plot" id="pct-dev-\\d+" data-kind="percentile" data-device="${d.id}">`));
    }
    expect(html.match(/<div class="plot" [^>]*data-device=/g)!.length).toBe(r.devices.length);
    expect(html).toContain('id="pct-total"');
    for (const id of ['tp-ops', 'tp-bytes', 'tp-p99']) expect(html).toContain(`id="${id}"`);
  });

  it('embeds percentile data per device: non-decreasing, corrected + uncorrected for open loop', () => {
    const data = dataBlock(html);
    expect(data.kind).toBe('run');
    expect(data.profile).toBe(NASTY);
    const perDevice = data.plots.filter((p) => p.kind === 'percentile' && p.device !== null);
    expect(perDevice.map((p) => p.device)).toEqual(r.devices.map((d) => d.id));
    for (const plot of data.plots.filter((p) => p.kind === 'percentile')) {
      expect(plot.series.length).toBeGreaterThan(0);
      for (const s of plot.series) {
        expect(s.points.length).toBeGreaterThan(10);
        for (let i = 1; i < s.points.length; i++) {
          expect(s.points[i]![0]).toBeGreaterThan(s.points[i - 1]![0]);
          expect(s.points[i]![1]!).toBeGreaterThanOrEqual(s.points[i - 1]![1]!);
        }
        expect(s.points.at(-1)![0]).toBe(s.count);
      }
    }
    // closed-loop device: all + 3 ops; open-loop device: all, uncorrected, 3 ops
    expect(perDevice[0]!.series.map((s) => s.name)).toEqual(['all ops', 'memmove', 'fill', 'crc32c']);
    expect(perDevice[1]!.series.map((s) => s.name)).toEqual(['all ops (corrected)', 'all ops (uncorrected)', 'memmove', 'fill', 'crc32c']);
    expect(perDevice[1]!.series[1]!.dash).toBe(true);
    // the percentile curve ends at the device's max latency (to the histogram's 3-digit resolution)
    const end = perDevice[0]!.series[0]!.points.at(-1)![1]!;
    expect(Math.abs(end - r.devices[0]!.latencyNs.max) / r.devices[0]!.latencyNs.max).toBeLessThan(1e-3);
    const total = data.plots.find((p) => p.id === 'pct-total')!;
    expect(total.series.map((s) => s.name)).toEqual(['all devices', ...r.devices.map((d) => d.id)]);
  });

  it('embeds throughput and p99 over time for each device', () => {
    const data = dataBlock(html);
    const ops = data.plots.find((p) => p.id === 'tp-ops')!;
    expect(ops.series.map((s) => s.name)).toEqual(r.devices.map((d) => d.id));
    expect(ops.series[0]!.points).toEqual(r.intervals.points.map((p) => [p.tS, p.devices[0]!.opsPerSec]));
    const p99 = data.plots.find((p) => p.id === 'tp-p99')!;
    expect(p99.series[1]!.points.map((p) => p[1])).toEqual(r.intervals.points.map((p) => p.devices[1]!.p99));
  });

  it('has the invalidation, fault, IOMMU and integrity sections', () => {
    for (const s of ['id="invalidation"', 'Descriptors by type', 'Per IOMMU', 'id="faults"', 'Responses by code', 'PRQ high-water', 'kernel fault service', 'id="integrity"', 'Stale-translation checker']) {
      expect(html).toContain(s);
    }
  });

  it('renders without histograms or intervals (older results)', () => {
    const old = makeRunResult({ devices: ['a'] }) as Partial<RunLike>;
    delete old.histograms;
    delete old.intervals;
    const out = renderRunReport(old as RunLike);
    expect(out).toContain('no latency histograms');
    expect(dataBlock(out).plots).toEqual([]);
    expect(out).toContain('No churn in this profile');
  });
});

type RunLike = ReturnType<typeof makeRunResult>;

describe('renderCompareReport', () => {
  const c = makeCompareResult();
  const html = renderCompareReport(c);

  it('has every metric label, every strategy and the ratios', () => {
    for (const m of c.metrics) expect(html).toContain(`<th>${m.label}</th>`);
    for (const s of c.strategies) expect(html).toContain(s);
    expect(html).toContain('shared-domain / per-device');
    const ratio = c.metrics.find((m) => m.key === 'submissions')!.ratios[1]!;
    expect(html).toContain(`${ratio.toFixed(2)}×`);
    expect(html).toContain('cmp &lt;fixture&gt;');
    expect(externalRefs(html)).toEqual([]);
  });

  it('overlays one total-latency percentile series per strategy', () => {
    const data = dataBlock(html);
    expect(data.kind).toBe('compare');
    const pct = data.plots.find((p) => p.id === 'pct-compare-total')!;
    expect(pct.series.map((s) => s.name)).toEqual(c.strategies);
    // the slower strategy's curve sits above at the median
    const median = (name: string): number => pct.series.find((s) => s.name === name)!.points.find((p) => p[0] >= 2)![1]!;
    expect(median('shared-domain')).toBeGreaterThan(median('per-device'));
    expect(html).toContain('id="pct-compare-total"');
  });
});

describe('reportCommand', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmaload-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes <input>.html for a run result and a compare result', async () => {
    const run = join(dir, 'run.json');
    writeFileSync(run, JSON.stringify(makeRunResult()));
    await reportCommand({ input: run, out: undefined, quiet: true });
    expect(readFileSync(join(dir, 'run.html'), 'utf8')).toContain('dmaload run report');

    const cmp = join(dir, 'cmp.json');
    writeFileSync(cmp, JSON.stringify(makeCompareResult()));
    const out = join(dir, 'sub', 'c.html');
    await reportCommand({ input: cmp, out, quiet: true });
    expect(readFileSync(out, 'utf8')).toContain('dmaload compare report');
  });

  it('defaults the output path', () => {
    expect(defaultHtmlPath('a/r.json')).toBe('a/r.html');
    expect(defaultHtmlPath('a/r.JSON')).toBe('a/r.html');
    expect(defaultHtmlPath('a/result')).toBe('a/result.html');
  });

  it('rejects missing, unparsable and foreign input with BadInputError naming the file', async () => {
    const missing = join(dir, 'nope.json');
    await expect(reportCommand({ input: missing, out: undefined, quiet: true })).rejects.toThrow(BadInputError);
    await expect(reportCommand({ input: missing, out: undefined, quiet: true })).rejects.toThrow(/nope\.json.*no such file/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ not json');
    expect(() => loadReportInput(bad)).toThrow(/bad\.json: not valid JSON/);
    const foreign = join(dir, 'foreign.json');
    writeFileSync(foreign, JSON.stringify({ hello: 1 }));
    expect(() => loadReportInput(foreign)).toThrow(BadInputError);
    expect(() => loadReportInput(foreign)).toThrow(/foreign\.json.*missing profile/);
    const brokenCompare = join(dir, 'bc.json');
    writeFileSync(brokenCompare, JSON.stringify({ strategies: ['a'], runs: {}, metrics: [] }));
    expect(() => loadReportInput(brokenCompare)).toThrow(/bc\.json: compare result has no run for strategy "a"/);
  });
});
