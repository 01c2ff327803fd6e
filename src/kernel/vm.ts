/**
 * A virtual machine (design.md §8): guest RAM backed by host frames through a stage-2 table,
 * and a guest kernel — its own frame allocator, PASID space and address spaces (mm.ts over the
 * guest's physical memory) — whose processes devices assigned to the VM reach through nested
 * domains (domains.ts, DomainType.nested; device/translate.ts walks both stages).
 *
 * Stage 2 (the host's table of the VM: iommufd's parent hwpt, VT-d's second stage, SMMUv3's S2)
 * maps guest frame g → host frame `backing[g]`, four levels like every table here, written by
 * the kernel only. Guest RAM is backed at boot (`populate` of it, the rest on first touch: a
 * host-side fault, `cpuStage2Faults` when the guest's CPU touches it first, the fault service's
 * stage-2 route when a device does).
 *
 * Stage-2 changes (host-side, `churn.stage: 2`):
 *   - migrate: each guest page gets a new host frame with its contents; the entry is replaced;
 *   - munmap: the host reclaims the page (its contents saved, as a swap-out); the entry is
 *     cleared, and the next touch — CPU or device — faults at stage 2 and brings it back.
 * Either way the old host frame is freed only after the flush: for every nested domain of the
 * VM on every IOMMU it has a domain id, one IOTLB descriptor for that did (every combined entry
 * may have used the range, and the IOTLB is not indexed by guest PA), and for every ATS device
 * attached to it one device-TLB descriptor for the whole device TLB — Linux's cache tags of the
 * parent domain (drivers/iommu/intel/cache.c `cache_tag_assign_domain` →
 * `__cache_tag_assign_parent_domain`: CACHE_TAG_NESTING_IOTLB with the nested domain's did,
 * CACHE_TAG_NESTING_DEVTLB; `cache_tag_flush_range`: "no easy way to identify the exact set of
 * nested translations affected by a change in S2. So just flush the entire device cache",
 * addr 0, mask MAX_AGAW_PFN_WIDTH; v6.10+). The stage-2 walk caches move with `s2Epoch`.
 *
 * A guest free (the guest kernel freeing one of its frames) bumps the generation of the host
 * frame behind it: to the use-after-free checker the page is gone, as a host free would be — so
 * the checker covers guest memory through both stages.
 */

import { PAGE_SIZE } from '../layout/constants.js';
import type { MachineViews } from '../layout/machine.js';
import { FrameOwner, packOwner } from '../layout/physmem.js';
import type { PlatformCosts } from '../platform/presets.js';
import { outOfMemory } from './errors.js';
import type { FrameAllocator } from './frames.js';
import { AddressSpaces } from './mm.js';
import type { GuestOf, Process } from './objects.js';
import { allocTableRoot, type FrameSource, lookupPte, mapPage, type PageSpace, unmapPage } from './pagetables.js';
import { levelIndex, PTE_P, ptePfn, pteWordIndex } from '../layout/pagetable.js';
import { PasidAllocator } from './pasid.js';

/** How the guest is handed its PASIDs (design.md §8). */
export type PasidTableMode = 'per-pasid' | 'whole-table';
/** How the guest's invalidations reach the hardware. */
export type GuestInvalidationPath = 'trapped' | 'direct';

export interface VmOptions {
  readonly index: number;
  readonly name: string;
  readonly memoryBytes: number;
  /** Fraction of guest RAM the host backs at boot, in [0, 1]. */
  readonly populate: number;
  readonly pasidTable: PasidTableMode;
  readonly invalidation: GuestInvalidationPath;
  readonly maxPasids: number;
  readonly seed: number;
}

/** Where a device's fault on a guest PASID stops at stage 2 (Vm.serviceStage2). */
export const Stage2Fault = { none: 0, backed: 1, outside: -1 } as const;
export type Stage2FaultCode = (typeof Stage2Fault)[keyof typeof Stage2Fault];

/** Owner id of the VM's stage-2 table frames (packed with FrameOwner.pageTable). */
const S2_TABLE_OWNER = 0xfe0000;

/** The guest kernel's frame allocator: LIFO over guest frames, as frames.ts is over host ones. */
class GuestFrames implements FrameSource {
  private readonly owner: Int32Array;
  private readonly freeStack: Int32Array;
  private freeTop = 0;
  private bump = 1;

  constructor(
    readonly frameCount: number,
    private readonly vm: Vm,
  ) {
    this.owner = new Int32Array(frameCount);
    this.freeStack = new Int32Array(frameCount);
  }

  ownerOf(pfn: number): number {
    return this.owner[pfn]!;
  }

