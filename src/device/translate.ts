/**
 * The IOMMU translation pipeline for one device, run on the device's thread:
 *   device-TLB lookup → PASID entry → IOTLB lookup → page walk (PTE reads from frames) → fill.
 * Every step's outcome is a value: `Fault.none` with the frame and its generation in the
 * translator's `pfn` and `gen` fields, or the `Fault` that stopped it.
 *
 * The IOTLB is shared with the other devices behind the same IOMMU; its sets are guarded by
 * futex locks (layout/mutex.ts). The walk itself runs outside the lock.
 *
 * Fills are epoch-checked (layout/iommu.ts): the IOMMU's invalidation epoch is read before a
 * walk, and the IOTLB and device TLB are filled only if it is unchanged under the set lock, so
 * a walk racing an invalidation never leaves a stale entry behind. Its result is still used
 * for the access in flight, which the kernel drains (layout/device.ts copySeq) before the
 * invalidation completes.
 *
 * Costs. Host time: an IOTLB-miss walk costs `walkLoops` of injected delay. Modelled time:
 * every translation leaves its cost by outcome in `costNs` (device-TLB hit; device-TLB miss →
 * an ATS translation request, then the IOMMU's IOTLB lookup, and a walk on a miss), which the
 * page loop adds to the engine's clock.
 *
 * Modelled time and the IOTLB (design.md §6, determinism). The kernel writes the IOTLB
 * (invalidations, merged fills) only at barriers, while every device is parked. A device alone
 * behind its IOMMU therefore owns the IOTLB between barriers: it looks up and fills it as in
 * host time, without the lock — exact LRU. Devices that share an IOMMU (bounded skew): between
 * two of the kernel's releases the shared IOTLB is read-only for them — no lock, no LRU write.
 * A device sees its own fills at once through a private overlay, logs each fill
 * (layout/device.ts iotlbFills) and stamps the entries it hits with its clock (iotlbUseNs); the
 * kernel applies every device's fills at the barrier in (virtual time, device) order, choosing
 * victims by those stamps (layout/iotlb-merge.ts). So what a device finds in the IOTLB depends
 * on virtual time only; the approximation is that a device sees the others' fills only at the
 * next barrier (at most one quantum late), and that its own fills of the current quantum live
 * in the overlay beside the IOTLB's entries rather than evicting them until the merge.
 *
 * Not modelled: PASID-cache and paging-structure caches, ATS translation-request latency.
 */

import { KVA_DIRECT_MAP_VPN } from '../layout/constants.js';
import { Counter, type DeviceViews, IotlbFill } from '../layout/device.js';
import { DomainType, type DomainTableViews } from '../layout/domains.js';
import type { IommuViews } from '../layout/iommu.js';
import { lock, unlock } from '../layout/mutex.js';
import { Fault, type FaultCode, type WalkOut, walk } from '../layout/pagetable.js';
import type { PhysMemViews } from '../layout/physmem.js';
import { spinLoops } from './spin.js';

/** Translation costs by outcome, ns (modelled time; platform/presets.ts). */
export interface TranslationCosts {
  readonly devtlbHitNs: number;
  readonly atsTranslationNs: number;
  readonly iotlbHitNs: number;
  readonly walkNs: number;
}

/** Size of the private overlay of a device's own IOTLB fills since the last release (power of 2). */
const OVERLAY_SIZE = 256;

export class Translator {
  /** The frame of the last translation that returned Fault.none. */
  pfn = 0;
  /** Modelled time: the last translation's cost, ns. */
  costNs = 0;
  /** That frame's generation when the translation was made (checker input). */
  gen = 0;
  private readonly walkOut: WalkOut = { pfn: 0, walkRefs: 0, writable: false };
  /** The reference walk's own out-record (its walks are not counted). */
  private readonly referenceOut: WalkOut = { pfn: 0, walkRefs: 0, writable: false };
  private readonly counters: Float64Array;

