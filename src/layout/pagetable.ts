/**
 * Page-table entry format and the page walk, shared by the kernel (which writes tables) and
 * the IOMMU translation engine (which reads them on the device's thread).
 *
 * A PTE is 8 bytes, little-endian, x86-like. Only the low 32-bit word carries information:
 * | bits   | meaning                                                    |
 * |--------|------------------------------------------------------------|
 * | 0      | P   present                                                |
 * | 1      | RW  writable (must be set at every level for a write)      |
 * | 2      | US  user                                                   |
 * | 12..31 | PFN of the next-level table, or of the page at the leaf    |
 * The high word is always 0. Writer: kernel only, with `Atomics.store`, payload first
 * (a leaf is published only after its frame is initialised). Readers: `Atomics.load`.
 *
 * Not modelled: 2 MiB / 1 GiB leaves, accessed/dirty bits, NX, PCID.
 */

import { PAGE_SIZE, PT_ENTRIES, PT_LEVELS, PTE_BYTES } from './constants.js';

export const PTE_P = 1;
export const PTE_RW = 2;
export const PTE_US = 4;
const PFN_SHIFT = 12;

export function makePte(pfn: number, flags: number): number {
  return ((pfn << PFN_SHIFT) | flags) | 0;
}

export function ptePfn(pte: number): number {
  return pte >>> PFN_SHIFT;
}

/** Index of the 32-bit word holding entry `index` of the table in frame `tablePfn`. */
export function pteWordIndex(tablePfn: number, index: number): number {
  return (tablePfn * PAGE_SIZE + index * PTE_BYTES) >>> 2;
}

/** Index into the level-`level` table (3 = top, 0 = leaf) for a virtual page number. */
export function levelIndex(vpn: number, level: number): number {
  // Shifts for VPNs below 2^31 (addresses below 8 TiB); vpn can reach 2^36: divide then.
  if (vpn < 0x80000000) return (vpn >>> (9 * level)) & (PT_ENTRIES - 1);
  return Math.floor(vpn / LEVEL_SPAN[level]!) % PT_ENTRIES;
}

const LEVEL_SPAN = [1, 2 ** 9, 2 ** 18, 2 ** 27];

/**
 * Translation outcomes: `none` (the frame is in the caller's out-record), or why there is no
 * frame — values, never exceptions, and never mixed with frame numbers.
 */
export const Fault = {
  /** Translated: the frame (and its generation) are in the out-record. */
  none: 0,
  /** No present leaf (or intermediate) entry for the page. */
  notPresent: -1,
  /** Present, but a write to a page that is not writable at some level. */
  permission: -2,
  /** The device has no attachment for the PASID, or it is attached to a blocked domain. */
  noAttachment: -3,
  /** Identity domain: the address lies beyond physical memory. */
  outOfRange: -4,
  /** (Device, after PRI) the page request was answered INVALID. */
  responseInvalid: -5,
  /** (Device, after PRI) the page request was answered FAILURE. */
  responseFailure: -6,
  /** (Device, no block-on-fault) stop here and complete partially. */
  partial: -7,
} as const;
export type FaultCode = (typeof Fault)[keyof typeof Fault];

/**
 * Walk the 4-level table rooted at `rootPfn` for `vpn`. Returns `Fault.none` with the leaf's
 * frame in `out.pfn`, or the fault. `out.writable` tells caching layers whether the translation
 * permits writes; `out.walkRefs` counts the PTE reads. Allocation-free.
 */
export function walk(words: Int32Array, rootPfn: number, vpn: number, write: boolean, out: WalkOut): FaultCode {
  let table = rootPfn;
  let rw = PTE_RW;
  for (let level = PT_LEVELS - 1; level >= 0; level--) {
    const pte = Atomics.load(words, pteWordIndex(table, levelIndex(vpn, level)));
    out.walkRefs++;
    if ((pte & PTE_P) === 0) return Fault.notPresent;
    rw &= pte;
    table = ptePfn(pte);
  }
  out.writable = rw !== 0;
  if (write && rw === 0) return Fault.permission;
  out.pfn = table;
  return Fault.none;
}

export interface WalkOut {
  /** The leaf's frame, when the walk returned Fault.none. */
  pfn: number;
  walkRefs: number;
  writable: boolean;
}
