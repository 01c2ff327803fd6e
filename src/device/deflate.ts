/**
 * Raw DEFLATE compression (RFC 1951) with a 4 KiB history, as an Intel IAA compress operation:
 * matches reach at most 4096 bytes back, lengths 3..258, and the output is either one block with
 * the fixed Huffman codes or dynamic Huffman blocks built from the data's own symbol statistics.
 * Allocation-free per call: hash chains, symbol buffers and code-building scratch are typed
 * arrays made by the constructor; statuses are return values.
 *
 * Follows RFC 1951 §3.1.1 (bits LSB-first, Huffman codes MSB-first), §3.2.2 (canonical codes),
 * §3.2.3 (block header), §3.2.4 (stored blocks), §3.2.5 (length/distance codes), §3.2.6 (fixed
 * codes) and §3.2.7 (dynamic block header: HLIT/HDIST/HCLEN and code length repeats 16/17/18).
 *
 * LZ77: a 3-byte hash with chains over the 4 KiB window, at most MAX_CHAIN candidates per
 * position, and one-step lazy matching (as zlib's deflate_slow). Symbols are buffered, at most
 * SYMBOLS_PER_BLOCK (64 Ki) at a time, so inputs up to 64 KiB are one block. In dynamic mode each
 * full buffer becomes a block coded with Huffman code lengths limited to 15 bits (7 for the code
 * length code) — or stored block(s) when those are smaller, so incompressible data grows by 5
 * bytes per stored block of at most 65535 bytes (+5 for a 4 KiB page, +10 for 64 KiB). In fixed
 * mode all symbols go into one final fixed-code block.
 *
 * Left out: a preset dictionary or history carried from a previous job, streaming (input or
 * output in several calls), zlib/gzip wrappers, falling back to fixed codes in dynamic mode
 * (the mode asks for dynamic blocks; zlib would pick fixed codes for tiny inputs), choosing block
 * boundaries by content, zlib's "too far" heuristic for short distant matches, and a stored
 * fallback in fixed mode (it returns outputOverflow when the fixed-code block does not fit).
 */

import {
  CODE_LENGTH_ORDER,
  DISTANCE_BASE,
  DISTANCE_EXTRA_BITS,
  END_OF_BLOCK,
  LENGTH_BASE,
  LENGTH_EXTRA_BITS,
  MAX_CODE_BITS,
  MAX_DISTANCE_SYMBOLS,
  MAX_LITERAL_LENGTH_SYMBOLS,
  reverseBits,
} from './inflate.js';

export const DeflateMode = { fixed: 0, dynamic: 1 } as const;
export const DeflateStatus = { outputOverflow: -1 } as const;

/** The history IAA keeps: no match reaches further back. */
export const DEFLATE_WINDOW_BYTES = 4096;
const WINDOW_MASK = DEFLATE_WINDOW_BYTES - 1;
const MIN_MATCH_BYTES = 3;
const MAX_MATCH_BYTES = 258;

// LZ77 effort, tuned on English-like text against zlib level 1 (see test/device/deflate.test.ts).
/** Candidates examined per position at most. */
const MAX_CHAIN = 32;
/** When the previous position already matched this long, examine only MAX_CHAIN / 4 here. */
const GOOD_MATCH_BYTES = 8;
/** When the previous position matched at least this long, take it without looking further. */
const LAZY_MATCH_BYTES = 16;
/** A match this long ends the search at once. */
const NICE_MATCH_BYTES = 64;

const HASH_BITS = 13;
const HASH_SIZE = 1 << HASH_BITS;

/**
 * Symbols (literals and matches) per block: one block for inputs up to 64 KiB, several beyond.
 * Also keeps every frequency below 2^22, which the code builder's packed sort keys rely on.
 */
const SYMBOLS_PER_BLOCK = 65536;
/** A stored block carries at most this many bytes (LEN is 16 bits). */
const STORED_MAX_BYTES = 65535;
/** The largest input accepted (hash chain positions stay small integers well below 2^30). */
const MAX_INPUT_BYTES = 1 << 28;

const CODE_LENGTH_SYMBOLS = 19;
const MAX_CODE_LENGTH_BITS = 7;
const ALL_LENGTH_SYMBOLS = MAX_LITERAL_LENGTH_SYMBOLS + MAX_DISTANCE_SYMBOLS;
/** Code length symbols (§3.2.7) beyond the lengths 0..15 themselves. */
/** Repeat the previous length 3..6 times (2 extra bits). */
const REPEAT_PREVIOUS = 16;
/** 3..10 zero lengths (3 extra bits). */
const REPEAT_ZERO_SHORT = 17;
/** 11..138 zero lengths (7 extra bits). */
const REPEAT_ZERO_LONG = 18;
/** Scratch for assignCanonicalCodes: two arrays indexed by code length 0..15. */
const CODE_SCRATCH_ENTRIES = 2 * (MAX_CODE_BITS + 1);

