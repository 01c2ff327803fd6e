/**
 * CRC64 with a per-call polynomial, as an Intel IAA CRC64 operation computes it: the descriptor
 * carries the 64-bit polynomial and two flags, bit order and inversion. Byte-at-a-time table
 * lookup over 64-bit state held as two uint32 halves, so no BigInt and no allocation per call.
 *
 * Parameters follow the Rocksoft/Williams model ("A painless guide to CRC error detection
 * algorithms"): `poly` in normal (MSB-first) form with the x^64 term implied; `reflected` means
 * refin = refout = true (bits enter LSB-first, the register is read out reflected), as
 * CRC-64/NVME; `invert` means init = xorout = all ones. Two catalogue parameter sets are exported
 * with their check values (CRC of ASCII "123456789").
 *
 * Tables: a 256-entry table depends on (polynomial, reflected), so a small cache of slots is
 * kept, filled on first use of a pair and evicted least-recently-used. Building a table costs
 * 2048 shift/xor steps (about half a 4 KiB page's worth of CRC); nothing is allocated after
 * the constructor.
 *
 * Left out: refin ≠ refout combinations, arbitrary init/xorout values, widths other than 64,
 * slice-by-N tables (one table per slot keeps a slot at 2 KiB), incremental (multi-call) use.
 */

/** One 256-entry table: entry i at words [2i] (high 32 bits) and [2i + 1] (low 32 bits). */
const TABLE_WORDS = 512;

// The two parameter sets below hold uint32 halves above 2^30, which V8 keeps as boxed doubles in
// an object: a hot loop should copy them into locals or typed arrays once, not pass
// `CRC64_NVME.polyHi` into each call (measured: a heap number per half, 32 bytes per call).

/** CRC-64/ECMA-182 (MSB-first, no inversion; CRC-64/XZ is the same polynomial reflected and inverted): check 0x6C40DF5F0B497347. */
export const CRC64_ECMA_182 = { polyHi: 0x42f0e1eb, polyLo: 0xa9ea3693, reflected: false, invert: false } as const;

/** CRC-64/NVME (NVM Express command set, end-to-end protection): check 0xAE8B14860A799888. */
export const CRC64_NVME = { polyHi: 0xad93d235, polyLo: 0x94c93659, reflected: true, invert: true } as const;

/** Reverse the 32 bits of x (uint32 in, uint32 out). */
function reverseBits32(x: number): number {
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
  return ((x >>> 16) | (x << 16)) >>> 0;
}

export class Crc64 {
  /**
   * The last result, [high 32 bits, low 32 bits]. A typed array rather than two number fields:
   * a field holding a uint32 above 2^30 is a boxed heap number in V8, a new one per store.
   */
  private readonly result = new Uint32Array(2);

  private readonly slotCount: number;
  /** All slots' tables back to back: slot s at words [s * 512, (s + 1) * 512). */
  private readonly tables: Uint32Array;
  private readonly slotPolyHi: Uint32Array;
  private readonly slotPolyLo: Uint32Array;
  /** Per slot: 0 empty, 1 normal (MSB-first) table, 2 reflected table. */
  private readonly slotKind: Uint8Array;
  /** Per slot: value of `clock` at its last use (LRU eviction picks the smallest). */
  private readonly slotLastUse: Float64Array;
  /** A use counter kept in a typed array (a plain field would grow into a boxed double). */
  private readonly clock = new Float64Array(1);

  constructor(tableSlots = 4) {
    if (!Number.isInteger(tableSlots) || tableSlots < 1 || tableSlots > 1024) {
      throw new RangeError(`Crc64: tableSlots must be an integer in 1..1024, got ${tableSlots}`);
    }
    this.slotCount = tableSlots;
    this.tables = new Uint32Array(tableSlots * TABLE_WORDS);
    this.slotPolyHi = new Uint32Array(tableSlots);
    this.slotPolyLo = new Uint32Array(tableSlots);
    this.slotKind = new Uint8Array(tableSlots);
    this.slotLastUse = new Float64Array(tableSlots);
  }

