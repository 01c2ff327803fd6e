/**
 * Ops the page run cannot do in one pass over two operands (design.md §8): DSA's dualcast and
 * the IAA-like ops. Each is built from page-run passes on an auxiliary descriptor, so every byte
 * still goes through translation, faults (PRI included), copy windows and the checker:
 *
 *   dualcast        memmove source → destination, then source → second destination (DSA
 *                   reads once and writes twice; the data time here is two memmoves');
 *   compress        gather the source into the engine's input buffer (page run, `gather`), deflate
 *                   it (deflate.ts: RFC 1951, 4 KiB history, fixed or dynamic Huffman) into the
 *                   output buffer, scatter the stream to the destination (`scatter`). The
 *                   destination holds `dstSizeBytes` (the workload's: as many bytes as the
 *                   source): a stream that would not fit ends with output-overflow, as IAA's does;
 *   compressVerify  compress, then inflate the output and compare it with the source before it is
 *                   written (IAA's verify): verify-failed if they differ (a bug, never expected);
 *   decompress      gather the stream, inflate it (inflate.ts; corrupt or truncated streams:
 *                   corrupt-stream; more output than the destination holds: output-overflow),
 *                   scatter the output;
 *   crc64           gather, then CRC64 with the descriptor's polynomial and flags (crc64.ts).
 *
 * Results: `result` is the output's length (compress, decompress) or the CRC's low 32 bits
 * (`resultHi` the high 32); `bytesCompleted` the source bytes consumed. Modelled data time: the
 * source bytes at the op's bandwidth (compress, crc64; compressVerify adds its inflate at the
 * decompress bandwidth), decompress its output bytes; translations cost as for every op.
 *
 * Figures per op and mode (compress / compressVerify × fixed / dynamic, decompress): source and
 * output bytes of the descriptors that succeeded, in the device's counters (layout/device.ts).
 * Allocation-free per descriptor: the buffers and codecs are made once.
 *
 * Leaves out: IAA's partial completion of a compress (a fault restarts the job: the profile
 * refuses partial completion for IAA ops), stateful multi-descriptor streams, the verify's
 * own output buffer.
 */

import { Counter } from '../layout/device.js';
import { InternalOp, Op } from '../layout/ops.js';
import { Status, type StatusCode } from '../layout/status.js';
import { C, type CompletionRecord } from './completion.js';
import { Crc64 } from './crc64.js';
import { Deflater, DeflateMode } from './deflate.js';
import { D, CrcFlag, type Descriptor, newDescriptor } from './descriptor.js';
import { Inflater, InflateStatus } from './inflate.js';
import type { PageRun } from './page-run.js';
import type { VirtualTime } from './vtime.js';

export interface CompoundCosts {
  /** ns per source byte of a compress, per output byte of a decompress, per byte of a CRC64. */
  readonly compressNsPerByte: number;
  readonly decompressNsPerByte: number;
  readonly crc64NsPerByte: number;
}

export class CompoundOps {
  private readonly aux: Descriptor = newDescriptor();
  private readonly deflater: Deflater | undefined;
  private readonly inflater: Inflater | undefined;
  private readonly crc: Crc64 | undefined;
  /** A verify's inflated copy of the source. */
  private readonly check: Uint8Array;

  constructor(
    private readonly pageRun: PageRun,
    private readonly completion: CompletionRecord,
    /** The page run's data cost per op code: set here for `gather` and `scatter` before each pass. */
    private readonly nsPerByte: Float64Array,
    private readonly costs: CompoundCosts,
    private readonly vt: VirtualTime,
    private readonly counters: Float64Array,
    /** The engine's input and output buffers (ops.ts OpKernels: `gather` fills one, `scatter` drains the other). */
    private readonly input: Uint8Array,
    private readonly output: Uint8Array,
    /** An IAA-like device: its codecs are made (a DSA needs none). */
    iaa: boolean,
  ) {
    this.deflater = iaa ? new Deflater(input.length) : undefined;
    this.inflater = iaa ? new Inflater() : undefined;
    this.crc = iaa ? new Crc64() : undefined;
    this.check = new Uint8Array(iaa ? input.length : 0);
  }

  execute(d: Descriptor): StatusCode {
    const op = d[D.op]!;
    return op === Op.dualcast ? this.dualcast(d) : this.iaa(d, op);
  }

  /**
   * Cooperative parks (vtime.ts): the pass a descriptor was in when its device parked — 0: none,
   * 1: the first (dualcast's first copy, an IAA op's gather), 2: the second (its scatter, whose
   * output bytes are `outBytes`). The descriptor resumes in that pass.
   */
  private passAt = 0;
  private outBytes = 0;

