/**
 * The operations a descriptor can carry: their codes (the descriptor's opcode field) and their
 * names (profile keys, result keys).
 *
 * DSA-like (`include/uapi/linux/idxd.h`: DSA_OPCODE_MEMMOVE, _FILL, _COMPARE, _COMPVAL, _CRCGEN,
 * _BATCH, _DUALCAST): memmove, fill, compare, comparePattern, crc32c, batch, dualcast (one
 * source, two destinations).
 * IAA-like (IAX_OPCODE_COMPRESS, _DECOMPRESS, _CRC64; compress with its verify flag): compress
 * (RFC 1951 raw deflate, 4 KiB history), decompress, compressVerify (compress, then decompress
 * the output and compare it with the source), crc64 (a per-descriptor polynomial).
 * Delta records, DIF, IAA's scan / extract / select / expand filters are not modelled.
 *
 * `Op` codes index `OP_NAMES` (and every per-op array in results). Two more codes are the
 * device's own, never in a descriptor a submitter writes: an IAA op moves its operands through
 * the page run as `gather` (source → the engine's input buffer) and `scatter` (output buffer →
 * destination).
 */

export const OP_NAMES = ['memmove', 'fill', 'compare', 'comparePattern', 'crc32c', 'batch', 'dualcast', 'compress', 'decompress', 'compressVerify', 'crc64'] as const;
export type OpName = (typeof OP_NAMES)[number];

export const Op = {
  memmove: 0,
  fill: 1,
  compare: 2,
  /** DSA "compare pattern" (COMPVAL): compare memory against the 8-byte pattern. */
  comparePattern: 3,
  crc32c: 4,
  batch: 5,
  /** DSA dualcast: the source copied to two destinations. */
  dualcast: 6,
  compress: 7,
  decompress: 8,
  compressVerify: 9,
  crc64: 10,
} as const satisfies Record<OpName, number>;
export type OpCode = (typeof Op)[OpName];

export const OP_COUNT = OP_NAMES.length;

/** The device's own operand moves of an IAA op (device/engine.ts); codes after every public op. */
export const InternalOp = { gather: OP_COUNT, scatter: OP_COUNT + 1 } as const;
/** Public and internal op codes: the length of per-code tables (traits, costs). */
export const OP_CODE_COUNT = OP_COUNT + 2;

/** Which device type runs which ops. */
export const DSA_OPS: readonly OpName[] = ['memmove', 'fill', 'compare', 'comparePattern', 'crc32c', 'batch', 'dualcast'];
export const IAA_OPS: readonly OpName[] = ['compress', 'decompress', 'compressVerify', 'crc64'];
/** The IAA ops go through the engine's buffers: their transfers are at most this large. */
export const IAA_MAX_TRANSFER_BYTES = 64 * 1024;
