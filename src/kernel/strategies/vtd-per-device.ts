/**
 * vtd-per-device (alias `per-device`): the VT-d SVA flush before the shared SVA domain — Linux up to about v6.9,
 * drivers/iommu/intel/svm.c `intel_flush_svm_range` walking `svm->devs` and calling
 * `intel_flush_svm_range_dev` for each bound device. That function splits the range into one or
 * two naturally aligned chunks (the page count rounded up to a power of two, from the start
 * aligned down to the end aligned up: range.ts alignedChunks) and, per chunk,
 * `__flush_svm_range_dev` issues a PASID-based IOTLB flush (`qi_flush_piotlb`) and, for an ATS
 * device, a device-TLB flush (`qi_flush_dev_iotlb_pasid`), each its own synchronous submission
 * (`qi_submit_sync`). Four devices behind one IOMMU cost four IOTLB flushes where one would do.
 * A full-address-space call is one whole-PASID flush per device. The chunking arrived with the
 * fix that aligned the address of PASID-based IOTLB invalidations (Lu Baolu, December 2020, for
 * v5.11 and stable; before it one possibly misaligned descriptor per device); the per-device walk
 * lasted until the SVA domain was shared (~v6.9).
 *
 * Not reproduced: `quirk_extra_dev_tlb_flush` (an extra device-TLB flush on some parts).
 */

import type { Submission } from '../qi.js';
import { alignedChunks } from '../range.js';
import { devtlbDescriptor, iotlbDescriptor } from './descriptors.js';
import type { InvalidationStrategy } from './strategy.js';

export const vtdPerDevice: InvalidationStrategy = {
  name: 'vtd-per-device',
  reproduces: 'Linux ≤ ~v6.9 drivers/iommu/intel/svm.c intel_flush_svm_range (per bound device)',
  plan(target, range, config) {
    const out: Submission[] = [];
    // VT-d encoding chunks the range as intel_flush_svm_range_dev does; SMMU-style keeps it whole.
    const chunks = config.rangeEncoding === 'vtd' ? alignedChunks(range) : [range];
    for (const a of target.attachments) {
      for (const chunk of chunks) {
        out.push({ iommu: a.iommu, descriptors: [iotlbDescriptor(a.did, a.pasid, chunk)] });
        if (a.ats) out.push({ iommu: a.iommu, descriptors: [devtlbDescriptor(a.device, a.pasid, chunk)] });
      }
    }
    return out;
  },
};
