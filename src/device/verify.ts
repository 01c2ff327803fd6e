/**
 * Integrity sampling: one descriptor in `integritySampleEvery` is checked, after it completed
 * successfully, against a plain reference computation over a fresh, uncached walk of the same
 * addresses (what the CPU would see): memmove's destination equals its source, fill's
 * destination is the pattern, compare / compare-pattern report the first difference a byte loop
 * finds, crc32c equals a bit-at-a-time CRC. A descriptor that overlapped a mapping change of its
 * address space (the domain's mapping seqcount, layout/domains.ts mmSeq, was odd or moved) is
 * counted as skipped instead: remapped pages hold other bytes, so the check would be meaningless.
 *
 * Slow path: runs on sampled descriptors only; it may allocate (error details).
 */

import { PAGE_SIZE } from '../layout/constants.js';
import { Counter } from '../layout/device.js';
import { OP_NAMES, Op } from '../layout/ops.js';
import type { IntegrityFailure } from '../layout/protocol.js';
import { crc32cReference } from './crc32c.js';
import { D, type Descriptor } from './descriptor.js';
import type { Translator } from './translate.js';

export class IntegrityVerifier {
  /** The first failure, with its details. */
  firstFailure: IntegrityFailure | undefined;
  private scratchA: Uint8Array;
  private scratchB: Uint8Array;

  constructor(
    private readonly translator: Translator,
    private readonly bytes: Uint8Array,
    private readonly counters: Float64Array,
    /** The PASID checked; the engine changes it when the submitter does (engine.ts). */
    public pasid: number,
    /** The device's 8-byte pattern (fill, compare-pattern). */
    private readonly pattern: Uint8Array,
    /** Largest transfer the workload makes (scratch buffers are this big). */
    maxSizeBytes: number,
    /** The attached domain's mapping seqcount (layout/domains.ts mmSeq). */
    private readonly pasidDomain: Int32Array,
    private readonly mmSeq: Int32Array,
  ) {
    this.scratchA = new Uint8Array(maxSizeBytes);
    this.scratchB = new Uint8Array(maxSizeBytes);
  }

  /** The mapping seqcount of the domain this device's PASID is attached to (0 if none). */
  mappingSeq(): number {
    const domain = Atomics.load(this.pasidDomain, this.pasid) - 1;
    return domain < 0 ? 0 : Atomics.load(this.mmSeq, domain);
  }

  /**
   * Check descriptor `d`, which completed with `result` (C.result). `seqBefore` is the mapping
   * seqcount when it started (-1: do not check for an overlapping change); `index` names it in
   * a failure report.
   */
  verify(d: Descriptor, result: number, seqBefore: number, index: number): void {
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
    let detail = '';
    switch (op) {
      case Op.memmove: {
        if (!this.readReference(src, A, n) || !this.readReference(dst, B, n)) return;
        const i = firstMismatch(A, B, n);
        if (i >= 0) detail = `destination differs from source at offset ${i}`;
        break;
      }
      case Op.fill: {
        if (!this.readReference(dst, B, n)) return;
        const i = firstPatternMismatch(B, this.pattern, n);
        if (i >= 0) detail = `byte ${i} is not the fill pattern`;
        break;
      }
      case Op.compare: {
        if (!this.readReference(src, A, n) || !this.readReference(dst, B, n)) return;
        const first = firstMismatch(A, B, n);
        if (first !== result) detail = `compare reported ${result}, reference says ${first}`;
        break;
      }
      case Op.comparePattern: {
        if (!this.readReference(dst, B, n)) return;
        const first = firstPatternMismatch(B, this.pattern, n);
        if (first !== result) detail = `compare-pattern reported ${result}, reference says ${first}`;
        break;
      }
      case Op.crc32c: {
        if (!this.readReference(src, A, n)) return;
        const ref = crc32cReference(A, 0, n);
        if (ref !== result) detail = `crc32c reported ${result}, reference says ${ref}`;
        break;
      }
    }
    if (seqBefore >= 0 && (seqBefore % 2 !== 0 || this.mappingSeq() !== seqBefore)) {
      this.counters[Counter.integritySkipped]!++;
      return;
    }
    this.counters[Counter.integrityChecked]!++;
    if (detail !== '') {
      this.counters[Counter.integrityFailed]!++;
      this.firstFailure ??= { descriptor: index, op: OP_NAMES[op]!, address: op === Op.crc32c ? src : dst, detail };
    }
  }

  /** Copy `n` bytes at device address `addr` into `out` through an uncached walk. */
  private readReference(addr: number, out: Uint8Array, n: number): boolean {
    let done = 0;
    while (done < n) {
      const a = addr + done;
      const off = a % PAGE_SIZE;
      const len = Math.min(n - done, PAGE_SIZE - off);
      const pfn = this.translator.referenceFrame(this.pasid, (a - off) / PAGE_SIZE);
      if (pfn < 0) return false;
      const pa = pfn * PAGE_SIZE + off;
      for (let i = 0; i < len; i++) out[done + i] = this.bytes[pa + i]!;
      done += len;
    }
    return true;
  }
}

/** First offset where A and B differ in [0, n), -1 if none (the plain reference loop). */
function firstMismatch(A: Uint8Array, B: Uint8Array, n: number): number {
  for (let i = 0; i < n; i++) if (A[i] !== B[i]) return i;
  return -1;
}

/** First offset of B not equal to the repeated 8-byte pattern, -1 if none. */
function firstPatternMismatch(B: Uint8Array, pattern: Uint8Array, n: number): number {
  for (let i = 0; i < n; i++) if (B[i] !== pattern[i & 7]) return i;
  return -1;
}
