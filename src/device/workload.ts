/**
 * Descriptor generation: which op, how many bytes, where. Deterministic for a given seed and
 * device index, independent of timing, so a fixed descriptor count gives the same op mix and
 * bytes every run.
 *
 * Address plan for a region of R bytes shared by k devices:
 *   - the lower half is the source area: read by every device (memmove/compare/crc32c sources);
 *     nothing ever writes it, so reference checks on it are exact;
 *   - the upper half is split into k destination stripes, one per device (memmove/fill
 *     destinations, compare's second operand, compare-pattern), so no two devices write the
 *     same bytes and sampled integrity checks are exact.
 * Transfers start on a granule (4 KiB when every size is ≥ 4 KiB, else 64 B). The access
 * pattern picks the source granule: `sequential` streams (next start = previous end, wrapping),
 * `uniform` picks any, `zipf` picks rank r with probability ∝ 1/r^θ (rank 1 = first granule).
 * The destination granule is the source granule modulo the stripe.
 *
 * With `outsideVmaFraction` f > 0, a fraction f of descriptors (one extra draw each) address
 * the unmapped guard gap just past the region instead — outside every VMA — so that faults
 * there must be answered INVALID (source and destination both, so every op touches it).
 */

import { PAGE_SIZE } from '../layout/constants.js';
import { OP_NAMES, type OpName, type WorkloadConfig } from '../profile/types.js';
import { nextBelow, type Rng, WeightedChoice, ZipfSampler } from './rng.js';

export const Op = {
  memmove: 0,
  fill: 1,
  compare: 2,
  comparePattern: 3,
  crc32c: 4,
  batch: 5,
} as const satisfies Record<OpName, number>;

/**
 * A descriptor being built or executed: a Float64Array record, preallocated per device and
 * reused (object fields holding addresses above 2^30 would box a heap number per store).
 */
export type Descriptor = Float64Array;
export const D = {
  op: 0,
  sizeBytes: 1,
  src: 2,
  dst: 3,
  /** Bytes already completed by earlier (partial) completions: execution resumes here. */
  startOffset: 4,
  width: 5,
} as const;

export function newDescriptor(): Descriptor {
  return new Float64Array(D.width);
}

export interface RegionPlan {
  readonly start: number;
  readonly sizeBytes: number;
  readonly stripeIndex: number;
  readonly stripeCount: number;
}

const PATTERN_SEQUENTIAL = 0;
const PATTERN_UNIFORM = 1;
const PATTERN_ZIPF = 2;

export class WorkloadError extends Error {
  override readonly name = 'WorkloadError';
}

export class Workload {
  readonly granuleBytes: number;
  readonly sourceUnits: number;
  readonly destUnits: number;
  readonly maxSizeBytes: number;
  /** The device's 8-byte fill / compare-pattern pattern, as two little-endian words. */
  readonly patternLo: number;
  readonly patternHi: number;
  private readonly sourceBase: number;
  private readonly destBase: number;
  private readonly ops: WeightedChoice;
  private readonly subOps: WeightedChoice;
  private readonly subOpCodes: number[];
  private readonly sizes: WeightedChoice;
  private readonly sizeValues: Float64Array;
  private readonly zipf: ZipfSampler | undefined;
  private seqUnit = 0;
  /** outsideVmaFraction scaled to a 30-bit threshold (0 = never draw). */
  private readonly outsideThreshold: number;
  private readonly outsideBase: number;
  private readonly patternCode: number;

