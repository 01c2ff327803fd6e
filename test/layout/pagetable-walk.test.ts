// The page walk returns exactly what a reference map of installed mappings says.
import { describe, expect, it } from 'vitest';
import { nextBelow, Rng } from '../../src/common/rng.js';
import { Fault, walk } from '../../src/layout/pagetable.js';
import { FrameOwner, packOwner } from '../../src/layout/physmem.js';
import { mapPage, unmapPage } from '../../src/kernel/pagetables.js';
import { bootYaml, svaYaml } from '../helpers/machine.js';

describe('page walk', () => {
  it('matches a reference map for random sparse mappings, unmaps and permissions', () => {
    const b = bootYaml(svaYaml());
    const { kernel } = b;
    const mem = kernel.views.mem;
    const root = kernel.mm.processes[0]!.rootPfn;
    const rng = new Rng(7, 0);
    const uniformInt = (r: Rng, lo: number, hi: number): number => lo + (hi - lo + 1 > 2 ** 22 ? nextBelow(r, 2 ** 15) * 2 ** 15 + nextBelow(r, 2 ** 15) : nextBelow(r, hi - lo + 1));
    const ref = new Map<number, { pfn: number; writable: boolean }>();
    // Spread VPNs over the whole 36-bit space, plus dense clusters sharing tables.
    for (let i = 0; i < 3000; i++) {
      const vpn = i % 3 === 0
        ? uniformInt(rng, 0, 2 ** 30 - 1) * 64 + uniformInt(rng, 0, 63)
        : 0x7_0000_0 + uniformInt(rng, 0, 4095);
      const pfn = kernel.frames.alloc(packOwner(FrameOwner.processData, 0), 'test');
      const writable = uniformInt(rng, 0, 1) === 1;
      mapPage(mem, kernel.frames, root, vpn, pfn, writable, 0);
      ref.set(vpn, { pfn, writable });
    }
    // Unmap a third.
    let n = 0;
    for (const [vpn, m] of ref) {
      if (n++ % 3 === 0) {
        expect(unmapPage(mem, root, vpn)).toBe(m.pfn);
        ref.delete(vpn);
      }
    }
    const out = { pfn: 0, walkRefs: 0, writable: false };
    for (const [vpn, m] of ref) {
      out.walkRefs = 0;
      out.pfn = 0;
      expect(walk(mem.words, root, vpn, false, out)).toBe(Fault.none);
      expect(out.pfn).toBe(m.pfn);
      expect(out.walkRefs).toBe(4);
      expect(out.writable).toBe(m.writable);
      out.pfn = 0;
      expect(walk(mem.words, root, vpn, true, out)).toBe(m.writable ? Fault.none : Fault.permission);
      expect(out.pfn).toBe(m.writable ? m.pfn : 0);
    }
    // Pages never mapped (neighbours of mapped ones, and far away) are not present.
    let absent = 0;
    for (let i = 0; i < 2000; i++) {
      const vpn = uniformInt(rng, 0, 2 ** 30 - 1) * 64 + 63 - (i % 5);
      if (ref.has(vpn)) continue;
      expect(walk(mem.words, root, vpn, false, out)).toBe(Fault.notPresent);
      absent++;
    }
    expect(absent).toBeGreaterThan(1900);
  });

  it('a freshly mmapped, prefaulted region maps every page to a distinct frame', () => {
    const b = bootYaml(svaYaml({ regionBytes: 512 * 1024 }));
    const proc = b.kernel.mm.processes[0]!;
    const vma = proc.vmas[0]!;
    const out = { pfn: 0, walkRefs: 0, writable: false };
    const seen = new Set<number>();
    for (let i = 0; i < vma.sizeBytes / 4096; i++) {
      expect(walk(b.kernel.views.mem.words, proc.rootPfn, vma.start / 4096 + i, true, out)).toBe(Fault.none);
      expect(out.pfn).toBeGreaterThan(0);
      seen.add(out.pfn);
    }
    expect(seen.size).toBe(128);
    // One page past the end is in the guard gap.
    expect(walk(b.kernel.views.mem.words, proc.rootPfn, vma.start / 4096 + 128, false, out)).toBe(Fault.notPresent);
  });
});
