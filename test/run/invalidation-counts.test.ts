// Exact, repeatable invalidation counts for a fixed schedule of E changes, each within one
// aligned span, with the x86 notifier rules (kernel/arch.ts): a munmap is one notifier call, an
// mprotect two (write dropped, then restored), a migration one per page. With C calls:
//   4 ATS devices behind 1 IOMMU: vtd-per-device 4C IOTLB + 4C devTLB in 8C submissions;
//                                 vtd-cache-tags-grouped C IOTLB + 4C devTLB in C submissions.
//   2 IOMMUs × 2 ATS devices:     grouped 2C IOTLB + 4C devTLB in 2C submissions
//                                 (per-device: still 4C + 4C in 8C).
// Then the acceptance counts of issue 11: the 33-page ceiling, a call per migrated page, and
// batched against grouped cache tags when devices alternate between two units.
import { describe, expect, it } from 'vitest';
import { cacheTags } from '../../src/kernel/strategies/vtd-cache-tags.js';
import type { Strategy } from '../../src/profile/types.js';
import { runProfile } from '../../src/run/run.js';
import type { RunResult } from '../../src/run/result.js';
import { profileFrom } from '../helpers/machine.js';

const E = 24;

function yaml(iommuOf: (i: number) => string, iommus: string[], churn = `ops: { munmap: 1, mprotect: 1, migrate: 1 }, rangeBytes: 8KiB`): string {
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
churn: { process: app, region: buf, ${churn}, count: ${E}, ratePerSec: 2400 }
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

/** Notifier calls of a run of E changes of 2 pages, checked against the x86 rules. */
function calls(r: RunResult): number {
  const by = r.invalidation!.eventsByOp as Record<'munmap' | 'mprotect' | 'migrate', number>;
  expect(by.munmap + by.mprotect / 2 + by.migrate / 2).toBe(E);
  return by.munmap + by.mprotect + by.migrate;
}

describe('invalidation counts', () => {
  it('4 ATS devices behind one IOMMU', async () => {
    const y = yaml(() => 'mmu0', ['mmu0']);
    const per = await run(y, 'vtd-per-device');
    const shared = await run(y, 'vtd-cache-tags-grouped');
    const C = calls(per);
    expect(C).toBeGreaterThan(E);
    expect(counts(per)).toEqual({ events: C, iotlb: 4 * C, devtlb: 4 * C, submissions: 8 * C });
    expect(counts(shared)).toEqual({ events: C, iotlb: C, devtlb: 4 * C, submissions: C });
    // Same schedule under both strategies: the same changes, of the same kinds.
    expect(shared.invalidation!.eventsByOp).toEqual(per.invalidation!.eventsByOp);
    expect(per.invalidation!.wholePasidFlushes).toBe(0);
    for (const r of [per, shared]) expect(r.checker.violations).toBe(0);
  });

  it('2 IOMMUs with 2 ATS devices each', async () => {
    const y = yaml((i) => (i < 2 ? 'mmu0' : 'mmu1'), ['mmu0', 'mmu1']);
    const shared = await run(y, 'vtd-cache-tags-grouped');
    const per = await run(y, 'vtd-per-device');
    const C = calls(shared);
    expect(counts(shared)).toEqual({ events: C, iotlb: 2 * C, devtlb: 4 * C, submissions: 2 * C });
    expect(counts(per)).toEqual({ events: C, iotlb: 4 * C, devtlb: 4 * C, submissions: 8 * C });
    // Per IOMMU: each unit sees its own share.
    for (const m of shared.iommus) {
      expect(m.invalidation).toMatchObject({ submissions: C, descriptors: { iotlb: C, devtlb: 2 * C } });
    }
    for (const r of [per, shared]) expect(r.checker.violations).toBe(0);
  });

  it('x86: 24 aligned munmaps of 34 pages are 24 whole-PASID flushes; of 33 pages, none', async () => {
    const of = (pages: number) => yaml(() => 'mmu0', ['mmu0'], `ops: { munmap: 1 }, rangeBytes: ${pages * 4}KiB`);
    const over = await run(of(34), 'vtd-cache-tags-grouped');
    expect(counts(over)).toEqual({ events: 24, iotlb: 24, devtlb: 96, submissions: 24 });
    expect(over.invalidation!.wholePasidFlushes).toBe(24);
    const at = await run(of(33), 'vtd-cache-tags-grouped');
    expect(counts(at)).toEqual({ events: 24, iotlb: 24, devtlb: 96, submissions: 24 });
    expect(at.invalidation!.wholePasidFlushes).toBe(0);
    // The flushed spans show the widening: 34 pages asked → the whole PASID; 33 asked → a
    // 64-page naturally aligned span (VT-d's power-of-two mask).
    expect(over.invalidation!.flushedSpans).toEqual({ requested: { all: 24 }, iotlb: { all: 24 }, devtlb: { all: 96 } });
    expect(at.invalidation!.flushedSpans).toEqual({ requested: { '33': 24 }, iotlb: { '64': 24 }, devtlb: { '64': 96 } });
    // The generic rule (the change's own range) never widens.
    const generic = await runProfile({ ...profileFrom(of(34)), invalidation: { ...profileFrom(of(34)).invalidation, arch: 'generic' } });
    expect(generic.result.invalidation!.wholePasidFlushes).toBe(0);
    for (const r of [over, at, generic.result]) expect(r.checker.violations).toBe(0);
  });

  it('x86: 24 migrations of 2 pages are 48 notifier calls', async () => {
    const r = await run(yaml(() => 'mmu0', ['mmu0'], `ops: { migrate: 1 }, rangeBytes: 8KiB`), 'vtd-cache-tags-grouped');
    expect(counts(r)).toEqual({ events: 48, iotlb: 48, devtlb: 192, submissions: 48 });
    expect(r.invalidation!.eventsByOp).toEqual({ munmap: 0, mprotect: 0, migrate: 48 });
    expect(r.checker.violations).toBe(0);
  });

  it('devices alternating between two units: batched cache tags submit more than grouped, with the same descriptors', async () => {
    const y = yaml((i) => (i % 2 === 0 ? 'mmu0' : 'mmu1'), ['mmu0', 'mmu1'], `ops: { munmap: 1 }, rangeBytes: 8KiB`);
    const batched = await run(y, 'vtd-cache-tags-batched');
    const grouped = await run(y, 'vtd-cache-tags-grouped');
    // Derived from the tag order: a batch ends at every change of unit along the tag list.
    const attachments = [0, 1, 2, 3].map((d) => ({ device: d, pasid: 1, iommu: d % 2, did: 1, ats: true }));
    const runsOf = (grouped: boolean) => cacheTags(attachments, grouped).filter((t, i, all) => i === 0 || all[i - 1]!.iommu !== t.iommu).length;
    expect([runsOf(false), runsOf(true)]).toEqual([4, 2]);
    expect(counts(batched)).toEqual({ events: E, iotlb: 2 * E, devtlb: 4 * E, submissions: runsOf(false) * E });
    expect(counts(grouped)).toEqual({ events: E, iotlb: 2 * E, devtlb: 4 * E, submissions: runsOf(true) * E });
    for (const r of [batched, grouped]) expect(r.checker.violations).toBe(0);
  });
});
