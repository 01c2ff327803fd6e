/**
 * The kernel's sequencing block (modelled time, design.md §6): the horizon no device may pass,
 * and the release counter the devices wait on.
 *
 * | field     | type | length | writer | readers | meaning                                        |
 * |-----------|------|--------|--------|---------|------------------------------------------------|
 * | horizonNs | f64  | 1      | kernel | devices | virtual time no device acts at or beyond       |
 * | release   | i32  | 1      | kernel | devices | bumped (then notified) after each barrier: the |
 * |           |      |        |        |         | horizon moved and the kernel's posts for it    |
 * |           |      |        |        |         | (responses, invalidations) are all in place    |
 *
 * Protocol. A device runs while its clock is below `horizonNs`. At a page boundary at or past it
 * (or when it must wait for the kernel, or has no more work) it publishes its clock and
 * SyncState (layout/device.ts), then stores the release number it has taken in into its
 * `syncRelease` and notifies; then it sleeps on `release`. The kernel waits until every device's
 * `syncRelease` equals `release` — all devices are stopped at known virtual times — does its
 * work for the virtual times up to the horizon (merging IOTLB fills, servicing page requests in
 * timestamp order, churn events, frees), writes the new horizon, and bumps `release`. Nothing
 * the kernel does is seen by a device before a release, and nothing a device does between two
 * releases is seen by the kernel before the next barrier: so the order of effects is a function
 * of virtual time alone, never of the host's scheduling.
 */

import { type FieldSlot, LayoutPlan, viewF64, viewI32 } from './plan.js';

export function planClock(): { horizonNs: FieldSlot; release: FieldSlot; sizeBytes: number } {
  const p = new LayoutPlan();
  const release = p.i32(1);
  const horizonNs = p.f64(1);
  return { horizonNs, release, sizeBytes: p.sizeBytes };
}

export class ClockViews {
  readonly horizonNs: Float64Array;
  readonly release: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    const plan = planClock();
    this.horizonNs = viewF64(buffer, plan.horizonNs);
    this.release = viewI32(buffer, plan.release);
  }
}
