/**
 * Side-by-side comparison of runs of one profile under different invalidation strategies:
 * the metrics, and the ratio of each strategy to the first (the baseline); the comparison's
 * JSON (`compare --json`) as one zod schema, from which its types are inferred and with which
 * `dmaload report` validates it; and the terminal table.
 * Leaves out: running the strategies (cli/compare/handler.ts) and the HTML report (html/compare.ts).
 */

import { basename } from 'node:path';
import Table from 'cli-table3';
import { z } from 'zod';
import type { StoredRunResult as RunResult } from '../run/result.js';
import { BadInputError } from '../run/errors.js';
import { RESULT_FORMAT_VERSION, resultFields as f, storedRunResultSchema } from '../run/result-schema.js';
import { formatCount, formatGBps, formatNs, formatRate, formatRatio } from '../common/units.js';

const NUMBER = 'expected a number';

export const compareMetricSchema = f.obj({
  key: f.text(),
  label: f.text(),
  unit: f.oneOf(['count', 'ns', 'bytesPerSec', 'perSec']),
  /** One per strategy, in `strategies` order. */
  values: f.list(z.number({ error: NUMBER })),
  /** values[i] / values[0]; null when the baseline is 0. */
  ratios: f.list(z.number({ error: NUMBER }).nullable()),
});

/** The first strategy listed without a run, if any (on raw input: the check also runs when other fields are wrong). */
function strategyWithoutRun(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { strategies, runs } = v as { strategies?: unknown; runs?: unknown };
  if (!Array.isArray(strategies) || typeof runs !== 'object' || runs === null) return undefined;
  return strategies.find((s): s is string => typeof s === 'string' && !Object.hasOwn(runs, s));
}

/** A comparison as `compare --json` writes it; each run as `run --json` writes one (older runs accepted). */
export const compareResultSchema = f
  .obj({
    formatVersion: z.literal(RESULT_FORMAT_VERSION, { error: `expected ${RESULT_FORMAT_VERSION} (the only result format so far)` }),
    profile: f.text(),
    seed: f.count(),
    platform: f.text(),
    strategies: f.list(f.text()),
    baseline: f.text(),
    metrics: f.list(compareMetricSchema),
    runs: f.record(storedRunResultSchema),
  })
  .refine((c) => strategyWithoutRun(c) === undefined, {
    // Also when other fields are wrong: a run missing for a listed strategy is the likeliest fault.
    when: (payload) => strategyWithoutRun(payload.value) !== undefined,
    error: (issue) => `compare result has no run for strategy "${strategyWithoutRun(issue.input)}"`,
    params: { complete: true },
  });

export type CompareMetric = z.infer<typeof compareMetricSchema>;
export type CompareResult = z.infer<typeof compareResultSchema>;

const METRICS: readonly { key: string; label: string; unit: CompareMetric['unit']; get: (r: RunResult) => number }[] = [
  { key: 'events', label: 'notifier events', unit: 'count', get: (r) => r.invalidation?.events ?? 0 },
  { key: 'descriptors.iotlb', label: 'IOTLB descriptors', unit: 'count', get: (r) => r.invalidation?.descriptors.iotlb ?? 0 },
  { key: 'descriptors.devtlb', label: 'device-TLB descriptors', unit: 'count', get: (r) => r.invalidation?.descriptors.devtlb ?? 0 },
  { key: 'descriptors.total', label: 'descriptors, total', unit: 'count', get: (r) => r.invalidation?.descriptors.total ?? 0 },
  { key: 'submissions', label: 'submissions', unit: 'count', get: (r) => r.invalidation?.submissions ?? 0 },
  { key: 'waits', label: 'waits (VT-d wait descriptor, SMMUv3 CMD_SYNC)', unit: 'count', get: (r) => r.invalidation?.waits ?? r.invalidation?.submissions ?? 0 },
  { key: 'invalidationTotalNs', label: 'invalidation time, total', unit: 'ns', get: (r) => r.invalidation?.totalNs ?? 0 },
  { key: 'invalidationMeanNs', label: 'invalidation time per event, mean', unit: 'ns', get: (r) => r.invalidation?.latencyNs.mean ?? 0 },
  { key: 'invalidationP50Ns', label: 'invalidation time per event, p50', unit: 'ns', get: (r) => r.invalidation?.latencyNs.p50 ?? 0 },
  { key: 'invalidationP99Ns', label: 'invalidation time per event, p99', unit: 'ns', get: (r) => r.invalidation?.latencyNs.p99 ?? 0 },
  { key: 'dmaP50Ns', label: 'DMA latency p50', unit: 'ns', get: (r) => r.totals.latencyNs.p50 },
  { key: 'dmaP99Ns', label: 'DMA latency p99', unit: 'ns', get: (r) => r.totals.latencyNs.p99 },
  { key: 'opsPerSec', label: 'DMA descriptors/s', unit: 'perSec', get: (r) => r.totals.opsPerSec },
  { key: 'bytesPerSec', label: 'DMA throughput (GB/s)', unit: 'bytesPerSec', get: (r) => r.totals.bytesPerSec },
  { key: 'violations', label: 'checker violations', unit: 'count', get: (r) => r.checker.violations },
];

