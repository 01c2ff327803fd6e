/**
 * The validated, defaults-applied shape of a load profile.
 *
 * This is the contract between the profile loader (`load.ts`, which validates YAML once at the
 * edge) and everything behind it (kernel, devices, run), which trusts it. Every size is in
 * bytes, every duration carries its unit in its name.
 */

import type { PlatformCosts, PlatformPreset } from '../platform/presets.js';

import type { WorkloadSpec } from '../layout/protocol.js';

export { OP_NAMES, type OpName } from '../layout/ops.js';
export { ACCESS_PATTERNS, type AccessPattern, type TransferSize } from '../layout/protocol.js';

export const IOMMU_TYPES = ['vtd', 'smmuv3'] as const;
export type IommuType = (typeof IOMMU_TYPES)[number];

export interface SystemConfig {
  /** Simulated physical memory, bytes; a multiple of 4096. Default 256 MiB. */
  memoryBytes: number;
  /** Global PASID space is [1, maxPasids-1]; 0 is reserved for DMA without PASID. Default 65536. */
  maxPasids: number;
  /** Verify one descriptor in N against a plain reference computation; 0 = off. Default 256. */
  integritySampleEvery: number;
}

export interface IommuConfig {
  id: string;
  /** SVA domains are shared only among IOMMUs of the same type. Default 'vtd'. */
  type: IommuType;
  /** IOTLB capacity in entries. Default 64. */
  iotlbEntries: number;
  /** IOTLB associativity; ways == entries means fully associative. entries % ways == 0. Default = entries. */
  iotlbWays: number;
  /** Page-request queue slots shared by the devices behind this unit (Linux: 2048). Default 2048. */
  prqEntries: number;
}

export interface RegionConfig {
  name: string;
  /** Region length, bytes; a multiple of 4096. */
  sizeBytes: number;
  /** Fraction of pages present at start, in [0, 1]. Default 1 (prefaulted). */
  populate: number;
  /** Default true. */
  writable: boolean;
  /**
   * A guest process only, for isolation tests: the guest kernel maps this region's pages onto the
   * guest frame numbers equal to the host frames behind that other VM's memory — what an attacker
   * in the guest would aim at. Stage 2 must stop every access. Default none.
   */
  stealFrom: string | undefined;
}

export interface ProcessConfig {
  name: string;
  regions: RegionConfig[];
  /** A guest process: the VM whose guest kernel runs it (its memory is that VM's). Default: the host. */
  vm: string | undefined;
}

/**
 * A virtual machine (design.md §8, kernel/vm.ts): guest RAM backed by host frames through a
 * stage-2 table, a guest kernel with its own PASIDs, and the devices assigned to it (`devices[].vm`),
 * which translate its processes' addresses through nested domains. Modelled time only.
 */
export interface VmConfig {
  name: string;
  /** Guest RAM, bytes; a multiple of 4096, taken from `system.memoryBytes`. */
  memoryBytes: number;
  /** Fraction of guest RAM the host backs at boot, in [0, 1]; the rest on first touch. Default 1. */
  populate: number;
  /**
   * How the guest is handed its PASIDs: `per-pasid` (iommufd / VT-d: every guest bind traps and the
   * host attaches a nested domain to that PASID) or `whole-table` (SMMUv3: the guest's PASID table
   * is bound once per device; a guest bind writes the guest's own table and invalidates its cache,
   * which traps, with no host attach). Default per-pasid.
   */
  pasidTable: 'per-pasid' | 'whole-table';
  /**
   * How the guest's invalidations reach the hardware: `trapped` (each submission a VM exit and the
   * vIOMMU's emulation, then the host's own submission) or `direct` (a virtual command queue the
   * guest writes without exits, as SMMUv3 CMDQV). Default trapped.
   */
  invalidation: 'trapped' | 'direct';
}

