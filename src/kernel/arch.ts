/**
 * The notifier's calls for one mm change, by CPU architecture: how the change reaches the IOMMU.
 * From Linux v6.6 the SVA drivers' notifier (`arch_invalidate_secondary_tlbs`) is called by the
 * CPU's own TLB flush (mmu_notifier_arch_invalidate_secondary_tlbs), so its range is the range
 * the architecture flushes:
 *
 * - **x86** (arch/x86/mm/tlb.c `flush_tlb_mm_range`, v6.6–v6.14): more than
 *   `tlb_single_page_flush_ceiling` (33) pages flush everything — start = 0, end = TLB_FLUSH_ALL
 *   — and the notifier is called with that widened range: the IOMMU sees a whole-PASID flush.
 *   (v6.15, commit 4a02ed8e1cc3, passes the original range again.) mprotect flushes when write
 *   is dropped and again when it is restored (mm/mprotect.c `change_pte_range` →
 *   `pte_needs_flush`; arch/x86/include/asm/tlbflush.h `pte_flags_need_flush` has _PAGE_RW in
 *   `flush_on_change`).
 * - **arm64** (arch/arm64/include/asm/tlbflush.h `__flush_tlb_range` / `_nosync`): at or above
 *   MAX_DVM_OPS (PTRS_PER_PTE, 512 with 4 KiB pages) pages, without FEAT_TLBIRANGE, it calls
 *   `flush_tlb_mm`, whose notifier call is (0, -1): whole PASID. Every changed present PTE is
 *   flushed (no `pte_needs_flush` override): mprotect flushes both ways.
 * - **Migration**, both: mm/rmap.c `try_to_migrate_one` clears and flushes each page
 *   (`ptep_clear_flush` → `flush_tlb_page`): one notifier call per page, of that page. Not
 *   modelled: x86's batched (asynchronous) migration, where `arch_tlbbatch_add_pending` calls the
 *   notifier with (0, -1) for every page.
 * - **generic**: the change's own range, one call per change, mprotect's restore silent — no
 *   architecture's rule (the figures of earlier dmaload releases; isolates a strategy's own cost).
 */

import { MAX_VPN } from '../layout/constants.js';
import type { ChurnOp, NotifierArch } from '../profile/types.js';

/** x86 `tlb_single_page_flush_ceiling`. */
export const X86_FLUSH_CEILING_PAGES = 33;
/** arm64 MAX_DVM_OPS with 4 KiB pages (PTRS_PER_PTE). */
export const ARM64_MAX_DVM_OPS = 512;

/** A notifier call's range, [startVpn, endVpn); the whole address space is [0, MAX_VPN). */
export interface CallRange {
  readonly startVpn: number;
  readonly endVpn: number;
}

const WHOLE: CallRange = { startVpn: 0, endVpn: MAX_VPN };

/** The range a CPU TLB flush of [startVpn, endVpn) hands the notifier. */
function flushed(arch: NotifierArch, startVpn: number, endVpn: number): CallRange {
  const pages = endVpn - startVpn;
  if (arch === 'x86' && pages > X86_FLUSH_CEILING_PAGES) return WHOLE;
  if (arch === 'arm64' && pages >= ARM64_MAX_DVM_OPS) return WHOLE;
  return { startVpn, endVpn };
}

/**
 * The notifier calls one phase of a change makes: `op` on [startVpn, endVpn). mprotect's
 * `restore` phase (write given back) calls only on x86 and arm64.
 */
export function notifierCalls(arch: NotifierArch, op: ChurnOp | 'restore', startVpn: number, endVpn: number): CallRange[] {
  if (arch === 'generic') return op === 'restore' ? [] : [{ startVpn, endVpn }];
  if (op === 'migrate') {
    const calls: CallRange[] = [];
    for (let v = startVpn; v < endVpn; v++) calls.push(flushed(arch, v, v + 1));
    return calls;
  }
  return [flushed(arch, startVpn, endVpn)];
}
