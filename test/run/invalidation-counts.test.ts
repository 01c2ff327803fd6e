// Exact, repeatable invalidation counts for a fixed schedule of E changes, each within one
// aligned span:
//   4 ATS devices behind 1 IOMMU: per-device 4E IOTLB + 4E devTLB in 8E submissions;
//                                 shared-domain E IOTLB + 4E devTLB in E submissions.
//   2 IOMMUs × 2 ATS devices:     shared-domain 2E IOTLB + 4E devTLB in 2E submissions
//                                 (per-device: still 4E + 4E in 8E).
import { describe, expect, it } from 'vitest';
import type { Strategy } from '../../src/profile/types.js';
import { runProfile } from '../../src/run/run.js';
import type { RunResult } from '../../src/run/result.js';
import { profileFrom } from '../helpers/machine.js';

const E = 24;

function yaml(iommuOf: (i: number) => string, iommus: string[]): string {
  const devs = [0, 1, 2, 3]
    .map((i) => `  - { id: dsa${i}, iommu: ${iommuOf(i)}, devtlbEntries: 16, attach: { type: sva, process: app }, workload: { region: buf, queueDepth: 4, ops: { memmove: 1, crc32c: 1 } } }`)
    .join('\n');
  return `
seed: 5
durationS: 0.01
system: { memoryBytes: 64MiB }
platform: native
iommus: [${iommus.map((id) => `{ id: ${id} }`).join(', ')}]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 1MiB }] }]
churn: { process: app, region: buf, ops: { munmap: 1, mprotect: 1, migrate: 1 }, count: ${E}, ratePerSec: 2400, rangeBytes: 8KiB }
devices:
${devs}
`;
}

async function run(y: string, strategy: Strategy): Promise<RunResult> {
  return (await runProfile(profileFrom(y), { strategy })).result;
}

function counts(r: RunResult) {
  const inv = r.invalidation!;
  return { events: inv.events, iotlb: inv.descriptors.iotlb, devtlb: inv.descriptors.devtlb, submissions: inv.submissions };
}

describe('invalidation counts', () => {
  it('4 ATS devices behind one IOMMU', async () => {
    const y = yaml(() => 'mmu0', ['mmu0']);
    const per = await run(y, 'per-device');
    const shared = await run(y, 'shared-domain');
    expect(counts(per)).toEqual({ events: E, iotlb: 4 * E, devtlb: 4 * E, submissions: 8 * E });
    expect(counts(shared)).toEqual({ events: E, iotlb: E, devtlb: 4 * E, submissions: E });
    // Same schedule under both strategies: the same changes, of the same kinds.
    expect(shared.invalidation!.eventsByOp).toEqual(per.invalidation!.eventsByOp);
    expect(per.invalidation!.wholePasidFlushes).toBe(0);
    for (const r of [per, shared]) expect(r.checker.violations).toBe(0);
  });

  it('2 IOMMUs with 2 ATS devices each', async () => {
    const y = yaml((i) => (i < 2 ? 'mmu0' : 'mmu1'), ['mmu0', 'mmu1']);
    const shared = await run(y, 'shared-domain');
    const per = await run(y, 'per-device');
    expect(counts(shared)).toEqual({ events: E, iotlb: 2 * E, devtlb: 4 * E, submissions: 2 * E });
    expect(counts(per)).toEqual({ events: E, iotlb: 4 * E, devtlb: 4 * E, submissions: 8 * E });
    // Per IOMMU: each unit sees its own share.
    for (const m of shared.iommus) {
      expect(m.invalidation).toMatchObject({ submissions: E, descriptors: { iotlb: E, devtlb: 2 * E } });
    }
    for (const r of [per, shared]) expect(r.checker.violations).toBe(0);
  });
});
