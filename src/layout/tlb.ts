/**
 * A set-associative translation cache with LRU replacement, as struct-of-arrays.
 * Used for the IOMMU's IOTLB (iommu.ts: shared by the devices behind it, one lock per set) and
 * for a device's ATS device TLB (device.ts: private to the device, no lock).
 *
 * Fields (entries = sets × ways; entry e of set s is index s*ways + w):
 * | field | type | length  | meaning                                                      |
 * |-------|------|---------|--------------------------------------------------------------|
 * | lock  | i32  | sets    | futex word (mutex.ts); used only by shared caches            |
 * | tick  | f64  | sets    | LRU clock of the set                                         |
 * | did   | i32  | entries | tag: domain id (-1 = invalid entry; device TLBs use 0)       |
 * | pasid | i32  | entries | tag: PASID                                                   |
 * | vpn   | f64  | entries | tag: virtual page number (exact up to 2^53)                  |
 * | pfn   | i32  | entries | output: frame number                                         |
 * | rw    | i32  | entries | output: 1 if the translation permits writes                  |
 * | gen   | i32  | entries | output: frame generation when the entry was filled (checker) |
 * | used  | f64  | entries | LRU stamp (the set's tick at last use)                       |
 * | hint  | i32  | 2^k ≥ 2×entries | lookup hint: hash(did, PASID, page) → entry index, -1 none |
 *
 * The hint makes a hit O(1) whatever the associativity: a lookup first checks the entry the
 * hint names (tags compared, and it must lie in the set being searched), and scans the set only
 * if that fails. Hints are written by whoever fills or finds an entry; a stale or colliding
 * hint only costs the scan, never a wrong answer.
 * Writers and readers are stated by the owning layout (iommu.ts, device.ts).
 *
 * Not modelled: separate walk caches (paging-structure caches), superpage entries.
 */

import { type FieldSlot, type LayoutPlan, viewF64, viewI32 } from './plan.js';

export interface TlbPlan {
  readonly sets: number;
  readonly ways: number;
  readonly lock: FieldSlot;
  readonly tick: FieldSlot;
  readonly did: FieldSlot;
  readonly pasid: FieldSlot;
  readonly vpn: FieldSlot;
  readonly pfn: FieldSlot;
  readonly rw: FieldSlot;
  readonly gen: FieldSlot;
  readonly used: FieldSlot;
  readonly hint: FieldSlot;
}

function hintSize(entries: number): number {
  let n = 1;
  while (n < 2 * entries) n *= 2;
  return n;
}

export function planTlb(plan: LayoutPlan, entries: number, ways: number): TlbPlan {
  if (entries % ways !== 0) throw new Error(`bug: TLB entries ${entries} not a multiple of ways ${ways}`);
  const sets = entries / ways;
  return {
    sets,
    ways,
    lock: plan.i32(sets),
    tick: plan.f64(sets),
    did: plan.i32(entries),
    pasid: plan.i32(entries),
    vpn: plan.f64(entries),
    pfn: plan.i32(entries),
    rw: plan.i32(entries),
    gen: plan.i32(entries),
    used: plan.f64(entries),
    hint: plan.i32(hintSize(entries)),
  };
}

export class Tlb {
  readonly sets: number;
  readonly ways: number;
  readonly lock: Int32Array;
  readonly tick: Float64Array;
  readonly did: Int32Array;
  readonly pasid: Int32Array;
  readonly vpn: Float64Array;
  readonly pfn: Int32Array;
  readonly rw: Int32Array;
  readonly gen: Int32Array;
  readonly used: Float64Array;
  readonly hint: Int32Array;
  private readonly hintMask: number;

  constructor(buffer: SharedArrayBuffer, plan: TlbPlan) {
    this.sets = plan.sets;
    this.ways = plan.ways;
    this.lock = viewI32(buffer, plan.lock);
    this.tick = viewF64(buffer, plan.tick);
    this.did = viewI32(buffer, plan.did);
    this.pasid = viewI32(buffer, plan.pasid);
    this.vpn = viewF64(buffer, plan.vpn);
    this.pfn = viewI32(buffer, plan.pfn);
    this.rw = viewI32(buffer, plan.rw);
    this.gen = viewI32(buffer, plan.gen);
    this.used = viewF64(buffer, plan.used);
    this.hint = viewI32(buffer, plan.hint);
    this.hintMask = plan.hint.length - 1;
  }

  private hintSlot(did: number, pasid: number, vpn: number): number {
    return (Math.imul((vpn | 0) ^ Math.imul(pasid, 0x27d4eb2d) ^ Math.imul(did, 0x165667b1), 0x9e3779b1) >>> 16) & this.hintMask;
  }

  /** Mark every entry invalid. Call once on a fresh buffer, before any thread uses it. */
  initialise(): void {
    this.did.fill(-1);
    this.hint.fill(-1);
  }

  setOf(pasid: number, vpn: number): number {
    if (this.sets === 1) return 0;
    // Low bits of the VPN, mixed with the PASID so that processes do not alias set for set.
    return (((vpn % 0x40000000) ^ Math.imul(pasid, 0x9e3779b1)) >>> 0) % this.sets;
  }

