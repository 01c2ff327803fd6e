/**
 * Invalidation after a CPU-side change of a process's mappings (the kernel's side of the
 * safety invariant). The process's mm notifier calls every SVA domain on the mm with
 * [start, end); the selected strategy turns that into queued-invalidation submissions:
 *
 * - per-device (Linux before the shared-SVA-domain series): for every device bound to the
 *   process, one PASID-selective IOTLB descriptor in its own submission, then (ATS devices) one
 *   device-TLB descriptor in its own submission. Each submission ends in a wait.
 * - shared-domain (Linux drivers/iommu/intel/cache.c cache tags): one IOTLB descriptor per
 *   (IOMMU, domain id, PASID) and one device-TLB descriptor per ATS device, batched per IOMMU
 *   into submissions of at most `batchSize` descriptors, each ending in a wait. Tags are grouped
 *   by IOMMU in order of first attachment.
 * - broken-skip-devtlb, broken-skip-drain (tests only): shared-domain without the device-TLB
 *   descriptors, or without draining in-flight page copies. The use-after-free checker must
 *   catch both.
 *
 * A submission, on the kernel thread: apply its IOTLB descriptors (bump the IOMMU's
 * invalidation epoch, drop matching entries), post its device-TLB descriptors to the devices'
 * rings, inject the platform's costs (trap, submission wait, per descriptor) as real delay,
 * drain in-flight page copies on the IOMMU, and wait for every device-TLB acknowledgement —
 * so a batch waits for its slowest device. Only after the notifier returns may the caller free
 * the old frames.
 *
 * Range encoding (VT-d, `calculate_psi_aligned_address`): the smallest naturally aligned
 * power-of-two span covering the range; a misaligned range widens; the full range, or a mask
 * beyond the unit's maximum (MAMV), flushes the whole PASID. SMMU-style: the exact range, or
 * the whole PASID at 512 pages and above (arm-smmu-v3 CMDQ_MAX_TLBI_OPS without range
 * invalidation).
 *
 * Not modelled: invalidation-queue depth and its full condition, interrupt-driven waits,
 * caching-mode (guest) flushes on map, nested stage-2 invalidation.
 */

import { MAX_VPN } from '../layout/constants.js';
import { type Histogram, newMergeHistogram } from '../metrics/histogram.js';
import type { PlatformCosts } from '../platform/presets.js';
import type { ChurnOp, InvalidationConfig, Strategy } from '../profile/types.js';
import type { Domain, Kernel, Process } from './kernel.js';

export type StrategyName = Strategy | 'broken-skip-devtlb' | 'broken-skip-drain';

// ---- range encoding ------------------------------------------------------------------------

export interface EncodedRange {
  /** Whole-PASID flush. */
  readonly all: boolean;
  /** The span flushed, [startVpn, endVpn) (the whole address space when `all`). */
  readonly startVpn: number;
  readonly endVpn: number;
  /** VT-d address mask: log2 of the span in pages (-1 for `all` or SMMU exact ranges). */
  readonly mask: number;
}

const ALL: EncodedRange = { all: true, startVpn: 0, endVpn: MAX_VPN, mask: -1 };

