// A guest munmap with four ATS devices in the VM: the guest side makes the selected strategy's
// descriptors and submissions (its notifier over the nested domain's attachments), and the host
// the selected path's work — every guest submission trapped and replayed (trapped), or none
// (direct). Over the same churn schedule the two paths make equal counts, and without device
// TLBs (no acknowledgement whose timing could differ) the direct path's invalidation time is the
// trapped one's less exactly guestTrapNs × submissions.
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/run/result.js';
import { runProfile } from '../../src/run/run.js';
import { profileFrom } from '../helpers/machine.js';

const CHANGES = 24;

function yaml(path: 'trapped' | 'direct', ats: boolean, strategy: string): string {
  const dev = (i: number): string => `
  - { id: dsa${i}, iommu: iommu0, vm: vm0, ats: ${ats}, devtlbEntries: 32, attach: { type: sva, process: app },
      workload: { region: buf, queueDepth: 4, transferSizeBytes: 4096, ops: { memmove: 1, fill: 1 } } }`;
  return `
seed: 5
durationS: 0.01
system: { memoryBytes: 128MiB }
iommus: [{ id: iommu0 }]
vms: [{ name: vm0, memoryBytes: 32MiB, invalidation: ${path} }]
processes: [{ name: app, vm: vm0, regions: [{ name: buf, sizeBytes: 4MiB }] }]
devices:${[0, 1, 2, 3].map(dev).join('')}
churn: { process: app, region: buf, ops: { munmap: 1 }, count: ${CHANGES}, ratePerSec: 4000, rangeBytes: 16KiB }
invalidation: { strategy: ${strategy} }
`;
}

async function run(path: 'trapped' | 'direct', ats: boolean, strategy = 'vtd-cache-tags-grouped'): Promise<RunResult> {
  return (await runProfile(profileFrom(yaml(path, ats, strategy)))).result;
}

describe('guest invalidation: the strategy on the guest side, the path on the host side', () => {
  it('counts a munmap with four ATS devices: one submission of 1 + 4 descriptors per change, trapped and replayed, or direct', async () => {
    const trapped = await run('trapped', true);
    const direct = await run('direct', true);
    for (const r of [trapped, direct]) {
      // 4 pages (≤ 33): one notifier call per change, one submission of an IOTLB descriptor and
      // a device-TLB descriptor per ATS device (v6.14+ cache tags, batched per unit).
      expect(r.invalidation).toMatchObject({ events: CHANGES, submissions: CHANGES, descriptors: { iotlb: CHANGES, devtlb: 4 * CHANGES } });
      expect(r.checker.violations).toBe(0);
      expect(r.checker.isolationBreaches).toBe(0);
      expect(r.integrity.failed).toBe(0);
    }
    const tv = trapped.guests.vms[0]!;
    const dv = direct.guests.vms[0]!;
    expect(tv.invalidation).toMatchObject({ guestSubmissions: CHANGES, guestDescriptors: 5 * CHANGES, traps: CHANGES, trapNs: CHANGES * 20_000, hostSubmissions: CHANGES, hostDescriptors: 5 * CHANGES });
    expect(dv.invalidation).toMatchObject({ guestSubmissions: CHANGES, guestDescriptors: 5 * CHANGES, traps: 0, trapNs: 0, hostSubmissions: 0, hostDescriptors: 0 });
    // With device TLBs the acknowledgements arrive at other points of the devices' work, so the
    // saving is the trap time give or take those waits: within 2 µs per submission.
    const saved = trapped.invalidation!.totalNs - direct.invalidation!.totalNs;
    expect(Math.abs(saved - CHANGES * 20_000)).toBeLessThanOrEqual(CHANGES * 2000);
    // The per-PASID binds: each of the four devices' guest binds trapped and the host attached.
    expect(tv.binds).toMatchObject({ pasidBinds: 4, hostAttaches: 4, deviceTableBinds: 0, traps: 4 });
  });

  it('makes vtd-per-device its 4 + 4 submissions per change on the guest side, each trapped', async () => {
    const r = await run('trapped', true, 'vtd-per-device');
    expect(r.invalidation).toMatchObject({ events: CHANGES, submissions: 8 * CHANGES, descriptors: { iotlb: 4 * CHANGES, devtlb: 4 * CHANGES } });
    expect(r.guests.vms[0]!.invalidation).toMatchObject({ traps: 8 * CHANGES, hostSubmissions: 8 * CHANGES, hostDescriptors: 8 * CHANGES });
  });

  it('without device TLBs, direct saves exactly guestTrapNs per submission over the same schedule', async () => {
    const trapped = await run('trapped', false);
    const direct = await run('direct', false);
    expect(trapped.invalidation!.submissions).toBe(direct.invalidation!.submissions);
    expect(trapped.invalidation!.descriptors).toEqual(direct.invalidation!.descriptors);
    const submissions = trapped.invalidation!.submissions;
    expect(trapped.invalidation!.totalNs - direct.invalidation!.totalNs).toBe(submissions * 20_000);
  });
});
