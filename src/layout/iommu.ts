/**
 * One IOMMU unit's shared state: its IOTLB.
 *
 * | field    | writer                                                  | readers            |
 * |----------|---------------------------------------------------------|--------------------|
 * | iotlb.*  | the IOMMU's translation engine — executed on the thread | same; kernel tests |
 * |          | of the device whose request missed — or the kernel's    |                    |
 * |          | invalidation, each only while holding the set's lock    |                    |
 * | invEpoch | kernel (Atomics.add, before it invalidates any set)     | devices (fills)    |
 *
 * Fill protocol (no stale entry survives an invalidation): a device reads `invEpoch` before
 * its page walk and fills the IOTLB (and its device TLB) only if, under the set lock, the
 * epoch is unchanged. The kernel changes the PTE, then bumps the epoch, then invalidates the
 * sets. A walk that read the old PTE either fills before the kernel reaches that set (and is
 * invalidated with it) or sees the new epoch and does not fill.
 *
 * The IOTLB is the one structure several threads write; the per-set futex lock (mutex.ts)
 * makes "the IOMMU" the single logical writer of each set. Entries are tagged by the
 * per-IOMMU domain id (did), the PASID and the virtual page number. Invalidations are named
 * after the architecture's scopes (as gem5's SMMUv3 model names them): page range within a
 * PASID, PASID, domain, all.
 *
 * Not modelled: PASID-cache and paging-structure caches, the invalidation queue itself
 * (invalidation cost comes from the cost model).
 */

import { lock, unlock } from './mutex.js';
import { type FieldSlot, LayoutPlan, viewI32 } from './plan.js';
import { Tlb, type TlbPlan, TlbScope, type TlbScopeCode, planTlb } from './tlb.js';

export interface IommuShape {
  readonly iotlbEntries: number;
  readonly iotlbWays: number;
}

export interface IommuPlan {
  readonly iotlb: TlbPlan;
  readonly invEpoch: FieldSlot;
  readonly sizeBytes: number;
}

export function planIommu(shape: IommuShape): IommuPlan {
  const p = new LayoutPlan();
  const iotlb = planTlb(p, shape.iotlbEntries, shape.iotlbWays);
  const invEpoch = p.i32(1);
  return { iotlb, invEpoch, sizeBytes: p.sizeBytes };
}

export class IommuViews {
  readonly iotlb: Tlb;
  readonly invEpoch: Int32Array;

  constructor(buffer: SharedArrayBuffer, shape: IommuShape) {
    const plan = planIommu(shape);
    this.iotlb = new Tlb(buffer, plan.iotlb);
    this.invEpoch = viewI32(buffer, plan.invEpoch);
  }

  /** Page-selective-within-PASID: entries of (did, pasid) with a VPN in [vpnStart, vpnEnd). */
  invalidatePasidRange(did: number, pasid: number, vpnStart: number, vpnEnd: number): number {
    return this.invalidate(TlbScope.pasidRange, did, pasid, vpnStart, vpnEnd);
  }

  /** PASID-selective: every entry of (did, pasid). */
  invalidatePasid(did: number, pasid: number): number {
    return this.invalidate(TlbScope.pasid, did, pasid, 0, 0);
  }

  /** Domain-selective: every entry of domain id `did`, whatever the PASID. */
  invalidateDomain(did: number): number {
    return this.invalidate(TlbScope.domain, did, 0, 0, 0);
  }

  /** Global: every entry. */
  invalidateAll(): number {
    return this.invalidate(TlbScope.all, 0, 0, 0, 0);
  }

  /** Bump the epoch (fill protocol above), then drop matches set by set under each set's lock. */
  private invalidate(scope: TlbScopeCode, did: number, pasid: number, vpnStart: number, vpnEnd: number): number {
    const t = this.iotlb;
    let dropped = 0;
    Atomics.add(this.invEpoch, 0, 1);
    for (let s = 0; s < t.sets; s++) {
      lock(t.lock, s);
      dropped += t.dropInSet(s, scope, did, pasid, vpnStart, vpnEnd);
      unlock(t.lock, s);
    }
    return dropped;
  }
}
