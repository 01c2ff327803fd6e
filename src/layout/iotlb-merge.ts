/**
 * Modelled time: apply the IOTLB fills devices logged since the last barrier (layout/device.ts
 * iotlbFills) to their IOMMU's shared IOTLB, in (virtual time, device) order, at the barrier,
 * while every device is parked. Victims are chosen by last use: the entry's fill time and the
 * hit stamps every device behind the IOMMU wrote (iotlbUseNs). Run by the barrier's owner
 * (layout/barrier.ts): the kernel, or the device that completes a barrier the kernel is not
 * needed for — never while a device runs, so the owner is the IOTLB's only writer then.
 */

import { type DeviceViews, IotlbFill } from './device.js';
import type { MachineViews } from './machine.js';

/**
 * Per machine: the devices behind each IOMMU, and per IOTLB entry two scratch arrays — the
 * latest hit any of them stamped, and the entry's last use (its own stamp or that hit).
 */
interface MergeScratch {
  readonly behind: readonly (readonly DeviceViews[])[];
  readonly lastHitNs: readonly Float64Array[];
  readonly lastUseNs: readonly Float64Array[];
}
const scratchOf = new WeakMap<MachineViews, MergeScratch>();

function scratchFor(views: MachineViews, deviceIommu: readonly number[]): MergeScratch {
  let s = scratchOf.get(views);
  if (!s) {
    s = {
      behind: views.iommus.map((_, u) => views.devices.filter((_, d) => deviceIommu[d] === u)),
      lastHitNs: views.iommus.map((m) => new Float64Array(m.iotlb.used.length)),
      lastUseNs: views.iommus.map((m) => new Float64Array(m.iotlb.used.length)),
    };
    scratchOf.set(views, s);
  }
  return s;
}

/**
 * Merge every IOMMU's logged fills. Each device's log is in its own time order, so the merge
 * takes, repeatedly, the earliest head among the devices behind the IOMMU (ties: the device
 * listed first) — the (virtual time, device) order — without sorting or copying records.
 */
export function mergeIotlbFills(views: MachineViews, deviceIommu: readonly number[]): number {
  const scratch = scratchFor(views, deviceIommu);
  let applied = 0;
  for (let u = 0; u < views.iommus.length; u++) {
    const behind = scratch.behind[u]!;
    let pending = 0;
    for (let d = 0; d < behind.length; d++) pending += behind[d]!.iotlbFills.available();
    if (pending === 0) continue;
    const t = views.iommus[u]!.iotlb;
    // Last use of an entry: its own stamp (fill time, or an earlier merge's) or the latest hit
    // any device behind the IOMMU stamped on it since (read once: parked devices write none).
    const hits = scratch.lastHitNs[u]!;
    hits.fill(-Infinity);
    for (let d = 0; d < behind.length; d++) {
      const stamps = behind[d]!.iotlbUseNs;
      for (let e = 0; e < hits.length; e++) if (stamps[e]! > hits[e]!) hits[e] = stamps[e]!;
    }
    const lastUse = scratch.lastUseNs[u]!;
    for (let e = 0; e < hits.length; e++) lastUse[e] = t.used[e]! > hits[e]! ? t.used[e]! : hits[e]!;
    for (; pending > 0; pending--) {
      let first = -1;
      let firstNs = Infinity;
      for (let d = 0; d < behind.length; d++) {
        const ring = behind[d]!.iotlbFills;
        if (ring.available() === 0) continue;
        const ns = ring.slots[ring.peek() + IotlbFill.timeNs]!;
        if (ns < firstNs) {
          firstNs = ns;
          first = d;
        }
      }
      const ring = behind[first]!.iotlbFills;
      const at = ring.peek();
      const r = ring.slots;
      const pasid = r[at + IotlbFill.pasid]!;
      const vpn = r[at + IotlbFill.vpn]!;
      const e = t.fillAt(t.setOf(pasid, vpn), r[at + IotlbFill.did]!, pasid, vpn, r[at + IotlbFill.pfn]!, r[at + IotlbFill.rw] === 1, r[at + IotlbFill.gen]!, firstNs, lastUse);
      lastUse[e] = firstNs > hits[e]! ? firstNs : hits[e]!;
      ring.consume();
      applied++;
    }
  }
  return applied;
}
