/**
 * Raw DEFLATE decompression (RFC 1951), as an Intel IAA decompress operation performs it on one
 * buffer: the whole stream is in memory, the output goes to one bounded buffer, and the result is
 * a byte count or a status — never an exception, whatever the input bytes are. Allocation-free
 * per call: every table and all state live in typed arrays and small-integer fields set up by
 * the constructor.
 *
 * Follows RFC 1951 §3.2.3 (block header; multiple blocks, BFINAL), §3.2.4 (stored blocks,
 * LEN/NLEN), §3.2.5 (length and distance codes, distances up to 32 KiB — any zlib window),
 * §3.2.6 (fixed Huffman codes), §3.2.7 (dynamic Huffman codes: HLIT/HDIST/HCLEN, code length
 * repeat codes 16/17/18), §3.2.2 (canonical codes), §3.1.1 (bit order).
 *
 * What counts as corrupt follows zlib's inflate, the de facto reading of the RFC: block type 11,
 * LEN ≠ ~NLEN, HLIT > 286 or HDIST > 30, an over-subscribed code, an incomplete code (except a
 * literal/length or distance code with a single code of one bit, and a distance code with no
 * codes at all when the block uses no distances), a code length repeat (16) with no previous
 * length or any repeat running past HLIT + HDIST, a missing end-of-block code, a bit pattern that
 * is no code, length symbols 286/287, distance symbols 30/31, and a distance reaching before the
 * start of this call's output. Input that ends before the final block does is `truncated` — also
 * when the bits past the end would have made the stream corrupt or overflowed the output — and
 * output that would pass the capacity is `outputTooSmall`.
 *
 * Left out: streaming (input or output in several calls), a preset dictionary or history from a
 * previous job, zlib/gzip wrappers and checksums, reporting how much input was consumed (bytes
 * after the final block are ignored).
 */

export const InflateStatus = { corrupt: -1, outputTooSmall: -2, truncated: -3 } as const;

// --- RFC 1951 §3.2.5 tables, shared with the deflater (deflate.ts) -------------------------------

/** Match length for length symbol 257 + i, before its extra bits. */
export const LENGTH_BASE = Uint16Array.of(
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
);
/** Extra bits after length symbol 257 + i. */
export const LENGTH_EXTRA_BITS = Uint8Array.of(
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
);
/** Distance for distance symbol i, before its extra bits. */
export const DISTANCE_BASE = Uint16Array.of(
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
  6145, 8193, 12289, 16385, 24577,
);
/** Extra bits after distance symbol i. */
export const DISTANCE_EXTRA_BITS = Uint8Array.of(
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
);
/** §3.2.7: the order in which the code length code's lengths are sent. */
export const CODE_LENGTH_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

/** Longest Huffman code DEFLATE allows (all three alphabets). */
export const MAX_CODE_BITS = 15;
/** Literal/length symbols a dynamic block may declare (HLIT ≤ 286); the fixed code has 288. */
export const MAX_LITERAL_LENGTH_SYMBOLS = 286;
/** Distance symbols a dynamic block may declare (HDIST ≤ 30); the fixed code has 32. */
export const MAX_DISTANCE_SYMBOLS = 30;
export const END_OF_BLOCK = 256;

/** Reverse the low `bitCount` bits of `code`: Huffman codes go out MSB-first (§3.1.1). */
export function reverseBits(code: number, bitCount: number): number {
  let reversed = 0;
  for (let i = 0; i < bitCount; i++) {
    reversed = (reversed << 1) | (code & 1);
    code >>>= 1;
  }
  return reversed;
}

// --- Decoding tables -----------------------------------------------------------------------------

/**
 * Codes up to FAST_BITS long decode with one lookup on the next FAST_BITS input bits; longer
 * ones (rare by construction: they are the rarest symbols) fall back to a canonical walk. Nine
 * bits keeps a table at 1 KiB, cheap to rebuild for every dynamic block of a 4 KiB page.
 */
