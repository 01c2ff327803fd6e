// Unbind under faults: unbinding a device while a fault storm runs completes (its pending page
// requests are drained), its later faults are answered INVALID, the run ends cleanly, and a
// rebind gets the same PASID and works again.
import { describe, expect, it } from 'vitest';
import { Counter } from '../../src/layout/device.js';
import { runProfile } from '../../src/run/run.js';
import { profileFrom } from '../helpers/machine.js';

const YAML = `
seed: 8
durationS: 2.5
system: { memoryBytes: 256MiB }
iommus: [{ id: mmu }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 64MiB, populate: 0 }] }]
devices:
${[0, 1, 2, 3]
  .map((i) => `  - { id: d${i}, iommu: mmu, pri: true, attach: { type: sva, process: app }, workload: { region: buf, queueDepth: 4, pattern: uniform, ops: { memmove: 1, crc32c: 1 } } }`)
  .join('\n')}
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('unbind during a fault storm', () => {
  it('drains, answers later faults INVALID, keeps the PASID on rebind, and ends cleanly', async () => {
    let pasidBefore = -1;
    let pasidAfter = -1;
    let invalidWhileUnbound = 0;
    const { result } = await runProfile(profileFrom(YAML), {
      whileRunning: async (b) => {
        const k = b.kernel;
        const app = b.processes.get('app')!;
        pasidBefore = app.pasid;
        await sleep(500);
        await k.unbindSva(app.bonds.get(1)!);
        expect(k.domainOf(1, app.pasid)).toBeUndefined();
        expect(k.pasids.isAllocated(app.pasid)).toBe(true);
        const invalidAtUnbind = b.kernel.views.devices[1]!.counters;
        const before = invalidAtUnbind[Counter.responsesInvalid]!;
        await sleep(400);
        invalidWhileUnbound = invalidAtUnbind[Counter.responsesInvalid]! - before;
        k.bindSva(1, app);
        pasidAfter = app.pasid;
        await sleep(400);
      },
    });
    expect(pasidAfter).toBe(pasidBefore);
    expect(invalidWhileUnbound).toBeGreaterThan(0);
    const d1 = result.devices[1]!;
    expect(d1.statuses['fault-invalid']).toBeGreaterThan(0);
    expect(d1.statuses.success).toBeGreaterThan(0);
    for (const d of result.devices) {
      expect(Object.values(d.statuses).reduce((a, b) => a + b, 0)).toBe(d.submitted);
      expect(d.ops).toBeGreaterThan(0);
    }
    // The other devices never saw INVALID.
    for (const i of [0, 2, 3]) expect(result.devices[i]!.statuses['fault-invalid']).toBe(0);
    expect(result.checker.violations).toBe(0);
  });
});
