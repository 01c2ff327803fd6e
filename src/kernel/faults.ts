/**
 * Faults: the kernel's side of PRI, and the CPU-fault path of partial completions.
 *
 * I/O page faults. Devices publish page requests into their page-request rings (together, the
 * IOMMU's page-request queue); this service drains them on the kernel thread and answers once
 * per page group through the device's response ring.
 *
 * For each request (Linux: iommu_report_device_fault → iopf group → handle_mm_fault):
 *   - the (device, PASID) attachment must be an SVA domain (else INVALID: also what a fault
 *     arriving after unbind gets);
 *   - the address must lie in a VMA of the domain's process (else INVALID), and a write needs
 *     a writable VMA (else INVALID);
 *   - a present page (another device faulted it in first) needs nothing; otherwise a frame is
 *     allocated, initialised and mapped (allocation failure: INVALID, as for any VM_FAULT_ERROR).
 * An error is sticky for the rest of its group: later requests in the group are not serviced.
 * The group is answered when its last request is in. Fault service latency runs from the
 * device's request (its absolute timestamp) to the response.
 *
 * Waiting: the service sleeps on the rings' tails (Atomics.waitAsync) with each ring's
 * `sleeping` flag set, so a device notifies only when the kernel is actually asleep.
 *
 * Touch: after a partial completion the submitting software touches the faulting page (the
 * worker asks over the control plane): the same checks, then the page is populated.
 *
 * Guests (design.md §8, kernel/vm.ts): a request on a guest PASID carries where the device's
 * nested walk stopped, as the hardware's fault record does. A stage-1 fault is forwarded to the
 * guest, whose own fault service answers it (the same checks, in the guest's address space); a
 * stage-2 fault is the host's: it backs the guest frame (or answers INVALID for a guest frame
 * beyond the VM's RAM). The sequencer charges the forwarding and the guest's trapped response.
 *
 * Depends on a small interface (FaultHost), not on the kernel's classes.
 * A stop marker (last-in-group, neither read nor write: the device has stopped using the PASID)
 * is dropped without a response and counted — VT-d drivers/iommu/intel/prq.c (svm.c before
 * v6.13) prq_event_thread: "Drop Stop Marker message. No need for a response."
 *
 * Not modelled: multi-request groups from devices (tests inject them), PRQ overflow's sticky bit (the IOMMU's queue-full answer is the device side's, device/pri.ts),
 * the mm lock (Linux services a fault holding it for reading, so a fault waits for a munmap;
 * here a fault can be serviced while a change of the same mm awaits its invalidation).
 */

import { type DeviceViews, PageResponse, PrqRecord, RequestKind, RespRecord } from '../layout/device.js';
import { type Histogram, newMergeHistogram } from '../metrics/histogram.js';
import { PAGE_SIZE } from '../layout/constants.js';
import type { TouchOutcome } from '../rpc/endpoint.js';

/** The address space a page request faults into (an mm). */
export interface FaultAddressSpace {
  readonly rootPfn: number;
  vmaAt(va: number): { readonly writable: boolean } | undefined;
  /** Whether its VMA allows a write at `va` now (an mprotect may have removed write for a while). */
  writableAt(va: number): boolean;
  /** Host time: a change holds the mm lock for writing until this resolves (objects.ts Process). */
  readonly changeDone: Promise<void> | undefined;
}

/**
 * What the fault service needs of the rest of the kernel — and no more, so it depends on this
 * interface, not on the kernel's classes.
 */
export interface FaultHost<S extends FaultAddressSpace> {
  /** The live address space behind an SVA attachment of (device, PASID); undefined: none (INVALID). */
  svaTarget(device: number, pasid: number): S | undefined;
  /** Back `vpn` with a fresh frame (handle_mm_fault); throws when memory is exhausted. */
  populatePage(space: S, vpn: number): number;
  /** Whether `vpn` is present in the space's page table. */
  present(space: S, vpn: number): boolean;
  /**
   * A guest space (kernel/vm.ts): where a device's walk for `vpn` stops at stage 2 — backed now
   * by the host (FaultRoute.stage2), beyond the VM's memory (-1: INVALID), or not at stage 2 (0).
   */
  stage2(space: S, vpn: number): number;
  /** The space is a guest's (its stage-1 faults are forwarded to the guest). */
  isGuest(space: S): boolean;
}

