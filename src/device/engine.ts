/**
 * A DSA-like device engine: executes descriptors on real bytes in simulated physical memory,
 * translating every page through the IOMMU pipeline (translate.ts), and keeps a closed loop of
 * `queueDepth` outstanding descriptors.
 *
 * Models: memmove, fill (8-byte pattern), compare, compare-pattern, CRC32C and batch
 * descriptors; completion statuses as values (layout/status.ts) with bytes completed and the
 * faulting address; device-TLB invalidations applied between page copies (so a copy already
 * in flight through an old translation finishes before the acknowledgement).
 * Leaves out: multiple engines per device (one engine executes in order; queueing delay is
 * what the closed loop measures), the WQ submission path (one submitter per device never
 * overfills its WQ, so submit retries are always 0), batch-list fetch through translation,
 * block-on-fault / page requests (a non-present page completes the descriptor with
 * translation-fault).
 *
 * Hot path rule: per descriptor and per page, only typed arrays, Atomics and preallocated
 * objects — no messages, promises or allocation.
 */

import { PAGE_SIZE } from '../layout/constants.js';
import { Counter, DeviceState, type DeviceViews, InvRecord, PageResponse, PrqRecord, RespRecord } from '../layout/device.js';
import type { MachineViews } from '../layout/machine.js';
import { Fault } from '../layout/pagetable.js';
import type { IntegrityFailure, ViolationReport } from '../layout/protocol.js';
import { Status } from '../layout/status.js';
import { OP_NAMES } from '../layout/ops.js';
import type { WorkloadSpec } from '../layout/protocol.js';
import { CRC32C_INIT, crc32cFinal, crc32cReference, crc32cUpdate } from './crc32c.js';
import { nextFloat, type Rng } from '../common/rng.js';
import { loopsFor, spinLoops } from './spin.js';
import { Translator } from './translate.js';
import { D, type Descriptor, newDescriptor, Op, Workload } from './workload.js';

/** Where completed-descriptor latencies go (wasm HdrHistograms in a worker). */
export interface LatencySink {
  /**
   * A logical descriptor completed; `faulted` if it took at least one page fault. Open loop:
   * `latencyNs` runs from the intended start, `uncorrectedNs` from the actual submission;
   * closed loop: `uncorrectedNs` is -1.
   */
  record(op: number, latencyNs: number, faulted: boolean, uncorrectedNs: number): void;
}

export interface EngineOptions {
  readonly machine: MachineViews;
  readonly index: number;
  readonly iommu: number;
  readonly ats: boolean;
  readonly pasid: number;
  readonly region: { start: number; sizeBytes: number; stripeIndex: number; stripeCount: number };
  readonly workload: WorkloadSpec;
  readonly rng: Rng;
  readonly integritySampleEvery: number;
  readonly sink: LatencySink;
  /**
   * Clock in ms (default `performance.now`). Node 20's `performance.now` builds a
   * `process.hrtime()` array per call — the one allocation per descriptor that is not ours;
   * tests substitute an allocation-free clock to prove the rest of the path allocates nothing.
   */
  readonly nowMs?: () => number;
  /** Device id, for violation reports. */
  readonly deviceId?: string;
  /** Use-after-free checker around every page copy. Default true. */
  readonly checker?: boolean;
  /** Injected device-side costs (platform model), ns. Default none. */
  readonly costs?: {
    readonly iotlbMissWalkNs: number;
    readonly devtlbInvalidationNs: number;
    readonly pageRequestNs?: number;
    readonly pageResponseNs?: number;
  };
  /** Open loop: target descriptors per second and arrival process (default closed loop). */
  readonly rateOpsPerSec?: number;
  readonly arrival?: 'uniform' | 'poisson';
  /** Page Request Interface, and block-on-fault (else partial completion). Default off. */
  readonly pri?: boolean;
  readonly blockOnFault?: boolean;
  /** The IOMMU's page-request queue size, shared by the devices behind it. Default 2048. */
  readonly prqEntries?: number;
}

/** The first use-after-free DMA the checker saw (layout/protocol.ts ViolationReport). */
export type Violation = ViolationReport;

/**
 * The completion record of the most recent `execute`, as a Float64Array record (like a DSA
 * completion record): status, bytes completed, faulting address, and the op's result —
 * compare / compare-pattern: offset of the first difference, -1 if equal; crc32c: the CRC.
 */
export const C = { status: 0, bytesCompleted: 1, faultAddress: 2, result: 3, faultWrite: 4, width: 5 } as const;

/** faultIn's answer: the fault was resolved, redo the page step. */
const RETRY = 1;
/** Page requests one logical descriptor may make before its fault stands. */
const MAX_FAULT_RETRIES = 64;
/** Most pages one copy may coalesce (bounds how long a copy window stays open). */
const MAX_RUN_PAGES = 64;

/** Address of page k of a run that starts at `start` (pages after the first are whole). */
function pageAddress(start: number, k: number): number {
  return k === 0 ? start : start - (start - Math.floor(start / PAGE_SIZE) * PAGE_SIZE) + k * PAGE_SIZE;
}

/** pageRequest's answer when the page-request queue was full (auto-answered SUCCESS). */
const PRQ_FULL = -1;
/** Back-off before retrying after a PRQ overflow, ms. */
const OVERFLOW_BACKOFF_MS = 0.05;
/** A device waits at most this long for a page response before declaring the kernel dead. */
const RESPONSE_TIMEOUT_MS = 30_000;

