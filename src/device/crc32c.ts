/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), as computed by a DSA CRC descriptor
 * and by iSCSI/ext4. Slice-by-8 over any byte range of a (shared) Uint8Array, incremental
 * across pages, allocation-free.
 *
 * Usage: state[0] = CRC32C_INIT; crc32cUpdate(state, bytes, off, len) …; result = crc32cFinal(state).
 */

const POLY = 0x82f63b78;
const TABLE = new Int32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  TABLE[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = TABLE[n]!;
  for (let t = 1; t < 8; t++) {
    c = TABLE[c & 0xff]! ^ (c >>> 8);
    TABLE[t * 256 + n] = c;
  }
}

export const CRC32C_INIT = -1;

/**
 * Advance the running CRC kept in `state[0]` (start it at CRC32C_INIT) over b[offset, offset+length).
 * The state lives in an Int32Array so no boxed number crosses the call (int32 values beyond
 * ±2^30 are heap numbers in V8).
 *
 * Two slice-by-8 steps per iteration. This also keeps the function's bytecode above V8's
 * inlining limit (460 bytes) on purpose: inlined into the page loop (device/page-run.ts), the
 * loop ran 1.7–2× slower than out of line (measured: 3.9–4.6 µs against 2.1–2.3 µs per 4 KiB).
 */
export function crc32cUpdate(state: Int32Array, b: Uint8Array, offset: number, length: number): void {
  let crc = state[0]!;
  let i = offset;
  const end = offset + length;
  const T = TABLE;
  while (end - i >= 16) {
    crc ^= b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
    crc =
      T[1792 + (crc & 0xff)]! ^
      T[1536 + ((crc >>> 8) & 0xff)]! ^
      T[1280 + ((crc >>> 16) & 0xff)]! ^
      T[1024 + (crc >>> 24)]! ^
      T[768 + b[i + 4]!]! ^
      T[512 + b[i + 5]!]! ^
      T[256 + b[i + 6]!]! ^
      T[b[i + 7]!]!;
    crc ^= b[i + 8]! | (b[i + 9]! << 8) | (b[i + 10]! << 16) | (b[i + 11]! << 24);
    crc =
      T[1792 + (crc & 0xff)]! ^
      T[1536 + ((crc >>> 8) & 0xff)]! ^
      T[1280 + ((crc >>> 16) & 0xff)]! ^
      T[1024 + (crc >>> 24)]! ^
      T[768 + b[i + 12]!]! ^
      T[512 + b[i + 13]!]! ^
      T[256 + b[i + 14]!]! ^
      T[b[i + 15]!]!;
    i += 16;
  }
  if (end - i >= 8) {
    crc ^= b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
    crc =
      T[1792 + (crc & 0xff)]! ^
      T[1536 + ((crc >>> 8) & 0xff)]! ^
      T[1280 + ((crc >>> 16) & 0xff)]! ^
      T[1024 + (crc >>> 24)]! ^
      T[768 + b[i + 4]!]! ^
      T[512 + b[i + 5]!]! ^
      T[256 + b[i + 6]!]! ^
      T[b[i + 7]!]!;
    i += 8;
  }
  while (i < end) crc = T[(crc ^ b[i++]!) & 0xff]! ^ (crc >>> 8);
  state[0] = crc;
}

/** The finished CRC as an unsigned 32-bit number. */
export function crc32cFinal(state: Int32Array): number {
  return ~state[0]! >>> 0;
}

/** Bit-at-a-time CRC32C: the slow, obviously-correct reference used by integrity sampling. */
export function crc32cReference(b: Uint8Array, offset: number, length: number): number {
  let crc = -1;
  for (let i = offset; i < offset + length; i++) {
    crc ^= b[i]!;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ POLY : crc >>> 1;
  }
  return ~crc >>> 0;
}
