/**
 * A DSA- or IAA-like device engine: the loop that keeps a device busy. It draws descriptors from the
 * workload (workload.ts), keeps `queueDepth` of them outstanding (closed loop) or issues them on
 * a schedule of intended start times (open loop), executes each one (page-run.ts; a batch
 * executes its sub-descriptors), and completes it: counters, per-op counts and bytes, the
 * latency sink, the sampled integrity check (verify.ts).
 *
 * Models: by default one engine executing descriptors in order (queueing delay is what the closed loop
 * measures); the ops of ops.ts and batch; completion statuses as values (layout/status.ts) with
 * bytes completed and the fault address (completion.ts); PRI page requests with block-on-fault,
 * or partial completion followed by the submitting software's touch of the page (the worker asks
 * the kernel through the control plane, `touchRequest` / `touched`) and a resubmission of the
 * remainder; device-TLB invalidations applied between copy windows (invalidations.ts).
 * Latency runs from submission (closed loop) or from the intended start (open loop, corrected
 * for coordinated omission; the uncorrected service time is reported beside it).
 * Engines and a shared work queue (modelled time, `stepQueued`): with `engines` > 1 or a shared
 * WQ, descriptors reach the queue in order of arrival from every submitter's closed loop — the
 * attach's process and `submitters`, each with its PASID and workload — a shared WQ admitting
 * them as its entries allow (ENQCMD retries, wq.ts); each is dispatched to the engine that frees
 * first, at the later of its admission and that engine's free time, and runs there. Descriptors
 * run one after another on this thread, so the clock goes back to a later descriptor's start
 * when another engine was free before the previous one ended (vtime.ts `rewindToTarget`), never
 * below the last park. Latency, the closed loop's next arrival and the engine's next free time
 * are the descriptor's own end. An interval's figures may include a descriptor that completed up
 * to one service time before the interval began (it ran after a later one on this thread).
 * Leaves out: batch-list fetch through translation, several WQs and engine groups per device,
 * kernel clients and open loops on a device with several engines or a shared WQ.
 *
 * Modelled time (`runModelled`, design.md §6): a descriptor arriving at `a` (closed loop: when
 * its slot's previous descriptor completed; open loop: its intended start) starts at
 * max(a + submitNs, engine free), costs descriptorNs, then its pages (page-run.ts: translation
 * by outcome, bytes ÷ bandwidth), then completionNs; latency = completion − a in virtual ns, so
 * the open loop's coordinated-omission correction falls out. A partial completion's touch goes
 * to the kernel through the page-request ring (pri.ts) and the remainder is resubmitted.
 * Intervals are virtual-time slices closed by the completion that crosses their end.
 *
 * Hot path rule: per descriptor and per page, only typed arrays, Atomics and preallocated
 * records — no messages, promises or allocation.
 */

import { Rng, nextFloat } from '../common/rng.js';
import { deviceIommus } from '../layout/barrier.js';
import { Counter, DeviceState, type DeviceViews, KbufRecord, KdoneRecord, SubmitterCounter, SyncState } from '../layout/device.js';
import type { MachineViews } from '../layout/machine.js';
import { IAA_MAX_TRANSFER_BYTES, OP_CODE_COUNT, OP_COUNT, Op } from '../layout/ops.js';
import type { DeviceSpec, IntegrityFailure, ViolationReport } from '../layout/protocol.js';
import { Status, type StatusCode } from '../layout/status.js';
import { C, newCompletionRecord, startCompletion } from './completion.js';
import { CompoundOps } from './compound.js';
import { D, type Descriptor, newDescriptor } from './descriptor.js';
import { DevtlbInvalidations } from './invalidations.js';
import { OpKernels } from './ops.js';
import { PageRun } from './page-run.js';
import { PageRequester } from './pri.js';
import { loopsFor } from './spin.js';
import { Translator } from './translate.js';
import { IntegrityVerifier } from './verify.js';
import { VirtualTime } from './vtime.js';
import { Workload } from './workload.js';
import { SharedWq } from './wq.js';

/** Rng streams of a shared WQ's further submitters: one per (device, submitter), apart from the devices' own. */
const SUBMITTER_STREAM_BASE = 0x10000;

/** GB/s = bytes per ns → ns per byte (0: unlimited). */
function perByte(gbps: number): number {
  return gbps > 0 ? 1 / gbps : 0;
}

export { C };

/** Where completed-descriptor latencies go (wasm HdrHistograms in a worker). */
export interface LatencySink {
  /**
   * Modelled time: the interval ending at `endNs` (virtual) is complete — every completion before
   * it has been recorded, none after it.
   */
  closeInterval?(endNs: number): void;
  /**
   * A logical descriptor completed; `faulted` if it took at least one page fault. Open loop:
   * `latencyNs` runs from the intended start, `uncorrectedNs` from the actual submission;
   * closed loop: `uncorrectedNs` is -1.
   */
  record(op: number, latencyNs: number, faulted: boolean, uncorrectedNs: number): void;
}

/** What an engine runs in, besides its spec: the machine it attached to, and where latencies go. */
export interface EngineEnvironment {
  readonly machine: MachineViews;
  readonly sink: LatencySink;
  /**
   * Clock in ms (default `performance.now`). Node 20's `performance.now` builds a
   * `process.hrtime()` array per call — the one allocation per descriptor that is not ours;
   * tests substitute an allocation-free clock to prove the rest of the path allocates nothing.
   */
  readonly nowMs?: () => number;
}

/**
 * Completion times kept per kernel client: at least its buffers in flight (a client's queueDepth
 * is at most the device's wqSize, ≤ 1024).
 */
const KERNEL_RING_SLOTS = 1025;

/** `pickShared`'s answers besides a kernel client's index. */
const PICK_PROCESS = -1;
const PICK_WAIT = -2;
const PICK_DONE = -3;

/** `stepShared`: no source in flight. */
const PICK_NONE = -4;

