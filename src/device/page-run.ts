/**
 * The page run: how a device executes one descriptor, page by page, for every op. Written once.
 *
 * A descriptor is executed as a sequence of copy windows. In a window the device takes up to
 * `WINDOW_PAGES[op]` page steps (ops.ts); each step translates the op's operands for one page —
 * source then destination, as the op uses them (ops.ts table) — through the IOMMU pipeline
 * (translate.ts). Consecutive steps whose frames are physically contiguous on every operand
 * form a run, and each run is handed to the op's kernel in one call (ops.ts): a run of 64 pages
 * of memmove is one copyWithin. A page that is not contiguous with the run ends it and starts the
 * next one in the same window (its translations are kept, never redone).
 *
 * The copy window is the drain point of the invalidation protocol: `copySeq` (layout/device.ts)
 * is odd while a window is open, and the kernel's drain waits for an open window to close before
 * an invalidation completes, so no access through a translation obtained in a window outlives
 * the invalidation. Translations therefore never cross a window boundary, and device-TLB
 * invalidations are applied only between windows (invalidations.ts).
 *
 * The use-after-free checker compares each page's frame generation (bumped when a frame is
 * freed, layout/physmem.ts) with the one its translation carried: as the page is translated,
 * before any access, and again after its run's access. A mismatch is a use-after-free DMA,
 * counted, and the first one reported with its details.
 *
 * A translation fault ends the window after the run before it is processed. Without PRI (or for
 * an identity domain's out-of-range address) it stands: the descriptor completes with the
 * fault's status, the bytes before the faulting page and the fault address. With PRI and
 * block-on-fault the device sends a page request (pri.ts) with the window closed and stalls
 * until the response: SUCCESS → retry the page in a new window; INVALID / FAILURE → the fault
 * stands as fault-invalid / fault-failure. At most MAX_FAULT_RETRIES answered requests per
 * descriptor; PRQ overflows are not answered by the kernel, so they are bounded in time
 * instead. With PRI but no block-on-fault: a partial completion (status page-fault), which the
 * engine turns into a software touch and a resubmission of the remainder.
 *
 * Modelled time (vtime.ts): each page step adds its operands' translation costs (translate.ts
 * `costNs`) and its bytes ÷ the op's modelled bandwidth to the engine's clock; a window also
 * ends when the clock reaches `vt.stopAtNs` (the kernel's horizon or the next device-TLB
 * invalidation's arrival), and between windows the engine calls `vt.boundary()`.
 *
 * Hot path: typed arrays, Atomics and small-integer results only; no allocation.
 * Several engines (engine.ts) run their descriptors through one page run, one after another.
 * Not modelled: batch-list fetch through translation, completion-record writes through
 * translation.
 */

import { PAGE_SIZE } from '../layout/constants.js';
import { Counter, type DeviceViews } from '../layout/device.js';
import { Fault, type FaultCode } from '../layout/pagetable.js';
import type { ViolationReport } from '../layout/protocol.js';
import { Status, type StatusCode } from '../layout/status.js';
import { C, type CompletionRecord, standingFault } from './completion.js';
import { D, type Descriptor } from './descriptor.js';
import type { DevtlbInvalidations } from './invalidations.js';
import { MAX_WINDOW_PAGES, OP_TRAITS, type OpKernels, Trait } from './ops.js';
import { type PageRequester, RESPONSE_TIMEOUT_MS, RequestOutcome } from './pri.js';
import type { Translator } from './translate.js';
import type { VirtualTime } from './vtime.js';

/** What becomes of a translation fault: the page is retried, or the fault stands. */
export const Resolution = { retry: 0, stands: 1 } as const;
export type ResolutionCode = (typeof Resolution)[keyof typeof Resolution];

/** Where a descriptor resumes after a cooperative park: the boundary after a window, after a retried fault, or the fault's page request. */
const Resume = { none: 0, window: 1, retry: 2, request: 3 } as const;

/** Page requests the kernel answers for one logical descriptor before its fault stands. */
export const MAX_FAULT_RETRIES = 64;

