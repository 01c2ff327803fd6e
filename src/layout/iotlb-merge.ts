/**
 * Modelled time: apply the IOTLB fills devices logged since the last barrier (layout/device.ts
 * iotlbFills) to their IOMMU's shared IOTLB, in (virtual time, device) order, at the barrier,
 * while every device is parked. Run by the barrier's owner (layout/barrier.ts): the kernel, or
 * the device that completes a barrier the kernel is not needed for — never while a device runs,
 * so the owner is the IOTLB's only writer then.
 *
 * Where a fill goes, in this order:
 *   1. the entry that already holds its tag (did, PASID, page) — a write upgrading a read-only
 *      entry the device found (the record names it: `seen`), or an entry another fill of this
 *      merge wrote (two devices of one process, or one device twice): a cache never holds a
 *      tag twice;
 *   2. else the set's first invalid entry;
 *   3. else the set's least recently used entry: the smallest last use — the entry's own stamp
 *      (fill time) or the latest hit any device behind the IOMMU stamped on it (iotlbUseNs) —
 *      ties to the lower index.
 *
 * Cost: the merge is serial work on every barrier of devices sharing an IOMMU, so it is kept to
 * O(log ways) per fill: each set a fill reaches gets, once per merge, a binary min-heap of its
 * entries by (last use, index) — invalid entries first — and the tags written in this merge go
 * into a small open-addressing table. Scanning the set per fill cost ~220 ns per fill at 64
 * ways and ~1 µs at 512, and bounded the simulation rate of devices sharing an IOMMU.
 */

import { type DeviceViews, IotlbFill } from './device.js';
import type { MachineViews } from './machine.js';
import type { Tlb } from './tlb.js';

/** Per IOMMU: its devices, and the merge's scratch (allocated once per thread and machine). */
interface IommuScratch {
  readonly behind: readonly DeviceViews[];
  /** Per entry: the latest hit any device stamped (read once per merge). */
  readonly lastHitNs: Float64Array;
  /** Per entry: its last use (heap key). */
  readonly lastUseNs: Float64Array;
  /** Per set, in the set's own index range: a min-heap of entry indices by (last use, index). */
  readonly heap: Int32Array;
  /** Per entry: its position in its set's heap (0 … ways − 1). */
  readonly heapPos: Int32Array;
  /** Per set: the merge number its heap was built in (stale heaps are rebuilt on first use). */
  readonly heapBuiltIn: Int32Array;
  /** Per device behind: records to merge, and the slot offset of the next. */
  readonly left: Int32Array;
  readonly offset: Int32Array;
  /** Tags written in this merge: entry index per slot, valid while its stamp equals the merge. */
  written: Int32Array;
  writtenIn: Int32Array;
  merges: number;
}

const scratchOf = new WeakMap<MachineViews, IommuScratch[]>();

function scratchFor(views: MachineViews, deviceIommu: readonly number[]): IommuScratch[] {
  let s = scratchOf.get(views);
  if (!s) {
    s = views.iommus.map((m, u) => {
      const entries = m.iotlb.used.length;
      const behind = views.devices.filter((_, d) => deviceIommu[d] === u);
      return {
        behind,
        lastHitNs: new Float64Array(entries),
        lastUseNs: new Float64Array(entries),
        heap: new Int32Array(entries),
        heapPos: new Int32Array(entries),
        heapBuiltIn: new Int32Array(m.iotlb.sets).fill(-1),
        left: new Int32Array(behind.length),
        offset: new Int32Array(behind.length),
        written: new Int32Array(64),
        writtenIn: new Int32Array(64).fill(-1),
        merges: 0,
      };
    });
    scratchOf.set(views, s);
  }
  return s;
}

/**
 * Merge every IOMMU's logged fills. Each device's log is in its own time order, so the merge
 * takes, repeatedly, the earliest head among the devices behind the IOMMU (ties: the device
 * listed first) — the (virtual time, device) order — without sorting or copying records.
 * Returns the number of fills applied.
 */
export function mergeIotlbFills(views: MachineViews, deviceIommu: readonly number[]): number {
  const all = scratchFor(views, deviceIommu);
  let applied = 0;
  for (let u = 0; u < all.length; u++) applied += mergeIommu(views.iommus[u]!.iotlb, all[u]!);
  return applied;
}

