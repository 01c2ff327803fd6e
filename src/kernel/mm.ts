/**
 * Address spaces: processes, their VMAs and 4-level page tables, and the CPU-side changes the
 * kernel makes to them. The only writer of process page tables.
 *
 * Models (Linux counterparts): `mm_struct` with its VMAs and `pgd`; anonymous `mmap` leaving a
 * 2 MiB unmapped guard gap after every region; `populate` (a region prefaulted in part or in
 * whole, pages chosen by the seeded kernel stream); `handle_mm_fault` for one page (a fresh
 * frame with the region's deterministic initial contents); `zap_page_range` / `change_protection`
 * / page migration on a range (the caller runs the mm notifier before freeing anything);
 * `mm_pasid_drop` at exit.
 * The same code runs a VM's guest kernel (kernel/vm.ts): its space is the guest's physical memory
 * (frame numbers are guest frames, held by host frames through stage 2), its frames and PASIDs
 * the guest's own, and its processes carry `guest`.
 * Leaves out: 2 MiB and 1 GiB pages, accessed/dirty bits, copy-on-write, swap, file mappings,
 * VMA splitting and merging (a change keeps its VMA).
 */

import { KERNEL_STREAM, nextFloat, Rng } from '../common/rng.js';
import { PAGE_SIZE } from '../layout/constants.js';
import { PTE_P, PTE_RW, ptePfn } from '../layout/pagetable.js';
import { FrameOwner, packOwner } from '../layout/physmem.js';
import { KernelError } from './errors.js';
import { type GuestOf, Process, type Vma } from './objects.js';
import { allocTableRoot, type FrameSource, fillPage, freeTables, leafWord, lookupPte, mapPage, type PageSpace, unmapPage } from './pagetables.js';
import type { PasidAllocator } from './pasid.js';

/** Unmapped bytes left after every region, so an overrun faults. */
const GUARD_GAP_BYTES = 0x20_0000;

export class AddressSpaces {
  readonly processes: Process[] = [];
  private readonly rng: Rng;

  constructor(
    private readonly mem: PageSpace,
    private readonly frames: FrameSource,
    private readonly pasids: PasidAllocator,
    /** Seeds region population (its own stream) and the pages' initial contents. */
    private readonly seed: number,
    /** A guest kernel's address spaces: what its processes carry (objects.ts GuestOf). */
    private readonly guest: GuestOf | undefined = undefined,
  ) {
    this.rng = new Rng(seed, KERNEL_STREAM);
  }

  /** Byte address in host memory of frame `pfn` of this space. */
  private pa(pfn: number): number {
    return (this.mem.hostPfn ? this.mem.hostPfn(pfn) : pfn) * PAGE_SIZE;
  }

  createProcess(name: string): Process {
    const id = this.processes.length;
    const proc = new Process(id, name, allocTableRoot(this.frames, id), this.guest);
    this.processes.push(proc);
    return proc;
  }

  /**
   * Map an anonymous region. `populate` is the fraction of pages made present now (chosen by
   * the seeded kernel stream); the rest stay non-present.
   */
  mmap(proc: Process, name: string, sizeBytes: number, writable: boolean, populate: number): Vma {
    if (sizeBytes <= 0 || sizeBytes % PAGE_SIZE !== 0) throw new Error(`bug: mmap size ${sizeBytes}`);
    const start = proc.nextVa;
    proc.nextVa = start + Math.ceil(sizeBytes / GUARD_GAP_BYTES) * GUARD_GAP_BYTES + GUARD_GAP_BYTES;
    const vma: Vma = { name, start, sizeBytes, writable };
    proc.vmas.push(vma);
    const firstVpn = start / PAGE_SIZE;
    for (let i = 0; i < sizeBytes / PAGE_SIZE; i++) {
      if (populate >= 1 || (populate > 0 && nextFloat(this.rng) < populate)) {
        this.populatePage(proc, firstVpn + i);
      }
    }
    return vma;
  }

  /** Back `vpn` with a fresh, initialised frame (CPU-side fault service). Returns the PFN. */
  populatePage(proc: Process, vpn: number): number {
    const vma = proc.vmaAt(vpn * PAGE_SIZE);
    if (!vma) throw new Error(`bug: populate outside every VMA of ${proc.name}`);
    const existing = lookupPte(this.mem, proc.rootPfn, vpn);
    if ((existing & PTE_P) !== 0) return ptePfn(existing);
    const pfn = this.frames.alloc(packOwner(FrameOwner.processData, proc.id), `populating ${proc.name}:${vma.name}`);
    fillPage(this.mem, pfn, this.seed, proc.id, vpn);
    mapPage(this.mem, this.frames, proc.rootPfn, vpn, pfn, vma.writable, proc.id);
    return pfn;
  }

  /** The PFN behind a virtual page of the table rooted at `rootPfn`, or 0 if not present. */
  resolve(rootPfn: number, vpn: number): number {
    const pte = lookupPte(this.mem, rootPfn, vpn);
    return (pte & PTE_P) !== 0 ? ptePfn(pte) : 0;
  }

