/**
 * A device engine's virtual clock (modelled time, design.md §6) and its side of the kernel's
 * sequencing protocol (layout/clock.ts).
 *
 * The engine adds every cost to `nowNs` instead of spending it; it never acts at or past the
 * kernel's horizon. Page loops end a copy window when the clock reaches `stopAtNs` — the horizon,
 * or the arrival of the next device-TLB invalidation, whichever is first — and call `boundary()`,
 * which applies the invalidations that have arrived (each at the boundary, costing the engine
 * its processing time; invalidations.ts) and, at the horizon, parks the device until the
 * kernel's next release. An idle engine (open loop between arrivals, a closed-loop slot waiting
 * for its software) moves with `idleUntilTarget`, applying invalidations at their arrival. While it
 * waits for the kernel (a page response, a software touch) it is parked as blocked and applies
 * invalidations as they arrive, as a stalled device does in hardware (`awaitResponse`).
 *
 * Host time uses the same object with `stopAtNs` = Infinity and never parks.
 *
 * Waits are bounded: a device parked for PARK_TIMEOUT_MS without a release fails the run.
 *
 * Cooperative parks (logical devices: one worker thread runs several devices, workers/device.ts):
 * a park publishes the device's clock and state as always but does not wait. It sets
 * `suspended`, and every function here returns at once; the engine unwinds to its resume point
 * (engine.ts `runSlice`), the worker runs its other devices up to their parks, completes or rings
 * the barrier once for all of them (layout/barrier.ts completeOrRing), waits for the release, and each device takes it
 * in (`takeRelease`) and calls the function it left again. `boundary`, `idleUntilTarget` and
 * `start` continue by being called again; `awaitResponse` and `finish` keep their progress in
 * `waiting` and `waitBusyNs`.
 */

import { completeOrRing } from '../layout/barrier.js';
import type { ClockViews } from '../layout/clock.js';
import type { MachineViews } from '../layout/machine.js';
import { type DeviceViews, SyncState } from '../layout/device.js';
import type { DevtlbInvalidations } from './invalidations.js';

/** A device parked longer than this without a release means the kernel is gone: a bug. */
export const PARK_TIMEOUT_MS = 120_000;

export class VirtualTime {
  /** The engine's clock, ns. */
  nowNs = 0;
  /** Page loops end their copy window when `nowNs` reaches this (min of horizon, next invalidation). */
  stopAtNs = Infinity;
  /** The kernel raised the stop flag: no more work, leave. */
  stopped = false;
  /**
   * Cooperative parks: the device has parked and not yet taken in the next release. Whatever
   * called into this object returns at once and is called again after `takeRelease`.
   */
  suspended = false;
  /** Cooperative parks: an `awaitResponse` or `finish` is under way (its progress in `waitBusyNs`). */
  private waiting = false;
  private waitBusyNs = 0;
  /**
   * The clock at the last park: the kernel may have acted at any virtual time up to it. A device
   * of several engines, whose next descriptor may start before the previous one ended
   * (`rewindToTarget`), never starts one before this.
   */
  floorNs = 0;
  private horizonNs = 0;
  private seenRelease = 0;
  /**
   * Called before each park (once per barrier, off the per-page path): the worker's test hooks
   * inject a crash here (layout/protocol.ts DeviceTestHooks).
   */
  onPark: (() => void) | undefined = undefined;

  constructor(
    private readonly dev: DeviceViews,
    private readonly clock: ClockViews | undefined,
    private readonly inv: DevtlbInvalidations,
    /**
     * Modelled time: the machine, each device's IOMMU and the quantum, to complete a barrier the
     * kernel is not needed for (layout/barrier.ts); and the loads of the release word before
     * sleeping at a park (the kernel chooses; 0: sleep at once).
     */
    private readonly sync:
      | {
          readonly machine: MachineViews;
          readonly deviceIommu: readonly number[];
          readonly quantumNs: number;
          readonly spinLooks: number;
          /** Parks do not wait: the worker runs this device among others (see the header). */
          readonly cooperative?: boolean;
        }
      | undefined = undefined,
  ) {
    if (clock) this.stopAtNs = 0;
  }

  /** The kernel's release this device last took in (the IOTLB overlay's generation). */
  get release(): number {
    return this.seenRelease;
  }

  get modelled(): boolean {
    return this.clock !== undefined;
  }

  /** At a page boundary: apply arrived invalidations; park at the horizon until released past it. */
  boundary(): void {
    for (;;) {
      this.inv.applyDue(this);
      if (this.nowNs < this.horizonNs || this.stopped) break;
      this.park(SyncState.horizon);
      if (this.suspended) return;
    }
    this.updateStopAt();
  }

  /**
   * `idleUntilTarget`'s target, ns. The per-descriptor call takes it through memory, never as an
   * argument: a double passed to a call V8 does not inline is boxed, a HeapNumber per descriptor,
   * and whether V8 inlines depends on its compile timing.
   */
  readonly idleTargetNs = new Float64Array(1);

  /** Idle to the horizon and park there once (no work: a device without a submitter). */
  idleToHorizon(): void {
    this.idleTargetNs[0] = this.horizonNs;
    this.idleUntilTarget();
  }