/**
 * Who answered a page request (design.md §8): the host for a host process, the guest (the host
 * forwards it into the guest's virtual IOMMU) for a guest process's stage-1 fault, the host for
 * a stage-2 fault (the guest page's host backing).
 */
export const FaultRoute = { host: 0, guest: 1, stage2: 2 } as const;
export type FaultRouteCode = (typeof FaultRoute)[keyof typeof FaultRoute];

export interface PageRequestStats {
  requests: number;
  /** Stop markers received: dropped, never answered (VT-d prq.c prq_event_thread). */
  stopMarkers: number;
  groups: number;
  responses: { success: number; invalid: number; failure: number };
  /** Pages the service populated (a page faulted by several devices is populated once). */
  pagesPopulated: number;
  /** Page requests on guest PASIDs: forwarded to the guest (stage 1), or the host's (stage 2). */
  forwardedToGuest: number;
  stage2Faults: number;
  /** Request (device timestamp) to response, ns. */
  readonly latency: Histogram;
}

/** A request taken off a page-request ring (modelled time). */
export interface PendingRequest {
  readonly device: number;
  readonly group: number;
  readonly pasid: number;
  readonly vpn: number;
  readonly write: boolean;
  /** RequestKind: a PRI page request or a software touch. */
  readonly kind: number;
  /** Where the device's walk stopped: 2 a nested walk's stage 2 (the host's fault), else 1. Default 1. */
  readonly stage?: number;
  /** Virtual time at which it reaches the kernel, ns. */
  readonly timeNs: number;
}

interface OpenGroup {
  code: number;
  firstTimeMs: number;
}

/** Absolute milliseconds comparable across threads. */
function absNowMs(): number {
  return performance.timeOrigin + performance.now();
}

export class FaultService<S extends FaultAddressSpace> {
  readonly stats: PageRequestStats = {
    requests: 0,
    stopMarkers: 0,
    groups: 0,
    responses: { success: 0, invalid: 0, failure: 0 },
    pagesPopulated: 0,
    forwardedToGuest: 0,
    stage2Faults: 0,
    latency: newMergeHistogram(),
  };
  /** The route of the last request `handle` serviced. */
  private lastRoute: FaultRouteCode = FaultRoute.host;
  /** Open groups per device: group index → sticky code so far. */
  private readonly open: Map<number, OpenGroup>[];
  private running: Promise<void> | undefined;
  private stopping = false;
  /** Host time: the end of the change a request waits for (set by serviceDevice, read by loop). */
  private blockedOn: Promise<void> | undefined;

  constructor(
    private readonly devices: readonly DeviceViews[],
    private readonly host: FaultHost<S>,
  ) {
    this.open = devices.map(() => new Map());
  }

  start(): void {
    this.stopping = false;
    this.running ??= this.loop();
  }

  /** Stop after answering everything pending. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const v of this.devices) Atomics.notify(v.prqRing.tail, 0);
    await this.running;
    this.running = undefined;
    this.serviceAll();
  }

  /** Service every request pending from one device now (unbind drains its faults). */
  drainDevice(device: number): number {
    return this.serviceDevice(device);
  }

  /**
   * The CPU-fault path a device's submitting software takes after a partial completion (it
   * touches the page): populate `address` of the address space behind (device, PASID).
   */
  touch(device: number, pasid: number, address: number, write: boolean): TouchOutcome {
    const space = this.host.svaTarget(device, pasid);
    if (!space) return 'no-attachment';
    const vma = space.vmaAt(address);
    if (!vma) return 'no-vma';
    if (write && !space.writableAt(address)) return 'read-only';
    this.host.populatePage(space, Math.floor(address / PAGE_SIZE));
    return 'ok';
  }

  /**
   * Host time: `touch`, after any change holding the mm lock has ended (the CPU fault takes
   * mmap_lock for reading).
   */
  async touchWhenUnlocked(device: number, pasid: number, address: number, write: boolean): Promise<TouchOutcome> {
    for (let space = this.host.svaTarget(device, pasid); space?.changeDone; space = this.host.svaTarget(device, pasid)) {
      await space.changeDone;
    }
    return this.touch(device, pasid, address, write);
  }

  // ---- modelled time (the sequencer calls these at its barriers; kernel/sequencer.ts) ----------

