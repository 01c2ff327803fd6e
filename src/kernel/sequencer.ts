/**
 * The sequencer: in modelled time (design.md §6) the kernel is the sequencer of virtual time.
 * Conservative synchronisation: no device acts at or past the horizon (layout/clock.ts); at each
 * barrier — every device parked at a known virtual time — the kernel does, in virtual-time
 * order, what falls before the horizon:
 *
 *   1. IOTLB fills the devices logged since the last barrier are applied to the shared IOTLBs
 *      in (virtual time, device) order (layout/iotlb-merge.ts);
 *   2. device-TLB acknowledgements are read with their virtual times and handed to the kernel
 *      tasks waiting for them (qi.ts submissions);
 *   3. page requests and software touches are serviced in (time, device) order by the fault
 *      context — one iopf worker with its own clock: a request is serviced at max(its arrival,
 *      the worker's clock), costs faultServiceNs (+ pageZeroingNs when it populates a page),
 *      and is answered at that time. The IOMMU's page-request queue holds requests from arrival
 *      until their service starts; one that finds it full — or finds its overflow bit still
 *      set — is answered overflow at once (prq.ts). A request into an mm whose change holds the
 *      mm lock (munmap / mprotect / migrate: Linux takes mmap_lock for writing, faults take it
 *      for reading) waits until the change releases it;
 *   4. kernel timers (`at`: churn events, frees at a notifier's completion, kernel clients'
 *      completions and flush-queue timers) fire in time order — but not past the clock of a
 *      device starved for a kernel client's buffer (SyncState.starved): its next completion,
 *      which its client must take in time order, can come no earlier. Before the timers, kernel
 *      clients take their devices' completions in (`onBarrier` hooks, kernel/kernel-client.ts).
 *
 * Then it moves the horizon — to the next timer, or one quantum past the slowest device — and
 * releases the devices. Because every effect crosses threads only at barriers, and every order
 * at a barrier is by virtual time (ties by device index), results depend on the profile and the
 * seed alone: not on the host's speed, its core count or its scheduler.
 *
 * Skew: devices between two barriers do not see each other's effects (IOTLB fills of a peer,
 * pages another device's fault populated) until the next barrier: at most one quantum of
 * virtual time late — QUANTUM_NS for coupled devices (quantumFor), the bounded-skew
 * approximation of a shared IOTLB and a shared fault service. A timer set in the past (a kernel
 * task's completion computed after devices ran past it) fires at the current barrier.
 *
 * Barriers with nothing for the kernel to do (no timer due, no acknowledgement awaited, no page
 * request, no finished device) are completed by the last device to park (layout/barrier.ts), so
 * the kernel thread sleeps through them; the kernel owns the others.
 *
 * Kernel tasks (churn) are async functions that await only the sequencer (`at`, `ack`); after
 * resuming them the sequencer lets them run until they await it again.
 */

import { allParkedAt, claimBarrier, kernelNeeded, nextHorizonNs, releaseAt } from '../layout/barrier.js';
import { type DeviceViews, PageResponse, RequestKind, SyncState } from '../layout/device.js';
import { mergeIotlbFills } from '../layout/iotlb-merge.js';
import type { MachineViews } from '../layout/machine.js';
import type { PlatformCosts } from '../platform/presets.js';
import { type FaultAddressSpace, FaultRoute, type FaultService, type PendingRequest } from './faults.js';
import { KernelError } from './errors.js';
import { PageRequestQueue } from './prq.js';

/**
 * Largest step of the horizon, virtual ns, when devices are coupled (quantumFor): the bound on
 * how late they see each other's effects.
 */
export const QUANTUM_NS = 20_000;
/**
 * The step when no two devices are coupled: nothing a device does reaches another between kernel
 * events (each of which bounds the horizon anyway), so the quantum only paces progress reports.
 */
export const UNCOUPLED_QUANTUM_NS = 1_000_000;

/**
 * The quantum for a machine: QUANTUM_NS if two devices share an IOMMU (its IOTLB, fill merge
 * and page-request queue) or two devices fault through PRI (one fault service, in timestamp
 * order); UNCOUPLED_QUANTUM_NS otherwise. A function of the profile, so results stay a
 * function of the profile and the seed.
 */
