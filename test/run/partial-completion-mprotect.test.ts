// Issue 11's wedge: a partial-completion device (pri, no block-on-fault) under mprotect churn.
// A write fault on a page an mprotect holds read-only used to be touched "ok" by the software
// while the PTE stayed read-only, so the device resubmitted forever without applying the
// device-TLB invalidation the mprotect waited for: after the 10 s acknowledgement timeout the run
// failed with no result. Now the touch is refused (test/kernel/mprotect-window.test.ts; the
// descriptor's page fault stands) and the device applies invalidations between a touch and its
// resubmission: the run completes, every descriptor with a status. Host timing (the wedge needs real threads racing); the same profile in modelled time.
import { describe, expect, it } from 'vitest';
import { runProfile } from '../../src/run/run.js';
import { profileFrom } from '../helpers/machine.js';

const yaml = (timing: 'host' | 'modelled') => `
seed: 3
timing: ${timing}
durationS: ${timing === 'host' ? 3 : 0.05}
iommus: [{ id: smmu0, type: smmuv3 }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 8MiB, populate: 0 }] }]
churn: { process: app, region: buf, ops: { munmap: 2, mprotect: 1, migrate: 1 }, ratePerSec: ${timing === 'host' ? 200 : 2000}, rangeBytes: 16KiB }
devices:
  - { id: d0, iommu: smmu0, pri: true, blockOnFault: false, attach: { type: sva, process: app }, workload: { region: buf, queueDepth: 4, ops: { memmove: 1, fill: 1 } } }
`;

describe('partial completion under mprotect churn', () => {
  for (const timing of ['host', 'modelled'] as const) {
    it(`${timing}: the run completes and every descriptor ends with a status`, async () => {
      const { result } = await runProfile(profileFrom(yaml(timing)));
      const d = result.devices[0]!;
      expect(d.ops).toBeGreaterThan(0);
      expect(Object.values(d.statuses).reduce((s, n) => s + n, 0)).toBe(d.submitted);
      expect(result.invalidation!.eventsByOp['mprotect']).toBeGreaterThan(0);
      expect(result.checker.violations).toBe(0);
      // Every partial completion was touched: ok (resubmitted) or refused (its page fault stands).
      expect(d.faults.touches.ok + d.faults.touches.failed).toBe(d.faults.partialCompletions);
    }, 60_000);
  }
});
