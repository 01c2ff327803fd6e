/**
 * Messages between the kernel (main thread) and a device worker, declared once and imported
 * by both sides: the device's spec and task (in), its result (out). These cross the thread
 * boundary once per run — never per descriptor.
 */

import type { MessagePort } from 'node:worker_threads';
import type { MachineBuffers, MachineShape } from './machine.js';
import type { OpName } from './ops.js';
import type { RegionSpec } from './region-plan.js';

export const ACCESS_PATTERNS = ['sequential', 'uniform', 'zipf'] as const;
export type AccessPattern = (typeof ACCESS_PATTERNS)[number];

export interface TransferSize {
  sizeBytes: number;
  weight: number;
}

/**
 * What a device runs: the profile's validated workload (profile/types.ts WorkloadConfig is this
 * type), handed to the device as is.
 */
export interface WorkloadSpec {
  /** For an SVA attachment: the name of a region of the bound process. Otherwise unused. */
  region: string | undefined;
  /** Closed-loop outstanding descriptors; must be <= the device's wqSize. Default 16. */
  queueDepth: number;
  /** Weighted transfer sizes (a fixed size is one entry of weight 1). Default 4096. */
  transferSizes: TransferSize[];
  /** Default 'uniform'. */
  pattern: AccessPattern;
  /** Zipf exponent s > 0 (used only by 'zipf'). Default 0.99. */
  zipfTheta: number;
  /** Op mix weights; ops absent from the profile have weight 0. Default { memmove: 1 }. */
  ops: Record<OpName, number>;
  /** Sub-descriptors per batch descriptor. Default 8. */
  batchSize: number;
  /** Stop this device after this many descriptors (undefined = run for the profile duration). */
  descriptors: number | undefined;
  /**
   * Open loop: descriptors per second, paced from a schedule of intended start times (not
   * bursts); latency is measured from the intended start. Undefined = closed loop (queueDepth).
   */
  rateOpsPerSec: number | undefined;
  /** Open loop inter-arrival times: fixed ('uniform') or exponential ('poisson'). Default 'uniform'. */
  arrival: 'uniform' | 'poisson';
  /**
   * Fraction of descriptors, in [0, 1], whose source lies just past the region, outside every
   * VMA (to exercise fault errors). Default 0.
   */
  outsideVmaFraction: number;
  /**
   * What the source half of the region holds, written at boot (run/data.ts): `zeros`, `random`,
   * `text` (English-like), `corpus` (a vocabulary drawn from the seed); undefined: the kernel's
   * deterministic page contents. A workload that decompresses finds raw deflate streams of such
   * data there, one per 4 KiB granule.
   */
  data: DataKind | undefined;
  /** Compress and compress-verify: fixed or dynamic Huffman codes. Default 'dynamic'. */
  deflateMode: 'fixed' | 'dynamic';
  /** CRC64: the polynomial (normal form, x^64 implied, as two 32-bit halves) and IAA's flags. Default CRC-64/ECMA-182. */
  crc64: Crc64Spec;
}

export const DATA_KINDS = ['zeros', 'random', 'text', 'corpus'] as const;
export type DataKind = (typeof DATA_KINDS)[number];

export interface Crc64Spec {
  /** `ecma-182`, `nvme`, or the polynomial as written (`0x…`). */
  name: string;
  polyHi: number;
  polyLo: number;
  /** LSB first (reflected input and output), as CRC-64/NVME. */
  reflected: boolean;
  /** Initial value and final xor all ones. */
  invert: boolean;
}

/** Test-only fault injection; never set from a profile. */
export interface DeviceTestHooks {
  /** Crash after this many completed descriptors. */
  readonly crashAfterDescriptors?: number;
  /** 'throw' raises an exception in the task; 'exit' kills the worker thread. */
  readonly crashMode?: 'throw' | 'exit';
  /**
   * Host timing: after this many completed descriptors the device wedges — its thread spins and
   * never reads the stop flag again (what the pool's hard kill exists for).
   */
  readonly wedgeAfterDescriptors?: number;
}

