// The run report: one self-contained document (uPlot, its CSS and the browser script inlined,
// a CSP, no network reference), names escaped, a plot container and embedded data per device
// (percentiles: corrected and uncorrected for open loop) and over time, every section, and a
// result from an older dmaload (no histograms, no intervals) still renders.
import { describe, expect, it } from 'vitest';
import { renderRunReport } from '../../../src/report/html/run.js';
import { makeRunResult } from '../fixtures.js';
import { dataBlock, externalRefs } from './helpers.js';

const NASTY = 'evil <script>alert("x")</script> & co';

type RunLike = ReturnType<typeof makeRunResult>;

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
