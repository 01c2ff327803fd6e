// The interval log a run streams (--hlog) is read back by hdr-histogram-js's own log reader:
// one tagged histogram per device per interval, summing to each device's completed count; the
// CSV has a row per device per interval.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { afterAll, describe, expect, it } from 'vitest';
import { IntervalStreams } from '../../src/report/streams.js';
import { runProfile } from '../../src/run/run.js';
import { profileFrom } from '../helpers/machine.js';

const dir = mkdtempSync(join(tmpdir(), 'dmaload-hlog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const YAML = `
seed: 5
durationS: 0.022
platform: native
system: { memoryBytes: 64MiB }
iommus: [{ id: mmu }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 4MiB }] }]
devices:
  - { id: d0, iommu: mmu, attach: { type: sva, process: app }, workload: { region: buf, ops: { memmove: 1 } } }
  - { id: d1, iommu: mmu, attach: { type: sva, process: app }, workload: { region: buf, ops: { crc32c: 1 } } }
`;

describe('interval log', () => {
  it('reads back with HistogramLogReader into the same total counts per device', async () => {
    const hlog = join(dir, 'run.hlog');
    const csv = join(dir, 'run.csv');
    const { result } = await runProfile(profileFrom(YAML), { intervalSink: new IntervalStreams({ hlog, csv }), intervalS: 0.005 });
    const text = readFileSync(hlog, 'utf8');
    expect(hdr.listTags(text).sort()).toEqual(['d0', 'd1']);
    const reader = new hdr.HistogramLogReader(text);
    const counts: Record<string, number> = {};
    let intervals = 0;
    for (let h = reader.nextIntervalHistogram(); h; h = reader.nextIntervalHistogram()) {
      counts[h.tag] = (counts[h.tag] ?? 0) + h.totalCount;
      intervals++;
    }
    expect(counts.d0).toBe(result.devices[0]!.ops);
    expect(counts.d1).toBe(result.devices[1]!.ops);
    // Modelled time: intervals of 5 ms of virtual time over 22 ms, 5 per device (the last one 2 ms).
    expect(intervals).toBe(10);
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('tS,device,ops,opsPerSec,bytesPerSec,p50Ns,p99Ns,maxNs');
    const ops = rows.slice(1).map((r) => r.split(',')).reduce((s, f) => s + Number(f[2]), 0);
    expect(ops).toBe(result.totals.ops);
    // The result's interval series covers the run, per device.
    expect(result.intervals.intervalS).toBe(0.005);
    const seriesOps = result.intervals.points.reduce((s, p) => s + p.devices.reduce((a, d) => a + d.ops, 0), 0);
    expect(seriesOps).toBe(result.totals.ops);
  });
});