/** Device-side costs (platform model, platform/presets.ts), ns; bandwidths in GB/s = bytes/ns. */
export interface DeviceCosts {
  readonly iotlbMissWalkNs: number;
  readonly devtlbInvalidationNs: number;
  readonly pageRequestNs: number;
  readonly pageResponseNs: number;
  readonly submitNs: number;
  readonly descriptorNs: number;
  readonly completionNs: number;
  readonly devtlbHitNs: number;
  readonly atsTranslationNs: number;
  readonly iotlbHitNs: number;
  readonly memmoveGBps: number;
  readonly fillGBps: number;
  readonly compareGBps: number;
  readonly comparePatternGBps: number;
  readonly crc32cGBps: number;
  readonly compressGBps: number;
  readonly decompressGBps: number;
  readonly crc64GBps: number;
}

/** The device costs' names (boot copies them from the platform's costs). */
export const DEVICE_COST_NAMES = [
  'iotlbMissWalkNs', 'devtlbInvalidationNs', 'pageRequestNs', 'pageResponseNs', 'submitNs', 'descriptorNs',
  'completionNs', 'devtlbHitNs', 'atsTranslationNs', 'iotlbHitNs', 'memmoveGBps', 'fillGBps', 'compareGBps',
  'comparePatternGBps', 'crc32cGBps', 'compressGBps', 'decompressGBps', 'crc64GBps',
] as const satisfies readonly (keyof DeviceCosts)[];

/**
 * Everything a device engine is told about itself (device/engine.ts takes it as its options, as
 * is): which device, where it DMAs, what it runs and how it behaves. Plain data.
 */
export interface DeviceSpec {
  /** Index into MachineShape.devices (and the machine's device buffers). */
  readonly index: number;
  readonly id: string;
  /** Index of the IOMMU the device sits behind. */
  readonly iommu: number;
  /** PASID the device tags its DMA with (0 = without PASID). */
  readonly pasid: number;
  /** The region the workload addresses (virtual / IOVA / physical by attachment), and its stripe. */
  readonly region: RegionSpec;
  readonly workload: WorkloadSpec;
  /** The run's seed; the device draws from its own stream (common/rng.ts, stream = index). */
  readonly seed: number;
  /** Verify one descriptor in N against a reference computation (0 = never). */
  readonly integritySampleEvery: number;
  /** Use-after-free checker on every page the device touches. */
  readonly checker: boolean;
  readonly costs: DeviceCosts;
  /** PRI, block-on-fault (else partial completion), and the IOMMU's page-request queue size. */
  readonly pri: boolean;
  readonly blockOnFault: boolean;
  /**
   * Modelled time: the submitter is a kernel client — descriptors come from the kernel's
   * buffer ring (layout/device.ts KbufRecord), their completions go back on kdoneRing.
   */
  readonly kernelClient: boolean;
  /**
   * Modelled time: the PASIDs of the device's kernel clients, in ring order (kbufRings). Shared
   * with the attach's process, or between several clients (`kernelClient` false): the device
   * takes each submitter's descriptors in order of arrival.
   */
  readonly kernelClientPasids: readonly number[];
  /** A shared device that also runs its own workload (its attach's process) beside its kernel clients. */
  readonly sharedWithOwnWorkload: boolean;
  readonly prqEntries: number;
  /** An IAA-like device (compress, decompress, compress-verify, CRC64: device/compound.ts). */
  readonly iaa: boolean;
  /** Engines executing the work queue's descriptors concurrently (modelled time when > 1). */
  readonly engines: number;
  /**
   * The work queue: `shared` — ENQCMD, a PASID per descriptor, retry while all `entries` are
   * taken (modelled time) — or dedicated (MOVDIR64B by one submitter that never overfills it).
   */
  readonly wq: { readonly shared: boolean; readonly entries: number };
  /** Further submitters of a shared WQ, each an SVA-bound process (the attach's process is the first). */
  readonly submitters: readonly { readonly process: string; readonly pasid: number; readonly region: RegionSpec; readonly workload: WorkloadSpec }[];
  /**
   * Modelled time (design.md §6): the engine keeps a virtual clock and follows the kernel's
   * horizon (device/vtime.ts); false: host time, costs spun on the thread.
   */
  readonly modelled: boolean;
  /** Modelled time: no descriptor arrives at or after this virtual time (undefined: no limit), ns. */
  readonly durationNs: number | undefined;
  /** Modelled time: reporting interval in virtual time, ns. */
  readonly intervalNs: number;
  /** Modelled time: loads of the kernel's release word before a parked device sleeps (wall time only). */
  readonly spinLooks: number;
  /** Modelled time: the largest horizon step (kernel/sequencer.ts quantumFor), for barriers a device completes. */
  readonly quantumNs: number;
}