  constructor(
    private readonly mem: PhysMemViews,
    private readonly domains: DomainTableViews,
    private readonly iommu: IommuViews,
    private readonly iommuIndex: number,
    private readonly dev: DeviceViews,
    private readonly ats: boolean,
    /** Busy-loop count injected per IOTLB-miss walk (0 = none). */
    private readonly walkLoops = 0,
    /** Modelled time: costs, and the engine's clock (stamps and fill times). */
    private readonly modelled:
      | {
          readonly costs: TranslationCosts;
          readonly clock: { readonly nowNs: number; readonly release: number };
          /** The only device behind its IOMMU: it owns the IOTLB between barriers. */
          readonly exclusiveIotlb: boolean;
        }
      | undefined = undefined,
  ) {
    this.counters = dev.counters;
    const c = modelled?.costs;
    this.devtlbHitNs = c?.devtlbHitNs ?? 0;
    this.atsNs = c?.atsTranslationNs ?? 0;
    this.iotlbHitNs = c?.iotlbHitNs ?? 0;
    this.walkNs = c?.walkNs ?? 0;
    this.sharedModelled = modelled !== undefined && !modelled.exclusiveIotlb;
  }

  /** Modelled time with an IOTLB shared with other devices: the overlay path. */
  private readonly sharedModelled: boolean;

  private readonly devtlbHitNs: number;
  private readonly atsNs: number;
  private readonly iotlbHitNs: number;
  private readonly walkNs: number;
  /** Overlay of own fills: tags, outputs, and the release they belong to (older ones are void). */
  private readonly ovDid = new Int32Array(OVERLAY_SIZE);
  private readonly ovPasid = new Int32Array(OVERLAY_SIZE);
  private readonly ovVpn = new Float64Array(OVERLAY_SIZE).fill(-1);
  private readonly ovPfn = new Int32Array(OVERLAY_SIZE);
  private readonly ovRw = new Int32Array(OVERLAY_SIZE);
  private readonly ovGen = new Int32Array(OVERLAY_SIZE);
  private readonly ovRelease = new Int32Array(OVERLAY_SIZE).fill(-1);

  private overlaySlot(did: number, pasid: number, vpn: number): number {
    return (Math.imul((vpn | 0) ^ Math.imul(pasid, 0x27d4eb2d) ^ Math.imul(did, 0x165667b1), 0x9e3779b1) >>> 20) & (OVERLAY_SIZE - 1);
  }

  /**
   * The hot case, small enough to inline into the ops: a device-TLB hit found through its
   * hint. Anything else takes the full pipeline (`translate`). Same result and counters.
   */
  translateFast(pasid: number, vpn: number, write: boolean): FaultCode {
    if (this.ats) {
      const t = this.dev.devtlb;
      const e = t.probe(0, pasid, vpn);
      if (e >= 0 && (!write || t.rw[e] === 1)) {
        this.counters[Counter.devtlbHits]!++;
        this.gen = t.gen[e]!;
        this.pfn = t.pfn[e]!;
        this.costNs = this.devtlbHitNs;
        return Fault.none;
      }
    }
    return this.translate(pasid, vpn, write);
  }