// --- Static tables -------------------------------------------------------------------------------

/** Match length 0..258 → index of its length symbol minus 257 (0..28). */
const LENGTH_INDEX = new Uint8Array(MAX_MATCH_BYTES + 1);
for (let i = 0; i < 29; i++) {
  const last = i === 28 ? 258 : LENGTH_BASE[i]! + (1 << LENGTH_EXTRA_BITS[i]!) - 1;
  for (let length = LENGTH_BASE[i]!; length <= last && length <= MAX_MATCH_BYTES; length++) LENGTH_INDEX[length] = i;
}
// Length 258 is symbol 285 (no extra bits), not symbol 284 with extra bits 31.
LENGTH_INDEX[258] = 28;

/** Distance 1..4096 → distance symbol (0..23). */
const DISTANCE_SYMBOL = new Uint8Array(DEFLATE_WINDOW_BYTES + 1);
for (let s = 0; s < MAX_DISTANCE_SYMBOLS && DISTANCE_BASE[s]! <= DEFLATE_WINDOW_BYTES; s++) {
  const last = Math.min(DEFLATE_WINDOW_BYTES, DISTANCE_BASE[s]! + (1 << DISTANCE_EXTRA_BITS[s]!) - 1);
  for (let d = DISTANCE_BASE[s]!; d <= last; d++) DISTANCE_SYMBOL[d] = s;
}

/** §3.2.6: the fixed literal/length code (288 symbols) and distance code (5 bits each). */
const FIXED_LITERAL_LENGTHS = new Uint8Array(288);
FIXED_LITERAL_LENGTHS.fill(8, 0, 144);
FIXED_LITERAL_LENGTHS.fill(9, 144, 256);
FIXED_LITERAL_LENGTHS.fill(7, 256, 280);
FIXED_LITERAL_LENGTHS.fill(8, 280, 288);
const FIXED_LITERAL_CODES = new Uint16Array(288);
const FIXED_DISTANCE_LENGTHS = new Uint8Array(MAX_DISTANCE_SYMBOLS).fill(5);
const FIXED_DISTANCE_CODES = new Uint16Array(MAX_DISTANCE_SYMBOLS);
{
  const scratch = new Uint16Array(CODE_SCRATCH_ENTRIES);
  assignCanonicalCodes(FIXED_LITERAL_LENGTHS, 288, FIXED_LITERAL_CODES, scratch);
  // The distance code has 32 five-bit codes; symbols 30 and 31 are never sent, so the first 30
  // codes are the symbols' own values.
  for (let s = 0; s < MAX_DISTANCE_SYMBOLS; s++) FIXED_DISTANCE_CODES[s] = reverseBits(s, 5);
}

/**
 * §3.2.2: canonical codes from code lengths, stored bit-reversed (ready to go out LSB-first).
 * `scratch` holds CODE_SCRATCH_ENTRIES: counts per length, then the next code per length.
 */
function assignCanonicalCodes(lengths: Uint8Array, symbolCount: number, codes: Uint16Array, scratch: Uint16Array): void {
  const NEXT = MAX_CODE_BITS + 1;
  scratch.fill(0);
  for (let s = 0; s < symbolCount; s++) scratch[lengths[s]!]!++;
  scratch[0] = 0;
  let code = 0;
  for (let bits = 1; bits <= MAX_CODE_BITS; bits++) {
    code = (code + scratch[bits - 1]!) << 1;
    scratch[NEXT + bits] = code;
  }
  for (let s = 0; s < symbolCount; s++) {
    const bits = lengths[s]!;
    codes[s] = bits === 0 ? 0 : reverseBits(scratch[NEXT + bits]!++, bits);
  }
}

// --- Huffman code lengths ------------------------------------------------------------------------

/**
 * Optimal prefix code lengths for given symbol frequencies, limited to a maximum length.
 * Moffat and Katajainen's in-place algorithm on the frequency-sorted symbols (as miniz), then,
 * if the tree is too deep, lengths are clamped and the Kraft sum is restored by lengthening the
 * longest codes below the limit one at a time — near-optimal, and the limit is hardly ever hit
 * with blocks of at most 16 Ki symbols.
 */
class CodeLengthBuilder {
  /** Packed sort keys: frequency << 9 | symbol (symbols < 512, frequencies < 2^22). */
  private readonly keys = new Int32Array(MAX_LITERAL_LENGTH_SYMBOLS);
  /** Frequencies, sorted; then parent indexes; then depths (the in-place algorithm). */
  private readonly work = new Int32Array(MAX_LITERAL_LENGTH_SYMBOLS);
  private readonly codesPerLength = new Int32Array(MAX_LITERAL_LENGTH_SYMBOLS + 1);

