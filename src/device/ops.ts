/**
 * The op kernels: what each DSA-like op does to one run of physically contiguous bytes, and the
 * switch that dispatches to them. The page run (page-run.ts) translates, checks and windows;
 * these only move and inspect bytes in simulated physical memory. Allocation-free: state lives
 * in typed arrays, results are small integers.
 *
 * | op             | source (D.src) | destination (D.dst) | kernel                                   |
 * |----------------|----------------|---------------------|------------------------------------------|
 * | memmove        | read           | write               | copy                                     |
 * | fill           | —              | write               | fill with the 8-byte pattern             |
 * | compare        | read           | read                | first difference (stops the descriptor)  |
 * | comparePattern | —              | read                | first difference from the pattern (stops)|
 * | crc32c         | read           | —                   | CRC32C update (crc32c.ts)                |
 * | gather         | read           | —                   | copy into the engine's input buffer      |
 * | scatter        | —              | write               | copy out of the engine's output buffer   |
 * batch has no kernel: the engine executes its sub-descriptors. Dualcast and the IAA ops are made
 * of passes of these (compound.ts); `gather` and `scatter` are their internal op codes.
 *
 * Window sizes: a copy window (page-run.ts) holds at most `WINDOW_PAGES[op]` page steps, so a
 * window stays open for a similar time whatever the op (the kernel's drain waits for open
 * windows): about 10–20 µs of host time on the development machine (memmove/fill ~0.2 µs per
 * page, compare ~1 µs, crc32c ~5 µs). Comparing ops, which stop at the first difference, start
 * with a one-page window and double it while the operands stay equal, so a difference on the
 * first page costs one page of translations — the read-ahead a prefetching engine does.
 */

import { InternalOp, OP_CODE_COUNT, Op } from '../layout/ops.js';
import { C, type CompletionRecord } from './completion.js';
import { CRC32C_INIT, crc32cFinal, crc32cUpdate } from './crc32c.js';

/**
 * What each op needs of the page run, packed in one small integer per op (one load on the hot
 * path): which operands it uses and how, whether it stops at the first difference, whether its
 * kernel keeps state across runs, and its window size in pages.
 */
export const Trait = {
  /** Reads the source operand (D.src). */
  readsSource: 1,
  /** Uses the destination operand (D.dst) … */
  usesDestination: 2,
  /** … and writes it. */
  writesDestination: 4,
  /** Stops at the first difference: its windows grow from one page. */
  stopsEarly: 8,
  /** Its kernel keeps state across runs (begin / finish): the running CRC. */
  stateful: 16,
  /** Window size in pages: bits 8 and up. */
  windowShift: 8,
} as const;

const t = Trait;
/** Indexed by op code (public, then internal). */
export const OP_TRAITS = new Int32Array(OP_CODE_COUNT);
OP_TRAITS[Op.memmove] = t.readsSource | t.usesDestination | t.writesDestination | (64 << t.windowShift);
OP_TRAITS[Op.fill] = t.usesDestination | t.writesDestination | (64 << t.windowShift);
OP_TRAITS[Op.compare] = t.readsSource | t.usesDestination | t.stopsEarly | (16 << t.windowShift);
OP_TRAITS[Op.comparePattern] = t.usesDestination | t.stopsEarly | (16 << t.windowShift);
OP_TRAITS[Op.crc32c] = t.readsSource | t.stateful | (4 << t.windowShift);
// batch, dualcast and the IAA ops have no kernel of their own: the engine runs their passes.
OP_TRAITS[InternalOp.gather] = t.readsSource | (64 << t.windowShift);
OP_TRAITS[InternalOp.scatter] = t.usesDestination | t.writesDestination | (64 << t.windowShift);
export const MAX_WINDOW_PAGES = 64;

/** Copy `n` bytes from `srcPa` to `dstPa` (memmove semantics). */
export function copy(b: Uint8Array, dstPa: number, srcPa: number, n: number): void {
  b.copyWithin(dstPa, srcPa, srcPa + n);
}

/**
 * Fill `n` bytes at `dstPa` with the 8-byte pattern, phase-correct for a run that starts
 * `offset` bytes into the descriptor: lay down one period, then double it with copyWithin.
 */
export function fillPattern(b: Uint8Array, dstPa: number, n: number, pattern: Uint8Array, offset: number): void {
  const first = Math.min(n, 8);
  for (let j = 0; j < first; j++) b[dstPa + j] = pattern[(offset + j) & 7]!;
  let filled = first;
  while (filled < n) {
    const chunk = Math.min(filled, n - filled);
    b.copyWithin(dstPa + filled, dstPa, dstPa + chunk);
    filled += chunk;
  }
}

/** Offset of the first byte that differs between [pa, pa+n) and [pb, pb+n); n if none. */
export function firstDifference(b: Uint8Array, w: Int32Array, pa: number, pb: number, n: number): number {
  let i = 0;
  if (((pa | pb) & 3) === 0) {
    const wa = pa >>> 2;
    const wb = pb >>> 2;
    const nw = n >>> 2;
    while (i < nw && w[wa + i] === w[wb + i]) i++;
    i <<= 2;
  }
  while (i < n && b[pa + i] === b[pb + i]) i++;
  return i;
}

/**
 * Offset of the first byte of [pa, pa+n) that differs from the pattern, for a run that starts
 * `offset` bytes into the descriptor; n if none. `lo`/`hi` are the pattern's two little-endian
 * words (a word compare when the run and its phase are 4-byte aligned).
 */