/** Encode [startVpn, endVpn) for an invalidation descriptor. */
export function encodeRange(
  startVpn: number,
  endVpn: number,
  encoding: InvalidationConfig['rangeEncoding'],
  maxAddressMask: number,
): EncodedRange {
  if (!(endVpn > startVpn)) throw new Error(`bug: empty invalidation range [${startVpn}, ${endVpn})`);
  if (startVpn <= 0 && endVpn >= MAX_VPN) return ALL;
  const pages = endVpn - startVpn;
  if (encoding === 'smmu') {
    return pages >= 512 ? ALL : { all: false, startVpn, endVpn, mask: -1 };
  }
  // VT-d: BigInt, because VPNs exceed 32 bits.
  const pfn = BigInt(startVpn);
  const n = BigInt(pages);
  let aligned = 1n;
  let mask = 0;
  while (aligned < n) {
    aligned <<= 1n;
    mask++;
  }
  const bitmask = aligned - 1n;
  if ((pfn & bitmask) !== 0n) {
    // As Linux: the only bits above bitmask that differ between pfn and end_pfn come from a
    // carry, so the span is set by the lowest bit they share above bitmask.
    const endPfn = pfn + n - 1n;
    const sharedBits = ~(pfn ^ endPfn) & ~bitmask;
    if (sharedBits === 0n) return ALL;
    mask = 0;
    while (((sharedBits >> BigInt(mask)) & 1n) === 0n) mask++;
  }
  if (mask > maxAddressMask) return ALL;
  const span = 1n << BigInt(mask);
  const base = pfn & ~(span - 1n);
  return { all: false, startVpn: Number(base), endVpn: Number(base + span), mask };
}

// ---- statistics ----------------------------------------------------------------------------

export interface IommuInvalidationStats {
  submissions: number;
  iotlbDescriptors: number;
  devtlbDescriptors: number;
  /** Per notifier event: time spent in this IOMMU's submissions, ns. */
  readonly latency: Histogram;
}

export class InvalidationStats {
  events = 0;
  readonly eventsByOp: Record<ChurnOp, number> = { munmap: 0, mprotect: 0, migrate: 0 };
  submissions = 0;
  iotlbDescriptors = 0;
  devtlbDescriptors = 0;
  wholePasidFlushes = 0;
  totalNs = 0;
  /** Per notifier event, start to completion, ns. */
  readonly latency: Histogram = newMergeHistogram();
  readonly iommus: IommuInvalidationStats[];

  constructor(iommuCount: number) {
    this.iommus = Array.from({ length: iommuCount }, () => ({
      submissions: 0,
      iotlbDescriptors: 0,
      devtlbDescriptors: 0,
      latency: newMergeHistogram(),
    }));
  }
}

// ---- descriptors, submissions, strategies -------------------------------------------------

type Descriptor =
  | { readonly type: 'iotlb'; readonly did: number; readonly pasid: number }
  | { readonly type: 'devtlb'; readonly device: number; readonly pasid: number };

/** Busy-wait on the kernel thread: hardware the kernel polls. */
function spinNs(ns: number): void {
  if (ns <= 0) return;
  const until = performance.now() + ns / 1e6;
  while (performance.now() < until) {
    // polling the wait descriptor's status
  }
}

export interface InvalidatorOptions {
  readonly strategy: StrategyName;
  readonly config: InvalidationConfig;
  readonly costs: PlatformCosts;
}

export class Invalidator {
  readonly stats: InvalidationStats;
  private readonly perEventIommuNs: Float64Array;

  constructor(
    private readonly kernel: Kernel,
    private readonly options: InvalidatorOptions,
  ) {
    this.stats = new InvalidationStats(kernel.shape.iommus.length);
    this.perEventIommuNs = new Float64Array(kernel.shape.iommus.length);
  }

  /**
   * The mm notifier (`invalidate_range`) for [startVpn, endVpn) of `proc`: every SVA domain on
   * the mm is flushed with the selected strategy. Resolves when every submission has completed.
   */
  async notify(proc: Process, startVpn: number, endVpn: number, op: ChurnOp): Promise<void> {
    const t0 = process.hrtime.bigint();
    this.perEventIommuNs.fill(0);
    const range = encodeRange(startVpn, endVpn, this.options.config.rangeEncoding, this.options.config.maxAddressMask);
    if (range.all) this.stats.wholePasidFlushes++;
    for (const domain of proc.svaDomains) {
      if (this.options.strategy === 'per-device') await this.perDevice(domain, range);
      else await this.sharedDomain(domain, range, this.options.strategy === 'broken-skip-devtlb');
    }
    const ns = Number(process.hrtime.bigint() - t0);
    const s = this.stats;
    s.events++;
    s.eventsByOp[op]++;
    s.totalNs += ns;
    s.latency.recordValue(Math.max(1, ns));
    this.perEventIommuNs.forEach((v, i) => {
      if (v > 0) s.iommus[i]!.latency.recordValue(v);
    });
  }

