// Devices on a DMA-API paging domain (IOVA, no PASID) and on an identity domain (IOVA = PA)
// run every op correctly through their translation, and write only their own buffers.
import { describe, expect, it } from 'vitest';
import { FrameOwner } from '../../src/layout/physmem.js';
import { runProfile } from '../../src/run/run.js';
import { profileFrom } from '../helpers/machine.js';

const YAML = `
system: { memoryBytes: 64MiB, integritySampleEvery: 8 }
iommus: [{ id: mmu, iotlbEntries: 32 }]
processes:
  - { name: bystander, regions: [{ name: buf, sizeBytes: 1MiB }] }
devices:
  - id: dmadev
    iommu: mmu
    attach: { type: dma, sizeBytes: 2MiB }
    workload: { transferSizeBytes: [{ sizeBytes: 100, weight: 1 }, { sizeBytes: 8KiB, weight: 1 }], ops: { memmove: 2, fill: 1, compare: 1, comparePattern: 1, crc32c: 1 }, descriptors: 4000 }
  - id: iddev
    iommu: mmu
    ats: false
    attach: { type: identity, sizeBytes: 2MiB }
    workload: { transferSizeBytes: 4KiB, ops: { memmove: 1, fill: 1, crc32c: 1 }, descriptors: 4000 }
`;

describe('dma and identity domains', () => {
  it('translate through their own tables, complete every op correctly and stay in their buffers', async () => {
    let before: Uint8Array | undefined;
    const changedOwners = new Set<number>();
    const { result } = await runProfile(profileFrom(YAML), {
      onBoot: (b) => {
        before = new Uint8Array(b.kernel.views.mem.bytes);
      },
      onFinish: (b) => {
        const mem = b.kernel.views.mem;
        for (let f = 0; f < mem.frames; f++) {
          if (!Buffer.from(mem.bytes.buffer, f * 4096, 4096).equals(Buffer.from(before!.buffer, f * 4096, 4096))) {
            changedOwners.add(mem.owner[f]! >> 24);
          }
        }
      },
    });
    const [dma, id] = result.devices;
    expect(dma!.pasid).toBe(0);
    expect(dma!.statuses.success).toBe(4000);
    expect(dma!.walks).toBeGreaterThan(0); // the dma domain's own page table
    expect(id!.statuses.success).toBe(4000);
    expect(id!.walks).toBe(0); // identity: no table to walk
    expect(result.integrity.checked).toBeGreaterThan(500);
    expect(result.integrity.failed).toBe(0);
    // Only domain buffers were written: no process or page-table frame changed.
    expect([...changedOwners]).toEqual([FrameOwner.domainData]);
  });
});
