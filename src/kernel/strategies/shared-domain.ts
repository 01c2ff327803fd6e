/**
 * shared-domain: one SVA domain per mm with cache tags — Linux ~v6.10 and later,
 * drivers/iommu/intel/cache.c `cache_tag_flush_range`: one IOTLB descriptor per (IOMMU, domain
 * id, PASID) tag, one device-TLB descriptor per ATS device tag, batched (`qi_batch`, up to
 * `batchSize` descriptors, 16 in Linux) into submissions that each end with a wait. Tags are
 * grouped per IOMMU in the order of each unit's first attachment, a unit's IOTLB descriptors
 * ahead of its device-TLB ones — the grouping of "iommu/vt-d: Link cache tags of same iommu unit
 * together" (merged January 2025).
 *
 * Not yet exact: the cache-tag eras before that grouping (unbatched; batched with a
 * boundary at every change of IOMMU in attach order) are not separate strategies yet, and the
 * range is one descriptor for every tag.
 */

import type { QiDescriptor, Submission } from '../qi.js';
import { devtlbDescriptor, iotlbDescriptor } from './descriptors.js';
import type { InvalidationStrategy } from './strategy.js';

export const sharedDomain: InvalidationStrategy = {
  name: 'shared-domain',
  reproduces: 'Linux ≥ ~v6.10 drivers/iommu/intel/cache.c cache_tag_flush_range (tags grouped per IOMMU, qi_batch)',
  plan(target, range, config) {
    // Per IOMMU, in order of first attachment: its IOTLB tags (deduplicated), then its device TLBs.
    const byIommu = new Map<number, { iotlb: QiDescriptor[]; devtlb: QiDescriptor[] }>();
    const seenIotlb = new Set<string>();
    for (const a of target.attachments) {
      let unit = byIommu.get(a.iommu);
      if (!unit) byIommu.set(a.iommu, (unit = { iotlb: [], devtlb: [] }));
      const key = `${a.iommu}/${a.did}/${a.pasid}`;
      if (!seenIotlb.has(key)) {
        seenIotlb.add(key);
        unit.iotlb.push(iotlbDescriptor(a.did, a.pasid, range));
      }
      if (a.ats) unit.devtlb.push(devtlbDescriptor(a.device, a.pasid, range));
    }
    const out: Submission[] = [];
    for (const [iommu, unit] of byIommu) {
      const ordered = [...unit.iotlb, ...unit.devtlb];
      for (let i = 0; i < ordered.length; i += config.batchSize) {
        out.push({ iommu, descriptors: ordered.slice(i, i + config.batchSize) });
      }
    }
    return out;
  },
};
