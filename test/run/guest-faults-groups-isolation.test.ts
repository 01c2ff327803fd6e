// Fault routing, IOMMU groups and isolation in the guest world (design.md §8):
//   - a page request on a guest PASID's missing stage-1 page is forwarded to the guest, whose
//     fault service populates it; the host's forwarding and the guest's trapped response cost
//     what the platform says;
//   - two devices in one IOMMU group: the bind of one attaches both (iommu_attach_device_pasid
//     is group-wide), so a fault answered for one makes the page reachable for the other without
//     its own page request; the result lists the group's shared attachment;
//   - a device of VM A whose guest maps VM B's host frames completes with a fault status,
//     reaches none of B's (or the host's) memory, and the isolation count stays 0.
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '../../src/layout/constants.js';
import { Fault } from '../../src/layout/pagetable.js';
import { FrameOwner } from '../../src/layout/physmem.js';
import { Translator } from '../../src/device/translate.js';
import { RequestKind, PageResponse } from '../../src/layout/device.js';
import { PRESET_COSTS } from '../../src/platform/presets.js';
import { runProfile } from '../../src/run/run.js';
import { bootYaml, profileFrom } from '../helpers/machine.js';
import { watchWrites } from '../helpers/memory-diff.js';

const native = PRESET_COSTS.native;

function faultYaml(guest: boolean): string {
  return `
seed: 3
system: { memoryBytes: 64MiB, integritySampleEvery: 0 }
iommus: [{ id: iommu0 }]
${guest ? 'vms: [{ name: vm0, memoryBytes: 16MiB }]' : ''}
processes: [{ name: app, ${guest ? 'vm: vm0, ' : ''}regions: [{ name: buf, sizeBytes: 1MiB, populate: 0 }] }]
devices:
  - { id: dsa0, iommu: iommu0, ${guest ? 'vm: vm0, ' : ''}pri: true, attach: { type: sva, process: app },
      workload: { region: buf, queueDepth: 1, transferSizeBytes: 4096, ops: { fill: 1 }, descriptors: 20 } }
`;
}

describe('guest page requests', () => {
  it('forwards stage-1 faults to the guest, which populates the page; forwarding and the trapped response cost what they say', async () => {
    const host = (await runProfile(profileFrom(faultYaml(false)))).result;
    const guest = (await runProfile(profileFrom(faultYaml(true)))).result;
    for (const r of [host, guest]) {
      expect(r.devices[0]!.statuses['success']).toBe(20);
      expect(r.faults.pageRequests).toBeGreaterThan(0);
      expect(r.faults.responses.success).toBe(r.faults.groups);
    }
    expect(guest.guests.pageRequestsForwarded).toBe(guest.faults.pageRequests);
    expect(guest.guests.stage2Faults).toBe(0);
    expect(host.guests.pageRequestsForwarded).toBe(0);
    // One request at a time (queue depth 1): each service is the same sum of costs; the guest's
    // adds the host's forwarding and its response's trap (HdrHistogram: 3 significant digits).
    const extra = native.guestFaultForwardNs + native.guestTrapNs - native.trapNs;
    const delta = guest.faults.serviceLatencyNs.max - host.faults.serviceLatencyNs.max;
    expect(Math.abs(delta - extra)).toBeLessThanOrEqual(extra * 0.01 + 50);
  });
});

const GROUP = `
system: { memoryBytes: 64MiB, integritySampleEvery: 0 }
iommus: [{ id: iommu0 }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 1MiB, populate: 0 }] }]
devices:
  - { id: dev0, iommu: iommu0, group: g0, pri: true, attach: { type: sva, process: app }, workload: { region: buf, descriptors: 1 } }
  - { id: dev1, iommu: iommu0, group: GROUP1, workload: { descriptors: 1 } }
`;

