/**
 * A single-producer single-consumer ring of fixed-width Float64 records in shared memory,
 * in the manner of ringbuf.js: both indices are free-running counters (never wrapped), the
 * slot is `index % capacity`, and publishing is one `Atomics.store` after the payload.
 *
 * | field    | type | length          | writer   | readers  | meaning                          |
 * |----------|------|-----------------|----------|----------|----------------------------------|
 * | tail     | i32  | 1               | producer | consumer | records published so far         |
 * | head     | i32  | 1               | consumer | producer | records consumed so far          |
 * | sleeping | i32  | 1               | consumer | producer | 1 while the consumer may sleep   |
 * | slots    | f64  | capacity×width  | producer | consumer | payload                          |
 *
 * Indices are int32 and wrap after 2^31 records; differences are taken with `| 0`, so the
 * ring stays correct across the wrap as long as capacity < 2^30.
 */

import { type FieldSlot, type LayoutPlan, viewF64, viewI32 } from './plan.js';

export interface RingPlan {
  readonly capacity: number;
  readonly width: number;
  readonly tail: FieldSlot;
  readonly head: FieldSlot;
  readonly sleeping: FieldSlot;
  readonly slots: FieldSlot;
}

export function planRing(plan: LayoutPlan, capacity: number, width: number): RingPlan {
  return {
    capacity,
    width,
    tail: plan.i32(1),
    head: plan.i32(1),
    sleeping: plan.i32(1),
    slots: plan.f64(capacity * width),
  };
}

export class Ring {
  readonly capacity: number;
  readonly width: number;
  readonly tail: Int32Array;
  readonly head: Int32Array;
  readonly sleeping: Int32Array;
  readonly slots: Float64Array;

  constructor(buffer: SharedArrayBuffer, plan: RingPlan) {
    this.capacity = plan.capacity;
    this.width = plan.width;
    this.tail = viewI32(buffer, plan.tail);
    this.head = viewI32(buffer, plan.head);
    this.sleeping = viewI32(buffer, plan.sleeping);
    this.slots = viewF64(buffer, plan.slots);
  }

  /**
   * Producer: the slot offset (into `slots`) of the next record to fill, or -1 if full.
   * Write the payload there, then call `publish()`.
   */
  reserve(): number {
    const tail = Atomics.load(this.tail, 0);
    if (((tail - Atomics.load(this.head, 0)) | 0) >= this.capacity) return -1;
    return (tail % this.capacity + this.capacity) % this.capacity * this.width;
  }

  /** Producer: make the reserved record visible; wakes the consumer only if it sleeps. */
  publish(): void {
    Atomics.add(this.tail, 0, 1);
    if (Atomics.load(this.sleeping, 0) !== 0) Atomics.notify(this.tail, 0, 1);
  }

  /** Consumer: records available. May under-report (the producer may have published since). */
  available(): number {
    return (Atomics.load(this.tail, 0) - Atomics.load(this.head, 0)) | 0;
  }

  /** Consumer: slot offset of the oldest unconsumed record (call only if available() > 0). */
  peek(): number {
    const head = Atomics.load(this.head, 0);
    return (head % this.capacity + this.capacity) % this.capacity * this.width;
  }

  /** Consumer: release the oldest record. */
  consume(): void {
    Atomics.add(this.head, 0, 1);
  }
}
