// Isolation: a device with no attachment or a blocked attachment reaches no memory, and an
// SVA-bound device only ever writes frames of its own process.
import { describe, expect, it } from 'vitest';
import { FrameOwner } from '../../src/layout/physmem.js';
import { runProfile } from '../../src/run/run.js';
import { profileFrom } from '../helpers/machine.js';

const YAML = `
system: { memoryBytes: 32MiB, integritySampleEvery: 16 }
iommus: [{ id: mmu }]
processes:
  - { name: a, regions: [{ name: buf, sizeBytes: 2MiB }] }
  - { name: b, regions: [{ name: buf, sizeBytes: 2MiB }] }
devices:
  - id: writer
    iommu: mmu
    attach: { type: sva, process: a }
    workload: { region: buf, transferSizeBytes: [{ sizeBytes: 4096, weight: 1 }, { sizeBytes: 64KiB, weight: 1 }], ops: { memmove: 2, fill: 2, batch: 1 }, descriptors: 3000 }
  - id: blocked
    iommu: mmu
    attach: { type: blocked }
    workload: { ops: { memmove: 1, fill: 1 }, descriptors: 3000 }
  - id: unattached
    iommu: mmu
    workload: { ops: { fill: 1, crc32c: 1 }, descriptors: 3000 }
`;

describe('isolation', () => {
  it('blocked and unattached devices reach nothing; a bound device writes only its own process frames', async () => {
    let before: Uint8Array | undefined;
    let changedOutsideA = 0;
    let changedInA = 0;
    const { result } = await runProfile(profileFrom(YAML), {
      onBoot: (b) => {
        before = new Uint8Array(b.kernel.views.mem.bytes);
      },
      onFinish: (b) => {
        const mem = b.kernel.views.mem;
        const aId = b.processes.get('a')!.id;
        for (let f = 0; f < mem.frames; f++) {
          const x = Buffer.from(mem.bytes.buffer, f * 4096, 4096);
          const y = Buffer.from(before!.buffer, f * 4096, 4096);
          if (x.equals(y)) continue;
          const owner = mem.owner[f]!;
          if (owner >> 24 === FrameOwner.processData && (owner & 0xffffff) === aId) changedInA++;
          else changedOutsideA++;
        }
      },
    });
    expect(changedInA).toBeGreaterThan(0);
    expect(changedOutsideA).toBe(0);
    const [writer, blocked, unattached] = result.devices;
    expect(writer!.statuses.success).toBe(3000);
    for (const d of [blocked!, unattached!]) {
      expect(d.ops).toBe(3000);
      expect(d.statuses['no-attachment']).toBe(3000);
      expect(d.bytes).toBe(0);
      expect(d.walks).toBe(0);
    }
    expect(result.integrity.failed).toBe(0);
    expect(result.integrity.checked).toBeGreaterThan(0);
  });
});