const FAST_BITS = 9;
const FAST_MASK = (1 << FAST_BITS) - 1;
/** A fast-table entry is (symbol << 4) | code length; 0 means "not a code of ≤ FAST_BITS bits". */
const ENTRY_LENGTH_MASK = 15;
const ENTRY_SYMBOL_SHIFT = 4;

/** A canonical Huffman decoding table for one alphabet (RFC 1951 §3.2.2). */
class DecodeTable {
  /** Fast lookup on the next FAST_BITS input bits (LSB-first), see ENTRY_*. */
  readonly fast = new Uint16Array(1 << FAST_BITS);
  /** Number of codes of each length, 0..15 (count[0]: unused symbols). */
  readonly countPerLength = new Uint16Array(MAX_CODE_BITS + 1);
  /** Symbols in canonical code order (by length, then by symbol value). */
  readonly symbolsByCode: Uint16Array;
  /** Scratch: next free slot in symbolsByCode per length. */
  private readonly nextSlot = new Uint16Array(MAX_CODE_BITS + 1);

  constructor(maxSymbols: number) {
    this.symbolsByCode = new Uint16Array(maxSymbols);
  }

  /**
   * Build from the code lengths lengths[start, start + symbolCount). Returns how far the code is
   * from complete, in units of 2^-15 of the code space: 0 complete, > 0 incomplete, < 0
   * over-subscribed (then the table is left unusable and the caller rejects the block).
   */
  build(lengths: Uint8Array, start: number, symbolCount: number): number {
    const count = this.countPerLength;
    count.fill(0);
    for (let s = 0; s < symbolCount; s++) count[lengths[start + s]!]!++;
    let left = 1;
    for (let bits = 1; bits <= MAX_CODE_BITS; bits++) {
      left = (left << 1) - count[bits]!;
      if (left < 0) return left;
    }
    const slot = this.nextSlot;
    slot[1] = 0;
    for (let bits = 1; bits < MAX_CODE_BITS; bits++) slot[bits + 1] = slot[bits]! + count[bits]!;
    for (let s = 0; s < symbolCount; s++) {
      const bits = lengths[start + s]!;
      if (bits !== 0) this.symbolsByCode[slot[bits]!++] = s;
    }
    this.fillFastTable();
    return left;
  }

  /** Codes in canonical order: each short code owns every fast slot its reversed bits prefix. */
  private fillFastTable(): void {
    const fast = this.fast;
    fast.fill(0);
    let code = 0;
    let index = 0;
    for (let bits = 1; bits <= FAST_BITS; bits++) {
      for (let n = this.countPerLength[bits]!; n > 0; n--) {
        const entry = (this.symbolsByCode[index++]! << ENTRY_SYMBOL_SHIFT) | bits;
        for (let slot = reverseBits(code, bits); slot <= FAST_MASK; slot += 1 << bits) fast[slot] = entry;
        code++;
      }
      code <<= 1;
    }
  }

  /** True when exactly one symbol has a code, one bit long (the incompleteness zlib accepts). */
  isSingleOneBitCode(): boolean {
    let used = 0;
    for (let bits = 1; bits <= MAX_CODE_BITS; bits++) used += this.countPerLength[bits]!;
    return used === 1 && this.countPerLength[1] === 1;
  }

  /** True when no symbol has a code. */
  isEmpty(): boolean {
    for (let bits = 1; bits <= MAX_CODE_BITS; bits++) if (this.countPerLength[bits] !== 0) return false;
    return true;
  }
}

/**
 * Decode a code longer than FAST_BITS (or find that there is none) from the next 15 bits of
 * `bits`, LSB-first, walking the canonical code length by length (as zlib's puff.c). Returns a
 * fast-table style entry, or 0 when the bits are no code of this table.
 */
