// A page-request queue too small for the devices behind the IOMMU overflows: the IOMMU answers
// SUCCESS on the device's behalf, the device retries, overflows are counted, nothing is lost.
import { describe, expect, it } from 'vitest';
import { runProfile } from '../../src/run/run.js';
import { profileFrom } from '../helpers/machine.js';

const YAML = `
seed: 6
system: { memoryBytes: 64MiB }
iommus: [{ id: mmu, prqEntries: 1 }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 4MiB, populate: 0 }] }]
devices:
${[0, 1, 2, 3]
  .map((i) => `  - { id: d${i}, iommu: mmu, pri: true, attach: { type: sva, process: app }, workload: { region: buf, queueDepth: 2, pattern: uniform, ops: { crc32c: 1 }, descriptors: 600 } }`)
  .join('\n')}
`;

describe('PRQ overflow', () => {
  it('is counted, auto-answered and retried; every descriptor still completes', async () => {
    const { result } = await runProfile(profileFrom(YAML));
    const f = result.faults;
    expect(result.iommus[0]!.faults.prqEntries).toBe(1);
    expect(f.prqHighWater).toBe(1);
    expect(f.prqOverflows).toBeGreaterThan(0);
    for (const d of result.devices) {
      expect(d.submitted).toBe(600);
      expect(Object.values(d.statuses).reduce((a, b) => a + b, 0)).toBe(600);
    }
    expect(result.totals.statuses.success).toBe(2400);
  });
});
