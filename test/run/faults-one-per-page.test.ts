// Demand paging: one device streaming sequentially through an unpopulated region with
// block-on-fault makes exactly one page request per page; several devices faulting on the same
// pages get one populated frame per page, and all of their descriptors complete.
import { describe, expect, it } from 'vitest';
import { runProfile } from '../../src/run/run.js';
import { profileFrom } from '../helpers/machine.js';

const SOURCE_PAGES = 256; // a 2 MiB region: its lower half (1 MiB) is the source area

function yaml(devices: number): string {
  return `
system: { memoryBytes: 64MiB }
iommus: [{ id: mmu }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 2MiB, populate: 0 }] }]
devices:
${Array.from({ length: devices }, (_, i) => `  - { id: d${i}, iommu: mmu, pri: true, attach: { type: sva, process: app }, workload: { region: buf, queueDepth: 4, pattern: sequential, transferSizeBytes: 4096, ops: { crc32c: 1 }, descriptors: ${SOURCE_PAGES} } }`).join('\n')}
`;
}

describe('demand paging through PRI', () => {
  it('one sequential device: exactly one page request per page', async () => {
    const { result } = await runProfile(profileFrom(yaml(1)));
    const f = result.faults;
    expect(result.totals.statuses.success).toBe(SOURCE_PAGES);
    expect(f.pageRequests).toBe(SOURCE_PAGES);
    expect(f.groups).toBe(SOURCE_PAGES);
    expect(f.pagesPopulated).toBe(SOURCE_PAGES);
    expect(f.faultedOps).toBe(SOURCE_PAGES);
  });

  it('four devices on the same pages: one frame per page, every descriptor completes', async () => {
    const { result } = await runProfile(profileFrom(yaml(4)));
    const f = result.faults;
    expect(f.pagesPopulated).toBe(SOURCE_PAGES);
    expect(f.pageRequests).toBeGreaterThanOrEqual(SOURCE_PAGES);
    for (const d of result.devices) {
      expect(d.statuses.success).toBe(SOURCE_PAGES);
      expect(d.submitted).toBe(SOURCE_PAGES);
    }
    // Every page request was answered SUCCESS (a request for a page another device already
    // faulted in needs nothing but is answered all the same).
    expect(f.responses.success).toBe(f.groups);
  });
});
