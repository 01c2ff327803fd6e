/**
 * The JSON result of a run (documented field by field in the README, "JSON result"): its types,
 * inferred from the one schema (result-schema.ts) so the two cannot drift, and `buildResult`,
 * which assembles it on the main thread from the devices' final counters and merged histograms.
 */

import type { z } from 'zod';
import { Counter, SubmitterCounter } from '../layout/device.js';
import type { DeviceTaskResult } from '../layout/protocol.js';
import { STATUS_NAMES } from '../layout/status.js';
import { decodeHistogram, encodeHistogram, type Histogram, newMergeHistogram, summarise } from '../metrics/histogram.js';
import { type KernelDmaMode, OP_NAMES, type Profile } from '../profile/types.js';
import type { ChurnStats } from '../kernel/churn.js';
import type { Stage2FlushStats } from '../kernel/vm-flush.js';
import { DOMAIN_TYPE_NAMES } from '../layout/domains.js';
import type { InvalidationStats } from '../kernel/notifier.js';
import type { KernelClientStats } from '../kernel/kernel-client.js';
import type { LifecycleStats, SubmissionCounts } from '../kernel/lifecycle.js';
import { profileAsInput } from '../profile/effective.js';
import type { DeviceOutcome } from './pool.js';
import { type Provenance, provenanceOf } from './provenance.js';
import type { Booted } from './boot.js';
import {
  RESULT_FORMAT_VERSION,
  type deviceFaultsSchema,
  type deviceResultSchema,
  type faultResponsesSchema,
  type intervalPointSchema,
  type iommuInvalidationSchema,
  type iommuResultSchema,
  type opResultSchema,
  type resultHistogramsSchema,
  type runFaultsSchema,
  type runGuestsSchema,
  type runInvalidationSchema,
  type runResultSchema,
  type storedRunResultSchema,
} from './result-schema.js';

export { RESULT_FORMAT_VERSION } from './result-schema.js';

export type OpResult = z.infer<typeof opResultSchema>;
/** One interval of a run (see RunResult.intervals). */
export type IntervalPoint = z.infer<typeof intervalPointSchema>;
export type ResultHistograms = z.infer<typeof resultHistogramsSchema>;
export type DeviceResult = z.infer<typeof deviceResultSchema>;
export type FaultResponses = z.infer<typeof faultResponsesSchema>;
export type DeviceFaults = z.infer<typeof deviceFaultsSchema>;
export type RunFaults = z.infer<typeof runFaultsSchema>;
export type RunInvalidation = z.infer<typeof runInvalidationSchema>;
export type IommuInvalidation = z.infer<typeof iommuInvalidationSchema>;
export type IommuResult = z.infer<typeof iommuResultSchema>;
/** What a run writes (`dmaload run --json`). */
export type RunResult = z.infer<typeof runResultSchema>;
/** A run result as read from a file: `intervals` and `histograms` may be missing (older results). */
export type StoredRunResult = z.infer<typeof storedRunResultSchema>;

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
  /** Modelled time: `elapsedNs` is virtual. */
  modelled: boolean;
  /** Wall-clock ns of the run. */
  wallElapsedNs: number;
  /** The invalidation strategy's name. */
  strategy: string;
  /** Present when the profile has churn. */
  invalidation: { stats: InvalidationStats; churn: ChurnStats } | undefined;
  /** Present when the profile has a lifecycle schedule (modelled time). */
  lifecycle?: LifecycleStats | undefined;
  /** VMs: whether the churn is a guest's (stage 1), and the stage-2 flushes (run.ts). */
  guests?: { guestChurn: boolean; stage2: Stage2FlushStats } | undefined;
  /** Kernel clients' devices (modelled time). */
  kernelClients?: readonly { id: string; device: string; mode: KernelDmaMode; stats: KernelClientStats }[] | undefined;
  /** The run was stopped early (a signal): the result holds what was gathered until then. */
  interrupted?: boolean;
  provenance?: Provenance;
  /** Per device: how its task ended (absent: every device completed). */
  outcomes?: readonly DeviceOutcome[];
  /** The run's failure (a crash, a device that did not stop), if it failed. */
  failure?: string | undefined;
  intervals: { intervalS: number; points: IntervalPoint[] };
}