describe('IOMMU groups', () => {
  it("one device's bind attaches the group: a fault answered for dev0 makes the page reachable for dev1 without its own request", () => {
    const b = bootYaml(GROUP.replace('GROUP1', 'g0'));
    const app = b.processes.get('app')!;
    const vpn = app.vmas[0]!.start / PAGE_SIZE + 3;
    const v = b.kernel.views;
    const t0 = new Translator(v.mem, v.domains, v.iommus[0]!, 0, v.devices[0]!, false);
    const t1 = new Translator(v.mem, v.domains, v.iommus[0]!, 0, v.devices[1]!, false);
    // dev1 never bound: the group's attach gave it the PASID; the page is not there yet.
    expect(t1.translate(app.pasid, vpn, true)).toBe(Fault.notPresent);
    // dev0's page request, answered by the fault service.
    const r = b.kernel.faults.serviceModelled({ device: 0, group: 0, pasid: app.pasid, vpn, write: true, kind: RequestKind.page, timeNs: 0 });
    expect(r.code).toBe(PageResponse.success);
    expect(t0.translate(app.pasid, vpn, true)).toBe(Fault.none);
    expect(t1.translate(app.pasid, vpn, true)).toBe(Fault.none);
    expect(t1.pfn).toBe(t0.pfn);
    expect(b.kernel.faults.stats.requests).toBe(1);
  });

  it('without the group, dev1 has no attachment for the PASID (the control)', () => {
    const b = bootYaml(GROUP.replace('GROUP1', 'g1'));
    const app = b.processes.get('app')!;
    const v = b.kernel.views;
    const t1 = new Translator(v.mem, v.domains, v.iommus[0]!, 0, v.devices[1]!, false);
    expect(t1.translate(app.pasid, app.vmas[0]!.start / PAGE_SIZE, false)).toBe(Fault.noAttachment);
  });

  it('reports the group and its shared attachment; a second bind in the group takes the same handle', async () => {
    const yaml = GROUP.replace('GROUP1', 'g0').replace('workload: { descriptors: 1 }', 'attach: { type: sva, process: app }, workload: { region: buf, descriptors: 50 }');
    const { result } = await runProfile(profileFrom(yaml));
    expect(result.guests.groups).toEqual([
      { name: 'g0', devices: ['dev0', 'dev1'], attachments: [{ pasid: 1, domain: 'sva', process: 'app', boundBy: 'dev0', devices: ['dev0', 'dev1'] }] },
    ]);
    expect(result.devices.map((d) => d.group)).toEqual(['g0', 'g0']);
    expect(result.checker.violations).toBe(0);
  });
});

const STEAL = `
seed: 4
system: { memoryBytes: 128MiB, integritySampleEvery: 4 }
iommus: [{ id: iommu0 }]
vms:
  - { name: a, memoryBytes: 16MiB }
  - { name: b, memoryBytes: 16MiB }
processes:
  - { name: attacker, vm: a, regions: [{ name: loot, sizeBytes: 256KiB, stealFrom: b }] }
  - { name: victim, vm: b, regions: [{ name: data, sizeBytes: 1MiB }] }
  - { name: hostproc, regions: [{ name: buf, sizeBytes: 1MiB }] }
devices:
  - { id: rogue, iommu: iommu0, vm: a, pri: PRI, attach: { type: sva, process: attacker },
      workload: { region: loot, transferSizeBytes: 4096, ops: { memmove: 1, fill: 1 }, descriptors: 400 } }
  - { id: honest, iommu: iommu0, vm: b, attach: { type: sva, process: victim },
      workload: { region: data, transferSizeBytes: 4096, ops: { memmove: 1 }, descriptors: 400 } }
`;

describe('isolation between VMs', () => {
  for (const pri of [false, true]) {
    it(`a device of VM A aimed at VM B's host frames completes with a fault status and reaches none of them (pri: ${pri})`, async () => {
      let changedOutside = 0;
      const { result } = await runProfile(
        profileFrom(STEAL.replace('PRI', String(pri))),
        watchWrites((owner) => {
          // Only VM b's own device writes, into b's memory; nothing of a's device lands anywhere.
          if (owner >>> 24 !== FrameOwner.guestMemory || (owner & 0xffffff) !== 1) changedOutside++;
        }),
      );
      const rogue = result.devices[0]!;
      expect(rogue.ops).toBe(400);
      expect(rogue.bytes).toBe(0);
      expect(rogue.statuses['success'] ?? 0).toBe(0);
      // Without PRI a translation fault; with PRI the host answers the stage-2 fault INVALID.
      expect(rogue.statuses[pri ? 'fault-invalid' : 'translation-fault']).toBe(400);
      if (pri) expect(result.faults.responses.invalid).toBeGreaterThan(0);
      expect(result.devices[1]!.statuses['success']).toBe(400);
      expect(changedOutside).toBe(0);
      expect(result.checker.isolationBreaches).toBe(0);
      expect(result.checker.violations).toBe(0);
    });
  }
});
