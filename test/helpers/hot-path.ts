/**
 * The hot-path allocation tests' shared machine (test/device/hot-path-no-allocation*.test.ts):
 * one device mixing every op and three sizes over a zipf-distributed 4 MiB region, so device-TLB
 * hits, IOTLB hits, walks and multi-page runs all occur. `head` gives the run's timing lines.
 */
export function hotPathYaml(head: string): string {
  return `
${head}
system: { memoryBytes: 64MiB, integritySampleEvery: 0 }
iommus: [{ id: mmu, iotlbEntries: 64 }]
processes:
  - { name: app, regions: [{ name: buf, sizeBytes: 4MiB }] }
devices:
  - id: d0
    iommu: mmu
    devtlbEntries: 32
    attach: { type: sva, process: app }
    workload:
      region: buf
      queueDepth: 8
      pattern: zipf
      transferSizeBytes: [{ sizeBytes: 64, weight: 4 }, { sizeBytes: 256, weight: 1 }, { sizeBytes: 5000, weight: 1 }]
      ops: { memmove: 2, fill: 1, compare: 1, comparePattern: 1, crc32c: 1, batch: 1 }
      batchSize: 4
`;
}
