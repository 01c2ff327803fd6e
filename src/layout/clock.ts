/**
 * The sequencing block (modelled time, design.md §6): the horizon no device may pass, the
 * release counter the devices wait on, and what decides who completes a barrier.
 *
 * | field        | type | length | writer          | readers        | meaning                          |
 * |--------------|------|--------|-----------------|----------------|----------------------------------|
 * | horizonNs    | f64  | 1      | barrier owner   | devices, kernel| virtual time no device acts at or |
 * |              |      |        |                 |                | beyond                           |
 * | release      | i32  | 1      | barrier owner   | devices, kernel| bumped (then notified) after each |
 * |              |      |        |                 |                | barrier                          |
 * | claim        | i32  | 1      | CAS by owner    | devices, kernel| equals `release` while the current|
 * |              |      |        |                 |                | barrier is unowned; the one whose |
 * |              |      |        |                 |                | CAS(claim, r, r + 1) wins owns it |
 * | kernelWakeNs | f64  | 1      | kernel          | devices        | the kernel's next event (a timer),|
 * |              |      |        |                 |                | −∞ while it waits on devices (acks|
 * |              |      |        |                 |                | , deferred faults); −∞ at boot    |
 * | bell         | i32  | 1      | devices (add)   | kernel         | rung (add, notify) by a device    |
 * |              |      |        |                 |                | that finds the kernel needed      |
 *
 * Protocol. A device runs while its clock is below `horizonNs`. At a page boundary at or past it
 * (or when it must wait for the kernel, or has no more work) it publishes its clock and
 * SyncState (layout/device.ts), stores the release number it has taken in into its
 * `syncRelease`, and — if every device is now parked — decides who completes the barrier
 * (layout/barrier.ts): the kernel when it is needed (a device waits for it, a page request is
 * queued, a device finished, or the horizon reached the kernel's next event) — the device rings
 * the bell; otherwise the device itself, which merges the IOTLB fills and moves the horizon
 * exactly as the kernel would. Then it sleeps on `release`. While every device is parked nothing
 * above changes but by the owner, so the kernel and every device decide alike. The kernel's
 * barrier: it services page requests in timestamp order, runs churn events, frees, writes the new
 * horizon and `kernelWakeNs`, and bumps `release`. Nothing the kernel does is seen by a device
 * before a release, and nothing a device does between two releases is seen before the next
 * barrier: the order of effects is a function of virtual time alone, never of the host's
 * scheduling — and who owned a barrier never shows in a result.
 */

import { type FieldSlot, LayoutPlan, viewF64, viewI32 } from './plan.js';

export interface ClockPlan {
  horizonNs: FieldSlot;
  release: FieldSlot;
  claim: FieldSlot;
  kernelWakeNs: FieldSlot;
  bell: FieldSlot;
  sizeBytes: number;
}

export function planClock(): ClockPlan {
  const p = new LayoutPlan();
  const release = p.i32(1);
  const claim = p.i32(1);
  const bell = p.i32(1);
  const horizonNs = p.f64(1);
  const kernelWakeNs = p.f64(1);
  return { horizonNs, release, claim, kernelWakeNs, bell, sizeBytes: p.sizeBytes };
}

export class ClockViews {
  readonly horizonNs: Float64Array;
  readonly release: Int32Array;
  readonly claim: Int32Array;
  readonly kernelWakeNs: Float64Array;
  readonly bell: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    const plan = planClock();
    this.horizonNs = viewF64(buffer, plan.horizonNs);
    this.release = viewI32(buffer, plan.release);
    this.claim = viewI32(buffer, plan.claim);
    this.kernelWakeNs = viewF64(buffer, plan.kernelWakeNs);
    this.bell = viewI32(buffer, plan.bell);
  }
}