function decodeSlow(table: DecodeTable, bits: number): number {
  const count = table.countPerLength;
  let code = 0; // the bits read so far, MSB-first
  let first = 0; // the first code of the current length
  let index = 0; // index in symbolsByCode of the first symbol of the current length
  for (let length = 1; length <= MAX_CODE_BITS; length++) {
    code |= (bits >>> (length - 1)) & 1;
    const n = count[length]!;
    if (code - first < n) return (table.symbolsByCode[index + code - first]! << ENTRY_SYMBOL_SHIFT) | length;
    index += n;
    first = (first + n) << 1;
    code <<= 1;
  }
  return 0;
}

const EMPTY = new Uint8Array(0);

/** Bits held after a refill: at least 23, at most 30, so the buffer stays a small integer. */
const REFILL_BELOW_BITS = 23;

export class Inflater {
  private readonly fixedLiteralLength = new DecodeTable(288);
  private readonly fixedDistance = new DecodeTable(32);
  private readonly literalLength = new DecodeTable(MAX_LITERAL_LENGTH_SYMBOLS);
  private readonly distance = new DecodeTable(MAX_DISTANCE_SYMBOLS);
  private readonly codeLength = new DecodeTable(19);
  /** Code lengths read from a dynamic block header: HLIT + HDIST of them, or the 19 of HCLEN. */
  private readonly lengths = new Uint8Array(MAX_LITERAL_LENGTH_SYMBOLS + MAX_DISTANCE_SYMBOLS);

  // Per-call state. The bit buffer holds the next input bits LSB-first; past the end of the
  // input it is padded with zero bytes, counted in padBits, so decoding never needs a bounds
  // check per bit: the input has run out once fewer bits remain buffered than were padded
  // (padding goes in last, so it is always the top of the buffer).
  private src: Uint8Array = EMPTY;
  private inStart = 0;
  private inPos = 0;
  private inEnd = 0;
  private bitBuf = 0;
  private bitCount = 0;
  private padBits = 0;
  private out: Uint8Array = EMPTY;
  private outStart = 0;
  private outPos = 0;
  private outEnd = 0;

  /** After a successful `inflate`: the bytes of the stream (up to the end of its final block); 0 otherwise. */
  inputConsumedBytes = 0;

  constructor() {
    const fixed = new Uint8Array(288);
    fixed.fill(8, 0, 144);
    fixed.fill(9, 144, 256);
    fixed.fill(7, 256, 280);
    fixed.fill(8, 280, 288);
    this.fixedLiteralLength.build(fixed, 0, 288);
    fixed.fill(5, 0, 32);
    this.fixedDistance.build(fixed, 0, 32);
  }

  /**
   * Decompress the raw DEFLATE stream in src[srcOffset, +srcLengthBytes) into
   * out[outOffset, +outCapacityBytes). Returns the bytes written once the final block is
   * decoded, else an InflateStatus (negative). Throws only for ranges outside the arrays.
   */
  inflate(
    src: Uint8Array,
    srcOffset: number,
    srcLengthBytes: number,
    out: Uint8Array,
    outOffset: number,
    outCapacityBytes: number,
  ): number {
    checkRange('source', src, srcOffset, srcLengthBytes);
    checkRange('output', out, outOffset, outCapacityBytes);
    this.src = src;
    this.inPos = srcOffset;
    this.inStart = srcOffset;
    this.inputConsumedBytes = 0;
    this.inEnd = srcOffset + srcLengthBytes;
    this.bitBuf = 0;
    this.bitCount = 0;
    this.padBits = 0;
    this.out = out;
    this.outStart = outOffset;
    this.outPos = outOffset;
    this.outEnd = outOffset + outCapacityBytes;
    const result = this.decodeBlocks();
    // Keep no reference to the caller's buffers between calls.
    this.src = EMPTY;
    this.out = EMPTY;
    return result;
  }