  /**
   * Fill lengths[0, symbolCount) from freq[0, symbolCount). At least two symbols always get a
   * code (a zero-frequency one is added when needed), so every code is complete — what zlib's
   * inflate demands of the code length code, and the safe choice for the others.
   */
  build(freq: Int32Array, symbolCount: number, maxBits: number, lengths: Uint8Array): void {
    const keys = this.keys;
    let used = 0;
    for (let s = 0; s < symbolCount; s++) {
      lengths[s] = 0;
      if (freq[s]! > 0) keys[used++] = (freq[s]! << 9) | s;
    }
    for (let s = 0; used < 2; s++) if (freq[s] === 0) keys[used++] = s; // frequency 0, sorts first
    heapSort(keys, used);
    const work = this.work;
    for (let i = 0; i < used; i++) work[i] = keys[i]! >>> 9;
    minimumRedundancyDepths(work, used);

    const count = this.codesPerLength;
    count.fill(0, 0, Math.max(used, maxBits) + 1);
    for (let i = 0; i < used; i++) count[work[i]!]!++;
    limitCodeLengths(count, used, maxBits);
    // Shortest codes to the most frequent symbols (the end of the sorted keys).
    let next = used;
    for (let bits = 1; bits <= maxBits; bits++) {
      for (let n = count[bits]!; n > 0; n--) lengths[keys[--next]! & 511] = bits;
    }
  }
}

/**
 * Moffat & Katajainen, "In-place calculation of minimum-redundancy codes" (1995): a[0, n) holds
 * frequencies in ascending order; on return a[i] is the code length of the i-th symbol.
 */
function minimumRedundancyDepths(a: Int32Array, n: number): void {
  if (n === 1) {
    a[0] = 1;
    return;
  }
  // Phase 1: combine, leaving parent pointers in a[0, n - 1).
  a[0] = a[0]! + a[1]!;
  let root = 0;
  let leaf = 2;
  for (let next = 1; next < n - 1; next++) {
    if (leaf >= n || a[root]! < a[leaf]!) {
      a[next] = a[root]!;
      a[root++] = next;
    } else a[next] = a[leaf++]!;
    if (leaf >= n || (root < next && a[root]! < a[leaf]!)) {
      a[next] = a[next]! + a[root]!;
      a[root++] = next;
    } else a[next] = a[next]! + a[leaf++]!;
  }
  // Phase 2: internal node depths.
  a[n - 2] = 0;
  for (let next = n - 3; next >= 0; next--) a[next] = a[a[next]!]! + 1;
  // Phase 3: leaf depths.
  let available = 1;
  let used = 0;
  let depth = 0;
  root = n - 2;
  let next = n - 1;
  while (available > 0) {
    while (root >= 0 && a[root] === depth) {
      used++;
      root--;
    }
    while (available > used) {
      a[next--] = depth;
      available--;
    }
    available = 2 * used;
    depth++;
    used = 0;
  }
}

/**
 * count[b] codes of length b (b < codeCount + 1) → the same number of codes, none longer than
 * maxBits, still a complete code: clamp, then while over-subscribed take one code off the
 * longest length and split a shorter code into two one bit longer (as miniz).
 */
function limitCodeLengths(count: Int32Array, codeCount: number, maxBits: number): void {
  for (let bits = maxBits + 1; bits <= codeCount; bits++) {
    count[maxBits] = count[maxBits]! + count[bits]!;
    count[bits] = 0;
  }
  let kraft = 0; // in units of 2^-maxBits
  for (let bits = maxBits; bits > 0; bits--) kraft += count[bits]! << (maxBits - bits);
  while (kraft !== 1 << maxBits) {
    count[maxBits]!--;
    for (let bits = maxBits - 1; bits > 0; bits--) {
      if (count[bits] !== 0) {
        count[bits]!--;
        count[bits + 1] = count[bits + 1]! + 2;
        break;
      }
    }
    kraft--;
  }
}

/** In-place ascending heap sort of a[0, n) (no comparator closures, no allocation). */
function heapSort(a: Int32Array, n: number): void {
  for (let start = (n >>> 1) - 1; start >= 0; start--) siftDown(a, start, n);
  for (let end = n - 1; end > 0; end--) {
    const top = a[0]!;
    a[0] = a[end]!;
    a[end] = top;
    siftDown(a, 0, end);
  }
}

function siftDown(a: Int32Array, root: number, n: number): void {
  const value = a[root]!;
  for (;;) {
    let child = 2 * root + 1;
    if (child >= n) break;
    if (child + 1 < n && a[child + 1]! > a[child]!) child++;
    if (a[child]! <= value) break;
    a[root] = a[child]!;
    root = child;
  }
  a[root] = value;
}

const EMPTY = new Uint8Array(0);

export class Deflater {
  readonly maxInputBytes: number;