  /** CPU-side read of `len` bytes at virtual `va` under `rootPfn`; false if a page is absent. */
  readVirtual(rootPfn: number, va: number, out: Uint8Array, len = out.length): boolean {
    let done = 0;
    while (done < len) {
      const a = va + done;
      const pfn = this.resolve(rootPfn, Math.floor(a / PAGE_SIZE));
      if (pfn === 0) return false;
      const inPage = a % PAGE_SIZE;
      const n = Math.min(len - done, PAGE_SIZE - inPage);
      const at = this.pa(pfn) + inPage;
      out.set(this.mem.bytes.subarray(at, at + n), done);
      done += n;
    }
    return true;
  }

  /** CPU-side write (tests, touch-page paths); false if a page is absent or read-only. */
  writeVirtual(rootPfn: number, va: number, data: Uint8Array): boolean {
    let done = 0;
    while (done < data.length) {
      const a = va + done;
      const pte = lookupPte(this.mem, rootPfn, Math.floor(a / PAGE_SIZE));
      if ((pte & PTE_P) === 0 || (pte & PTE_RW) === 0) return false;
      const pfn = ptePfn(pte);
      const inPage = a % PAGE_SIZE;
      const n = Math.min(data.length - done, PAGE_SIZE - inPage);
      this.mem.bytes.set(data.subarray(done, done + n), this.pa(pfn) + inPage);
      done += n;
    }
    return true;
  }

  /** Clear the leaves of [startVpn, startVpn + pages); returns the frames they mapped (0 = none). */
  unmapRange(proc: Process, startVpn: number, pages: number): number[] {
    const old: number[] = [];
    for (let i = 0; i < pages; i++) old.push(unmapPage(this.mem, proc.rootPfn, startVpn + i));
    return old;
  }

  /** Set or clear the writable bit of present leaves in [startVpn, startVpn + pages). */
  protectRange(proc: Process, startVpn: number, pages: number, writable: boolean): void {
    for (let i = 0; i < pages; i++) {
      const w = leafWord(this.mem, proc.rootPfn, startVpn + i);
      if (w < 0) continue;
      if (writable) Atomics.or(this.mem.words, w, PTE_RW);
      else Atomics.and(this.mem.words, w, ~PTE_RW);
    }
  }

  /** Install `pfn` at `vpn` (its VMA's permissions). */
  mapFrame(proc: Process, vpn: number, pfn: number): void {
    const vma = proc.vmaAt(vpn * PAGE_SIZE);
    if (!vma) throw new Error(`bug: map outside every VMA of ${proc.name}`);
    mapPage(this.mem, this.frames, proc.rootPfn, vpn, pfn, vma.writable, proc.id);
  }

  /** A fresh frame for `proc`'s data with `from`'s contents (page migration). */
  copyToNewFrame(proc: Process, from: number): number {
    const pfn = this.frames.alloc(packOwner(FrameOwner.processData, proc.id), `migrating a page of ${proc.name}`);
    const src = this.pa(from);
    this.mem.bytes.copyWithin(this.pa(pfn), src, src + PAGE_SIZE);
    return pfn;
  }

  /**
   * Frames a process's data owns that no page of it maps: leaked (lost to the model until the
   * run ends). 0 in every correct run — each data frame is either mapped at exactly one page or
   * free. An audit at the end of a run (run/result.ts), not a hot path.
   */
  leakedDataFrames(): number {
    const mapped = new Uint8Array(this.frames.frameCount);
    for (const proc of this.processes) {
      if (proc.exited) continue;
      for (const vma of proc.vmas) {
        const first = vma.start / PAGE_SIZE;
        for (let i = 0; i < vma.sizeBytes / PAGE_SIZE; i++) {
          const pte = lookupPte(this.mem, proc.rootPfn, first + i);
          if ((pte & PTE_P) !== 0) mapped[ptePfn(pte)] = 1;
        }
      }
    }
    let leaked = 0;
    for (let pfn = 1; pfn < this.frames.frameCount; pfn++) {
      if (this.frames.ownerOf(pfn) >>> 24 === FrameOwner.processData && mapped[pfn] === 0) leaked++;
    }
    return leaked;
  }

  /**
   * Tear a process down: it must have no SVA bonds left. Frees its data frames, its tables and
   * its PASID (`mm_pasid_drop`).
   */
  exit(proc: Process): void {
    if (proc.bonds.size > 0) throw new KernelError(`process ${proc.name} still has ${proc.bonds.size} SVA bond(s)`);
    for (const vma of proc.vmas) {
      const first = vma.start / PAGE_SIZE;
      for (let i = 0; i < vma.sizeBytes / PAGE_SIZE; i++) {
        const pfn = unmapPage(this.mem, proc.rootPfn, first + i);
        if (pfn !== 0) this.frames.free(pfn);
      }
    }
    freeTables(this.mem, this.frames, proc.rootPfn);
    if (proc.pasid !== 0) this.pasids.free(proc.pasid);
    proc.pasid = 0;
    proc.exited = true;
  }
}
