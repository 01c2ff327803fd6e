/**
 * Cross-reference checks on a profile: what relates values to each other, on whatever parsed
 * (they run even when the schema failed, on every element that passed it on its own, so a bad
 * IOMMU entry and a dangling device reference are reported together):
 *   - unique ids and names; references from devices and the churn to IOMMUs, processes, regions;
 *   - TLB geometry (ways divide entries); queue depth vs the work queue;
 *   - transfer sizes vs half of their memory window; PRI and outside-VMA sources vs the attach;
 *   - the churn's range vs its region (and its naturally aligned span), and its rate;
 *   - the lifecycle schedule: references, time order, each event valid in the state the
 *     earlier ones leave, modelled timing;
 *   - run length (durationS or descriptor counts); PASID and simulated-memory budgets;
 *   - guests (checkGuests): VMs, their processes and assigned devices, IOMMU groups.
 * Each problem carries its path and a complete message; problems.ts orders and formats them.
 * Leaves out: checks of one value on its own (schema.ts).
 */

import type { z } from 'zod';

import { formatBytes, parseSizeBytes } from '../common/units.js';
import { type Found, formatPath, isRecord, type Seg } from './problems.js';
import { churnFields, deviceSchema, PAGE_BYTES, iommuSchema, lifecycleEventSchema, platformSchema, processSchema, profileSchema, vmSchema } from './schema.js';
import { DSA_OPS, IAA_MAX_TRANSFER_BYTES, IAA_OPS } from '../layout/ops.js';
import { DEFAULT_TIMING, type DeviceConfig, type KernelDmaMode, type LifecycleEvent, type PlatformConfig, type IommuConfig, type ProcessConfig, type RegionConfig, type SystemConfig, type VmConfig } from './types.js';

/** A size for messages; exact bytes are added when the rounded form would not be exact. */
function bytes(n: number): string {
  const f = formatBytes(n);
  return parseSizeBytes(f.replace(' ', '')) === n ? f : `${f} (${n} bytes)`;
}

function field(v: unknown, key: string): unknown {
  return isRecord(v) ? v[key] : undefined;
}

/** One list element: its raw YAML value, and its parsed form if it passed the schema on its own. */
interface Part<T> {
  raw: unknown;
  value: T | undefined;
}

/** The profile as far as it parsed. A list is undefined when it is not a list at all. */
interface Parts {
  /** 'invalid' when present but rejected by the schema (so "missing" checks stay quiet). */
  durationS: number | undefined | 'invalid';
  system: SystemConfig | undefined;
  rawSystem: unknown;
  iommus: Part<IommuConfig>[] | undefined;
  processes: Part<ProcessConfig>[] | undefined;
  devices: Part<DeviceConfig>[] | undefined;
  /** Undefined when there is no churn mapping. */
  churn: ChurnPart | undefined;
  /** Undefined when `lifecycle` is not a list. */
  lifecycle: Part<LifecycleEvent>[] | undefined;
  rawTiming: unknown;
  /** Undefined when `vms` is not a list. */
  vms: Part<VmConfig>[] | undefined;
  rawPlatform: unknown;
}

/** A field that parsed on its own (`ok`), or one the schema rejected (reported there). */
type FieldOf<T> = { ok: true; value: T } | { ok: false };

/** The churn mapping field by field, so its cross-checks run on whatever parsed. */
interface ChurnPart {
  raw: Record<string, unknown>;
  process: FieldOf<string>;
  region: FieldOf<string>;
  ratePerSec: FieldOf<number | undefined>;
  count: FieldOf<number | undefined>;
  rangeBytes: FieldOf<number>;
  aligned: FieldOf<boolean>;
  stage: FieldOf<1 | 2>;
  ops: FieldOf<Record<string, number>>;
}

function churnPartOf(raw: unknown): ChurnPart | undefined {
  if (!isRecord(raw)) return undefined; // not a mapping: the schema reports it
  const one = <T>(key: keyof typeof churnFields.shape, schema: z.ZodType<T>): FieldOf<T> => {
    const r = schema.safeParse(raw[key]);
    return r.success ? { ok: true, value: r.data } : { ok: false };
  };
  const f = churnFields.shape;
  return {
    raw,
    process: one('process', f.process),
    region: one('region', f.region),
    ratePerSec: one('ratePerSec', f.ratePerSec),
    count: one('count', f.count),
    rangeBytes: one('rangeBytes', f.rangeBytes),
    aligned: one('aligned', f.aligned),
    stage: one('stage', f.stage),
    ops: one('ops', f.ops),
  };
}

function partsOf(data: Record<string, unknown>): Parts {
  const each = <T>(raw: unknown, schema: z.ZodType<T>): Part<T>[] | undefined =>
    Array.isArray(raw)
      ? raw.map((item: unknown) => {
          const r = schema.safeParse(item);
          return { raw: item, value: r.success ? r.data : undefined };
        })
      : undefined;
  const duration = profileSchema.shape.durationS.safeParse(data['durationS']);
  const system = profileSchema.shape.system.safeParse(data['system']);
  return {
    durationS: duration.success ? duration.data : 'invalid',
    system: system.success ? system.data : undefined,
    rawSystem: data['system'],
    iommus: each(data['iommus'], iommuSchema),
    processes: data['processes'] === undefined ? [] : each(data['processes'], processSchema),
    devices: each(data['devices'], deviceSchema),
    churn: churnPartOf(data['churn']),
    lifecycle: data['lifecycle'] === undefined ? [] : each(data['lifecycle'], lifecycleEventSchema),
    rawTiming: data['timing'],
    vms: data['vms'] === undefined ? [] : each(data['vms'], vmSchema),
    rawPlatform: data['platform'],
  };
}

type Add = (at: Seg[], message: string) => void;

/**
 * Report duplicates of `key` among raw list elements; returns the distinct string values in
 * order (also from elements that failed the schema, so they still count as defined).
 */
function uniqueNames(items: readonly unknown[], listAt: Seg[], key: string, what: string, add: Add): string[] {
  const firstIndex = new Map<string, number>();
  items.forEach((item, i) => {
    const v = field(item, key);
    if (typeof v !== 'string') return;
    const first = firstIndex.get(v);
    if (first === undefined) {
      firstIndex.set(v, i);
    } else {
      const owner = formatPath([...listAt, first]);
      add([...listAt, i, key], `"${v}" is already the ${key} of ${owner}; expected a unique ${what}`);
    }
  });
  return [...firstIndex.keys()];
}

