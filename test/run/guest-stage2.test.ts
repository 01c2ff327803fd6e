// A stage-2 change (the host reclaiming or moving the guest memory behind a guest process's
// region) flushes, per change, one IOTLB descriptor for the nested domain's did and the whole
// device TLB of every ATS device in the VM (Linux's nesting cache tags, kernel/vm-flush.ts) —
// and only then frees the old host frames. Without the device-TLB part the checker sees the
// devices use freed frames.
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/run/result.js';
import { runProfile } from '../../src/run/run.js';
import { skipDevtlb } from '../helpers/broken-strategies.js';
import { profileFrom } from '../helpers/machine.js';

const CHANGES = 12;

function yaml(op: 'munmap' | 'migrate'): string {
  const dev = (i: number): string => `
  - { id: dsa${i}, iommu: iommu0, vm: vm0, ats: true, pri: true, devtlbEntries: 64, attach: { type: sva, process: app },
      workload: { region: buf, queueDepth: 4, transferSizeBytes: 4096, pattern: zipf, ops: { memmove: 1, crc32c: 1 } } }`;
  return `
seed: 9
durationS: 0.01
system: { memoryBytes: 128MiB, integritySampleEvery: 8 }
iommus: [{ id: iommu0 }]
vms: [{ name: vm0, memoryBytes: 32MiB }]
processes: [{ name: app, vm: vm0, regions: [{ name: buf, sizeBytes: 256KiB }] }]
devices:${[0, 1, 2].map(dev).join('')}
churn: { process: app, region: buf, stage: 2, ops: { ${op}: 1 }, count: ${CHANGES}, ratePerSec: 2000, rangeBytes: 16KiB }
`;
}

async function run(op: 'munmap' | 'migrate', broken = false): Promise<RunResult> {
  return (await runProfile(profileFrom(yaml(op)), broken ? { brokenStage2NoDevtlb: true } : {})).result;
}

describe('stage-2 changes', () => {
  for (const op of ['munmap', 'migrate'] as const) {
    it(`${op}: each change flushes the nested did once and every device TLB of the VM whole, then frees the old host frames`, async () => {
      const r = await run(op);
      const s2 = r.guests.vms[0]!.stage2;
      expect(s2).toMatchObject({ changes: CHANGES, pages: 4 * CHANGES, framesFreed: 4 * CHANGES, flushes: CHANGES, submissions: CHANGES, iotlbDescriptors: CHANGES, devtlbWholeDescriptors: 3 * CHANGES });
      for (const d of r.devices) expect(d.devtlbWholeFlushes).toBe(CHANGES);
      // No guest-side invalidation: the guest's own mappings never changed.
      expect(r.invalidation!.events).toBe(0);
      expect(r.checker.violations).toBe(0);
      expect(r.checker.isolationBreaches).toBe(0);
      expect(r.integrity.failed).toBe(0);
      expect(r.integrity.checked).toBeGreaterThan(0);
      if (op === 'munmap') {
        // Reclaimed pages come back at the devices' page requests: stage-2 faults, the host's.
        expect(s2.deviceFaults).toBeGreaterThan(0);
        // Two devices may fault on one page: the second finds it backed (answered all the same).
        expect(r.guests.stage2Faults).toBeGreaterThanOrEqual(s2.deviceFaults);
        expect(r.guests.pageRequestsForwarded).toBe(0);
        expect(r.guests.stage2Faults).toBe(r.faults.pageRequests);
        expect(r.guests.pageRequestsForwarded).toBe(0);
      } else {
        expect(s2.deviceFaults).toBe(0);
      }
    });
  }

  it('the checker catches a stage-2 flush that leaves the device TLBs out', async () => {
    const r = await run('migrate', true);
    expect(r.guests.vms[0]!.stage2.devtlbWholeDescriptors).toBe(0);
    expect(r.checker.violations).toBeGreaterThan(0);
  });
});

// The checker covers guest memory through stage 1 too: a guest frame the guest kernel frees is
// stale to every translation made before (its host frame's generation moves), so a guest
// strategy that skips the device-TLB flushes is caught; the real one is not.
describe('use-after-free checker on guest memory (stage 1)', () => {
  const YAML = `
seed: 9
durationS: 0.01
system: { memoryBytes: 128MiB }
iommus: [{ id: mmu }]
vms: [{ name: vm0, memoryBytes: 32MiB }]
processes: [{ name: app, vm: vm0, regions: [{ name: buf, sizeBytes: 256KiB }] }]
churn: { process: app, region: buf, ops: { munmap: 1, migrate: 1 }, ratePerSec: 10000, rangeBytes: 16KiB }
devices:
  - { id: d0, iommu: mmu, vm: vm0, devtlbEntries: 64, attach: { type: sva, process: app }, workload: { region: buf, queueDepth: 4, ops: { memmove: 1, crc32c: 1 } } }
  - { id: d1, iommu: mmu, vm: vm0, devtlbEntries: 64, attach: { type: sva, process: app }, workload: { region: buf, queueDepth: 4, ops: { fill: 1, crc32c: 1 } } }
`;
  it('catches a guest strategy that skips device-TLB flushes; the real one makes no violation', async () => {
    const broken = (await runProfile(profileFrom(YAML), { strategy: skipDevtlb })).result;
    expect(broken.invalidation!.descriptors.devtlb).toBe(0);
    expect(broken.checker.violations).toBeGreaterThan(0);
    expect(['d0', 'd1']).toContain(broken.checker.firstViolation!.device);
    const real = (await runProfile(profileFrom(YAML))).result;
    expect(real.invalidation!.events).toBeGreaterThan(50);
    expect(real.checker.violations).toBe(0);
    expect(real.checker.isolationBreaches).toBe(0);
  });
});
