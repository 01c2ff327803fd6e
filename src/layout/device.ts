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
 * | copySeq       | i32  | 1             | device | kernel         | seqcount: odd while a copy window (page |
 * |               |      |               |        |                | steps, their translations and accesses, |
 * |               |      |               |        |                | device/page-run.ts) is open — the       |
 * |               |      |               |        |                | kernel's drain point before a wait      |
 * |               |      |               |        |                | descriptor completes                    |
 * | drainWaiter   | i32  | 1             | kernel | device         | 1 while the kernel sleeps on copySeq:   |
 * |               |      |               |        |                | the device notifies when it closes a    |
 * |               |      |               |        |                | window                                  |
 * | counters      | f64  | COUNTER_COUNT | device | kernel         | Counter.* (live; final copy in result)  |
 * | devtlb.*      |      |               | device | device, tests  | ATS device TLB (tlb.ts), no lock        |
 * | invRing.*     |      |               | kernel→device SPSC ring (ring.ts): device-TLB invalidations |
 * | prqRing.*     |      |               | device→kernel SPSC ring: page requests (PrqRecord)         |
 * | respRing.*    |      |               | kernel→device SPSC ring: page group responses (RespRecord) |
 * | clockNs       | f64  | 1             | device | kernel         | modelled time: the engine's virtual     |
 * |               |      |               |        |                | clock, published before syncRelease     |
 * | syncState     | i32  | 1             | device | kernel         | modelled time: SyncState, published     |
 * |               |      |               |        |                | before syncRelease                      |
 * | syncRelease   | i32  | 1             | device | kernel         | modelled time: the kernel's release     |
 * |               |      |               |        |                | (layout/clock.ts) the device has taken  |
 * |               |      |               |        |                | in and now waits past (notified); -1    |
 * |               |      |               |        |                | (kernel, at boot, before any thread)    |
 * |               |      |               |        |                | until the device enters the protocol    |
 * | invAckNs      | f64  | 1             | device | kernel         | modelled time: virtual time of the      |
 * |               |      |               |        |                | acknowledgement `invAck` names          |
 * | iotlbFills.*  |      |               | device→kernel SPSC ring (modelled time): IOTLB fills this     |
 * |               |      |               | device's walks made since the last barrier (IotlbFill), which |
 * |               |      |               | the kernel applies to the shared IOTLB at the barrier in      |
 * |               |      |               | (virtual time, device) order                                  |
 * | iotlbUseNs    | f64  | IOTLB entries | device | kernel         | modelled time: per entry of its IOMMU's |
 * |               |      |               |        |                | IOTLB, the virtual time this device     |
 * |               |      |               |        |                | last hit it (LRU input at the barrier)  |
 * | submitter     | i32  | 1             | kernel | device         | modelled time: the PASID the device's   |
 * |               |      |               |        |                | submitting process puts in descriptors  |
 * |               |      |               |        |                | (its IA32_PASID / the WQ's PASID); 0:   |
 * |               |      |               |        |                | no submitter (not yet bound, or exited) |
 * |               |      |               |        |                | — written at boot and by lifecycle      |
 * |               |      |               |        |                | events while every device is parked     |
 * | doorbell      | i32  | 1             | kernel | device         | bumped (and notified) whenever the      |
 * |               |      |               |        |                | kernel posts to invRing or respRing, so |
 * |               |      |               |        |                | a device waiting for a page response    |
 * |               |      |               |        |                | sleeps on one word and still applies    |
 * |               |      |               |        |                | invalidations                           |
 *
 * | kbufRings[k].*|      |               | kernel→device SPSC ring per kernel client k of the device     |
 * |               |      |               | (modelled time): DMA buffers ready for a descriptor           |
 * |               |      |               | (KbufRecord)                                                  |
 * | kdoneRings[k].*|     |               | device→kernel SPSC ring: those buffers' completions          |
 * |               |      |               | (KdoneRecord), which the kernel unmaps and frees             |
 * | bySubmitter   | f64  | submitters ×  | device | kernel         | per submitter of a shared WQ (the attach|
 * |               |      | SubmitterCounter.width |  |                | process first): SubmitterCounter.*      |
 * | kRefilled     | i32  | clients       | kernel | device         | per client: completions the kernel has  |
 * |               |      |               |        |                | taken in and answered (a refill posted, |
 * |               |      |               |        |                | or none to come) — a device shared by   |
 * |               |      |               |        |                | several submitters waits on it to keep  |
 * |               |      |               |        |                | their descriptors in arrival order      |
 *
 * The page-request queue of an IOMMU is modelled as the prqRings of its devices: its
 * occupancy is the sum of their (tail - head), which a device reads (never writes) for the
 * other devices before it publishes; `prqEntries` bounds that sum.
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
  /** Page requests sent (PRI), groups sent, and group responses received by code. */
  pageRequests: 16,
  pageGroups: 17,
  responsesSuccess: 18,
  responsesInvalid: 19,
  responsesFailure: 20,
  /** Page requests the IOMMU could not queue (PRQ full): auto-answered SUCCESS, retried. */
  prqOverflows: 21,
  /** Most PRQ entries in use on this device's IOMMU seen when this device sent a request. */
  prqHighWater: 22,
  /** Partial completions (status page-fault) and the software touches that followed. */
  partialCompletions: 23,
  touchesOk: 24,
  touchesFailed: 25,
  /** Logical descriptors that took at least one fault (block or partial). */
  faultedOps: 26,
  /** Logical descriptors completed (a resubmitted remainder is part of its descriptor). */
  opsCompleted: 27,
  /** Stop markers sent (PRI, at a PASID stop before an unbind). */
  stopMarkers: 28,
  /**
   * Nested translation (a device assigned to a VM): 2-D walks, and their memory references by
   * the stage-1 step they served — stage-2 references to find the level-4…1 stage-1 tables and
   * the final guest page (s2RefsStep + 0…4), and the stage-1 entries read (s1Refs). A cold walk
   * of 4 levels over 4 levels is 4 × (4 + 1) + 4 = 24. Stage-2 walk-cache hits save 4 each.
   */
  nestedWalks: 29,
  s1Refs: 30,
  s2RefsStep: 31,
  s2CacheHits: 36,
  /** Walks whose frames were not the device's to reach (a nested walk outside its VM's guest memory, a host walk into a VM's): 0 in every correct run. */
  isolationBreaches: 37,
  /** Whole device-TLB flushes applied (a stage-2 change: every nested translation may be stale). */
  devtlbWholeFlushes: 38,
  /** ENQCMD submissions a full shared WQ answered with retry (each attempt that failed). */
  submitRetries: 39,
  /**
   * IAA (device/compound.ts): source and output bytes of completed compress descriptors, fixed
   * then dynamic Huffman (in, out, in, out); the same for compress-verify; and decompress's.
   */
  compressIn: 40,
  verifyIn: 44,
  decompressIn: 48,
  statusBase: 50,
} as const;
export const COUNTER_COUNT = Counter.statusBase + STATUS_COUNT;