export interface PageRunOptions {
  readonly translator: Translator;
  readonly kernels: OpKernels;
  readonly completion: CompletionRecord;
  readonly invalidations: DevtlbInvalidations;
  /** Page requests; undefined without PRI. */
  readonly requester: PageRequester | undefined;
  readonly blockOnFault: boolean;
  readonly dev: DeviceViews;
  /** Frame generations (layout/physmem.ts), read by the checker. */
  readonly generation: Int32Array;
  readonly checker: boolean;
  readonly deviceId: string;
  readonly pasid: number;
  /** The engine's clock (modelled time; host time never stops a window on it). */
  readonly vt: VirtualTime;
  /** Per op (OP_NAMES index): modelled data cost, ns per byte. */
  readonly nsPerByte: Float64Array;
}

export class PageRun {
  /** The descriptor being executed took a page fault (PRI): set here, reset by `beginDescriptor`. */
  faulted = false;
  /** The first use-after-free DMA the checker saw. */
  firstViolation: ViolationReport | undefined;

  private readonly translator: Translator;
  private readonly kernels: OpKernels;
  private readonly completion: CompletionRecord;
  private readonly invalidations: DevtlbInvalidations;
  private readonly requester: PageRequester | undefined;
  private readonly blockOnFault: boolean;
  private readonly counters: Float64Array;
  private readonly generation: Int32Array;
  private readonly checker: boolean;
  private readonly deviceId: string;
  /** The PASID descriptors carry; the engine changes it when the submitter does (engine.ts). */
  pasid: number;
  private readonly copySeq: Int32Array;
  private readonly drainWaiter: Int32Array;
  private copySeqLocal: number;
  /** The run being built: frames and generations of its source (A) and destination (B) pages. */
  private readonly runPfnA = new Int32Array(MAX_WINDOW_PAGES);
  private readonly runGenA = new Int32Array(MAX_WINDOW_PAGES);
  private readonly runPfnB = new Int32Array(MAX_WINDOW_PAGES);
  private readonly runGenB = new Int32Array(MAX_WINDOW_PAGES);
  /** Device addresses where the run being checked starts: [source, destination] (a record, so no float crosses a call). */
  private readonly runStart = new Float64Array(2);
  /** The fault that stands after `resolve`. */
  private standing: FaultCode = Fault.none;
  private faultRetries = 0;
  private overflowSinceMs = 0;
  private readonly vt: VirtualTime;
  private readonly modelled: boolean;
  private readonly nsPerByte: Float64Array;
  /**
   * Cooperative parks (vtime.ts): where the descriptor was, with its copy window closed, when its
   * device parked — Resume — and what it needs to go on: bytes done, the window's pages, and a
   * fault being resolved (`pendingFault`, its address in `resumeAt[2]`, its access).
   */
  private resumeFrom: number = Resume.none;
  private readonly resumeAt = new Float64Array(3);
  private pendingFault: FaultCode = Fault.none;
  private pendingWrite = false;

  constructor(o: PageRunOptions) {
    this.vt = o.vt;
    this.modelled = o.vt.modelled;
    this.nsPerByte = o.nsPerByte;
    this.translator = o.translator;
    this.kernels = o.kernels;
    this.completion = o.completion;
    this.invalidations = o.invalidations;
    this.requester = o.requester;
    this.blockOnFault = o.blockOnFault;
    this.counters = o.dev.counters;
    this.generation = o.generation;
    this.checker = o.checker;
    this.deviceId = o.deviceId;
    this.pasid = o.pasid;
    this.copySeq = o.dev.copySeq;
    this.drainWaiter = o.dev.drainWaiter;
    this.copySeqLocal = Atomics.load(this.copySeq, 0);
    if (this.copySeqLocal % 2 !== 0) this.copySeqLocal++;
  }

  /** A new logical descriptor (not a resubmitted remainder): fault bookkeeping starts afresh. */
  beginDescriptor(): void {
    this.faulted = false;
    this.faultRetries = 0;
    this.overflowSinceMs = 0;
  }