  /** Translate (pasid, vpn) for a read or a write: Fault.none (see `pfn`, `gen`) or the fault. Allocation-free. */
  translate(pasid: number, vpn: number, write: boolean): FaultCode {
    const c = this.counters;
    // 1. Device TLB (ATS): tagged by (PASID, page).
    const devtlb = this.dev.devtlb;
    let devSet = 0;
    if (this.ats) {
      devSet = devtlb.setOf(pasid, vpn);
      const e = devtlb.lookup(devSet, 0, pasid, vpn);
      if (e >= 0 && (!write || devtlb.rw[e] === 1)) {
        c[Counter.devtlbHits]!++;
        this.gen = devtlb.gen[e]!;
        this.pfn = devtlb.pfn[e]!;
        this.costNs = this.devtlbHitNs;
        return Fault.none;
      }
      c[Counter.devtlbMisses]!++;
    }
    // From here the request reaches the IOMMU (through an ATS translation request with ATS).
    this.costNs = (this.ats ? this.atsNs : 0) + this.iotlbHitNs;

    // 2. PASID entry → domain.
    const domain = Atomics.load(this.dev.pasidDomain, pasid) - 1;
    if (domain < 0) return Fault.noAttachment;
    const type = Atomics.load(this.domains.type, domain);
    if (type === DomainType.identity || type === DomainType.kva) {
      const pfn = type === DomainType.kva ? vpn - KVA_DIRECT_MAP_VPN : vpn;
      if (pfn >= this.mem.frames || pfn < 1) return Fault.outOfRange;
      this.gen = Atomics.load(this.mem.generation, pfn);
      this.pfn = pfn;
      return Fault.none;
    }
    if (type !== DomainType.sva && type !== DomainType.dma) return Fault.noAttachment;
    const did = Atomics.load(this.domains.did, this.domains.didIndex(domain, this.iommuIndex));
    if (did === 0) return Fault.noAttachment;

    const iotlb = this.iommu.iotlb;
    const set = iotlb.setOf(pasid, vpn);
    if (this.sharedModelled) return this.translateModelled(pasid, vpn, write, domain, did, set, devSet);
    // Modelled and alone behind the IOMMU: no other writer between barriers, so no lock.
    const locked = this.modelled === undefined;

    // 3. IOTLB: tagged by (did, PASID, page); shared, so under the set's lock.
    if (locked) lock(iotlb.lock, set);
    const e = iotlb.lookup(set, did, pasid, vpn);
    if (e >= 0 && (!write || iotlb.rw[e] === 1)) {
      const pfn = iotlb.pfn[e]!;
      const gen = iotlb.gen[e]!;
      const rw = iotlb.rw[e] === 1;
      if (locked) unlock(iotlb.lock, set);
      c[Counter.iotlbHits]!++;
      this.gen = gen;
      this.pfn = pfn;
      if (this.ats) devtlb.fill(devSet, 0, pasid, vpn, pfn, rw, gen);
      return Fault.none;
    }
    if (locked) unlock(iotlb.lock, set);
    c[Counter.iotlbMisses]!++;
    this.costNs += this.walkNs;

    // 4. Page walk of the domain's table (after noting the invalidation epoch).
    const epoch = Atomics.load(this.iommu.invEpoch, 0);
    const out = this.walkOut;
    out.walkRefs = 0;
    const fault = walk(this.mem.words, Atomics.load(this.domains.rootPfn, domain), vpn, write, out);
    c[Counter.walks]!++;
    c[Counter.walkRefs]! += out.walkRefs;
    // The translation is bound to the frame's generation as the walk read its PTE, not after
    // the walk's injected cost: a frame freed while the walk "takes time" is a stale
    // translation the checker must see (reading it later would hide a missing drain).
    const pfn = out.pfn;
    const gen = fault === Fault.none ? Atomics.load(this.mem.generation, pfn) : 0;
    if (this.walkLoops > 0) spinLoops(this.walkLoops);
    if (fault !== Fault.none) return fault;

    // 5. Fill IOTLB and device TLB with that generation — unless an invalidation began since
    //    the walk started, in which case the result serves only this access.
    if (locked) lock(iotlb.lock, set);
    const unchanged = Atomics.load(this.iommu.invEpoch, 0) === epoch;
    if (unchanged) iotlb.fill(set, did, pasid, vpn, pfn, out.writable, gen);
    if (locked) unlock(iotlb.lock, set);
    if (unchanged && this.ats) devtlb.fill(devSet, 0, pasid, vpn, pfn, out.writable, gen);
    this.gen = gen;
    this.pfn = pfn;
    return Fault.none;
  }