/** The piscina task of one device: its spec plus the machine to attach to and the control plane. */
export interface DeviceTask extends DeviceSpec {
  readonly shape: MachineShape;
  readonly buffers: MachineBuffers;
  /** Length of a reporting interval, ms (interval histograms, progress, logs). */
  readonly intervalMs: number;
  /** The control-plane port to the kernel (comlink; rpc/endpoint.ts KernelApi). */
  readonly kernelPort?: MessagePort;
  readonly testHooks?: DeviceTestHooks;
}

/**
 * The piscina task of one worker thread: the devices it runs (one, or — modelled time, logical
 * devices — several in virtual-time order, workers/device.ts), the machine, the control plane.
 */
export interface DeviceGroupTask {
  readonly shape: MachineShape;
  readonly buffers: MachineBuffers;
  readonly devices: readonly Omit<DeviceTask, 'shape' | 'buffers' | 'kernelPort'>[];
  /** The control-plane port to the kernel, shared by the group's devices. */
  readonly kernelPort?: MessagePort;
  /**
   * One i32, written by the worker: the machine index of the device it is running (−1 between
   * them), so a thread that dies is blamed on the right device. Read by the pool after a failure.
   */
  readonly running: SharedArrayBuffer;
}

/** The first use-after-free DMA a device's checker saw. */
export interface ViolationReport {
  readonly device: string;
  readonly pasid: number;
  /** Device (virtual / IOVA) address of the page touched. */
  readonly address: number;
  readonly pfn: number;
  /** Generation the translation was filled with, and the frame's generation when checked. */
  readonly translationGeneration: number;
  readonly frameGeneration: number;
  /** Found before the copy (stale translation) or after it (frame freed during the copy). */
  readonly phase: 'before' | 'after';
}

export interface IntegrityFailure {
  readonly descriptor: number;
  readonly op: string;
  readonly address: number;
  readonly detail: string;
}

export interface DeviceTaskResult {
  readonly index: number;
  /** From the start barrier to the last completion, measured by the device, ns. */
  readonly elapsedNs: number;
  /** Final copy of the device's counters (layout/device.ts Counter). */
  readonly counters: readonly number[];
  /** Per op (OP_NAMES index): completed descriptors and bytes. */
  readonly opCounts: readonly number[];
  readonly opBytes: readonly number[];
  /** Per op (OP_NAMES index): compressed base64 HdrHistogram of latency in ns, or '' if empty. */
  readonly histograms: readonly string[];
  /** All ops, split by whether the descriptor took a page fault (same encoding). */
  readonly faultedHistogram: string;
  readonly cleanHistogram: string;
  /** Open loop: all ops, latency from the actual submission (uncorrected); '' otherwise. */
  readonly uncorrectedHistogram: string;
  readonly firstIntegrityFailure: IntegrityFailure | undefined;
  readonly firstViolation: ViolationReport | undefined;
}