function faultToStatus(fault: number): number {
  switch (fault) {
    case Fault.permission:
      return Status.permissionFault;
    case Fault.noAttachment:
      return Status.noAttachment;
    case Fault.responseInvalid:
      return Status.faultInvalid;
    case Fault.responseFailure:
      return Status.faultFailure;
    case Fault.partial:
      return Status.pageFault;
    default:
      return Status.translationFault;
  }
}

export class DeviceEngine {
  readonly translator: Translator;
  readonly workload: Workload;
  readonly completion = new Float64Array(C.width);
  readonly opCounts = new Float64Array(OP_NAMES.length);
  readonly opBytes = new Float64Array(OP_NAMES.length);
  firstIntegrityFailure: IntegrityFailure | undefined;
  firstViolation: Violation | undefined;

  private readonly dev: DeviceViews;
  private readonly bytes: Uint8Array;
  private readonly words: Int32Array;
  private readonly counters: Float64Array;
  private readonly pasid: number;
  private readonly desc: Descriptor = newDescriptor();
  private readonly sub: Descriptor = newDescriptor();
  private readonly crcState = new Int32Array(1);
  /** The run being copied: frames and generations of its source (A) and destination (B) pages. */
  private readonly runPfnA = new Int32Array(MAX_RUN_PAGES);
  private readonly runGenA = new Int32Array(MAX_RUN_PAGES);
  private readonly runPfnB = new Int32Array(MAX_RUN_PAGES);
  private readonly runGenB = new Int32Array(MAX_RUN_PAGES);
  /** Start addresses of the run being checked: [source, destination]. */
  private readonly runStart = new Float64Array(2);
  private readonly copySeq: Int32Array;
  private readonly drainWaiter: Int32Array;
  private copySeqLocal = 0;
  private readonly generation: Int32Array;
  private readonly checker: boolean;
  private readonly deviceId: string;
  private readonly devtlbInvLoops: number;
  private readonly mmSeq: Int32Array;
  private readonly pasidDomain: Int32Array;
  private readonly pri: boolean;
  private readonly blockOnFault: boolean;
  private readonly prqEntries: number;
  private readonly iommuPeers: DeviceViews[];
  private readonly pageRequestLoops: number;
  private readonly pageResponseLoops: number;
  private nextGroup = 0;
  private readonly openLoop: boolean;
  private readonly rateOpsPerSec: number;
  private readonly poisson: boolean;
  private readonly rng: Rng;
  private nextIntendedMs = 0;
  private actualStartMs = 0;
  private readonly pattern = new Uint8Array(8);
  private scratchA: Uint8Array;
  private scratchB: Uint8Array;
  private readonly sampleEvery: number;
  private readonly sink: LatencySink;
  private readonly nowMs: () => number;
  private readonly queueDepth: number;
  private readonly limit: number;
  private readonly batchSize: number;
  /** Submit timestamps (ms, performance.now) of outstanding descriptors, a ring of queueDepth. */
  private readonly submitMs: Float64Array;
  private queueHead = 0;
  private lastCompletionMs = 0;
  private needsTouch = false;
  private resubmitting = false;
  private opFaulted = false;
  private faultRetries = 0;
  private overflowSinceMs = 0;
  private sample = false;
  private seqBefore = 0;
  private outstanding = 0;
  private submitted = 0;
  private completed = 0;
  private invHead = 0;

  constructor(o: EngineOptions) {
    const m = o.machine;
    this.dev = m.devices[o.index]!;
    this.translator = new Translator(
      m.mem,
      m.domains,
      m.iommus[o.iommu]!,
      o.iommu,
      this.dev,
      o.ats,
      loopsFor(o.costs?.iotlbMissWalkNs ?? 0),
    );
    this.copySeq = this.dev.copySeq;
    this.drainWaiter = this.dev.drainWaiter;
    this.copySeqLocal = Atomics.load(this.copySeq, 0);
    if (this.copySeqLocal % 2 !== 0) this.copySeqLocal++;
    this.generation = m.mem.generation;
    this.checker = o.checker ?? true;
    this.deviceId = o.deviceId ?? `device ${o.index}`;
    this.devtlbInvLoops = loopsFor(o.costs?.devtlbInvalidationNs ?? 0);
    this.mmSeq = m.domains.mmSeq;
    this.pasidDomain = this.dev.pasidDomain;
    this.rateOpsPerSec = o.rateOpsPerSec ?? 0;
    this.openLoop = this.rateOpsPerSec > 0;
    this.poisson = o.arrival === 'poisson';
    this.rng = o.rng;
    this.pri = o.pri ?? false;
    this.blockOnFault = o.blockOnFault ?? true;
    this.prqEntries = o.prqEntries ?? 2048;
    this.iommuPeers = m.devices.filter((_, i) => m.shape.devices[i]!.iommu === o.iommu);
    this.pageRequestLoops = loopsFor(o.costs?.pageRequestNs ?? 0);
    this.pageResponseLoops = loopsFor(o.costs?.pageResponseNs ?? 0);
    this.workload = new Workload(o.workload, o.region, o.rng);
    this.bytes = m.mem.bytes;
    this.words = m.mem.words;
    this.counters = this.dev.counters;
    this.pasid = o.pasid;
    for (let j = 0; j < 8; j++) {
      this.pattern[j] = (j < 4 ? this.workload.patternLo >>> (8 * j) : this.workload.patternHi >>> (8 * (j - 4))) & 0xff;
    }
    this.scratchA = new Uint8Array(this.workload.maxSizeBytes);
    this.scratchB = new Uint8Array(this.workload.maxSizeBytes);
    this.sampleEvery = o.integritySampleEvery;
    this.sink = o.sink;
    this.nowMs = o.nowMs ?? performance.now.bind(performance);
    this.queueDepth = o.workload.queueDepth;
    this.limit = o.workload.descriptors ?? Infinity;
    this.batchSize = o.workload.batchSize;
    this.submitMs = new Float64Array(this.queueDepth);
    this.invHead = Atomics.load(this.dev.invRing.head, 0);
  }