/** The effective profile travels as profile data (profile/effective.ts): it loads again as it ran. */
function asResultProvenance(p: Provenance): RunResult['provenance'] {
  return { ...p, profile: profileAsInput(p.profile) };
}

function outcomeOf(o: DeviceOutcome | undefined): DeviceResult['outcome'] {
  if (!o || o.status === 'completed') return { status: 'completed', cause: null };
  return { status: o.status, cause: o.cause };
}

function submissionCounts(c: SubmissionCounts) {
  return {
    submissions: c.submissions,
    descriptors: {
      pasidCache: c.pasidCacheDescriptors,
      iotlb: c.iotlbDescriptors,
      devtlb: c.devtlbDescriptors,
      fence: c.fenceDescriptors,
      total: c.pasidCacheDescriptors + c.iotlbDescriptors + c.devtlbDescriptors + c.fenceDescriptors,
    },
    totalNs: Math.round(c.totalNs),
  };
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
      outcome: outcomeOf(input.outcomes?.[i]),
      loop: open ? ('open' as const) : ('closed' as const),
      targetOpsPerSec: open ? w.rateOpsPerSec! : null,
      arrival: open ? w.arrival : null,
      latencyNsUncorrected: open ? summarise(decodeHistogram(r.uncorrectedHistogram)) : null,
      iommu: profile.iommus[d.iommu]!.id,
      // The PASID its submitter used last: a lifecycle bind may have given one after boot.
      pasid: input.lifecycle?.events.findLast((e) => e.kind === 'bind' && e.target === d.id)?.pasid ?? d.pasid,
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
      submitRetries: c[Counter.submitRetries]!,
      type: profile.devices[i]!.type,
      compression: profile.devices[i]!.type === 'iaa' ? compressionOf(c) : null,
      engines: profile.devices[i]!.engines,
      wq: { mode: profile.devices[i]!.wqMode, entries: profile.devices[i]!.wqSize },
      submitters: submittersOf(d, profile.devices[i]!, booted.kernel.views.devices[i]!.bySubmitter),
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
      devtlbWholeFlushes: c[Counter.devtlbWholeFlushes]!,
      isolationBreaches: c[Counter.isolationBreaches]!,
      vm: profile.devices[i]!.vm ?? null,
      group: profile.devices[i]!.group ?? null,
      nested:
        profile.devices[i]!.vm === undefined
          ? null
          : {
              walks: c[Counter.nestedWalks]!,
              s1Refs: c[Counter.s1Refs]!,
              s2RefsByStep: [0, 1, 2, 3, 4].map((k) => c[Counter.s2RefsStep + k]!),
              s2CacheHits: c[Counter.s2CacheHits]!,
            },
      faults: {
        pageRequests: c[Counter.pageRequests]!,
        groups: c[Counter.pageGroups]!,
        responses: { success: c[Counter.responsesSuccess]!, invalid: c[Counter.responsesInvalid]!, failure: c[Counter.responsesFailure]! },
        prqOverflows: c[Counter.prqOverflows]!,
        prqHighWater: c[Counter.prqHighWater]!,
        stopMarkers: c[Counter.stopMarkers]!,
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
      interrupted: input.interrupted === true,
      failure: input.failure ?? null,
      provenance: asResultProvenance(input.provenance ?? provenanceOf(input.profile, undefined, new Date())),
      profile: profile.name,
      seed: input.seed,
      durationS: input.durationS ?? null,
      elapsedNs: input.elapsedNs,
      timing: {
        mode: input.modelled ? 'modelled' : 'host',
        virtualElapsedNs: input.modelled ? input.elapsedNs : null,
        wallElapsedNs: input.wallElapsedNs,
        simulatedBytesPerWallSec: input.wallElapsedNs > 0 ? bytes / (input.wallElapsedNs / 1e9) : 0,
        slowdown: input.modelled && input.elapsedNs > 0 ? input.wallElapsedNs / input.elapsedNs : null,
      },
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
        isolationBreaches: sum((d) => d.isolationBreaches ?? 0),
      },
      invalidation: inv
        ? {
            strategy: input.strategy,
            platform: profile.platform.preset,
            rangeEncoding: profile.invalidation.rangeEncoding,
            arch: profile.invalidation.arch,
            batchSize: profile.invalidation.batchSize,
            events: inv.stats.events,
            eventsByOp: { ...inv.stats.eventsByOp },
            submissions: inv.stats.submissions,
            waits: inv.stats.waits,
            descriptors: {
              iotlb: inv.stats.iotlbDescriptors,
              devtlb: inv.stats.devtlbDescriptors,
              total: inv.stats.iotlbDescriptors + inv.stats.devtlbDescriptors,
            },
            wholePasidFlushes: inv.stats.wholePasidFlushes,
            flushedSpans: {
              requested: spanCounts(inv.stats.spans.requested),
              iotlb: spanCounts(inv.stats.spans.iotlb),
              devtlb: spanCounts(inv.stats.spans.devtlb),
            },
            latencyNs: summarise(inv.stats.latency),
            totalNs: inv.stats.totalNs,
            changes: inv.churn.changes,
            pagesChanged: inv.churn.pagesChanged,
            framesFreed: inv.churn.framesFreed,
            lateChanges: input.modelled ? inv.churn.lateChanges : null,
            lateNs: input.modelled ? inv.churn.lateNs : null,
          }
        : null,
      lifecycle: input.lifecycle
        ? {
            unbinds: input.lifecycle.unbinds,
            pasidStops: input.lifecycle.pasidStops,
            binds: input.lifecycle.binds,
            exits: input.lifecycle.exits,
            teardown: submissionCounts(input.lifecycle.teardown),
            drain: submissionCounts(input.lifecycle.drain),
            events: input.lifecycle.events.map((e) => ({
              kind: e.kind,
              target: e.target,
              pasid: e.pasid,
              scheduledNs: Math.round(e.scheduledNs),
              startNs: Math.round(e.startNs),
              endNs: Math.round(e.endNs),
            })),
          }
        : null,
      kernelClients: (input.kernelClients ?? []).map(({ id, device, mode, stats: k }) => ({
        id,
        device,
        mode,
        buffers: k.buffers,
        completed: k.completed,
        failed: k.failed,
        maps: k.maps,
        unmaps: k.unmaps,
        syncs: k.syncs,
        invalidation: { ...k.invalidation },
        flushQueue: k.flushQueue
          ? { queued: k.flushQueue.queued, flushesFull: k.flushQueue.flushesFull, flushesTimeout: k.flushQueue.flushesTimeout, highWater: k.flushQueue.highWater }
          : null,
        iova: k.iova ? { hits: k.iova.hits, misses: k.iova.misses, failures: k.iova.failures, depotPushes: k.iova.depotPushes, magazinesFreed: k.iova.magazinesFreed } : null,
        staleWindowNs: mode === 'dma-lazy' ? summarise(k.staleWindowNs) : null,
        cpuNs: Math.round(k.cpuNs),
        opsPerSec: input.elapsedNs > 0 ? k.completed / (input.elapsedNs / 1e9) : 0,
        bytesPerSec: input.elapsedNs > 0 ? k.bytes / (input.elapsedNs / 1e9) : 0,
        latencyNs: summarise(k.bufferLatencyNs),
        mapLatencyNs: dmaApiLatency(k.mapLatencyNs),
        unmapLatencyNs: dmaApiLatency(k.unmapLatencyNs),
        invalidationPerOp: {
          submissions: k.completed > 0 ? k.invalidation.submissions / k.completed : 0,
          descriptors: k.completed > 0 ? (k.invalidation.iotlbDescriptors + k.invalidation.devtlbDescriptors + k.invalidation.otherDescriptors) / k.completed : 0,
        },
        exposure: { ...k.exposure },
      })),
      guests: guestsResult(input, devices),
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
        stopMarkers: booted.kernel.faults.stats.stopMarkers,
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
        framesLeaked: booted.kernel.mm.leakedDataFrames() + booted.kernel.vms.reduce((n, vm) => n + vm.mm.leakedDataFrames(), 0),
      },
    },
    histograms: { total, byDevice },
  };
}

