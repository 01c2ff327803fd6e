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
 * page loop adds to the engine's clock. A walk costs `walkNs` for a native walk's 4 references;
 * a nested walk costs it per 4 of its references (ASSUMED: dependent reads at the same cost).
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
 * Nested translation (a device assigned to a VM, DomainType.nested; design.md §8): an IOTLB miss
 * walks in two dimensions. Each of the guest's four stage-1 tables sits at a guest PFN that is
 * itself translated by the VM's four-level stage-2 table before its entry can be read, and so is
 * the final guest page: 4 × (4 + 1) + 4 = 24 references when nothing is cached. The one cache of
 * the walk modelled is a small stage-2 walk cache (guest PFN → host PFN, direct-mapped, per
 * device: VT-d's second-stage paging-structure caches / SMMUv3's S2 walk cache, simplified),
 * emptied when the domain's stage-2 epoch moves (a stage-2 change, kernel/vm.ts). A warm walk of
 * a page whose stage-1 tables were walked before reads 4 stage-1 entries plus the final page's
 * stage-2 walk: 8 references; 4 if that page's stage-2 translation is cached too. The IOTLB and
 * the device TLB cache the combined translation (guest VA → host frame) under the nested
 * domain's tags, so a stage-1 flush (did, PASID, range) and a stage-2 flush (the domain's did,
 * and whole device TLBs) both reach them. Every walk checks that the frames it reached are the
 * device's to reach (`isolationBreaches`, 0 in every correct run): a nested walk stays in its
 * VM's guest memory, a host walk never enters a VM's.
 *
 * Not modelled: PASID-cache and stage-1 paging-structure caches, ATS translation-request latency.
 */

import { KVA_DIRECT_MAP_VPN } from '../layout/constants.js';
import { Counter, type DeviceViews, IotlbFill } from '../layout/device.js';
import { DomainType, type DomainTableViews } from '../layout/domains.js';
import type { IommuViews } from '../layout/iommu.js';
import { lock, unlock } from '../layout/mutex.js';
import { Fault, type FaultCode, levelIndex, PTE_P, PTE_RW, ptePfn, pteWordIndex, type WalkOut, walk } from '../layout/pagetable.js';
import { FrameOwner, type PhysMemViews } from '../layout/physmem.js';
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
/** Entries of the stage-2 walk cache (direct-mapped by guest PFN; power of 2). */
export const S2_CACHE_SIZE = 64;
const GUEST_MEMORY_KIND = FrameOwner.guestMemory;

export class Translator {
  /** The frame of the last translation that returned Fault.none. */
  pfn = 0;
  /** Modelled time: the last translation's cost, ns. */
  costNs = 0;
  /** That frame's generation when the translation was made (checker input). */
  gen = 0;
  /**
   * Where the last faulting walk stopped: 2 when a nested walk found no stage-2 translation (the
   * host's fault), else 1. A page request carries it, as the hardware's fault record does.
   */
  faultStage = 1;
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
    if (type !== DomainType.sva && type !== DomainType.dma && type !== DomainType.nested) return Fault.noAttachment;
    const did = Atomics.load(this.domains.did, this.domains.didIndex(domain, this.iommuIndex));
    if (did === 0) return Fault.noAttachment;

