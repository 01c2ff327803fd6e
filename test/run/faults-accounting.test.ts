// Every submitted descriptor ends with a status — submitted = sum of completions by status —
// in a fault storm of 4 devices on 2 cores, with block-on-fault and with partial completion.
import { describe, expect, it } from 'vitest';
import { runProfile } from '../../src/run/run.js';
import { profileFrom } from '../helpers/machine.js';

function storm(blockOnFault: boolean): string {
  return `
seed: 4
durationS: 0.02
system: { memoryBytes: 128MiB }
iommus: [{ id: mmu }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 8MiB, populate: 0 }] }]
devices:
${[0, 1, 2, 3]
  .map((i) => `  - { id: d${i}, iommu: mmu, pri: true, blockOnFault: ${blockOnFault}, attach: { type: sva, process: app }, workload: { region: buf, queueDepth: 8, pattern: sequential, ops: { memmove: 2, fill: 1, crc32c: 1, batch: 1 } } }`)
  .join('\n')}
`;
}

describe('fault accounting', () => {
  for (const blockOnFault of [true, false]) {
    it(`${blockOnFault ? 'block-on-fault' : 'partial completion'}: submitted equals the sum of completions by status`, async () => {
      const { result } = await runProfile(profileFrom(storm(blockOnFault)));
      for (const d of result.devices) {
        const completed = Object.values(d.statuses).reduce((a, b) => a + b, 0);
        expect(completed).toBe(d.submitted);
        expect(d.ops).toBeGreaterThan(0);
      }
      const f = result.faults;
      if (blockOnFault) {
        expect(f.pageRequests).toBeGreaterThan(0);
        expect(f.responses.success).toBe(f.groups);
        expect(result.totals.submitted).toBe(result.totals.ops);
      } else {
        // Each partial completion is a hardware completion (page-fault) followed by a resubmission.
        expect(f.partialCompletions).toBeGreaterThan(0);
        expect(result.totals.statuses['page-fault']).toBe(f.partialCompletions);
        expect(f.touches.ok + f.touches.failed).toBe(f.partialCompletions);
        expect(result.totals.submitted).toBe(result.totals.ops + f.touches.ok);
      }
      expect(f.faultedOps).toBeGreaterThan(0);
      expect(f.latencyNs.faulted.p50).toBeGreaterThan(f.latencyNs.clean.p50);
      expect(result.checker.violations).toBe(0);
      expect(result.integrity.failed).toBe(0);
    });
  }
});