export function firstPatternDifference(
  b: Uint8Array,
  w: Int32Array,
  pa: number,
  n: number,
  pattern: Uint8Array,
  lo: number,
  hi: number,
  offset: number,
): number {
  let i = 0;
  if ((pa & 3) === 0 && (offset & 3) === 0) {
    const wa = pa >>> 2;
    const nw = n >>> 2;
    // Word k of this run sits at descriptor offset `offset + 4k`: lo when that is ≡ 0 (mod 8).
    let phaseHi = (offset & 4) !== 0;
    while (i < nw && w[wa + i] === (phaseHi ? hi : lo)) {
      i++;
      phaseHi = !phaseHi;
    }
    i <<= 2;
  }
  while (i < n && b[pa + i] === pattern[(offset + i) & 7]) i++;
  return i;
}

/**
 * An op's kernel over one run, in one shape for every op: the device's kernel state, the run's
 * physical source and destination (an operand the op does not use is ignored), its length, and
 * how far into the descriptor it starts. Returns the bytes before the first difference — `n` when
 * there is none, and always for ops that do not compare.
 */
type RunKernel = (k: OpKernels, srcPa: number, dstPa: number, n: number, offset: number) => number;

const memmoveRun: RunKernel = (k, srcPa, dstPa, n) => {
  copy(k.bytes, dstPa, srcPa, n);
  return n;
};
const fillRun: RunKernel = (k, _srcPa, dstPa, n, offset) => {
  fillPattern(k.bytes, dstPa, n, k.pattern, offset);
  return n;
};
const compareRun: RunKernel = (k, srcPa, dstPa, n) => firstDifference(k.bytes, k.words, srcPa, dstPa, n);
const comparePatternRun: RunKernel = (k, _srcPa, dstPa, n, offset) =>
  firstPatternDifference(k.bytes, k.words, dstPa, n, k.pattern, k.patternLo, k.patternHi, offset);
const crc32cRun: RunKernel = (k, srcPa, _dstPa, n) => {
  crc32cUpdate(k.crc, k.bytes, srcPa, n);
  return n;
};
const gatherRun: RunKernel = (k, srcPa, _dstPa, n, offset) => {
  copyBetween(k.bytes, k.words, srcPa, k.input, k.inputWords, offset, n);
  return n;
};
const scatterRun: RunKernel = (k, _srcPa, dstPa, n, offset) => {
  copyBetween(k.output, k.outputWords, offset, k.bytes, k.words, dstPa, n);
  return n;
};

/**
 * Copy `n` bytes between two buffers (their byte and word views), word by word when both ends
 * are 4-byte aligned. No subarray: a view per run would be an allocation on the hot path.
 */
function copyBetween(from: Uint8Array, fromWords: Int32Array, at: number, to: Uint8Array, toWords: Int32Array, toAt: number, n: number): void {
  let i = 0;
  if (((at | toAt) & 3) === 0) {
    const wf = at >>> 2;
    const wt = toAt >>> 2;
    const nw = n >>> 2;
    for (; i < nw; i++) toWords[wt + i] = fromWords[wf + i]!;
    i <<= 2;
  }
  for (; i < n; i++) to[toAt + i] = from[at + i]!;
}

/** The kernels of one device, with the state they keep across runs of a descriptor. */
export class OpKernels {
  /** The running CRC of the descriptor being executed (an Int32Array: no boxed number crosses a call). */
  readonly crc = new Int32Array(1);

  constructor(
    readonly bytes: Uint8Array,
    readonly words: Int32Array,
    /** The device's 8-byte pattern as bytes, and as its two little-endian words. */
    readonly pattern: Uint8Array,
    readonly patternLo: number,
    readonly patternHi: number,
    /** The engine's input and output buffers of IAA ops (`gather`, `scatter`; compound.ts). */
    readonly input: Uint8Array = new Uint8Array(0),
    readonly output: Uint8Array = new Uint8Array(0),
  ) {
    this.inputWords = new Int32Array(input.buffer, input.byteOffset, input.length >>> 2);
    this.outputWords = new Int32Array(output.buffer, output.byteOffset, output.length >>> 2);
  }

  readonly inputWords: Int32Array;
  readonly outputWords: Int32Array;

  /** Before the first run of a crc32c descriptor that starts (or resumes) `offset` bytes in. */
  begin(offset: number): void {
    // A resubmitted remainder continues the running CRC.
    if (offset === 0) this.crc[0] = CRC32C_INIT;
  }

  /**
   * Apply `op` to one run (RunKernel). The switch picks the kernel; the one call site it feeds
   * sees every op of a mixed workload, so V8 compiles each kernel on its own rather than inlining
   * all of them into the page loop — inlined there together, their loops ran up to 1.3× slower
   * (measured on compare and crc32c; a single-op workload still gets its kernel inlined).
   */
  run(op: number, srcPa: number, dstPa: number, n: number, offset: number): number {
    let kernel: RunKernel;
    switch (op) {
      case Op.memmove:
        kernel = memmoveRun;
        break;
      case Op.fill:
        kernel = fillRun;
        break;
      case Op.compare:
        kernel = compareRun;
        break;
      case Op.comparePattern:
        kernel = comparePatternRun;
        break;
      case Op.crc32c:
        kernel = crc32cRun;
        break;
      case InternalOp.gather:
        kernel = gatherRun;
        break;
      case InternalOp.scatter:
        kernel = scatterRun;
        break;
      default:
        throw new Error(`bug: op ${op} has no kernel`);
    }
    return kernel(this, srcPa, dstPa, n, offset);
  }

  /**
   * After the last run of a crc32c descriptor that completed every byte: the CRC. (Every other
   * op's result is already in the record: -1 from the start, or a comparing op's difference.)
   */
  finish(c: CompletionRecord): void {
    c[C.result] = crc32cFinal(this.crc);
  }
}