export type AttachConfig =
  /** `bound`: bound at the start (default); false: the device waits for a lifecycle `bind`. */
  | { type: 'sva'; process: string; bound: boolean }
  | { type: 'dma'; sizeBytes: number }
  | { type: 'identity'; sizeBytes: number }
  | { type: 'blocked' }
  | { type: 'none' }
  /**
   * The device's submitter is an in-kernel client (page clearing, compression for swap) with its
   * own buffers, on a PASID attached (design.md §8): `dma-strict` / `dma-lazy` (the DMA API on an
   * IOVA paging domain, unmap flushing at once or through the flush queue; `singleQueue`: lazy's
   * one shared queue instead of one per CPU), `identity` (passthrough), `kva` (the kernel's own
   * page table; a trusted device only).
   */
  | { type: 'kernel'; mode: KernelDmaMode; singleQueue: boolean };

export type KernelDmaMode = 'dma-strict' | 'dma-lazy' | 'identity' | 'kva';

/**
 * A kernel client sharing a device (`devices[].kernelClients`) with the device's process (an sva
 * attach) or with other kernel clients: its own PASID, mode and buffers (the workload's ops,
 * sizes, queueDepth, count or rate; no region).
 */
export interface KernelClientConfig {
  id: string;
  mode: KernelDmaMode;
  singleQueue: boolean;
  workload: WorkloadConfig;
}

/** What `compare --guest` runs a profile with VMs as: on bare metal, or with every VM's invalidations trapped or direct. */
export const GUEST_VARIANTS = ['bare-metal', 'trapped', 'direct'] as const;
export type GuestVariant = (typeof GUEST_VARIANTS)[number];

/** A process submitting to a device's shared work queue (`devices[].submitters`). */
export interface SubmitterConfig {
  process: string;
  workload: WorkloadConfig;
}

/** What a device runs (layout/protocol.ts: the profile's workload is handed to the device as is). */
export type WorkloadConfig = WorkloadSpec;

export interface DeviceConfig {
  id: string;
  /** `dsa` (memmove … dualcast) or `iaa` (compress, decompress, compressVerify, crc64). Default 'dsa'. */
  type: 'dsa' | 'iaa';
  iommu: string;
  /** Has an ATS device TLB. Default true. */
  ats: boolean;
  /** Device-TLB capacity in entries (ignored without ATS). Default 64. */
  devtlbEntries: number;
  /** Device-TLB associativity; default = entries (fully associative). */
  devtlbWays: number;
  /** Work queue size, descriptors. Default 128. */
  wqSize: number;
  /**
   * `dedicated` (default): one submitter with a fixed PASID, submitting with MOVDIR64B, which a
   * full queue would drop — so its queueDepth may not exceed wqSize and it never overfills.
   * `shared`: submitters (the attach's process and `submitters`) enqueue with ENQCMD, each
   * descriptor carrying its own PASID; a full queue answers retry and the submitter tries again
   * (`submitRetries`). Modelled time.
   */
  wqMode: 'dedicated' | 'shared';
  /** Engines executing the queue's descriptors concurrently (one group). Default 1. Modelled time when > 1. */
  engines: number;
  /** Further processes submitting to the device's shared WQ beside the attach's, each SVA-bound with its PASID. Default none. */
  submitters: SubmitterConfig[];
  /**
   * Page Request Interface: on a translation fault the device sends page requests to the
   * kernel instead of failing the descriptor. Default false.
   */
  pri: boolean;
  /**
   * With PRI: true = block-on-fault (the engine stalls until the page response, then retries);
   * false = partial completion (status page-fault with bytes completed and the fault address;
   * the submitting software touches the page through the kernel and resubmits the rest).
   * Default true.
   */
  blockOnFault: boolean;
    /** The kernel trusts the device with all of its memory (a kernel client may use kva). Default false. */
  trusted: boolean;
  /** DMA is coherent with CPU caches (no sync per buffer). Default true. */
  coherent: boolean;
  attach: AttachConfig;
  workload: WorkloadConfig;
  /** Kernel clients sharing the device with its attach's submitter (modelled time). Default none. */
  kernelClients: KernelClientConfig[];
  /** Assigned to this VM (its translation is nested). Default: the host's. */
  vm: string | undefined;
  /** IOMMU group: devices naming the same group cannot be isolated from each other. Default: its own. */
  group: string | undefined;
}