export function quantumFor(deviceIommu: readonly number[], devicePri: readonly boolean[]): number {
  const sharesIommu = new Set(deviceIommu).size < deviceIommu.length;
  const faulting = devicePri.filter((p) => p).length;
  return sharesIommu || faulting > 1 ? QUANTUM_NS : UNCOUPLED_QUANTUM_NS;
}

/**
 * Bounded look-before-sleep at a barrier, in loads of the release word (a few µs): a release
 * usually follows within microseconds, and a futex wake-up costs tens of µs on a loaded machine.
 * Worth it only when every device thread has a core (the kernel sleeps through the barriers the
 * devices complete); otherwise a looking thread takes the core another needs, so 0. Affects
 * wall time only, never a result.
 */
export function spinLooksFor(devices: number, cores: number): number {
  return devices <= cores ? 10_000 : 0;
}
/** Longest wall time a barrier may wait for one device before the run fails. */
const BARRIER_TIMEOUT_MS = 120_000;

interface Timer {
  readonly timeNs: number;
  readonly order: number;
  readonly resolve: () => void;
}

interface AckWaiter {
  readonly device: number;
  readonly seq: number;
  readonly arrivalNs: number;
  readonly resolve: (ackNs: number) => void;
}

export interface SequencerOptions<S extends FaultAddressSpace> {
  readonly views: MachineViews;
  readonly faults: FaultService<S>;
  readonly costs: PlatformCosts;
  /** Per IOMMU: its page-request queue size. */
  readonly prqEntries: readonly number[];
  /** Per device: the IOMMU it sits behind. */
  readonly deviceIommu: readonly number[];
  /** True when a device's worker failed: the barrier gives up. */
  readonly failed: () => boolean;
  /** Largest horizon step, ns (quantumFor). */
  readonly quantumNs: number;
  /** Loads of a device's barrier word before sleeping on it (spinLooksFor). */
  readonly spinLooks: number;
}

export class Sequencer<S extends FaultAddressSpace> {
  /** The horizon as of the barrier the kernel owns, ns. */
  private horizonAtBarrierNs = 0;
  /** The fault worker's clock, ns. */
  private faultClockNs = 0;
  private release = 0;
  private order = 0;
  private timers: Timer[] = [];
  private ackWaiters: AckWaiter[] = [];
  private readonly locked = new Set<S>();
  private deferred: PendingRequest[] = [];
  /** Per IOMMU: its page-request queue (admission and the overflow bit). */
  private readonly prqs: PageRequestQueue[];
  private readonly devices: readonly DeviceViews[];

  constructor(private readonly o: SequencerOptions<S>) {
    this.devices = o.views.devices;
    this.prqs = o.prqEntries.map((n) => new PageRequestQueue(n));
    // The first barrier is the kernel's (its tasks set their timers before any device runs).
    o.views.clock.kernelWakeNs[0] = -Infinity;
  }

  /** An interruption asked the run to stop at the next barrier (`requestStop`). */
  private stopRequested = false;
  /** The run stopped at a barrier before its end because of `requestStop`. */
  stoppedEarly = false;

  /**
   * Stop at the next barrier (an interrupted run): devices finish the descriptor in flight and
   * stop; kernel tasks waiting on a timer or an acknowledgement are left where they are.
   */
  requestStop(): void {
    this.stopRequested = true;
    // Devices complete the barriers the kernel has nothing in (layout/barrier.ts): make the
    // next one the kernel's. (Its only writer is this thread; a device reading the old value
    // rings at the barrier after.)
    this.o.views.clock.kernelWakeNs[0] = -Infinity;
  }

  /**
   * Called at each barrier the kernel owns, after acknowledgements are in and before page
   * requests and timers: kernel clients take their devices' completions (kernel-client.ts).
   */
  private readonly barrierHooks: (() => void)[] = [];

  onBarrier(hook: () => void): void {
    this.barrierHooks.push(hook);
  }

  /** The current horizon, ns (moved by whoever owns each barrier). */
  get horizonNs(): number {
    return this.o.views.clock.horizonNs[0]!;
  }

  /** Resolves at the barrier where virtual time `timeNs` is reached (every device is at or past it). */
  at(timeNs: number): Promise<void> {
    return new Promise((resolve) => {
      this.timers.push({ timeNs, order: this.order++, resolve });
    });
  }