  // LZ77 hash chains. head[h] and prev[pos & WINDOW_MASK] hold positions as pos + positionShift,
  // where the shift grows by each call's length, so entries left from earlier calls read as
  // positions before this call's input and need no clearing.
  private readonly head = new Int32Array(HASH_SIZE);
  private readonly prev = new Int32Array(DEFLATE_WINDOW_BYTES);
  /** Stored value of this call's first position; everything below it is stale. */
  private chainBase = 1;

  // The current block's symbols: a literal (distance 0, the byte) or a match (distance, length).
  private readonly symbolLiteralOrLength: Uint16Array;
  private readonly symbolDistance: Uint16Array;
  private readonly symbolCapacity: number;
  private symbolCount = 0;
  /** Source range the buffered symbols cover (for a stored block). */
  private blockStart = 0;
  private blockEnd = 0;

  // Dynamic code construction.
  private readonly builder = new CodeLengthBuilder();
  private readonly codeScratch = new Uint16Array(CODE_SCRATCH_ENTRIES);
  private readonly literalFreq = new Int32Array(MAX_LITERAL_LENGTH_SYMBOLS);
  private readonly distanceFreq = new Int32Array(MAX_DISTANCE_SYMBOLS);
  private readonly codeLengthFreq = new Int32Array(CODE_LENGTH_SYMBOLS);
  private readonly literalLengths = new Uint8Array(MAX_LITERAL_LENGTH_SYMBOLS);
  private readonly literalCodes = new Uint16Array(MAX_LITERAL_LENGTH_SYMBOLS);
  private readonly distanceLengths = new Uint8Array(MAX_DISTANCE_SYMBOLS);
  private readonly distanceCodes = new Uint16Array(MAX_DISTANCE_SYMBOLS);
  private readonly codeLengthLengths = new Uint8Array(CODE_LENGTH_SYMBOLS);
  private readonly codeLengthCodes = new Uint16Array(CODE_LENGTH_SYMBOLS);
  /** The HLIT + HDIST code lengths as one sequence, and its run-length coding (symbol, extra). */
  private readonly allLengths = new Uint8Array(ALL_LENGTH_SYMBOLS);
  private readonly runSymbols = new Uint8Array(ALL_LENGTH_SYMBOLS);
  private readonly runExtra = new Uint8Array(ALL_LENGTH_SYMBOLS);
  private runCount = 0;

  // Per-call state. Output bytes past the capacity are counted but not written, so the writers
  // need no early exit; the caller sees outputOverflow.
  private mode = 0;
  private src: Uint8Array = EMPTY;
  private out: Uint8Array = EMPTY;
  private outPos = 0;
  private outEnd = 0;
  /** Pending output bits, LSB-first; fewer than 8 between writes. */
  private bitBuf = 0;
  private bitCount = 0;

  /**
   * Working memory for inputs up to maxInputBytes (at most 2^28): 48 KiB of hash chains, a few
   * KiB of code tables, and 4 bytes per buffered symbol — 256 KiB at 64 KiB and beyond, since
   * larger inputs are coded 64 Ki symbols at a time.
   */
  constructor(maxInputBytes: number) {
    if (!Number.isInteger(maxInputBytes) || maxInputBytes < 0 || maxInputBytes > MAX_INPUT_BYTES) {
      throw new RangeError(`Deflater: maxInputBytes must be an integer in 0..${MAX_INPUT_BYTES}, got ${maxInputBytes}`);
    }
    this.maxInputBytes = maxInputBytes;
    // One symbol per input byte at most; small inputs need no full-size block buffer.
    this.symbolCapacity = Math.max(1, Math.min(SYMBOLS_PER_BLOCK, maxInputBytes));
    this.symbolLiteralOrLength = new Uint16Array(this.symbolCapacity);
    this.symbolDistance = new Uint16Array(this.symbolCapacity);
  }