/**
 * Resume points (cooperative parks, vtime.ts): where a step left off when its device parked —
 * `idle`: waiting for its start (idleUntilTarget), `run`: its descriptor executing, `noWork`: idle
 * to the horizon without a submitter.
 */
const Step = { fresh: 0, idle: 1, run: 2, noWork: 3 } as const;
/** `runDescriptor`'s resume points: executing, the software's touch, idle before the resubmission. */
const Desc = { fresh: 0, execute: 1, touch: 2, resubmit: 3 } as const;
/** `runSlice`'s phases. */
const Phase = { start: 0, steps: 1, finish: 2, done: 3 } as const;

/** Modelled time: the indices of `DeviceEngine.loopNs`. */
const LoopNs = { arrival: 0, submit: 1, nextIntended: 2, nextInterval: 3, lastCompletion: 4 } as const;

export class DeviceEngine {
  readonly translator: Translator;
  readonly workload: Workload;
  readonly completion = newCompletionRecord();
  readonly opCounts = new Float64Array(OP_COUNT);
  readonly opBytes = new Float64Array(OP_COUNT);
  /** Modelled time: the descriptor loop's times, ns (LoopNs). */
  private readonly loopNs = new Float64Array(5);
  /** Modelled time, closed loop: when each slot's next descriptor arrives (its previous one's completion), ns. */
  private readonly slotArrivalNs: Float64Array;
  /** Modelled time, closed loop: the slot of the next descriptor. */
  private slot = 0;
  /** Modelled time: the submitter word last taken in (layout/device.ts: PASID + 1; 0, none). */
  private submitterWord: number;