    const iotlb = this.iommu.iotlb;
    const set = iotlb.setOf(pasid, vpn);
    if (this.sharedModelled) return this.translateModelled(pasid, vpn, write, domain, type, did, set, devSet);
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
    const fault = this.walkDomain(domain, type, vpn, write, out);
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
  private translateModelled(pasid: number, vpn: number, write: boolean, domain: number, type: number, did: number, set: number, devSet: number): FaultCode {
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
    const fault = this.walkDomain(domain, type, vpn, write, out);
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
   * The page walk of `domain` (of `type`) for `vpn`: one dimension for sva and dma domains, two
   * for a nested one. Counts its references in `out.walkRefs` (and the nested counters), and
   * checks the frames it reached against the isolation rule.
   */
  private walkDomain(domain: number, type: number, vpn: number, write: boolean, out: WalkOut): FaultCode {
    this.faultStage = 1;
    if (type === DomainType.nested) {
      const fault = this.nestedWalk(domain, vpn, write, out, true);
      // The walk's cost (walkNs) stands for a native walk's 4 dependent references; a nested one
      // costs it per 4 of its own (a cold one 6×, a warm one 2×).
      if (out.walkRefs > 4) this.costNs += (this.walkNs * (out.walkRefs - 4)) / 4;
      return fault;
    }
    const fault = walk(this.mem.words, Atomics.load(this.domains.rootPfn, domain), vpn, write, out);
    if (fault === Fault.none && this.mem.owner[out.pfn]! >>> 24 === GUEST_MEMORY_KIND) this.counters[Counter.isolationBreaches]!++;
    return fault;
  }

  /** Stage-2 walk cache: guest PFN tags (-1 empty) and host PFNs; valid for one (domain, epoch). */
  private readonly s2Tag = new Float64Array(S2_CACHE_SIZE).fill(-1);
  private readonly s2Pfn = new Int32Array(S2_CACHE_SIZE);
  private s2CacheDomain = -1;
  private s2CacheEpoch = -1;
  private readonly s2Out: WalkOut = { pfn: 0, walkRefs: 0, writable: false };

  /**
   * A 2-D walk (see the header). `counting`: a device's walk (counters, cache, isolation);
   * false: the reference walk of integrity checks, which touches none of them.
   */
  private nestedWalk(domain: number, vpn: number, write: boolean, out: WalkOut, counting: boolean): FaultCode {
    const words = this.mem.words;
    const d = this.domains;
    const s2Root = Atomics.load(d.s2RootPfn, domain);
    const own = (GUEST_MEMORY_KIND << 24) | ((Atomics.load(d.vm, domain) - 1) & 0xffffff);
    const c = this.counters;
    if (counting) {
      c[Counter.nestedWalks]!++;
      const epoch = Atomics.load(d.s2Epoch, domain);
      if (epoch !== this.s2CacheEpoch || domain !== this.s2CacheDomain) {
        this.s2Tag.fill(-1);
        this.s2CacheEpoch = epoch;
        this.s2CacheDomain = domain;
      }
    }
    let table = Atomics.load(d.rootPfn, domain);
    let rw = PTE_RW;
    for (let step = 0; step <= 4; step++) {
      // Stage 2: the host frame of guest PFN `table` (a stage-1 table, or at step 4 the page).
      let host = -1;
      const slot = table & (S2_CACHE_SIZE - 1);
      if (counting && this.s2Tag[slot] === table) {
        host = this.s2Pfn[slot]!;
        c[Counter.s2CacheHits]!++;
      } else {
        const so = this.s2Out;
        so.walkRefs = 0;
        const f = walk(words, s2Root, table, false, so);
        if (counting) {
          c[Counter.s2RefsStep + step]! += so.walkRefs;
          out.walkRefs += so.walkRefs;
        }
        // A stage-2 fault: the host's (kernel/vm.ts); the device sees a translation fault.
        if (f !== Fault.none) {
          if (counting) this.faultStage = 2;
          return Fault.notPresent;
        }
        host = so.pfn;
        if (counting) {
          this.s2Tag[slot] = table;
          this.s2Pfn[slot] = host;
        }
      }
      if (counting && this.mem.owner[host] !== own) c[Counter.isolationBreaches]!++;
      if (step === 4) {
        out.writable = rw !== 0;
        if (write && rw === 0) return Fault.permission;
        out.pfn = host;
        return Fault.none;
      }
      // Stage 1: the guest's entry for this level, read from that host frame.
      const pte = Atomics.load(words, pteWordIndex(host, levelIndex(vpn, 3 - step)));
      if (counting) {
        c[Counter.s1Refs]!++;
        out.walkRefs++;
      }
      if ((pte & PTE_P) === 0) return Fault.notPresent;
      rw &= pte;
      table = ptePfn(pte);
    }
    return Fault.notPresent;
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
    if (type === DomainType.nested) return this.nestedWalk(domain, vpn, false, out, false) === Fault.none ? out.pfn : -1;
    return walk(this.mem.words, Atomics.load(this.domains.rootPfn, domain), vpn, false, out) === Fault.none ? out.pfn : -1;
  }
}