  /**
   * Execute a non-batch descriptor from its `startOffset`. Writes the completion record's bytes
   * completed, fault address and result; returns the status.
   */
  execute(desc: Descriptor): StatusCode {
    const op = desc[D.op]!;
    const size = desc[D.sizeBytes]!;
    const src = desc[D.src]!;
    const dst = desc[D.dst]!;
    const traits = OP_TRAITS[op]!;
    const hasA = (traits & Trait.readsSource) !== 0;
    const hasB = (traits & Trait.usesDestination) !== 0;
    const bWrite = (traits & Trait.writesDestination) !== 0;
    const stateful = (traits & Trait.stateful) !== 0;
    const maxPages = traits >>> Trait.windowShift;
    let windowPages = (traits & Trait.stopsEarly) !== 0 ? 1 : maxPages;
    const tr = this.translator;
    const pasid = this.pasid;
    const cpl = this.completion;
    const chk = this.checker;
    // Plain loads of frame generations: the kernel bumps them with Atomics.add; a stale read here
    // could only miss a violation, never invent one. (Atomics.load costs ~10 ns per check.)
    const gen = this.generation;
    const runA = this.runPfnA;
    const runAG = this.runGenA;
    const runB = this.runPfnB;
    const runBG = this.runGenB;
    const vt = this.vt;
    const perByte = this.nsPerByte[op]!;
    let done = desc[D.startOffset]!;
    if (this.resumeFrom !== Resume.none) {
      // Resumed after a cooperative park: finish what the window's end was doing.
      const from = this.resumeFrom;
      this.resumeFrom = Resume.none;
      done = this.resumeAt[0]!;
      windowPages = this.resumeAt[1]!;
      if (from === Resume.request) {
        const at = this.resumeAt[2]!;
        const write = this.pendingWrite;
        const resolution = this.resolve(this.pendingFault, at, write);
        if (vt.suspended) return this.suspend(Resume.request, done, windowPages);
        if (resolution !== Resolution.retry) return standingFault(cpl, this.standing, at, write, done);
      }
      vt.boundary();
      if (vt.suspended) return this.suspend(from === Resume.window ? Resume.window : Resume.retry, done, windowPages);
      if (from === Resume.window && windowPages < maxPages) windowPages *= 2;
    } else if (stateful) this.kernels.begin(done);
    while (done < size) {
      this.enterCopy();
      // The engine's clock for this window (written back before anything that reads it).
      let clock = vt.nowNs;
      const stopAt = vt.stopAtNs;
      let steps = 0;
      let fault: FaultCode = Fault.none;
      let faultAddress = 0;
      let faultWrite = false;
      // Page numbers and offsets advance incrementally (no division per page).
      const a0 = src + done;
      const b0 = dst + done;
      let aVpn = Math.floor(a0 / PAGE_SIZE);
      let bVpn = Math.floor(b0 / PAGE_SIZE);
      let aOff = a0 - aVpn * PAGE_SIZE;
      let bOff = b0 - bVpn * PAGE_SIZE;
      // A page translated but not contiguous with the run before it starts the next run.
      let carried = false;
      let cPfnA = 0;
      let cGenA = 0;
      let cPa = 0;
      let cPfnB = 0;
      let cGenB = 0;
      let cPb = 0;
      let cBytes = 0;
      // The runs of this window, each processed where it ends (one call site: the kernels
      // inline once): at a page that is not contiguous with it, at a fault, at the window's end.
      for (;;) {
        let pages = 0;
        let runBytes = 0;
        let aPa = 0;
        let bPa = 0;
        if (carried) {
          carried = false;
          runA[0] = cPfnA;
          runAG[0] = cGenA;
          runB[0] = cPfnB;
          runBG[0] = cGenB;
          aPa = cPa;
          bPa = cPb;
          pages = 1;
          runBytes = cBytes;
        }
        while (done + runBytes < size && steps < windowPages && clock < stopAt) {
          let n = size - done - runBytes;
          let pfnA = 0;
          let genA = 0;
          let pa = 0;
          if (hasA) {
            if (PAGE_SIZE - aOff < n) n = PAGE_SIZE - aOff;
            const f = tr.translateFast(pasid, aVpn, false);
            // A translation that faults took its time too (the ATS request, the walk).
            clock += tr.costNs;
            if (f !== Fault.none) {
              fault = f;
              faultAddress = src + done + runBytes;
              break;
            }
            pfnA = tr.pfn;
            genA = tr.gen;
            pa = pfnA * PAGE_SIZE + aOff;
            // Checker, before the access: the frame still has the generation the translation carried.
            if (chk && gen[pfnA] !== genA) this.violation(pfnA, genA, src + done + runBytes, false);
          }
          let pfnB = 0;
          let genB = 0;
          let pb = 0;
          if (hasB) {
            if (PAGE_SIZE - bOff < n) n = PAGE_SIZE - bOff;
            const f = tr.translateFast(pasid, bVpn, bWrite);
            clock += tr.costNs;
            if (f !== Fault.none) {
              fault = f;
              faultAddress = dst + done + runBytes;
              faultWrite = bWrite;
              break;
            }
            pfnB = tr.pfn;
            genB = tr.gen;
            pb = pfnB * PAGE_SIZE + bOff;
            if (chk && gen[pfnB] !== genB) this.violation(pfnB, genB, dst + done + runBytes, false);
          }
          steps++;
          clock += n * perByte;
          aOff += n;
          if (aOff === PAGE_SIZE) {
            aOff = 0;
            aVpn++;
          }
          bOff += n;
          if (bOff === PAGE_SIZE) {
            bOff = 0;
            bVpn++;
          }
          if (pages > 0 && ((hasA && pa !== aPa + runBytes) || (hasB && pb !== bPa + runBytes))) {
            carried = true;
            cPfnA = pfnA;
            cGenA = genA;
            cPa = pa;
            cPfnB = pfnB;
            cGenB = genB;
            cPb = pb;
            cBytes = n;
            break;
          }
          if (pages === 0) {
            aPa = pa;
            bPa = pb;
          }
          runA[pages] = pfnA;
          runAG[pages] = genA;
          runB[pages] = pfnB;
          runBG[pages] = genB;
          pages++;
          runBytes += n;
        }
        if (pages > 0) {
          if (chk) {
            this.runStart[0] = src + done;
            this.runStart[1] = dst + done;
          }
          const k = this.process(op, pages, hasA, hasB, aPa, bPa, runBytes, done);
          if (k < runBytes) {
            // A difference ends the descriptor; the pages after it cost no data time.
            vt.nowNs = clock - (runBytes - k) * perByte;
            return this.difference(done + k);
          }
          done += runBytes;
          cpl[C.bytesCompleted] = done;
        }
        if (!carried) break;
      }
      this.exitCopy();
      vt.nowNs = clock;
      if (fault !== Fault.none) {
        const resolution = this.resolve(fault, faultAddress, faultWrite);
        if (vt.suspended) {
          this.pendingFault = fault;
          this.pendingWrite = faultWrite;
          this.resumeAt[2] = faultAddress;
          return this.suspend(Resume.request, done, windowPages);
        }
        if (resolution === Resolution.retry) {
          if (this.modelled) {
            vt.boundary();
            if (vt.suspended) return this.suspend(Resume.retry, done, windowPages);
          }
          continue;
        }
        return standingFault(cpl, this.standing, faultAddress, faultWrite, done);
      }
      if (this.modelled) {
        vt.boundary();
        if (vt.suspended) return this.suspend(Resume.window, done, windowPages);
      } else this.invalidations.poll();
      if (windowPages < maxPages) windowPages *= 2;
    }
    if (stateful) this.kernels.finish(cpl);
    return Status.success;
  }