  private async perDevice(domain: Domain, range: EncodedRange): Promise<void> {
    for (const { device, pasid } of this.kernel.attachmentsOf(domain)) {
      const info = this.kernel.devices[device]!;
      const did = domain.dids.get(info.iommu)!.did;
      await this.submit(info.iommu, [{ type: 'iotlb', did, pasid }], range);
      if (info.ats) await this.submit(info.iommu, [{ type: 'devtlb', device, pasid }], range);
    }
  }

  private async sharedDomain(domain: Domain, range: EncodedRange, skipDevtlb: boolean): Promise<void> {
    // Cache tags, grouped by IOMMU in order of first attachment.
    const byIommu = new Map<number, Descriptor[]>();
    const seenIotlb = new Set<string>();
    for (const { device, pasid } of this.kernel.attachmentsOf(domain)) {
      const info = this.kernel.devices[device]!;
      const did = domain.dids.get(info.iommu)!.did;
      let list = byIommu.get(info.iommu);
      if (!list) byIommu.set(info.iommu, (list = []));
      const key = `${info.iommu}/${did}/${pasid}`;
      if (!seenIotlb.has(key)) {
        seenIotlb.add(key);
        list.push({ type: 'iotlb', did, pasid });
      }
      if (info.ats && !skipDevtlb) list.push({ type: 'devtlb', device, pasid });
    }
    // Keep each IOMMU's IOTLB descriptors ahead of its device-TLB ones.
    for (const [iommu, list] of byIommu) {
      const ordered = [...list.filter((d) => d.type === 'iotlb'), ...list.filter((d) => d.type === 'devtlb')];
      const batch = this.options.config.batchSize;
      for (let i = 0; i < ordered.length; i += batch) await this.submit(iommu, ordered.slice(i, i + batch), range);
    }
  }

  /** One queued-invalidation submission on `iommu`, ending in a wait descriptor. */
  private async submit(iommu: number, descriptors: readonly Descriptor[], range: EncodedRange): Promise<void> {
    const t0 = process.hrtime.bigint();
    const k = this.kernel;
    const costs = this.options.costs;
    const acks: { device: number; seq: number }[] = [];
    let iotlb = 0;
    let devtlb = 0;
    for (const d of descriptors) {
      if (d.type === 'iotlb') {
        const unit = k.views.iommus[iommu]!;
        if (range.all) unit.invalidatePasid(d.did, d.pasid);
        else unit.invalidatePasidRange(d.did, d.pasid, range.startVpn, range.endVpn);
        iotlb++;
      } else {
        if (k.devices[d.device]!.ats) {
          acks.push({ device: d.device, seq: await k.postDevtlb(d.device, d.pasid, range.startVpn, range.endVpn) });
        }
        devtlb++;
      }
    }
    // The hardware's work and the wait the kernel polls for (plus a VM exit in a guest).
    spinNs(costs.trapNs + costs.submissionWaitNs + iotlb * costs.iotlbDescriptorNs + devtlb * costs.devtlbDescriptorNs);
    if (iotlb > 0 && this.options.strategy !== 'broken-skip-drain') await k.drain(iommu);
    for (const a of acks) await k.awaitDevtlbAck(a.device, a.seq);

    const s = this.stats;
    s.submissions++;
    s.iotlbDescriptors += iotlb;
    s.devtlbDescriptors += devtlb;
    const m = s.iommus[iommu]!;
    m.submissions++;
    m.iotlbDescriptors += iotlb;
    m.devtlbDescriptors += devtlb;
    this.perEventIommuNs[iommu]! += Number(process.hrtime.bigint() - t0);
  }
}
