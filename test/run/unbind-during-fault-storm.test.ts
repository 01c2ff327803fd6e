// Unbind under faults: unbinding a device while a fault storm runs completes (its pending page
// requests are drained), its later faults are answered INVALID, the run ends cleanly, and a
// rebind gets the same PASID and works again.
import { describe, expect, it } from 'vitest';
import { Counter } from '../../src/layout/device.js';
import { runProfile } from '../../src/run/run.js';
import { profileFrom, until } from '../helpers/machine.js';

const YAML = `
seed: 8
durationS: 2.5
timing: host            # unbinds from the test while devices run (whileRunning): wall clock only
system: { memoryBytes: 256MiB }
iommus: [{ id: mmu }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 64MiB, populate: 0 }] }]
devices:
${[0, 1, 2, 3]
  .map((i) => `  - { id: d${i}, iommu: mmu, pri: true, attach: { type: sva, process: app }, workload: { region: buf, queueDepth: 4, pattern: uniform, ops: { memmove: 1, crc32c: 1 } } }`)
  .join('\n')}
`;

describe('unbind during a fault storm', () => {
  it('drains, answers later faults INVALID, keeps the PASID on rebind, and ends cleanly', async () => {
    let pasidBefore = -1;
    let pasidAfter = -1;
    let invalidWhileUnbound = 0;
    const { result } = await runProfile(profileFrom(YAML), {
      whileRunning: async (b) => {
        const k = b.kernel;
        const app = b.processes.get('app')!;
        const c1 = k.views.devices[1]!.counters;
        pasidBefore = app.pasid;
        // A storm is under way: device 1 has faulted pages in and completed descriptors.
        await until(() => c1[Counter.responsesSuccess]! >= 100 && c1[Counter.opsCompleted]! >= 20, 'device 1 to fault and complete');
        await k.domains.unbindSva(app.bonds.get(1)!);
        expect(k.domains.domainOf(1, app.pasid)).toBeUndefined();
        expect(k.pasids.isAllocated(app.pasid)).toBe(true);
        const before = c1[Counter.responsesInvalid]!;
        const opsAtUnbind = c1[Counter.opsCompleted]!;
        // Let device 1 complete descriptors while unbound.
        await until(() => c1[Counter.opsCompleted]! >= opsAtUnbind + 20, 'device 1 to complete descriptors while unbound');
        invalidWhileUnbound = c1[Counter.responsesInvalid]! - before;
        k.domains.bindSva(1, app);
        pasidAfter = app.pasid;
        const successAtRebind = c1[Counter.responsesSuccess]!;
        await until(() => c1[Counter.responsesSuccess]! >= successAtRebind + 20, 'device 1 to fault pages in again after the rebind');
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
