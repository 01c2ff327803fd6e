// Faults the kernel must refuse: an access outside every VMA and a write to a read-only region
// are answered INVALID, the descriptors complete with an error status, and the run goes on.
import { describe, expect, it } from 'vitest';
import { runProfile } from '../../src/run/run.js';
import { profileFrom } from '../helpers/machine.js';

const YAML = `
seed: 2
system: { memoryBytes: 64MiB }
iommus: [{ id: mmu }]
processes:
  - name: app
    regions:
      - { name: buf, sizeBytes: 1MiB, populate: 0 }
      - { name: ro, sizeBytes: 1MiB, populate: 0, writable: false }
devices:
  - { id: stray, iommu: mmu, pri: true, attach: { type: sva, process: app }, workload: { region: buf, queueDepth: 4, ops: { crc32c: 1, memmove: 1 }, outsideVmaFraction: 0.2, descriptors: 2000 } }
  - { id: writer, iommu: mmu, pri: true, attach: { type: sva, process: app }, workload: { region: ro, queueDepth: 4, ops: { fill: 1, crc32c: 1 }, descriptors: 2000 } }
`;

describe('faults answered INVALID', () => {
  it('outside every VMA and writes to a read-only region fail their descriptors, not the run', async () => {
    const { result } = await runProfile(profileFrom(YAML));
    const [stray, writer] = result.devices;
    // ~20% of the stray device's descriptors address the guard gap past the region.
    expect(stray!.statuses['fault-invalid']).toBeGreaterThan(200);
    expect(stray!.statuses['fault-invalid']).toBeLessThan(600);
    expect(stray!.statuses.success).toBe(2000 - stray!.statuses['fault-invalid']!);
    // Every fill writes to the read-only region: INVALID; every crc32c only reads it: fine.
    expect(writer!.byOp.fill!.ops + writer!.byOp.crc32c!.ops).toBe(2000);
    expect(writer!.statuses['fault-invalid']).toBe(writer!.byOp.fill!.ops);
    expect(writer!.statuses.success).toBe(writer!.byOp.crc32c!.ops);
    expect(result.faults.responses.invalid).toBe(stray!.statuses['fault-invalid']! + writer!.statuses['fault-invalid']!);
    for (const d of result.devices) expect(Object.values(d.statuses).reduce((a, b) => a + b, 0)).toBe(d.submitted);
  });
});