  get completedCount(): number {
    return this.completed;
  }

  /** True once every descriptor this device will ever submit has completed. */
  get finished(): boolean {
    return this.outstanding === 0 && (this.submitted >= this.limit || Atomics.load(this.dev.stop, 0) !== 0);
  }

  // ---- the closed loop -------------------------------------------------------------------

  /**
   * Run until `untilMs` (performance.now) or until finished. After the stop flag is raised no
   * new descriptor is submitted, but every outstanding one still completes with a status.
   * Returns true when finished.
   */
  runUntil(untilMs: number): boolean {
    const stop = this.dev.stop;
    const c = this.counters;
    for (;;) {
      if (this.needsTouch) return false;
      const now = this.nowMs();
      if (this.resubmitting) {
        // The remainder of a partially completed descriptor: same slot, same submit time.
        this.resubmitting = false;
      } else {
        if (this.openLoop) {
          // Open loop: the next descriptor is due at its intended start; wait for it (sleeping,
          // so a device with spare time yields its core), or issue at once when behind.
          if (Atomics.load(stop, 0) !== 0 || this.submitted >= this.limit) return true;
          if (this.nextIntendedMs === 0) this.nextIntendedMs = now;
          const due = this.nextIntendedMs;
          if (now < due) {
            if (due > untilMs) return false; // let the worker yield; come back on time
            this.waitUntil(due);
            continue;
          }
          this.submitMs[this.queueHead] = due; // latency runs from the intended start
          this.actualStartMs = now;
          this.outstanding = 1;
          this.submitted++;
          this.nextIntendedMs =
            due + (this.poisson ? (-Math.log(1 - nextFloat(this.rng)) * 1000) / this.rateOpsPerSec : 1000 / this.rateOpsPerSec);
        } else {
          if (Atomics.load(stop, 0) === 0) {
            while (this.outstanding < this.queueDepth && this.submitted < this.limit) {
              this.submitMs[(this.queueHead + this.outstanding) % this.queueDepth] = now;
              this.outstanding++;
              this.submitted++;
            }
          }
          if (this.outstanding === 0) return true;
          this.actualStartMs = now;
        }
        this.workload.next(this.desc);
        this.opFaulted = false;
        this.faultRetries = 0;
        this.overflowSinceMs = 0;
        this.sample = this.sampleEvery > 0 && (this.completed + 1) % this.sampleEvery === 0;
        this.seqBefore = this.sample ? this.mappingSeq() : 0;
      }
      c[Counter.submitted]!++;
      const status = this.execute(this.desc);
      c[Counter.completed]!++;
      c[Counter.statusBase + status]!++;
      if (status === Status.pageFault && this.desc[D.op] !== Op.batch) {
        // Partial completion: software touches the page (worker: kernel RPC), then resubmits.
        c[Counter.partialCompletions]!++;
        this.opFaulted = true;
        this.needsTouch = true;
        return false;
      }
      this.completeLogical(status);
      if (this.lastCompletionMs >= untilMs) return this.finished;
    }
  }

  /**
   * Open loop: wait until `dueMs` without spinning a core away — sleep on the doorbell (the
   * kernel's messages and the stop flag wake it), applying invalidations; spin only the last
   * few microseconds.
   */
  private waitUntil(dueMs: number): void {
    const v = this.dev;
    for (;;) {
      const left = dueMs - this.nowMs();
      if (left <= 0 || Atomics.load(v.stop, 0) !== 0) return;
      if (left > 0.02) {
        const seen = Atomics.load(v.doorbell, 0);
        this.pollInvalidations();
        Atomics.wait(v.doorbell, 0, seen, Math.min(left - 0.01, 5));
      }
    }
  }

  /** A partial completion is waiting for its software touch (see `touched`). */
  get awaitingTouch(): boolean {
    return this.needsTouch;
  }

  /** The fault address and access of the partial completion awaiting a software touch. */
  get touchRequest(): { address: number; write: boolean } {
    return { address: this.completion[C.faultAddress]!, write: this.completion[C.faultWrite] === 1 };
  }

  /**
   * After a partial completion: the submitting software touched the page (`ok`: the kernel
   * populated it) and resubmits the remainder from the bytes already completed; or it could
   * not (no VMA, read-only), and the descriptor ends with its page-fault status.
   */
  touched(ok: boolean): void {
    if (!this.needsTouch) throw new Error('bug: touched() without a pending partial completion');
    this.needsTouch = false;
    if (ok) {
      this.counters[Counter.touchesOk]!++;
      this.desc[D.startOffset] = this.completion[C.bytesCompleted]!;
      this.resubmitting = true;
    } else {
      this.counters[Counter.touchesFailed]!++;
      this.completeLogical(Status.pageFault);
    }
  }

