/**
 * Layout planning: the one place where byte offsets inside shared buffers are computed.
 *
 * A layout module describes its fields with a `LayoutPlan` (in order, each with its element
 * type and length), which yields plain, serialisable `FieldSlot`s. The kernel allocates one
 * SharedArrayBuffer of `plan.sizeBytes`; every thread rebuilds the same typed-array views with
 * the `view*` functions from the buffer and the slot. No bare numeric offsets anywhere else.
 *
 * Every field is 8-byte aligned so Float64Array views are always legal.
 */

export type ElementKind = 'i32' | 'f64' | 'u8';

export interface FieldSlot {
  readonly kind: ElementKind;
  /** Offset of the first element from the start of the buffer, bytes. */
  readonly byteOffset: number;
  /** Number of elements. */
  readonly length: number;
}

const ELEMENT_BYTES: Record<ElementKind, number> = { i32: 4, f64: 8, u8: 1 };

export class LayoutPlan {
  private cursorBytes = 0;

  i32(length: number): FieldSlot {
    return this.add('i32', length);
  }

  f64(length: number): FieldSlot {
    return this.add('f64', length);
  }

  u8(length: number): FieldSlot {
    return this.add('u8', length);
  }

  /** Total bytes needed for everything planned so far (8-byte aligned). */
  get sizeBytes(): number {
    return align8(this.cursorBytes);
  }

  private add(kind: ElementKind, length: number): FieldSlot {
    if (!Number.isInteger(length) || length < 0) throw new Error(`bug: bad field length ${length}`);
    const byteOffset = align8(this.cursorBytes);
    this.cursorBytes = byteOffset + length * ELEMENT_BYTES[kind];
    return { kind, byteOffset, length };
  }
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

function check(slot: FieldSlot, kind: ElementKind, buffer: SharedArrayBuffer): void {
  if (slot.kind !== kind) throw new Error(`bug: field is ${slot.kind}, viewed as ${kind}`);
  if (slot.byteOffset + slot.length * ELEMENT_BYTES[kind] > buffer.byteLength) {
    throw new Error('bug: field lies outside its buffer');
  }
}

export function viewI32(buffer: SharedArrayBuffer, slot: FieldSlot): Int32Array {
  check(slot, 'i32', buffer);
  return new Int32Array(buffer, slot.byteOffset, slot.length);
}

export function viewF64(buffer: SharedArrayBuffer, slot: FieldSlot): Float64Array {
  check(slot, 'f64', buffer);
  return new Float64Array(buffer, slot.byteOffset, slot.length);
}

export function viewU8(buffer: SharedArrayBuffer, slot: FieldSlot): Uint8Array {
  check(slot, 'u8', buffer);
  return new Uint8Array(buffer, slot.byteOffset, slot.length);
}
