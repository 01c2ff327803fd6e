// `dmaload compare`: prints the side-by-side table, writes the JSON with exact counts and
// ratios, and rejects bad strategy lists and profiles without churn with exit 2.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const PROFILE = 'test/fixtures/profiles/small-churn.yaml';
const dir = mkdtempSync(join(tmpdir(), 'dmaload-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dmaload compare', () => {
  it('runs both strategies on the same schedule and writes the comparison', async () => {
    const out = join(dir, 'cmp.json');
    const r = await runCli(['compare', PROFILE, '--json', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/vtd-cache-tags-grouped \/ vtd-per-device/);
    expect(r.stdout).toMatch(/submissions/);
    const c = JSON.parse(readFileSync(out, 'utf8'));
    expect(c.strategies).toEqual(['vtd-per-device', 'vtd-cache-tags-grouped']);
    const m = Object.fromEntries(c.metrics.map((x: { key: string }) => [x.key, x]));
    // 12 changes of 2 pages, 2 ATS devices on one IOMMU; x86 calls the notifier once per munmap
    // and once per migrated page: C calls.
    const by = c.runs['vtd-per-device'].invalidation.eventsByOp;
    expect(by.munmap + by.migrate / 2).toBe(12);
    const C = by.munmap + by.migrate;
    expect(m.events.values).toEqual([C, C]);
    expect(m['descriptors.iotlb'].values).toEqual([2 * C, C]);
    expect(m['descriptors.devtlb'].values).toEqual([2 * C, 2 * C]);
    expect(m.submissions.values).toEqual([4 * C, C]);
    expect(m.submissions.ratios).toEqual([1, 0.25]);
    expect(m.violations.values).toEqual([0, 0]);
    // Modelled time: equal virtual windows, said under the table, and both kept pace.
    expect(r.stdout).toMatch(/timing modelled: every strategy over an equal virtual window of 5\.00 ms/);
    expect(c.runs['vtd-per-device'].elapsedNs).toBe(5e6);
    expect(c.runs['vtd-cache-tags-grouped'].elapsedNs).toBe(5e6);
    expect(m.lateChanges.values).toEqual([0, 0]);
    expect(r.stdout).not.toMatch(/could not keep pace/);
    expect(c.runs['vtd-per-device'].invalidation.strategy).toBe('vtd-per-device');
    expect(c.runs['vtd-cache-tags-grouped'].seed).toBe(7);
  });

  it('says when a strategy could not keep pace with the churn schedule', async () => {
    // Guest: every submission traps (20 µs). Per-device needs 2 IOTLB + 2 device-TLB
    // submissions per change, ~90 µs, more than the 50 µs between changes at 20,000/s;
    // shared-domain needs one (~23 µs) and keeps pace.
    const fast = join(dir, 'fast.yaml');
    writeFileSync(fast, readFileSync(PROFILE, 'utf8').replace('platform: native', 'platform: guest').replace('ratePerSec: 2400', 'ratePerSec: 20000'));
    const out = join(dir, 'fast.json');
    const r = await runCli(['compare', fast, '--json', out]);
    expect(r.status).toBe(0);
    const c = JSON.parse(readFileSync(out, 'utf8'));
    const late = c.metrics.find((x: { key: string }) => x.key === 'lateChanges').values;
    expect(late[0]).toBeGreaterThan(0);
    expect(late[1]).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`vtd-per-device could not keep pace with the churn schedule: ${late[0]} of 12 changes started late`));
    expect(c.runs['vtd-per-device'].invalidation.changes).toBe(12);
    expect(r.stdout).not.toMatch(/vtd-cache-tags-grouped could not keep pace/);
  });

  it('rejects an unknown or single strategy with exit 2', async () => {
    for (const s of ['per-device,bogus', 'shared-domain', 'per-device,per-device']) {
      const r = await runCli(['compare', PROFILE, '--strategies', s]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/--strategies/);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
  });

  it('rejects a profile without churn with exit 2', async () => {
    const r = await runCli(['compare', 'profiles/quickstart.yaml']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/needs a profile with churn/);
  });
});