type KernelClientRow = NonNullable<RunResult['kernelClients']>[number];
const sumClients = (r: RunResult, f: (k: KernelClientRow) => number): number => (r.kernelClients ?? []).reduce((n, k) => n + f(k), 0);

/** With kernel clients (attach type kernel): their DMA API work, side by side. */
const KERNEL_CLIENT_METRICS: typeof METRICS = [
  { key: 'kernelClients.buffers', label: 'kernel client buffers', unit: 'count', get: (r) => sumClients(r, (k) => k.buffers) },
  { key: 'kernelClients.maps', label: 'DMA API maps', unit: 'count', get: (r) => sumClients(r, (k) => k.maps) },
  { key: 'kernelClients.submissions', label: 'kernel client invalidation submissions', unit: 'count', get: (r) => sumClients(r, (k) => k.invalidation.submissions) },
  { key: 'kernelClients.flushes', label: 'lazy flushes (full + timeout)', unit: 'count', get: (r) => sumClients(r, (k) => (k.flushQueue ? k.flushQueue.flushesFull + k.flushQueue.flushesTimeout : 0)) },
  { key: 'kernelClients.staleMaxNs', label: 'stale window, max', unit: 'ns', get: (r) => Math.max(0, ...(r.kernelClients ?? []).map((k) => k.staleWindowNs?.max ?? 0)) },
  { key: 'kernelClients.cpuNs', label: 'kernel client CPU time', unit: 'ns', get: (r) => sumClients(r, (k) => k.cpuNs) },
  { key: 'kernelClients.opsPerSec', label: 'kernel client buffers/s', unit: 'perSec', get: (r) => sumClients(r, (k) => k.opsPerSec ?? 0) },
  { key: 'kernelClients.latencyP50Ns', label: 'buffer latency with map and unmap, p50', unit: 'ns', get: (r) => Math.max(0, ...(r.kernelClients ?? []).map((k) => k.latencyNs?.p50 ?? 0)) },
  { key: 'kernelClients.mapMeanNs', label: 'map latency, mean', unit: 'ns', get: (r) => Math.max(0, ...(r.kernelClients ?? []).map((k) => k.mapLatencyNs?.mean ?? 0)) },
  { key: 'kernelClients.unmapMeanNs', label: 'unmap latency, mean', unit: 'ns', get: (r) => Math.max(0, ...(r.kernelClients ?? []).map((k) => k.unmapLatencyNs?.mean ?? 0)) },
  { key: 'kernelClients.submissionsPer1000', label: 'invalidation submissions per 1,000 buffers', unit: 'count', get: (r) => 1000 * Math.max(0, ...(r.kernelClients ?? []).map((k) => k.invalidationPerOp?.submissions ?? 0)) },
  { key: 'kernelClients.reachableBytes', label: 'memory the devices could reach (bytes)', unit: 'count', get: (r) => sumClients(r, (k) => k.exposure.reachableBytes) },
];

type VmRow = NonNullable<RunResult['guests']>['vms'][number];
const sumVms = (r: RunResult, f: (v: VmRow) => number): number => (r.guests?.vms ?? []).reduce((n, v) => n + f(v), 0);
const devicesNested = (r: RunResult, f: (n: NonNullable<RunResult['devices'][number]['nested']>) => number): number =>
  r.devices.reduce((n, d) => n + (d.nested ? f(d.nested) : 0), 0);

/** With VMs in any run: the host's share of the guest invalidations and the walks' dimensions, side by side. */
const GUEST_METRICS: typeof METRICS = [
  { key: 'guests.traps', label: 'VM exits for guest invalidations', unit: 'count', get: (r) => sumVms(r, (v) => v.invalidation?.traps ?? 0) },
  { key: 'guests.trapNs', label: 'time in those exits', unit: 'ns', get: (r) => sumVms(r, (v) => v.invalidation?.trapNs ?? 0) },
  { key: 'guests.hostSubmissions', label: "host's replayed submissions", unit: 'count', get: (r) => sumVms(r, (v) => v.invalidation?.hostSubmissions ?? 0) },
  { key: 'walkRefsPerWalk', label: 'page-walk references per walk', unit: 'count', get: (r) => (r.iommus.reduce((n, m) => n + m.walks, 0) > 0 ? r.iommus.reduce((n, m) => n + m.walkRefs, 0) / r.iommus.reduce((n, m) => n + m.walks, 0) : 0) },
  { key: 'guests.nestedWalks', label: 'nested (2-D) walks', unit: 'count', get: (r) => devicesNested(r, (n) => n.walks) },
  { key: 'guests.stage2Flushes', label: 'stage-2 flushes', unit: 'count', get: (r) => sumVms(r, (v) => v.stage2.flushes) },
  { key: 'isolationBreaches', label: 'isolation breaches', unit: 'count', get: (r) => r.checker.isolationBreaches ?? 0 },
];

