/**
 * The VT-d cache-tag eras: one SVA domain per mm, flushed through the domain's cache tags —
 * drivers/iommu/intel/cache.c `cache_tag_flush_range` (and `cache_tag_flush_all` for the full
 * range) walking `domain->cache_tags`. `cache_tag_assign_domain` gives each attachment an IOTLB
 * tag per (IOMMU, domain id, PASID) — refcounted, so devices behind one unit share it — and, for
 * an ATS device, a device-TLB tag of its own; IOTLB tag first, then the device's. The range is
 * encoded once for every tag (`calculate_psi_aligned_address`: range.ts); the full range is a
 * whole-PASID flush.
 *
 * Three steps, each its own strategy:
 *
 * - `vtd-cache-tags-unbatched` (v6.10–v6.11, "iommu/vt-d: Add cache tag invalidation helpers"):
 *   every tag's flush is its own `qi_submit_sync` — one descriptor per submission. Tags in
 *   attach order (`list_add_tail`).
 * - `vtd-cache-tags-batched` (v6.12–v6.13, "iommu/vt-d: Introduce batched cache
 *   invalidation"): descriptors gather in `domain->qi_batch` (`qi_batch_add_desc`), which is
 *   submitted when it holds QI_MAX_BATCHED_DESC_COUNT (16: `batchSize`) and whenever the next
 *   tag's IOMMU differs from the previous one's, and once at the end. Tags still in attach
 *   order: devices that alternate between units cost a submission per tag.
 * - `vtd-cache-tags-grouped` (v6.14+, "iommu/vt-d: Link cache tags of same iommu unit
 *   together", merged January 2025): `cache_tag_assign` inserts a new tag after the last tag of
 *   its IOMMU (a unit not yet in the list goes to its front), so each unit's tags are
 *   contiguous and each unit's flush is ⌈its tags ÷ 16⌉ submissions.
 */

import type { AttachmentInfo } from '../domains.js';
import type { QiDescriptor, Submission } from '../qi.js';
import type { EncodedRange } from '../range.js';
import { devtlbDescriptor, iotlbDescriptor } from './descriptors.js';
import type { InvalidationStrategy } from './strategy.js';

/** A cache tag: an IOTLB (IOMMU, domain id, PASID) or a device's device TLB. */
interface CacheTag {
  readonly iommu: number;
  readonly iotlb: boolean;
  readonly did: number;
  readonly pasid: number;
  readonly device: number;
}

/**
 * The domain's tag list as `cache_tag_assign` builds it over the attachments, in attach order:
 * appended (`grouped` false), or inserted after the last tag of the same IOMMU, a new IOMMU's
 * tag at the front (`grouped` true). An IOTLB tag already present is only referenced again.
 */
export function cacheTags(attachments: readonly AttachmentInfo[], grouped: boolean): CacheTag[] {
  const tags: CacheTag[] = [];
  const insert = (tag: CacheTag): void => {
    if (!grouped) {
      tags.push(tag);
      return;
    }
    tags.splice(tags.findLastIndex((t) => t.iommu === tag.iommu) + 1, 0, tag);
  };
  for (const a of attachments) {
    const held = tags.some((t) => t.iotlb && t.iommu === a.iommu && t.did === a.did && t.pasid === a.pasid);
    if (!held) insert({ iommu: a.iommu, iotlb: true, did: a.did, pasid: a.pasid, device: -1 });
    if (a.ats) insert({ iommu: a.iommu, iotlb: false, did: a.did, pasid: a.pasid, device: a.device });
  }
  return tags;
}

function descriptorOf(tag: CacheTag, range: EncodedRange): QiDescriptor {
  return tag.iotlb ? iotlbDescriptor(tag.did, tag.pasid, range) : devtlbDescriptor(tag.device, tag.pasid, range);
}

/** Walk the tags as `cache_tag_flush_range` does, with `qi_batch` (batchSize) or without (1). */
function flushTags(tags: readonly CacheTag[], range: EncodedRange, batchSize: number): Submission[] {
  const out: Submission[] = [];
  let batch: QiDescriptor[] = [];
  let iommu = -1;
  const submit = (): void => {
    if (batch.length > 0) out.push({ iommu, descriptors: batch });
    batch = [];
  };
  for (const tag of tags) {
    if (tag.iommu !== iommu) submit();
    iommu = tag.iommu;
    if (batch.length === batchSize) submit();
    batch.push(descriptorOf(tag, range));
  }
  submit();
  return out;
}

export const vtdCacheTagsUnbatched: InvalidationStrategy = {
  name: 'vtd-cache-tags-unbatched',
  reproduces: 'Linux v6.10–v6.11 drivers/iommu/intel/cache.c cache_tag_flush_range (a submission per tag)',
  plan(target, range) {
    return flushTags(cacheTags(target.attachments, false), range, 1);
  },
};

export const vtdCacheTagsBatched: InvalidationStrategy = {
  name: 'vtd-cache-tags-batched',
  reproduces: 'Linux v6.12–v6.13 drivers/iommu/intel/cache.c cache_tag_flush_range with qi_batch (tags in attach order)',
  plan(target, range, config) {
    return flushTags(cacheTags(target.attachments, false), range, config.batchSize);
  },
};

export const vtdCacheTagsGrouped: InvalidationStrategy = {
  name: 'vtd-cache-tags-grouped',
  reproduces: 'Linux v6.14+ drivers/iommu/intel/cache.c cache_tag_flush_range with qi_batch, tags grouped per IOMMU',
  plan(target, range, config) {
    return flushTags(cacheTags(target.attachments, true), range, config.batchSize);
  },
};
