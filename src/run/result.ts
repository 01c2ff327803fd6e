/**
 * The JSON result of a run (documented field by field in the README, "JSON result").
 * Built on the main thread from the devices' final counters and merged histograms.
 */

import { Counter } from '../layout/device.js';
import type { DeviceTaskResult, IntegrityFailure, ViolationReport } from '../layout/protocol.js';
import { STATUS_NAMES } from '../layout/status.js';
import { decodeHistogram, encodeHistogram, type Histogram, type LatencySummaryNs, newMergeHistogram, summarise } from '../metrics/histogram.js';
import { OP_NAMES, type Profile } from '../profile/types.js';
import type { ChurnStats } from '../kernel/churn.js';
import type { InvalidationStats } from '../kernel/notifier.js';
import type { Booted } from './boot.js';

export const RESULT_FORMAT_VERSION = 1;

export interface OpResult {
  ops: number;
  bytes: number;
  latencyNs: LatencySummaryNs;
}

/** One interval of a run (see RunResult.intervals). */
export interface IntervalPoint {
  /** Interval end, seconds since the start barrier. */
  tS: number;
  /** Interval length, seconds (merged intervals are longer). */
  durationS: number;
  devices: {
    id: string;
    ops: number;
    bytes: number;
    opsPerSec: number;
    bytesPerSec: number;
    /** Latency percentiles of the descriptors completed in the interval, ns (0 when none). */
    p50: number;
    p99: number;
    max: number;
  }[];
}

/**
 * Full histograms, HdrHistogram compressed base64 (`encodeIntoCompressedBase64`), values in ns.
 * Exact: merging them adds bucket counts.
 */
export interface ResultHistograms {
  total: string;
  devices: Record<string, string>;
  /** device id → op → histogram. */
  byOp: Record<string, Record<string, string>>;
  /** Open loop only: device id → uncorrected (service-time) histogram. */
  uncorrected: Record<string, string>;
}

export interface DeviceResult {
  id: string;
  /** 'closed' (queueDepth outstanding) or 'open' (paced at targetOpsPerSec). */
  loop: 'closed' | 'open';
  /** Open loop: the target rate and arrival process; null for closed loop. */
  targetOpsPerSec: number | null;
  arrival: 'uniform' | 'poisson' | null;
  /**
   * Open loop: latency measured from the descriptor's actual submission (ignoring the time it
   * should already have started: not corrected for coordinated omission). `latencyNs` is always
   * measured from the intended start. Null for closed loop.
   */
  latencyNsUncorrected: LatencySummaryNs | null;
  iommu: string;
  pasid: number;
  attach: string;
  elapsedNs: number;
  submitted: number;
  ops: number;
  bytes: number;
  opsPerSec: number;
  bytesPerSec: number;
  latencyNs: LatencySummaryNs;
  byOp: Record<string, OpResult>;
  statuses: Record<string, number>;
  submitRetries: number;
  devtlb: { hits: number; misses: number };
  iotlb: { hits: number; misses: number };
  walks: number;
  walkRefs: number;
  compareMismatches: number;
  integrity: { checked: number; failed: number; skipped: number; firstFailure: IntegrityFailure | null };
  checker: { pagesChecked: number; violations: number; firstViolation: ViolationReport | null };
  devtlbInvalidationsApplied: number;
  faults: DeviceFaults;
}

export interface FaultResponses {
  success: number;
  invalid: number;
  failure: number;
}

export interface DeviceFaults {
  pageRequests: number;
  groups: number;
  responses: FaultResponses;
  prqOverflows: number;
  prqHighWater: number;
  partialCompletions: number;
  touches: { ok: number; failed: number };
  /** Logical descriptors that took at least one fault, and latency split by that. */
  faultedOps: number;
  latencyNs: { faulted: LatencySummaryNs; clean: LatencySummaryNs };
}

export interface RunFaults extends DeviceFaults {
  /** Pages the kernel populated for page requests (one per page, however many devices asked). */
  pagesPopulated: number;
  /** Kernel fault service: request (device timestamp) to response, ns. */
  serviceLatencyNs: LatencySummaryNs;
}