/**
 * Modelled time only: how far each strategy fell behind the churn schedule (a change that starts
 * after its scheduled time because the previous one is still running). Host timing has no
 * schedule to fall behind in this sense, so these rows are left out when any run is host-timed.
 */
const LATENESS_METRICS: typeof METRICS = [
  { key: 'lateChanges', label: 'changes started late (behind schedule)', unit: 'count', get: (r) => r.invalidation?.lateChanges ?? 0 },
  { key: 'lateNs', label: 'lateness, total', unit: 'ns', get: (r) => r.invalidation?.lateNs ?? 0 },
];

/** The comparison's runs, in strategy order (a strategy without a run is left out). */
function runsOf(c: CompareResult): RunResult[] {
  return c.strategies.map((s) => c.runs[s]).filter((r): r is RunResult => r !== undefined);
}

/** Windows within 0.1% of each other count as equal. */
const EQUAL_WINDOW_TOLERANCE = 0.001;

/** True when every run's DMA was measured over the same span (modelled runs with a duration always are). */
function equalWindows(runs: readonly RunResult[]): boolean {
  const spans = runs.map((r) => r.elapsedNs);
  const lo = Math.min(...spans);
  return Math.max(...spans) - lo <= lo * EQUAL_WINDOW_TOLERANCE;
}

/**
 * What a reader must know before reading the ratios: which clock, whether the DMA windows were
 * equal (if not, rates compare different spans), and which strategies could not keep pace.
 */
export function compareNotes(c: CompareResult): string[] {
  const runs = runsOf(c);
  if (runs.length === 0) return [];
  const notes: string[] = [];
  const modes = new Set(runs.map((r) => r.timing.mode));
  if (modes.size > 1) notes.push('timing differs between runs (modelled and host): their figures are not comparable.');
  const spans = runs.map((r) => formatNs(r.elapsedNs)).join(' vs ');
  if (!equalWindows(runs)) {
    notes.push(`unequal DMA windows (${spans}): DMA rates and latencies compare different spans; read the counts and invalidation times.`);
  } else if (modes.has('modelled') && modes.size === 1) {
    notes.push(`timing modelled: every strategy over an equal virtual window of ${formatNs(runs[0]!.elapsedNs)}.`);
  } else {
    notes.push(`timing host: wall-clock windows of ${spans}; figures include this machine's scheduling.`);
  }
  const cut = c.strategies.filter((s) => c.runs[s]?.interrupted);
  if (cut.length > 0) notes.push(`INTERRUPTED: ${cut.join(', ')} stopped early by a signal; strategies after it were not run.`);
  c.strategies.forEach((s) => {
    const inv = c.runs[s]?.invalidation;
    if (inv?.lateChanges) {
      notes.push(
        `${s} could not keep pace with the churn schedule: ${formatCount(inv.lateChanges)} of ${formatCount(inv.changes ?? inv.events)} changes ` +
          `started late, ${formatNs(inv.lateNs ?? 0)} behind in total.`,
      );
    }
  });
  return notes;
}

/** Whether a metric's ratio may be read as better/worse: DMA rates and latencies only over equal windows. */
export function ratioComparable(c: CompareResult, m: CompareMetric): boolean {
  if (!DMA_WINDOW_METRICS.has(m.key)) return true;
  const runs = runsOf(c);
  return equalWindows(runs);
}

const DMA_WINDOW_METRICS = new Set(['dmaP50Ns', 'dmaP99Ns', 'opsPerSec', 'bytesPerSec']);