  /**
   * Compress src[srcOffset, +lengthBytes) into a raw DEFLATE stream at out[outOffset, ...).
   * Returns the stream's length in bytes, or DeflateStatus.outputOverflow when it does not fit
   * in outCapacityBytes (the bytes up to the capacity are then garbage). Throws only for bad
   * arguments.
   */
  compress(
    src: Uint8Array,
    srcOffset: number,
    lengthBytes: number,
    mode: number,
    out: Uint8Array,
    outOffset: number,
    outCapacityBytes: number,
  ): number {
    checkRange('source', src, srcOffset, lengthBytes);
    checkRange('output', out, outOffset, outCapacityBytes);
    if (lengthBytes > this.maxInputBytes) {
      throw new RangeError(`Deflater: ${lengthBytes} input bytes, constructed for at most ${this.maxInputBytes}`);
    }
    if (mode !== DeflateMode.fixed && mode !== DeflateMode.dynamic) throw new RangeError(`Deflater: unknown mode ${mode}`);

    this.mode = mode;
    this.src = src;
    this.out = out;
    this.outPos = outOffset;
    this.outEnd = outOffset + outCapacityBytes;
    this.bitBuf = 0;
    this.bitCount = 0;
    this.symbolCount = 0;
    this.blockStart = srcOffset;
    this.blockEnd = srcOffset;
    this.startChains(lengthBytes);

    // Fixed mode: a single final block, its header first (BFINAL = 1, BTYPE = 01).
    if (mode === DeflateMode.fixed) this.writeBits(1 | (1 << 1), 3);
    this.findMatches(src, srcOffset, srcOffset + lengthBytes);
    this.flushBlock(true);
    if (this.bitCount > 0) this.putByte(this.bitBuf);

    const written = this.outPos - outOffset;
    const overflowed = this.outPos > this.outEnd;
    this.src = EMPTY;
    this.out = EMPTY;
    return overflowed ? DeflateStatus.outputOverflow : written;
  }

  // --- LZ77 --------------------------------------------------------------------------------------

  /** Make this call's positions distinct from every stored one (clearing only on wrap-around). */
  private startChains(lengthBytes: number): void {
    if (this.chainBase + lengthBytes + 1 > 0x3fffffff) {
      this.head.fill(0);
      this.chainBase = 1;
    }
  }

  /**
   * Parse src[start, end) into literals and matches with one-step lazy evaluation: a match
   * found at pos is emitted only if the match at pos + 1 is no longer; otherwise pos becomes a
   * literal and the later match is considered in turn.
   */
  private findMatches(src: Uint8Array, start: number, end: number): void {
    const head = this.head;
    const prev = this.prev;
    const shift = this.chainBase - start;
    let pos = start;
    let prevLength = 0; // best match at pos - 1 (when pending)
    let prevDistance = 0;
    let pending = false; // pos - 1 is parsed but not yet emitted

    while (pos < end) {
      let found = 0;
      if (end - pos >= MIN_MATCH_BYTES) {
        const h = hash3(src, pos);
        const candidate = head[h]! - shift;
        if (prevLength < LAZY_MATCH_BYTES && candidate >= start && pos - candidate <= DEFLATE_WINDOW_BYTES) {
          found = this.longestMatch(src, pos, candidate, start, end, prevLength, shift);
        }
        prev[pos & WINDOW_MASK] = head[h]!;
        head[h] = pos + shift;
      }
      const length = found & 511;
      if (pending && prevLength >= MIN_MATCH_BYTES && length <= prevLength) {
        this.pushMatch(prevLength, prevDistance);
        const matchEnd = pos - 1 + prevLength;
        // pos is in the chains already; add the rest of the match's positions.
        for (let p = pos + 1; p < matchEnd && end - p >= MIN_MATCH_BYTES; p++) {
          const h = hash3(src, p);
          prev[p & WINDOW_MASK] = head[h]!;
          head[h] = p + shift;
        }
        pos = matchEnd;
        pending = false;
        prevLength = 0;
      } else {
        if (pending) this.pushLiteral(src[pos - 1]!);
        pending = true;
        prevLength = length;
        prevDistance = found >>> 9;
        pos++;
      }
    }
    // A match needs three bytes, so the last pending position can only be a literal.
    if (pending) this.pushLiteral(src[end - 1]!);
    this.chainBase += end - start + 1;
  }

  /**
   * The longest match for pos longer than `atLeast`, following the chain from `candidate`.
   * Returns distance << 9 | length, or 0 when none is longer.
   */
  private longestMatch(
    src: Uint8Array,
    pos: number,
    candidate: number,
    start: number,
    end: number,
    atLeast: number,
    shift: number,
  ): number {
    const maxLength = Math.min(MAX_MATCH_BYTES, end - pos);
    let best = atLeast < MIN_MATCH_BYTES - 1 ? MIN_MATCH_BYTES - 1 : atLeast;
    if (best >= maxLength) return 0;
    const nice = Math.min(NICE_MATCH_BYTES, maxLength);
    const limit = Math.max(start, pos - DEFLATE_WINDOW_BYTES);
    let chain = atLeast >= GOOD_MATCH_BYTES ? MAX_CHAIN >>> 2 : MAX_CHAIN;
    let bestDistance = 0;
    const prev = this.prev;
    const first = src[pos]!;
    const second = src[pos + 1]!;
    // The last two bytes a better match must have: most candidates fail on them at once.
    let endByte = src[pos + best]!;
    let beforeEndByte = src[pos + best - 1]!;
    while (candidate >= limit) {
      if (
        src[candidate + best] === endByte &&
        src[candidate + best - 1] === beforeEndByte &&
        src[candidate] === first &&
        src[candidate + 1] === second
      ) {
        let length = 2;
        while (length < maxLength && src[candidate + length] === src[pos + length]) length++;
        if (length > best) {
          best = length;
          bestDistance = pos - candidate;
          if (length >= nice) break;
          endByte = src[pos + best]!;
          beforeEndByte = src[pos + best - 1]!;
        }
      }
      if (--chain === 0) break;
      const next = prev[candidate & WINDOW_MASK]! - shift;
      if (next >= candidate) break; // a slot reused by a newer position: the chain ends here
      candidate = next;
    }
    return bestDistance === 0 ? 0 : (bestDistance << 9) | best;
  }