/** A DMA API latency as `dma_map_benchmark` reports it (mean, standard deviation) with percentiles. */
function dmaApiLatency(h: Histogram): { mean: number; stddev: number; p50: number; p99: number; max: number } {
  if (h.totalCount === 0) return { mean: 0, stddev: 0, p50: 0, p99: 0, max: 0 };
  return { mean: h.mean, stddev: h.stdDeviation, p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99), max: h.maxValue };
}

/** A span-count map as a record, in ascending page count, `all` last. */
function spanCounts(m: ReadonlyMap<string, number>): Record<string, number> {
  const key = (k: string): number => (k === 'all' ? Infinity : Number(k));
  return Object.fromEntries([...m].sort(([a], [b]) => key(a) - key(b)));
}

/**
 * The guests section: per VM its binds (by the PASID-table mode), the guest kernel's
 * invalidations and the host's share of them (by the invalidation path), stage-2 changes and
 * their flushes, and the nested walks of its devices; per multi-device IOMMU group, the PASID
 * attachments its devices share.
 */
function guestsResult(input: BuildInput, devices: readonly DeviceResult[]): z.infer<typeof runGuestsSchema> {
  const { profile, booted } = input;
  const kernel = booted.kernel;
  const costs = profile.platform.costs;
  const inv = input.invalidation;
  const churnProc = profile.churn ? booted.processes.get(profile.churn.process) : undefined;
  const vms = kernel.vms.map((vm) => {
    const cfg = profile.vms[vm.index]!;
    const mine = devices.filter((_, i) => profile.devices[i]!.vm === vm.name);
    const procs = vm.mm.processes;
    const pasidBinds = procs.reduce((n, p) => n + p.svaDomains.reduce((m, d) => m + kernel.domains.attachmentsOf(d).length, 0), 0);
    const perPasid = vm.pasidTable === 'per-pasid';
    // A guest bind: its PASID-table update traps in both modes (SMMUv3's CFGI_CD is not a command
    // a guest's CMDQV queue takes); the host then attaches (per-pasid) or only forwards the
    // cache invalidation (whole-table), one submission of one descriptor either way.
    const nsPerBind = costs.guestTrapNs + (perPasid ? costs.hostPasidAttachNs : 0) + costs.iotlbDescriptorNs + costs.submissionWaitNs;
    const deviceTableBinds = perPasid ? 0 : mine.length;
    const guestInv = inv && input.guests?.guestChurn && churnProc?.guest?.vm === vm.index ? inv.stats : undefined;
    const trapped = vm.invalidation === 'trapped';
    const nested = { walks: 0, refs: 0, s1Refs: 0, s2RefsByStep: [0, 0, 0, 0, 0], s2CacheHits: 0, refsPerWalk: 0 };
    for (const d of mine) {
      if (!d.nested) continue;
      nested.walks += d.nested.walks;
      nested.s1Refs += d.nested.s1Refs;
      d.nested.s2RefsByStep.forEach((v, k) => (nested.s2RefsByStep[k]! += v));
      nested.s2CacheHits += d.nested.s2CacheHits;
    }
    nested.refs = nested.s1Refs + nested.s2RefsByStep.reduce((a, b) => a + b, 0);
    nested.refsPerWalk = nested.walks > 0 ? nested.refs / nested.walks : 0;
    const s2 = input.guests?.stage2;
    const s2Here = profile.churn?.stage === 2 && churnProc?.guest?.vm === vm.index && s2;
    return {
      name: vm.name,
      memoryBytes: cfg.memoryBytes,
      hostFramesBacked: vm.backedFrames(),
      pasidTable: vm.pasidTable,
      invalidationPath: vm.invalidation,
      devices: mine.map((d) => d.id),
      processes: procs.map((p) => p.name),
      binds: {
        pasidBinds,
        hostAttaches: perPasid ? pasidBinds : 0,
        deviceTableBinds,
        traps: pasidBinds,
        nsPerBind,
        totalNs: pasidBinds * nsPerBind + deviceTableBinds * costs.hostPasidAttachNs,
      },
      invalidation: guestInv
        ? {
            guestSubmissions: guestInv.submissions,
            guestDescriptors: guestInv.iotlbDescriptors + guestInv.devtlbDescriptors,
            traps: trapped ? guestInv.submissions : 0,
            trapNs: trapped ? guestInv.submissions * costs.guestTrapNs : 0,
            hostSubmissions: trapped ? guestInv.submissions : 0,
            hostDescriptors: trapped ? guestInv.iotlbDescriptors + guestInv.devtlbDescriptors : 0,
            totalNs: guestInv.totalNs,
          }
        : null,
      stage2: {
        changes: vm.stats.stage2Changes,
        pages: vm.stats.stage2Pages,
        framesFreed: vm.stats.stage2FramesFreed,
        flushes: s2Here ? s2Here.flushes : 0,
        submissions: s2Here ? s2Here.submissions : 0,
        iotlbDescriptors: s2Here ? s2Here.iotlbDescriptors : 0,
        devtlbWholeDescriptors: s2Here ? s2Here.devtlbWholeDescriptors : 0,
        totalNs: s2Here ? Math.round(s2Here.totalNs) : 0,
        cpuFaults: vm.stats.cpuStage2Faults,
        deviceFaults: vm.stats.deviceStage2Faults,
      },
      nested,
    };
  });
  // Multi-device groups and the PASID attachments their devices share.
  const names = new Map<string, number[]>();
  profile.devices.forEach((d, i) => {
    if (d.group !== undefined) names.set(d.group, [...(names.get(d.group) ?? []), i]);
  });
  const groups = [...names].filter(([, members]) => members.length > 1).map(([name, members]) => {
    const attachments: { pasid: number; domain: string; process: string | null; boundBy: string; devices: string[] }[] = [];
    const seen = new Set<string>();
    for (const proc of [...kernel.mm.processes, ...kernel.vms.flatMap((v) => v.mm.processes)]) {
      for (const d of proc.svaDomains) {
        const on = kernel.domains.attachmentsOf(d).filter((a) => members.includes(a.device));
        if (on.length === 0) continue;
        const key = `${d.index}/${proc.pasid}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const bond = proc.bonds.get(on[0]!.device);
        attachments.push({
          pasid: proc.pasid,
          domain: DOMAIN_TYPE_NAMES[d.type] ?? String(d.type),
          process: proc.name,
          boundBy: profile.devices[bond?.device ?? on[0]!.device]!.id,
          devices: on.map((a) => profile.devices[a.device]!.id),
        });
      }
    }
    return { name, devices: members.map((i) => profile.devices[i]!.id), attachments };
  });
  return {
    vms,
    groups,
    pageRequestsForwarded: kernel.faults.stats.forwardedToGuest,
    stage2Faults: kernel.faults.stats.stage2Faults,
  };
}

/**
 * A shared WQ's submitters (the attach's process first) with their PASIDs, descriptors, bytes,
 * answered retries and failures; empty for a dedicated WQ.
 */
function submittersOf(d: Booted['devices'][number], cfg: Profile['devices'][number], counters: Float64Array): DeviceResult['submitters'] {
  if (cfg.wqMode !== 'shared') return [];
  const who = [{ process: cfg.attach.type === 'sva' ? cfg.attach.process : '', pasid: d.pasid }, ...d.spec.submitters.map((s) => ({ process: s.process, pasid: s.pasid }))];
  return who.map((w, j) => {
    const at = j * SubmitterCounter.width;
    return {
      process: w.process,
      pasid: w.pasid,
      ops: counters[at + SubmitterCounter.ops]!,
      bytes: counters[at + SubmitterCounter.bytes]!,
      submitRetries: counters[at + SubmitterCounter.submitRetries]!,
      failed: counters[at + SubmitterCounter.failed]!,
    };
  });
}

/** An IAA's compression figures from its counters (layout/device.ts compressIn, verifyIn, decompressIn). */
function compressionOf(c: readonly number[]): NonNullable<DeviceResult['compression']> {
  const figures = (inAt: number, compressed: boolean) => {
    const inputBytes = c[inAt]!;
    const outputBytes = c[inAt + 1]!;
    const [raw, packed] = compressed ? [inputBytes, outputBytes] : [outputBytes, inputBytes];
    return { inputBytes, outputBytes, ratio: packed > 0 ? raw / packed : 0 };
  };
  return {
    compress: { fixed: figures(Counter.compressIn, true), dynamic: figures(Counter.compressIn + 2, true) },
    compressVerify: { fixed: figures(Counter.verifyIn, true), dynamic: figures(Counter.verifyIn + 2, true) },
    decompress: figures(Counter.decompressIn, false),
  };
}