  /** Resolves with the virtual time of device `device`'s acknowledgement of invalidation `seq`. */
  ack(device: number, seq: number, arrivalNs: number): Promise<number> {
    return new Promise((resolve) => {
      this.ackWaiters.push({ device, seq, arrivalNs, resolve });
    });
  }

  /** A change of `space` takes its mm lock for writing: its faults wait. */
  lockMm(space: S): void {
    this.locked.add(space);
  }

  /** The change ends at `timeNs`: faults that waited are serviced from then. */
  unlockMm(space: S, timeNs: number): void {
    this.locked.delete(space);
    const waiting = this.deferred.filter((r) => this.o.faults.spaceOf(r) === space);
    this.deferred = this.deferred.filter((r) => this.o.faults.spaceOf(r) !== space);
    for (const r of waiting) this.service({ ...r, timeNs: Math.max(r.timeNs, timeNs) });
  }

  /**
   * Run barriers until every device has finished and `kernelDone()` says the kernel's tasks
   * have too; then raise every device's stop flag and release them a last time.
   */
  async run(kernelDone: () => boolean): Promise<void> {
    const views = this.o.views;
    for (;;) {
      await this.barrier();
      mergeIotlbFills(views, this.o.deviceIommu);
      this.resolveAcks();
      for (const hook of this.barrierHooks) hook();
      await flush();
      this.serviceRequests();
      await this.fireTimers();
      const finished = this.devices.every((v) => Atomics.load(v.syncState, 0) === SyncState.finished);
      if (finished && this.timers.length === 0 && this.ackWaiters.length === 0 && this.deferred.length === 0 && kernelDone()) break;
      if (this.stopRequested) {
        this.stoppedEarly = true;
        break;
      }
      this.advance();
    }
    for (const v of this.devices) Atomics.store(v.stop, 0, 1);
    releaseAt(this.o.views, this.release, this.horizonAtBarrierNs);
  }

  /**
   * Move the horizon — as a device would (layout/barrier.ts nextHorizonNs), bounded also by the
   * kernel's timers and, while it waits for acknowledgements, by the earliest one possible —
   * publish the kernel's next event for the device-owned barriers to come, and release.
   */
  private advance(): void {
    const h = this.horizonAtBarrierNs;
    let limit = Infinity;
    for (const t of this.timers) if (t.timeNs < limit) limit = t.timeNs;
    // Waiting for acknowledgements: let devices reach the earliest possible one, not past it.
    for (const w of this.ackWaiters) {
      const earliest = w.arrivalNs + this.o.costs.devtlbInvalidationNs;
      if (earliest > h && earliest < limit) limit = earliest;
    }
    const c = this.o.views.clock;
    c.kernelWakeNs[0] = this.ackWaiters.length > 0 || this.deferred.length > 0 ? -Infinity : limit;
    releaseAt(this.o.views, this.release, nextHorizonNs(this.o.views, h, this.o.quantumNs, limit));
  }

  /**
   * Wait until every device is parked at the current release and the barrier needs the kernel
   * (layout/barrier.ts), then own it. Barriers the kernel is not needed for pass meanwhile,
   * completed by devices. The kernel sleeps on the bell a device rings.
   */
  private async barrier(): Promise<void> {
    const views = this.o.views;
    const c = views.clock;
    let sinceYieldMs = 0;
    let waitedMs = 0;
    let seen = -1;
    for (;;) {
      if (this.o.failed()) throw new KernelError('a device failed');
      const bell = Atomics.load(c.bell, 0);
      const r = Atomics.load(c.release, 0);
      if (r !== seen) {
        seen = r;
        waitedMs = 0;
      }
      if (allParkedAt(views, r) && kernelNeeded(views) && claimBarrier(views, r)) {
        this.release = r;
        this.horizonAtBarrierNs = c.horizonNs[0]!;
        return;
      }
      for (let i = 0; i < this.o.spinLooks && Atomics.load(c.bell, 0) === bell; i++);
      if (Atomics.wait(c.bell, 0, bell, 2) === 'timed-out') {
        waitedMs += 2;
        sinceYieldMs += 2;
      }
      if (sinceYieldMs >= 20) {
        // Let the control plane (interval reports, progress, worker failures) through.
        sinceYieldMs = 0;
        await flush();
      }
      if (waitedMs > BARRIER_TIMEOUT_MS) throw new KernelError(`devices did not reach barrier ${r} within ${BARRIER_TIMEOUT_MS / 1000} s`);
    }
  }