  private readonly dev: DeviceViews;
  private readonly counters: Float64Array;
  private readonly pageRun: PageRun;
  /** Dualcast and the IAA ops: page-run passes and the codecs (compound.ts). */
  private readonly compound: CompoundOps;
  private readonly verifier: IntegrityVerifier;
  private readonly invalidations: DevtlbInvalidations;
  private readonly desc: Descriptor = newDescriptor();
  private readonly sub: Descriptor = newDescriptor();
  private readonly openLoop: boolean;
  private readonly rateOpsPerSec: number;
  private readonly poisson: boolean;
  private readonly rng: Rng;
  private nextIntendedMs = 0;
  private actualStartMs = 0;
  private readonly sampleEvery: number;
  private readonly sink: LatencySink;
  private readonly nowMs: () => number;
  private readonly queueDepth: number;
  private readonly limit: number;
  /** Submit timestamps (ms) of outstanding descriptors, a ring of queueDepth. */
  private readonly submitMs: Float64Array;
  private queueHead = 0;
  private lastCompletionMs = 0;
  private needsTouch = false;
  private resubmitting = false;
  private sample = false;
  private seqBefore = 0;
  /**
   * Cooperative parks (a worker thread running several devices, vtime.ts): where the engine left
   * off. Each level keeps its own resume point and is called again after the release: the run
   * (`phase`), the step (`stepAt`), the descriptor (`descAt`), a batch's sub-descriptor
   * (`batchAt`, its bytes and failure so far), an op in flight (`oneInFlight`), a kernel-client
   * or shared step's wait for the kernel (`outerWait`), the shared step's source (`sharedPick`),
   * a queued step's engine and slot, a kernel descriptor's buffer.
   */
  private phase: number = Phase.start;
  private stepAt: number = Step.fresh;
  private descAt: number = Desc.fresh;
  private batchAt = -1;
  private batchBytes = 0;
  private batchFailed = false;
  private oneInFlight = false;
  private outerWait = false;
  private sharedPick = PICK_NONE;
  private qEngine = 0;
  private qSlot = 0;
  private kBuffer = 0;
  private outstanding = 0;
  private submitted = 0;
  private completed = 0;
  /** The engine's virtual clock (modelled time) or an idle stand-in (host time). */
  readonly vt: VirtualTime;
  private readonly spec: DeviceSpec;
  private readonly requester: PageRequester | undefined;
  /**
   * `cooperative`: modelled time, a worker thread running several devices — parks do not wait,
   * `runSlice` returns at each (device/vtime.ts).
   */
  constructor(spec: DeviceSpec, env: EngineEnvironment, cooperative = false) {
    const m = env.machine;
    const w = spec.workload;
    this.spec = spec;
    // Modelled time: the first interval ends one interval in (the first intended start is 0).
    this.loopNs[LoopNs.nextInterval] = spec.intervalNs;
    this.dev = m.devices[spec.index]!;
    this.counters = this.dev.counters;
    const ats = m.shape.devices[spec.index]!.ats;
    const costs = spec.costs;
    const modelled = spec.modelled;
    this.invalidations = new DevtlbInvalidations(this.dev, modelled ? 0 : loopsFor(costs.devtlbInvalidationNs), costs.devtlbInvalidationNs);
    this.vt = new VirtualTime(
      this.dev,
      modelled ? m.clock : undefined,
      this.invalidations,
      modelled
        ? { machine: m, deviceIommu: deviceIommus(m), quantumNs: spec.quantumNs, spinLooks: spec.spinLooks, cooperative }
        : undefined,
    );
    this.translator = new Translator(
      m.mem,
      m.domains,
      m.iommus[spec.iommu]!,
      spec.iommu,
      this.dev,
      ats,
      modelled ? 0 : loopsFor(costs.iotlbMissWalkNs),
      modelled
        ? {
            costs: { devtlbHitNs: costs.devtlbHitNs, atsTranslationNs: costs.atsTranslationNs, iotlbHitNs: costs.iotlbHitNs, walkNs: costs.iotlbMissWalkNs },
            clock: this.vt,
            // The only device behind its IOMMU owns the IOTLB between barriers (the kernel writes
            // it only while devices are parked): exact LRU, no overlay, no fill log.
            exclusiveIotlb: m.shape.devices.filter((d) => d.iommu === spec.iommu).length === 1,
          }
        : undefined,
    );
    this.rng = new Rng(spec.seed, spec.index);
    this.workload = new Workload(w, spec.region, this.rng);
    const pattern = new Uint8Array(8);
    for (let j = 0; j < 8; j++) {
      pattern[j] = (j < 4 ? this.workload.patternLo >>> (8 * j) : this.workload.patternHi >>> (8 * (j - 4))) & 0xff;
    }
    const nsPerByte = new Float64Array(OP_CODE_COUNT);
    nsPerByte[Op.memmove] = perByte(costs.memmoveGBps);
    nsPerByte[Op.fill] = perByte(costs.fillGBps);
    nsPerByte[Op.compare] = perByte(costs.compareGBps);
    nsPerByte[Op.comparePattern] = perByte(costs.comparePatternGBps);
    nsPerByte[Op.crc32c] = perByte(costs.crc32cGBps);
    const peers = m.devices.filter((_, i) => m.shape.devices[i]!.iommu === spec.iommu);
    // Page requests (PRI); in modelled time also the path of a partial completion's touch.
    this.requester =
      spec.pri || modelled
        ? new PageRequester(
            this.dev,
            peers,
            spec.prqEntries,
            spec.pasid,
            this.invalidations,
            modelled ? 0 : loopsFor(spec.costs.pageRequestNs),
            modelled ? 0 : loopsFor(spec.costs.pageResponseNs),
            modelled ? { vt: this.vt, requestNs: costs.pageRequestNs, responseNs: costs.pageResponseNs } : undefined,
          )
        : undefined;
    // The driver's PASID stop (before an unbind, modelled time): a device with PRI sends a stop marker.
    const requester = this.requester;
    if (spec.pri && requester) this.invalidations.onStopPasid = (pasid, timeNs) => requester.sendStopMarker(pasid, timeNs);
    // An IAA-like device moves its operands through an input and an output buffer (compound.ts).
    const iaa = spec.iaa;
    const bufferBytes = iaa ? IAA_MAX_TRANSFER_BYTES : 0;
    const input = new Uint8Array(bufferBytes);
    const output = new Uint8Array(bufferBytes);
    this.pageRun = new PageRun({
      translator: this.translator,
      kernels: new OpKernels(m.mem.bytes, m.mem.words, pattern, this.workload.patternLo, this.workload.patternHi, input, output),
      completion: this.completion,
      invalidations: this.invalidations,
      requester: spec.pri ? this.requester : undefined,
      blockOnFault: spec.blockOnFault,
      dev: this.dev,
      generation: m.mem.generation,
      checker: spec.checker,
      deviceId: spec.id,
      pasid: spec.pasid,
      vt: this.vt,
      nsPerByte,
    });

    // The queue's submitters: the attach's process (this workload), then the shared WQ's others.
    this.qWorkloads = [
      this.workload,
      ...spec.submitters.map((s, j) => new Workload(s.workload, s.region, new Rng(spec.seed, SUBMITTER_STREAM_BASE + spec.index * 256 + j))),
    ];
    this.compound = new CompoundOps(
      this.pageRun,
      this.completion,
      nsPerByte,
      { compressNsPerByte: perByte(costs.compressGBps), decompressNsPerByte: perByte(costs.decompressGBps), crc64NsPerByte: perByte(costs.crc64GBps) },
      this.vt,
      this.counters,
      input,
      output,
      iaa,
    );
    this.verifier = new IntegrityVerifier(
      this.translator,
      m.mem.bytes,
      this.counters,
      spec.pasid,
      pattern,
      Math.max(...this.qWorkloads.map((q) => q.maxSizeBytes)),
      this.dev.pasidDomain,
      m.domains.mmSeq,
    );
    this.submitterWord = spec.pasid + 1;
    this.rateOpsPerSec = w.rateOpsPerSec ?? 0;
    this.openLoop = this.rateOpsPerSec > 0;
    this.poisson = w.arrival === 'poisson';
    this.sampleEvery = spec.integritySampleEvery;
    this.sink = env.sink;
    this.nowMs = env.nowMs ?? performance.now.bind(performance);
    this.queueDepth = w.queueDepth;
    this.slotArrivalNs = new Float64Array(Math.max(1, w.queueDepth));
    this.limit = w.descriptors ?? Infinity;
    const clients = spec.kernelClientPasids.length;
    this.kCap = KERNEL_RING_SLOTS;
    this.kPublished = new Int32Array(Math.max(1, clients));
    this.kCompleteNs = new Float64Array(Math.max(1, clients) * this.kCap);
    this.kEnded = new Uint8Array(Math.max(1, clients));
    this.sharedProcess = spec.sharedWithOwnWorkload;
    this.submitMs = new Float64Array(this.queueDepth);
    const sources = [w, ...spec.submitters.map((s) => s.workload)];
    this.queued = modelled && (spec.engines > 1 || spec.wq.shared);
    this.engineFreeNs = new Float64Array(Math.max(1, spec.engines));
    this.wq = spec.wq.shared ? new SharedWq(spec.wq.entries, costs.submitNs) : undefined;
    this.qPasids = Int32Array.from([spec.pasid, ...spec.submitters.map((s) => s.pasid)]);
    this.qLimit = Float64Array.from(sources.map((x) => x.descriptors ?? Infinity));
    this.qSubmitted = new Float64Array(sources.length);
    const slots = sources.reduce((n, x) => n + x.queueDepth, 0);
    this.qSlotArrivalNs = new Float64Array(slots);
    this.qSlotOwner = new Int32Array(slots);
    let k = 0;
    sources.forEach((x, s) => {
      for (let i = 0; i < x.queueDepth; i++) this.qSlotOwner[k++] = s;
    });
  }

  get completedCount(): number {
    return this.completed;
  }

  /** True once every descriptor this device will ever submit has completed. */
  get finished(): boolean {
    return this.outstanding === 0 && (this.submitted >= this.limit || Atomics.load(this.dev.stop, 0) !== 0);
  }

  /** The first integrity failure the sampled checks found. */
  get firstIntegrityFailure(): IntegrityFailure | undefined {
    return this.verifier.firstFailure;
  }