/**
 * One event of the process lifecycle schedule (modelled time), at virtual time `atS`:
 * - `unbind`: the device's SVA bond to its attach process is dropped (`iommu_sva_unbind_device`):
 *   the PASID entry is torn down and page requests drained; the process keeps submitting, and
 *   its descriptors now fault (INVALID). The PASID stays with the process.
 * - `bind`: the device is bound (again) to its attach process: the process's PASID, allocated
 *   now if it has none.
 * - `exit`: the process exits: its submitters stop, every bond is unbound, its memory is freed
 *   and its PASID released (`mm_pasid_drop`) — the next PASID allocation may reuse it.
 */
export type LifecycleEvent =
  | { atS: number; kind: 'unbind' | 'bind'; device: string }
  | { atS: number; kind: 'exit'; process: string };

export const CHURN_OPS = ['munmap', 'mprotect', 'migrate'] as const;
export type ChurnOp = (typeof CHURN_OPS)[number];

/**
 * CPU-side changes the kernel makes to one region of a process while devices run. Each change
 * covers `rangeBytes` and calls the process's notifier for [start, end).
 */
export interface ChurnConfig {
  process: string;
  region: string;
  /** Weights: munmap (+ remap), mprotect (drop write, then restore), migrate (new frames). Default { munmap: 1 }. */
  ops: Record<ChurnOp, number>;
  /** Changes per second. With `count` and no rate, count / durationS. */
  ratePerSec: number | undefined;
  /** Make exactly this many changes (an exact, repeatable schedule); the run lasts until they are done. */
  count: number | undefined;
  /** Bytes per change; a multiple of 4096, at most the region size. Default 4096. */
  rangeBytes: number;
  /**
   * Default true: every range starts at a multiple of its size rounded up to a power of two,
   * so it lies within one naturally aligned span (no VT-d widening).
   */
  aligned: boolean;
  /**
   * 1 (default): the process's own changes (its kernel's munmap / mprotect / migrate, and its
   * notifier). 2: a guest process's region only — the host changes the guest memory behind it
   * (munmap: reclaimed, brought back on the next touch; migrate: new host frames) and flushes
   * the VM's nested translations (kernel/vm-flush.ts).
   */
  stage: 1 | 2;
  /**
   * Seconds before the first change (a warm-up: devices fill their TLBs first); change i is due
   * at startS + i ÷ ratePerSec. Default 0.
   */
  startS: number;
}

/**
 * The invalidation strategies, each named after the Linux code it reproduces (the scope comment
 * of each file in kernel/strategies/ cites it and the versions).
 */
export const STRATEGIES = [
  'vtd-per-device',
  'vtd-sva-domain',
  'vtd-cache-tags-unbatched',
  'vtd-cache-tags-batched',
  'vtd-cache-tags-grouped',
  'smmuv3',
  'smmuv3-ril',
] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** The IOMMU type a strategy's Linux code drives. */
export function strategyIommuType(s: Strategy): IommuType {
  return s.startsWith('smmuv3') ? 'smmuv3' : 'vtd';
}

/**
 * Why `strategy` cannot flush these IOMMUs (a VT-d strategy on an SMMUv3, or the reverse), or
 * undefined.
 */
export function strategyProblem(strategy: Strategy, iommus: readonly { id: string; type: IommuType }[]): string | undefined {
  const want = strategyIommuType(strategy);
  const other = iommus.find((u) => u.type !== want);
  return other ? `${strategy} drives ${want === 'vtd' ? 'VT-d' : 'SMMUv3'} IOMMUs; iommu ${other.id} is ${other.type}` : undefined;
}

