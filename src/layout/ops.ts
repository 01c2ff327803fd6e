/**
 * The DSA-like operations a descriptor can carry: their codes (the descriptor's opcode field)
 * and their names (profile keys, result keys). Modelled on the DSA opcodes of
 * `include/uapi/linux/idxd.h` (DSA_OPCODE_MEMMOVE, _FILL, _COMPARE, _COMPVAL, _CRCGEN, _BATCH);
 * dualcast, delta records and DIF are not modelled.
 *
 * `Op` codes index `OP_NAMES` (and every per-op array in results).
 */

export const OP_NAMES = ['memmove', 'fill', 'compare', 'comparePattern', 'crc32c', 'batch'] as const;
export type OpName = (typeof OP_NAMES)[number];

export const Op = {
  memmove: 0,
  fill: 1,
  compare: 2,
  /** DSA "compare pattern" (COMPVAL): compare memory against the 8-byte pattern. */
  comparePattern: 3,
  crc32c: 4,
  batch: 5,
} as const satisfies Record<OpName, number>;
export type OpCode = (typeof Op)[OpName];

export const OP_COUNT = OP_NAMES.length;