  /** Take every record pending on the devices' page-request rings, in ring order per device. */
  collect(): PendingRequest[] {
    const out: PendingRequest[] = [];
    this.devices.forEach((v, device) => {
      const ring = v.prqRing;
      while (ring.available() > 0) {
        const at = ring.peek();
        out.push({
          device,
          group: ring.slots[at + PrqRecord.group]!,
          pasid: ring.slots[at + PrqRecord.pasid]!,
          vpn: ring.slots[at + PrqRecord.vpn]!,
          write: ring.slots[at + PrqRecord.write] === 1,
          kind: ring.slots[at + PrqRecord.kind]!,
          timeNs: ring.slots[at + PrqRecord.time]!,
          stage: ring.slots[at + PrqRecord.stage]!,
        });
        ring.consume();
      }
    });
    return out;
  }

  /** The address space a request faults into, if any (for the mm lock). */
  spaceOf(r: PendingRequest): S | undefined {
    return this.host.svaTarget(r.device, r.pasid);
  }

  /**
   * Service a page request (handle_mm_fault) or a software touch now; returns the response code
   * and whether a page was populated (it costs the page's zeroing).
   */
  serviceModelled(r: PendingRequest): { code: number; populated: boolean; route: FaultRouteCode } {
    const before = this.stats.pagesPopulated;
    if (r.kind === RequestKind.touch) {
      const outcome = this.touch(r.device, r.pasid, r.vpn * PAGE_SIZE, r.write);
      return { code: outcome === 'ok' ? PageResponse.success : PageResponse.invalid, populated: outcome === 'ok', route: FaultRoute.host };
    }
    this.stats.requests++;
    const code = this.handle(r.device, r.pasid, r.vpn, r.write, r.stage ?? 1);
    // A stage-2 fault backs a guest frame: a page cleared (or swapped back in) like a populate.
    const backed = this.lastRoute === FaultRoute.stage2 && code === PageResponse.success;
    return { code, populated: this.stats.pagesPopulated > before || backed, route: this.lastRoute };
  }

  /** Answer a request at virtual time `timeNs` (`queued`: the PRQ occupancy it found). */
  respondModelled(r: PendingRequest, code: number, timeNs: number, queued: number): void {
    const v = this.devices[r.device]!;
    const ring = v.respRing;
    const slot = ring.reserve();
    if (slot < 0) throw new Error(`bug: page response ring of device ${r.device} is full`);
    ring.slots[slot + RespRecord.group] = r.group;
    ring.slots[slot + RespRecord.code] = code;
    ring.slots[slot + RespRecord.timeNs] = timeNs;
    ring.slots[slot + RespRecord.queued] = queued;
    ring.publish();
    if (r.kind !== RequestKind.page || code === PageResponse.overflow) return;
    const s = this.stats;
    s.groups++;
    if (code === PageResponse.success) s.responses.success++;
    else if (code === PageResponse.invalid) s.responses.invalid++;
    else s.responses.failure++;
    s.latency.recordValue(Math.max(1, Math.round(timeNs - r.timeNs)));
  }

  private async loop(): Promise<void> {
    const devices = this.devices;
    while (!this.stopping) {
      this.blockedOn = undefined;
      if (this.serviceAll() > 0) {
        await new Promise((r) => setImmediate(r));
        continue;
      }
      if (this.blockedOn) {
        // A request waits for a change of its mm to end (the change's own waits go on meanwhile).
        await this.blockedOn;
        continue;
      }
      // Sleep until a device publishes (it notifies only while `sleeping` is set).
      const tails = devices.map((v) => Atomics.load(v.prqRing.tail, 0));
      for (const v of devices) Atomics.store(v.prqRing.sleeping, 0, 1);
      if (devices.every((v) => v.prqRing.available() === 0) && !this.stopping) {
        const waits = devices.map((v, i) => Atomics.waitAsync(v.prqRing.tail, 0, tails[i]!, 20));
        const pending = waits.filter((w) => w.async).map((w) => w.value);
        if (pending.length === waits.length) await Promise.race(pending);
      }
      for (const v of devices) Atomics.store(v.prqRing.sleeping, 0, 0);
    }
  }

  private serviceAll(): number {
    let n = 0;
    for (let d = 0; d < this.devices.length; d++) n += this.serviceDevice(d);
    return n;
  }

