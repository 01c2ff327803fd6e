/**
 * per-device: the VT-d SVA flush before the shared SVA domain — Linux up to about v6.9,
 * drivers/iommu/intel/svm.c `intel_flush_svm_range` walking `svm->devs` and calling
 * `intel_flush_svm_range_dev` for each bound device: a PASID-granular IOTLB flush, and for an ATS
 * device a device-TLB flush, each its own synchronous submission (`qi_submit_sync`). Four devices
 * behind one IOMMU cost four IOTLB flushes where one would do.
 *
 * Not yet exact: Linux splits the range into one or two naturally aligned chunks per
 * device, each chunk its own pair of submissions; here the range is one descriptor, encoded as
 * range.ts says.
 */

import type { Submission } from '../qi.js';
import { devtlbDescriptor, iotlbDescriptor } from './descriptors.js';
import type { InvalidationStrategy } from './strategy.js';

export const perDevice: InvalidationStrategy = {
  name: 'per-device',
  reproduces: 'Linux ≤ ~v6.9 drivers/iommu/intel/svm.c intel_flush_svm_range (per bound device)',
  plan(target, range) {
    const out: Submission[] = [];
    for (const a of target.attachments) {
      out.push({ iommu: a.iommu, descriptors: [iotlbDescriptor(a.did, a.pasid, range)] });
      if (a.ats) out.push({ iommu: a.iommu, descriptors: [devtlbDescriptor(a.device, a.pasid, range)] });
    }
    return out;
  },
};
