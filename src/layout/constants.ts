/** Architectural constants shared by every layout. */

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
/** 4-level radix page table, 9 index bits per level, 8-byte entries. */
export const PT_LEVELS = 4;
export const PT_ENTRIES = 512;
export const PTE_BYTES = 8;
/** Virtual addresses are 48-bit (canonical lower half only). */
export const VA_BITS = 48;
export const MAX_VPN = 2 ** (VA_BITS - PAGE_SHIFT);
/**
 * Frame numbers live in bits 12..31 of a PTE's low word, so physical memory is at most
 * 2^20 frames (4 GiB). Frame 0 is never allocated: PFN 0 doubles as "none".
 */
export const MAX_FRAMES = 2 ** 20;

/**
 * Where the kernel's direct map starts in the modelled address space (Linux x86-64's PAGE_OFFSET,
 * 0xffff888000000000, folded into the 48-bit lower half the model uses): kernel virtual
 * address = KVA_DIRECT_MAP_BASE + physical address.
 */
export const KVA_DIRECT_MAP_BASE = 0x7000_0000_0000;
export const KVA_DIRECT_MAP_VPN = KVA_DIRECT_MAP_BASE / PAGE_SIZE;