/** Per submitter of a shared work queue (layout `bySubmitter`), f64 words. */
export const SubmitterCounter = {
  /** Logical descriptors completed, and their bytes. */
  ops: 0,
  bytes: 1,
  /** ENQCMD attempts answered retry. */
  submitRetries: 2,
  /** Completions with a status other than success. */
  failed: 3,
  width: 4,
} as const;

/** Where a device stands between the kernel's releases (modelled time, layout/clock.ts). */
export const SyncState = {
  /** Executing: its clock is below the horizon. */
  running: 0,
  /** Reached the horizon (clock >= horizonNs) at a page boundary; waits for the next release. */
  horizon: 1,
  /** Waits for the kernel: a page response or a software touch it requested. */
  blocked: 2,
  /** Has no more work; still applies invalidations at each release until the stop flag. */
  finished: 3,
  /**
   * A kernel client's device with no buffer ready: it waits for the kernel at its clock, and —
   * unlike `blocked` — bounds the horizon there as a device at the horizon does (its next
   * completion, which the kernel must see in time order, can come no earlier).
   */
  starved: 4,
} as const;

/**
 * Device-TLB invalidation record, f64 words. `arrivalNs`: modelled time at which the request
 * reaches the device (unused in host time).
 */
export const InvRecord = {
  seq: 0,
  pasid: 1,
  vpnStart: 2,
  vpnEnd: 3,
  arrivalNs: 4,
  /** InvKind. */
  kind: 5,
  width: 6,
} as const;

