/**
 * Kernel-side page-table operations (the only writer of page tables). Tables are frames;
 * intermediate entries are always present|writable|user, so permission is decided by the leaf.
 * Every store is an `Atomics.store` of a whole entry: a concurrent walker sees either the old
 * or the new entry, never a torn one. Leaves are published after the frame behind them is
 * initialised.
 */

import { PAGE_SIZE, PT_ENTRIES, PT_LEVELS } from '../layout/constants.js';
import { levelIndex, makePte, PTE_P, PTE_RW, PTE_US, ptePfn, pteWordIndex } from '../layout/pagetable.js';
import { FrameOwner, packOwner } from '../layout/physmem.js';

/**
 * The memory a table lives in: the host's physical memory, or a VM's guest-physical memory,
 * whose frame `pfn` is held by host frame `hostPfn(pfn)` (its stage-2 translation, kernel/vm.ts).
 * Table entries always hold frame numbers of their own space.
 */
export interface PageSpace {
  /** All of host memory as 32-bit words and as bytes. */
  readonly words: Int32Array;
  readonly bytes: Uint8Array;
  /** Absent: host memory (frame numbers are host frames). */
  readonly hostPfn?: (pfn: number) => number;
}

/** Where a space's frames come from (kernel/frames.ts for the host; kernel/vm.ts for a guest). */
export interface FrameSource {
  alloc(owner: number, what: string, zero?: boolean): number;
  free(pfn: number): void;
  /** Frames in the space (frame 0 is never handed out). */
  readonly frameCount: number;
  /** What frame `pfn` holds (physmem.ts FrameOwner packed with an id; 0 = free). */
  ownerOf(pfn: number): number;
}

/** The host frame behind frame `pfn` of `space`. */
function host(space: PageSpace, pfn: number): number {
  return space.hostPfn ? space.hostPfn(pfn) : pfn;
}

export function allocTableRoot(frames: FrameSource, ownerId: number): number {
  return frames.alloc(packOwner(FrameOwner.pageTable, ownerId), 'allocating a page-table root', true);
}

/** Install a leaf for `vpn` → `pfn`, creating intermediate tables as needed. */
export function mapPage(
  mem: PageSpace,
  frames: FrameSource,
  rootPfn: number,
  vpn: number,
  pfn: number,
  writable: boolean,
  ownerId: number,
): void {
  let table = rootPfn;
  for (let level = PT_LEVELS - 1; level > 0; level--) {
    const w = pteWordIndex(host(mem, table), levelIndex(vpn, level));
    const pte = Atomics.load(mem.words, w);
    if ((pte & PTE_P) === 0) {
      const next = frames.alloc(packOwner(FrameOwner.pageTable, ownerId), 'allocating a page table', true);
      Atomics.store(mem.words, w, makePte(next, PTE_P | PTE_RW | PTE_US));
      table = next;
    } else {
      table = ptePfn(pte);
    }
  }
  const leaf = pteWordIndex(host(mem, table), levelIndex(vpn, 0));
  Atomics.store(mem.words, leaf, makePte(pfn, PTE_P | PTE_US | (writable ? PTE_RW : 0)));
}

/** Word index of the leaf entry for `vpn`, or -1 if an intermediate table is missing. */
export function leafWord(mem: PageSpace, rootPfn: number, vpn: number): number {
  let table = rootPfn;
  for (let level = PT_LEVELS - 1; level > 0; level--) {
    const pte = Atomics.load(mem.words, pteWordIndex(host(mem, table), levelIndex(vpn, level)));
    if ((pte & PTE_P) === 0) return -1;
    table = ptePfn(pte);
  }
  return pteWordIndex(host(mem, table), levelIndex(vpn, 0));
}

/** The leaf PTE for `vpn` (0 if none). */
export function lookupPte(mem: PageSpace, rootPfn: number, vpn: number): number {
  const w = leafWord(mem, rootPfn, vpn);
  return w < 0 ? 0 : Atomics.load(mem.words, w);
}

/** Clear the leaf for `vpn`; returns the PFN it mapped, or 0 if none. */
export function unmapPage(mem: PageSpace, rootPfn: number, vpn: number): number {
  const w = leafWord(mem, rootPfn, vpn);
  if (w < 0) return 0;
  const old = Atomics.exchange(mem.words, w, 0);
  return (old & PTE_P) !== 0 ? ptePfn(old) : 0;
}

/** Free every table frame of the tree (leaves' data frames are the caller's business). */
export function freeTables(mem: PageSpace, frames: FrameSource, rootPfn: number): void {
  const visit = (table: number, level: number): void => {
    if (level > 0) {
      for (let i = 0; i < PT_ENTRIES; i++) {
        const pte = Atomics.load(mem.words, pteWordIndex(host(mem, table), i));
        if ((pte & PTE_P) !== 0) visit(ptePfn(pte), level - 1);
      }
    }
    frames.free(table);
  };
  visit(rootPfn, PT_LEVELS - 1);
}

/**
 * Deterministic initial contents of a data page: 1024 32-bit words from a hash of
 * (seed, owner id, vpn, word index). Cheap, reproducible, and different on every page.
 */
export function fillPage(mem: PageSpace, pfn: number, seed: number, ownerId: number, vpn: number): void {
  const base = (host(mem, pfn) * PAGE_SIZE) >>> 2;
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(ownerId + 1, 0x85ebca6b) ^ Math.imul(vpn % 0x7fffffff, 0xc2b2ae35)) | 0;
  for (let i = 0; i < PAGE_SIZE >>> 2; i++) {
    h = (h + 0x6d2b79f5) | 0;
    let t = Math.imul(h ^ (h >>> 15), h | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    mem.words[base + i] = t ^ (t >>> 14);
  }
}