  /**
   * CRC64 of buf[offset, offset + lengthBytes) under the given parameters; the result goes to
   * `hi` and `lo`. polyHi/polyLo: the polynomial's two 32-bit halves, normal form, x^64 implied.
   */
  compute(
    buf: Uint8Array,
    offset: number,
    lengthBytes: number,
    polyHi: number,
    polyLo: number,
    reflected: boolean,
    invert: boolean,
  ): void {
    if (!(offset >= 0 && lengthBytes >= 0 && offset + lengthBytes <= buf.length)) {
      throw new RangeError(`Crc64.compute: range [${offset}, +${lengthBytes}) outside a ${buf.length}-byte buffer`);
    }
    const base = this.slotFor(polyHi >>> 0, polyLo >>> 0, reflected) * TABLE_WORDS;
    const init = invert ? 0xffffffff : 0;
    if (reflected) this.updateReflected(buf, offset, offset + lengthBytes, base, init, init);
    else this.updateNormal(buf, offset, offset + lengthBytes, base, init, init);
    if (invert) {
      this.result[0] = ~this.result[0]!;
      this.result[1] = ~this.result[1]!;
    }
  }

  /** High 32 bits of the last result, as an unsigned number. */
  get hi(): number {
    return this.result[0]!;
  }

  /** Low 32 bits of the last result, as an unsigned number. */
  get lo(): number {
    return this.result[1]!;
  }

  /** The last result as a BigInt. For tests and reports only: allocates, not for the hot path. */
  toBigInt(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** The last result as 16 lower-case hex digits. For tests and reports only: allocates. */
  toHex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }

  /** MSB-first: the register shifts left, the top byte indexes the table. */
  private updateNormal(buf: Uint8Array, start: number, end: number, base: number, hi: number, lo: number): void {
    const T = this.tables;
    for (let i = start; i < end; i++) {
      const index = base + (((hi >>> 24) ^ buf[i]!) << 1);
      hi = ((hi << 8) | (lo >>> 24)) ^ T[index]!;
      lo = (lo << 8) ^ T[index + 1]!;
    }
    this.result[0] = hi;
    this.result[1] = lo;
  }

  /** LSB-first: the register shifts right, the bottom byte indexes the table. */
  private updateReflected(buf: Uint8Array, start: number, end: number, base: number, hi: number, lo: number): void {
    const T = this.tables;
    for (let i = start; i < end; i++) {
      const index = base + (((lo ^ buf[i]!) & 0xff) << 1);
      lo = ((lo >>> 8) | (hi << 24)) ^ T[index + 1]!;
      hi = (hi >>> 8) ^ T[index]!;
    }
    this.result[0] = hi;
    this.result[1] = lo;
  }

  /** The slot holding the table for (poly, reflected), building it in the LRU slot on a miss. */
  private slotFor(polyHi: number, polyLo: number, reflected: boolean): number {
    const kind = reflected ? 2 : 1;
    const now = (this.clock[0]! += 1);
    let victim = 0;
    for (let s = 0; s < this.slotCount; s++) {
      if (this.slotKind[s] === kind && this.slotPolyHi[s] === polyHi && this.slotPolyLo[s] === polyLo) {
        this.slotLastUse[s] = now;
        return s;
      }
      if (this.slotLastUse[s]! < this.slotLastUse[victim]!) victim = s;
    }
    if (reflected) this.buildReflected(victim * TABLE_WORDS, polyHi, polyLo);
    else this.buildNormal(victim * TABLE_WORDS, polyHi, polyLo);
    this.slotKind[victim] = kind;
    this.slotPolyHi[victim] = polyHi;
    this.slotPolyLo[victim] = polyLo;
    this.slotLastUse[victim] = now;
    return victim;
  }

  /** Entry b: the register b·x^56 after eight MSB-first steps. */
  private buildNormal(base: number, polyHi: number, polyLo: number): void {
    const T = this.tables;
    for (let b = 0; b < 256; b++) {
      let hi = b << 24;
      let lo = 0;
      for (let k = 0; k < 8; k++) {
        const top = hi & 0x80000000;
        hi = (hi << 1) | (lo >>> 31);
        lo <<= 1;
        if (top !== 0) {
          hi ^= polyHi;
          lo ^= polyLo;
        }
      }
      T[base + 2 * b] = hi;
      T[base + 2 * b + 1] = lo;
    }
  }

  /** Entry b: the register b after eight LSB-first steps with the bit-reversed polynomial. */
  private buildReflected(base: number, polyHi: number, polyLo: number): void {
    const T = this.tables;
    // Reversing 64 bits swaps the halves and reverses each.
    const revHi = reverseBits32(polyLo);
    const revLo = reverseBits32(polyHi);
    for (let b = 0; b < 256; b++) {
      let hi = 0;
      let lo = b;
      for (let k = 0; k < 8; k++) {
        const bottom = lo & 1;
        lo = (lo >>> 1) | (hi << 31);
        hi >>>= 1;
        if (bottom !== 0) {
          hi ^= revHi;
          lo ^= revLo;
        }
      }
      T[base + 2 * b] = hi;
      T[base + 2 * b + 1] = lo;
    }
  }
}
