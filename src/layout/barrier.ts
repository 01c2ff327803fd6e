/**
 * Modelled time: who completes a barrier, and how the horizon moves (the protocol is described
 * with its fields in layout/clock.ts). Shared by the kernel (kernel/sequencer.ts) and the devices
 * (device/vtime.ts) so that both decide alike on the same frozen state: every function here is
 * called only while every device is parked at release `r`, when nothing it reads changes but by
 * the barrier's owner.
 *
 * A barrier needs the kernel when a device is not merely at the horizon (it waits for a page
 * response or a touch, or has finished), when a page request is queued, or when the horizon has
 * reached the kernel's next event (`kernelWakeNs`: a churn timer, or −∞ while the kernel waits
 * for acknowledgements or holds deferred faults). Otherwise its only work is merging the IOTLB
 * fills and moving the horizon, which the last device to park does itself — no kernel thread is
 * woken, and on a machine with a core per device no thread sleeps at all.
 */

import { SyncState } from './device.js';
import { mergeIotlbFills } from './iotlb-merge.js';
import type { MachineViews } from './machine.js';

/** Per machine, each device's IOMMU index: one array for every engine of a thread (a barrier's merge reads it). */
const iommuOfDevice = new WeakMap<MachineViews, readonly number[]>();
export function deviceIommus(views: MachineViews): readonly number[] {
  let a = iommuOfDevice.get(views);
  if (!a) iommuOfDevice.set(views, (a = views.shape.devices.map((d) => d.iommu)));
  return a;
}

/** Every device has taken in release `r` and parked. */
export function allParkedAt(views: MachineViews, r: number): boolean {
  const devices = views.devices;
  for (let d = 0; d < devices.length; d++) if (Atomics.load(devices[d]!.syncRelease, 0) !== r) return false;
  return true;
}

/** Whether the barrier at the current release needs the kernel (every device parked). */
export function kernelNeeded(views: MachineViews): boolean {
  const devices = views.devices;
  for (let d = 0; d < devices.length; d++) {
    const v = devices[d]!;
    if (Atomics.load(v.syncState, 0) !== SyncState.horizon) return true;
    if (v.prqRing.available() > 0) return true;
    const done = v.kdoneRings;
    for (let k = 0; k < done.length; k++) if (done[k]!.available() > 0) return true;
  }
  const c = views.clock;
  return c.horizonNs[0]! >= c.kernelWakeNs[0]!;
}

/**
 * The next horizon: one quantum past the slowest device at the horizon (or past the horizon if
 * none is), at most one quantum past a device starved for a kernel client's buffer, but not
 * beyond `limitNs` (the kernel's next event), and always past the horizon.
 */
export function nextHorizonNs(views: MachineViews, horizonNs: number, quantumNs: number, limitNs: number): number {
  const devices = views.devices;
  let minClock = Infinity;
  for (let d = 0; d < devices.length; d++) {
    const v = devices[d]!;
    const state = Atomics.load(v.syncState, 0);
    if (state === SyncState.horizon && v.clockNs[0]! < minClock) minClock = v.clockNs[0]!;
    // A starved device resumes at its clock, below the horizon: the horizon runs at most one
    // quantum ahead of it (not a quantum per barrier while the kernel refills it).
    if (state === SyncState.starved && v.clockNs[0]! + quantumNs < limitNs) limitNs = v.clockNs[0]! + quantumNs;
  }
  let next = (minClock === Infinity ? horizonNs : Math.max(minClock, horizonNs)) + quantumNs;
  if (limitNs < next) next = limitNs;
  return next <= horizonNs ? horizonNs + 1 : next;
}

/** Write the horizon and release the devices (the barrier's owner, after its work). */
export function releaseAt(views: MachineViews, r: number, horizonNs: number): void {
  const c = views.clock;
  c.horizonNs[0] = horizonNs;
  Atomics.store(c.release, 0, r + 1);
  Atomics.notify(c.release, 0);
}

/** Take ownership of the barrier at release `r`: true for exactly one caller. */
export function claimBarrier(views: MachineViews, r: number): boolean {
  return Atomics.compareExchange(views.clock.claim, 0, r, r + 1) === r;
}

/**
 * A device that has just parked at release `r`: if it is the last, either complete the barrier
 * (the kernel is not needed: merge the IOTLB fills, move the horizon as the kernel would) or
 * ring the kernel's bell. Returns true if it completed the barrier.
 */
export function completeOrRing(views: MachineViews, r: number, deviceIommu: readonly number[], quantumNs: number): boolean {
  if (!allParkedAt(views, r)) return false;
  const c = views.clock;
  if (kernelNeeded(views)) {
    Atomics.add(c.bell, 0, 1);
    Atomics.notify(c.bell, 0);
    return false;
  }
  if (!claimBarrier(views, r)) return false;
  mergeIotlbFills(views, deviceIommu);
  releaseAt(views, r, nextHorizonNs(views, c.horizonNs[0]!, quantumNs, c.kernelWakeNs[0]!));
  return true;
}
