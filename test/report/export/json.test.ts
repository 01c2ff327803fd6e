// export --format json: per-tag and total summaries merged exactly (never averaged), the same
// from an hlog as from the run result of the same run, and a round trip through its own histograms.
import { HistogramLogWriter } from 'hdr-histogram-js';
import { describe, expect, it, vi } from 'vitest';

import { exportCommand } from '../../../src/cli/export/handler.js';
import { decodeHistogram, summarise } from '../../../src/metrics/histogram.js';
import type { ExportSummary } from '../../../src/report/export.js';
import { canon, DEVICES, exportJson, hist, runResult, save, tmp, VALUES, writeHlog } from './helpers.js';

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
