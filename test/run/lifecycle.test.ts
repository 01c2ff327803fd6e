// The process lifecycle schedule (modelled time): unbind, rebind and exit from a profile. A
// process keeps its PASID across unbind and rebind, releases it at exit, and the next process to
// bind gets it again (the smallest free id, as iommu_alloc_global_pasid). Each unbind submits the
// PASID entry's teardown and the page-request drain, counted exactly (kernel/teardown.ts). And the
// teardown is what makes the reuse safe: without its IOTLB flush, the next process's device — same
// PASID, same reused domain id, same virtual addresses — walks into the exited process's freed
// frames, and the checker says so.
import { describe, expect, it } from 'vitest';
import { MAX_VPN } from '../../src/layout/constants.js';
import { teardownPlan, type TeardownPlanner } from '../../src/kernel/teardown.js';
import { parseProfile } from '../../src/profile/load.js';
import { ProfileError } from '../../src/profile/problems.js';
import { runProfile } from '../../src/run/run.js';
import { profileFrom } from '../helpers/machine.js';

const device = (id: string, proc: string, extra = '') =>
  `  - { id: ${id}, iommu: mmu, pri: true, attach: { type: sva, process: ${proc}${extra} }, workload: { region: buf, queueDepth: 2, ops: { memmove: 1 } } }`;

const YAML = `
seed: 3
durationS: 0.004
system: { memoryBytes: 64MiB, maxPasids: 4 }
iommus: [{ id: mmu }]
processes:
  - { name: app, regions: [{ name: buf, sizeBytes: 1MiB }] }
  - { name: next, regions: [{ name: buf, sizeBytes: 1MiB }] }
devices:
${device('d0', 'app')}
${device('d1', 'next', ', bound: false')}
lifecycle:
  - { atS: 0.001, unbind: d0 }
  - { atS: 0.0015, bind: d0 }
  - { atS: 0.002, exit: app }
  - { atS: 0.0025, bind: d1 }
`;

