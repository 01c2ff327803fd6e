/**
 * The device's Page Request Interface (PCIe PRI): send a page request for a faulting page and
 * wait for the kernel's page group response (kernel/faults.ts answers it).
 *
 * Each request is its own page group (last-in-group set; PRG index 9 bits, wrapping). The
 * IOMMU's page-request queue is modelled as the page-request rings of the devices behind it:
 * its occupancy is the sum of their (tail − head), read (never written) before publishing. When
 * it is full the IOMMU answers for the device (overflow: Linux's prq overflow path answers
 * SUCCESS), and the device backs off briefly — sleeping on its doorbell, applying device-TLB
 * invalidations — before it retries the access.
 *
 * Costs injected on the device's thread (platform model): `pageRequestNs` before the request is
 * visible, `pageResponseNs` after the response arrives. While it waits, the device keeps
 * applying device-TLB invalidations. A kernel that never answers within RESPONSE_TIMEOUT_MS is
 * a bug (the run fails naming the device).
 *
 * Modelled time (vtime.ts): the request reaches the kernel `pageRequestNs` after the engine's
 * clock, stamped with that virtual time; the kernel computes the queue's occupancy and its
 * overflow in virtual time and answers; the engine resumes `pageResponseNs` after the answer's
 * time (an overflow: after OVERFLOW_BACKOFF_MS of virtual time). The same ring carries the
 * submitting software's touch after a partial completion (`touch`), answered the same way.
 *
 * Not modelled: more than one request in flight per device, multi-page groups,
 * stop markers, PASID-less requests.
 */

import { Counter, type DeviceViews, PageResponse, PrqRecord, RequestKind, RespRecord } from '../layout/device.js';
import type { DevtlbInvalidations } from './invalidations.js';
import { spinLoops } from './spin.js';
import type { VirtualTime } from './vtime.js';

/** How a page request ended: the kernel's response, or a full page-request queue. */
export const RequestOutcome = {
  success: 0,
  invalid: 1,
  failure: 2,
  /** The IOMMU's queue was full: answered by the IOMMU, not the kernel; retry after a back-off. */
  overflow: 3,
} as const;
export type RequestOutcomeCode = (typeof RequestOutcome)[keyof typeof RequestOutcome];

/** Back-off before retrying after a PRQ overflow, ms. */
const OVERFLOW_BACKOFF_MS = 0.05;
/** A device waits at most this long for a page response before declaring the kernel dead. */
export const RESPONSE_TIMEOUT_MS = 30_000;
/** Page group indices are 9 bits (PCIe PRG index). */
const PRG_INDEX_MASK = 511;

export class PageRequester {
  private nextGroup = 0;

  constructor(
    private readonly dev: DeviceViews,
    /** Every device behind the same IOMMU, this one included: together, the IOMMU's queue. */
    private readonly iommuPeers: readonly DeviceViews[],
    /** The IOMMU's page-request queue size. */
    private readonly prqEntries: number,
    /** The PASID requests carry; the engine changes it when the submitter does (engine.ts). */
    public pasid: number,
    private readonly invalidations: DevtlbInvalidations,
    private readonly requestLoops: number,
    private readonly responseLoops: number,
    /** Modelled time: the engine's clock and the two trip costs, ns. */
    private readonly modelled: { readonly vt: VirtualTime; readonly requestNs: number; readonly responseNs: number } | undefined = undefined,
  ) {}

  /** The fault stage of the request being made (`request`'s `stage`). */
  private stage = 1;
  /** Modelled time: a request published whose answer has not been taken (see `ask`). */
  private asking = false;
  private readonly responded = (): boolean => this.dev.respRing.available() > 0;
  private readonly responseTimeNs = (): number => this.dev.respRing.slots[this.dev.respRing.peek() + RespRecord.timeNs]!;

  /** Request page `vpn` (for a write or a read; `stage`: where the walk stopped) and wait for the outcome. Slow path. */
  request(vpn: number, write: boolean, stage = 1): RequestOutcomeCode {
    const c = this.dev.counters;
    this.stage = stage;
    if (this.modelled) {
      const code = this.ask(RequestKind.page, vpn, write);
      // A cooperative park (vtime.ts): the caller sees it and calls again after the release.
      if (this.modelled.vt.suspended) return RequestOutcome.failure;
      if (code === PageResponse.overflow) {
        c[Counter.prqOverflows]!++;
        return RequestOutcome.overflow;
      }
      c[Counter.pageRequests]!++;
      c[Counter.pageGroups]!++;
      return this.outcome(code);
    }
    let used = 0;
    for (const peer of this.iommuPeers) used += (Atomics.load(peer.prqRing.tail, 0) - Atomics.load(peer.prqRing.head, 0)) | 0;
    if (used + 1 > this.prqEntries) {
      c[Counter.prqOverflows]!++;
      const seen = Atomics.load(this.dev.doorbell, 0);
      this.invalidations.poll();
      Atomics.wait(this.dev.doorbell, 0, seen, OVERFLOW_BACKOFF_MS);
      return RequestOutcome.overflow;
    }
    if (used + 1 > c[Counter.prqHighWater]!) c[Counter.prqHighWater] = used + 1;
    if (this.requestLoops > 0) spinLoops(this.requestLoops);
    const group = this.publish(RequestKind.page, vpn, write, performance.timeOrigin + performance.now());
    c[Counter.pageRequests]!++;
    c[Counter.pageGroups]!++;
    const code = this.awaitResponse(group);
    if (this.responseLoops > 0) spinLoops(this.responseLoops);
    return this.outcome(code);
  }

