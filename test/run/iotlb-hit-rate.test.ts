// IOTLB geometry: uniform random single-page accesses over W pages through a fully
// associative LRU IOTLB of N entries (no device TLB) hit with probability N/W.
import { describe, expect, it } from 'vitest';
import { runProfile } from '../../src/run/run.js';
import { profileFrom } from '../helpers/machine.js';

const N = 64;
const WINDOWS = [128, 256, 1024];

function yaml(): string {
  // One device per window, each behind its own IOMMU, each on its own process: independent.
  const iommus = WINDOWS.map((_, i) => `  - { id: mmu${i}, iotlbEntries: ${N}, iotlbWays: ${N} }`).join('\n');
  const procs = WINDOWS.map((w, i) => `  - { name: p${i}, regions: [{ name: buf, sizeBytes: ${2 * w * 4096} }] }`).join('\n');
  const devs = WINDOWS.map(
    (_, i) => `  - id: d${i}
    iommu: mmu${i}
    ats: false
    attach: { type: sva, process: p${i} }
    workload: { region: buf, queueDepth: 4, pattern: uniform, transferSizeBytes: 4096, ops: { crc32c: 1 }, descriptors: 40000 }`,
  ).join('\n');
  return `system: { memoryBytes: 64MiB }\niommus:\n${iommus}\nprocesses:\n${procs}\ndevices:\n${devs}\n`;
}

describe('IOTLB reach', () => {
  it('hit rate is N/W within 0.03 for W >= 2N (fully associative, LRU, no device TLB)', async () => {
    const { result } = await runProfile(profileFrom(yaml()));
    WINDOWS.forEach((w, i) => {
      const m = result.iommus[i]!;
      expect(m.iotlb.hits + m.iotlb.misses).toBe(40000);
      expect(result.devices[i]!.devtlb.hits + result.devices[i]!.devtlb.misses).toBe(0);
      expect(Math.abs(m.iotlb.hitRate - N / w)).toBeLessThan(0.03);
      // Every miss is a 4-level walk.
      expect(m.walks).toBe(m.iotlb.misses);
      expect(m.walkRefs).toBe(4 * m.walks);
    });
  });
});