  /**
   * One run: apply the op's kernel, then check that no frame of the run was freed during the
   * access (each page was checked before it, as it was translated). Returns the kernel's answer
   * (ops.ts). The run's device addresses are in `runStart` (set by the caller: addresses above
   * 2^30 would be boxed if passed as arguments).
   */
  private process(op: number, pages: number, hasA: boolean, hasB: boolean, aPa: number, bPa: number, runBytes: number, offset: number): number {
    const k = this.kernels.run(op, aPa, bPa, runBytes, offset);
    if (this.checker) this.checkAfter(pages, hasA, hasB);
    return k;
  }

  /**
   * The device parked cooperatively at a window's end: keep where the descriptor is (`execute`
   * resumes there when called again). The status returned is not read (the caller sees
   * `vt.suspended`).
   */
  private suspend(from: number, done: number, windowPages: number): StatusCode {
    this.resumeFrom = from;
    this.resumeAt[0] = done;
    this.resumeAt[1] = windowPages;
    this.completion[C.bytesCompleted] = done;
    return Status.success;
  }

  /** A comparing op found its first difference at descriptor offset `at`: it completes there. */
  private difference(at: number): StatusCode {
    this.exitCopy();
    this.completion[C.result] = at;
    this.completion[C.bytesCompleted] = at;
    return Status.success;
  }

