/**
 * vtd-sva-domain: one SVA domain shared by the devices bound to an mm, flushed before cache tags
 * existed — Tina Zhang's RFC "iommu/vt-d: Remove superfluous IOMMU IOTLB invalidations" (patch
 * 12/12, October 2023), which was never merged into mainline: mainline went from the per-device
 * walk (vtd-per-device, ≤ v6.9) straight to cache tags (v6.10). Only its core part, "iommu:
 * Support mm PASID 1:n with sva domains" (iommu-sva.c, v6.8), landed. Kept as its own strategy
 * because it isolates the step the shared domain brings: per chunk (the chunks of
 * `intel_flush_svm_range_dev`, range.ts alignedChunks) one `qi_flush_piotlb` per IOMMU in the
 * domain's `iommu_array` and one `qi_flush_dev_iotlb_pasid` per ATS device on its `dev_pasids`,
 * each still its own synchronous submission — four devices behind one IOMMU: four IOTLB
 * flushes become one, the device-TLB flushes stay.
 */

import type { Submission } from '../qi.js';
import { alignedChunks } from '../range.js';
import { devtlbDescriptor, iotlbDescriptor } from './descriptors.js';
import type { InvalidationStrategy } from './strategy.js';

export const vtdSvaDomain: InvalidationStrategy = {
  name: 'vtd-sva-domain',
  reproduces: 'unmerged RFC (Oct 2023) for drivers/iommu/intel/svm.c intel_flush_svm_range over iommu_array and dev_pasids',
  plan(target, range, config) {
    const out: Submission[] = [];
    const chunks = config.rangeEncoding === 'vtd' ? alignedChunks(range) : [range];
    // iommu_array: one entry per unit, by its index (xa_for_each order).
    const units = new Map<number, { did: number; pasid: number }>();
    for (const a of target.attachments) if (!units.has(a.iommu)) units.set(a.iommu, { did: a.did, pasid: a.pasid });
    const iommus = [...units.keys()].sort((x, y) => x - y);
    for (const chunk of chunks) {
      for (const iommu of iommus) {
        const u = units.get(iommu)!;
        out.push({ iommu, descriptors: [iotlbDescriptor(u.did, u.pasid, chunk)] });
      }
      for (const a of target.attachments) {
        if (a.ats) out.push({ iommu: a.iommu, descriptors: [devtlbDescriptor(a.device, a.pasid, chunk)] });
      }
    }
    return out;
  },
};