  private pushLiteral(byte: number): void {
    if (this.symbolCount === this.symbolCapacity) this.flushBlock(false);
    this.symbolLiteralOrLength[this.symbolCount] = byte;
    this.symbolDistance[this.symbolCount++] = 0;
    this.blockEnd++;
  }

  private pushMatch(lengthBytes: number, distanceBytes: number): void {
    if (this.symbolCount === this.symbolCapacity) this.flushBlock(false);
    this.symbolLiteralOrLength[this.symbolCount] = lengthBytes;
    this.symbolDistance[this.symbolCount++] = distanceBytes;
    this.blockEnd += lengthBytes;
  }

  // --- Blocks ------------------------------------------------------------------------------------

  /** Code the buffered symbols: continue the fixed block, or one dynamic (or stored) block. */
  private flushBlock(final: boolean): void {
    if (this.mode === DeflateMode.fixed) {
      this.writeSymbols(FIXED_LITERAL_CODES, FIXED_LITERAL_LENGTHS, FIXED_DISTANCE_CODES, FIXED_DISTANCE_LENGTHS);
      if (final) this.writeBits(FIXED_LITERAL_CODES[END_OF_BLOCK]!, FIXED_LITERAL_LENGTHS[END_OF_BLOCK]!);
    } else {
      const dynamicBits = this.buildDynamicCodes();
      if (this.storedBits(this.blockEnd - this.blockStart) < dynamicBits) this.writeStored(final);
      else {
        this.writeDynamicHeader(final);
        this.writeSymbols(this.literalCodes, this.literalLengths, this.distanceCodes, this.distanceLengths);
        this.writeBits(this.literalCodes[END_OF_BLOCK]!, this.literalLengths[END_OF_BLOCK]!);
      }
    }
    this.symbolCount = 0;
    this.blockStart = this.blockEnd;
  }

  /**
   * Count the block's symbols, build its three codes and the run-length coded code lengths.
   * Returns the dynamic block's exact size in bits, header and end-of-block included.
   */
  private buildDynamicCodes(): number {
    const literalFreq = this.literalFreq;
    const distanceFreq = this.distanceFreq;
    literalFreq.fill(0);
    distanceFreq.fill(0);
    let extraBits = 0;
    for (let i = 0; i < this.symbolCount; i++) {
      const distance = this.symbolDistance[i]!;
      const value = this.symbolLiteralOrLength[i]!;
      if (distance === 0) literalFreq[value]!++;
      else {
        const lengthIndex = LENGTH_INDEX[value]!;
        const distanceSymbol = DISTANCE_SYMBOL[distance]!;
        literalFreq[257 + lengthIndex]!++;
        distanceFreq[distanceSymbol]!++;
        extraBits += LENGTH_EXTRA_BITS[lengthIndex]! + DISTANCE_EXTRA_BITS[distanceSymbol]!;
      }
    }
    literalFreq[END_OF_BLOCK] = 1;
    this.builder.build(literalFreq, MAX_LITERAL_LENGTH_SYMBOLS, MAX_CODE_BITS, this.literalLengths);
    this.builder.build(distanceFreq, MAX_DISTANCE_SYMBOLS, MAX_CODE_BITS, this.distanceLengths);
    assignCanonicalCodes(this.literalLengths, MAX_LITERAL_LENGTH_SYMBOLS, this.literalCodes, this.codeScratch);
    assignCanonicalCodes(this.distanceLengths, MAX_DISTANCE_SYMBOLS, this.distanceCodes, this.codeScratch);

    let bits = 3 + 5 + 5 + 4 + extraBits + this.runLengthCodeLengths();
    this.builder.build(this.codeLengthFreq, CODE_LENGTH_SYMBOLS, MAX_CODE_LENGTH_BITS, this.codeLengthLengths);
    assignCanonicalCodes(this.codeLengthLengths, CODE_LENGTH_SYMBOLS, this.codeLengthCodes, this.codeScratch);
    bits += 3 * this.codeLengthCountSent();
    for (let s = 0; s < MAX_LITERAL_LENGTH_SYMBOLS; s++) bits += literalFreq[s]! * this.literalLengths[s]!;
    for (let s = 0; s < MAX_DISTANCE_SYMBOLS; s++) bits += distanceFreq[s]! * this.distanceLengths[s]!;
    for (let s = 0; s < CODE_LENGTH_SYMBOLS; s++) bits += this.codeLengthFreq[s]! * this.codeLengthLengths[s]!;
    return bits;
  }