  /**
   * Modelled time, at the driver's PASID stop: a stop marker for `pasid` reaching the kernel at
   * `timeNs` (after this device's page requests for it: it has at most one, already published).
   * No response comes back.
   */
  sendStopMarker(pasid: number, timeNs: number): void {
    const ring = this.dev.prqRing;
    const slot = ring.reserve();
    if (slot < 0) throw new Error('bug: page-request ring full at a PASID stop');
    ring.slots[slot + PrqRecord.group] = 0;
    ring.slots[slot + PrqRecord.pasid] = pasid;
    ring.slots[slot + PrqRecord.vpn] = 0;
    ring.slots[slot + PrqRecord.write] = 0;
    ring.slots[slot + PrqRecord.last] = 1;
    ring.slots[slot + PrqRecord.time] = timeNs + (this.modelled?.requestNs ?? 0);
    ring.slots[slot + PrqRecord.kind] = RequestKind.stopMarker;
    ring.slots[slot + PrqRecord.stage] = 1;
    ring.publish();
    this.dev.counters[Counter.stopMarkers]!++;
  }

  /** Modelled time: the submitting software touches page `vpn` (after a partial completion); true if populated. */
  touch(vpn: number, write: boolean): boolean {
    return this.ask(RequestKind.touch, vpn, write) === PageResponse.success;
  }

  /**
   * Modelled time: publish a request stamped with its arrival at the kernel, park until the
   * answer, and move the clock to the answer's arrival back at the device. Returns the code.
   */
  private ask(kind: number, vpn: number, write: boolean): number {
    const m = this.modelled!;
    const vt = m.vt;
    const c = this.dev.counters;
    // Published once: a cooperative park returns here, and the call after the release waits on.
    if (!this.asking) this.publish(kind, vpn, write, vt.nowNs + (kind === RequestKind.page ? m.requestNs : 0));
    this.asking = true;
    const busyNs = vt.awaitResponse(this.responded, this.responseTimeNs);
    if (vt.suspended) return PageResponse.failure;
    this.asking = false;
    const resp = this.dev.respRing;
    if (resp.available() === 0) return PageResponse.failure; // stopped while waiting
    const at = resp.peek();
    const code = resp.slots[at + RespRecord.code]!;
    const timeNs = resp.slots[at + RespRecord.timeNs]!;
    const queued = resp.slots[at + RespRecord.queued]!;
    resp.consume();
    if (kind === RequestKind.page && queued > c[Counter.prqHighWater]!) c[Counter.prqHighWater] = queued;
    const back = code === PageResponse.overflow ? OVERFLOW_BACKOFF_MS * 1e6 : kind === RequestKind.page ? m.responseNs : 0;
    vt.nowNs = Math.max(timeNs + back, busyNs);
    return code;
  }

  /** Publish one request (its own page group) stamped `time`; returns its group index. */
  private publish(kind: number, vpn: number, write: boolean, time: number): number {
    const ring = this.dev.prqRing;
    const slot = ring.reserve();
    if (slot < 0) throw new Error('bug: page-request ring full with one request in flight');
    const group = this.nextGroup;
    this.nextGroup = (this.nextGroup + 1) & PRG_INDEX_MASK;
    ring.slots[slot + PrqRecord.group] = group;
    ring.slots[slot + PrqRecord.pasid] = this.pasid;
    ring.slots[slot + PrqRecord.vpn] = vpn;
    ring.slots[slot + PrqRecord.write] = write ? 1 : 0;
    ring.slots[slot + PrqRecord.last] = 1;
    ring.slots[slot + PrqRecord.time] = time;
    ring.slots[slot + PrqRecord.kind] = kind;
    ring.slots[slot + PrqRecord.stage] = kind === RequestKind.page ? this.stage : 1;
    ring.publish();
    return group;
  }

  private outcome(code: number): RequestOutcomeCode {
    const c = this.dev.counters;
    if (code === PageResponse.success) {
      c[Counter.responsesSuccess]!++;
      return RequestOutcome.success;
    }
    if (code === PageResponse.invalid) {
      c[Counter.responsesInvalid]!++;
      return RequestOutcome.invalid;
    }
    c[Counter.responsesFailure]!++;
    return RequestOutcome.failure;
  }

  /**
   * Stall until the kernel answers `group`. Sleeps on the doorbell (the kernel rings it for
   * responses and invalidations alike) and keeps applying device-TLB invalidations meanwhile.
   */
  private awaitResponse(group: number): number {
    const v = this.dev;
    const ring = v.respRing;
    const deadline = performance.now() + RESPONSE_TIMEOUT_MS;
    for (;;) {
      while (ring.available() > 0) {
        const at = ring.peek();
        const g = ring.slots[at + RespRecord.group]!;
        const code = ring.slots[at + RespRecord.code]!;
        ring.consume();
        if (g === group) return code;
      }
      const seen = Atomics.load(v.doorbell, 0);
      this.invalidations.poll();
      if (ring.available() > 0) continue;
      Atomics.wait(v.doorbell, 0, seen, 5);
      if (performance.now() > deadline) {
        throw new Error(`no page response from the kernel within ${RESPONSE_TIMEOUT_MS / 1000} s`);
      }
    }
  }
}