  constructor(
    private readonly cfg: WorkloadConfig,
    region: RegionPlan,
    private readonly rng: Rng,
  ) {
    const sizes = cfg.transferSizes.map((t) => t.sizeBytes);
    this.maxSizeBytes = Math.max(...sizes);
    let granule = Math.min(...sizes) >= PAGE_SIZE ? PAGE_SIZE : 64;
    const half = Math.floor(region.sizeBytes / 2 / PAGE_SIZE) * PAGE_SIZE;
    while (half / granule > 2 ** 22) granule *= 2;
    this.granuleBytes = granule;
    const stripeBytes = Math.floor(half / region.stripeCount / granule) * granule;
    if (half < this.maxSizeBytes || stripeBytes < this.maxSizeBytes) {
      throw new WorkloadError(
        `a ${region.sizeBytes}-byte region shared by ${region.stripeCount} device(s) leaves ${stripeBytes}-byte ` +
          `destination stripes, smaller than the largest transfer (${this.maxSizeBytes} bytes); ` +
          'enlarge the region or use smaller transfers',
      );
    }
    this.sourceBase = region.start;
    this.destBase = region.start + half + region.stripeIndex * stripeBytes;
    this.sourceUnits = Math.floor((half - this.maxSizeBytes) / granule) + 1;
    this.destUnits = Math.floor((stripeBytes - this.maxSizeBytes) / granule) + 1;
    this.ops = new WeightedChoice(OP_NAMES.map((n) => cfg.ops[n]));
    this.subOpCodes = OP_NAMES.map((_, i) => i).filter((i) => i !== Op.batch && cfg.ops[OP_NAMES[i]!] > 0);
    if (this.subOpCodes.length === 0) this.subOpCodes.push(Op.memmove);
    this.subOps = new WeightedChoice(this.subOpCodes.map((i) => (cfg.ops[OP_NAMES[i]!] > 0 ? cfg.ops[OP_NAMES[i]!] : 1)));
    this.sizes = new WeightedChoice(cfg.transferSizes.map((t) => t.weight));
    this.sizeValues = Float64Array.from(sizes);
    this.outsideThreshold = Math.round(cfg.outsideVmaFraction * 2 ** 30);
    // The kernel leaves at least 2 MiB unmapped after every region (kernel.ts mmap).
    this.outsideBase = region.start + region.sizeBytes;
    this.patternCode = cfg.pattern === 'sequential' ? PATTERN_SEQUENTIAL : cfg.pattern === 'uniform' ? PATTERN_UNIFORM : PATTERN_ZIPF;
    this.zipf = cfg.pattern === 'zipf' ? new ZipfSampler(this.sourceUnits, cfg.zipfTheta) : undefined;
    // Two 30-bit draws widened to 32 bits; no byte is zero, so a pattern never matches cleared memory.
    this.patternLo = ((rng.next30() << 2) | 0x01010101) | 0;
    this.patternHi = ((rng.next30() << 2) | 0x01010101) | 0;
  }

  /** Fill `d` with the next top-level descriptor. */
  next(d: Descriptor): void {
    this.place(d, this.ops.pick(this.rng));
  }

  /** Fill `d` with the next sub-descriptor of a batch (never a batch). */
  nextSub(d: Descriptor): void {
    this.place(d, this.subOpCodes[this.subOps.pick(this.rng)]!);
  }

  private place(d: Descriptor, op: number): void {
    d[D.op] = op;
    d[D.startOffset] = 0;
    const size = op === Op.batch ? 0 : this.sizeValues[this.sizes.pick(this.rng)]!;
    d[D.sizeBytes] = size;
    if (op === Op.batch) {
      d[D.src] = 0;
      d[D.dst] = 0;
      return;
    }
    let unit: number;
    const pattern = this.patternCode;
    if (pattern === PATTERN_UNIFORM) {
      unit = nextBelow(this.rng, this.sourceUnits);
    } else if (pattern === PATTERN_SEQUENTIAL) {
      unit = this.seqUnit;
      this.seqUnit += Math.ceil(size / this.granuleBytes);
      if (this.seqUnit >= this.sourceUnits) this.seqUnit = 0;
    } else {
      unit = this.zipf!.sample(this.rng) - 1;
    }
    d[D.src] = this.sourceBase + unit * this.granuleBytes;
    d[D.dst] = this.destBase + (unit % this.destUnits) * this.granuleBytes;
    if (this.outsideThreshold > 0 && this.rng.next30() < this.outsideThreshold) {
      const offset = (unit * this.granuleBytes) % (0x20_0000 - this.maxSizeBytes + 1);
      d[D.src] = this.outsideBase + offset;
      d[D.dst] = this.outsideBase + offset;
    }
  }
}
