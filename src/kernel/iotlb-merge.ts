/**
 * Modelled time: apply the IOTLB fills devices logged since the last barrier (layout/device.ts
 * iotlbFills) to their IOMMU's shared IOTLB, in (virtual time, device) order, at the barrier,
 * while every device is parked. Victims are chosen by last use: the entry's fill time and the
 * hit stamps every device behind the IOMMU wrote (iotlbUseNs). The kernel is the IOTLB's only
 * writer in modelled time.
 */

import { IotlbFill } from '../layout/device.js';
import type { MachineViews } from '../layout/machine.js';

export function mergeIotlbFills(views: MachineViews, deviceIommu: readonly number[]): number {
  let applied = 0;
  views.iommus.forEach((iommu, u) => {
    const behind = views.devices.filter((_, d) => deviceIommu[d] === u);
    const fills: { t: number; d: number; k: number; rec: number[] }[] = [];
    behind.forEach((v, d) => {
      const ring = v.iotlbFills;
      let k = 0;
      while (ring.available() > 0) {
        const at = ring.peek();
        const rec = Array.from(ring.slots.subarray(at, at + IotlbFill.width));
        fills.push({ t: rec[IotlbFill.timeNs]!, d, k: k++, rec });
        ring.consume();
      }
    });
    if (fills.length === 0) return;
    fills.sort((a, b) => a.t - b.t || a.d - b.d || a.k - b.k);
    const t = iommu.iotlb;
    const lastUse = (e: number): number => {
      let u = t.used[e]!;
      for (const v of behind) if (v.iotlbUseNs[e]! > u) u = v.iotlbUseNs[e]!;
      return u;
    };
    for (const f of fills) {
      const r = f.rec;
      const pasid = r[IotlbFill.pasid]!;
      const vpn = r[IotlbFill.vpn]!;
      t.fillAt(t.setOf(pasid, vpn), r[IotlbFill.did]!, pasid, vpn, r[IotlbFill.pfn]!, r[IotlbFill.rw] === 1, r[IotlbFill.gen]!, f.t, lastUse);
      applied++;
    }
  });
  return applied;
}
