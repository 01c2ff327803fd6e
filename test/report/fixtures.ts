/**
 * Synthetic run, compare and sweep results for the HTML report tests (not a test file itself).
 * Histograms are real HdrHistograms (hdr-histogram-js), filled from a seeded PRNG.
 */
import * as hdr from 'hdr-histogram-js';
import { compareRuns, type CompareResult } from '../../src/report/compare.js';
import { SWEEP_FORMAT_VERSION, SWEEP_METRICS, type SweepPointOutcome, type SweepResult, type SweepRow } from '../../src/report/sweep.js';
import { encodeHistogram, newMergeHistogram, summarise } from '../../src/metrics/histogram.js';
import type { DeviceResult, IntervalPoint, RunResult } from '../../src/run/result.js';
import { mulberry32 } from '../helpers/rng.js';


const newHist = newMergeHistogram;

/** A latency histogram: `n` values around `medianNs`, log-normal, with a rare slow tail. */
export function latencyHistogram(seed: number, n: number, medianNs: number, tail = 1): hdr.Histogram {
  const rnd = mulberry32(seed);
  const h = newHist();
  for (let i = 0; i < n; i++) {
    const u1 = Math.max(rnd(), 1e-12);
    const u2 = rnd();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    let v = medianNs * Math.exp(0.35 * z);
    if (rnd() < 0.002) v *= 20 * tail * (1 + rnd());
    h.recordValue(Math.max(1, Math.round(v)));
  }
  return h;
}

const enc = encodeHistogram;
const summary = summarise;

function merge(hs: hdr.Histogram[]): hdr.Histogram {
  const m = newHist();
  for (const h of hs) m.add(h);
  return m;
}

const STATUSES = ['success', 'translation-fault', 'permission-fault', 'no-attachment', 'batch-fail', 'page-fault', 'fault-invalid', 'fault-failure'];

export interface FixtureOptions {
  profile?: string;
  seed?: number;
  /** Latency scale (multiplies every median). */
  scale?: number;
  /** Device ids; the second one is open loop. */
  devices?: string[];
  invalidation?: boolean;
  faults?: boolean;
}

