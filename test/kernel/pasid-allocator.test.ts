// Global PASID allocation: smallest free id in [1, max-1], 0 reserved, exhaustion is a clear
// error, and a process keeps its PASID across unbind/rebind until it exits.
import { describe, expect, it } from 'vitest';
import { KernelError } from '../../src/kernel/errors.js';
import { PasidAllocator } from '../../src/kernel/pasid.js';
import { bootYaml, svaYaml } from '../helpers/machine.js';

describe('PASID allocator', () => {
  it('hands out the smallest free id, never 0, and reuses freed ids smallest first', () => {
    const a = new PasidAllocator(8);
    expect([a.alloc(), a.alloc(), a.alloc(), a.alloc()]).toEqual([1, 2, 3, 4]);
    a.free(3);
    a.free(2);
    expect(a.alloc()).toBe(2);
    expect(a.alloc()).toBe(3);
    expect(a.alloc()).toBe(5);
    expect(a.isAllocated(0)).toBe(false);
  });

  it('exhaustion throws a KernelError naming the range and the fix', () => {
    const a = new PasidAllocator(4);
    a.alloc();
    a.alloc();
    a.alloc();
    expect(() => a.alloc()).toThrow(KernelError);
    expect(() => a.alloc()).toThrow(/\[1, 3\].*system\.maxPasids/);
    a.free(2);
    expect(a.alloc()).toBe(2);
  });

  it('rejects freeing an id that is not allocated (a bug, not input)', () => {
    const a = new PasidAllocator(4);
    expect(() => a.free(0)).toThrow(/not allocated/);
    expect(() => a.free(1)).toThrow(/not allocated/);
  });

  it('a process keeps its PASID across unbind and rebind; exit releases it', async () => {
    const b = bootYaml(svaYaml({ devices: 2 }));
    const k = b.kernel;
    const app = b.processes.get('app')!;
    expect(app.pasid).toBe(1);
    const other = k.mm.createProcess('other');
    k.mm.mmap(other, 'x', 8192, true, 1);
    const bo = k.domains.bindSva(0, other);
    expect(other.pasid).toBe(2);
    // Unbind everything from app: its PASID stays allocated and is the same on rebind.
    for (const bond of [...app.bonds.values()]) {
      while (bond.users > 0) await k.domains.unbindSva(bond);
    }
    expect(app.bonds.size).toBe(0);
    expect(k.pasids.isAllocated(1)).toBe(true);
    k.domains.bindSva(1, app);
    expect(app.pasid).toBe(1);
    // Exit of `other` frees PASID 2; the next process gets it (smallest free).
    await k.domains.unbindSva(bo);
    k.mm.exit(other);
    expect(k.pasids.isAllocated(2)).toBe(false);
    const third = k.mm.createProcess('third');
    k.mm.mmap(third, 'y', 4096, true, 1);
    k.domains.bindSva(0, third);
    expect(third.pasid).toBe(2);
  });
});