  /**
   * The earliest clock of a device starved for a kernel client's buffer (+∞: none). Timers fire
   * only up to it: the device's next completion, which its client must take in time order, can
   * come no earlier.
   */
  private starvedClockNs(): number {
    let min = Infinity;
    for (const v of this.devices) {
      if (Atomics.load(v.syncState, 0) === SyncState.starved && v.clockNs[0]! < min) min = v.clockNs[0]!;
    }
    return min;
  }

  private resolveAcks(): void {
    const pending: AckWaiter[] = [];
    for (const w of this.ackWaiters) {
      const v = this.devices[w.device]!;
      if (Atomics.load(v.invAck, 0) >= w.seq) w.resolve(v.invAckNs[0]!);
      else pending.push(w);
    }
    this.ackWaiters = pending;
  }

  private serviceRequests(): void {
    const all = this.o.faults.collect();
    all.sort((a, b) => a.timeNs - b.timeNs || a.device - b.device);
    for (const r of all) this.service(r);
  }

  /** Admit a request to its IOMMU's queue (or answer overflow), then service or defer it. */
  private service(r: PendingRequest): void {
    const faults = this.o.faults;
    if (r.kind === RequestKind.stopMarker) {
      // It takes a place in the queue until the page-request thread reaches it, which drops it:
      // no response, no service time (prq.c prq_event_thread; refused when the queue is full).
      this.prqs[this.o.deviceIommu[r.device]!]!.admit(r.timeNs, Math.max(r.timeNs, this.faultClockNs));
      faults.stats.stopMarkers++;
      return;
    }
    const space = faults.spaceOf(r);
    if (space && this.locked.has(space)) {
      this.deferred.push(r);
      return;
    }
    const costs = this.o.costs;
    const startNs = Math.max(r.timeNs, this.faultClockNs);
    let queued = 0;
    if (r.kind === RequestKind.page) {
      const prq = this.prqs[this.o.deviceIommu[r.device]!]!;
      queued = prq.admit(r.timeNs, startNs);
      if (queued < 0) {
        faults.respondModelled(r, PageResponse.overflow, r.timeNs, prq.occupancyAt(r.timeNs));
        return;
      }
    }
    const { code, populated, route } = faults.serviceModelled(r);
    // A stage-1 fault on a guest PASID is forwarded into the guest, whose own fault service
    // answers it; its page response is a guest command, which traps (neither VT-d's vIOMMU nor
    // SMMUv3's CMDQV takes it directly: tegra241-cmdqv.c tegra241_guest_vcmdq_supports_cmd).
    const guest = route === FaultRoute.guest;
    const endNs = startNs + (guest ? costs.guestFaultForwardNs : 0) + costs.faultServiceNs + (populated ? costs.pageZeroingNs : 0);
    if (r.kind === RequestKind.page) {
      // A page group's response is a queued-invalidation submission (platform/presets.ts
      // pageResponseDescriptorNs): it leaves after the trap and its descriptor; the worker
      // waits for the wait descriptor before the next request.
      const postedNs = endNs + (guest ? costs.guestTrapNs : costs.trapNs) + costs.pageResponseDescriptorNs;
      this.faultClockNs = postedNs + costs.submissionWaitNs;
      faults.respondModelled(r, code, postedNs, queued);
    } else {
      this.faultClockNs = endNs;
      faults.respondModelled(r, code, endNs, queued);
    }
  }

  private async fireTimers(): Promise<void> {
    for (;;) {
      this.timers.sort((a, b) => a.timeNs - b.timeNs || a.order - b.order);
      const t = this.timers[0];
      if (!t || t.timeNs > this.horizonAtBarrierNs || t.timeNs > this.starvedClockNs()) return;
      this.timers.shift();
      t.resolve();
      await flush();
      // A task resumed may have been answered by acknowledgements already in.
      this.resolveAcks();
      await flush();
    }
  }
}

/** Let every resumed kernel task run until it awaits the sequencer again. */
function flush(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
