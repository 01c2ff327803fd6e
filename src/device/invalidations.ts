/**
 * The device's side of a device-TLB invalidation (an ATS invalidation request): take the
 * requests the kernel posted to this device's invalidation ring, drop the matching device-TLB
 * entries, and acknowledge the last one (the ATS invalidation completion the kernel's wait
 * descriptor waits for). Called between copy windows only (page-run.ts), so a copy already in
 * flight through an old translation finishes before the acknowledgement; and while the device
 * waits (page responses, open-loop pacing), so the kernel never waits on a sleeping device.
 *
 * Host time: each request costs `devtlbInvalidationNs` of injected delay on the device's thread
 * (platform model). Modelled time (vtime.ts): a request is applied at the engine's first page
 * boundary at or after its arrival (`applyDue`), costs the engine `devtlbInvalidationNs` of
 * virtual time, and is acknowledged with the clock after it (`invAckNs`); a stalled or finished
 * engine applies it at its arrival (`applyStalled`). Not modelled: invalidation request queues
 * inside the device, invalidation of in-flight translation requests.
 *
 * The same ring carries the driver's PASID stop (InvKind.stopPasid, modelled time only — the
 * lifecycle schedule posts it — before an unbind): the device hands it to `onStopPasid` (its PRI
 * sends a stop marker) and acknowledges.
 */

import { Counter, type DeviceViews, InvKind, InvRecord } from '../layout/device.js';
import { TlbScope } from '../layout/tlb.js';
import { spinLoops } from './spin.js';

export class DevtlbInvalidations {
  /** Called for a PASID stop with the PASID and the virtual time it is handled (the engine's PRI). */
  onStopPasid: ((pasid: number, timeNs: number) => void) | undefined = undefined;
  /** Records consumed so far (a private copy of the ring's head: a cheap "anything new?"). */
  private head: number;
  /** The ring's producer index. */
  private readonly tail: Int32Array;

  constructor(
    private readonly dev: DeviceViews,
    /** Busy-loop count injected per request (0 = none; host time). */
    private readonly costLoops: number,
    /** Virtual time per request (modelled time). */
    private readonly costNs = 0,
  ) {
    this.head = Atomics.load(dev.invRing.head, 0);
    this.tail = dev.invRing.tail;
  }

  /** Apply every pending request, then acknowledge the last one. Cheap when there is none (inlined). */
  poll(): void {
    if (Atomics.load(this.tail, 0) !== this.head) this.apply();
  }

  /** `loadNextArrival`'s answer, ns: written there, read by the caller (device/vtime.ts). */
  readonly nextArrivalNs = new Float64Array(1);

  /**
   * Modelled time: the arrival of the oldest pending request, or Infinity, into `nextArrivalNs[0]`.
   * Through memory, not a return value: a double returned from a call V8 does not inline is
   * boxed, and so is a choice between it and a double field — a HeapNumber per descriptor,
   * depending on compile timing (test/device/hot-path-no-allocation-modelled.test.ts).
   */
  loadNextArrival(): void {
    const ring = this.dev.invRing;
    this.nextArrivalNs[0] = ring.available() === 0 ? Infinity : ring.slots[ring.peek() + InvRecord.arrivalNs]!;
  }

  /** Modelled time, at a page boundary: apply the requests that have arrived by `vt.nowNs`. */
  applyDue(vt: { nowNs: number }): void {
    const ring = this.dev.invRing;
    while (ring.available() > 0) {
      const s = ring.peek();
      if (ring.slots[s + InvRecord.arrivalNs]! > vt.nowNs) break;
      vt.nowNs += this.costNs;
      this.applyOne(s, vt.nowNs);
    }
  }

  /**
   * Modelled time, engine stalled from `busyNs`: apply the requests arriving before `limitNs`,
   * each as it arrives. Returns when the engine's invalidation work ends.
   */
  applyStalled(busyNs: number, limitNs: number): number {
    const ring = this.dev.invRing;
    let t = busyNs;
    while (ring.available() > 0) {
      const s = ring.peek();
      const arrival = ring.slots[s + InvRecord.arrivalNs]!;
      if (arrival >= limitNs) break;
      t = Math.max(t, arrival) + this.costNs;
      this.applyOne(s, t);
    }
    return t;
  }

  private applyOne(s: number, ackNs: number): void {
    const ring = this.dev.invRing;
    const t = this.dev.devtlb;
    const pasid = ring.slots[s + InvRecord.pasid]!;
    const start = ring.slots[s + InvRecord.vpnStart]!;
    const end = ring.slots[s + InvRecord.vpnEnd]!;
    const seq = ring.slots[s + InvRecord.seq]!;
    const kind = ring.slots[s + InvRecord.kind];
    if (kind === InvKind.stopPasid) {
      this.onStopPasid?.(pasid, ackNs);
    } else if (kind === InvKind.devtlbAll) {
      for (let set = 0; set < t.sets; set++) t.dropInSet(set, TlbScope.all, 0, 0, 0, 0);
      this.dev.counters[Counter.devtlbInvalidations]!++;
      this.dev.counters[Counter.devtlbWholeFlushes]!++;
    } else {
      for (let set = 0; set < t.sets; set++) t.dropInSet(set, TlbScope.pasidRange, 0, pasid, start, end);
      this.dev.counters[Counter.devtlbInvalidations]!++;
    }
    ring.consume();
    this.head = Atomics.load(ring.head, 0);
    this.dev.invAckNs[0] = ackNs;
    Atomics.store(this.dev.invAck, 0, seq);
  }

  private apply(): void {
    const ring = this.dev.invRing;
    const t = this.dev.devtlb;
    let lastSeq = -1;
    while (ring.available() > 0) {
      const s = ring.peek();
      const pasid = ring.slots[s + InvRecord.pasid]!;
      const start = ring.slots[s + InvRecord.vpnStart]!;
      const end = ring.slots[s + InvRecord.vpnEnd]!;
      lastSeq = ring.slots[s + InvRecord.seq]!;
      // Device TLBs tag entries by (PASID, page) only: domain id 0.
      const scope = ring.slots[s + InvRecord.kind] === InvKind.devtlbAll ? TlbScope.all : TlbScope.pasidRange;
      for (let set = 0; set < t.sets; set++) t.dropInSet(set, scope, 0, pasid, start, end);
      if (this.costLoops > 0) spinLoops(this.costLoops);
      ring.consume();
      this.dev.counters[Counter.devtlbInvalidations]!++;
    }
    this.head = Atomics.load(ring.head, 0);
    if (lastSeq >= 0) {
      Atomics.store(this.dev.invAck, 0, lastSeq);
      Atomics.notify(this.dev.invAck, 0);
    }
  }
}
