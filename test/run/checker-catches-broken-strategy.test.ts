// The use-after-free checker is not a rubber stamp: a strategy that skips device-TLB
// invalidations lets devices reach freed (and reused) frames through stale device-TLB
// entries, and the checker reports it with the first offending device, PASID and address.
// The same profile with the real strategies reports none. Both timings: in modelled time the
// stale entries are used between the change and the (skipped) flush's arrival at a boundary.
import { describe, expect, it } from 'vitest';
import { runProfile } from '../../src/run/run.js';
import { skipDevtlb, skipDrain } from '../helpers/broken-strategies.js';
import { profileFrom } from '../helpers/machine.js';

const TIMED = {
  modelled: 'timing: modelled\ndurationS: 0.01\nplatform: native',
  host: 'timing: host\ndurationS: 1.5\nplatform: zero',
} as const;
const RATE = { modelled: 10000, host: 400 } as const;
const yamlFor = (timing: keyof typeof TIMED) => `
seed: 9
${TIMED[timing]}
system: { memoryBytes: 64MiB }
iommus: [{ id: mmu }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 256KiB }] }]
churn: { process: app, region: buf, ops: { munmap: 1, migrate: 1 }, ratePerSec: ${RATE[timing]}, rangeBytes: 16KiB }
devices:
  - { id: d0, iommu: mmu, devtlbEntries: 64, attach: { type: sva, process: app }, workload: { region: buf, queueDepth: 4, ops: { memmove: 1, crc32c: 1 } } }
  - { id: d1, iommu: mmu, devtlbEntries: 64, attach: { type: sva, process: app }, workload: { region: buf, queueDepth: 4, ops: { fill: 1, crc32c: 1 } } }
`;

describe.each(['modelled', 'host'] as const)('use-after-free checker (%s timing)', (timing) => {
  const YAML = yamlFor(timing);
  it('catches a strategy that skips device-TLB flushes', async () => {
    const { result } = await runProfile(profileFrom(YAML), { strategy: skipDevtlb });
    expect(result.invalidation!.descriptors.devtlb).toBe(0);
    expect(result.memory.framesReused).toBeGreaterThan(0);
    expect(result.checker.violations).toBeGreaterThan(0);
    const v = result.checker.firstViolation!;
    expect(['d0', 'd1']).toContain(v.device);
    expect(v.pasid).toBe(1);
    expect(v.frameGeneration).toBeGreaterThan(v.translationGeneration);
    const region = 0x10_0000_0000;
    expect(v.address).toBeGreaterThanOrEqual(region);
    expect(v.address).toBeLessThan(region + 256 * 1024);
  });

  it('reports none for the same profile under vtd-per-device and vtd-cache-tags-grouped', async () => {
    for (const strategy of ['vtd-per-device', 'vtd-cache-tags-grouped'] as const) {
      const { result } = await runProfile(profileFrom(YAML), { strategy });
      expect(result.invalidation!.events).toBeGreaterThan(50);
      expect(result.memory.framesReused).toBeGreaterThan(0);
      expect(result.checker.violations).toBe(0);
    }
  });
});

// Without the drain, a device that read a PTE just before the kernel cleared it can still be
// copying through the old frame after the invalidation "completed" and the frame was freed.
// Slow walks (injected walk cost) on a non-ATS device with a tiny IOTLB widen that window.
// Host timing only: the drain closes a race between threads on the wall clock; in modelled
// time the kernel acts only at barriers, where no copy is in flight.
const SLOW_WALKS = `
seed: 3
timing: host
durationS: 1.5
system: { memoryBytes: 64MiB }
platform: { preset: zero, iotlbMissWalkNs: 50000 }
iommus: [{ id: mmu, iotlbEntries: 2 }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 128KiB }] }]
churn: { process: app, region: buf, ops: { munmap: 1 }, ratePerSec: 500, rangeBytes: 4KiB }
devices:
  - { id: slow, iommu: mmu, ats: false, attach: { type: sva, process: app }, workload: { region: buf, queueDepth: 2, ops: { crc32c: 1 } } }
`;

describe('use-after-free checker and the drain', () => {
  it('catches invalidations that complete without draining in-flight copies', async () => {
    const { result } = await runProfile(profileFrom(SLOW_WALKS), { strategy: skipDrain });
    expect(result.checker.violations).toBeGreaterThan(0);
    expect(result.checker.firstViolation!.device).toBe('slow');
  });

  it('reports none when the drain is in place', async () => {
    const { result } = await runProfile(profileFrom(SLOW_WALKS), { strategy: 'vtd-cache-tags-grouped' });
    expect(result.invalidation!.events).toBeGreaterThan(50);
    expect(result.checker.violations).toBe(0);
  });
});