  /** HLIT: literal/length codes sent (trailing unused ones are dropped, at least 257). */
  private literalCountSent(): number {
    let n = MAX_LITERAL_LENGTH_SYMBOLS;
    while (n > 257 && this.literalLengths[n - 1] === 0) n--;
    return n;
  }

  /** HDIST: distance codes sent (at least one). */
  private distanceCountSent(): number {
    let n = MAX_DISTANCE_SYMBOLS;
    while (n > 1 && this.distanceLengths[n - 1] === 0) n--;
    return n;
  }

  /** HCLEN: code length code lengths sent, in CODE_LENGTH_ORDER (at least four). */
  private codeLengthCountSent(): number {
    let n = CODE_LENGTH_SYMBOLS;
    while (n > 4 && this.codeLengthLengths[CODE_LENGTH_ORDER[n - 1]!] === 0) n--;
    return n;
  }

  /**
   * §3.2.7: the HLIT + HDIST code lengths as one sequence (runs may cross from one code to the
   * other), coded with 16 (repeat previous 3..6 times), 17 (3..10 zeros) and 18 (11..138 zeros).
   * Fills runSymbols/runExtra and codeLengthFreq; returns the extra bits the repeats carry.
   */
  private runLengthCodeLengths(): number {
    const literalCount = this.literalCountSent();
    const total = literalCount + this.distanceCountSent();
    const all = this.allLengths;
    for (let i = 0; i < literalCount; i++) all[i] = this.literalLengths[i]!;
    for (let i = literalCount; i < total; i++) all[i] = this.distanceLengths[i - literalCount]!;
    this.codeLengthFreq.fill(0);
    this.runCount = 0;
    let extraBits = 0;
    let i = 0;
    while (i < total) {
      const value = all[i]!;
      let run = 1;
      while (i + run < total && all[i + run] === value) run++;
      i += run;
      if (value === 0) {
        while (run >= 11) {
          const n = Math.min(run, 138);
          this.pushRun(REPEAT_ZERO_LONG, n - 11);
          extraBits += 7;
          run -= n;
        }
        if (run >= 3) {
          this.pushRun(REPEAT_ZERO_SHORT, run - 3);
          extraBits += 3;
          run = 0;
        }
      } else {
        this.pushRun(value, 0);
        run--;
        while (run >= 3) {
          const n = Math.min(run, 6);
          this.pushRun(REPEAT_PREVIOUS, n - 3);
          extraBits += 2;
          run -= n;
        }
      }
      for (; run > 0; run--) this.pushRun(value, 0);
    }
    return extraBits;
  }

  private pushRun(symbol: number, extra: number): void {
    this.runSymbols[this.runCount] = symbol;
    this.runExtra[this.runCount++] = extra;
    this.codeLengthFreq[symbol]!++;
  }

  /** §3.2.7 header: BFINAL, BTYPE = 10, HLIT, HDIST, HCLEN, the code length code, the lengths. */
  private writeDynamicHeader(final: boolean): void {
    this.writeBits((final ? 1 : 0) | (2 << 1), 3);
    this.writeBits(this.literalCountSent() - 257, 5);
    this.writeBits(this.distanceCountSent() - 1, 5);
    const codeLengthCount = this.codeLengthCountSent();
    this.writeBits(codeLengthCount - 4, 4);
    for (let i = 0; i < codeLengthCount; i++) this.writeBits(this.codeLengthLengths[CODE_LENGTH_ORDER[i]!]!, 3);
    for (let i = 0; i < this.runCount; i++) {
      const symbol = this.runSymbols[i]!;
      this.writeBits(this.codeLengthCodes[symbol]!, this.codeLengthLengths[symbol]!);
      if (symbol === REPEAT_PREVIOUS) this.writeBits(this.runExtra[i]!, 2);
      else if (symbol === REPEAT_ZERO_SHORT) this.writeBits(this.runExtra[i]!, 3);
      else if (symbol === REPEAT_ZERO_LONG) this.writeBits(this.runExtra[i]!, 7);
    }
  }

  /** Size in bits of the block's bytes as stored block(s) from the current bit position. */
  private storedBits(lengthBytes: number): number {
    let bits = 0;
    let bitPos = this.bitCount;
    let left = lengthBytes;
    do {
      const chunk = Math.min(left, STORED_MAX_BYTES);
      const headerBits = 3 + ((8 - ((bitPos + 3) & 7)) & 7) + 32;
      bits += headerBits + 8 * chunk;
      bitPos = 0;
      left -= chunk;
    } while (left > 0);
    return bits;
  }

