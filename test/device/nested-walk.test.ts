// Nested translation (design.md §8): a cold 2-D walk of a 4-level guest table over a 4-level
// stage-2 table makes exactly 24 memory references, 5 stage-2 walks of 4 and 4 stage-1 reads;
// a warm one fewer, as the stage-2 walk cache allows (device/translate.ts): 8 for a neighbouring
// page (its stage-1 tables' stage-2 translations cached), 4 for a page whose own stage-2
// translation is cached too. And the isolation counter catches a walk that leaves the VM.
import { describe, expect, it } from 'vitest';
import { Counter } from '../../src/layout/device.js';
import { Fault, makePte, PTE_P, PTE_RW, PTE_US } from '../../src/layout/pagetable.js';
import { FrameOwner, packOwner } from '../../src/layout/physmem.js';
import { PAGE_SIZE } from '../../src/layout/constants.js';
import { leafWord } from '../../src/kernel/pagetables.js';
import { Translator } from '../../src/device/translate.js';
import type { Booted } from '../../src/run/boot.js';
import { bootYaml } from '../helpers/machine.js';

const YAML = `
durationS: 1
system: { memoryBytes: 64MiB, integritySampleEvery: 0 }
iommus: [{ id: iommu0, iotlbEntries: 64 }]
vms: [{ name: vm0, memoryBytes: 16MiB }]
processes:
  - { name: gapp, vm: vm0, regions: [{ name: buf, sizeBytes: 1MiB }] }
  - { name: host, regions: [{ name: buf, sizeBytes: 1MiB }] }
devices:
  - { id: guestdev, iommu: iommu0, vm: vm0, ats: false, attach: { type: sva, process: gapp }, workload: { region: buf, descriptors: 1 } }
  - { id: hostdev, iommu: iommu0, ats: false, attach: { type: sva, process: host }, workload: { region: buf, descriptors: 1 } }
`;

function translatorFor(b: Booted, device: number): Translator {
  const v = b.kernel.views;
  return new Translator(v.mem, v.domains, v.iommus[0]!, 0, v.devices[device]!, false);
}

/** Counter deltas of one translation. */
function walkOf(b: Booted, device: number, t: Translator, pasid: number, vpn: number): { fault: number; refs: number; s1: number; s2: number[]; hits: number } {
  const c = b.kernel.views.devices[device]!.counters;
  const before = Array.from(c);
  const fault = t.translate(pasid, vpn, false);
  const d = (k: number): number => c[k]! - before[k]!;
  return { fault, refs: d(Counter.walkRefs), s1: d(Counter.s1Refs), s2: [0, 1, 2, 3, 4].map((k) => d(Counter.s2RefsStep + k)), hits: d(Counter.s2CacheHits) };
}

describe('nested page walk', () => {
  it('makes 24 references cold, 8 for a neighbouring page, 4 for a page re-walked; a host walk makes 4', () => {
    const b = bootYaml(YAML);
    const gapp = b.processes.get('gapp')!;
    const first = gapp.vmas[0]!.start / PAGE_SIZE;
    const t = translatorFor(b, 0);
    const cold = walkOf(b, 0, t, gapp.pasid, first);
    expect(cold).toEqual({ fault: Fault.none, refs: 24, s1: 4, s2: [4, 4, 4, 4, 4], hits: 0 });
    // The frame is the host frame behind the guest page, in the VM's memory.
    const vm = b.kernel.vms[0]!;
    const gpfn = vm.mm.resolve(gapp.rootPfn, first);
    expect(t.pfn).toBe(vm.backing[gpfn]);
    expect(b.kernel.views.mem.owner[t.pfn]).toBe(packOwner(FrameOwner.guestMemory, 0));

    const warm = walkOf(b, 0, t, gapp.pasid, first + 1);
    expect(warm).toEqual({ fault: Fault.none, refs: 8, s1: 4, s2: [0, 0, 0, 0, 4], hits: 4 });

    // The IOTLB holds both pages now; drop them, and walk the first again: every stage-2
    // translation it needs is cached.
    b.kernel.qi.invalidateAll(0);
    const again = walkOf(b, 0, t, gapp.pasid, first);
    expect(again).toEqual({ fault: Fault.none, refs: 4, s1: 4, s2: [0, 0, 0, 0, 0], hits: 5 });

    // A stage-2 change moves the domain's epoch: the walk cache is gone, the walk is cold again.
    b.kernel.qi.invalidateAll(0);
    const domain = gapp.svaDomains[0]!;
    Atomics.add(b.kernel.views.domains.s2Epoch, domain.index, 1);
    expect(walkOf(b, 0, t, gapp.pasid, first).refs).toBe(24);

    const host = b.processes.get('host')!;
    const h = walkOf(b, 1, translatorFor(b, 1), host.pasid, host.vmas[0]!.start / PAGE_SIZE);
    expect(h).toEqual({ fault: Fault.none, refs: 4, s1: 0, s2: [0, 0, 0, 0, 0], hits: 0 });
    expect(b.kernel.views.devices[0]!.counters[Counter.isolationBreaches]).toBe(0);
    expect(b.kernel.views.devices[1]!.counters[Counter.isolationBreaches]).toBe(0);
  });

  it('counts an isolation breach when a stage-2 entry points outside the VM (a broken stage 2)', () => {
    const b = bootYaml(YAML);
    const gapp = b.processes.get('gapp')!;
    const host = b.processes.get('host')!;
    const vm = b.kernel.vms[0]!;
    const first = gapp.vmas[0]!.start / PAGE_SIZE;
    const gpfn = vm.mm.resolve(gapp.rootPfn, first);
    // Point the guest page's stage-2 leaf at a frame of the host process.
    const victim = b.kernel.mm.resolve(host.rootPfn, host.vmas[0]!.start / PAGE_SIZE);
    const w = leafWord(b.kernel.views.mem, vm.s2RootPfn, gpfn);
    Atomics.store(b.kernel.views.mem.words, w, makePte(victim, PTE_P | PTE_RW | PTE_US));
    const t = translatorFor(b, 0);
    expect(t.translate(gapp.pasid, first, false)).toBe(Fault.none);
    expect(t.pfn).toBe(victim);
    expect(b.kernel.views.devices[0]!.counters[Counter.isolationBreaches]).toBe(1);
  });

  it('faults at stage 2 when the guest maps a page beyond its RAM, reaching nothing', () => {
    const b = bootYaml(YAML);
    const gapp = b.processes.get('gapp')!;
    const vm = b.kernel.vms[0]!;
    const first = gapp.vmas[0]!.start / PAGE_SIZE;
    vm.mm.mapFrame(gapp, first, vm.guestFrames + 7);
    const t = translatorFor(b, 0);
    expect(t.translate(gapp.pasid, first, false)).toBe(Fault.notPresent);
    expect(b.kernel.views.devices[0]!.counters[Counter.isolationBreaches]).toBe(0);
  });
});