  /** The first use-after-free DMA the checker saw. */
  get firstViolation(): ViolationReport | undefined {
    return this.pageRun.firstViolation;
  }

  // ---- the loop ----------------------------------------------------------------------------

  /**
   * Run until `untilMs` (the engine's clock) or until finished. After the stop flag is raised no
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
        this.pageRun.beginDescriptor();
        this.sample = this.sampleEvery > 0 && (this.completed + 1) % this.sampleEvery === 0;
        this.seqBefore = this.sample ? this.verifier.mappingSeq() : 0;
      }
      c[Counter.submitted]!++;
      const status = this.execute(this.desc);
      c[Counter.completed]!++;
      c[Counter.statusBase + status]!++;
      if (status === Status.pageFault && this.desc[D.op] !== Op.batch) {
        // Partial completion: software touches the page (worker: kernel RPC), then resubmits.
        c[Counter.partialCompletions]!++;
        this.needsTouch = true;
        return false;
      }
      this.completeLogical(status);
      if (this.lastCompletionMs >= untilMs) return this.finished;
    }
  }

  /**
   * Modelled time: run every descriptor this device will submit, on its virtual clock, then stay
   * in the kernel's protocol (applying invalidations) until the stop flag. Returns when stopped.
   */
  runModelled(): void {
    if (!this.runSlice()) throw new Error('bug: a device with blocking parks suspended');
  }

  /**
   * `runModelled`, resumable: with cooperative parks (vtime.ts) it returns false at each park,
   * and is called again once the device has taken in the release; true when the run is over.
   */
  runSlice(): boolean {
    const vt = this.vt;
    if (this.phase === Phase.start) {
      vt.start();
      if (vt.suspended) return false;
      this.phase = Phase.steps;
    }
    if (this.phase === Phase.steps) {
      // One call per descriptor. The step's times live in `loopNs`, a typed array, never in a
      // local carried across calls or an argument of type double (which V8 boxes, a HeapNumber per
      // descriptor, wherever it does not inline): allocation-free whatever V8 decides to inline
      // (test/device/hot-path-no-allocation-modelled.test.ts). A stop ends the run between steps:
      // a step in flight (`midStep`, resumed after the stop's release) runs its descriptor to its
      // end, so it completes with a status.
      if (this.spec.kernelClient) while ((this.midStep || !vt.stopped) && this.stepKernelClient());
      else if (this.spec.kernelClientPasids.length > 0) while ((this.midStep || !vt.stopped) && this.stepShared());
      else if (this.queued) while ((this.midStep || !vt.stopped) && this.stepQueued());
      else while ((this.midStep || (!vt.stopped && this.submitted < this.limit)) && this.stepModelled());
      if (vt.suspended) return false;
      // Several engines: the run's last completion is the latest of any engine.
      if (this.queued) for (let e = 0; e < this.engineFreeNs.length; e++) if (this.engineFreeNs[e]! > vt.nowNs) vt.nowNs = this.engineFreeNs[e]!;
      this.outstanding = 0;
      this.phase = Phase.finish;
    }
    if (this.phase === Phase.finish) {
      vt.finish();
      if (vt.suspended) return false;
      this.phase = Phase.done;
    }
    return true;
  }

  /** A step was left at a cooperative park (see `stepAt`): it resumes whatever the loop's condition. */
  private get midStep(): boolean {
    return this.stepAt !== Step.fresh || this.sharedPick !== PICK_NONE || this.outerWait;
  }

  /** Modelled time: report every interval the clock has passed. */
  private closeIntervals(): void {
    const t = this.loopNs;
    while (this.vt.nowNs >= t[LoopNs.nextInterval]!) {
      this.sink.closeInterval?.(t[LoopNs.nextInterval]!);
      t[LoopNs.nextInterval] = t[LoopNs.nextInterval]! + this.spec.intervalNs;
    }
  }

  /**
   * Modelled time: the kernel changed the submitter (a lifecycle bind or exit). A new one
   * submits with its PASID from now: closed loop, every slot's next descriptor arrives now;
   * open loop, arrivals while there was none are not submitted.
   */
  private changeSubmitter(word: number): void {
    this.submitterWord = word;
    if (word === 0) return;
    const pasid = word - 1;
    this.pageRun.pasid = pasid;
    this.verifier.pasid = pasid;
    if (this.requester) this.requester.pasid = pasid;
    const nowNs = this.vt.nowNs;
    for (let i = 0; i < this.slotArrivalNs.length; i++) if (this.slotArrivalNs[i]! < nowNs) this.slotArrivalNs[i] = nowNs;
    const t = this.loopNs;
    if (t[LoopNs.nextIntended]! < nowNs) t[LoopNs.nextIntended] = nowNs;
  }