  /**
   * Several engines (device/engine.ts `stepQueued`): the next descriptor starts at
   * `idleTargetNs[0]`, before the clock the previous one left (another engine was free sooner).
   * Invalidations stay applied (an entry they dropped is missed a little early: never a stale
   * use); the caller keeps the target at or after `floorNs`.
   */
  rewindToTarget(): void {
    this.nowNs = this.idleTargetNs[0]!;
    this.updateStopAt();
  }

  /** Idle until `idleTargetNs[0]` (no work before it), applying invalidations at their arrival. */
  idleUntilTarget(): void {
    const tNs = this.idleTargetNs[0]!;
    for (;;) {
      if (this.stopped) return;
      this.inv.loadNextArrival();
      const next = this.inv.nextArrivalNs[0]!;
      if (next <= tNs && next < this.horizonNs) {
        if (next > this.nowNs) this.nowNs = next;
        this.inv.applyDue(this);
        continue;
      }
      if (tNs < this.horizonNs) {
        if (tNs > this.nowNs) this.nowNs = tNs;
        break;
      }
      if (this.horizonNs > this.nowNs) this.nowNs = this.horizonNs;
      this.park(SyncState.horizon);
      if (this.suspended) return;
    }
    this.updateStopAt();
  }

  /**
   * Parked as blocked until the kernel's response is on `available()`'s ring. Invalidations that
   * arrive meanwhile are applied as they arrive (a stalled engine still answers ATS
   * invalidations) — those arriving before the response's time, once it is known. Returns the
   * virtual time at which the stalled engine finished its invalidation work (≥ nowNs).
   */
  awaitResponse(available: () => boolean, responseTimeNs: () => number, state: number = SyncState.blocked): number {
    if (!this.waiting) {
      this.waiting = true;
      this.waitBusyNs = this.nowNs;
      this.park(state);
      if (this.suspended) return this.waitBusyNs;
    }
    for (;;) {
      if (available()) {
        this.waiting = false;
        return this.inv.applyStalled(this.waitBusyNs, responseTimeNs());
      }
      if (this.stopped) {
        this.waiting = false;
        return this.waitBusyNs;
      }
      this.waitBusyNs = this.inv.applyStalled(this.waitBusyNs, Infinity);
      this.park(state);
      if (this.suspended) return this.waitBusyNs;
    }
  }

  /** No more work: keep applying invalidations at each release until the stop flag. */
  finish(): void {
    if (!this.waiting) {
      this.waiting = true;
      this.waitBusyNs = this.nowNs;
    } else this.waitBusyNs = this.inv.applyStalled(this.waitBusyNs, Infinity); // resumed after a park
    while (!this.stopped) {
      this.park(SyncState.finished);
      if (this.suspended) return;
      this.waitBusyNs = this.inv.applyStalled(this.waitBusyNs, Infinity);
    }
    this.waiting = false;
  }

  private updateStopAt(): void {
    // Stopped (a failed run): the descriptor in flight runs to its end without another window
    // boundary, so it ends with a status and the engine leaves.
    if (this.stopped) {
      this.stopAtNs = Infinity;
      return;
    }
    this.inv.loadNextArrival();
    const next = this.inv.nextArrivalNs[0]!;
    this.stopAtNs = next < this.horizonNs ? next : this.horizonNs;
  }

  /**
   * Publish clock and state, take in the current release, wait for the next one. Cooperative:
   * publish and return suspended (the worker completes or rings the barrier).
   */
  private park(state: number): void {
    const c = this.clock;
    if (!c) throw new Error('bug: a host-time device parked');
    this.onPark?.();
    const v = this.dev;
    v.clockNs[0] = this.nowNs;
    if (this.nowNs > this.floorNs) this.floorNs = this.nowNs;
    Atomics.store(v.syncState, 0, state);
    Atomics.store(v.syncRelease, 0, this.seenRelease);
    const sync = this.sync!;
    if (sync.cooperative) {
      this.suspended = true;
      return;
    }
    // The last device to park completes the barrier, or rings for the kernel.
    completeOrRing(sync.machine, this.seenRelease, sync.deviceIommu, sync.quantumNs);
    let waitedMs = 0;
    // Bounded look before sleeping (kernel/sequencer.ts spinLooksFor): wall time only.
    for (let i = 0; i < sync.spinLooks && Atomics.load(c.release, 0) === this.seenRelease; i++);
    while (Atomics.load(c.release, 0) === this.seenRelease) {
      if (Atomics.load(v.stop, 0) !== 0) break;
      if (Atomics.wait(c.release, 0, this.seenRelease, 100) === 'timed-out') {
        waitedMs += 100;
        if (waitedMs > PARK_TIMEOUT_MS) throw new Error(`no release from the kernel within ${PARK_TIMEOUT_MS / 1000} s`);
      }
    }
    this.takeRelease();
  }

  /** After a park: take in the release (and horizon, and stop flag) the device waited for. */
  takeRelease(): void {
    const c = this.clock!;
    const v = this.dev;
    this.suspended = false;
    this.seenRelease = Atomics.load(c.release, 0);
    this.horizonNs = c.horizonNs[0]!;
    if (Atomics.load(v.stop, 0) !== 0) this.stopped = true;
    Atomics.store(v.syncState, 0, SyncState.running);
  }

  /** Enter the protocol: wait for the kernel's first release (called again after a cooperative park). */
  start(): void {
    if (!this.clock) return;
    if (!this.startParked) {
      this.startParked = true;
      this.park(SyncState.horizon);
      if (this.suspended) return;
    }
    this.updateStopAt();
  }

  private startParked = false;
}