/** What an invalidation-ring record asks of the device. */
export const InvKind = {
  /** Drop device-TLB entries of (PASID, [vpnStart, vpnEnd)). */
  devtlb: 0,
  /**
   * Stop using the PASID (the driver's PASID drain before an unbind, e.g. idxd's
   * `idxd_device_drain_pasid`): a device with PRI sends a stop marker after its page requests
   * for it (PCIe stop marker message), then acknowledges.
   */
  stopPasid: 1,
  /**
   * Drop every device-TLB entry, of every PASID (VT-d CACHE_TAG_NESTING_DEVTLB: a stage-2
   * change may stale any nested translation the device caches; drivers/iommu/intel/cache.c).
   */
  devtlbAll: 2,
} as const;

/** IOTLB fill record (device → kernel, modelled time), f64 words. */
export const IotlbFill = {
  did: 0,
  pasid: 1,
  vpn: 2,
  pfn: 3,
  rw: 4,
  gen: 5,
  timeNs: 6,
  /** The IOTLB entry the device found with this tag read-only (a write upgrades it), or −1. */
  seen: 7,
  width: 8,
} as const;

/** What a record on the page-request ring asks for. */
export const RequestKind = {
  /** A PRI page request (one page, its own group). */
  page: 0,
  /** Modelled time: the submitting software's touch of a page after a partial completion. */
  touch: 1,
  /**
   * A stop marker: last-in-group with neither read nor write — the device has no more page
   * requests for the PASID. The kernel drops it and sends no response.
   */
  stopMarker: 2,
} as const;

/**
 * Page request record (device → kernel), f64 words. `time`: host time, absolute ms
 * (timeOrigin + now); modelled time, the virtual ns at which the request reaches the kernel.
 */
export const PrqRecord = {
  group: 0,
  pasid: 1,
  vpn: 2,
  write: 3,
  last: 4,
  time: 5,
  kind: 6,
  /** Where the walk stopped (device/translate.ts faultStage): 1 stage 1 (or a 1-D walk), 2 a nested walk's stage 2. */
  stage: 7,
  width: 8,
} as const;

/**
 * Page group response record (kernel → device), f64 words. `timeNs`: modelled time, when the
 * response leaves the kernel (unused in host time).
 */
export const RespRecord = {
  group: 0,
  code: 1,
  timeNs: 2,
  /** Modelled time: the IOMMU's page-request queue occupancy the request found (high-water input). */
  queued: 3,
  width: 4,
} as const;

/**
 * A kernel client's buffer, ready for one descriptor (kernel → device), f64 words. `op` −1 is
 * the end: the client submits nothing more. `src`/`dst`: the addresses the descriptor carries
 * (IOVA, physical address or kernel virtual address, by mode); `readyNs`: when the buffer is
 * mapped and its descriptor submitted (virtual ns).
 */
export const KbufRecord = {
  buffer: 0,
  op: 1,
  src: 2,
  dst: 3,
  sizeBytes: 4,
  readyNs: 5,
  width: 6,
} as const;

/** A kernel client's buffer completed (device → kernel), f64 words: status (layout/status.ts) at `completeNs`. */
export const KdoneRecord = {
  buffer: 0,
  status: 1,
  completeNs: 2,
  width: 3,
} as const;

/**
 * PCIe page group response codes, plus the IOMMU's own answer to a request it could not queue
 * (modelled time: the kernel computes queue occupancy in virtual time and answers for it), and
 * the outcomes of a software touch.
 */
export const PageResponse = {
  success: 0,
  invalid: 1,
  failure: 0xf,
  overflow: 0x10,
} as const;