/** A run result with real histograms: device 0 closed loop, device 1 (if any) open loop. */
export function makeRunResult(opts: FixtureOptions = {}): RunResult {
  const profile = opts.profile ?? 'fixture';
  const seed = opts.seed ?? 42;
  const scale = opts.scale ?? 1;
  const ids = opts.devices ?? ['dsa0', 'dsa1'];
  const elapsedNs = 5e9;
  const ops = ['memmove', 'fill', 'crc32c'];

  const devHists: hdr.Histogram[] = [];
  const histDevices: Record<string, string> = {};
  const histByOp: Record<string, Record<string, string>> = {};
  const uncorrected: Record<string, string> = {};
  const devices: DeviceResult[] = ids.map((id, i) => {
    const open = i === 1;
    const opHists = ops.map((op, k) => latencyHistogram(seed * 100 + i * 10 + k, 4000 + 1500 * k, (1500 + 900 * k) * scale * (1 + i * 0.3)));
    const all = merge(opHists);
    devHists.push(all);
    histDevices[id] = enc(all);
    histByOp[id] = Object.fromEntries(ops.map((op, k) => [op, enc(opHists[k]!)]));
    let unc: hdr.Histogram | null = null;
    if (open) {
      unc = latencyHistogram(seed * 100 + i * 10 + 9, all.totalCount, 1200 * scale);
      uncorrected[id] = enc(unc);
    }
    const n = all.totalCount;
    const bytes = n * 4096;
    return {
      id,
      loop: open ? 'open' : 'closed',
      targetOpsPerSec: open ? 5000 : null,
      arrival: open ? 'poisson' : null,
      latencyNsUncorrected: unc ? summary(unc) : null,
      iommu: `iommu${i % 2}`,
      pasid: 1 + i,
      attach: 'sva',
      elapsedNs,
      submitted: n,
      ops: n,
      bytes,
      opsPerSec: n / 5,
      bytesPerSec: bytes / 5,
      latencyNs: summary(all),
      byOp: Object.fromEntries(ops.map((op, k) => [op, { ops: opHists[k]!.totalCount, bytes: opHists[k]!.totalCount * 4096, latencyNs: summary(opHists[k]!) }])),
      statuses: Object.fromEntries(STATUSES.map((s) => [s, s === 'success' ? n : s === 'page-fault' && opts.faults ? 3 : 0])),
      submitRetries: 0,
      devtlb: { hits: 900 + i, misses: 100 },
      iotlb: { hits: 80, misses: 20 },
      walks: 20,
      walkRefs: 80,
      compareMismatches: 0,
      integrity: { checked: 50, failed: 0, skipped: 1, firstFailure: null },
      checker: { pagesChecked: 1000, violations: 0, firstViolation: null },
      devtlbInvalidationsApplied: opts.invalidation ? 30 + i : 0,
      faults: {
        pageRequests: opts.faults ? 12 : 0,
        groups: opts.faults ? 4 : 0,
        responses: { success: opts.faults ? 4 : 0, invalid: 0, failure: 0 },
        prqOverflows: 0,
        prqHighWater: opts.faults ? 3 : 0,
        partialCompletions: opts.faults ? 2 : 0,
        touches: { ok: opts.faults ? 12 : 0, failed: 0 },
        faultedOps: opts.faults ? 3 : 0,
        latencyNs: { faulted: opts.faults ? summary(latencyHistogram(7 + i, 3, 90_000)) : summary(newHist()), clean: summary(all) },
      },
    };
  });
  const total = merge(devHists);
  const totalOps = devices.reduce((s, d) => s + d.ops, 0);
  const totalBytes = devices.reduce((s, d) => s + d.bytes, 0);

  const rnd = mulberry32(seed + 1);
  const points: IntervalPoint[] = [];
  for (let k = 1; k <= 5; k++) {
    points.push({
      tS: k,
      durationS: 1,
      devices: devices.map((d) => {
        const o = Math.round((d.ops / 5) * (0.85 + 0.3 * rnd()));
        return { id: d.id, ops: o, bytes: o * 4096, opsPerSec: o, bytesPerSec: o * 4096, p50: d.latencyNs.p50, p99: Math.round(d.latencyNs.p99 * (0.8 + 0.4 * rnd())), max: d.latencyNs.max };
      }),
    });
  }

  const inv = opts.invalidation
    ? {
        strategy: 'per-device',
        platform: 'native',
        rangeEncoding: 'pow2',
        batchSize: 8,
        events: 40,
        eventsByOp: { munmap: 25, mprotect: 15 },
        submissions: 60,
        descriptors: { iotlb: 60, devtlb: 120, total: 180 },
        wholePasidFlushes: 2,
        latencyNs: summary(latencyHistogram(3, 40, 8000)),
        totalNs: 40 * 9000,
        pagesChanged: 300,
        framesFreed: 120,
        lateChanges: null,
        lateNs: null,
      }
    : null;

  return {
    formatVersion: 1,
    interrupted: false,
    failure: null,
    provenance: {
      tool: { name: 'dmaload', version: '0.1.0' },
      commandLine: null,
      host: { hostname: 'fixture', cpuModel: 'fixture CPU', cores: 2, memoryBytes: 2 ** 33, node: 'v20.20.0', os: 'linux' },
      startedAt: '2026-12-01T00:00:00.000Z',
      profile: { name: profile },
    },
    profile,
    seed,
    durationS: 5,
    elapsedNs,
    timing: { mode: 'host', virtualElapsedNs: null, wallElapsedNs: elapsedNs, simulatedBytesPerWallSec: 0, slowdown: null },
    totals: {
      submitted: totalOps,
      ops: totalOps,
      bytes: totalBytes,
      opsPerSec: totalOps / 5,
      bytesPerSec: totalBytes / 5,
      latencyNs: summary(total),
      statuses: Object.fromEntries(STATUSES.map((s) => [s, devices.reduce((sum, d) => sum + (d.statuses[s] ?? 0), 0)])),
    },
    devices,
    iommus: [0, 1].slice(0, Math.min(2, ids.length)).map((k) => ({
      id: `iommu${k}`,
      type: 'vt-d',
      iotlb: { entries: 64, ways: 8, hits: 80, misses: 20, hitRate: 0.8 },
      walks: 20,
      walkRefs: 80,
      invalidation: opts.invalidation
        ? { submissions: 30, descriptors: { iotlb: 30, devtlb: 60, total: 90 }, latencyNs: summary(latencyHistogram(5 + k, 40, 4000)) }
        : null,
      faults: { pageRequests: opts.faults ? 12 : 0, prqEntries: 32, prqHighWater: opts.faults ? 3 : 0, prqOverflows: 0 },
    })),
    integrity: { checked: 50 * ids.length, failed: 0, skipped: ids.length },
    checker: { enabled: true, pagesChecked: 1000 * ids.length, violations: 0, firstViolation: null },
    invalidation: inv,
    lifecycle: null,
    kernelClients: [],
    guests: { vms: [], groups: [], pageRequestsForwarded: 0, stage2Faults: 0 },
    faults: {
      pageRequests: opts.faults ? 12 * ids.length : 0,
      groups: opts.faults ? 4 * ids.length : 0,
      responses: { success: opts.faults ? 4 * ids.length : 0, invalid: 0, failure: 0 },
      prqOverflows: 0,
      prqHighWater: opts.faults ? 3 : 0,
      partialCompletions: opts.faults ? 2 * ids.length : 0,
      touches: { ok: opts.faults ? 12 * ids.length : 0, failed: 0 },
      faultedOps: opts.faults ? 3 * ids.length : 0,
      latencyNs: { faulted: summary(latencyHistogram(11, 6, 90_000)), clean: summary(total) },
      pagesPopulated: opts.faults ? 12 : 0,
      serviceLatencyNs: summary(latencyHistogram(12, 12, 40_000)),
    },
    memory: { frames: 4096, framesFree: 1000, framesFreed: 120, framesReused: 100 },
    intervals: { intervalS: 1, points },
    histograms: { total: enc(total), devices: histDevices, byOp: histByOp, uncorrected },
  };
}

