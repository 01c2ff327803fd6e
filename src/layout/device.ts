/**
 * One device's shared block.
 *
 * | field         | type | length        | writer | readers        | meaning                                 |
 * |---------------|------|---------------|--------|----------------|-----------------------------------------|
 * | pasidDomain   | i32  | maxPasids     | kernel | device         | attached domain index + 1 per PASID     |
 * | stop          | i32  | 1             | kernel | device         | 1 = stop issuing descriptors            |
 * | go            | i32  | 1             | kernel | device         | start barrier: 1 = start measuring      |
 * | state         | i32  | 1             | device | kernel         | DeviceState                             |
 * | invAck        | i32  | 1             | device | kernel         | last device-TLB invalidation seq applied|
 * | copySeq       | i32  | 1             | device | kernel         | seqcount: odd while a page copy (with   |
 * |               |      |               |        |                | its translations) is in flight — the    |
 * |               |      |               |        |                | kernel's drain point before a wait      |
 * |               |      |               |        |                | descriptor completes                    |
 * | drainWaiter   | i32  | 1             | kernel | device         | 1 while the kernel sleeps on copySeq:   |
 * |               |      |               |        |                | the device notifies when it leaves a copy|
 * | counters      | f64  | COUNTER_COUNT | device | kernel         | Counter.* (live; final copy in result)  |
 * | devtlb.*      |      |               | device | device, tests  | ATS device TLB (tlb.ts), no lock        |
 * | invRing.*     |      |               | kernel→device SPSC ring (ring.ts): device-TLB invalidations |
 *
 * Counters are Float64 written by the device alone and read by the kernel for live progress
 * (a reader may see a value a few operations old; final figures travel in the task result).
 */

import { LayoutPlan, type FieldSlot, viewF64, viewI32 } from './plan.js';
import { Ring, type RingPlan, planRing } from './ring.js';
import { STATUS_COUNT } from './status.js';
import { Tlb, type TlbPlan, planTlb } from './tlb.js';

export const DeviceState = {
  idle: 0,
  ready: 1,
  running: 2,
  done: 3,
} as const;

/** Indices into `counters`. Status counts follow at `Counter.statusBase + status`. */
export const Counter = {
  submitted: 0,
  completed: 1,
  bytes: 2,
  devtlbHits: 3,
  devtlbMisses: 4,
  iotlbHits: 5,
  iotlbMisses: 6,
  walks: 7,
  walkRefs: 8,
  compareMismatches: 9,
  integrityChecked: 10,
  integrityFailed: 11,
  devtlbInvalidations: 12,
  /** Page copies whose frame generation was checked (before and after). */
  checkerPages: 13,
  /** Use-after-free DMA: a page touched through a translation whose frame was freed. */
  checkerViolations: 14,
  /** Sampled descriptors not verified because the kernel changed mappings meanwhile. */
  integritySkipped: 15,
  statusBase: 16,
} as const;
export const COUNTER_COUNT = Counter.statusBase + STATUS_COUNT;

/** Device-TLB invalidation record, f64 words. */
export const InvRecord = {
  seq: 0,
  pasid: 1,
  vpnStart: 2,
  vpnEnd: 3,
  width: 4,
} as const;

export interface DeviceShape {
  readonly maxPasids: number;
  readonly ats: boolean;
  readonly devtlbEntries: number;
  readonly devtlbWays: number;
  readonly invRingCapacity: number;
}

export interface DevicePlan {
  readonly pasidDomain: FieldSlot;
  readonly stop: FieldSlot;
  readonly go: FieldSlot;
  readonly state: FieldSlot;
  readonly invAck: FieldSlot;
  readonly copySeq: FieldSlot;
  readonly drainWaiter: FieldSlot;
  readonly counters: FieldSlot;
  readonly devtlb: TlbPlan;
  readonly invRing: RingPlan;
  readonly sizeBytes: number;
}

export function planDevice(shape: DeviceShape): DevicePlan {
  const p = new LayoutPlan();
  const pasidDomain = p.i32(shape.maxPasids);
  const stop = p.i32(1);
  const go = p.i32(1);
  const state = p.i32(1);
  const invAck = p.i32(1);
  const copySeq = p.i32(1);
  const drainWaiter = p.i32(1);
  const counters = p.f64(COUNTER_COUNT);
  // A non-ATS device still gets a one-entry TLB plan so the views exist; it is never used.
  const devtlb = shape.ats ? planTlb(p, shape.devtlbEntries, shape.devtlbWays) : planTlb(p, 1, 1);
  const invRing = planRing(p, shape.invRingCapacity, InvRecord.width);
  return { pasidDomain, stop, go, state, invAck, copySeq, drainWaiter, counters, devtlb, invRing, sizeBytes: p.sizeBytes };
}

export class DeviceViews {
  readonly pasidDomain: Int32Array;
  readonly stop: Int32Array;
  readonly go: Int32Array;
  readonly state: Int32Array;
  readonly invAck: Int32Array;
  readonly copySeq: Int32Array;
  readonly drainWaiter: Int32Array;
  readonly counters: Float64Array;
  readonly devtlb: Tlb;
  readonly invRing: Ring;

  constructor(buffer: SharedArrayBuffer, shape: DeviceShape) {
    const plan = planDevice(shape);
    this.pasidDomain = viewI32(buffer, plan.pasidDomain);
    this.stop = viewI32(buffer, plan.stop);
    this.go = viewI32(buffer, plan.go);
    this.state = viewI32(buffer, plan.state);
    this.invAck = viewI32(buffer, plan.invAck);
    this.copySeq = viewI32(buffer, plan.copySeq);
    this.drainWaiter = viewI32(buffer, plan.drainWaiter);
    this.counters = viewF64(buffer, plan.counters);
    this.devtlb = new Tlb(buffer, plan.devtlb);
    this.invRing = new Ring(buffer, plan.invRing);
  }
}