  alloc(owner: number, what: string, zero = false): number {
    let pfn: number;
    if (this.freeTop > 0) pfn = this.freeStack[--this.freeTop]!;
    else if (this.bump < this.frameCount) pfn = this.bump++;
    else throw outOfMemory(`${what} in vm ${this.vm.name}`, 1, 0);
    this.owner[pfn] = owner;
    if (zero) {
      const at = this.vm.hostPfn(pfn) * PAGE_SIZE;
      this.vm.bytes.fill(0, at, at + PAGE_SIZE);
    }
    return pfn;
  }

  free(pfn: number): void {
    if (pfn <= 0 || pfn >= this.frameCount) throw new Error(`bug: freeing guest frame ${pfn}`);
    if (this.owner[pfn] === FrameOwner.free) throw new Error(`bug: double free of guest frame ${pfn}`);
    this.vm.guestFreed(pfn);
    this.owner[pfn] = FrameOwner.free;
    this.freeStack[this.freeTop++] = pfn;
  }
}

export interface VmStats {
  /** Guest frames backed by the host at a CPU touch of the guest (stage-2 faults of the CPU). */
  cpuStage2Faults: number;
  /** Guest frames brought back after a device's page request found them unbacked. */
  deviceStage2Faults: number;
  /** Stage-2 changes, the guest pages they covered, and the host frames they freed. */
  stage2Changes: number;
  stage2Pages: number;
  stage2FramesFreed: number;
}

export class Vm {
  readonly index: number;
  readonly name: string;
  readonly guestFrames: number;
  readonly s2RootPfn: number;
  readonly pasidTable: PasidTableMode;
  readonly invalidation: GuestInvalidationPath;
  /** Guest frame → host frame (0: not backed). Kernel-private shadow of the stage-2 leaves. */
  readonly backing: Int32Array;
  readonly frames: GuestFrames;
  readonly pasids: PasidAllocator;
  readonly mm: AddressSpaces;
  readonly space: PageSpace;
  readonly guest: GuestOf;
  readonly stats: VmStats = { cpuStage2Faults: 0, deviceStage2Faults: 0, stage2Changes: 0, stage2Pages: 0, stage2FramesFreed: 0 };
  readonly bytes: Uint8Array;
  /** Contents of guest pages the host reclaimed (stage-2 munmap), restored when they are touched. */
  private readonly reclaimed = new Map<number, Uint8Array>();
  private readonly views: MachineViews;

  constructor(
    o: VmOptions,
    views: MachineViews,
    private readonly hostFrames: FrameAllocator,
  ) {
    this.views = views;
    this.index = o.index;
    this.name = o.name;
    this.pasidTable = o.pasidTable;
    this.invalidation = o.invalidation;
    this.guestFrames = o.memoryBytes / PAGE_SIZE;
    this.bytes = views.mem.bytes;
    this.backing = new Int32Array(this.guestFrames);
    this.s2RootPfn = allocTableRoot(hostFrames, S2_TABLE_OWNER + o.index);
    // Guest frame 0 stays unbacked and unused, as host frame 0 does.
    for (let g = 1; g < this.guestFrames; g++) {
      if (o.populate >= 1 || g <= Math.floor(o.populate * (this.guestFrames - 1))) this.back(g);
    }
    this.frames = new GuestFrames(this.guestFrames, this);
    this.pasids = new PasidAllocator(o.maxPasids);
    this.space = { words: views.mem.words, bytes: views.mem.bytes, hostPfn: (g) => this.hostPfn(g) };
    this.guest = { vm: o.index, vmName: o.name, s2RootPfn: this.s2RootPfn, pasids: this.pasids };
    this.mm = new AddressSpaces(this.space, this.frames, this.pasids, o.seed ^ Math.imul(o.index + 1, 0x5bd1e995), this.guest);
  }

  /** The host frame behind guest frame `g` for the guest's CPU: backed now if it is not (a host fault). */
  hostPfn(g: number): number {
    const h = this.backing[g]!;
    if (h !== 0) return h;
    if (g <= 0 || g >= this.guestFrames) throw new Error(`bug: guest frame ${g} outside vm ${this.name}`);
    this.stats.cpuStage2Faults++;
    return this.back(g);
  }

  /** Back guest frame `g` with a fresh host frame (its reclaimed contents, or zeros) and map it at stage 2. */
  private back(g: number): number {
    const h = this.hostFrames.alloc(packOwner(FrameOwner.guestMemory, this.index), `backing guest memory of vm ${this.name}`);
    const saved = this.reclaimed.get(g);
    if (saved) {
      this.bytes.set(saved, h * PAGE_SIZE);
      this.reclaimed.delete(g);
    } else {
      this.bytes.fill(0, h * PAGE_SIZE, (h + 1) * PAGE_SIZE);
    }
    mapPage(this.views.mem, this.hostFrames, this.s2RootPfn, g, h, true, S2_TABLE_OWNER + this.index);
    this.backing[g] = h;
    return h;
  }