function rawNames(items: unknown): string[] {
  if (!Array.isArray(items)) return [];
  return items.map((r) => field(r, 'name')).filter((n): n is string => typeof n === 'string');
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** " (the default)" when `key` is absent from the raw mapping, so the user knows where a value came from. */
function defaultNote(rawParent: unknown, key: string): string {
  return field(rawParent, key) === undefined ? ' (the default)' : '';
}

/** TLB geometry: ways ≤ entries and entries % ways == 0. */
function waysProblem(entries: number, ways: number, entriesKey: string): string | undefined {
  if (ways > entries) return `${ways} is larger than ${entriesKey} (${entries}); expected at most ${entries}`;
  if (entries % ways === 0) return undefined;
  let below = ways;
  while (entries % below !== 0) below--;
  let above = ways;
  while (entries % above !== 0) above++;
  return (
    `${ways} does not divide ${entriesKey} (${entries}); ` +
    `expected a divisor of ${entries}, e.g. ${below} or ${above}`
  );
}

/** Page-table allowance per process and per dma/identity domain in the memory estimate. */
const PAGE_TABLE_BYTES = 1024 ** 2;

/** What devices may refer to: names defined anywhere in the profile (undefined: that list is not a list). */
interface Names {
  iommuIds: string[] | undefined;
  processNames: string[] | undefined;
  /** First process of each name. */
  processByName: Map<string, Part<ProcessConfig>>;
}

/** Every cross-reference problem in the raw profile `data`. */
export function crossCheck(data: Record<string, unknown>): Found[] {
  const p = partsOf(data);
  const found: Found[] = [];
  const add: Add = (at, message) => found.push({ at, message });

  const names = checkUniqueness(p, add);
  p.iommus?.forEach(({ value: u }, i) => {
    const ways = u && waysProblem(u.iotlbEntries, u.iotlbWays, 'iotlbEntries');
    if (ways) add(['iommus', i, 'iotlbWays'], ways);
  });
  p.devices?.forEach(({ raw, value }, i) => {
    if (value) checkDevice(value, raw, i, names, add);
    if (value) checkKernelClient(value, i, p, add);
    if (value) checkQueues(value, i, p, names, add);
    if (value) checkOps(value, i, names, add);
  });
  // Kernel clients' ids name them in results: unique among themselves and the devices.
  const seen = new Set(p.devices?.map((d) => d.value?.id).filter((x): x is string => x !== undefined));
  p.devices?.forEach(({ value }, i) =>
    value?.kernelClients.forEach((c, j) => {
      if (seen.has(c.id)) add(['devices', i, 'kernelClients', j, 'id'], `"${c.id}" is already the id of a device or another kernel client; expected a unique id`);
      seen.add(c.id);
    }),
  );
  if (p.churn) checkChurn(p.churn, names, add);
  checkLifecycle(p, names, add);
  checkGuests(p, add);
  checkRunLength(p, add);
  checkBudgets(p, add);
  checkModelledClock(data, add);
  return found;
}

/**
 * Modelled time: a descriptor must cost something, or a device's virtual clock never moves and
 * a run for a duration would never end. Also asked by a run whose timing is overridden
 * (`--timing modelled`), so the message names the preset and both ways out.
 */
export function modelledClockProblem(platform: PlatformConfig): string | undefined {
  const c = platform.costs;
  if (c.submitNs + c.descriptorNs + c.completionNs > 0) return undefined;
  return (
    `submitNs + descriptorNs + completionNs is 0 (preset ${platform.preset}); modelled time needs a cost per ` +
    "descriptor, or a device's virtual clock never moves; expected timing: host, or a positive descriptorNs"
  );
}

function checkModelledClock(data: Record<string, unknown>, add: Add): void {
  const timing = data['timing'] ?? DEFAULT_TIMING;
  if (timing !== 'modelled') return;
  const platform = platformSchema.safeParse(data['platform']);
  if (!platform.success) return;
  const problem = modelledClockProblem(platform.data);
  if (problem) add(['platform'], problem);
}

/** Unique ids and names, on raw values so elements that failed the schema still count. */
function checkUniqueness(p: Parts, add: Add): Names {
  const raws = (parts: Part<unknown>[]) => parts.map((x) => x.raw);
  const iommuIds = p.iommus && uniqueNames(raws(p.iommus), ['iommus'], 'id', 'IOMMU id', add);
  const processNames = p.processes && uniqueNames(raws(p.processes), ['processes'], 'name', 'process name', add);
  if (p.devices) uniqueNames(raws(p.devices), ['devices'], 'id', 'device id', add);

  const processByName = new Map<string, Part<ProcessConfig>>();
  p.processes?.forEach((proc, i) => {
    const name = field(proc.raw, 'name');
    if (typeof name === 'string' && !processByName.has(name)) processByName.set(name, proc);
    const regions = field(proc.raw, 'regions');
    if (Array.isArray(regions)) {
      uniqueNames(regions, ['processes', i, 'regions'], 'name', 'region name within the process', add);
    }
  });
  return { iommuIds, processNames, processByName };
}

/**
 * A kernel client's device (attach type kernel): kva only on a trusted device; modelled time;
 * no batch (a kernel client's descriptor works on one buffer); identity and kva buffers of one
 * page per address (larger ones need physically contiguous pages: not modelled); the flush
 * queue's single-queue mode only with dma-lazy (a count or a duration to end: checkRunLength).
 */
function checkKernelClient(d: DeviceConfig, i: number, p: Parts, add: Add): void {
  const a = d.attach;
  if (a.type === 'kernel') {
    checkOneClient(d, { mode: a.mode, singleQueue: a.singleQueue, workload: d.workload }, ['devices', i, 'attach'], ['devices', i, 'workload'], p.rawTiming, add);
  }
  d.kernelClients.forEach((c, j) => {
    const base: Seg[] = ['devices', i, 'kernelClients', j];
    checkOneClient(d, c, base, [...base, 'workload'], p.rawTiming, add);
    if (c.workload.region !== undefined) {
      add([...base, 'workload', 'region'], `"${c.workload.region}" for a kernel client; expected none (its buffers are its own)`);
    }
    if (c.workload.outsideVmaFraction > 0) {
      add([...base, 'workload', 'outsideVmaFraction'], `${c.workload.outsideVmaFraction} for a kernel client; expected 0`);
    }
    if (c.workload.queueDepth > d.wqSize && d.wqMode === 'dedicated') {
      add([...base, 'workload', 'queueDepth'], `${c.workload.queueDepth} is larger than the device's wqSize (${d.wqSize}); expected at most ${d.wqSize}, or wqMode: shared (a full shared WQ answers retry)`);
    }
    if (c.workload.descriptors === undefined && p.durationS === undefined) {
      add([...base, 'workload', 'descriptors'], 'missing, and so is durationS; a kernel client needs a buffer count (workload.descriptors) or durationS');
    }
  });
  if (d.kernelClients.length > 0) {
    if (a.type !== 'sva' && a.type !== 'kernel' && a.type !== 'none') {
      add(
        ['devices', i, 'kernelClients'],
        `kernel clients beside attach type ${a.type}; expected attach sva (a process shares the device with them), kernel or none`,
      );
    }
    if (a.type === 'sva' && d.workload.rateOpsPerSec !== undefined) {
      add(
        ['devices', i, 'workload', 'rateOpsPerSec'],
        `${d.workload.rateOpsPerSec} on a device shared with kernel clients; expected none (the process's descriptors run closed loop there)`,
      );
    }
    if (a.type === 'sva' && (!a.bound || (p.lifecycle ?? []).some((e) => e.value && 'device' in e.value && e.value.device === d.id))) {
      add(
        ['devices', i, 'kernelClients'],
        `on a device whose process is bound or unbound during the run; expected a device bound from the start, with no lifecycle events (not modelled yet)`,
      );
    }
  }
}

/**
 * The problems of device `i`'s kernel clients in their own right — mode against the device
 * (kva needs trusted), op mix, buffer sizes, flush-queue options — as `path: message` lines;
 * `compare --kernel-modes` asks it of the profile with each mode set.
 */
export function kernelClientProblems(d: DeviceConfig, i: number): string[] {
  const out: string[] = [];
  const add: Add = (at, message) => out.push(`${formatPath(at)}: ${message}`);
  const a = d.attach;
  if (a.type === 'kernel') {
    checkOneClient(d, { mode: a.mode, singleQueue: a.singleQueue, workload: d.workload }, ['devices', i, 'attach'], ['devices', i, 'workload'], 'modelled', add);
  }
  d.kernelClients.forEach((c, j) => checkOneClient(d, c, ['devices', i, 'kernelClients', j], ['devices', i, 'kernelClients', j, 'workload'], 'modelled', add));
  return out;
}

/** One kernel client's own checks (the attach's, or one of `kernelClients`). */
function checkOneClient(
  d: DeviceConfig,
  c: { mode: KernelDmaMode; singleQueue: boolean; workload: DeviceConfig['workload'] },
  modeAt: Seg[],
  workloadAt: Seg[],
  rawTiming: unknown,
  add: Add,
): void {
  if (c.mode === 'kva' && !d.trusted) {
    add(
      [...modeAt, 'mode'],
      `kva on device "${d.id}", which is not trusted; expected trusted: true on "${d.id}", or another mode ` +
        "(a PASID on the kernel's own page table hands the device all of kernel memory)",
    );
  }
  if ((rawTiming ?? DEFAULT_TIMING) !== 'modelled') {
    add(modeAt, 'a kernel client needs timing: modelled (its buffers are mapped and unmapped in virtual time); expected timing: modelled');
  }
  if (c.workload.ops.batch > 0) {
    add([...workloadAt, 'ops', 'batch'], `${c.workload.ops.batch} for a kernel client; expected 0 (each descriptor works on one buffer)`);
  }
  if (c.mode === 'identity' || c.mode === 'kva') {
    c.workload.transferSizes.forEach((t, k) => {
      if (t.sizeBytes > PAGE_BYTES) {
        add(
          [...workloadAt, 'transferSizeBytes', ...(c.workload.transferSizes.length > 1 ? [k, 'sizeBytes'] : [])],
          `${bytes(t.sizeBytes)} with mode ${c.mode}; expected at most ${bytes(PAGE_BYTES)} ` +
            '(its buffers are single pages: larger ones need physically contiguous memory, not modelled)',
        );
      }
    });
  }
  if (c.singleQueue && c.mode !== 'dma-lazy') {
    add([...modeAt, 'singleQueue'], `true with mode ${c.mode}; expected singleQueue only with mode dma-lazy (the flush queue's)`);
  }
}

function checkDevice(d: DeviceConfig, raw: unknown, i: number, names: Names, add: Add): void {
  const at = (...rest: Seg[]): Seg[] => ['devices', i, ...rest];
  const w = d.workload;

  const ways = waysProblem(d.devtlbEntries, d.devtlbWays, 'devtlbEntries');
  if (ways) add(at('devtlbWays'), ways);

  // A dedicated WQ is written with MOVDIR64B, which a full queue drops: its one submitter must
  // never overfill it. A shared WQ answers ENQCMD with retry instead (checkQueues).
  if (w.queueDepth > d.wqSize && d.wqMode === 'dedicated') {
    add(
      at('workload', 'queueDepth'),
      `${w.queueDepth} is larger than the device's wqSize (${d.wqSize}) of a dedicated WQ; expected at most ${d.wqSize}, or wqMode: shared (a full shared WQ answers retry)`,
    );
  }

  // Demand paging: a page request is serviced by handle_mm_fault on the bound process.
  const a = d.attach;
  if (d.pri && a.type !== 'sva') {
    add(
      at('pri'),
      `true but attach.type is ${a.type}${defaultNote(raw, 'attach')}; expected pri: false, or an sva attach ` +
        '(PRI demand paging needs a process address space to fault pages into)',
    );
  }
  if (d.pri && !d.ats) {
    add(at('pri'), 'true but ats is false; expected ats: true with pri (PCIe PRI is part of ATS: page requests come from a device with an ATS translation cache)');
  }

  const { iommuIds, processNames, processByName } = names;
  if (iommuIds && !iommuIds.includes(d.iommu)) {
    const expected =
      iommuIds.length > 0 ? `one of: ${iommuIds.join(', ')}` : 'the id of an IOMMU listed under iommus';
    add(at('iommu'), `"${d.iommu}" names no IOMMU; expected ${expected}`);
  }

  // The memory the workload moves data in, for the transfer-size check below.
  let window: { bytes: number; what: string } | undefined;
  if (a.type === 'sva') {
    const proc = processByName.get(a.process);
    if (processNames && !proc) {
      const expected =
        processNames.length > 0
          ? `one of: ${processNames.join(', ')}`
          : 'the name of a process listed under processes (there are none)';
      add(at('attach', 'process'), `"${a.process}" names no process; expected ${expected}`);
    } else if (proc) {
      const regionNames = rawNames(field(proc.raw, 'regions'));
      const expected = regionNames.length > 0 ? `one of: ${regionNames.join(', ')}` : 'the name of one of its regions';
      if (w.region === undefined) {
        add(
          at('workload', 'region'),
          `missing; an sva-attached device works on a region of process "${a.process}"; expected ${expected}`,
        );
      } else if (!regionNames.includes(w.region)) {
        add(at('workload', 'region'), `"${w.region}" names no region of process "${a.process}"; expected ${expected}`);
      } else {
        const region = proc.value?.regions.find((r) => r.name === w.region);
        if (region) {
          const what = `region "${region.name}" of process "${a.process}" (${bytes(region.sizeBytes)})`;
          window = { bytes: region.sizeBytes, what };
        }
      }
    }
  } else {
    if (w.region !== undefined) {
      add(
        at('workload', 'region'),
        `"${w.region}" is set but attach.type is ${a.type}; ` +
          'expected no workload.region (it names a process region, so it needs an sva attach)',
      );
    }
    if (w.outsideVmaFraction > 0) {
      add(
        at('workload', 'outsideVmaFraction'),
        `${w.outsideVmaFraction} is set but attach.type is ${a.type}${defaultNote(raw, 'attach')}; expected 0 ` +
          '(a source outside every VMA exists only in a process address space, so it needs an sva attach)',
      );
    }
    if (a.type === 'dma' || a.type === 'identity') {
      window = { bytes: a.sizeBytes, what: `the ${a.type} window (attach.sizeBytes: ${bytes(a.sizeBytes)})` };
    }
  }

  if (window) {
    // memmove and compare read a source slot in one half and write/compare its mirror in the other.
    const half = Math.floor(window.bytes / 2);
    const rawWorkload = field(raw, 'workload');
    const rawSizes = field(rawWorkload, 'transferSizeBytes');
    w.transferSizes.forEach((t, k) => {
      if (t.sizeBytes <= half) return;
      const path = Array.isArray(rawSizes)
        ? at('workload', 'transferSizeBytes', k, 'sizeBytes')
        : at('workload', 'transferSizeBytes');
      add(
        path,
        `${bytes(t.sizeBytes)}${defaultNote(rawWorkload, 'transferSizeBytes')} is larger than half of ` +
          `${window.what}; expected at most ${bytes(half)}, ` +
          'because memmove and compare use a source slot in one half and its mirror slot in the other half',
      );
    });
  }
}

/**
 * Churn: its process and region exist, its range fits the region (and, aligned, a naturally
 * aligned span of it does), and it has a rate. A churn on a process no device is bound to is
 * fine: the kernel still changes the mm, and nothing needs invalidating.
 */
function checkChurn(c: ChurnPart, names: Names, add: Add): void {
  const { processNames, processByName } = names;

  let region: { config: RegionConfig; processName: string } | undefined;
  if (c.process.ok) {
    const processName = c.process.value;
    const proc = processByName.get(processName);
    if (processNames && !proc) {
      const expected =
        processNames.length > 0
          ? `one of: ${processNames.join(', ')}`
          : 'the name of a process listed under processes (there are none)';
      add(['churn', 'process'], `"${processName}" names no process; expected ${expected}`);
    } else if (proc && c.region.ok) {
      const regionName = c.region.value;
      const regionNames = rawNames(field(proc.raw, 'regions'));
      if (!regionNames.includes(regionName)) {
        const expected = regionNames.length > 0 ? `one of: ${regionNames.join(', ')}` : 'the name of one of its regions';
        add(
          ['churn', 'region'],
          `"${regionName}" names no region of process "${processName}"; expected ${expected}`,
        );
      } else {
        const config = proc.value?.regions.find((r) => r.name === regionName);
        if (config) region = { config, processName };
      }
    }
  }

  if (region && c.rangeBytes.ok && c.aligned.ok) {
    const range = c.rangeBytes.value;
    const regionSize = region.config.sizeBytes;
    const what = `region "${region.config.name}" of process "${region.processName}" (${bytes(regionSize)})`;
    // Aligned: a range lies in one naturally aligned span of its size rounded up to a power of
    // two; that span must fit the region, so the largest usable range is the largest power of
    // two in the region.
    const span = pow2AtLeast(range);
    const maxAligned = pow2AtMost(regionSize);
    if (range > regionSize) {
      const max = c.aligned.value ? maxAligned : regionSize;
      const note = max < regionSize ? ' (with aligned: true, the largest power of two that fits)' : '';
      add(['churn', 'rangeBytes'], `${bytes(range)} is larger than ${what}; expected at most ${bytes(max)}${note}`);
    } else if (c.aligned.value && span > regionSize) {
      add(
        ['churn', 'rangeBytes'],
        `${bytes(range)} with aligned: true needs a naturally aligned span of ${bytes(span)} ` +
          `(rangeBytes rounded up to a power of two), larger than ${what}; ` +
          `expected at most ${bytes(maxAligned)}, or aligned: false`,
      );
    }
  }

  if (c.ratePerSec.ok && c.count.ok && c.ratePerSec.value === undefined && c.count.value === undefined) {
    add(
      ['churn'],
      'missing ratePerSec and count; expected ratePerSec (changes per second), ' +
        'count (changes in the run, at count / durationS per second without ratePerSec), or both',
    );
  }
}

/** The smallest power of two ≥ n (n ≥ 1). */
function pow2AtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** The largest power of two ≤ n (n ≥ 1). */
function pow2AtMost(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

/**
 * A run ends after durationS, or when every device has issued its descriptor count. A churn
 * given only a count also needs durationS: its rate is count / durationS.
 */
function checkRunLength(p: Parts, add: Add): void {
  if (p.durationS !== undefined) return;
  const reasons: string[] = [];
  if (p.devices) {
    const unbounded = p.devices.flatMap(({ value }) =>
      value && value.workload.descriptors === undefined ? [value.id] : [],
    );
    if (unbounded.length > 0) {
      reasons.push(
        'a run needs durationS or every device needs workload.descriptors ' + `(without it: ${unbounded.join(', ')})`,
      );
    }
  }
  const c = p.churn;
  if (c?.count.ok && c.ratePerSec.ok && c.count.value !== undefined && c.ratePerSec.value === undefined) {
    reasons.push(
      `churn.count (${c.count.value}) without churn.ratePerSec needs durationS: the rate is count / durationS ` +
        '(or set churn.ratePerSec)',
    );
  }
  if (reasons.length > 0) add(['durationS'], `missing; ${reasons.join('; and ')}`);
}

/** PASIDs and simulated memory. */
function checkBudgets(p: Parts, add: Add): void {
  if (!p.system) return;

  // PASIDs: a process gets one at its first SVA bind (Linux: iommu_sva_bind_device →
  // iommu_alloc_global_pasid), so only the processes some device binds need one. Counted when
  // every device parsed (an unparsed device's binding is unknown; the schema reports it).
  const parsedDevices = p.devices?.map((x) => x.value);
  if (parsedDevices?.every((x) => x !== undefined)) {
    const { maxPasids } = p.system;
    const events = p.lifecycle?.every((e) => e.value !== undefined) ? p.lifecycle.map((e) => e.value!) : [];
    const n = peakPasids(parsedDevices, events);
    if (n > maxPasids - 1) {
      add(
        ['system', 'maxPasids'],
        `${maxPasids}${defaultNote(p.rawSystem, 'maxPasids')} leaves ${plural(maxPasids - 1, 'PASID')} ` +
          `(0 is reserved) for ${plural(n, 'SVA-bound process', 'SVA-bound processes')}` +
          `${events.length > 0 ? ' at once (by the lifecycle schedule)' : ''}; expected at least ${n + 1}`,
      );
    }
  }

  // Memory: only when every part of the sum parsed, or the estimate would be meaningless.
  const processes = p.processes?.map((x) => x.value);
  const devices = p.devices?.map((x) => x.value);
  if (!processes?.every((x) => x !== undefined) || !devices?.every((x) => x !== undefined)) return;
  const hostProcesses = processes.filter((proc) => proc.vm === undefined);
  const regionBytes = hostProcesses.reduce((sum, proc) => sum + proc.regions.reduce((s, r) => s + r.sizeBytes, 0), 0);
  let windowBytes = 0;
  let domains = hostProcesses.length;
  // A VM's guest RAM comes out of host memory whole (its stage-2 table counts as a page table).
  const vms = (p.vms ?? []).map((v) => v.value).filter((v): v is VmConfig => v !== undefined);
  for (const v of vms) {
    windowBytes += v.memoryBytes;
    domains++;
  }
  let bufferBytes = 0;
  for (const d of devices) {
    if (d.attach.type === 'dma' || d.attach.type === 'identity') {
      windowBytes += d.attach.sizeBytes;
      domains++;
    }
    // Kernel clients' buffers in flight: up to two addresses of the largest transfer each.
    const clientWorkloads = [...(d.attach.type === 'kernel' ? [d.workload] : []), ...d.kernelClients.map((c) => c.workload)];
    for (const w of clientWorkloads) {
      const largest = Math.max(...w.transferSizes.map((t) => Math.ceil(t.sizeBytes / PAGE_BYTES) * PAGE_BYTES));
      bufferBytes += w.queueDepth * 2 * largest;
      domains++;
    }
  }
  windowBytes += bufferBytes;
  const needed = regionBytes + windowBytes + domains * PAGE_TABLE_BYTES;
  const { memoryBytes } = p.system;
  if (needed > memoryBytes) {
    add(
      ['system', 'memoryBytes'],
      `${bytes(memoryBytes)}${defaultNote(p.rawSystem, 'memoryBytes')} is too small: ` +
        `this profile needs about ${bytes(needed)} (regions ${bytes(regionBytes)} + ` +
        `dma/identity windows${bufferBytes > 0 ? ' and kernel clients\' buffers in flight' : ''}${vms.length > 0 ? ' and VMs\' guest RAM' : ''} ${bytes(windowBytes)} + page tables ${formatBytes(PAGE_TABLE_BYTES)} × ${domains}, ` +
        `one per process, per dma/identity/kernel domain and per VM); expected at least ${bytes(needed)}`,
    );
  }
}

/**
 * The most PASIDs held at once: a process holds one from its first SVA bind (at the start, or a
 * lifecycle `bind`) until it exits (`mm_pasid_drop`), not until unbind.
 */
function peakPasids(devices: readonly DeviceConfig[], events: readonly LifecycleEvent[]): number {
  const holding = new Set<string>();
  for (const d of devices) if (d.attach.type === 'sva' && d.attach.bound) holding.add(d.attach.process);
  let peak = holding.size;
  for (const e of events) {
    if (e.kind === 'exit') holding.delete(e.process);
    else if (e.kind === 'bind') {
      const d = devices.find((x) => x.id === e.device);
      if (d?.attach.type === 'sva') holding.add(d.attach.process);
    }
    peak = Math.max(peak, holding.size);
  }
  return peak;
}

/**
 * The lifecycle schedule: modelled time only; events in time order, within durationS; each
 * names a defined device with an SVA attach (unbind, bind) or a process (exit), and is valid
 * in the state the earlier events leave: unbind a bound device, bind an unbound one, nothing
 * for a process that has exited.
 */
function checkLifecycle(p: Parts, names: Names, add: Add): void {
  const events = p.lifecycle;
  if (!events || events.length === 0) return;
  if ((p.rawTiming ?? DEFAULT_TIMING) !== 'modelled') {
    add(['lifecycle'], 'needs timing: modelled (its events happen at virtual times); expected timing: modelled, or no lifecycle');
  }
  const devices = new Map<string, DeviceConfig>();
  for (const d of p.devices ?? []) if (d.value) devices.set(d.value.id, d.value);
  const bound = new Map<string, boolean>();
  for (const d of devices.values()) if (d.attach.type === 'sva') bound.set(d.id, d.attach.bound);
  const exited = new Set<string>();
  let lastS = 0;
  events.forEach(({ value: e }, i) => {
    if (!e) return;
    const at: Seg[] = ['lifecycle', i];
    if (e.atS < lastS) add([...at, 'atS'], `${e.atS} is before the previous event's ${lastS}; expected events in time order`);
    lastS = Math.max(lastS, e.atS);
    if (typeof p.durationS === 'number' && e.atS >= p.durationS) {
      add([...at, 'atS'], `${e.atS} is not before durationS (${p.durationS}); expected an event inside the run`);
    }
    if (e.kind === 'exit') {
      if (names.processNames && !names.processByName.has(e.process)) {
        add([...at, 'exit'], `"${e.process}" names no process; expected one of: ${names.processNames.join(', ') || '(none)'}`);
      } else if (exited.has(e.process)) {
        add([...at, 'exit'], `process "${e.process}" has already exited (an earlier event); expected a live process`);
      }
      exited.add(e.process);
      return;
    }
    const key = e.kind;
    if (!p.devices) return;
    const d = devices.get(e.device);
    if (!d) {
      if (!p.devices.some((x) => field(x.raw, 'id') === e.device)) {
        const ids = [...devices.keys()];
        add([...at, key], `"${e.device}" names no device; expected one of: ${ids.join(', ') || '(none)'}`);
      }
      return;
    }
    if (d.attach.type !== 'sva') {
      add([...at, key], `device ${d.id} is not attached {type: sva}; expected a device bound to a process through SVA`);
      return;
    }
    const proc = d.attach.process;
    if (exited.has(proc)) {
      add([...at, key], `device ${d.id}'s process "${proc}" has exited (an earlier event); a process that has exited cannot ${key}`);
      return;
    }
    const isBound = bound.get(d.id)!;
    if (key === 'unbind' && !isBound) add([...at, key], `device ${d.id} is not bound at ${e.atS} s; expected a bind before it (or attach.bound: true)`);
    if (key === 'bind' && isBound) add([...at, key], `device ${d.id} is already bound at ${e.atS} s; expected an unbind before it (or attach.bound: false)`);
    bound.set(d.id, key === 'bind');
  });
}

/**
 * Guests (design.md §8, kernel/vm.ts) and IOMMU groups:
 *   - VMs: unique names, modelled time, not with the `guest` platform preset (which stands for a
 *     whole system in a VM without nesting); guest processes' regions (and a page-table
 *     allowance each) fit their VM's RAM;
 *   - a guest process and a device assigned to a VM name a declared VM; a device of a VM is
 *     attached sva to a process of the same VM, or none, and has no kernel clients; a host
 *     device is not bound to a guest process; no lifecycle events on guests (not modelled);
 *   - `stealFrom`: on a guest process's region, naming another VM;
 *   - a stage-2 churn: on a guest process, with munmap and migrate only;
 *   - groups: members behind one IOMMU and in one VM (or all the host's); a multi-device group
 *     takes PASID attaches only (sva or none): Linux refuses `iommu_attach_device` of one device
 *     of a multi-device group (drivers/iommu/iommu.c, `list_count_nodes(&group->devices) != 1`);
 *     kernel clients and lifecycle events on its devices are not modelled.
 */
function checkGuests(p: Parts, add: Add): void {
  const vms = p.vms ?? [];
  const vmNames = uniqueNames(vms.map((v) => v.raw), ['vms'], 'name', 'VM name', add);
  const devices = p.devices ?? [];
  const processes = p.processes ?? [];
  const anyGuest = vms.length > 0 || processes.some((x) => x.value?.vm !== undefined) || devices.some((x) => x.value?.vm !== undefined);
  const known = (name: string): boolean => vmNames.includes(name);
  const expectedVm = vmNames.length > 0 ? `one of: ${vmNames.join(', ')}` : 'the name of a VM listed under vms (there are none)';
  if (anyGuest) {
    if ((p.rawTiming ?? DEFAULT_TIMING) !== 'modelled') add(['vms'], 'a guest needs timing: modelled (nested translation and its traps are modelled costs); expected timing: modelled');
    const preset = typeof p.rawPlatform === 'string' ? p.rawPlatform : field(p.rawPlatform, 'preset');
    if (preset === 'guest') {
      add(['platform'], 'preset guest stands for a whole system inside a VM without nesting; with vms, expected preset native (each VM says its own invalidation path)');
    }
  }
  const procVm = new Map<string, string | undefined>();
  processes.forEach(({ value: proc }, i) => {
    if (!proc) return;
    procVm.set(proc.name, proc.vm);
    if (proc.vm !== undefined && !known(proc.vm)) add(['processes', i, 'vm'], `"${proc.vm}" names no VM; expected ${expectedVm}`);
    proc.regions.forEach((r, j) => {
      if (r.stealFrom === undefined) return;
      const at: Seg[] = ['processes', i, 'regions', j, 'stealFrom'];
      if (proc.vm === undefined) add(at, `region "${r.name}" of host process "${proc.name}"; expected stealFrom only on a guest process's region (processes[${i}].vm)`);
      else if (!known(r.stealFrom)) add(at, `"${r.stealFrom}" names no VM; expected ${expectedVm}`);
      else if (r.stealFrom === proc.vm) add(at, `"${r.stealFrom}" is the process's own VM; expected another VM`);
    });
  });
  vms.forEach(({ value: v }, i) => {
    if (!v) return;
    const guests = processes.map((x) => x.value).filter((x): x is ProcessConfig => x?.vm === v.name);
    const need = guests.reduce((sum, proc) => sum + PAGE_TABLE_BYTES + proc.regions.reduce((s2, r) => s2 + (r.stealFrom ? 0 : r.sizeBytes), 0), 0);
    if (need > v.memoryBytes) {
      add(['vms', i, 'memoryBytes'], `${bytes(v.memoryBytes)} is too small for its processes: they need about ${bytes(need)} (regions + page tables ${formatBytes(PAGE_TABLE_BYTES)} per process); expected at least ${bytes(need)}`);
    }
  });
  devices.forEach(({ value: d }, i) => {
    if (!d) return;
    if (d.vm !== undefined && !known(d.vm)) add(['devices', i, 'vm'], `"${d.vm}" names no VM; expected ${expectedVm}`);
    const attachVm = d.attach.type === 'sva' ? procVm.get(d.attach.process) : undefined;
    // A process of an unknown VM is reported at the process (no cascade here).
    if (attachVm !== undefined && !known(attachVm)) return;
    if (d.vm !== undefined) {
      if (d.attach.type !== 'sva' && d.attach.type !== 'none') {
        add(['devices', i, 'attach', 'type'], `"${d.attach.type}" on device ${d.id}, assigned to vm ${d.vm}; expected sva (a process of ${d.vm}) or none — a guest's other attaches are not modelled`);
      } else if (d.attach.type === 'sva' && procVm.has(d.attach.process) && attachVm !== d.vm) {
        add(['devices', i, 'attach', 'process'], `process "${d.attach.process}" runs ${attachVm ? `in vm ${attachVm}` : 'on the host'}, device ${d.id} is assigned to vm ${d.vm}; expected a process of vm ${d.vm}`);
      }
      if (d.kernelClients.length > 0) add(['devices', i, 'kernelClients'], `device ${d.id} is assigned to vm ${d.vm}; expected no kernel clients (a guest's kernel clients are not modelled)`);
    } else if (attachVm !== undefined) {
      add(['devices', i, 'vm'], `missing; device ${d.id} is bound to process "${d.attach.type === 'sva' ? d.attach.process : ''}" of vm ${attachVm}; expected vm: ${attachVm} (a device reaches a guest's memory only when assigned to its VM)`);
    }
  });
  for (const [i, e] of (p.lifecycle ?? []).entries()) {
    if (!e.value) continue;
    const ev = e.value;
    const d = ev.kind === 'exit' ? undefined : devices.find((x) => x.value?.id === ev.device)?.value;
    const guest = ev.kind === 'exit' ? procVm.get(ev.process) !== undefined : d?.vm !== undefined;
    const grouped = d?.group !== undefined && devices.filter((x) => x.value?.group === d.group).length > 1;
    if (guest) add(['lifecycle', i], 'an event on a guest process or a device assigned to a VM; expected events on the host only (a guest\'s lifecycle is not modelled)');
    else if (grouped) add(['lifecycle', i], `an event on device ${d!.id} of multi-device group "${d!.group}"; expected events on devices alone in their group (not modelled)`);
  }
  const churn = p.churn;
  if (churn?.process.ok && churn.region.ok) {
    const processName = churn.process.value;
    const regionName = churn.region.value;
    const region = processes.find((x) => x.value?.name === processName)?.value?.regions.find((r) => r.name === regionName);
    if (region?.stealFrom !== undefined) add(['churn', 'region'], `"${regionName}" maps another VM's memory (stealFrom); expected a region of the process's own memory`);
  }
  if (churn?.stage.ok && churn.stage.value === 2) {
    const processName = churn.process.ok ? churn.process.value : undefined;
    const proc = processes.find((x) => processName !== undefined && x.value?.name === processName)?.value;
    if (proc && proc.vm === undefined) add(['churn', 'stage'], `2 on host process "${proc.name}"; expected stage 2 only on a guest process (its VM's memory is what the host changes)`);
    if (churn.ops.ok && (churn.ops.value['mprotect'] ?? 0) > 0) add(['churn', 'ops', 'mprotect'], 'a stage-2 churn makes munmap and migrate changes; expected mprotect: 0');
  }
  // Groups.
  const groups = new Map<string, { i: number; d: DeviceConfig }[]>();
  devices.forEach(({ value: d }, i) => {
    if (d?.group !== undefined) groups.set(d.group, [...(groups.get(d.group) ?? []), { i, d }]);
  });
  for (const [name, members] of groups) {
    if (members.length < 2) continue;
    const first = members[0]!.d;
    for (const { i, d } of members.slice(1)) {
      if (d.iommu !== first.iommu) add(['devices', i, 'group'], `"${name}" has device ${first.id} behind iommu ${first.iommu} and ${d.id} behind ${d.iommu}; expected one IOMMU per group`);
      if (d.vm !== first.vm) add(['devices', i, 'group'], `"${name}" has device ${first.id} ${first.vm ? `in vm ${first.vm}` : 'on the host'} and ${d.id} ${d.vm ? `in vm ${d.vm}` : 'on the host'}; expected one owner per group (a group is assigned whole)`);
    }
    for (const { i, d } of members) {
      if (d.attach.type !== 'sva' && d.attach.type !== 'none') {
        add(['devices', i, 'attach', 'type'], `"${d.attach.type}" on device ${d.id} of multi-device group "${name}"; Linux refuses to attach one device of a multi-device group (iommu_attach_device: -EINVAL); expected sva or none`);
      }
      if (d.kernelClients.length > 0) add(['devices', i, 'kernelClients'], `device ${d.id} is in multi-device group "${name}"; expected no kernel clients (not modelled in groups)`);
    }
  }
}

/**
 * Work queues and engines (device/engine.ts `stepQueued`): submitters only on a shared WQ, with
 * the attach's process as the first; each submitter a process with the region its workload
 * names, of the device's VM (or the host, as the device); several engines or a shared WQ in
 * modelled time, with closed-loop process submitters only — kernel clients, open loops and
 * lifecycle events on such a device are not modelled.
 */
function checkQueues(d: DeviceConfig, i: number, p: Parts, names: Names, add: Add): void {
  const at = (...rest: Seg[]): Seg[] => ['devices', i, ...rest];
  const queued = d.engines > 1 || d.wqMode === 'shared';
  if (d.submitters.length > 0) {
    if (d.wqMode !== 'shared') add(at('submitters'), `${d.submitters.length} submitter(s) on a dedicated WQ; expected wqMode: shared (a dedicated WQ has one submitter, with a fixed PASID)`);
    if (d.attach.type !== 'sva') add(at('submitters'), `with attach.type ${d.attach.type}; expected an sva attach (its process is the first submitter)`);
  }
  d.submitters.forEach((s, j) => {
    const proc = names.processByName.get(s.process);
    if (names.processNames && !proc) {
      add(at('submitters', j, 'process'), `"${s.process}" names no process; expected one of: ${names.processNames.join(', ') || '(none)'}`);
      return;
    }
    if (s.workload.region === undefined) {
      add(at('submitters', j, 'workload', 'region'), `missing; expected a region of process "${s.process}"`);
    } else if (proc) {
      const regions = rawNames(field(proc.raw, 'regions'));
      if (!regions.includes(s.workload.region)) add(at('submitters', j, 'workload', 'region'), `"${s.workload.region}" names no region of process "${s.process}"; expected one of: ${regions.join(', ')}`);
    }
    if (proc?.value && proc.value.vm !== d.vm) {
      add(at('submitters', j, 'process'), `process "${s.process}" runs ${proc.value.vm ? `in vm ${proc.value.vm}` : 'on the host'}, device ${d.id} ${d.vm ? `is assigned to vm ${d.vm}` : 'is the host\'s'}; expected a process where the device is`);
    }
    if (d.attach.type === 'sva' && s.process === d.attach.process) add(at('submitters', j, 'process'), `"${s.process}" is already the device's attach process; expected another process (one submitter per process)`);
    if (s.workload.rateOpsPerSec !== undefined) add(at('submitters', j, 'workload', 'rateOpsPerSec'), 'an open loop on a shared WQ; expected a closed loop (queueDepth), the one modelled with ENQCMD retries');
  });
  if (!queued) return;
  const what = d.engines > 1 ? `engines: ${d.engines}` : 'wqMode: shared';
  if ((p.rawTiming ?? DEFAULT_TIMING) !== 'modelled') add(at(d.engines > 1 ? 'engines' : 'wqMode'), `${what} needs timing: modelled (concurrent engines and ENQCMD retries are modelled in virtual time); expected timing: modelled`);
  // Kernel clients take turns with the attach's process on one engine (engine.ts stepShared), a
  // shared WQ admitting each descriptor; several engines or further submitters beside them are not modelled.
  if ((d.attach.type === 'kernel' || d.kernelClients.length > 0) && (d.engines > 1 || d.submitters.length > 0)) {
    add(at(d.attach.type === 'kernel' ? 'attach' : 'kernelClients'), `kernel clients on a device with ${d.engines > 1 ? `engines: ${d.engines}` : 'submitters'}; expected engines: 1 and no further submitters (kernel clients share a device on one engine)`);
  }
  if (d.workload.rateOpsPerSec !== undefined) add(at('workload', 'rateOpsPerSec'), `an open loop on a device with ${what}; expected a closed loop (queueDepth)`);
  (p.lifecycle ?? []).forEach(({ value: e }, k) => {
    const mine = e && (e.kind === 'exit' ? (d.attach.type === 'sva' && d.attach.process === e.process) || d.submitters.some((s) => s.process === e.process) : e.device === d.id);
    if (mine) add(['lifecycle', k], `an event on device ${d.id} (or a process submitting to it) with ${what}; expected events on devices with one engine and a dedicated WQ (not modelled)`);
  });
}

/**
 * Ops against the device type and the data (device/compound.ts, run/data.ts): a DSA runs the
 * DSA ops, an IAA the IAA ops; IAA transfers fit its buffers and are not completed partially;
 * a workload that decompresses reads the deflate streams its `data` puts in the source half,
 * and nothing else reads that half; `data` needs an sva attach whose region is fully present;
 * kernel clients run the plain DSA ops.
 */
function checkOps(d: DeviceConfig, i: number, names: Names, add: Add): void {
  const own = d.type === 'iaa' ? IAA_OPS : DSA_OPS;
  const other = d.type === 'iaa' ? DSA_OPS : IAA_OPS;
  const workloads: { at: Seg[]; w: DeviceConfig['workload']; process: string | undefined }[] = [
    { at: ['devices', i, 'workload'], w: d.workload, process: d.attach.type === 'sva' ? d.attach.process : undefined },
    ...d.submitters.map((s, j) => ({ at: ['devices', i, 'submitters', j, 'workload'] as Seg[], w: s.workload, process: s.process })),
  ];
  for (const { at, w, process } of workloads) {
    for (const op of other) {
      if (w.ops[op] > 0) add([...at, 'ops', op], `${w.ops[op]} on ${d.type === 'iaa' ? 'an IAA' : 'a DSA'} device; expected 0 (${op} is ${d.type === 'iaa' ? 'a DSA' : 'an IAA'} op: ${d.type === 'iaa' ? 'type: dsa' : 'type: iaa'} runs it)`);
    }
    const iaaOps = IAA_OPS.filter((op) => w.ops[op] > 0);
    if (d.type === 'iaa' && iaaOps.length > 0) {
      w.transferSizes.forEach((t, k) => {
        if (t.sizeBytes > IAA_MAX_TRANSFER_BYTES) {
          add([...at, 'transferSizeBytes', ...(w.transferSizes.length > 1 ? [k, 'sizeBytes'] : [])], `${bytes(t.sizeBytes)} for IAA ops; expected at most ${bytes(IAA_MAX_TRANSFER_BYTES)} (the engine's buffers)`);
        }
      });
      if (d.pri && !d.blockOnFault) add(['devices', i, 'blockOnFault'], 'false with IAA ops; expected blockOnFault: true or pri: false (a partially completed compress is not modelled: IAA restarts the job)');
    }
    if (w.ops.decompress > 0) {
      if (w.data === undefined) add([...at, 'data'], 'missing; a workload that decompresses needs data (zeros, random, text, corpus): the kernel puts deflate streams of it in the source half');
      const readers = (['compress', 'compressVerify', 'crc64'] as const).filter((op) => w.ops[op] > 0);
      if (readers.length > 0) add([...at, 'ops', 'decompress'], `with ${readers.join(', ')} in one workload; expected decompress alone (its source half holds deflate streams, not data)`);
      w.transferSizes.forEach((t, k) => {
        if (t.sizeBytes < 4096) add([...at, 'transferSizeBytes', ...(w.transferSizes.length > 1 ? [k, 'sizeBytes'] : [])], `${bytes(t.sizeBytes)} with decompress; expected at least 4 KiB (a stream per 4 KiB granule)`);
      });
    }
    if (w.data !== undefined && process !== undefined && w.region !== undefined) {
      const region = names.processByName.get(process)?.value?.regions.find((r) => r.name === w.region);
      if (region && region.populate < 1) add([...at, 'data'], `${w.data} on region "${w.region}" with populate ${region.populate}; expected populate: 1 (the kernel writes the data at boot)`);
    }
    if (w.data !== undefined && d.attach.type !== 'sva') add([...at, 'data'], `${w.data} with attach.type ${d.attach.type}; expected an sva attach (the data is written into the process's region)`);
  }
  [...(d.attach.type === 'kernel' ? [{ at: ['devices', i, 'workload'] as Seg[], w: d.workload }] : []), ...d.kernelClients.map((c, j) => ({ at: ['devices', i, 'kernelClients', j, 'workload'] as Seg[], w: c.workload }))].forEach(({ at, w }) => {
    for (const op of ['dualcast', ...IAA_OPS] as const) {
      if (w.ops[op] > 0) add([...at, 'ops', op], `${w.ops[op]} for a kernel client; expected 0 (kernel clients run memmove, fill, compare, comparePattern, crc32c)`);
    }
  });
}