  /** §3.2.4: the block's bytes as stored block(s) of at most 65535 bytes; the last one final. */
  private writeStored(final: boolean): void {
    const src = this.src;
    let p = this.blockStart;
    const end = this.blockEnd;
    do {
      const chunk = Math.min(end - p, STORED_MAX_BYTES);
      const last = p + chunk === end;
      this.writeBits(final && last ? 1 : 0, 3); // BTYPE = 00
      if (this.bitCount > 0) this.writeBits(0, 8 - this.bitCount);
      this.putByte(chunk & 0xff);
      this.putByte(chunk >>> 8);
      this.putByte(~chunk & 0xff);
      this.putByte((~chunk >>> 8) & 0xff);
      if (this.outEnd - this.outPos >= chunk) {
        const out = this.out;
        let o = this.outPos;
        for (const stop = p + chunk; p < stop; p++) out[o++] = src[p]!;
        this.outPos = o;
      } else {
        p += chunk;
        this.outPos += chunk; // counted, not written: the caller gets outputOverflow
      }
    } while (p < end);
  }

  /**
   * The buffered symbols with the given codes. The hot loop: bit buffer and output position in
   * locals, at most 7 + 15 + 5 bits pending before a flush (a length code and its extra bits),
   * and the distance code flushed before its up to 10 extra bits, so the buffer stays in 31 bits.
   */
  private writeSymbols(literalCodes: Uint16Array, literalLengths: Uint8Array, distanceCodes: Uint16Array, distanceLengths: Uint8Array): void {
    const out = this.out;
    const outEnd = this.outEnd;
    const values = this.symbolLiteralOrLength;
    const distances = this.symbolDistance;
    let o = this.outPos;
    let bits = this.bitBuf;
    let bitCount = this.bitCount;
    for (let i = 0; i < this.symbolCount; i++) {
      const value = values[i]!;
      const distance = distances[i]!;
      if (distance === 0) {
        bits |= literalCodes[value]! << bitCount;
        bitCount += literalLengths[value]!;
      } else {
        const lengthIndex = LENGTH_INDEX[value]!;
        bits |= literalCodes[257 + lengthIndex]! << bitCount;
        bitCount += literalLengths[257 + lengthIndex]!;
        bits |= (value - LENGTH_BASE[lengthIndex]!) << bitCount;
        bitCount += LENGTH_EXTRA_BITS[lengthIndex]!;
        while (bitCount >= 8) {
          if (o < outEnd) out[o] = bits;
          o++;
          bits >>>= 8;
          bitCount -= 8;
        }
        const distanceSymbol = DISTANCE_SYMBOL[distance]!;
        bits |= distanceCodes[distanceSymbol]! << bitCount;
        bitCount += distanceLengths[distanceSymbol]!;
        while (bitCount >= 8) {
          if (o < outEnd) out[o] = bits;
          o++;
          bits >>>= 8;
          bitCount -= 8;
        }
        bits |= (distance - DISTANCE_BASE[distanceSymbol]!) << bitCount;
        bitCount += DISTANCE_EXTRA_BITS[distanceSymbol]!;
      }
      while (bitCount >= 8) {
        if (o < outEnd) out[o] = bits;
        o++;
        bits >>>= 8;
        bitCount -= 8;
      }
    }
    this.outPos = o;
    this.bitBuf = bits;
    this.bitCount = bitCount;
  }

  // --- Bit output --------------------------------------------------------------------------------

  /** Append `count` (≤ 16) bits of `value`, LSB-first. */
  private writeBits(value: number, count: number): void {
    this.bitBuf |= value << this.bitCount;
    this.bitCount += count;
    while (this.bitCount >= 8) {
      this.putByte(this.bitBuf & 0xff);
      this.bitBuf >>>= 8;
      this.bitCount -= 8;
    }
  }

  /** One output byte; past the capacity only counted. */
  private putByte(byte: number): void {
    if (this.outPos < this.outEnd) this.out[this.outPos] = byte;
    this.outPos++;
  }
}

/** Hash of the three bytes at pos (multiplicative, top HASH_BITS bits). */
function hash3(src: Uint8Array, pos: number): number {
  return Math.imul((src[pos]! << 16) | (src[pos + 1]! << 8) | src[pos + 2]!, 0x9e3779b1) >>> (32 - HASH_BITS);
}

function checkRange(what: string, array: Uint8Array, offset: number, lengthBytes: number): void {
  if (!(Number.isInteger(offset) && Number.isInteger(lengthBytes) && offset >= 0 && lengthBytes >= 0)) {
    throw new RangeError(`Deflater: ${what} offset and length must be non-negative integers`);
  }
  if (offset + lengthBytes > array.length) {
    throw new RangeError(`Deflater: ${what} range [${offset}, +${lengthBytes}) outside a ${array.length}-byte array`);
  }
}
