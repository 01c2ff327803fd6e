/**
 * The global PASID allocator, as Linux's `iommu_alloc_global_pasid` (an IDA over
 * [1, maxPasids-1]): always the smallest free id; 0 is reserved for DMA without a PASID.
 * A process allocates its PASID at its first SVA bind and keeps it until it exits
 * (`mm_pasid_drop`), not until unbind.
 */

import { pasidsExhausted } from './errors.js';

export const PASID_NONE = 0;

export class PasidAllocator {
  private readonly used: Uint8Array;
  /** No free id lies below this hint (a search starts here). */
  private lowestMaybeFree = 1;
  private inUse = 0;

  constructor(readonly maxPasids: number) {
    if (!Number.isInteger(maxPasids) || maxPasids < 2) throw new Error(`bug: maxPasids ${maxPasids}`);
    this.used = new Uint8Array(maxPasids);
    this.used[PASID_NONE] = 1;
  }

  get allocated(): number {
    return this.inUse;
  }

  alloc(): number {
    for (let id = this.lowestMaybeFree; id < this.maxPasids; id++) {
      if (this.used[id] === 0) {
        this.used[id] = 1;
        this.inUse++;
        this.lowestMaybeFree = id + 1;
        return id;
      }
    }
    throw pasidsExhausted(this.maxPasids);
  }

  free(id: number): void {
    if (id <= PASID_NONE || id >= this.maxPasids || this.used[id] !== 1) {
      throw new Error(`bug: freeing PASID ${id}, which is not allocated`);
    }
    this.used[id] = 0;
    this.inUse--;
    if (id < this.lowestMaybeFree) this.lowestMaybeFree = id;
  }

  isAllocated(id: number): boolean {
    return this.used[id] === 1 && id !== PASID_NONE;
  }
}
