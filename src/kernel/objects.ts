/**
 * The kernel's objects, as data: processes (an mm with its VMAs and its SVA state), domains and
 * SVA bonds. Behaviour lives in the rooms that own each concern — address spaces (mm.ts),
 * domains and SVA (domains.ts) — which both use these types; keeping them here keeps those
 * rooms from importing each other.
 *
 * Linux counterparts: `struct mm_struct` with `mm->iommu_mm` (`struct iommu_mm_data`: the PASID
 * and the list of SVA domains), `struct iommu_domain`, `struct iommu_sva` (a bond; its refcount
 * is `handle->users`).
 */

export interface Vma {
  readonly name: string;
  /** First byte, virtual. */
  readonly start: number;
  readonly sizeBytes: number;
  readonly writable: boolean;
}

export class Process {
  /** The mm's PASID: 0 until the first SVA bind, kept until exit (not released at unbind). */
  pasid = 0;
  readonly vmas: Vma[] = [];
  /** SVA domains on this mm: one per incompatible IOMMU type in use (iommu_mm->sva_domains). */
  readonly svaDomains: Domain[] = [];
  /** Bonds by device index. */
  readonly bonds = new Map<number, Bond>();
  /** Next free virtual address for mmap. */
  nextVa = 0x10_0000_0000;
  exited = false;

  constructor(
    readonly id: number,
    readonly name: string,
    /** Frame of the page table's root (the pgd). */
    readonly rootPfn: number,
  ) {}

  vmaAt(va: number): Vma | undefined {
    return this.vmas.find((v) => va >= v.start && va < v.start + v.sizeBytes);
  }
}

export class Domain {
  /** Attachments (device, PASID) currently using the domain. */
  users = 0;
  /** Per-IOMMU domain ids: iommu index → { did, attachments on that unit }. */
  readonly dids = new Map<number, { did: number; users: number }>();
  /** Frames owned by a dma/identity domain's buffer (freed with the domain). */
  readonly dataFrames: number[] = [];

  constructor(
    /** Slot in the shared domain table (layout/domains.ts). */
    readonly index: number,
    /** layout/domains.ts DomainType. */
    readonly type: number,
    readonly rootPfn: number,
    /** sva: the process whose page table it shares. */
    readonly process: Process | undefined,
    /** sva: the IOMMU type it was allocated for (attach elsewhere only if compatible). */
    readonly iommuType: string | undefined,
  ) {}
}

export interface Bond {
  readonly device: number;
  readonly process: Process;
  readonly domain: Domain;
  users: number;
}

/** What the kernel knows of a device. */
export interface KernelDeviceInfo {
  readonly id: string;
  readonly iommu: number;
  readonly ats: boolean;
}