  /**
   * One descriptor in modelled time; false when no descriptor arrives before the window ends (or
   * the device parked cooperatively: `vt.suspended`, resumed at `stepAt`).
   */
  private stepModelled(): boolean {
    const vt = this.vt;
    const costs = this.spec.costs;
    const durationNs = this.spec.durationNs ?? Infinity;
    const t = this.loopNs;
    if (this.stepAt === Step.fresh) {
      const word = Atomics.load(this.dev.submitter, 0);
      if (word !== this.submitterWord) this.changeSubmitter(word);
      if (word === 0) {
        // No submitter (not yet bound, or its process exited): nothing to submit this quantum.
        vt.idleToHorizon();
        if (vt.suspended) {
          this.stepAt = Step.noWork;
          return false;
        }
        this.closeIntervals();
        return !vt.stopped && vt.nowNs < durationNs;
      }
      if (this.openLoop) {
        t[LoopNs.arrival] = t[LoopNs.nextIntended]!;
        if (t[LoopNs.arrival]! >= durationNs) return false;
        t[LoopNs.nextIntended] =
          t[LoopNs.nextIntended]! +
          (this.poisson ? (-Math.log(1 - nextFloat(this.rng)) * 1e9) / this.rateOpsPerSec : 1e9 / this.rateOpsPerSec);
        // One descriptor outstanding: the submitter waits for the previous completion. A backlog
        // not yet submitted when the window ends is not submitted (as in host time).
        t[LoopNs.submit] = Math.max(t[LoopNs.arrival]!, t[LoopNs.lastCompletion]!);
        if (t[LoopNs.submit]! >= durationNs) return false;
      } else {
        t[LoopNs.arrival] = this.slotArrivalNs[this.slot]!;
        if (t[LoopNs.arrival]! >= durationNs) return false;
        t[LoopNs.submit] = t[LoopNs.arrival]!;
      }
      this.submitted++;
      this.outstanding = 1;
      vt.idleTargetNs[0] = t[LoopNs.submit]! + costs.submitNs;
      if (this.wq) this.admitToQueue(0);
      this.stepAt = Step.idle;
    } else if (this.stepAt === Step.noWork) {
      vt.idleUntilTarget();
      if (vt.suspended) return false;
      this.stepAt = Step.fresh;
      this.closeIntervals();
      return !vt.stopped && vt.nowNs < durationNs;
    }
    if (this.stepAt === Step.idle && !this.awaitStart()) return false;
    const status = this.runDescriptor(this.workload);
    if (vt.suspended) return false;
    this.stepAt = Step.fresh;
    this.closeIntervals();
    t[LoopNs.lastCompletion] = vt.nowNs;
    this.account(status, Math.round(vt.nowNs - t[LoopNs.arrival]!), this.openLoop ? Math.round(vt.nowNs - t[LoopNs.submit]!) : -1);
    if (this.wq) this.countSubmitter(0, status);
    if (!this.openLoop) {
      this.slotArrivalNs[this.slot] = vt.nowNs;
      this.slot = (this.slot + 1) % this.queueDepth;
    }
    return true;
  }

  // ---- engines and a shared work queue (modelled time) ---------------------------------------

  /**
   * A shared WQ on a one-engine device whose submitters take turns in `stepShared` (a process
   * beside kernel clients, or kernel clients alone): the descriptor whose first ENQCMD reaches
   * the queue at `vt.idleTargetNs[0]` takes an entry after the retries a full queue answers, and
   * the engine takes it at the later of that and its clock. Moves the target to the entry's time.
   * `submitter`: its index in `bySubmitter` (the attach's process: 0), or -1 (a kernel client).
   */
  private admitToQueue(submitter: number): void {
    const wq = this.wq!;
    const vt = this.vt;
    wq.io[0] = vt.idleTargetNs[0]!;
    wq.admit();
    const enqueued = wq.io[0]!;
    this.counters[Counter.submitRetries]! += wq.retries;
    if (submitter >= 0) this.dev.bySubmitter[submitter * SubmitterCounter.width + SubmitterCounter.submitRetries]! += wq.retries;
    wq.io[1] = enqueued > vt.nowNs ? enqueued : vt.nowNs;
    wq.record();
    vt.idleTargetNs[0] = enqueued;
  }

  /** A shared WQ's submitter `s` completed a descriptor with `status` (its figures in `bySubmitter`). */
  private countSubmitter(s: number, status: StatusCode): void {
    const bySub = this.dev.bySubmitter;
    const at = s * SubmitterCounter.width;
    bySub[at + SubmitterCounter.ops]!++;
    bySub[at + SubmitterCounter.bytes]! += this.completion[C.bytesCompleted]!;
    if (status !== Status.success) bySub[at + SubmitterCounter.failed]!++;
  }

  /** `engines` > 1 or a shared WQ: descriptors go through `stepQueued`. */
  private readonly queued: boolean;
  /** Per engine: when it is free, ns. */
  private readonly engineFreeNs: Float64Array;
  private readonly wq: SharedWq | undefined;
  /** Per submitter (0: the attach's process, whose workload is `workload`): its workload, PASID, limit, descriptors submitted. */
  private readonly qWorkloads: readonly Workload[];
  private readonly qPasids: Int32Array;
  private readonly qLimit: Float64Array;
  private readonly qSubmitted: Float64Array;
  /** Every submitter's closed-loop slots: when the slot's next descriptor arrives, and whose slot it is. */
  private readonly qSlotArrivalNs: Float64Array;
  private readonly qSlotOwner: Int32Array;
  /** The submitter of the descriptor in flight (its workload: qWorkloads[qCurrent]). */
  private qCurrent = 0;

  /**
   * Modelled time, queued: the earliest-arriving descriptor of any submitter reaches the queue
   * (admitted by a shared WQ, with retries), is dispatched to the engine that frees first, and
   * runs. False when no submitter has a descriptor left to submit in the window.
   */
  private stepQueued(): boolean {
    const vt = this.vt;
    const c = this.counters;
    const costs = this.spec.costs;
    const durationNs = this.spec.durationNs ?? Infinity;
    const t = this.loopNs;
    const free = this.engineFreeNs;
    const arrivals = this.qSlotArrivalNs;
    if (this.stepAt !== Step.fresh) return this.resumeQueued();
    // The slot whose next descriptor arrives first, of a submitter with descriptors left.
    let slot = -1;
    let arrival = Infinity;
    for (let i = 0; i < arrivals.length; i++) {
      const s = this.qSlotOwner[i]!;
      if (this.qSubmitted[s]! >= this.qLimit[s]!) continue;
      if (arrivals[i]! < arrival) {
        arrival = arrivals[i]!;
        slot = i;
      }
    }
    if (slot < 0 || arrival >= durationNs) return false;
    const s = this.qSlotOwner[slot]!;
    this.qCurrent = s;
    this.usePasid(this.qPasids[s]!);
    this.qSubmitted[s]!++;
    this.submitted++;
    this.outstanding = 1;
    t[LoopNs.arrival] = arrival;
    // The descriptor reaches the queue one submission trip later — after the retries a full
    // shared WQ answers — and an engine takes it when one is free.
    const bySub = this.dev.bySubmitter;
    const sc = s * SubmitterCounter.width;
    let enqueued = arrival + costs.submitNs;
    const wq = this.wq;
    if (wq) {
      wq.io[0] = enqueued;
      wq.admit();
      enqueued = wq.io[0]!;
      c[Counter.submitRetries]! += wq.retries;
      bySub[sc + SubmitterCounter.submitRetries]! += wq.retries;
    }
    let engine = 0;
    for (let e = 1; e < free.length; e++) if (free[e]! < free[engine]!) engine = e;
    let start = enqueued > free[engine]! ? enqueued : free[engine]!;
    if (start < vt.floorNs) start = vt.floorNs;
    if (wq) {
      wq.io[0] = enqueued;
      wq.io[1] = start;
      wq.record();
    }
    t[LoopNs.submit] = start;
    vt.idleTargetNs[0] = start;
    this.qEngine = engine;
    this.qSlot = slot;
    if (start >= vt.nowNs) this.stepAt = Step.idle;
    else {
      vt.rewindToTarget();
      this.stepAt = Step.run;
    }
    return this.resumeQueued();
  }