  private dualcast(d: Descriptor): StatusCode {
    const a = this.aux;
    if (this.passAt === 0) {
      a[D.op] = Op.memmove;
      a[D.src] = d[D.src]!;
      a[D.dst] = d[D.dst]!;
      a[D.sizeBytes] = d[D.sizeBytes]!;
      a[D.startOffset] = d[D.startOffset]!;
      this.passAt = 1;
    }
    if (this.passAt === 1) {
      const first = this.pageRun.execute(a);
      if (this.vt.suspended) return first;
      this.passAt = 0;
      if (first !== Status.success) return first;
      a[D.dst] = d[D.dst2]!;
      a[D.startOffset] = d[D.startOffset]!;
      this.passAt = 2;
    }
    const second = this.pageRun.execute(a);
    if (!this.vt.suspended) this.passAt = 0;
    return second;
  }

  /**
   * One page-run pass of an internal op, its operands set on `aux` by the caller: addresses above
   * 2^31 are doubles, which a call V8 does not inline would box (the hot-path rule).
   */
  private pass(internalOp: number): StatusCode {
    this.aux[D.op] = internalOp;
    return this.pageRun.execute(this.aux);
  }

  private iaa(d: Descriptor, op: number): StatusCode {
    const cpl = this.completion;
    const size = d[D.sizeBytes]!;
    const costs = this.costs;
    const a = this.aux;
    if (this.passAt === 2) return this.scatter(d, op, this.outBytes);
    if (this.passAt === 0) {
      this.nsPerByte[InternalOp.gather] = op === Op.decompress ? 0 : op === Op.crc64 ? costs.crc64NsPerByte : costs.compressNsPerByte;
      a[D.src] = d[D.src]!;
      a[D.dst] = 0;
      a[D.sizeBytes] = size;
      a[D.startOffset] = d[D.startOffset]!;
      this.passAt = 1;
    }
    const gathered = this.pass(InternalOp.gather);
    if (this.vt.suspended) return gathered;
    this.passAt = 0;
    if (gathered !== Status.success) return gathered;
    if (op === Op.crc64) {
      const crc = this.crc!;
      const flags = d[D.crcFlags]!;
      // The halves as int32 (small integers, never boxed); crc64.ts reads them as unsigned.
      crc.compute(this.input, 0, size, d[D.polyHi]! | 0, d[D.polyLo]! | 0, (flags & CrcFlag.reflected) !== 0, (flags & CrcFlag.invert) !== 0);
      cpl[C.result] = crc.lo;
      cpl[C.resultHi] = crc.hi;
      cpl[C.bytesCompleted] = size;
      return Status.success;
    }
    let n: number;
    const capacity = d[D.dstSizeBytes]! > 0 ? Math.min(d[D.dstSizeBytes]!, this.output.length) : size;
    if (op === Op.decompress) {
      n = this.inflater!.inflate(this.input, 0, size, this.output, 0, capacity);
      if (n < 0) {
        cpl[C.result] = -1;
        return n === InflateStatus.outputTooSmall ? Status.outputOverflow : Status.corruptStream;
      }
    } else {
      n = this.deflater!.compress(this.input, 0, size, d[D.mode]!, this.output, 0, capacity);
      if (n < 0) {
        cpl[C.result] = -1;
        return Status.outputOverflow;
      }
      if (op === Op.compressVerify) {
        // IAA's verify: the output inflated again, compared with the source before it leaves.
        this.vt.nowNs += size * costs.decompressNsPerByte;
        const m = this.inflater!.inflate(this.output, 0, n, this.check, 0, size);
        if (m !== size || !sameBytes(this.check, this.input, size)) {
          cpl[C.result] = -1;
          return Status.verifyFailed;
        }
      }
    }
    this.nsPerByte[InternalOp.scatter] = op === Op.decompress ? costs.decompressNsPerByte : 0;
    a[D.src] = 0;
    a[D.dst] = d[D.dst]!;
    a[D.sizeBytes] = n;
    a[D.startOffset] = 0;
    this.outBytes = n;
    this.passAt = 2;
    return this.scatter(d, op, n);
  }

  /** An IAA op's output (`n` bytes in `output`) scattered to its destination, then its completion. */
  private scatter(d: Descriptor, op: number, n: number): StatusCode {
    const cpl = this.completion;
    const c = this.counters;
    const size = d[D.sizeBytes]!;
    const fixed = d[D.mode] === DeflateMode.fixed;
    const scattered = this.pass(InternalOp.scatter);
    if (this.vt.suspended) return scattered;
    this.passAt = 0;
    if (scattered !== Status.success) return scattered;
    cpl[C.bytesCompleted] = size;
    cpl[C.result] = n;
    // Figures of the descriptors that completed: source and output bytes per op and mode.
    const at = op === Op.decompress ? Counter.decompressIn : (op === Op.compress ? Counter.compressIn : Counter.verifyIn) + (fixed ? 0 : 2);
    // A decompress's input is its stream, however much of the source it was given.
    c[at]! += op === Op.decompress ? this.inflater!.inputConsumedBytes : size;
    c[at + 1]! += n;
    return Status.success;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}