function mergeIommu(t: Tlb, s: IommuScratch): number {
  const behind = s.behind;
  let pending = 0;
  for (let d = 0; d < behind.length; d++) {
    const ring = behind[d]!.iotlbFills;
    const n = ring.available();
    s.left[d] = n;
    s.offset[d] = n > 0 ? ring.peek() : 0;
    pending += n;
  }
  if (pending === 0) return 0;
  const merge = ++s.merges;
  // Last use of an entry: its own stamp (fill time, or an earlier merge's) or the latest hit
  // any device behind the IOMMU stamped on it since (read once: parked devices write none).
  const hits = s.lastHitNs;
  hits.fill(-Infinity);
  for (let d = 0; d < behind.length; d++) {
    const stamps = behind[d]!.iotlbUseNs;
    for (let e = 0; e < hits.length; e++) if (stamps[e]! > hits[e]!) hits[e] = stamps[e]!;
  }
  const lastUse = s.lastUseNs;
  for (let e = 0; e < hits.length; e++) lastUse[e] = t.used[e]! > hits[e]! ? t.used[e]! : hits[e]!;
  const tagMask = writtenTable(s, pending);
  for (let n = pending; n > 0; n--) {
    let first = -1;
    let firstNs = Infinity;
    for (let d = 0; d < behind.length; d++) {
      if (s.left[d] === 0) continue;
      const ns = behind[d]!.iotlbFills.slots[s.offset[d]! + IotlbFill.timeNs]!;
      if (ns < firstNs) {
        firstNs = ns;
        first = d;
      }
    }
    const ring = behind[first]!.iotlbFills;
    const at = s.offset[first]!;
    const r = ring.slots;
    const did = r[at + IotlbFill.did]!;
    const pasid = r[at + IotlbFill.pasid]!;
    const vpn = r[at + IotlbFill.vpn]!;
    const seen = r[at + IotlbFill.seen]!;
    s.left[first]!--;
    s.offset[first] = (at + ring.width) % ring.slots.length;

    // 1. The entry holding the tag: written in this merge, or the one the device found.
    let e = -1;
    let slot = tagHash(did, pasid, vpn) & tagMask;
    for (;;) {
      if (s.writtenIn[slot] !== merge) break;
      const w = s.written[slot]!;
      if (t.vpn[w] === vpn && t.pasid[w] === pasid && t.did[w] === did) {
        e = w;
        break;
      }
      slot = (slot + 1) & tagMask;
    }
    if (e < 0 && seen >= 0 && t.vpn[seen] === vpn && t.pasid[seen] === pasid && t.did[seen] === did) e = seen;
    // 2–3. Else the set's first invalid entry, or its least recently used.
    const set = t.setOf(pasid, vpn);
    const base = set * t.ways;
    if (s.heapBuiltIn[set] !== merge) buildHeap(t, s, set, base);
    if (e < 0) e = s.heap[base]!;
    t.put(e, did, pasid, vpn, r[at + IotlbFill.pfn]!, r[at + IotlbFill.rw] === 1, r[at + IotlbFill.gen]!, firstNs);
    lastUse[e] = firstNs > hits[e]! ? firstNs : hits[e]!;
    siftDown(t, s, base, siftUp(t, s, base, s.heapPos[e]!));
    // A later fill of the same tag finds this entry (the probe ended at a free slot).
    s.written[slot] = e;
    s.writtenIn[slot] = merge;
  }
  for (let d = 0; d < behind.length; d++) {
    const ring = behind[d]!.iotlbFills;
    // Records logged while parked: none (the merge runs only while every device is parked).
    Atomics.store(ring.head, 0, Atomics.load(ring.tail, 0));
  }
  return pending;
}

/** Size the written-tags table for `fills` fills (load ≤ ½); returns its index mask. */
function writtenTable(s: IommuScratch, fills: number): number {
  if (s.written.length < 2 * fills) {
    let size = s.written.length;
    while (size < 2 * fills) size *= 2;
    s.written = new Int32Array(size);
    s.writtenIn = new Int32Array(size).fill(-1);
  }
  return s.written.length - 1;
}

function tagHash(did: number, pasid: number, vpn: number): number {
  return Math.imul((vpn | 0) ^ Math.imul(pasid, 0x27d4eb2d) ^ Math.imul(did, 0x165667b1) ^ ((vpn / 0x100000000) | 0), 0x9e3779b1) >>> 7;
}

/** Whether entry a goes before entry b: invalid first (by index), then (last use, index). */
function before(t: Tlb, lastUse: Float64Array, a: number, b: number): boolean {
  const ia = t.did[a] === -1;
  const ib = t.did[b] === -1;
  if (ia !== ib) return ia;
  if (!ia) {
    const ua = lastUse[a]!;
    const ub = lastUse[b]!;
    if (ua !== ub) return ua < ub;
  }
  return a < b;
}

function buildHeap(t: Tlb, s: IommuScratch, set: number, base: number): void {
  const ways = t.ways;
  for (let i = 0; i < ways; i++) {
    s.heap[base + i] = base + i;
    s.heapPos[base + i] = i;
  }
  for (let i = (ways >> 1) - 1; i >= 0; i--) siftDown(t, s, base, i);
  s.heapBuiltIn[set] = s.merges;
}

function swap(s: IommuScratch, base: number, i: number, j: number): void {
  const a = s.heap[base + i]!;
  const b = s.heap[base + j]!;
  s.heap[base + i] = b;
  s.heap[base + j] = a;
  s.heapPos[b] = i;
  s.heapPos[a] = j;
}

/** Move heap position i up while it goes before its parent; returns where it ends. */
function siftUp(t: Tlb, s: IommuScratch, base: number, i: number): number {
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!before(t, s.lastUseNs, s.heap[base + i]!, s.heap[base + p]!)) break;
    swap(s, base, i, p);
    i = p;
  }
  return i;
}

/** Move heap position i down while a child goes before it. */
function siftDown(t: Tlb, s: IommuScratch, base: number, i: number): void {
  const ways = t.ways;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= ways) return;
    let m = l;
    if (l + 1 < ways && before(t, s.lastUseNs, s.heap[base + l + 1]!, s.heap[base + l]!)) m = l + 1;
    if (!before(t, s.lastUseNs, s.heap[base + m]!, s.heap[base + i]!)) return;
    swap(s, base, i, m);
    i = m;
  }
}
