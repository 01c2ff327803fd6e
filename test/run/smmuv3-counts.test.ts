// SMMUv3 SVA invalidation counts (kernel/strategies/smmuv3.ts), exact: 4 ATS masters on one
// SMMU instance, 24 aligned munmaps, arm64 notifier rules (the default for SMMUv3 IOMMUs).
import { describe, expect, it } from 'vitest';
import { atcSpan, rangeCommands } from '../../src/kernel/strategies/smmuv3.js';
import type { Strategy } from '../../src/profile/types.js';
import { runProfile } from '../../src/run/run.js';
import { profileFrom } from '../helpers/machine.js';
import { ProfileError } from '../../src/profile/problems.js';

function yaml(pages: number, strategy?: Strategy, type = 'smmuv3'): string {
  const devs = [0, 1, 2, 3]
    .map((i) => `  - { id: m${i}, iommu: smmu0, devtlbEntries: 16, attach: { type: sva, process: app }, workload: { region: buf, queueDepth: 4, ops: { memmove: 1 } } }`)
    .join('\n');
  return `
seed: 3
durationS: 0.01
system: { memoryBytes: 64MiB }
platform: native
iommus: [{ id: smmu0, type: ${type} }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 4MiB }] }]
churn: { process: app, region: buf, ops: { munmap: 1 }, count: 24, ratePerSec: 2400, rangeBytes: ${pages * 4}KiB }
${strategy ? `invalidation: { strategy: ${strategy} }` : ''}
devices:
${devs}
`;
}

async function counts(pages: number, strategy?: Strategy) {
  const p = profileFrom(yaml(pages, strategy));
  const r = (await runProfile(p)).result;
  const inv = r.invalidation!;
  expect(r.checker.violations).toBe(0);
  return { strategy: inv.strategy, arch: inv.arch, tlbi: inv.descriptors.iotlb, atc: inv.descriptors.devtlb, syncs: inv.waits, submissions: inv.submissions, asid: inv.wholePasidFlushes };
}

describe('SMMUv3 invalidation counts', () => {
  it('8 aligned pages, no range invalidation: a TLBI per page, an ATC invalidation per master, a CMD_SYNC each', async () => {
    expect(await counts(8)).toEqual({ strategy: 'smmuv3', arch: 'arm64', tlbi: 192, atc: 96, syncs: 48, submissions: 48, asid: 0 });
    const r = (await runProfile(profileFrom(yaml(8)))).result;
    // A TLBI per page, an ATC invalidation over the 8-page aligned span.
    expect(r.invalidation!.flushedSpans).toEqual({ requested: { '8': 24 }, iotlb: { '1': 192 }, devtlb: { '8': 96 } });
  });

  it('512 pages: one TLBI by ASID per change (and whole-space ATC invalidations)', async () => {
    expect(await counts(512)).toEqual({ strategy: 'smmuv3', arch: 'arm64', tlbi: 24, atc: 96, syncs: 48, submissions: 48, asid: 24 });
  });

  it('100 pages: 100 TLBIs in two issues (a full batch of 64 without a sync, then 36 with one)', async () => {
    // 100 TLBIs: 64 issued without a sync, then 36 with one; then the ATC batch with one.
    expect(await counts(100)).toEqual({ strategy: 'smmuv3', arch: 'arm64', tlbi: 2400, atc: 96, syncs: 48, submissions: 72, asid: 0 });
  });

  it('range invalidation: 8 pages are one range command', async () => {
    expect(await counts(8, 'smmuv3-ril')).toEqual({ strategy: 'smmuv3-ril', arch: 'arm64', tlbi: 24, atc: 96, syncs: 48, submissions: 48, asid: 0 });
  });

  it('the range commands take 5 bits of the page count at a time (a count ending in 1 takes one page more, as SVA passes no leaf)', () => {
    expect(rangeCommands(0, 512)).toEqual([{ startVpn: 0, pages: 512 }]);
    expect(rangeCommands(0, 100)).toEqual([{ startVpn: 0, pages: 100 }]);
    expect(rangeCommands(0, 33)).toEqual([{ startVpn: 0, pages: 34 }]);
    // 63 = 0b111111: scale 0, num = 63 & 31 = 31 → 31 pages; the rest, 32: scale 5, num 1.
    expect(rangeCommands(64, 63)).toEqual([
      { startVpn: 64, pages: 31 },
      { startVpn: 95, pages: 32 },
    ]);
  });

  it('an ATC invalidation covers the smallest aligned power-of-two span holding the range', () => {
    expect(atcSpan(8, 16)).toEqual({ startVpn: 8, endVpn: 16 });
    expect(atcSpan(7, 9)).toEqual({ startVpn: 0, endVpn: 16 });
    expect(atcSpan(5, 6)).toEqual({ startVpn: 5, endVpn: 6 });
  });

  it('a VT-d strategy on an SMMUv3 (or the reverse) is a profile error naming the IOMMU', () => {
    expect(() => profileFrom(yaml(8, 'vtd-per-device'))).toThrow(ProfileError);
    expect(() => profileFrom(yaml(8, 'vtd-per-device'))).toThrow(/invalidation.strategy: vtd-per-device drives VT-d IOMMUs; iommu smmu0 is smmuv3/);
    expect(() => profileFrom(yaml(8, 'smmuv3', 'vtd'))).toThrow(/smmuv3 drives SMMUv3 IOMMUs; iommu smmu0 is vtd/);
  });
});
