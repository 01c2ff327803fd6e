/**
 * Messages between the kernel (main thread) and a device worker, declared once and imported
 * by both sides. These cross the thread boundary once per run (task in, result out) — never
 * per descriptor.
 */

import type { MessagePort } from 'node:worker_threads';
import type { MachineBuffers, MachineShape } from './machine.js';
import type { WorkloadConfig } from '../profile/types.js';

/** Test-only fault injection; never set from a profile. */
export interface DeviceTestHooks {
  /** Crash after this many completed descriptors. */
  readonly crashAfterDescriptors?: number;
  /** 'throw' raises an exception in the task; 'exit' kills the worker thread. */
  readonly crashMode?: 'throw' | 'exit';
}

export interface DeviceTask {
  readonly index: number;
  readonly id: string;
  readonly iommu: number;
  readonly shape: MachineShape;
  readonly buffers: MachineBuffers;
  /** PASID the device tags its DMA with (0 = without PASID). */
  readonly pasid: number;
  /** The region the workload addresses: first byte (virtual / IOVA / physical) and length. */
  readonly regionStart: number;
  readonly regionBytes: number;
  /** This device's destination stripe among the devices sharing the region. */
  readonly stripeIndex: number;
  readonly stripeCount: number;
  readonly workload: WorkloadConfig;
  readonly seed: number;
  /** Verify one descriptor in N against a reference computation (0 = never). */
  readonly integritySampleEvery: number;
  /** Use-after-free checker on every page copy. */
  readonly checker: boolean;
  /** Device-side injected costs (platform model), ns. */
  readonly costs: {
    readonly iotlbMissWalkNs: number;
    readonly devtlbInvalidationNs: number;
    readonly pageRequestNs: number;
    readonly pageResponseNs: number;
  };
  /** PRI, block-on-fault (else partial completion), and the IOMMU's page-request queue size. */
  readonly pri: boolean;
  readonly blockOnFault: boolean;
  readonly prqEntries: number;
  /** Length of a reporting interval, ms (interval histograms, progress, logs). */
  readonly intervalMs: number;
  /** The control-plane port to the kernel (comlink; rpc/endpoint.ts KernelApi). */
  readonly kernelPort?: MessagePort;
  readonly testHooks?: DeviceTestHooks;
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
