/**
 * A shared work queue's entries in modelled time (design.md §8; DSA / IAA shared WQs, Intel DSA
 * Architecture Specification §3.3): a descriptor takes an entry when it arrives at the queue
 * and gives it back when an engine takes it. An ENQCMD that finds every entry taken is answered
 * *retry* (the status in the zero flag); the submitting software tries again, one ENQCMD round
 * trip later (`retryNs`: the platform's `submitNs`, the trip of one attempt), until an entry is
 * free — each answered retry counts in `submitRetries`.
 *
 * The device executes descriptors in the order they reach the queue (device/engine.ts
 * `stepQueued`), so when a submission is admitted every descriptor that reached the queue before
 * it has been dispatched: its (arrival, dispatch) pair is known. The queue holds at most
 * `entries` of them at once, so the last `entries` pairs are all that can still hold an entry;
 * they are kept in a ring. Allocation-free.
 *
 * Leaves out: the WQ's priority and the engines' arbitration between several WQs of a group
 * (one WQ per device here), the WQ occupancy limit of a submitter (`wq_occupancy` interrupt).
 */

export class SharedWq {
  private readonly enqueuedNs: Float64Array;
  private readonly dispatchedNs: Float64Array;
  private next = 0;
  /** `admit`'s answer: the attempts answered retry. */
  retries = 0;

  constructor(
    readonly entries: number,
    private readonly retryNs: number,
  ) {
    this.enqueuedNs = new Float64Array(entries).fill(Infinity);
    this.dispatchedNs = new Float64Array(entries).fill(-Infinity);
  }

  /**
   * Times in and out of `admit` and `record`, through memory: a double passed to a call V8 does
   * not inline is boxed, a HeapNumber per descriptor (the hot-path rule, device/engine.ts).
   */
  readonly io = new Float64Array(2);

  /**
   * A submission whose first attempt reaches the queue at `io[0]`: `io[0]` becomes the time it
   * takes an entry, `retries` the attempts answered retry before it. Attempts are `retryNs` apart.
   */
  admit(): void {
    const enq = this.enqueuedNs;
    const disp = this.dispatchedNs;
    let t = this.io[0]!;
    let retries = 0;
    for (;;) {
      // Entries taken at t: descriptors that reached the queue by t and were not dispatched yet;
      // and the first time after t one of them is given back.
      let taken = 0;
      let free = Infinity;
      for (let i = 0; i < this.entries; i++) {
        const d = disp[i]!;
        if (enq[i]! <= t && d > t) {
          taken++;
          if (d < free) free = d;
        }
      }
      if (taken < this.entries) break;
      // Attempts at t, t + retryNs, …: the first at or after the freed entry succeeds.
      const more = this.retryNs > 0 ? Math.ceil((free - t) / this.retryNs) : 1;
      retries += more;
      t = this.retryNs > 0 ? t + more * this.retryNs : free;
    }
    this.retries = retries;
    this.io[0] = t;
  }

  /** Record a descriptor that reached the queue at `io[0]` and was dispatched at `io[1]`. */
  record(): void {
    this.enqueuedNs[this.next] = this.io[0]!;
    this.dispatchedNs[this.next] = this.io[1]!;
    this.next = (this.next + 1) % this.entries;
  }
}
