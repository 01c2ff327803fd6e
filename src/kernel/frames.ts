/**
 * The kernel's frame allocator (kernel-private state; only the per-frame metadata it keeps
 * in sync — generation and owner — is shared, see layout/physmem.ts).
 *
 * Frames are handed out LIFO from a free stack (a freed frame is the next one reused, which
 * is what makes use-after-free DMA visible quickly), then from a bump pointer. Frame 0 is
 * never handed out. Freeing bumps the frame's generation so stale translations are detectable.
 */

import { PAGE_SIZE } from '../layout/constants.js';
import { FrameOwner, type PhysMemViews } from '../layout/physmem.js';
import { outOfMemory } from './errors.js';
import type { FrameSource } from './pagetables.js';

export class FrameAllocator implements FrameSource {
  private readonly freeStack: Int32Array;
  private freeTop = 0;
  private bump = 1;
  private freed = 0;
  private reused = 0;

  constructor(private readonly mem: PhysMemViews) {
    this.freeStack = new Int32Array(mem.frames);
  }

  get frameCount(): number {
    return this.mem.frames;
  }

  ownerOf(pfn: number): number {
    return this.mem.owner[pfn]!;
  }

  get freeFrames(): number {
    return this.freeTop + (this.mem.frames - this.bump);
  }

  /** Frames freed so far and frees that were later handed out again. */
  get stats(): { freed: number; reused: number } {
    return { freed: this.freed, reused: this.reused };
  }

  /** Allocate one frame (contents unspecified unless `zero`). */
  alloc(owner: number, what: string, zero = false): number {
    let pfn: number;
    if (this.freeTop > 0) {
      pfn = this.freeStack[--this.freeTop]!;
      this.reused++;
    } else if (this.bump < this.mem.frames) {
      pfn = this.bump++;
    } else {
      throw outOfMemory(what, 1, 0);
    }
    this.mem.owner[pfn] = owner;
    if (zero) this.mem.bytes.fill(0, pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE);
    return pfn;
  }

  /** Allocate `count` physically contiguous frames from the never-used range. */
  allocContiguous(count: number, owner: number, what: string): number {
    if (this.bump + count > this.mem.frames) throw outOfMemory(what, count, this.mem.frames - this.bump);
    const first = this.bump;
    this.bump += count;
    for (let i = 0; i < count; i++) this.mem.owner[first + i] = owner;
    return first;
  }

  /** Free a frame: bump its generation first, so any translation filled earlier is now stale. */
  free(pfn: number): void {
    if (pfn <= 0 || pfn >= this.mem.frames) throw new Error(`bug: freeing frame ${pfn}`);
    if (this.mem.owner[pfn] === FrameOwner.free) throw new Error(`bug: double free of frame ${pfn}`);
    Atomics.add(this.mem.generation, pfn, 1);
    this.mem.owner[pfn] = FrameOwner.free;
    this.freeStack[this.freeTop++] = pfn;
    this.freed++;
  }
}