export interface InvalidationCounts {
  submissions: number;
  descriptors: { iotlb: number; devtlb: number; total: number };
}

export interface RunInvalidation extends InvalidationCounts {
  strategy: string;
  platform: string;
  rangeEncoding: string;
  batchSize: number;
  /** Notifier events (one per CPU-side change), by change kind. */
  events: number;
  eventsByOp: Record<string, number>;
  wholePasidFlushes: number;
  /** Event start (notifier called) to completion (all submissions done), ns. */
  latencyNs: LatencySummaryNs;
  totalNs: number;
  pagesChanged: number;
  framesFreed: number;
}

export interface IommuInvalidation extends InvalidationCounts {
  /** Per notifier event: time in this IOMMU's submissions, ns. */
  latencyNs: LatencySummaryNs;
}

export interface IommuResult {
  id: string;
  type: string;
  iotlb: { entries: number; ways: number; hits: number; misses: number; hitRate: number };
  walks: number;
  walkRefs: number;
  invalidation: IommuInvalidation | null;
  faults: { pageRequests: number; prqEntries: number; prqHighWater: number; prqOverflows: number };
}

export interface RunResult {
  formatVersion: number;
  profile: string;
  seed: number;
  durationS: number | null;
  elapsedNs: number;
  totals: {
    submitted: number;
    ops: number;
    bytes: number;
    opsPerSec: number;
    bytesPerSec: number;
    latencyNs: LatencySummaryNs;
    statuses: Record<string, number>;
  };
  devices: DeviceResult[];
  iommus: IommuResult[];
  integrity: { checked: number; failed: number; skipped: number };
  checker: { enabled: boolean; pagesChecked: number; violations: number; firstViolation: ViolationReport | null };
  invalidation: RunInvalidation | null;
  faults: RunFaults;
  memory: { frames: number; framesFree: number; framesFreed: number; framesReused: number };
  /**
   * Per-interval throughput and percentiles (interval `intervalS`, default 1 s). Bounded: past
   * 600 points, adjacent intervals are merged pairwise (throughput averaged exactly; the merged
   * percentiles are those of the merged histogram).
   */
  intervals: { intervalS: number; points: IntervalPoint[] };
  histograms: ResultHistograms;
}

/** A run result plus the merged histograms (for .hgrm export; not serialised). */
export interface RunOutcome {
  result: RunResult;
  histograms: { total: Histogram; byDevice: Histogram[] };
}

export interface BuildInput {
  profile: Profile;
  seed: number;
  /** The run length actually asked for (profile or override), seconds. */
  durationS: number | undefined;
  booted: Booted;
  results: DeviceTaskResult[];
  elapsedNs: number;
  /** The invalidation strategy's name. */
  strategy: string;
  /** Present when the profile has churn. */
  invalidation: { stats: InvalidationStats; churn: ChurnStats } | undefined;
  intervals: { intervalS: number; points: IntervalPoint[] };
}

function perSec(count: number, ns: number): number {
  return ns > 0 ? count / (ns / 1e9) : 0;
}

function statusMap(counters: readonly number[]): Record<string, number> {
  return Object.fromEntries(STATUS_NAMES.map((name, s) => [name, counters[Counter.statusBase + s] ?? 0]));
}