export interface DeviceShape {
  readonly maxPasids: number;
  readonly ats: boolean;
  readonly devtlbEntries: number;
  readonly devtlbWays: number;
  readonly invRingCapacity: number;
  readonly prqRingCapacity: number;
  /** Entries of the IOTLB of the IOMMU the device sits behind (modelled-time fill log and stamps). */
  readonly iotlbEntries: number;
  /** Per kernel client of the device: records of its kbufRing and kdoneRing (its buffers in flight + 1). */
  readonly kbufRingCapacities: readonly number[];
  /** Submitters of its work queue (the attach's process and `submitters`); at least 1. */
  readonly submitters: number;
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
  readonly prqRing: RingPlan;
  readonly respRing: RingPlan;
  readonly doorbell: FieldSlot;
  readonly submitter: FieldSlot;
  readonly clockNs: FieldSlot;
  readonly syncState: FieldSlot;
  readonly syncRelease: FieldSlot;
  readonly invAckNs: FieldSlot;
  readonly iotlbFills: RingPlan;
  readonly iotlbUseNs: FieldSlot;
  readonly kbufRings: readonly RingPlan[];
  readonly kdoneRings: readonly RingPlan[];
  readonly kRefilled: FieldSlot;
  readonly sizeBytes: number;
  readonly bySubmitter: FieldSlot;
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
  const prqRing = planRing(p, shape.prqRingCapacity, PrqRecord.width);
  const respRing = planRing(p, shape.prqRingCapacity, RespRecord.width);
  const doorbell = p.i32(1);
  const submitter = p.i32(1);
  const syncState = p.i32(1);
  const syncRelease = p.i32(1);
  const clockNs = p.f64(1);
  const invAckNs = p.f64(1);
  const iotlbFills = planRing(p, shape.iotlbEntries, IotlbFill.width);
  const iotlbUseNs = p.f64(shape.iotlbEntries);
  const kbufRings = shape.kbufRingCapacities.map((c) => planRing(p, c, KbufRecord.width));
  const kdoneRings = shape.kbufRingCapacities.map((c) => planRing(p, c, KdoneRecord.width));
  const kRefilled = p.i32(Math.max(1, shape.kbufRingCapacities.length));
  const bySubmitter = p.f64(Math.max(1, shape.submitters) * SubmitterCounter.width);
  return {
    pasidDomain, stop, go, state, invAck, copySeq, drainWaiter, counters, devtlb, invRing, prqRing, respRing, doorbell,
    submitter, clockNs, syncState, syncRelease, invAckNs, iotlbFills, iotlbUseNs, kbufRings, kdoneRings, kRefilled, bySubmitter,
    sizeBytes: p.sizeBytes,
  };
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
  readonly prqRing: Ring;
  readonly respRing: Ring;
  readonly doorbell: Int32Array;
  readonly submitter: Int32Array;
  readonly clockNs: Float64Array;
  readonly syncState: Int32Array;
  readonly syncRelease: Int32Array;
  readonly invAckNs: Float64Array;
  readonly iotlbFills: Ring;
  readonly iotlbUseNs: Float64Array;
  readonly kbufRings: readonly Ring[];
  readonly kdoneRings: readonly Ring[];
  readonly kRefilled: Int32Array;
  readonly bySubmitter: Float64Array;

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
    this.prqRing = new Ring(buffer, plan.prqRing);
    this.respRing = new Ring(buffer, plan.respRing);
    this.doorbell = viewI32(buffer, plan.doorbell);
    this.submitter = viewI32(buffer, plan.submitter);
    this.clockNs = viewF64(buffer, plan.clockNs);
    this.syncState = viewI32(buffer, plan.syncState);
    this.syncRelease = viewI32(buffer, plan.syncRelease);
    this.invAckNs = viewF64(buffer, plan.invAckNs);
    this.iotlbFills = new Ring(buffer, plan.iotlbFills);
    this.iotlbUseNs = viewF64(buffer, plan.iotlbUseNs);
    this.kbufRings = plan.kbufRings.map((r) => new Ring(buffer, r));
    this.kdoneRings = plan.kdoneRings.map((r) => new Ring(buffer, r));
    this.kRefilled = viewI32(buffer, plan.kRefilled);
    this.bySubmitter = viewF64(buffer, plan.bySubmitter);
  }

  /** The first kernel client's rings (a device of one kernel client). */
  get kbufRing(): Ring {
    return this.kbufRings[0]!;
  }

  get kdoneRing(): Ring {
    return this.kdoneRings[0]!;
  }

  /** Kernel: wake the device if it sleeps waiting for the kernel. */
  ring(): void {
    Atomics.add(this.doorbell, 0, 1);
    Atomics.notify(this.doorbell, 0);
  }
}