  /** The guest kernel freed frame `g`: translations to its host frame are stale (see the header). */
  guestFreed(g: number): void {
    const h = this.backing[g]!;
    if (h !== 0) Atomics.add(this.views.mem.generation, h, 1);
  }

  /**
   * A device's page request for `vpn` of guest process `proc`: where its 2-D walk stops at
   * stage 2, the host's fault. Walks stage 1 as the IOMMU does and backs each unbacked guest
   * frame it needs — a stage-1 table or the page (`Stage2Fault.backed`); `none`: stage 2 is
   * whole, the fault is the guest's (stage 1); `outside`: the walk needs a guest frame beyond the
   * VM's RAM, which no host fault can back (the host answers INVALID).
   */
  serviceStage2(proc: Process, vpn: number): Stage2FaultCode {
    const words = this.views.mem.words;
    let code: Stage2FaultCode = Stage2Fault.none;
    let table = proc.rootPfn;
    for (let level = 3; level >= -1; level--) {
      if (table <= 0 || table >= this.guestFrames) return Stage2Fault.outside;
      if (this.backing[table] === 0) {
        this.back(table);
        this.stats.deviceStage2Faults++;
        code = Stage2Fault.backed;
      }
      if (level < 0) return code;
      const pte = Atomics.load(words, pteWordIndex(this.backing[table]!, levelIndex(vpn, level)));
      // Not present at stage 1: the rest is the guest's fault.
      if ((pte & PTE_P) === 0) return code;
      table = ptePfn(pte);
    }
    return code;
  }

  /** The guest frames behind [startVpn, endVpn) of `proc` that are present at stage 1 (0 = none). */
  guestFramesOf(proc: Process, startVpn: number, endVpn: number): number[] {
    const out: number[] = [];
    for (let v = startVpn; v < endVpn; v++) {
      const pte = lookupPte(this.space, proc.rootPfn, v);
      out.push((pte & PTE_P) !== 0 ? ptePfn(pte) : 0);
    }
    return out;
  }

  /**
   * Stage-2 change, first half: migrate (new host frames with the contents, entries replaced) or
   * munmap (contents saved, entries cleared) the guest frames `gpfns` (0 and unbacked ones
   * skipped). Returns the old host frames, to free after the flush (`freeHost`).
   */
  changeStage2(op: 'migrate' | 'munmap', gpfns: readonly number[]): number[] {
    const old: number[] = [];
    const mem = this.views.mem;
    for (const g of gpfns) {
      const h = g === 0 ? 0 : this.backing[g]!;
      if (h === 0) continue;
      if (op === 'migrate') {
        const n = this.hostFrames.alloc(packOwner(FrameOwner.guestMemory, this.index), `migrating guest memory of vm ${this.name}`);
        mem.bytes.copyWithin(n * PAGE_SIZE, h * PAGE_SIZE, (h + 1) * PAGE_SIZE);
        // Replace the leaf in place (present throughout: the old frame stays reachable until the flush).
        mapPage(mem, this.hostFrames, this.s2RootPfn, g, n, true, S2_TABLE_OWNER + this.index);
        this.backing[g] = n;
      } else {
        this.reclaimed.set(g, mem.bytes.slice(h * PAGE_SIZE, (h + 1) * PAGE_SIZE));
        unmapPage(mem, this.s2RootPfn, g);
        this.backing[g] = 0;
      }
      old.push(h);
    }
    this.stats.stage2Changes++;
    this.stats.stage2Pages += gpfns.length;
    return old;
  }

  /** Stage-2 change, second half: free the old host frames (after the flush has completed). */
  freeHost(frames: readonly number[]): void {
    for (const h of frames) {
      this.hostFrames.free(h);
      this.stats.stage2FramesFreed++;
    }
  }

  /** Host frames the VM holds (backed guest frames). */
  backedFrames(): number {
    let n = 0;
    for (let g = 1; g < this.guestFrames; g++) if (this.backing[g] !== 0) n++;
    return n;
  }

  /** The cost of a guest invalidation submission beyond the hardware's: a VM exit and the vIOMMU's emulation when trapped. */
  trapNsPerSubmission(costs: PlatformCosts): number {
    return this.invalidation === 'trapped' ? costs.guestTrapNs : 0;
  }
}