  /** Complete the current logical descriptor (its first submit to now). */
  private completeLogical(status: number): void {
    const c = this.counters;
    const now = this.nowMs();
    this.lastCompletionMs = now;
    const latencyNs = Math.round((now - this.submitMs[this.queueHead]!) * 1e6);
    // Open loop: also the service time from the actual submission (coordinated omission not
    // corrected); closed loop reports -1 (the submit time is the actual one).
    const uncorrectedNs = this.openLoop ? Math.round((now - this.actualStartMs) * 1e6) : -1;
    if (this.openLoop) {
      this.queueHead = 0;
    } else {
      this.queueHead = (this.queueHead + 1) % this.queueDepth;
    }
    this.outstanding--;
    this.completed++;
    const op = this.desc[D.op]!;
    this.opCounts[op]!++;
    this.opBytes[op]! += this.completion[C.bytesCompleted]!;
    c[Counter.opsCompleted] = this.completed;
    c[Counter.bytes]! += this.completion[C.bytesCompleted]!;
    if (this.opFaulted) c[Counter.faultedOps]!++;
    if ((op === Op.compare || op === Op.comparePattern) && this.completion[C.result]! >= 0) c[Counter.compareMismatches]!++;
    this.sink.record(op, latencyNs, this.opFaulted, uncorrectedNs);
    if (this.sample && status === Status.success) {
      // Skipped (and counted) if the kernel changed mappings while the descriptor ran.
      this.verify(this.desc, this.seqBefore);
    }
  }

  /** Mark the device running; apply invalidations posted while it was idle first. */
  begin(): void {
    this.pollInvalidations();
    Atomics.store(this.dev.state, 0, DeviceState.running);
    this.pollInvalidations();
  }

  /** Mark the device done; apply (and acknowledge) anything posted meanwhile. */
  end(): void {
    Atomics.store(this.dev.state, 0, DeviceState.done);
    this.pollInvalidations();
  }

  // ---- invalidations ---------------------------------------------------------------------

  /** Apply every pending device-TLB invalidation, then acknowledge the last one. Cheap if none. */
  pollInvalidations(): void {
    const ring = this.dev.invRing;
    if (Atomics.load(ring.tail, 0) === this.invHead) return;
    const t = this.dev.devtlb;
    let lastSeq = -1;
    while (ring.available() > 0) {
      const s = ring.peek();
      const pasid = ring.slots[s + InvRecord.pasid]!;
      const start = ring.slots[s + InvRecord.vpnStart]!;
      const end = ring.slots[s + InvRecord.vpnEnd]!;
      lastSeq = ring.slots[s + InvRecord.seq]!;
      for (let set = 0; set < t.sets; set++) t.invalidateInSet(set, 0, pasid, start, end);
      if (this.devtlbInvLoops > 0) spinLoops(this.devtlbInvLoops);
      ring.consume();
      this.counters[Counter.devtlbInvalidations]!++;
    }
    this.invHead = Atomics.load(ring.head, 0);
    if (lastSeq >= 0) {
      Atomics.store(this.dev.invAck, 0, lastSeq);
      Atomics.notify(this.dev.invAck, 0);
    }
  }

  // ---- descriptor execution --------------------------------------------------------------

  /** Execute one descriptor (a batch executes its sub-descriptors). Returns its status. */
  execute(d: Descriptor): number {
    if (d[D.op] === Op.batch) {
      const status = this.batch();
      this.completion[C.status] = status;
      return status;
    }
    return this.executeOne(d);
  }

  /** Execute one non-batch descriptor. (Kept separate so batch never recurses into execute.) */
  private executeOne(d: Descriptor): number {
    const cpl = this.completion;
    cpl[C.bytesCompleted] = 0;
    cpl[C.faultAddress] = 0;
    cpl[C.result] = -1;
    let status: number;
    switch (d[D.op]) {
      case Op.memmove:
        status = this.memmove(d);
        break;
      case Op.fill:
        status = this.fill(d);
        break;
      case Op.compare:
        status = this.compare(d);
        break;
      case Op.comparePattern:
        status = this.comparePattern(d);
        break;
      case Op.crc32c:
        status = this.crc32c(d);
        break;
      default:
        throw new Error(`bug: unknown op ${d[D.op]}`);
    }
    cpl[C.status] = status;
    return status;
  }

  // ---- I/O page faults ---------------------------------------------------------------------

  /**
   * A translation fault in a page step. Without PRI it stands (and an identity-domain range
   * error always does). With PRI and block-on-fault the engine leaves the copy window, sends a
   * page request and stalls until the group response: SUCCESS → RETRY the step (the copy
   * window is closed; the loop re-enters it and translates again); INVALID / FAILURE end the
   * descriptor. With PRI but no block-on-fault: stop for a partial completion.
   */
  private faultIn(code: number, address: number, write: boolean): number {
    const r = this.resolveFault(code, address, write);
    if (r !== RETRY) {
      // The fault stands: the completion record names where (see fault()).
      this.completion[C.faultAddress] = address;
      this.completion[C.faultWrite] = write ? 1 : 0;
    }
    return r;
  }