export function buildResult(input: BuildInput): RunOutcome {
  const { profile, booted, results } = input;
  const inv = input.invalidation;
  const histograms: ResultHistograms = { total: '', devices: {}, byOp: {}, uncorrected: {} };
  const total = newMergeHistogram();
  const faultedAll = newMergeHistogram();
  const cleanAll = newMergeHistogram();
  const byDevice: Histogram[] = [];
  const devices: DeviceResult[] = results.map((r, i) => {
    const d = booted.devices[i]!;
    const c = r.counters;
    const all = newMergeHistogram();
    const byOp: Record<string, OpResult> = {};
    histograms.byOp[d.id] = {};
    OP_NAMES.forEach((op, k) => {
      if ((r.opCounts[k] ?? 0) === 0) return;
      const h = decodeHistogram(r.histograms[k]!);
      all.add(h);
      byOp[op] = { ops: r.opCounts[k]!, bytes: r.opBytes[k]!, latencyNs: summarise(h) };
      histograms.byOp[d.id]![op] = r.histograms[k]!;
    });
    histograms.devices[d.id] = encodeHistogram(all);
    const w = profile.devices[i]!.workload;
    const open = w.rateOpsPerSec !== undefined;
    if (open) histograms.uncorrected[d.id] = r.uncorrectedHistogram;
    total.add(all);
    byDevice.push(all);
    const ops = c[Counter.opsCompleted]!;
    const faultedH = decodeHistogram(r.faultedHistogram);
    const cleanH = decodeHistogram(r.cleanHistogram);
    faultedAll.add(faultedH);
    cleanAll.add(cleanH);
    const bytes = c[Counter.bytes]!;
    return {
      id: d.id,
      loop: open ? ('open' as const) : ('closed' as const),
      targetOpsPerSec: open ? w.rateOpsPerSec! : null,
      arrival: open ? w.arrival : null,
      latencyNsUncorrected: open ? summarise(decodeHistogram(r.uncorrectedHistogram)) : null,
      iommu: profile.iommus[d.iommu]!.id,
      pasid: d.pasid,
      attach: d.attach,
      elapsedNs: r.elapsedNs,
      submitted: c[Counter.submitted]!,
      ops,
      bytes,
      opsPerSec: perSec(ops, r.elapsedNs),
      bytesPerSec: perSec(bytes, r.elapsedNs),
      latencyNs: summarise(all),
      byOp,
      statuses: statusMap(c),
      submitRetries: 0,
      devtlb: { hits: c[Counter.devtlbHits]!, misses: c[Counter.devtlbMisses]! },
      iotlb: { hits: c[Counter.iotlbHits]!, misses: c[Counter.iotlbMisses]! },
      walks: c[Counter.walks]!,
      walkRefs: c[Counter.walkRefs]!,
      compareMismatches: c[Counter.compareMismatches]!,
      integrity: {
        checked: c[Counter.integrityChecked]!,
        failed: c[Counter.integrityFailed]!,
        skipped: c[Counter.integritySkipped]!,
        firstFailure: r.firstIntegrityFailure ?? null,
      },
      checker: {
        pagesChecked: c[Counter.checkerPages]!,
        violations: c[Counter.checkerViolations]!,
        firstViolation: r.firstViolation ?? null,
      },
      devtlbInvalidationsApplied: c[Counter.devtlbInvalidations]!,
      faults: {
        pageRequests: c[Counter.pageRequests]!,
        groups: c[Counter.pageGroups]!,
        responses: { success: c[Counter.responsesSuccess]!, invalid: c[Counter.responsesInvalid]!, failure: c[Counter.responsesFailure]! },
        prqOverflows: c[Counter.prqOverflows]!,
        prqHighWater: c[Counter.prqHighWater]!,
        partialCompletions: c[Counter.partialCompletions]!,
        touches: { ok: c[Counter.touchesOk]!, failed: c[Counter.touchesFailed]! },
        faultedOps: c[Counter.faultedOps]!,
        latencyNs: { faulted: summarise(faultedH), clean: summarise(cleanH) },
      },
    };
  });

  const iommus: IommuResult[] = profile.iommus.map((m, k) => {
    const mine = devices.filter((_, i) => booted.devices[i]!.iommu === k);
    const hits = mine.reduce((s, d) => s + d.iotlb.hits, 0);
    const misses = mine.reduce((s, d) => s + d.iotlb.misses, 0);
    return {
      id: m.id,
      type: m.type,
      iotlb: { entries: m.iotlbEntries, ways: m.iotlbWays, hits, misses, hitRate: hits + misses > 0 ? hits / (hits + misses) : 0 },
      walks: mine.reduce((s, d) => s + d.walks, 0),
      walkRefs: mine.reduce((s, d) => s + d.walkRefs, 0),
      invalidation: inv
        ? {
            submissions: inv.stats.iommus[k]!.submissions,
            descriptors: {
              iotlb: inv.stats.iommus[k]!.iotlbDescriptors,
              devtlb: inv.stats.iommus[k]!.devtlbDescriptors,
              total: inv.stats.iommus[k]!.iotlbDescriptors + inv.stats.iommus[k]!.devtlbDescriptors,
            },
            latencyNs: summarise(inv.stats.iommus[k]!.latency),
          }
        : null,
      faults: {
        pageRequests: mine.reduce((s, d) => s + d.faults.pageRequests, 0),
        prqEntries: m.prqEntries,
        prqHighWater: mine.reduce((s, d) => Math.max(s, d.faults.prqHighWater), 0),
        prqOverflows: mine.reduce((s, d) => s + d.faults.prqOverflows, 0),
      },
    };
  });

  const sum = (f: (d: DeviceResult) => number): number => devices.reduce((s, d) => s + f(d), 0);
  const statuses = Object.fromEntries(STATUS_NAMES.map((n) => [n, sum((d) => d.statuses[n] ?? 0)]));
  const ops = sum((d) => d.ops);
  const bytes = sum((d) => d.bytes);
  const frames = booted.kernel.frames;
  return {
    result: {
      formatVersion: RESULT_FORMAT_VERSION,
      profile: profile.name,
      seed: input.seed,
      durationS: input.durationS ?? null,
      elapsedNs: input.elapsedNs,
      totals: {
        submitted: sum((d) => d.submitted),
        ops,
        bytes,
        opsPerSec: perSec(ops, input.elapsedNs),
        bytesPerSec: perSec(bytes, input.elapsedNs),
        latencyNs: summarise(total),
        statuses,
      },
      devices,
      iommus,
      integrity: {
        checked: sum((d) => d.integrity.checked),
        failed: sum((d) => d.integrity.failed),
        skipped: sum((d) => d.integrity.skipped),
      },
      checker: {
        enabled: profile.checker,
        pagesChecked: sum((d) => d.checker.pagesChecked),
        violations: sum((d) => d.checker.violations),
        firstViolation: devices.find((d) => d.checker.firstViolation)?.checker.firstViolation ?? null,
      },
      invalidation: inv
        ? {
            strategy: input.strategy,
            platform: profile.platform.preset,
            rangeEncoding: profile.invalidation.rangeEncoding,
            batchSize: profile.invalidation.batchSize,
            events: inv.stats.events,
            eventsByOp: { ...inv.stats.eventsByOp },
            submissions: inv.stats.submissions,
            descriptors: {
              iotlb: inv.stats.iotlbDescriptors,
              devtlb: inv.stats.devtlbDescriptors,
              total: inv.stats.iotlbDescriptors + inv.stats.devtlbDescriptors,
            },
            wholePasidFlushes: inv.stats.wholePasidFlushes,
            latencyNs: summarise(inv.stats.latency),
            totalNs: inv.stats.totalNs,
            pagesChanged: inv.churn.pagesChanged,
            framesFreed: inv.churn.framesFreed,
          }
        : null,
      faults: {
        pageRequests: sum((d) => d.faults.pageRequests),
        groups: sum((d) => d.faults.groups),
        responses: {
          success: sum((d) => d.faults.responses.success),
          invalid: sum((d) => d.faults.responses.invalid),
          failure: sum((d) => d.faults.responses.failure),
        },
        prqOverflows: sum((d) => d.faults.prqOverflows),
        prqHighWater: devices.reduce((s, d) => Math.max(s, d.faults.prqHighWater), 0),
        partialCompletions: sum((d) => d.faults.partialCompletions),
        touches: { ok: sum((d) => d.faults.touches.ok), failed: sum((d) => d.faults.touches.failed) },
        faultedOps: sum((d) => d.faults.faultedOps),
        latencyNs: { faulted: summarise(faultedAll), clean: summarise(cleanAll) },
        pagesPopulated: booted.kernel.faults.stats.pagesPopulated,
        serviceLatencyNs: summarise(booted.kernel.faults.stats.latency),
      },
      intervals: input.intervals,
      histograms: { ...histograms, total: encodeHistogram(total) },
      memory: {
        frames: booted.kernel.views.mem.frames,
        framesFree: frames.freeFrames,
        framesFreed: frames.stats.freed,
        framesReused: frames.stats.reused,
      },
    },
    histograms: { total, byDevice },
  };
}
