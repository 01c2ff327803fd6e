/**
 * SMMUv3 SVA: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-sva.c
 * `arm_smmu_mm_arch_invalidate_secondary_tlbs` (v6.6+), once per SVA domain on the mm — one per
 * SMMU instance (v6.11+ `arm_smmu_sva_domain_alloc`; kernel/domains.ts svaScopeOf):
 *
 * - size = end − start; without range invalidation a range of CMDQ_MAX_TLBI_OPS (512) pages or
 *   more becomes size 0, as does the full range with it;
 * - size 0: one TLBI by ASID (`arm_smmu_tlb_inv_asid`, issued with its CMD_SYNC); otherwise
 *   `arm_smmu_tlb_inv_range_asid` → `__arm_smmu_tlb_inv_range`: without range invalidation one
 *   TLBI per page; with it (`smmuv3-ril`, ARM_SMMU_FEAT_RANGE_INV) one command per 5-bit window
 *   of the page count (scale = lowest set bit, num ≤ 31; SVA passes a non-leaf granule, so a
 *   count whose low five bits are 1 is bumped by one page);
 * - then `arm_smmu_atc_inv_domain`: one ATC invalidation per ATS master (one stream ID each
 *   here), covering the smallest aligned power-of-two span holding the range
 *   (`arm_smmu_atc_inv_to_cmd`), or everything for size 0;
 * - commands go through `arm_smmu_cmdq_batch_add`: a batch of CMDQ_BATCH_ENTRIES (64) that fills
 *   is issued without a CMD_SYNC; `arm_smmu_cmdq_batch_submit` issues the rest with one. So a TLBI
 *   range costs one CMD_SYNC however many commands, and the ATC invalidations one more.
 *
 * Not reproduced: BTM (broadcast TLB maintenance: the CPU's TLBIs reach the SMMU, the driver
 * skips its own — v6.6–v6.10 checked ARM_SMMU_FEAT_BTM), the MMU-700 erratum's forced sync at 63
 * commands, masters with several stream IDs.
 */

import { MAX_VPN } from '../../layout/constants.js';
import type { AttachmentInfo } from '../domains.js';
import type { QiDescriptor, Submission } from '../qi.js';
import type { InvalidationStrategy } from './strategy.js';

/** CMDQ_MAX_TLBI_OPS with 4 KiB pages. */
export const SMMU_MAX_TLBI_OPS = 512;
/** CMDQ_BATCH_ENTRIES (BITS_PER_LONG). */
export const SMMU_BATCH_ENTRIES = 64;
/** CMDQ_TLBI_RANGE_NUM_MAX. */
const RANGE_NUM_MAX = 31;

/** The TLBI range commands' spans for `pages` pages from `startVpn` (range invalidation). */
export function rangeCommands(startVpn: number, pages: number): { startVpn: number; pages: number }[] {
  let numPages = pages;
  if ((numPages & RANGE_NUM_MAX) === 1) numPages++;
  const out: { startVpn: number; pages: number }[] = [];
  let vpn = startVpn;
  const end = startVpn + pages;
  while (vpn < end) {
    let scale = 0;
    while (((numPages / 2 ** scale) & 1) === 0) scale++;
    const num = Math.floor(numPages / 2 ** scale) & RANGE_NUM_MAX;
    const span = num * 2 ** scale;
    out.push({ startVpn: vpn, pages: span });
    numPages -= span;
    vpn += span;
  }
  return out;
}

/** `arm_smmu_atc_inv_to_cmd`: the smallest aligned power-of-two span holding [start, end). */
export function atcSpan(startVpn: number, endVpn: number): { startVpn: number; endVpn: number } {
  const last = endVpn - 1;
  let log2 = 0;
  while (Math.floor(startVpn / 2 ** log2) !== Math.floor(last / 2 ** log2)) log2++;
  const span = 2 ** log2;
  const base = Math.floor(startVpn / span) * span;
  return { startVpn: base, endVpn: base + span };
}

function smmuv3(ril: boolean): InvalidationStrategy {
  return {
    name: ril ? 'smmuv3-ril' : 'smmuv3',
    reproduces: `Linux v6.6+ drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-sva.c arm_smmu_mm_arch_invalidate_secondary_tlbs (${ril ? 'with' : 'without'} range invalidation)`,
    encoding: ril ? 'smmu-ril' : 'smmu',
    plan(target, range) {
      const out: Submission[] = [];
      const byUnit = new Map<number, AttachmentInfo[]>();
      for (const a of target.attachments) {
        const masters = byUnit.get(a.iommu);
        if (masters) masters.push(a);
        else byUnit.set(a.iommu, [a]);
      }
      const start = range.requestStartVpn;
      const pages = range.requestEndVpn - range.requestStartVpn;
      const whole = range.all || (!ril && pages >= SMMU_MAX_TLBI_OPS);
      for (const [iommu, masters] of byUnit) {
        const { did, pasid } = masters[0]!;
        // TLBIs: by ASID (with its sync), or the range's commands in batches of 64.
        const tlbi: QiDescriptor[] = whole
          ? [tlbiOf(did, pasid, 0, MAX_VPN, true)]
          : ril
            ? rangeCommands(start, pages).map((c) => tlbiOf(did, pasid, c.startVpn, c.startVpn + c.pages, false))
            : Array.from({ length: pages }, (_, i) => tlbiOf(did, pasid, start + i, start + i + 1, false));
        out.push(...batches(iommu, tlbi));
        // ATC: one per ATS master, one batch.
        const span = whole ? { startVpn: 0, endVpn: MAX_VPN } : atcSpan(start, start + pages);
        const atc: QiDescriptor[] = masters.filter((m) => m.ats).map((m) => ({ kind: 'devtlb', device: m.device, pasid: m.pasid, ...span }));
        out.push(...batches(iommu, atc));
      }
      return out;
    },
  };
}

function tlbiOf(did: number, pasid: number, startVpn: number, endVpn: number, asid: boolean): QiDescriptor {
  return { kind: 'iotlb', scope: asid ? 'pasid' : 'pasid-range', did, pasid, startVpn, endVpn, drain: true };
}

/** `arm_smmu_cmdq_batch_add` / `_submit`: full batches issued without a CMD_SYNC, the rest with one. */
function batches(iommu: number, cmds: readonly QiDescriptor[]): Submission[] {
  const out: Submission[] = [];
  if (cmds.length === 0) return out;
  for (let i = 0; i < cmds.length; i += SMMU_BATCH_ENTRIES) {
    const part = cmds.slice(i, i + SMMU_BATCH_ENTRIES);
    const last = i + SMMU_BATCH_ENTRIES >= cmds.length;
    out.push({ iommu, descriptors: part, sync: last });
  }
  return out;
}

export const smmuv3Strategy = smmuv3(false);
export const smmuv3RilStrategy = smmuv3(true);
