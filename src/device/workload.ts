/**
 * Descriptor generation: which op, how many bytes, where. Deterministic for a given seed and
 * device index, independent of timing, so a fixed descriptor count gives the same op mix and
 * bytes every run.
 *
 * Addresses follow the region's plan (layout/region-plan.ts: a shared source half, one
 * destination stripe per device). The access pattern picks the source granule: `sequential`
 * streams (next start = previous end, wrapping), `uniform` picks any, `zipf` picks rank r with
 * probability ∝ 1/r^θ (rank 1 = first granule). The destination granule is the source granule
 * modulo the stripe.
 *
 * With `outsideVmaFraction` f > 0, a fraction f of descriptors (one extra draw each) address
 * the unmapped guard gap just past the region instead — outside every VMA — so that faults
 * there must be answered INVALID (source and destination both, so every op touches it).
 */

import { nextBelow, type Rng, WeightedChoice, ZipfSampler } from '../common/rng.js';
import { OP_NAMES, Op } from '../layout/ops.js';
import type { WorkloadSpec } from '../layout/protocol.js';
import { planRegion, type RegionSpec } from '../layout/region-plan.js';
import { CrcFlag, D, type Descriptor } from './descriptor.js';
import { DeflateMode } from './deflate.js';


const PATTERN_SEQUENTIAL = 0;
const PATTERN_UNIFORM = 1;
const PATTERN_ZIPF = 2;

export class Workload {
  readonly granuleBytes: number;
  readonly sourceUnits: number;
  readonly destUnits: number;
  readonly maxSizeBytes: number;
  /** Sub-descriptors of a batch descriptor. */
  readonly batchSize: number;
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
    private readonly cfg: WorkloadSpec,
    region: RegionSpec,
    private readonly rng: Rng,
  ) {
    const sizes = cfg.transferSizes.map((t) => t.sizeBytes);
    const planned = planRegion(region, sizes);
    // The run rejects an impossible plan as bad input before any device starts.
    if (!planned.ok) throw new Error(`bug: ${planned.problem}`);
    const plan = planned.plan;
    this.maxSizeBytes = plan.maxSizeBytes;
    this.batchSize = cfg.batchSize;
    this.granuleBytes = plan.granuleBytes;
    this.sourceBase = plan.sourceBase;
    this.destBase = plan.destBase;
    this.sourceUnits = plan.sourceUnits;
    this.destUnits = plan.destUnits;
    this.ops = new WeightedChoice(OP_NAMES.map((n) => cfg.ops[n]));
    this.subOpCodes = OP_NAMES.map((_, i) => i).filter((i) => i !== Op.batch && cfg.ops[OP_NAMES[i]!] > 0);
    if (this.subOpCodes.length === 0) this.subOpCodes.push(Op.memmove);
    this.subOps = new WeightedChoice(this.subOpCodes.map((i) => (cfg.ops[OP_NAMES[i]!] > 0 ? cfg.ops[OP_NAMES[i]!] : 1)));
    this.sizes = new WeightedChoice(cfg.transferSizes.map((t) => t.weight));
    this.sizeValues = Float64Array.from(sizes);
    this.outsideThreshold = Math.round(cfg.outsideVmaFraction * 2 ** 30);
    this.outsideBase = plan.outsideBase;
    this.patternCode = cfg.pattern === 'sequential' ? PATTERN_SEQUENTIAL : cfg.pattern === 'uniform' ? PATTERN_UNIFORM : PATTERN_ZIPF;
    this.zipf = cfg.pattern === 'zipf' ? new ZipfSampler(this.sourceUnits, cfg.zipfTheta) : undefined;
    // Two 30-bit draws widened to 32 bits; no byte is zero, so a pattern never matches cleared memory.
    this.patternLo = ((rng.next30() << 2) | 0x01010101) | 0;
    this.patternHi = ((rng.next30() << 2) | 0x01010101) | 0;
    this.deflateMode = cfg.deflateMode === 'fixed' ? DeflateMode.fixed : DeflateMode.dynamic;
    this.crcFlags = (cfg.crc64.reflected ? CrcFlag.reflected : 0) | (cfg.crc64.invert ? CrcFlag.invert : 0);
  }

  private readonly deflateMode: number;
  private readonly crcFlags: number;

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
    // The fields of the ops that read them only (the record is reused: the others stay stale, unread).
    if (op === Op.dualcast) {
      // The second destination: half the stripe away (wrapping), so the two rarely overlap.
      d[D.dst2] = this.destBase + ((unit + (this.destUnits >>> 1)) % this.destUnits) * this.granuleBytes;
    } else if (op === Op.crc64) {
      d[D.polyHi] = this.cfg.crc64.polyHi;
      d[D.polyLo] = this.cfg.crc64.polyLo;
      d[D.crcFlags] = this.crcFlags;
    } else if (op > Op.dualcast) {
      d[D.mode] = this.deflateMode;
      d[D.dstSizeBytes] = 0;
    }
    if (this.outsideThreshold > 0 && this.rng.next30() < this.outsideThreshold) {
      const offset = (unit * this.granuleBytes) % (0x20_0000 - this.maxSizeBytes + 1);
      d[D.src] = this.outsideBase + offset;
      d[D.dst] = this.outsideBase + offset;
    }
  }
}
