// `dmaload compare`: prints the side-by-side table, writes the JSON with exact counts and
// ratios, and rejects bad strategy lists and profiles without churn with exit 2.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
    expect(r.stdout).toMatch(/shared-domain \/ per-device/);
    expect(r.stdout).toMatch(/submissions/);
    const c = JSON.parse(readFileSync(out, 'utf8'));
    expect(c.strategies).toEqual(['per-device', 'shared-domain']);
    const m = Object.fromEntries(c.metrics.map((x: { key: string }) => [x.key, x]));
    // 12 changes, 2 ATS devices on one IOMMU.
    expect(m.events.values).toEqual([12, 12]);
    expect(m['descriptors.iotlb'].values).toEqual([24, 12]);
    expect(m['descriptors.devtlb'].values).toEqual([24, 24]);
    expect(m.submissions.values).toEqual([48, 12]);
    expect(m.submissions.ratios).toEqual([1, 0.25]);
    expect(m.violations.values).toEqual([0, 0]);
    expect(c.runs['per-device'].invalidation.strategy).toBe('per-device');
    expect(c.runs['shared-domain'].seed).toBe(7);
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