  /**
   * A translation fault, with the copy window closed: retry the page, or let the fault stand
   * (`standing` says which fault). The policy of the header.
   */
  private resolve(fault: FaultCode, address: number, write: boolean): ResolutionCode {
    const requester = this.requester;
    if (!requester || fault === Fault.outOfRange) return this.stand(fault);
    this.faulted = true;
    if (!this.blockOnFault) return this.stand(Fault.partial);
    if (this.faultRetries >= MAX_FAULT_RETRIES) return this.stand(fault);
    const outcome = requester.request(Math.floor(address / PAGE_SIZE), write, this.translator.faultStage);
    // A cooperative park while waiting for the answer: `execute` calls again after the release.
    if (this.vt.suspended) return Resolution.retry;
    if (outcome === RequestOutcome.overflow) {
      // Not answered by the kernel, so not counted against the retry limit; bounded in time.
      const now = this.modelled ? this.vt.nowNs / 1e6 : performance.now();
      if (this.overflowSinceMs === 0) this.overflowSinceMs = now;
      else if (now - this.overflowSinceMs > RESPONSE_TIMEOUT_MS) return this.stand(fault);
      return Resolution.retry;
    }
    this.faultRetries++;
    this.overflowSinceMs = 0;
    if (outcome === RequestOutcome.success) return Resolution.retry;
    return this.stand(outcome === RequestOutcome.invalid ? Fault.responseInvalid : Fault.responseFailure);
  }

  private stand(fault: FaultCode): ResolutionCode {
    this.standing = fault;
    return Resolution.stands;
  }

  // ---- the copy window and the checker ----------------------------------------------------

  private enterCopy(): void {
    Atomics.store(this.copySeq, 0, ++this.copySeqLocal);
  }

  private exitCopy(): void {
    Atomics.store(this.copySeq, 0, ++this.copySeqLocal);
    if (Atomics.load(this.drainWaiter, 0) !== 0) Atomics.notify(this.copySeq, 0);
  }

  /**
   * Checker after a run's access: every source page (if the op reads one) and destination page
   * (if it uses one) still has the generation its translation carried — a frame freed during
   * the access is a use-after-free DMA too. Counts the pages checked.
   */
  private checkAfter(pages: number, hasA: boolean, hasB: boolean): void {
    // Plain loads (see execute); the kernel call before this check forces fresh ones.
    const g = this.generation;
    for (let k = 0; k < pages; k++) {
      if (hasA && g[this.runPfnA[k]!] !== this.runGenA[k]) {
        this.violation(this.runPfnA[k]!, this.runGenA[k]!, pageAddress(this.runStart[0]!, k), true);
      }
      if (hasB && g[this.runPfnB[k]!] !== this.runGenB[k]) {
        this.violation(this.runPfnB[k]!, this.runGenB[k]!, pageAddress(this.runStart[1]!, k), true);
      }
    }
    this.counters[Counter.checkerPages]! += (hasA ? pages : 0) + (hasB ? pages : 0);
  }

  /** Record a use-after-free DMA (slow path; the first one is kept with its details). */
  private violation(pfn: number, gen: number, address: number, after: boolean): void {
    this.counters[Counter.checkerViolations]!++;
    this.firstViolation ??= {
      device: this.deviceId,
      pasid: this.pasid,
      address,
      pfn,
      translationGeneration: gen,
      frameGeneration: Atomics.load(this.generation, pfn),
      phase: after ? 'after' : 'before',
    };
  }
}

/** Address of page k of a run that starts at `start` (pages after the first are whole). */
function pageAddress(start: number, k: number): number {
  return k === 0 ? start : start - (start - Math.floor(start / PAGE_SIZE) * PAGE_SIZE) + k * PAGE_SIZE;
}