  private decodeBlocks(): number {
    for (;;) {
      const header = this.readBits(3);
      if (this.overran()) return InflateStatus.truncated;
      const blockType = header >>> 1;
      let status: number;
      if (blockType === 0) status = this.copyStoredBlock();
      else if (blockType === 1) status = this.decodeHuffmanBlock(this.fixedLiteralLength, this.fixedDistance);
      else if (blockType === 2) {
        status = this.readDynamicTables();
        if (status === 0) status = this.decodeHuffmanBlock(this.literalLength, this.distance);
      } else status = InflateStatus.corrupt;
      // Whatever was decoded from the zero padding past the input's end (an error, or even an
      // end-of-block code) only means the input ended inside the stream.
      if (this.overran()) return InflateStatus.truncated;
      if (status < 0) return status;
      if ((header & 1) !== 0) {
        // The stream's own bytes: those read, less the whole bytes still buffered unread.
        this.inputConsumedBytes = this.inPos - this.inStart - ((this.bitCount - this.padBits) >>> 3);
        return this.outPos - this.outStart;
      }
    }
  }

  // --- Bit input (header paths; the block loop keeps its own copy in locals) --------------------

  private refill(): void {
    while (this.bitCount < REFILL_BELOW_BITS) {
      if (this.inPos < this.inEnd) this.bitBuf |= this.src[this.inPos++]! << this.bitCount;
      else this.padBits += 8;
      this.bitCount += 8;
    }
  }

  /** The next `count` (≤ 16) bits as an LSB-first number, consumed. */
  private readBits(count: number): number {
    if (this.bitCount < count) this.refill();
    const value = this.bitBuf & ((1 << count) - 1);
    this.bitBuf >>>= count;
    this.bitCount -= count;
    return value;
  }

  /** The next symbol of `table`, consumed; -1 when the bits are no code. */
  private readSymbol(table: DecodeTable): number {
    this.refill();
    let entry = table.fast[this.bitBuf & FAST_MASK]!;
    if (entry === 0) entry = decodeSlow(table, this.bitBuf);
    if (entry === 0) return -1;
    const length = entry & ENTRY_LENGTH_MASK;
    this.bitBuf >>>= length;
    this.bitCount -= length;
    return entry >>> ENTRY_SYMBOL_SHIFT;
  }

  /** True once decoding has consumed padding: the input ended inside the stream. */
  private overran(): boolean {
    return this.bitCount < this.padBits;
  }

  // --- Block bodies ------------------------------------------------------------------------------

  /** §3.2.4: skip to a byte boundary, LEN, NLEN = ~LEN, then LEN bytes copied as they are. */
  private copyStoredBlock(): number {
    if (this.overran()) return InflateStatus.truncated;
    // Drop the partial byte, then give the whole buffered input bytes back to the input.
    this.bitCount -= this.bitCount & 7;
    this.inPos -= (this.bitCount - this.padBits) >>> 3;
    this.bitBuf = 0;
    this.bitCount = 0;
    this.padBits = 0;
    const src = this.src;
    let p = this.inPos;
    if (this.inEnd - p < 4) return InflateStatus.truncated;
    const lengthBytes = src[p]! | (src[p + 1]! << 8);
    const complement = src[p + 2]! | (src[p + 3]! << 8);
    if ((lengthBytes ^ 0xffff) !== complement) return InflateStatus.corrupt;
    p += 4;
    if (this.inEnd - p < lengthBytes) return InflateStatus.truncated;
    if (this.outEnd - this.outPos < lengthBytes) return InflateStatus.outputTooSmall;
    const out = this.out;
    let o = this.outPos;
    for (const end = p + lengthBytes; p < end; p++) out[o++] = src[p]!;
    this.inPos = p;
    this.outPos = o;
    return 0;
  }