  /**
   * Find (did, pasid, vpn) in its set; on a hit, refresh LRU and return the entry index,
   * else -1. The caller holds the set's lock if the cache is shared.
   */
  lookup(set: number, did: number, pasid: number, vpn: number): number {
    const base = set * this.ways;
    const end = base + this.ways;
    const h = this.hintSlot(did, pasid, vpn);
    let e = this.hint[h]!;
    if (!(e >= base && e < end && this.vpn[e] === vpn && this.pasid[e] === pasid && this.did[e] === did)) {
      for (e = base; e < end; e++) {
        if (this.vpn[e] === vpn && this.pasid[e] === pasid && this.did[e] === did) break;
      }
      if (e === end) return -1;
      this.hint[h] = e;
    }
    const t = this.tick[set]! + 1;
    this.tick[set] = t;
    this.used[e] = t;
    return e;
  }

  /**
   * Find (did, pasid, vpn) without writing anything (no LRU refresh, no hint update): the
   * entry index or -1. Modelled time's devices read a shared IOTLB this way (translate.ts).
   */
  peek(set: number, did: number, pasid: number, vpn: number): number {
    const base = set * this.ways;
    const end = base + this.ways;
    const e = this.hint[this.hintSlot(did, pasid, vpn)]!;
    if (e >= base && e < end && this.vpn[e] === vpn && this.pasid[e] === pasid && this.did[e] === did) return e;
    for (let i = base; i < end; i++) {
      if (this.vpn[i] === vpn && this.pasid[i] === pasid && this.did[i] === did) return i;
    }
    return -1;
  }

  /**
   * Hint-only probe (no scan): the entry for (did, pasid, vpn) if the hint names it, with LRU
   * refreshed; else -1. An entry can only live in its own set, so no set check is needed.
   */
  probe(did: number, pasid: number, vpn: number): number {
    const e = this.hint[this.hintSlot(did, pasid, vpn)]!;
    if (e < 0 || this.vpn[e] !== vpn || this.pasid[e] !== pasid || this.did[e] !== did) return -1;
    const set = (e / this.ways) | 0;
    const t = this.tick[set]! + 1;
    this.tick[set] = t;
    this.used[e] = t;
    return e;
  }

  /** Insert into its set, replacing an invalid entry or else the least recently used one. */
  fill(set: number, did: number, pasid: number, vpn: number, pfn: number, rw: boolean, gen: number): void {
    const base = set * this.ways;
    const end = base + this.ways;
    let victim = base;
    let oldest = Infinity;
    for (let e = base; e < end; e++) {
      if (this.did[e] === -1) {
        victim = e;
        break;
      }
      if (this.vpn[e] === vpn && this.pasid[e] === pasid && this.did[e] === did) {
        victim = e; // refresh an existing entry (e.g. upgraded to writable)
        break;
      }
      const u = this.used[e]!;
      if (u < oldest) {
        oldest = u;
        victim = e;
      }
    }
    const t = this.tick[set]! + 1;
    this.tick[set] = t;
    this.put(victim, did, pasid, vpn, pfn, rw, gen, t);
  }

  /**
   * Write entry `e` with its tags, outputs and LRU stamp, and point the hint at it. Callers
   * other than `fill` choose `e` themselves (modelled time's merge, layout/iotlb-merge.ts).
   */
  put(e: number, did: number, pasid: number, vpn: number, pfn: number, rw: boolean, gen: number, used: number): void {
    this.did[e] = did;
    this.pasid[e] = pasid;
    this.vpn[e] = vpn;
    this.pfn[e] = pfn;
    this.rw[e] = rw ? 1 : 0;
    this.gen[e] = gen;
    this.used[e] = used;
    this.hint[this.hintSlot(did, pasid, vpn)] = e;
  }

  /**
   * Drop the entries of one set that an invalidation of `scope` matches; returns how many. The
   * caller holds the set's lock if the cache is shared (iommu.ts), and visits every set.
   *   pasidRange: tag (did, pasid) and VPN in [vpnStart, vpnEnd);  pasid: tag (did, pasid);
   *   domain: tag did, any PASID;  all: every entry.
   */
  dropInSet(set: number, scope: TlbScopeCode, did: number, pasid: number, vpnStart: number, vpnEnd: number): number {
    const base = set * this.ways;
    const end = base + this.ways;
    let dropped = 0;
    for (let e = base; e < end; e++) {
      const d = this.did[e]!;
      if (d === -1) continue;
      let hit: boolean;
      switch (scope) {
        case TlbScope.all:
          hit = true;
          break;
        case TlbScope.domain:
          hit = d === did;
          break;
        case TlbScope.pasid:
          hit = d === did && this.pasid[e] === pasid;
          break;
        default: {
          const v = this.vpn[e]!;
          hit = d === did && this.pasid[e] === pasid && v >= vpnStart && v < vpnEnd;
        }
      }
      if (hit) {
        this.did[e] = -1;
        dropped++;
      }
    }
    return dropped;
  }
}

/**
 * What an invalidation covers, named after the architecture's scopes (VT-d: page-selective-
 * within-PASID, PASID-selective, domain-selective, global; SMMUv3: TLBI by VA / ASID / VMID / all).
 */
export const TlbScope = {
  pasidRange: 0,
  pasid: 1,
  domain: 2,
  all: 3,
} as const;
export type TlbScopeCode = (typeof TlbScope)[keyof typeof TlbScope];
