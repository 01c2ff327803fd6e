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

import { PAGE_SIZE } from '../layout/constants.js';

export interface Vma {
  readonly name: string;
  /** First byte, virtual. */
  readonly start: number;
  readonly sizeBytes: number;
  readonly writable: boolean;
}

/**
 * What a guest process carries (a process of a VM's guest kernel, kernel/vm.ts): its VM, whose
 * stage-2 table translates the guest frames its page table lives in and maps, and the guest's
 * own PASID space.
 */
export interface GuestOf {
  /** The VM's index. */
  readonly vm: number;
  readonly vmName: string;
  /** The VM's stage-2 root, a host frame. */
  readonly s2RootPfn: number;
  readonly pasids: { alloc(): number; free(pasid: number): void };
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
  /**
   * Host time: set while a change holds the mm lock for writing (munmap / mprotect / migrate
   * take mmap_lock for writing; a fault takes it for reading, a fault on a page under migration
   * waits on its migration entry); resolves when the change ends. Writer: churn.ts `change`.
   * (Modelled time keeps the same lock in the sequencer.)
   */
  changeDone: Promise<void> | undefined = undefined;

  constructor(
    readonly id: number,
    readonly name: string,
    /** Frame of the page table's root (the pgd); a guest frame for a guest process. */
    readonly rootPfn: number,
    /** A guest process: its VM; undefined on the host. */
    readonly guest: GuestOf | undefined = undefined,
  ) {}

  /**
   * Page ranges [startVpn, endVpn) an mprotect has made read-only for now (churn.ts). Linux
   * splits the VMA and clears VM_WRITE on the part (mm/mprotect.c mprotect_fixup); here the VMA
   * stays whole and keeps its ranges.
   */
  readonly writeProtected: { startVpn: number; endVpn: number }[] = [];

  vmaAt(va: number): Vma | undefined {
    return this.vmas.find((v) => va >= v.start && va < v.start + v.sizeBytes);
  }

  /** Whether a write at `va` is allowed by its VMA (false outside any VMA). */
  writableAt(va: number): boolean {
    const vma = this.vmaAt(va);
    if (!vma?.writable) return false;
    const vpn = Math.floor(va / PAGE_SIZE);
    return !this.writeProtected.some((r) => vpn >= r.startVpn && vpn < r.endVpn);
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
  /** The device bound first; `devices`: every device the bond attached (its IOMMU group). */
  readonly device: number;
  readonly devices: readonly number[];
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
