/**
 * What unbinding one (device, PASID) submits to its IOMMU once the PASID entry is cleared: the
 * flushes of everything the entry may have left cached, and the page-request drain. Each
 * submission ends in a wait the kernel polls (as qi_submit_sync), so a teardown is a short
 * sequence of round trips — counted and costed in modelled time (kernel/lifecycle.ts), not
 * free.
 *
 * VT-d (v6.10–v6.14, the versions read; v6.10 dropped the caching-mode check before the
 * device-TLB flush):
 * - drivers/iommu/intel/pasid.c `intel_pasid_tear_down_entry`: after clearing the entry,
 *   `pasid_cache_invalidation_with_pasid` (one PASID-cache descriptor), then
 *   `qi_flush_piotlb(iommu, did, pasid, 0, -1, 0)` (the whole PASID), then, for an ATS device,
 *   `devtlb_invalidation_with_pasid` (the whole PASID on the device TLB): each its own
 *   `qi_submit_sync`, so three submissions (two without ATS).
 * - drivers/iommu/intel/prq.c `intel_drain_pasid_prq` (svm.c before v6.12), for a device with
 *   PRI: one `qi_submit_sync` of three descriptors — a wait with the fence flag, a PASID-based
 *   IOTLB flush and a device-TLB flush, both with drain — after waiting for the page-request
 *   queue to hold no request of that PASID. Its retry (`goto qi_retry` while the queue still
 *   shows a request of the PASID after the submission) is not modelled: in modelled time the
 *   kernel services requests in virtual-time order, so none older than the unbind is pending.
 *
 *   (v6.13 moved the drain into the teardown, skipped in the mm-release path; the counts are
 *   the same.)
 *
 * SMMUv3: see `smmuTeardown` below.
 */

import type { AttachmentInfo } from './domains.js';
import type { Submission } from './qi.js';
import { WHOLE_ADDRESS_SPACE as WHOLE } from './range.js';
import { devtlbDescriptor } from './strategies/descriptors.js';

export interface TeardownPlan {
  /** The PASID entry's teardown: the flushes of what it may have left cached. */
  readonly teardown: readonly Submission[];
  /** The page-request drain (devices with PRI). */
  readonly drain: readonly Submission[];
}

export type TeardownPlanner = (iommuType: string, a: AttachmentInfo, pri: boolean, lastOfDomain: boolean) => TeardownPlan;

/**
 * The submissions of one unbind of `a` on an IOMMU of `iommuType`; `pri`: the device has PRI;
 * `lastOfDomain`: the domain has no other attachment on that IOMMU (SMMUv3 frees it then).
 */
export function teardownPlan(iommuType: string, a: AttachmentInfo, pri: boolean, lastOfDomain = false): TeardownPlan {
  return iommuType === 'smmuv3' ? smmuTeardown(a, lastOfDomain) : vtdTeardown(a, pri);
}

function vtdTeardown(a: AttachmentInfo, pri: boolean): TeardownPlan {
  const iotlb = (drain: boolean) => ({ kind: 'iotlb', scope: 'pasid', did: a.did, pasid: a.pasid, startVpn: WHOLE.startVpn, endVpn: WHOLE.endVpn, drain }) as const;
  const devtlb = devtlbDescriptor(a.device, a.pasid, WHOLE);
  const teardown: Submission[] = [
    { iommu: a.iommu, descriptors: [{ kind: 'pasid-cache', did: a.did, pasid: a.pasid }] },
    { iommu: a.iommu, descriptors: [iotlb(false)] },
  ];
  if (a.ats) teardown.push({ iommu: a.iommu, descriptors: [devtlb] });
  const drain: Submission[] = pri ? [{ iommu: a.iommu, descriptors: [{ kind: 'fence' }, iotlb(true), ...(a.ats ? [devtlb] : [])] }] : [];
  return { teardown, drain };
}

/**
 * SMMUv3, v6.11–v6.14 (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c `arm_smmu_remove_dev_pasid`,
 * from v6.14 `arm_smmu_blocking_set_dev_pasid`): `arm_smmu_clear_cd` writes the context
 * descriptor through `arm_smmu_write_entry`'s hitless sequence, two steps that change it, each
 * synced by `arm_smmu_sync_cd` — a CMD_CFGI_CD per stream of the master, then CMD_SYNC (the
 * driver's kunit test expects 2 syncs); with ATS, `arm_smmu_atc_inv_master(master, pasid)` — an
 * ATC invalidation per stream, then CMD_SYNC. The ASID's TLB entries are flushed when the SVA
 * domain is freed (`arm_smmu_sva_domain_free` → `arm_smmu_tlb_inv_asid`: one TLBI by ASID, then
 * CMD_SYNC), so only at its last detach. No page-request drain: SMMUv3's I/O page faults are
 * stall-only and nothing is drained on detach. One stream per master is modelled; a CFGI_CD is
 * counted as a PASID-cache descriptor (the context-descriptor cache is the equivalent).
 * (v6.8–v6.10 differ: one CD sync, and TLBI and ATC only at the mm's last bond.)
 */
function smmuTeardown(a: AttachmentInfo, lastOfDomain: boolean): TeardownPlan {
  const cfgiCd: Submission = { iommu: a.iommu, descriptors: [{ kind: 'pasid-cache', did: a.did, pasid: a.pasid }] };
  const teardown: Submission[] = [cfgiCd, cfgiCd];
  if (a.ats) teardown.push({ iommu: a.iommu, descriptors: [devtlbDescriptor(a.device, a.pasid, WHOLE)] });
  if (lastOfDomain) {
    teardown.push({ iommu: a.iommu, descriptors: [{ kind: 'iotlb', scope: 'domain', did: a.did, pasid: a.pasid, startVpn: WHOLE.startVpn, endVpn: WHOLE.endVpn, drain: false }] });
  }
  return { teardown, drain: [] };
}