/** A compare of two strategies over the same synthetic profile. */
export function makeCompareResult(profile = 'cmp <fixture>'): CompareResult {
  const a = makeRunResult({ profile, invalidation: true, scale: 1 });
  const b = makeRunResult({ profile, invalidation: true, scale: 1.4, seed: 43 });
  b.invalidation = { ...b.invalidation!, strategy: 'shared-domain', submissions: 35, events: 40 };
  return compareRuns(['per-device', 'shared-domain'], [a, b]);
}

/** The figures of a sweep fixture's row: metric j is (j + 1) × base, min 1 below, max 2 above; p50 10 × base, p99 100 × base. */
export function sweepRow(params: Record<string, string>, repetitions: number, base: number): SweepRow {
  const metrics = Object.fromEntries(SWEEP_METRICS.map((m, j) => [m.key, { mean: (j + 1) * base, min: (j + 1) * base - 1, max: (j + 1) * base + 2 }]));
  return { params, repetitions, metrics, latencyNs: { p50: 10 * base, p90: 50 * base, p99: 100 * base, p999: 200 * base, max: 300 * base, mean: 20 * base } };
}

/**
 * A hand-built sweep: strategy = a, b (categorical) × queueDepth = 16, 4 (numeric, given out of
 * order), 2 repetitions. Base figures: (a, 16) 116, (a, 4) 104, (b, 16) 216 with one repetition
 * (its second not run); (b, 4) has no row (both repetitions failed).
 */
export function makeSweepResult(profile = 'sweep <fixture>'): SweepResult {
  const params = [
    { key: 'strategy', values: ['a', 'b'] },
    { key: 'queueDepth', values: ['16', '4'] },
  ];
  const points: SweepPointOutcome[] = [];
  let i = 0;
  for (const strategy of params[0]!.values) {
    for (const queueDepth of params[1]!.values) {
      for (let r = 0; r < 2; r++) {
        const id = `p${i}-r${r}`;
        const failed = strategy === 'b' && queueDepth === '4';
        const notRun = strategy === 'b' && queueDepth === '16' && r === 1;
        points.push({
          id, params: { strategy, queueDepth }, repeat: r, seed: 42 + r, file: `points/${id}.json`,
          status: failed ? 'failed' : notRun ? 'not run' : 'done',
          ...(failed ? { error: `error: point <${id}> exploded` } : {}),
        });
      }
      i++;
    }
  }
  return {
    formatVersion: SWEEP_FORMAT_VERSION,
    profile,
    params,
    repeat: 2,
    points,
    table: [
      sweepRow({ strategy: 'a', queueDepth: '16' }, 2, 116),
      sweepRow({ strategy: 'a', queueDepth: '4' }, 2, 104),
      sweepRow({ strategy: 'b', queueDepth: '16' }, 1, 216),
    ],
  };
}
