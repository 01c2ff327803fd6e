/**
 * The DMA API's lazy-unmap flush queue, as Linux's drivers/iommu/dma-iommu.c (v5.17+; in
 * iova.c before): an unmapped IOVA range is not invalidated at once; it waits in a per-CPU
 * ring until a whole-domain IOTLB flush (`flush_iotlb_all`, on VT-d including every device TLB)
 * covers it, and only then are its IOVA and its pages freed — so the range is never reused
 * while a stale translation of it may survive.
 *
 * - Rings: one per CPU of IOVA_DEFAULT_FQ_SIZE (256) slots, or (v6.7+, IOMMU_DMA_OPTS_SINGLE_QUEUE,
 *   used for s390's shadow_on_flush) one shared ring of 32768; a ring is full when
 *   `((tail + 1) & mask) == head`, so it holds size − 1 entries.
 * - `queue_iova()`: free the entries an earlier flush covered (`fq_ring_free_locked`: those
 *   queued before a flush that has finished, in ring order); if the ring is still full, flush the
 *   domain now, synchronously on the unmapping CPU, and free again; then add the entry, stamped
 *   with the flush-start count; arm the timer if it is off (`fq_timer_on` 0 → 1) for
 *   IOVA_DEFAULT_FQ_TIMEOUT (10 ms; 1000 ms for the single queue) — later entries do not re-arm it,
 *   so the deadline runs from the first entry after the last expiry.
 * - `fq_flush_timeout()`: timer off, flush the domain, free every ring's covered entries.
 * - `fq_flush_iotlb()`: start count + 1, `flush_iotlb_all`, finish count + 1.
 *
 * Not modelled: jiffy rounding of the timeout (10 ms is 3 jiffies = 12 ms at HZ=250), the
 * per-ring locks (operations here are sequential on the kernel thread, in virtual time).
 */

/** Per-CPU ring size and timeout (IOVA_DEFAULT_FQ_SIZE, IOVA_DEFAULT_FQ_TIMEOUT). */
export const FQ_SIZE = 256;
export const FQ_TIMEOUT_NS = 10_000_000;
/** The single queue's (v6.7+: IOVA_SINGLE_FQ_SIZE, IOVA_SINGLE_FQ_TIMEOUT). */
export const SINGLE_FQ_SIZE = 32_768;
export const SINGLE_FQ_TIMEOUT_NS = 1_000_000_000;

export type FlushReason = 'full' | 'timeout';

/** What the queue asks of its domain. */
export interface FlushQueueHost<T> {
  /** `flush_iotlb_all` of the domain at `nowNs`; resolves with when it completes (virtual ns). */
  flushAll(nowNs: number, reason: FlushReason): Promise<number>;
  /** An entry's flush has finished: free its IOVA and pages, on `cpu`, at `nowNs`. */
  release(entry: T, cpu: number, nowNs: number): void;
}

interface Slot<T> {
  entry: T;
  /** The flush-start count when it was queued. */
  counter: number;
}

class Ring<T> {
  readonly slots: (Slot<T> | undefined)[];
  head = 0;
  tail = 0;
  constructor(readonly size: number) {
    this.slots = new Array<Slot<T> | undefined>(size);
  }
  get full(): boolean {
    return (this.tail + 1) % this.size === this.head;
  }
  get length(): number {
    return (this.tail - this.head + this.size) % this.size;
  }
}

export interface FlushQueueStats {
  queued: number;
  flushesFull: number;
  flushesTimeout: number;
  released: number;
  /** Most entries waiting in one ring at once. */
  highWater: number;
}

export class FlushQueue<T> {
  readonly stats: FlushQueueStats = { queued: 0, flushesFull: 0, flushesTimeout: 0, released: 0, highWater: 0 };
  private readonly rings: Ring<T>[];
  private readonly timeoutNs: number;
  private flushStart = 0;
  private flushFinish = 0;
  /** When the armed timer fires (undefined: `fq_timer_on` is 0). */
  private timerDue: number | undefined;

  constructor(
    private readonly host: FlushQueueHost<T>,
    cpus: number,
    readonly single = false,
  ) {
    this.rings = single ? [new Ring<T>(SINGLE_FQ_SIZE)] : Array.from({ length: cpus }, () => new Ring<T>(FQ_SIZE));
    this.timeoutNs = single ? SINGLE_FQ_TIMEOUT_NS : FQ_TIMEOUT_NS;
  }

  /** When the timer fires, if armed. */
  get timerDueNs(): number | undefined {
    return this.timerDue;
  }

  /** Entries waiting for a flush, all rings. */
  get pending(): number {
    return this.rings.reduce((n, r) => n + r.length, 0);
  }

  /**
   * `queue_iova()` on `cpu` at `nowNs`; resolves with the time the unmapping CPU is done (after a
   * flush on full). A flush in progress elsewhere (the timer's) covers only entries queued
   * before it started, as the flush counters make it in Linux.
   */
  async queue(entry: T, cpu: number, nowNs: number): Promise<number> {
    const ring = this.single ? this.rings[0]! : this.rings[cpu]!;
    this.freeCovered(ring, cpu, nowNs);
    let t = nowNs;
    if (ring.full) {
      t = await this.flush(t, 'full');
      this.freeCovered(ring, cpu, t);
    }
    ring.slots[ring.tail] = { entry, counter: this.flushStart };
    ring.tail = (ring.tail + 1) % ring.size;
    this.stats.queued++;
    if (ring.length > this.stats.highWater) this.stats.highWater = ring.length;
    this.timerDue ??= nowNs + this.timeoutNs;
    return t;
  }

  /** `fq_flush_timeout()` if the timer is due at `nowNs` (run on `cpu`); resolves with the time it ends. */
  async runTimer(nowNs: number, cpu = 0): Promise<number> {
    if (this.timerDue === undefined || this.timerDue > nowNs) return nowNs;
    this.timerDue = undefined;
    const t = await this.flush(nowNs, 'timeout');
    for (const ring of this.rings) this.freeCovered(ring, cpu, t);
    return t;
  }

  private async flush(nowNs: number, reason: FlushReason): Promise<number> {
    this.flushStart++;
    const t = await this.host.flushAll(nowNs, reason);
    this.flushFinish++;
    if (reason === 'full') this.stats.flushesFull++;
    else this.stats.flushesTimeout++;
    return t;
  }

  /** `fq_ring_free_locked`: release, in ring order, the entries queued before a finished flush. */
  private freeCovered(ring: Ring<T>, cpu: number, nowNs: number): void {
    while (ring.head !== ring.tail) {
      const slot = ring.slots[ring.head]!;
      if (slot.counter >= this.flushFinish) break;
      ring.slots[ring.head] = undefined;
      ring.head = (ring.head + 1) % ring.size;
      this.stats.released++;
      this.host.release(slot.entry, cpu, nowNs);
    }
  }
}