  /**
   * Steps 3–5 in modelled time: the IOTLB as of the last release (read-only) plus this device's
   * own fills since (the overlay); a walk's fill goes to the overlay and the fill log.
   */
  private translateModelled(pasid: number, vpn: number, write: boolean, domain: number, did: number, set: number, devSet: number): FaultCode {
    const c = this.counters;
    const clock = this.modelled!.clock;
    const devtlb = this.dev.devtlb;
    const o = this.overlaySlot(did, pasid, vpn);
    if (this.ovRelease[o] === clock.release && this.ovVpn[o] === vpn && this.ovPasid[o] === pasid && this.ovDid[o] === did && (!write || this.ovRw[o] === 1)) {
      c[Counter.iotlbHits]!++;
      this.pfn = this.ovPfn[o]!;
      this.gen = this.ovGen[o]!;
      if (this.ats) devtlb.fill(devSet, 0, pasid, vpn, this.pfn, this.ovRw[o] === 1, this.gen);
      return Fault.none;
    }
    const iotlb = this.iommu.iotlb;
    const e = iotlb.peek(set, did, pasid, vpn);
    if (e >= 0 && (!write || iotlb.rw[e] === 1)) {
      c[Counter.iotlbHits]!++;
      this.dev.iotlbUseNs[e] = clock.nowNs;
      this.pfn = iotlb.pfn[e]!;
      this.gen = iotlb.gen[e]!;
      if (this.ats) devtlb.fill(devSet, 0, pasid, vpn, this.pfn, iotlb.rw[e] === 1, this.gen);
      return Fault.none;
    }
    c[Counter.iotlbMisses]!++;
    const out = this.walkOut;
    out.walkRefs = 0;
    const fault = walk(this.mem.words, Atomics.load(this.domains.rootPfn, domain), vpn, write, out);
    c[Counter.walks]!++;
    c[Counter.walkRefs]! += out.walkRefs;
    this.costNs += this.walkNs;
    if (fault !== Fault.none) return fault;
    const pfn = out.pfn;
    const gen = Atomics.load(this.mem.generation, pfn);
    this.ovRelease[o] = clock.release;
    this.ovDid[o] = did;
    this.ovPasid[o] = pasid;
    this.ovVpn[o] = vpn;
    this.ovPfn[o] = pfn;
    this.ovRw[o] = out.writable ? 1 : 0;
    this.ovGen[o] = gen;
    const log = this.dev.iotlbFills;
    const slot = log.reserve();
    // A log full within one quantum drops the fill from the shared IOTLB (deterministically).
    if (slot >= 0) {
      log.slots[slot + IotlbFill.did] = did;
      log.slots[slot + IotlbFill.pasid] = pasid;
      log.slots[slot + IotlbFill.vpn] = vpn;
      log.slots[slot + IotlbFill.pfn] = pfn;
      log.slots[slot + IotlbFill.rw] = out.writable ? 1 : 0;
      log.slots[slot + IotlbFill.gen] = gen;
      log.slots[slot + IotlbFill.timeNs] = clock.nowNs;
      log.slots[slot + IotlbFill.seen] = e;
      log.publish();
    }
    if (this.ats) devtlb.fill(devSet, 0, pasid, vpn, pfn, out.writable, gen);
    this.gen = gen;
    this.pfn = pfn;
    return Fault.none;
  }

  /**
   * Reference translation for integrity checks: a fresh walk with no caching and no counters
   * (what the CPU would see). The frame, or -1 when there is none.
   */
  referenceFrame(pasid: number, vpn: number): number {
    const domain = Atomics.load(this.dev.pasidDomain, pasid) - 1;
    if (domain < 0) return -1;
    const type = Atomics.load(this.domains.type, domain);
    if (type === DomainType.identity) return vpn < this.mem.frames ? vpn : -1;
    if (type === DomainType.kva) return vpn - KVA_DIRECT_MAP_VPN < this.mem.frames ? vpn - KVA_DIRECT_MAP_VPN : -1;
    const out = this.referenceOut;
    return walk(this.mem.words, Atomics.load(this.domains.rootPfn, domain), vpn, false, out) === Fault.none ? out.pfn : -1;
  }
}
