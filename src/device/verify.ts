/**
 * Integrity sampling: one descriptor in `integritySampleEvery` is checked, after it completed
 * successfully, against a plain reference computation over a fresh, uncached walk of the same
 * addresses (what the CPU would see): memmove's destination equals its source, fill's
 * destination is the pattern, compare / compare-pattern report the first difference a byte loop
 * finds, crc32c equals a bit-at-a-time CRC; dualcast's two destinations equal its source; a
 * compress's output inflates (node:zlib, an implementation of its own) to its source; a
 * decompress's output is what zlib inflates its source stream to; crc64 equals a bit-at-a-time
 * CRC with the descriptor's polynomial and flags. A descriptor that overlapped a mapping change of its
 * address space (the domain's mapping seqcount, layout/domains.ts mmSeq, was odd or moved) is
 * counted as skipped instead: remapped pages hold other bytes, so the check would be meaningless.
 *
 * Slow path: runs on sampled descriptors only; it may allocate (error details).
 */

import { PAGE_SIZE } from '../layout/constants.js';
import { Counter } from '../layout/device.js';
import { OP_NAMES, Op } from '../layout/ops.js';
import type { IntegrityFailure } from '../layout/protocol.js';
import { inflateRawSync } from 'node:zlib';
import { crc32cReference } from './crc32c.js';
import { CrcFlag, D, type Descriptor } from './descriptor.js';
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
  verify(d: Descriptor, result: number, seqBefore: number, index: number, resultHi = 0): void {
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
      case Op.dualcast: {
        if (!this.readReference(src, A, n) || !this.readReference(dst, B, n)) return;
        let i = firstMismatch(A, B, n);
        if (i >= 0) detail = `first destination differs from source at offset ${i}`;
        if (!this.readReference(d[D.dst2]!, B, n)) return;
        i = firstMismatch(A, B, n);
        if (i >= 0 && detail === '') detail = `second destination differs from source at offset ${i}`;
        break;
      }
      case Op.compress:
      case Op.compressVerify: {
        if (!this.readReference(src, A, n) || !this.readReference(dst, B, result)) return;
        detail = inflatesTo(B.subarray(0, result), A.subarray(0, n), 'the compressed output');
        break;
      }
      case Op.decompress: {
        if (!this.readReference(src, A, n) || !this.readReference(dst, B, result)) return;
        detail = inflatesTo(A.subarray(0, n), B.subarray(0, result), 'the source stream');
        break;
      }
      case Op.crc64: {
        if (!this.readReference(src, A, n)) return;
        const flags = d[D.crcFlags]!;
        const ref = crc64Reference(A.subarray(0, n), d[D.polyHi]!, d[D.polyLo]!, (flags & CrcFlag.reflected) !== 0, (flags & CrcFlag.invert) !== 0);
        const got = (BigInt(resultHi >>> 0) << 32n) | BigInt(result >>> 0);
        if (ref !== got) detail = `crc64 reported 0x${got.toString(16)}, reference says 0x${ref.toString(16)}`;
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

/** '' when `stream` inflates (zlib) to exactly `expected`, else what went wrong. */
function inflatesTo(stream: Uint8Array, expected: Uint8Array, what: string): string {
  let out: Buffer;
  try {
    out = inflateRawSync(stream);
  } catch (e) {
    return `zlib cannot inflate ${what}: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (out.length !== expected.length) return `${what} inflates to ${out.length} bytes, expected ${expected.length}`;
  const i = firstMismatch(out, expected, expected.length);
  return i >= 0 ? `${what} inflates to other bytes from offset ${i}` : '';
}

/** CRC64, bit at a time (the Rocksoft model: normal-form polynomial, reflected in and out, init = xorout = ~0 when inverted). */
export function crc64Reference(data: Uint8Array, polyHi: number, polyLo: number, reflected: boolean, invert: boolean): bigint {
  const mask = (1n << 64n) - 1n;
  const poly = (BigInt(polyHi >>> 0) << 32n) | BigInt(polyLo >>> 0);
  const reverse = (x: bigint, bits: number): bigint => {
    let r = 0n;
    for (let i = 0; i < bits; i++) r = (r << 1n) | ((x >> BigInt(i)) & 1n);
    return r;
  };
  let crc = invert ? mask : 0n;
  for (const byte of data) {
    const b = BigInt(reflected ? Number(reverse(BigInt(byte), 8)) : byte);
    crc ^= b << 56n;
    for (let k = 0; k < 8; k++) crc = crc & (1n << 63n) ? ((crc << 1n) ^ poly) & mask : (crc << 1n) & mask;
  }
  if (reflected) crc = reverse(crc, 64);
  return invert ? crc ^ mask : crc;
}