  private resolveFault(code: number, address: number, write: boolean): number {
    if (!this.pri || code === Fault.outOfRange) return code;
    this.opFaulted = true;
    if (!this.blockOnFault) return Fault.partial;
    if (this.faultRetries >= MAX_FAULT_RETRIES) return code;
    this.exitCopy();
    const response = this.pageRequest(Math.floor(address / PAGE_SIZE), write);
    if (response === PRQ_FULL) {
      // Not answered by the kernel, so not counted against the retry limit; bounded in time.
      if (this.overflowSinceMs === 0) this.overflowSinceMs = performance.now();
      else if (performance.now() - this.overflowSinceMs > RESPONSE_TIMEOUT_MS) {
        this.enterCopy();
        return code;
      }
      return RETRY;
    }
    this.faultRetries++;
    this.overflowSinceMs = 0;
    if (response === PageResponse.success) return RETRY;
    this.enterCopy(); // the caller's fault() closes it
    return response === PageResponse.invalid ? Fault.responseInvalid : Fault.responseFailure;
  }

  /** Send a one-request page group and wait for its response code (slow path). */
  private pageRequest(vpn: number, write: boolean): number {
    const c = this.counters;
    let used = 0;
    for (const peer of this.iommuPeers) used += (Atomics.load(peer.prqRing.tail, 0) - Atomics.load(peer.prqRing.head, 0)) | 0;
    if (used + 1 > this.prqEntries) {
      // The IOMMU's page-request queue is full: it answers SUCCESS for the device, which
      // retries the access (and faults again) a little later. Back off by sleeping briefly on
      // the doorbell (applying invalidations) rather than spinning on a shared core.
      c[Counter.prqOverflows]!++;
      const seen = Atomics.load(this.dev.doorbell, 0);
      this.pollInvalidations();
      Atomics.wait(this.dev.doorbell, 0, seen, OVERFLOW_BACKOFF_MS);
      return PRQ_FULL;
    }
    if (used + 1 > c[Counter.prqHighWater]!) c[Counter.prqHighWater] = used + 1;
    if (this.pageRequestLoops > 0) spinLoops(this.pageRequestLoops);
    const ring = this.dev.prqRing;
    const slot = ring.reserve();
    if (slot < 0) throw new Error('bug: page-request ring full with one group in flight');
    const group = this.nextGroup;
    this.nextGroup = (this.nextGroup + 1) & 511; // PRG index: 9 bits
    ring.slots[slot + PrqRecord.group] = group;
    ring.slots[slot + PrqRecord.pasid] = this.pasid;
    ring.slots[slot + PrqRecord.vpn] = vpn;
    ring.slots[slot + PrqRecord.write] = write ? 1 : 0;
    ring.slots[slot + PrqRecord.last] = 1;
    ring.slots[slot + PrqRecord.timeMs] = performance.timeOrigin + performance.now();
    ring.publish();
    c[Counter.pageRequests]!++;
    c[Counter.pageGroups]!++;
    const code = this.awaitResponse(group);
    if (this.pageResponseLoops > 0) spinLoops(this.pageResponseLoops);
    if (code === PageResponse.success) c[Counter.responsesSuccess]!++;
    else if (code === PageResponse.invalid) c[Counter.responsesInvalid]!++;
    else c[Counter.responsesFailure]!++;
    return code;
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
      this.pollInvalidations();
      if (ring.available() > 0) continue;
      Atomics.wait(v.doorbell, 0, seen, 5);
      if (performance.now() > deadline) {
        throw new Error(`no page response from the kernel within ${RESPONSE_TIMEOUT_MS / 1000} s`);
      }
    }
  }

  /** Record a fault after `done` bytes (the caller has written C.faultAddress); ends the copy window. */
  private fault(code: number, done: number): number {
    this.exitCopy();
    this.completion[C.bytesCompleted] = done;
    return faultToStatus(code);
  }

  // ---- the copy window and the checker ----------------------------------------------------
  //
  // Every page step — its translations and its copy — runs inside a copy window: `copySeq`
  // is odd while it is open. The kernel's drain waits for an open window to close before an
  // invalidation completes, so no copy that obtained an old translation outlives it.
  // Device-TLB invalidations are applied only between windows.

  private enterCopy(): void {
    Atomics.store(this.copySeq, 0, ++this.copySeqLocal);
  }

  private exitCopy(): void {
    Atomics.store(this.copySeq, 0, ++this.copySeqLocal);
    if (Atomics.load(this.drainWaiter, 0) !== 0) Atomics.notify(this.copySeq, 0);
  }

  /** Checker: the frame still has the generation its translation was filled with. */
  private fresh(pfn: number, gen: number): boolean {
    return Atomics.load(this.generation, pfn) === gen;
  }

  /** Record a use-after-free DMA (slow path; the first one is kept with its details). */
  private violation(pfn: number, gen: number, address: number, phase: 'before' | 'after'): void {
    this.counters[Counter.checkerViolations]!++;
    this.firstViolation ??= {
      device: this.deviceId,
      pasid: this.pasid,
      address,
      pfn,
      translationGeneration: gen,
      frameGeneration: Atomics.load(this.generation, pfn),
      phase,
    };
  }

  private memmove(desc: Descriptor): number {
    const src = desc[D.src]!;
    const dst = desc[D.dst]!;
    const size = desc[D.sizeBytes]!;
    const tr = this.translator;
    const chk = this.checker;
    const runA = this.runPfnA;
    const runAG = this.runGenA;
    const runB = this.runPfnB;
    const runBG = this.runGenB;
    let done = desc[D.startOffset]!;
    while (done < size) {
      // One copy window: translate a run of pages whose frames are contiguous on both sides
      // (each page translated and checked on its own), then copy the run at once.
      this.enterCopy();
      let pages = 0;
      let runBytes = 0;
      let sPa = 0;
      let dPa = 0;
      // Page numbers and offsets advance incrementally (no division per page).
      const s0 = src + done;
      const d0 = dst + done;
      let sVpn = Math.floor(s0 / PAGE_SIZE);
      let dVpn = Math.floor(d0 / PAGE_SIZE);
      let sOff = s0 - sVpn * PAGE_SIZE;
      let dOff = d0 - dVpn * PAGE_SIZE;
      while (done + runBytes < size && pages < MAX_RUN_PAGES) {
        const n = Math.min(size - done - runBytes, PAGE_SIZE - sOff, PAGE_SIZE - dOff);
        const sp = tr.translateFast(this.pasid, sVpn, false);
        if (sp < 0) {
          if (pages > 0) break; // copy what is translated; fault on the next round
          const r = this.faultIn(sp, s0 + runBytes, false);
          if (r === RETRY) break;
          return this.fault(r, done);
        }
        const sg = tr.gen;
        const dp = tr.translateFast(this.pasid, dVpn, true);
        if (dp < 0) {
          if (pages > 0) break;
          const r = this.faultIn(dp, d0 + runBytes, true);
          if (r === RETRY) break;
          return this.fault(r, done);
        }
        const dg = tr.gen;
        if (pages === 0) {
          sPa = sp * PAGE_SIZE + sOff;
          dPa = dp * PAGE_SIZE + dOff;
        } else if (sp * PAGE_SIZE + sOff !== sPa + runBytes || dp * PAGE_SIZE + dOff !== dPa + runBytes) {
          break; // not contiguous: this page starts the next run
        }
        runA[pages] = sp;
        runAG[pages] = sg;
        runB[pages] = dp;
        runBG[pages] = dg;
        pages++;
        runBytes += n;
        sOff += n;
        if (sOff === PAGE_SIZE) {
          sOff = 0;
          sVpn++;
        }
        dOff += n;
        if (dOff === PAGE_SIZE) {
          dOff = 0;
          dVpn++;
        }
      }
      if (pages === 0) continue; // a fault was resolved (copy window already closed): retry
      if (chk) {
        this.runStart[0] = src + done;
        this.runStart[1] = dst + done;
        this.checkRun(pages, true, false);
      }
      this.bytes.copyWithin(dPa, sPa, sPa + runBytes);
      if (chk) this.checkRun(pages, true, true);
      this.exitCopy();
      done += runBytes;
      this.completion[C.bytesCompleted] = done;
      this.pollInvalidations();
    }
    return Status.success;
  }

  private fill(desc: Descriptor): number {
    const dst = desc[D.dst]!;
    const size = desc[D.sizeBytes]!;
    const tr = this.translator;
    const chk = this.checker;
    const b = this.bytes;
    const runB = this.runPfnB;
    const runBG = this.runGenB;
    let done = desc[D.startOffset]!;
    while (done < size) {
      this.enterCopy();
      let pages = 0;
      let runBytes = 0;
      let dPa = 0;
      while (done + runBytes < size && pages < MAX_RUN_PAGES) {
        const d = dst + done + runBytes;
        const dOff = d - Math.floor(d / PAGE_SIZE) * PAGE_SIZE;
        const n = Math.min(size - done - runBytes, PAGE_SIZE - dOff);
        const dp = tr.translateFast(this.pasid, (d - dOff) / PAGE_SIZE, true);
        if (dp < 0) {
          if (pages > 0) break;
          const r = this.faultIn(dp, d, true);
          if (r === RETRY) break;
          return this.fault(r, done);
        }
        if (pages === 0) dPa = dp * PAGE_SIZE + dOff;
        else if (dp * PAGE_SIZE + dOff !== dPa + runBytes) break;
        runB[pages] = dp;
        runBG[pages] = tr.gen;
        pages++;
        runBytes += n;
      }
      if (pages === 0) continue;
      if (chk) {
        this.runStart[1] = dst + done;
        this.checkRun(pages, false, false);
      }
      // Lay down one period (phase-correct), then double it with copyWithin.
      const first = Math.min(runBytes, 8);
      for (let j = 0; j < first; j++) b[dPa + j] = this.pattern[(done + j) & 7]!;
      let filled = first;
      while (filled < runBytes) {
        const chunk = Math.min(filled, runBytes - filled);
        b.copyWithin(dPa + filled, dPa, dPa + chunk);
        filled += chunk;
      }
      if (chk) this.checkRun(pages, false, true);
      this.exitCopy();
      done += runBytes;
      this.completion[C.bytesCompleted] = done;
      this.pollInvalidations();
    }
    return Status.success;
  }

  /**
   * Checker over a run: every source page (runPfnA, if `hasSource`) and destination page
   * (runPfnB) still has the generation its translation carried. The run's start addresses are
   * in `runStart` (a record, so no float crosses the call); they are used only on a violation.
   */
  private checkRun(pages: number, hasSource: boolean, after: boolean): void {
    // Plain loads: the kernel bumps generations with Atomics.add; a stale read here could only
    // miss a violation, never invent one, and the copy (a call) between the two checks forces
    // fresh loads. (Atomics.load cost ~10 ns per check on the hot path.)
    const g = this.generation;
    const phase = after ? 'after' : 'before';
    for (let k = 0; k < pages; k++) {
      if (hasSource && g[this.runPfnA[k]!] !== this.runGenA[k]) {
        this.violation(this.runPfnA[k]!, this.runGenA[k]!, pageAddress(this.runStart[0]!, k), phase);
      }
      if (g[this.runPfnB[k]!] !== this.runGenB[k]) {
        this.violation(this.runPfnB[k]!, this.runGenB[k]!, pageAddress(this.runStart[1]!, k), phase);
      }
    }
    if (after) this.counters[Counter.checkerPages]! += hasSource ? 2 * pages : pages;
  }

  private compare(desc: Descriptor): number {
    const a = desc[D.src]!;
    const bAddr = desc[D.dst]!;
    const size = desc[D.sizeBytes]!;
    const tr = this.translator;
    const chk = this.checker;
    const b = this.bytes;
    const w = this.words;
    let done = desc[D.startOffset]!;
    while (done < size) {
      const x = a + done;
      const y = bAddr + done;
      const xOff = x % PAGE_SIZE;
      const yOff = y % PAGE_SIZE;
      const n = Math.min(size - done, PAGE_SIZE - xOff, PAGE_SIZE - yOff);
      this.enterCopy();
      const xp = tr.translateFast(this.pasid, (x - xOff) / PAGE_SIZE, false);
      if (xp < 0) {
        const r = this.faultIn(xp, x, false);
        if (r === RETRY) continue;
        return this.fault(r, done);
      }
      const xg = tr.gen;
      const yp = tr.translateFast(this.pasid, (y - yOff) / PAGE_SIZE, false);
      if (yp < 0) {
        const r = this.faultIn(yp, y, false);
        if (r === RETRY) continue;
        return this.fault(r, done);
      }
      const yg = tr.gen;
      if (chk) {
        if (!this.fresh(xp, xg)) this.violation(xp, xg, x, 'before');
        if (!this.fresh(yp, yg)) this.violation(yp, yg, y, 'before');
      }
      const pa = xp * PAGE_SIZE + xOff;
      const pb = yp * PAGE_SIZE + yOff;
      let i = 0;
      if (((pa | pb) & 3) === 0) {
        const wa = pa >>> 2;
        const wb = pb >>> 2;
        const nw = n >>> 2;
        while (i < nw && w[wa + i] === w[wb + i]) i++;
        i <<= 2;
      }
      while (i < n && b[pa + i] === b[pb + i]) i++;
      if (chk) {
        if (!this.fresh(xp, xg)) this.violation(xp, xg, x, 'after');
        if (!this.fresh(yp, yg)) this.violation(yp, yg, y, 'after');
        this.counters[Counter.checkerPages]! += 2;
      }
      this.exitCopy();
      if (i < n) {
        this.completion[C.result] = done + i;
        this.completion[C.bytesCompleted] = done + i;
        return Status.success;
      }
      done += n;
      this.completion[C.bytesCompleted] = done;
      this.pollInvalidations();
    }
    this.completion[C.result] = -1;
    return Status.success;
  }

  private comparePattern(desc: Descriptor): number {
    const a = desc[D.dst]!;
    const size = desc[D.sizeBytes]!;
    const tr = this.translator;
    const chk = this.checker;
    const b = this.bytes;
    const w = this.words;
    const lo = this.workload.patternLo;
    const hi = this.workload.patternHi;
    let done = desc[D.startOffset]!;
    while (done < size) {
      const x = a + done;
      const xOff = x % PAGE_SIZE;
      const n = Math.min(size - done, PAGE_SIZE - xOff);
      this.enterCopy();
      const xp = tr.translateFast(this.pasid, (x - xOff) / PAGE_SIZE, false);
      if (xp < 0) {
        const r = this.faultIn(xp, x, false);
        if (r === RETRY) continue;
        return this.fault(r, done);
      }
      const xg = tr.gen;
      if (chk && !this.fresh(xp, xg)) this.violation(xp, xg, x, 'before');
      const pa = xp * PAGE_SIZE + xOff;
      let i = 0;
      if ((pa & 3) === 0 && (done & 3) === 0) {
        const wa = pa >>> 2;
        const nw = n >>> 2;
        // Word k of this chunk sits at descriptor offset done + 4k: lo when that is ≡ 0 (mod 8).
        let phaseHi = (done & 4) !== 0;
        while (i < nw && w[wa + i] === (phaseHi ? hi : lo)) {
          i++;
          phaseHi = !phaseHi;
        }
        i <<= 2;
      }
      while (i < n && b[pa + i] === this.pattern[(done + i) & 7]) i++;
      if (chk) {
        if (!this.fresh(xp, xg)) this.violation(xp, xg, x, 'after');
        this.counters[Counter.checkerPages]!++;
      }
      this.exitCopy();
      if (i < n) {
        this.completion[C.result] = done + i;
        this.completion[C.bytesCompleted] = done + i;
        return Status.success;
      }
      done += n;
      this.completion[C.bytesCompleted] = done;
      this.pollInvalidations();
    }
    this.completion[C.result] = -1;
    return Status.success;
  }

  private crc32c(desc: Descriptor): number {
    const src = desc[D.src]!;
    const size = desc[D.sizeBytes]!;
    const tr = this.translator;
    const chk = this.checker;
    let done = desc[D.startOffset]!;
    const state = this.crcState;
    if (done === 0) state[0] = CRC32C_INIT; // a resubmitted remainder continues the running CRC
    while (done < size) {
      const s = src + done;
      const sOff = s % PAGE_SIZE;
      const n = Math.min(size - done, PAGE_SIZE - sOff);
      this.enterCopy();
      const sp = tr.translateFast(this.pasid, (s - sOff) / PAGE_SIZE, false);
      if (sp < 0) {
        const r = this.faultIn(sp, s, false);
        if (r === RETRY) continue;
        return this.fault(r, done);
      }
      const sg = tr.gen;
      if (chk && !this.fresh(sp, sg)) this.violation(sp, sg, s, 'before');
      crc32cUpdate(state, this.bytes, sp * PAGE_SIZE + sOff, n);
      if (chk) {
        if (!this.fresh(sp, sg)) this.violation(sp, sg, s, 'after');
        this.counters[Counter.checkerPages]!++;
      }
      this.exitCopy();
      done += n;
      this.completion[C.bytesCompleted] = done;
      this.pollInvalidations();
    }
    this.completion[C.result] = crc32cFinal(state);
    return Status.success;
  }

  private batch(): number {
    const n = this.batchSize;
    let bytes = 0;
    let failed = false;
    for (let i = 0; i < n; i++) {
      this.workload.nextSub(this.sub);
      const st = this.executeOne(this.sub);
      bytes += this.completion[C.bytesCompleted]!;
      if (st !== Status.success) failed = true;
    }
    this.completion[C.bytesCompleted] = bytes;
    this.completion[C.faultAddress] = 0;
    this.completion[C.result] = -1;
    return failed ? Status.batchFail : Status.success;
  }

  /** The mapping seqcount of the domain this device's PASID is attached to (0 if none). */
  private mappingSeq(): number {
    const domain = Atomics.load(this.pasidDomain, this.pasid) - 1;
    return domain < 0 ? 0 : Atomics.load(this.mmSeq, domain);
  }

  // ---- integrity sampling ----------------------------------------------------------------

  /**
   * Check the descriptor just completed against a plain reference computation over a fresh,
   * uncached walk of the same addresses. Runs on one descriptor in `integritySampleEvery`.
   * With `seqBefore` (the mapping seqcount when the descriptor started), a descriptor that
   * overlapped a mapping change is counted as skipped instead (remapped pages hold other bytes).
   */
  verify(d: Descriptor, seqBefore = -1): void {
    const op = d[D.op]!;
    if (op === Op.batch) return;
    const n = d[D.sizeBytes]!;
    const src = d[D.src]!;
    const dst = d[D.dst]!;
    if (n > this.scratchA.length) {
      // Only descriptors built by hand (tests) exceed the workload's largest transfer.
      this.scratchA = new Uint8Array(n);
      this.scratchB = new Uint8Array(n);
    }
    const A = this.scratchA;
    const B = this.scratchB;
    let ok = true;
    let detail = '';
    const result = this.completion[C.result]!;
    switch (op) {
      case Op.memmove: {
        if (!this.readReference(src, A, n) || !this.readReference(dst, B, n)) return;
        for (let i = 0; i < n; i++) {
          if (A[i] !== B[i]) {
            ok = false;
            detail = `destination differs from source at offset ${i}`;
            break;
          }
        }
        break;
      }
      case Op.fill: {
        if (!this.readReference(dst, B, n)) return;
        for (let i = 0; i < n; i++) {
          if (B[i] !== this.pattern[i & 7]) {
            ok = false;
            detail = `byte ${i} is not the fill pattern`;
            break;
          }
        }
        break;
      }
      case Op.compare: {
        if (!this.readReference(src, A, n) || !this.readReference(dst, B, n)) return;
        let first = -1;
        for (let i = 0; i < n; i++) {
          if (A[i] !== B[i]) {
            first = i;
            break;
          }
        }
        if (first !== result) {
          ok = false;
          detail = `compare reported ${result}, reference says ${first}`;
        }
        break;
      }
      case Op.comparePattern: {
        if (!this.readReference(dst, B, n)) return;
        let first = -1;
        for (let i = 0; i < n; i++) {
          if (B[i] !== this.pattern[i & 7]) {
            first = i;
            break;
          }
        }
        if (first !== result) {
          ok = false;
          detail = `compare-pattern reported ${result}, reference says ${first}`;
        }
        break;
      }
      case Op.crc32c: {
        if (!this.readReference(src, A, n)) return;
        const ref = crc32cReference(A, 0, n);
        if (ref !== result) {
          ok = false;
          detail = `crc32c reported ${result}, reference says ${ref}`;
        }
        break;
      }
    }
    if (seqBefore >= 0 && (seqBefore % 2 !== 0 || this.mappingSeq() !== seqBefore)) {
      this.counters[Counter.integritySkipped]!++;
      return;
    }
    this.counters[Counter.integrityChecked]!++;
    if (!ok) {
      this.counters[Counter.integrityFailed]!++;
      this.firstIntegrityFailure ??= {
        descriptor: this.completed,
        op: OP_NAMES[op]!,
        address: op === Op.crc32c ? src : dst,
        detail,
      };
    }
  }

  /** Copy `n` bytes at device address `addr` into `out` through an uncached walk. */
  private readReference(addr: number, out: Uint8Array, n: number): boolean {
    let done = 0;
    while (done < n) {
      const a = addr + done;
      const off = a % PAGE_SIZE;
      const len = Math.min(n - done, PAGE_SIZE - off);
      const pfn = this.translator.referenceTranslate(this.pasid, (a - off) / PAGE_SIZE);
      if (pfn < 0) return false;
      const pa = pfn * PAGE_SIZE + off;
      for (let i = 0; i < len; i++) out[done + i] = this.bytes[pa + i]!;
      done += len;
    }
    return true;
  }
}
