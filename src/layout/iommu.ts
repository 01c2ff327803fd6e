/**
 * One IOMMU unit's shared state: its IOTLB.
 *
 * | field    | writer                                                  | readers            |
 * |----------|---------------------------------------------------------|--------------------|
 * | iotlb.*  | the IOMMU's translation engine — executed on the thread | same; kernel tests |
 * |          | of the device whose request missed — or the kernel's    |                    |
 * |          | invalidation, each only while holding the set's lock    |                    |
 *
 * The IOTLB is the one structure several threads write; the per-set futex lock (mutex.ts)
 * makes "the IOMMU" the single logical writer of each set. Entries are tagged by the
 * per-IOMMU domain id (did), the PASID and the virtual page number.
 *
 * Not modelled: PASID-cache and paging-structure caches, the invalidation queue itself
 * (invalidation cost comes from the cost model).
 */

import { lock, unlock } from './mutex.js';
import { LayoutPlan } from './plan.js';
import { Tlb, type TlbPlan, planTlb } from './tlb.js';

export interface IommuShape {
  readonly iotlbEntries: number;
  readonly iotlbWays: number;
}

export interface IommuPlan {
  readonly iotlb: TlbPlan;
  readonly sizeBytes: number;
}

export function planIommu(shape: IommuShape): IommuPlan {
  const p = new LayoutPlan();
  const iotlb = planTlb(p, shape.iotlbEntries, shape.iotlbWays);
  return { iotlb, sizeBytes: p.sizeBytes };
}

export class IommuViews {
  readonly iotlb: Tlb;

  constructor(buffer: SharedArrayBuffer, shape: IommuShape) {
    this.iotlb = new Tlb(buffer, planIommu(shape).iotlb);
  }

  /**
   * Invalidate IOTLB entries of (did, pasid) in [vpnStart, vpnEnd) — did -2 matches any —
   * taking each set's lock in turn. Returns entries dropped.
   */
  invalidate(did: number, pasid: number, vpnStart: number, vpnEnd: number): number {
    const t = this.iotlb;
    let dropped = 0;
    for (let s = 0; s < t.sets; s++) {
      lock(t.lock, s);
      dropped += t.invalidateInSet(s, did, pasid, vpnStart, vpnEnd);
      unlock(t.lock, s);
    }
    return dropped;
  }
}
