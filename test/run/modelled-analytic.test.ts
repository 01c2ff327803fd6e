// Modelled time, checked against arithmetic done by hand (issue 10's analytic checks). Each
// assertion is exact or within HdrHistogram's precision, and each would fail if one cost were
// added twice, dropped, or read from the host's clock.
import { describe, expect, it } from 'vitest';
import { PRESET_COSTS } from '../../src/platform/presets.js';
import type { Strategy } from '../../src/profile/types.js';
import { runProfile } from '../../src/run/run.js';
import { profileFrom } from '../helpers/machine.js';

const NATIVE = PRESET_COSTS.native;

/** HdrHistogram keeps 3 significant digits: a recorded value is within 0.1% of the true one. */
const within = (actual: number, expected: number, rel = 0.001) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(expected * rel + 1);

describe('modelled time, by the arithmetic', () => {
  it('QD 1, 4 KiB memmove, every translation an IOTLB hit: each latency is the sum of the costs', async () => {
    // No ATS: every translation goes to the IOTLB. 16 pages, 64 entries: after each page's first
    // touch, every lookup hits. A descriptor translates its source and destination page.
    const iotlbHitNs = 50;
    const walkNs = 700;
    const { result } = await runProfile(
      profileFrom(`
seed: 4
platform: { preset: native, iotlbHitNs: ${iotlbHitNs}, iotlbMissWalkNs: ${walkNs} }
system: { memoryBytes: 64MiB }
iommus: [{ id: mmu, iotlbEntries: 64 }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 64KiB }] }]
devices:
  - { id: d0, iommu: mmu, ats: false, attach: { type: sva, process: app }, workload: { region: buf, queueDepth: 1, transferSizeBytes: 4096, ops: { memmove: 1 }, descriptors: 5000 } }
`),
    );
    const d = result.devices[0]!;
    const hitNs = NATIVE.submitNs + NATIVE.descriptorNs + 2 * iotlbHitNs + 4096 / NATIVE.memmoveGBps + NATIVE.completionNs;
    expect(d.ops).toBe(5000);
    // Only first touches missed (at most the 16 pages), so the median and p90 are the hit sum…
    expect(d.iotlb.misses).toBeLessThanOrEqual(16);
    within(d.latencyNs.p50, hitNs);
    within(d.latencyNs.p90, hitNs);
    // …and the mean is that plus the misses' walks, spread over every descriptor.
    within(d.latencyNs.mean, hitNs + (d.iotlb.misses * walkNs) / d.ops);
    // Closed loop at QD 1: the device is never idle, so elapsed = ops × latency, almost.
    expect(result.elapsedNs).toBe(Math.round(d.ops * hitNs + d.iotlb.misses * walkNs));
  });

  it('uniform access over W pages with N IOTLB entries: the mean latency rises by (1 − N/W) × walk', async () => {
    // One device alone behind its IOMMU (exact LRU), no ATS, 64 B reads: one translation per
    // descriptor. Fully associative, N = 64; a read-only op draws its addresses from the region's
    // source half, 2 MiB of the 4 MiB: W = 512 pages. LRU's hit rate under uniform access is N/W.
    const yaml = (walkNs: number) => `
seed: 11
platform: { preset: native, iotlbMissWalkNs: ${walkNs} }
system: { memoryBytes: 64MiB }
iommus: [{ id: mmu, iotlbEntries: 64, iotlbWays: 64 }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 4MiB }] }]
devices:
  - { id: d0, iommu: mmu, ats: false, attach: { type: sva, process: app }, workload: { region: buf, queueDepth: 1, pattern: uniform, transferSizeBytes: 64, ops: { crc32c: 1 }, descriptors: 60000 } }
`;
    const walkNs = 1000;
    const base = (await runProfile(profileFrom(yaml(0)))).result.devices[0]!;
    const slow = (await runProfile(profileFrom(yaml(walkNs)))).result.devices[0]!;
    // The same descriptors in both runs (the workload's draws do not depend on time).
    expect(slow.iotlb).toEqual(base.iotlb);
    expect(Math.abs(slow.iotlb.hits / (slow.iotlb.hits + slow.iotlb.misses) - 64 / 512)).toBeLessThan(0.005);
    const expected = (1 - 64 / 512) * walkNs;
    const rise = slow.latencyNs.mean - base.latencyNs.mean;
    expect(Math.abs(rise - expected)).toBeLessThanOrEqual(0.01 * expected);
  });

  it('a demand fault costs its translation twice, the request, the service, the response submission and the response', async () => {
    // QD 1 fills of 4 KiB, sequential over a demand-paged region: the destination half is 8 pages,
    // so the first 8 descriptors each fault once (a write to a non-present page), the other 32
    // find their page in the device TLB (64 entries).
    const { result } = await runProfile(
      profileFrom(`
seed: 4
platform: native
system: { memoryBytes: 64MiB }
iommus: [{ id: mmu, iotlbEntries: 64 }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 64KiB, populate: 0 }] }]
devices:
  - { id: d0, iommu: mmu, ats: true, devtlbEntries: 64, pri: true, attach: { type: sva, process: app }, workload: { region: buf, queueDepth: 1, pattern: sequential, transferSizeBytes: 4096, ops: { fill: 1 }, descriptors: 40 } }
`),
    );
    const c = NATIVE;
    const data = 4096 / c.fillGBps;
    const clean = c.submitNs + c.descriptorNs + c.devtlbHitNs + data + c.completionNs;
    // Device-TLB miss → ATS request → IOTLB miss → walk: not present. The page request, the
    // service (the fault populates a frame: zeroing), the response's submission (its descriptor;
    // the kernel's wait for it delays only the next request), the response's trip; then the same
    // translation again, now present; then the data.
    const translation = c.atsTranslationNs + c.iotlbHitNs + c.iotlbMissWalkNs;
    const service = c.faultServiceNs + c.pageZeroingNs + c.trapNs + c.pageResponseDescriptorNs;
    const faulted = c.submitNs + c.descriptorNs + translation + c.pageRequestNs + service + c.pageResponseNs + translation + data + c.completionNs;
    const d = result.devices[0]!;
    const f = result.faults;
    expect(d.ops).toBe(40);
    expect(f.pageRequests).toBe(8);
    expect(f.groups).toBe(8); // one response submission each
    expect(f.faultedOps).toBe(8);
    expect(d.iotlb.misses).toBe(16);
    within(f.latencyNs.faulted.p50, faulted);
    within(f.latencyNs.faulted.max, faulted);
    within(f.latencyNs.clean.max, clean);
    // Queue depth 1: the run is the descriptors back to back.
    expect(result.elapsedNs).toBe(Math.round(8 * faulted + 32 * clean));
  });

  // One IOMMU, four ATS devices, all SVA-bound to one process and idle when each change comes:
  // open loop, one 4 KiB memmove per millisecond (done within ~3 µs), and the changes at 0.5,
  // 1.5 and 2.5 ms. A device-TLB invalidation reaching an idle device is acknowledged after the
  // device's processing time (devtlbInvalidationNs).
  const yaml = (platform: string) => `
seed: 2
durationS: 0.003
platform: ${platform}
system: { memoryBytes: 64MiB }
iommus: [{ id: mmu }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 1MiB }] }]
churn: { process: app, region: buf, ops: { munmap: 1 }, count: 3, ratePerSec: 1000, startS: 0.0005, rangeBytes: 16KiB }
devices:
${[0, 1, 2, 3].map((i) => `  - { id: dsa${i}, iommu: mmu, attach: { type: sva, process: app }, workload: { region: buf, transferSizeBytes: 4096, ops: { memmove: 1 }, rateOpsPerSec: 1000 } }`).join('\n')}
`;
  const c = NATIVE;
  // shared-domain: ONE submission: trap, 1 IOTLB descriptor, 4 device-TLB descriptors (each
  // reaching its device when processed), the wait after the slowest acknowledgement.
  const shared = (trapNs: number) => trapNs + c.iotlbDescriptorNs + 4 * c.devtlbDescriptorNs + c.devtlbInvalidationNs + c.submissionWaitNs;
  // per-device: per device, an IOTLB submission and a device-TLB submission, each synchronous.
  const perDevice = (trapNs: number) =>
    4 * (trapNs + c.iotlbDescriptorNs + c.submissionWaitNs + (trapNs + c.devtlbDescriptorNs + c.devtlbInvalidationNs + c.submissionWaitNs));
  it.each([
    ['native', 'shared-domain', shared(0)],
    ['guest', 'shared-domain', shared(20_000)],
    ['native', 'per-device', perDevice(0)],
    ['guest', 'per-device', perDevice(20_000)],
  ] as const)('one change, 4 ATS devices behind one IOMMU (%s, %s): the invalidation takes %d ns', async (platform, strategy, expectedNs) => {
    const { result } = await runProfile(profileFrom(yaml(platform)), { strategy: strategy as Strategy });
    const inv = result.invalidation!;
    expect(inv.events).toBe(3);
    expect(inv.lateChanges).toBe(0);
    // Every change costs exactly the arithmetic (the histogram's precision aside); the total is exact.
    expect(inv.totalNs).toBe(3 * expectedNs);
    within(inv.latencyNs.p50, expectedNs);
    within(inv.latencyNs.max, expectedNs);
    expect(inv.descriptors.devtlb).toBe(12);
    expect(result.checker.violations).toBe(0);
  });
});