  /**
   * §3.2.7: HLIT, HDIST, HCLEN, the code length code, then the literal/length and distance code
   * lengths as one run-length coded sequence. Builds this.literalLength and this.distance.
   */
  private readDynamicTables(): number {
    const literalCount = this.readBits(5) + 257;
    const distanceCount = this.readBits(5) + 1;
    const codeLengthCount = this.readBits(4) + 4;
    if (literalCount > MAX_LITERAL_LENGTH_SYMBOLS || distanceCount > MAX_DISTANCE_SYMBOLS) {
      return InflateStatus.corrupt;
    }
    const lengths = this.lengths;
    lengths.fill(0, 0, 19);
    for (let i = 0; i < codeLengthCount; i++) lengths[CODE_LENGTH_ORDER[i]!] = this.readBits(3);
    // The code length code must be complete (zlib: no exception for it).
    if (this.codeLength.build(lengths, 0, 19) !== 0) return InflateStatus.corrupt;

    const total = literalCount + distanceCount;
    let i = 0;
    while (i < total) {
      const symbol = this.readSymbol(this.codeLength);
      if (symbol < 0) return InflateStatus.corrupt;
      if (symbol < 16) {
        lengths[i++] = symbol;
        continue;
      }
      let value = 0;
      let repeat: number;
      if (symbol === 16) {
        if (i === 0) return InflateStatus.corrupt;
        value = lengths[i - 1]!;
        repeat = 3 + this.readBits(2);
      } else if (symbol === 17) repeat = 3 + this.readBits(3);
      else repeat = 11 + this.readBits(7);
      if (i + repeat > total) return InflateStatus.corrupt;
      lengths.fill(value, i, i + repeat);
      i += repeat;
    }
    if (this.overran()) return InflateStatus.truncated;
    if (lengths[END_OF_BLOCK] === 0) return InflateStatus.corrupt;

    const literalLeft = this.literalLength.build(lengths, 0, literalCount);
    if (literalLeft < 0 || (literalLeft > 0 && !this.literalLength.isSingleOneBitCode())) return InflateStatus.corrupt;
    const distanceLeft = this.distance.build(lengths, literalCount, distanceCount);
    if (distanceLeft < 0) return InflateStatus.corrupt;
    if (distanceLeft > 0 && !this.distance.isSingleOneBitCode() && !this.distance.isEmpty()) {
      return InflateStatus.corrupt;
    }
    return 0;
  }