  /** `stepQueued` from its start's wait (`stepAt`) on: the descriptor runs, then completes. */
  private resumeQueued(): boolean {
    const vt = this.vt;
    const t = this.loopNs;
    if (this.stepAt === Step.idle && !this.awaitStart()) return false;
    // On the same engine, a partial completion's remainder included.
    const s = this.qCurrent;
    const status = this.runDescriptor(this.qWorkloads[s]!);
    if (vt.suspended) return false;
    this.stepAt = Step.fresh;
    this.engineFreeNs[this.qEngine] = vt.nowNs;
    this.qSlotArrivalNs[this.qSlot] = vt.nowNs;
    this.closeIntervals();
    if (vt.nowNs > t[LoopNs.lastCompletion]!) t[LoopNs.lastCompletion] = vt.nowNs;
    this.countSubmitter(s, status);
    this.account(status, Math.round(vt.nowNs - t[LoopNs.arrival]!), -1);
    return true;
  }

  /**
   * A step's wait for its descriptor's start (`Step.idle`, the target in `vt.idleTargetNs`): true
   * once it may run (`Step.run`); false while the device is parked (called again after the
   * release) or when the stop came first (the step ends without its descriptor).
   */
  private awaitStart(): boolean {
    const vt = this.vt;
    vt.idleUntilTarget();
    if (vt.suspended) return false;
    if (vt.stopped) {
      this.stepAt = Step.fresh;
      return false;
    }
    this.stepAt = Step.run;
    return true;
  }

  /**
   * Modelled time: the descriptor `w` draws next, from its start (the clock) to its completion
   * record: fetch, execution, and a partial completion's software touch and resubmissions of the
   * remainder. Returns its status; the clock is at its completion.
   */
  private runDescriptor(w: Workload): StatusCode {
    const vt = this.vt;
    const c = this.counters;
    const costs = this.spec.costs;
    if (this.descAt === Desc.fresh) {
      vt.nowNs += costs.descriptorNs;
      w.next(this.desc);
      this.pageRun.beginDescriptor();
      this.sample = this.sampleEvery > 0 && (this.completed + 1) % this.sampleEvery === 0;
      this.seqBefore = this.sample ? this.verifier.mappingSeq() : 0;
      c[Counter.submitted]!++;
      this.descAt = Desc.execute;
    }
    let status: StatusCode = Status.pageFault;
    for (;;) {
      if (this.descAt === Desc.execute) {
        status = this.execute(this.desc);
        if (vt.suspended) return status;
        c[Counter.completed]!++;
        c[Counter.statusBase + status]!++;
        if (status !== Status.pageFault || this.desc[D.op] === Op.batch || !this.requester) break;
        // Partial completion: the software sees it, touches the page, resubmits the remainder.
        c[Counter.partialCompletions]!++;
        vt.nowNs += costs.completionNs;
        this.descAt = Desc.touch;
      }
      if (this.descAt === Desc.touch) {
        const ok = this.requester!.touch(Math.floor(this.completion[C.faultAddress]! / 4096), this.completion[C.faultWrite] === 1);
        if (vt.suspended) return status;
        if (!ok) {
          c[Counter.touchesFailed]!++;
          break;
        }
        c[Counter.touchesOk]!++;
        this.desc[D.startOffset] = this.completion[C.bytesCompleted]!;
        vt.idleTargetNs[0] = vt.nowNs + costs.submitNs;
        this.descAt = Desc.resubmit;
      }
      vt.idleUntilTarget();
      if (vt.suspended) return status;
      vt.nowNs += costs.descriptorNs;
      c[Counter.submitted]!++;
      this.descAt = Desc.execute;
    }
    this.descAt = Desc.fresh;
    vt.nowNs += costs.completionNs;
    return status;
  }

  /** A kernel client's next buffer is on the ring (preallocated: passed to awaitResponse). */
  private readonly kbufAvailable = (): boolean => this.dev.kbufRing.available() > 0;
  /** When that buffer is ready (its record's readyNs). */
  private readonly kbufReadyNs = (): number => this.dev.kbufRing.slots[this.dev.kbufRing.peek() + KbufRecord.readyNs]!;

  /**
   * Modelled time, a kernel client's device: one descriptor on the next buffer the kernel made
   * ready (parked as blocked while there is none, applying invalidations), its completion posted
   * back for the kernel to unmap and free. Latency runs from the buffer's readiness. False at the
   * client's end record (or a stop).
   */
  private stepKernelClient(): boolean {
    const vt = this.vt;
    const ring = this.dev.kbufRing;
    if (this.stepAt === Step.fresh) {
      if (this.outerWait || ring.available() === 0) {
        this.outerWait = true;
        const busyNs = vt.awaitResponse(this.kbufAvailable, this.kbufReadyNs, SyncState.starved);
        if (vt.suspended) return false;
        this.outerWait = false;
        if (busyNs > vt.nowNs) vt.nowNs = busyNs;
        if (ring.available() === 0) return false;
      }
      if (ring.slots[ring.peek() + KbufRecord.op]! < 0) {
        ring.consume();
        return false;
      }
    }
    return this.kernelDescriptor(0);
  }

