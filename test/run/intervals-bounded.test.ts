// The interval series stays bounded on long runs: past MAX_POINTS, adjacent intervals merge
// pairwise — counts add and percentiles come from the merged histograms.
import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { IntervalCollector, MAX_POINTS } from '../../src/run/intervals.js';

function histB64(values: number[]): string {
  const h = hdr.build();
  for (const v of values) h.recordValue(v);
  return hdr.encodeIntoCompressedBase64(h);
}

describe('interval series', () => {
  it('never holds more than MAX_POINTS points and loses no counts', () => {
    const c = new IntervalCollector(['a'], 1, 0);
    const n = 3 * MAX_POINTS + 7;
    for (let k = 0; k < n; k++) {
      c.onInterval({ device: 0, index: k, startMs: k * 1000, endMs: (k + 1) * 1000, ops: 10, bytes: 100, histogram: histB64([k + 1]) });
    }
    const series = c.finish();
    expect(series.points.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(series.intervalS).toBe(4);
    expect(series.points.reduce((s, p) => s + p.devices[0]!.ops, 0)).toBe(10 * n);
    // A merged point's max is the max of its intervals (exact merge, not an average).
    const first = series.points[0]!;
    expect(first.devices[0]!.max).toBe(4);
    expect(first.durationS).toBeCloseTo(4, 6);
    expect(c.cumulative[0]!.totalCount).toBe(n);
  });

  it('a tail shorter than half an interval joins the interval before it, exactly; a longer one stands', () => {
    const feed = (tailMs: number) => {
      const c = new IntervalCollector(['a'], 1, 0);
      c.onInterval({ device: 0, index: 0, startMs: 0, endMs: 1000, ops: 10, bytes: 100, histogram: histB64([5]) });
      c.onInterval({ device: 0, index: 1, startMs: 1000, endMs: 2000, ops: 10, bytes: 100, histogram: histB64([7]) });
      c.onInterval({ device: 0, index: 2, startMs: 2000, endMs: 2000 + tailMs, ops: 2, bytes: 20, histogram: histB64([9]) });
      return c.finish().points;
    };
    const short = feed(200);
    expect(short).toHaveLength(2);
    expect(short[1]).toMatchObject({ tS: 2.2 });
    expect(short[1]!.durationS).toBeCloseTo(1.2, 9);
    expect(short[1]!.devices[0]).toMatchObject({ ops: 12, max: 9 });
    expect(feed(600)).toHaveLength(3);
  });
});