describe('lifecycle schedule', () => {
  it('keeps the PASID across unbind and rebind, releases it at exit, and the next process reuses it', async () => {
    // Every response the kernel sent was taken by its device: none answers a stop marker.
    let unread = -1;
    const { result } = await runProfile(profileFrom(YAML), {
      onFinish: (b) => {
        unread = b.kernel.views.devices.reduce((n, v) => n + v.respRing.available(), 0);
      },
    });
    expect(unread).toBe(0);
    const lc = result.lifecycle!;
    expect(lc.events.map((e) => [e.kind, e.target, e.pasid])).toEqual([
      ['unbind', 'd0', 1],
      ['bind', 'd0', 1],
      ['exit', 'app', 1],
      ['bind', 'd1', 1],
    ]);
    expect([lc.unbinds, lc.binds, lc.exits]).toEqual([2, 2, 1]);
    // d0 has PRI: before each unbind the driver stops its PASID, and d0 sends a stop marker,
    // which the kernel drops without a response (every response answers a page group).
    expect(lc.pasidStops).toBe(2);
    expect(result.devices[0]!.faults.stopMarkers).toBe(2);
    expect(result.faults.stopMarkers).toBe(2);
    expect(result.faults.responses.success + result.faults.responses.invalid + result.faults.responses.failure).toBe(result.faults.groups);
    expect(result.faults.groups).toBe(result.faults.pageRequests);
    // Two unbinds (the explicit one, and the exit's) of an ATS + PRI device on VT-d: per unbind,
    // PASID cache, IOTLB and device TLB in three submissions, and a drain of three descriptors.
    expect(lc.teardown).toMatchObject({ submissions: 6, descriptors: { pasidCache: 2, iotlb: 2, devtlb: 2, fence: 0, total: 6 } });
    expect(lc.drain).toMatchObject({ submissions: 2, descriptors: { pasidCache: 0, iotlb: 2, devtlb: 2, fence: 2, total: 6 } });
    // Between unbind and rebind d0's descriptors fault and are answered INVALID; d1 submits only
    // once bound, with the reused PASID, shown in its row.
    const [d0, d1] = result.devices;
    expect(d0!.statuses['fault-invalid']).toBeGreaterThan(0);
    expect(d0!.statuses.success).toBeGreaterThan(0);
    expect(d1!.pasid).toBe(1);
    expect(d1!.statuses.success).toBeGreaterThan(0);
    expect(d1!.statuses['fault-invalid']).toBe(0);
    for (const d of result.devices) expect(Object.values(d.statuses).reduce((a, b) => a + b, 0)).toBe(d.submitted);
    expect(result.checker.violations).toBe(0);
    expect(result.integrity.failed).toBe(0);
  });

  it('the teardown counts follow the plan: 2 submissions without ATS, no drain without PRI', () => {
    const a = { device: 0, pasid: 5, iommu: 0, did: 2, ats: false };
    const vtd = teardownPlan('vtd', a, false);
    expect(vtd.teardown.map((s) => s.descriptors.map((d) => d.kind))).toEqual([['pasid-cache'], ['iotlb']]);
    expect(vtd.drain).toEqual([]);
    const full = teardownPlan('vtd', { ...a, ats: true }, true);
    expect(full.teardown.map((s) => s.descriptors.map((d) => d.kind))).toEqual([['pasid-cache'], ['iotlb'], ['devtlb']]);
    expect(full.drain.map((s) => s.descriptors.map((d) => d.kind))).toEqual([['fence', 'iotlb', 'devtlb']]);
    expect(full.drain[0]!.descriptors[1]).toMatchObject({ scope: 'pasid', drain: true, startVpn: 0, endVpn: MAX_VPN });
    // SMMUv3 (v6.11+): two CD syncs, the ATC, and the ASID's TLBI only with the domain's last detach; no drain.
    const smmu = (last: boolean) => teardownPlan('smmuv3', { ...a, ats: true }, true, last);
    expect(smmu(false).teardown.map((s) => s.descriptors.map((d) => d.kind))).toEqual([['pasid-cache'], ['pasid-cache'], ['devtlb']]);
    expect(smmu(true).teardown.map((s) => s.descriptors.map((d) => d.kind))).toEqual([['pasid-cache'], ['pasid-cache'], ['devtlb'], ['iotlb']]);
    expect(smmu(true).drain).toEqual([]);
  });

  it('a teardown without its IOTLB flush lets the reused PASID reach freed frames: the checker catches it', async () => {
    const noIotlb: TeardownPlanner = (type, a, pri, last) => {
      const p = teardownPlan(type, a, pri, last);
      const keep = (ss: typeof p.teardown) =>
        ss.map((s) => ({ ...s, descriptors: s.descriptors.filter((d) => d.kind !== 'iotlb') })).filter((s) => s.descriptors.length > 0);
      return { teardown: keep(p.teardown), drain: keep(p.drain) };
    };
    const { result } = await runProfile(profileFrom(YAML), { teardownPlan: noIotlb });
    expect(result.devices[1]!.pasid).toBe(1);
    expect(result.checker.violations).toBeGreaterThan(0);
  });

  it('a schedule that cannot happen is a profile error naming the event', () => {
    const bad = (events: string, extra = '') => {
      try {
        parseProfile(YAML.replace(/lifecycle:[\s\S]*$/, `lifecycle:\n${events}\n`) + extra, 'lc.yaml');
        return 'no error';
      } catch (e) {
        if (e instanceof ProfileError) return e.message;
        throw e;
      }
    };
    expect(bad('  - { atS: 0.001, bind: d0 }')).toMatch(/lifecycle\[0\]\.bind.*already bound/);
    expect(bad('  - { atS: 0.001, unbind: d1 }')).toMatch(/lifecycle\[0\]\.unbind.*not bound/);
    expect(bad('  - { atS: 0.002, exit: app }\n  - { atS: 0.003, bind: d0 }')).toMatch(/lifecycle\[1\]\.bind.*has exited/);
    expect(bad('  - { atS: 0.002, unbind: d0 }\n  - { atS: 0.001, bind: d0 }')).toMatch(/lifecycle\[1\]\.atS.*time order/);
    expect(bad('  - { atS: 0.001, exit: nobody }')).toMatch(/lifecycle\[0\]\.exit.*names no process/);
    expect(bad('  - { atS: 0.001, unbind: d0, exit: app }')).toMatch(/exactly one of unbind, bind, exit/);
    expect(bad('  - { atS: 5, unbind: d0 }')).toMatch(/lifecycle\[0\]\.atS.*durationS/);
    expect(bad('  - { atS: 0.001, unbind: d0 }', 'timing: host\n')).toMatch(/lifecycle.*timing: modelled/);
  });

  it('the PASID budget counts the processes holding one at once: an exit frees one for the next', () => {
    // maxPasids 2 leaves one PASID: app holds it until it exits, then next takes it.
    expect(() => parseProfile(YAML.replace('maxPasids: 4', 'maxPasids: 2'), 'lc.yaml')).not.toThrow();
    const overlapping = YAML.replace('maxPasids: 4', 'maxPasids: 2').replace('{ atS: 0.0025, bind: d1 }', '{ atS: 0.0025, bind: d1 }').replace(
      '  - { atS: 0.002, exit: app }\n',
      '',
    ).replace('  - { atS: 0.0025, bind: d1 }', '  - { atS: 0.0025, bind: d1 }\n  - { atS: 0.003, exit: app }');
    expect(() => parseProfile(overlapping, 'lc.yaml')).toThrow(/maxPasids.*2 SVA-bound processes at once/);
  });
});