  /** One descriptor on the buffer at the head of kernel client `k`'s ring (not its end record). */
  private kernelDescriptor(k: number): boolean {
    const vt = this.vt;
    const c = this.counters;
    const costs = this.spec.costs;
    const t = this.loopNs;
    const d = this.desc;
    if (this.stepAt === Step.fresh) {
      const ring = this.dev.kbufRings[k]!;
      const at = ring.peek();
      d[D.op] = ring.slots[at + KbufRecord.op]!;
      d[D.startOffset] = 0;
      d[D.sizeBytes] = ring.slots[at + KbufRecord.sizeBytes]!;
      d[D.src] = ring.slots[at + KbufRecord.src]!;
      d[D.dst] = ring.slots[at + KbufRecord.dst]!;
      this.kBuffer = ring.slots[at + KbufRecord.buffer]!;
      t[LoopNs.arrival] = ring.slots[at + KbufRecord.readyNs]!;
      ring.consume();
      this.submitted++;
      this.outstanding = 1;
      vt.idleTargetNs[0] = t[LoopNs.arrival]! + costs.submitNs;
      if (this.wq) this.admitToQueue(-1);
      this.stepAt = Step.idle;
    }
    if (this.stepAt === Step.idle) {
      if (!this.awaitStart()) return false;
      vt.nowNs += costs.descriptorNs;
      this.pageRun.beginDescriptor();
      this.sample = this.sampleEvery > 0 && (this.completed + 1) % this.sampleEvery === 0;
      this.seqBefore = this.sample ? this.verifier.mappingSeq() : 0;
      c[Counter.submitted]!++;
    }
    const status = this.execute(d);
    if (vt.suspended) return false;
    this.stepAt = Step.fresh;
    const buffer = this.kBuffer;
    c[Counter.completed]!++;
    c[Counter.statusBase + status]!++;
    vt.nowNs += costs.completionNs;
    this.closeIntervals();
    t[LoopNs.lastCompletion] = vt.nowNs;
    this.account(status, Math.round(vt.nowNs - t[LoopNs.arrival]!), -1);
    const done = this.dev.kdoneRings[k]!;
    const w = done.reserve();
    if (w < 0) throw new Error('bug: kernel client completion ring full');
    done.slots[w + KdoneRecord.buffer] = buffer;
    done.slots[w + KdoneRecord.status] = status;
    done.slots[w + KdoneRecord.completeNs] = vt.nowNs;
    done.publish();
    const cap = this.kCap;
    this.kCompleteNs[k * cap + (this.kPublished[k]! % cap)] = vt.nowNs;
    this.kPublished[k]!++;
    return true;
  }

  // ---- a device shared by several submitters (modelled time) --------------------------------
  //
  // Its process (an sva attach) and its kernel clients, or several kernel clients: descriptors
  // are taken in order of arrival — the process's as a closed loop (a slot's next descriptor
  // arrives at its previous completion), a client's when its buffer is ready. A client's next
  // buffer is ready no earlier than the completion that frees its slot; so while the kernel has
  // not answered a completion (kRefilled), the device goes no further than that completion's
  // time — it parks starved there, and the kernel's timers stop at its clock (kernel/sequencer.ts).

  /** Per kernel client: completions published, and their times (a ring of kCap). */
  private readonly kPublished: Int32Array;
  private readonly kCompleteNs: Float64Array;
  private readonly kCap: number;
  private readonly kEnded: Uint8Array;
  /** The shared device also runs its own workload (its attach's submitter: a process through SVA). */
  private readonly sharedProcess: boolean;
  /** The shared device's process source has ended (its duration or descriptor count). */
  private svaDone = false;
  private svaSubmitted = 0;
  /** The arrival of the source `pickShared` chose, or the completion it waits at. */
  private readonly sharedNs = new Float64Array(1);
  private readonly sharedAvailable = (): boolean => this.pickShared() !== PICK_WAIT;
  private readonly sharedResponseNs = (): number => this.sharedNs[0]!;

  /**
   * The next source: a kernel client's index, PICK_PROCESS, PICK_WAIT (park until the kernel
   * answers or posts) or PICK_DONE. Consumes the end records at the rings' heads.
   */
  private pickShared(): number {
    const rings = this.dev.kbufRings;
    let best = PICK_WAIT;
    let arrival = Infinity;
    if (this.sharedProcess && !this.svaDone && this.svaSubmitted < this.limit) {
      best = PICK_PROCESS;
      arrival = this.slotArrivalNs[this.slot]!;
    }
    let allEnded = true;
    for (let k = 0; k < rings.length; k++) {
      const r = rings[k]!;
      if (this.kEnded[k] === 0 && r.available() > 0 && r.slots[r.peek() + KbufRecord.op]! < 0) {
        r.consume();
        this.kEnded[k] = 1;
      }
      if (this.kEnded[k] !== 0) continue;
      allEnded = false;
      if (r.available() > 0) {
        const a = r.slots[r.peek() + KbufRecord.readyNs]!;
        if (a < arrival) {
          arrival = a;
          best = k;
        }
      }
    }
    // A completion the kernel has not answered could still bring an earlier buffer.
    const refilled = this.dev.kRefilled;
    const cap = this.kCap;
    for (let k = 0; k < rings.length; k++) {
      if (this.kEnded[k] !== 0) continue;
      const answered = Atomics.load(refilled, k);
      if (answered < this.kPublished[k]!) {
        const at = this.kCompleteNs[k * cap + (answered % cap)]!;
        if (at < arrival) {
          this.sharedNs[0] = at;
          return PICK_WAIT;
        }
      }
    }
    if (best === PICK_WAIT) {
      this.sharedNs[0] = this.vt.nowNs;
      return allEnded && (!this.sharedProcess || this.svaDone || this.svaSubmitted >= this.limit) ? PICK_DONE : PICK_WAIT;
    }
    this.sharedNs[0] = arrival;
    return best;
  }