/** The strategy pair `compare` runs by default: the earliest era against today's, for the IOMMUs' type. */
export function defaultCompared(iommus: readonly { type: IommuType }[]): Strategy[] {
  return iommus.every((u) => u.type === 'smmuv3') ? ['smmuv3', 'smmuv3-ril'] : ['vtd-per-device', 'vtd-cache-tags-grouped'];
}

/** How the CPU's TLB flush calls the notifier (kernel/arch.ts). */
export const NOTIFIER_ARCHES = ['x86', 'arm64', 'generic'] as const;
export type NotifierArch = (typeof NOTIFIER_ARCHES)[number];

/** The names of earlier releases, kept as aliases of the eras they meant. */
export const STRATEGY_ALIASES: Readonly<Record<string, Strategy>> = {
  'per-device': 'vtd-per-device',
  'shared-domain': 'vtd-cache-tags-grouped',
};

/** A strategy's canonical name from a name or an alias; undefined if it is neither. */
export function canonicalStrategy(name: string): Strategy | undefined {
  if ((STRATEGIES as readonly string[]).includes(name)) return name as Strategy;
  return STRATEGY_ALIASES[name];
}

export interface InvalidationConfig {
  /** Default 'vtd-cache-tags-grouped'. */
  strategy: Strategy;
  /** Batched cache-tag strategies: descriptors per submission (qi_batch; each submission ends in a wait). Default 16. */
  batchSize: number;
  /**
   * 'vtd': naturally aligned power-of-two span, whole-PASID flush for the full range or beyond
   * maxAddressMask. 'smmu': the exact range, whole-PASID flush at or above 512 pages. Default 'vtd'.
   */
  rangeEncoding: 'vtd' | 'smmu';
  /**
   * How the CPU's TLB flush calls the notifier (kernel/arch.ts): 'x86' (more than 33 pages →
   * whole PASID; mprotect flushes both ways; a call per migrated page), 'arm64' (512 pages), or
   * 'generic' (the change's range, once). Default 'x86'.
   */
  arch: NotifierArch;
  /** VT-d MAMV: largest address mask (log2 pages) a page-selective flush may use. Default 18. */
  maxAddressMask: number;
}

/** A platform preset with any per-figure overrides applied (src/platform/presets.ts). */
export interface PlatformConfig {
  preset: PlatformPreset;
  costs: PlatformCosts;
}

/**
 * Which clock a run's figures are read on (design.md §6): `modelled` — every cost is added to
 * the virtual clock of the logical process that waits for it, so figures are a property of the
 * model; `host` — wall-clock time on this machine, costs spun as real delay (measures the
 * implementation itself).
 */
export const TIMINGS = ['modelled', 'host'] as const;
export type Timing = (typeof TIMINGS)[number];
export const DEFAULT_TIMING: Timing = 'modelled';

export interface Profile {
  /** Profile name; defaults to the file's base name. */
  name: string;
  /** Seed for every random choice. Default 1. */
  seed: number;
  /** Run length, seconds; undefined only if every device has a descriptor count. */
  durationS: number | undefined;
  system: SystemConfig;
  iommus: IommuConfig[];
  processes: ProcessConfig[];
  devices: DeviceConfig[];
  /** Undefined: no CPU-side churn. */
  churn: ChurnConfig | undefined;
  /** Virtual machines; empty: none. */
  vms: VmConfig[];
  /** Process lifecycle events in time order (modelled time); empty: none. */
  lifecycle: LifecycleEvent[];
  invalidation: InvalidationConfig;
  platform: PlatformConfig;
  /** Use-after-free DMA checker (frame generations around every page copy). Default true. */
  checker: boolean;
  /** The clock figures are read on. */
  timing: Timing;
  /**
   * Modelled time: at most this many worker threads run the devices, each thread several devices
   * in virtual-time order (logical devices); undefined: the machine's cores. Host timing keeps a
   * thread per device.
   */
  workers: number | undefined;
}
