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
 *   - guests, groups, work queues and ops (device-checks.ts).
 * Each problem carries its path and a complete message; problems.ts orders and formats them.
 * Leaves out: checks of one value on its own (schema.ts).
 */

import type { z } from 'zod';

import { formatBytes } from '../common/units.js';
import { type Add, bytes, type ChurnPart, defaultNote, field, type FieldOf, type Names, PAGE_TABLE_BYTES, type Part, type Parts, plural, rawNames, uniqueNames } from './check-parts.js';
import { checkGuests, checkOps, checkQueues } from './device-checks.js';
import { type Found, formatPath, isRecord, type Seg } from './problems.js';
import { churnFields, deviceSchema, PAGE_BYTES, iommuSchema, lifecycleEventSchema, platformSchema, processSchema, profileSchema, vmSchema } from './schema.js';
import { DEFAULT_TIMING, type DeviceConfig, type KernelDmaMode, type LifecycleEvent, type PlatformConfig, type ProcessConfig, type RegionConfig, type VmConfig } from './types.js';

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
