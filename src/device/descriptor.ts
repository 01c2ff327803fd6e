/**
 * The device's descriptor: a Float64Array record, preallocated per device and reused (object
 * fields holding addresses above 2^30 would box a heap number per store). Built by the workload
 * (workload.ts), executed by the page run (page-run.ts). Modelled on a DSA descriptor's opcode,
 * transfer size, source and destination fields; `startOffset` is the software's resubmission of
 * the remainder after a partial completion.
 */

export type Descriptor = Float64Array;

export const D = {
  /** layout/ops.ts Op code. */
  op: 0,
  sizeBytes: 1,
  /** Source address (memmove, compare's first operand, crc32c). */
  src: 2,
  /** Destination address (memmove, fill; compare's second operand; compare-pattern's operand). */
  dst: 3,
  /** Bytes already completed by earlier (partial) completions: execution resumes here. */
  startOffset: 4,
  /** Dualcast's second destination. */
  dst2: 5,
  /** Compress: the deflate mode (device/deflate.ts DeflateMode: fixed or dynamic Huffman). */
  mode: 6,
  /** CRC64: the polynomial's high and low 32 bits (normal form, x^64 implied) and its flags (CrcFlag). */
  polyHi: 7,
  polyLo: 8,
  crcFlags: 9,
  /** IAA: the destination's size, bytes (0: the source's, `sizeBytes`) — the most a compress or decompress may write. */
  dstSizeBytes: 10,
  width: 11,
} as const;

/** CRC64 descriptor flags (IAA: bit order and inversion). */
export const CrcFlag = { reflected: 1, invert: 2 } as const;

export function newDescriptor(): Descriptor {
  return new Float64Array(D.width);
}

/** A descriptor built by hand (tests, benchmarks). */
export function descriptorOf(op: number, src: number, dst: number, sizeBytes: number): Descriptor {
  const d = newDescriptor();
  d[D.op] = op;
  d[D.src] = src;
  d[D.dst] = dst;
  d[D.sizeBytes] = sizeBytes;
  return d;
}