  /**
   * §3.2.5: literals, and length/distance pairs copied from the output, up to end-of-block.
   * The hot loop: state is copied into locals (V8 keeps them in registers) and the refills are
   * written out inline; each refill leaves at least 23 bits, enough for a code (≤ 15 bits) plus
   * the extra bits that follow it (≤ 5 for a length) or for the 13 extra bits of a distance.
   */
  private decodeHuffmanBlock(literalLength: DecodeTable, distance: DecodeTable): number {
    const src = this.src;
    const inEnd = this.inEnd;
    const out = this.out;
    const outStart = this.outStart;
    const outEnd = this.outEnd;
    const literalFast = literalLength.fast;
    const distanceFast = distance.fast;
    let inPos = this.inPos;
    let bitBuf = this.bitBuf;
    let bitCount = this.bitCount;
    let padBits = this.padBits;
    let outPos = this.outPos;
    let status = 0;

    for (;;) {
      while (bitCount < REFILL_BELOW_BITS) {
        if (inPos < inEnd) bitBuf |= src[inPos++]! << bitCount;
        else padBits += 8;
        bitCount += 8;
      }
      let entry = literalFast[bitBuf & FAST_MASK]!;
      if (entry === 0) {
        entry = decodeSlow(literalLength, bitBuf);
        if (entry === 0) {
          status = InflateStatus.corrupt;
          break;
        }
      }
      let used = entry & ENTRY_LENGTH_MASK;
      bitBuf >>>= used;
      bitCount -= used;
      const symbol = entry >>> ENTRY_SYMBOL_SHIFT;

      if (symbol < END_OF_BLOCK) {
        if (bitCount < padBits) {
          status = InflateStatus.truncated;
          break;
        }
        if (outPos >= outEnd) {
          status = InflateStatus.outputTooSmall;
          break;
        }
        out[outPos++] = symbol;
        continue;
      }
      if (symbol === END_OF_BLOCK) break;

      const lengthIndex = symbol - 257;
      if (lengthIndex >= 29) {
        status = InflateStatus.corrupt; // symbols 286, 287 (fixed code only)
        break;
      }
      used = LENGTH_EXTRA_BITS[lengthIndex]!;
      const lengthBytes = LENGTH_BASE[lengthIndex]! + (bitBuf & ((1 << used) - 1));
      bitBuf >>>= used;
      bitCount -= used;

      while (bitCount < REFILL_BELOW_BITS) {
        if (inPos < inEnd) bitBuf |= src[inPos++]! << bitCount;
        else padBits += 8;
        bitCount += 8;
      }
      entry = distanceFast[bitBuf & FAST_MASK]!;
      if (entry === 0) {
        entry = decodeSlow(distance, bitBuf);
        if (entry === 0) {
          status = InflateStatus.corrupt;
          break;
        }
      }
      used = entry & ENTRY_LENGTH_MASK;
      bitBuf >>>= used;
      bitCount -= used;
      const distanceSymbol = entry >>> ENTRY_SYMBOL_SHIFT;
      if (distanceSymbol >= MAX_DISTANCE_SYMBOLS) {
        status = InflateStatus.corrupt; // symbols 30, 31 (fixed code only)
        break;
      }

      while (bitCount < REFILL_BELOW_BITS) {
        if (inPos < inEnd) bitBuf |= src[inPos++]! << bitCount;
        else padBits += 8;
        bitCount += 8;
      }
      used = DISTANCE_EXTRA_BITS[distanceSymbol]!;
      const distanceBytes = DISTANCE_BASE[distanceSymbol]! + (bitBuf & ((1 << used) - 1));
      bitBuf >>>= used;
      bitCount -= used;

      if (bitCount < padBits) {
        status = InflateStatus.truncated;
        break;
      }
      if (distanceBytes > outPos - outStart) {
        status = InflateStatus.corrupt; // reaches before the output's start (there is no history)
        break;
      }
      if (outEnd - outPos < lengthBytes) {
        status = InflateStatus.outputTooSmall;
        break;
      }
      outPos = copyMatch(out, outPos, distanceBytes, lengthBytes);
    }

    this.inPos = inPos;
    this.bitBuf = bitBuf;
    this.bitCount = bitCount;
    this.padBits = padBits;
    this.outPos = outPos;
    return status;
  }
}

/**
 * Copy lengthBytes from distanceBytes back, byte by byte when the ranges overlap (a distance
 * shorter than the length repeats the pattern, §3.2.3). Returns the new output position.
 */
function copyMatch(out: Uint8Array, outPos: number, distanceBytes: number, lengthBytes: number): number {
  if (distanceBytes >= lengthBytes && lengthBytes >= 32) {
    out.copyWithin(outPos, outPos - distanceBytes, outPos - distanceBytes + lengthBytes);
    return outPos + lengthBytes;
  }
  const end = outPos + lengthBytes;
  for (let from = outPos - distanceBytes; outPos < end; ) out[outPos++] = out[from++]!;
  return outPos;
}

function checkRange(what: string, array: Uint8Array, offset: number, lengthBytes: number): void {
  if (!(Number.isInteger(offset) && Number.isInteger(lengthBytes) && offset >= 0 && lengthBytes >= 0)) {
    throw new RangeError(`Inflater: ${what} offset and length must be non-negative integers`);
  }
  if (offset + lengthBytes > array.length) {
    throw new RangeError(`Inflater: ${what} range [${offset}, +${lengthBytes}) outside a ${array.length}-byte array`);
  }
}
