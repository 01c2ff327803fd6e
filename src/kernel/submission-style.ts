/**
 * How the era's driver turns one flush's descriptors into submissions (a DMA-domain flush of a
 * kernel client, kernel-client.ts; a stage-2 flush of a VM, vm-flush.ts).
 */

import type { QiDescriptor, Submission } from './qi.js';

/**
 * How a DMA-domain flush is submitted, by the era the run's strategy stands for:
 * - `per-unit` (VT-d v6.12+, `qi_batch`): one submission per IOMMU unit, every tag's descriptors;
 * - `per-descriptor` (VT-d up to v6.11: `cache_tag_flush_range` calling a `qi_flush_*` per tag in
 *   v6.10–v6.11; `iommu_flush_iotlb_psi` and `iommu_flush_dev_iotlb` per PASID and device before):
 *   each descriptor its own submission and wait;
 * - `smmu` (SMMUv3 `arm_smmu_tlb_inv_range_domain` / `arm_smmu_tlb_inv_context`): the TLBI
 *   commands and a CMD_SYNC, then the ATC invalidations and a CMD_SYNC — two per unit; ranges
 *   encoded SMMU's way (`smmu-ril` with range invalidation).
 */
export type SubmissionStyle = 'per-unit' | 'per-descriptor' | 'smmu' | 'smmu-ril';

/** The style of a strategy's era (profile/types.ts STRATEGIES). */
export function submissionStyleFor(strategy: string): SubmissionStyle {
  if (strategy === 'vtd-cache-tags-batched' || strategy === 'vtd-cache-tags-grouped') return 'per-unit';
  if (strategy === 'smmuv3') return 'smmu';
  if (strategy === 'smmuv3-ril') return 'smmu-ril';
  return 'per-descriptor';
}

/** The submissions of a flush whose descriptors are grouped by IOMMU unit, in `style`. */
export function submissionsInStyle(byUnit: ReadonlyMap<number, readonly QiDescriptor[]>, style: SubmissionStyle): Submission[] {
  const submissions: Submission[] = [];
  for (const [iommu, descriptors] of byUnit) {
    if (style === 'per-unit') submissions.push({ iommu, descriptors });
    else if (style === 'per-descriptor') for (const d of descriptors) submissions.push({ iommu, descriptors: [d] });
    else {
      submissions.push({ iommu, descriptors: descriptors.filter((d) => d.kind !== 'devtlb') });
      const atc = descriptors.filter((d) => d.kind === 'devtlb');
      if (atc.length > 0) submissions.push({ iommu, descriptors: atc });
    }
  }
  return submissions;
}