export function compareRuns(strategies: readonly string[], runs: readonly RunResult[]): CompareResult {
  const first = runs[0]!;
  const modelled = runs.every((r) => r.timing.mode === 'modelled');
  const kernel = runs.some((r) => (r.kernelClients?.length ?? 0) > 0);
  const churn = runs.some((r) => r.invalidation);
  const base = churn || !kernel ? METRICS : METRICS.filter((m) => !m.key.startsWith('descriptors.') && !m.key.startsWith('invalidation') && m.key !== 'events' && m.key !== 'submissions' && m.key !== 'waits');
  const guests = runs.some((r) => (r.guests?.vms.length ?? 0) > 0);
  const metrics = [...base, ...(modelled && churn ? LATENESS_METRICS : []), ...(kernel ? KERNEL_CLIENT_METRICS : []), ...(guests ? GUEST_METRICS : [])].map((m): CompareMetric => {
    const values = runs.map(m.get);
    const base = values[0]!;
    return { key: m.key, label: m.label, unit: m.unit, values, ratios: values.map((v) => (base === 0 ? null : v / base)) };
  });
  return {
    formatVersion: 1,
    profile: first.profile,
    seed: first.seed,
    platform: first.invalidation?.platform ?? 'native',
    strategies: [...strategies],
    baseline: strategies[0]!,
    metrics,
    runs: Object.fromEntries(strategies.map((s, i) => [s, runs[i]!])),
  };
}

/**
 * A metric's value in its unit. `withUnit` adds "/s" to a rate and "GB/s" to a throughput (the
 * HTML report); the terminal table's labels carry them instead.
 */
export function formatMetricValue(unit: CompareMetric['unit'], v: number, withUnit: boolean): string {
  switch (unit) {
    case 'count':
      return formatCount(v);
    case 'ns':
      return formatNs(v);
    case 'perSec':
      return withUnit ? `${formatRate(v)}/s` : formatRate(v);
    case 'bytesPerSec':
      return withUnit ? `${formatGBps(v)} GB/s` : formatGBps(v);
  }
}

export function formatCompare(c: CompareResult): string {
  const others = c.strategies.slice(1);
  const table = new Table({
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    style: { head: [], border: [], compact: true },
    head: ['metric', ...c.strategies, ...others.map((s) => `${s} / ${c.baseline}`)],
    colAligns: ['left', ...c.strategies.map(() => 'right' as const), ...others.map(() => 'right' as const)],
  });
  for (const m of c.metrics) {
    table.push([
      m.label,
      ...m.values.map((v) => formatMetricValue(m.unit, v, false)),
      ...m.ratios.slice(1).map((r) => (r === null ? '-' : formatRatio(r))),
    ]);
  }
  const first = c.runs[c.baseline]!;
  const header =
    `dmaload compare "${c.profile}"  seed ${c.seed}  platform ${c.platform}  ` +
    `${first.devices.length} device(s)  ${first.iommus.length} IOMMU(s)`;
  return [header, table.toString(), ...compareNotes(c)].join('\n');
}

/**
 * Saved results compared (`compare a.json b.json`): what makes their figures not like for
 * like — another profile (its effective form), seed, timing, host or dmaload version — one
 * line each, naming the labels that differ from the first.
 */
export function savedRunsWarnings(labels: readonly string[], runs: readonly RunResult[]): string[] {
  const first = runs[0]!;
  const out: string[] = [];
  const differ = (what: string, key: (r: RunResult) => string) => {
    const base = key(first);
    const others = labels.filter((_, i) => key(runs[i]!) !== base);
    if (others.length > 0) out.push(`${what} differs from ${labels[0]}'s in ${others.join(', ')}: ${[base, ...others.map((l) => key(runs[labels.indexOf(l)]!))].join(' vs ')}`);
  };
  differ('the profile', (r) => r.profile);
  // The same name may hide another profile: compare the effective profiles where results carry them.
  const eff = (r: RunResult) => (r.provenance ? JSON.stringify({ ...r.provenance.profile, invalidation: undefined }) : '');
  const changed = labels.filter((_, i) => eff(runs[i]!) !== eff(first) && eff(runs[i]!) !== '' && eff(first) !== '');
  if (changed.length > 0 && !out.length) out.push(`the effective profile (beyond its invalidation strategy) differs from ${labels[0]}'s in ${changed.join(', ')}`);
  differ('the seed', (r) => String(r.seed));
  differ('the timing', (r) => r.timing.mode);
  differ('the host', (r) => (r.provenance ? `${r.provenance.host.hostname} (${r.provenance.host.cpuModel}, ${r.provenance.host.cores} cores)` : 'unknown'));
  differ('the dmaload version', (r) => r.provenance?.tool.version ?? 'unknown');
  return out;
}

/**
 * Column labels for saved results: each file's name without `.json`, or the paths when two
 * names clash. @throws BadInputError when a file is given twice.
 */
export function savedLabels(files: readonly string[]): string[] {
  const stem = (f: string) => basename(f).replace(/\.json$/i, '');
  let labels = files.map(stem);
  if (new Set(labels).size < labels.length) labels = [...files];
  if (new Set(labels).size < labels.length) throw new BadInputError(`${files.join(', ')}: a result is given twice; expected different results`);
  return labels;
}