  private serviceDevice(device: number): number {
    const v = this.devices[device]!;
    const ring = v.prqRing;
    let n = 0;
    while (ring.available() > 0) {
      const at = ring.peek();
      const group = ring.slots[at + PrqRecord.group]!;
      const pasid = ring.slots[at + PrqRecord.pasid]!;
      // Host time: a request into an mm that a change holds locked stays queued until it ends —
      // serviced in between, it could map a page the change is about to replace (a migration's
      // new frame would then overwrite it, leaking the frame the fault populated).
      const changeDone = this.stopping ? undefined : this.host.svaTarget(device, pasid)?.changeDone;
      if (changeDone) {
        this.blockedOn = changeDone;
        break;
      }
      const vpn = ring.slots[at + PrqRecord.vpn]!;
      const write = ring.slots[at + PrqRecord.write] === 1;
      const last = ring.slots[at + PrqRecord.last] === 1;
      const timeMs = ring.slots[at + PrqRecord.time]!;
      const stage = ring.slots[at + PrqRecord.stage]!;
      ring.consume();
      n++;
      this.stats.requests++;
      const groups = this.open[device]!;
      let g = groups.get(group);
      if (!g) groups.set(group, (g = { code: PageResponse.success, firstTimeMs: timeMs }));
      if (g.code === PageResponse.success) g.code = this.handle(device, pasid, vpn, write, stage);
      if (last) {
        groups.delete(group);
        this.respond(device, group, g.code, g.firstTimeMs);
      }
    }
    return n;
  }

  /** handle_mm_fault for one request; returns the response code. */
  private handle(device: number, pasid: number, vpn: number, write: boolean, stage: number): number {
    this.lastRoute = FaultRoute.host;
    const proc = this.host.svaTarget(device, pasid);
    if (!proc) return PageResponse.invalid;
    if (this.host.isGuest(proc)) {
      // Stage 2 first: the host's own fault (the guest cannot see it); else the guest's.
      // The request says where the walk stopped, as the hardware's fault record does: stage 2
      // is the host's (backed now, or already by an earlier request: retry), stage 1 the guest's.
      if (stage === 2) {
        this.lastRoute = FaultRoute.stage2;
        this.stats.stage2Faults++;
        return this.host.stage2(proc, vpn) >= 0 ? PageResponse.success : PageResponse.invalid;
      }
      this.lastRoute = FaultRoute.guest;
      this.stats.forwardedToGuest++;
    }
    const vma = proc.vmaAt(vpn * PAGE_SIZE);
    if (!vma) return PageResponse.invalid;
    if (write && !proc.writableAt(vpn * PAGE_SIZE)) return PageResponse.invalid;
    if (this.host.present(proc, vpn)) {
      // Already present (another device faulted it in, or a write-protect window that the
      // kernel will lift): the device retries.
      return PageResponse.success;
    }
    try {
      this.host.populatePage(proc, vpn);
      this.stats.pagesPopulated++;
      return PageResponse.success;
    } catch {
      // Out of memory is a VM_FAULT_ERROR like any other: the SVA fault handler answers INVALID
      // (drivers/iommu/iommu-sva.c iommu_sva_handle_mm, v6.8+; iommu_sva_handle_iopf before:
      // `ret & VM_FAULT_ERROR ? IOMMU_PAGE_RESP_INVALID : IOMMU_PAGE_RESP_SUCCESS`). It never
      // answers FAILURE.
      return PageResponse.invalid;
    }
  }

  private respond(device: number, group: number, code: number, requestTimeMs: number): void {
    const v = this.devices[device]!;
    const ring = v.respRing;
    const slot = ring.reserve();
    // A device has at most one group in flight and the ring holds 64: a full ring is a bug.
    if (slot < 0) throw new Error(`bug: page response ring of device ${device} is full`);
    ring.slots[slot + RespRecord.group] = group;
    ring.slots[slot + RespRecord.code] = code;
    ring.publish();
    v.ring();
    const s = this.stats;
    s.groups++;
    if (code === PageResponse.success) s.responses.success++;
    else if (code === PageResponse.invalid) s.responses.invalid++;
    else s.responses.failure++;
    s.latency.recordValue(Math.max(1, Math.round((absNowMs() - requestTimeMs) * 1e6)));
  }
}