  /** Modelled time, a shared device: one descriptor from the earliest source; false when all have ended. */
  private stepShared(): boolean {
    const vt = this.vt;
    for (;;) {
      if (this.sharedPick === PICK_NONE) {
        if (!this.outerWait) {
          const pick = this.pickShared();
          if (pick === PICK_DONE) return false;
          if (pick === PICK_WAIT) this.outerWait = true;
          else {
            this.sharedPick = pick;
            if (pick === PICK_PROCESS) {
              this.usePasid(this.submitterWord - 1);
              this.svaSubmitted++;
            } else this.usePasid(this.spec.kernelClientPasids[pick]!);
          }
        }
        if (this.outerWait) {
          const busyNs = vt.awaitResponse(this.sharedAvailable, this.sharedResponseNs, SyncState.starved);
          if (vt.suspended) return false;
          this.outerWait = false;
          if (busyNs > vt.nowNs) vt.nowNs = busyNs;
          if (vt.stopped) return false;
          continue;
        }
      }
      const pick = this.sharedPick;
      if (pick === PICK_PROCESS) {
        const more = this.stepModelled();
        if (vt.suspended) return false;
        this.sharedPick = PICK_NONE;
        if (!more) this.svaDone = true;
        return !vt.stopped;
      }
      const more = this.kernelDescriptor(pick);
      if (vt.suspended) return false;
      this.sharedPick = PICK_NONE;
      return more;
    }
  }

  /** Descriptors from here on carry `pasid` (a shared device switching submitters). */
  private usePasid(pasid: number): void {
    this.pageRun.pasid = pasid;
    this.verifier.pasid = pasid;
    if (this.requester) this.requester.pasid = pasid;
  }

  /** Modelled time: the last completion's virtual time, ns. */
  get lastCompletionNs(): number {
    return this.loopNs[LoopNs.lastCompletion]!;
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
        this.invalidations.poll();
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
  private completeLogical(status: StatusCode): void {
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
    this.account(status, latencyNs, uncorrectedNs);
  }

  /** Count a completed logical descriptor, record its latency, sample its integrity. */
  private account(status: StatusCode, latencyNs: number, uncorrectedNs: number): void {
    const c = this.counters;
    this.completed++;
    const op = this.desc[D.op]!;
    const faulted = this.pageRun.faulted;
    this.opCounts[op]!++;
    this.opBytes[op]! += this.completion[C.bytesCompleted]!;
    c[Counter.opsCompleted] = this.completed;
    c[Counter.bytes]! += this.completion[C.bytesCompleted]!;
    if (faulted) c[Counter.faultedOps]!++;
    if ((op === Op.compare || op === Op.comparePattern) && this.completion[C.result]! >= 0) c[Counter.compareMismatches]!++;
    this.sink.record(op, latencyNs, faulted, uncorrectedNs);
    if (this.sample && status === Status.success) {
      // Skipped (and counted) if the kernel changed mappings while the descriptor ran.
      this.verifier.verify(this.desc, this.completion[C.result]!, this.seqBefore, this.completed, this.completion[C.resultHi]!);
    }
  }

  /** Mark the device running; apply invalidations posted while it was idle first. */
  begin(): void {
    // Modelled time: invalidations are applied only inside the kernel's protocol (vtime.ts).
    if (!this.vt.modelled) this.invalidations.poll();
    Atomics.store(this.dev.state, 0, DeviceState.running);
    if (!this.vt.modelled) this.invalidations.poll();
  }

  /** Mark the device done; apply (and acknowledge) anything posted meanwhile. */
  end(): void {
    Atomics.store(this.dev.state, 0, DeviceState.done);
    if (!this.vt.modelled) this.invalidations.poll();
  }

  /** Apply every pending device-TLB invalidation, then acknowledge the last one. Cheap if none. */
  pollInvalidations(): void {
    this.invalidations.poll();
  }

  // ---- descriptors ------------------------------------------------------------------------

  /** Execute one descriptor (a batch executes its sub-descriptors). Returns its status. */
  execute(d: Descriptor): StatusCode {
    if (d[D.op] !== Op.batch) return this.executeOne(d);
    const cpl = this.completion;
    const workload = this.qWorkloads[this.qCurrent]!;
    const n = workload.batchSize;
    // A batch resumed after a cooperative park continues with the sub-descriptor it left.
    if (this.batchAt < 0) {
      this.batchAt = 0;
      this.batchBytes = 0;
      this.batchFailed = false;
    }
    for (; this.batchAt < n; this.batchAt++) {
      if (!this.oneInFlight) workload.nextSub(this.sub);
      const st = this.executeOne(this.sub);
      if (this.vt.suspended) return st;
      this.batchBytes += cpl[C.bytesCompleted]!;
      if (st !== Status.success) this.batchFailed = true;
    }
    this.batchAt = -1;
    const status = this.batchFailed ? Status.batchFail : Status.success;
    cpl[C.bytesCompleted] = this.batchBytes;
    cpl[C.faultAddress] = 0;
    cpl[C.result] = -1;
    cpl[C.status] = status;
    return status;
  }

  /** Execute one non-batch descriptor (kept apart so a batch never recurses into execute). */
  private executeOne(d: Descriptor): StatusCode {
    if (!this.oneInFlight) startCompletion(this.completion);
    const status = d[D.op]! < Op.dualcast ? this.pageRun.execute(d) : this.compound.execute(d);
    this.oneInFlight = this.vt.suspended;
    if (this.oneInFlight) return status;
    this.completion[C.status] = status;
    return status;
  }

  /**
   * Integrity-check descriptor `d` against the current completion record now (tests call it
   * directly; the loop samples one descriptor in `integritySampleEvery`). With `seqBefore`, a
   * descriptor that overlapped a mapping change is counted as skipped.
   */
  verify(d: Descriptor, seqBefore = -1): void {
    this.verifier.verify(d, this.completion[C.result]!, seqBefore, this.completed);
  }
}
