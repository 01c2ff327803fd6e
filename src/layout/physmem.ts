/**
 * Physical memory: frames of 4 KiB in one SharedArrayBuffer, plus per-frame metadata.
 *
 * Buffer `memory` (frames × 4096 bytes): raw frame contents. Page-table nodes are frames too.
 *   writer: kernel (page tables, populate, CPU-side accesses); devices (DMA payload writes into
 *           frames they reached through a valid translation). Readers: everyone.
 *   PTE words are accessed only with Atomics (see pagetable.ts); payload bytes are plain.
 *
 * Buffer `frameMeta`, planned by `planFrameMeta`:
 * | field        | type | length | writer | readers         | meaning                                   |
 * |--------------|------|--------|--------|-----------------|-------------------------------------------|
 * | generation   | i32  | frames | kernel | devices, checker| bumped each time the frame is freed       |
 * | owner        | i32  | frames | kernel | tests, reports  | FrameOwner kind<<24 | id (0 = free)        |
 */

import { PAGE_SIZE } from './constants.js';
import { LayoutPlan, type FieldSlot, viewI32 } from './plan.js';

export interface FrameMetaPlan {
  readonly frames: number;
  readonly generation: FieldSlot;
  readonly owner: FieldSlot;
  readonly sizeBytes: number;
}

export function planFrameMeta(frames: number): FrameMetaPlan {
  const p = new LayoutPlan();
  const generation = p.i32(frames);
  const owner = p.i32(frames);
  return { frames, generation, owner, sizeBytes: p.sizeBytes };
}

/** What a frame is used for; packed into `owner` with the owning object's id. */
export const FrameOwner = {
  free: 0,
  pageTable: 1,
  processData: 2,
  domainData: 3,
  /**
   * Guest RAM of a VM (id: the VM's index): host frames behind its stage-2 table. The guest's own
   * page tables and its processes' pages live in them (kernel/vm.ts).
   */
  guestMemory: 4,
} as const;

export function packOwner(kind: number, id: number): number {
  return (kind << 24) | (id & 0xffffff);
}

export interface PhysMemViews {
  readonly frames: number;
  /** All of memory as bytes: physical address = index. */
  readonly bytes: Uint8Array;
  /** All of memory as 32-bit words (PTE access with Atomics). */
  readonly words: Int32Array;
  readonly generation: Int32Array;
  readonly owner: Int32Array;
}

export interface PhysMemBuffers {
  readonly memory: SharedArrayBuffer;
  readonly frameMeta: SharedArrayBuffer;
}

export function allocatePhysMem(memoryBytes: number): PhysMemBuffers {
  const frames = memoryBytes / PAGE_SIZE;
  return {
    memory: new SharedArrayBuffer(memoryBytes),
    frameMeta: new SharedArrayBuffer(planFrameMeta(frames).sizeBytes),
  };
}

export function attachPhysMem(buffers: PhysMemBuffers): PhysMemViews {
  const frames = buffers.memory.byteLength / PAGE_SIZE;
  const plan = planFrameMeta(frames);
  return {
    frames,
    bytes: new Uint8Array(buffers.memory),
    words: new Int32Array(buffers.memory),
    generation: viewI32(buffers.frameMeta, plan.generation),
    owner: viewI32(buffers.frameMeta, plan.owner),
  };
}
