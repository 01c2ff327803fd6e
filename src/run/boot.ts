/**
 * Boot: turn a validated profile into a running machine — the kernel with its processes,
 * regions, domains and attachments — and one DeviceTask per device. Runs on the main thread.
 * A device whose region cannot hold its largest transfer (layout/region-plan.ts) is bad input
 * (BadInputError), found here before any thread starts.
 */

import { PAGE_SIZE } from '../layout/constants.js';
import { DomainType } from '../layout/domains.js';
import type { MachineShape } from '../layout/machine.js';
import { DEVICE_COST_NAMES, type DeviceCosts, type DeviceSpec } from '../layout/protocol.js';
import { planRegion } from '../layout/region-plan.js';
import { Kernel } from '../kernel/kernel.js';
import type { Domain, Process } from '../kernel/objects.js';
import type { DeviceConfig, KernelClientConfig, KernelDmaMode, Profile } from '../profile/types.js';
import { sourceContents } from './data.js';
import { BadInputError } from './errors.js';

/** IOVA at which a dma domain's buffer is mapped (and a blocked device's addresses start). */
export const IOVA_BASE = 0x10_0000;
const INV_RING_CAPACITY = 64;
/** Per-device page-request and response rings (a device has at most one group in flight). */
const PRQ_RING_CAPACITY = 64;

export interface BootedDevice {
  readonly id: string;
  readonly iommu: number;
  readonly pasid: number;
  readonly attach: string;
  /** What the device's engine is told (the worker's task is this plus the machine's buffers). */
  readonly spec: DeviceSpec;
}

/**
 * A kernel client of a device — its attach (type kernel), or one of its `kernelClients` — with
 * its PASID, domain and ring on the device (layout/device.ts kbufRings).
 */
export interface BootedKernelClient {
  readonly id: string;
  readonly device: number;
  readonly ring: number;
  readonly pasid: number;
  readonly domain: Domain;
  readonly mode: KernelDmaMode;
  readonly singleQueue: boolean;
  readonly workload: DeviceConfig['workload'];
}

/** A device's kernel clients in ring order: its attach's (type kernel) first, then its `kernelClients`. */
export function kernelClientsOf(d: DeviceConfig): KernelClientConfig[] {
  const own: KernelClientConfig[] = d.attach.type === 'kernel' ? [{ id: d.id, mode: d.attach.mode, singleQueue: d.attach.singleQueue, workload: d.workload }] : [];
  return [...own, ...d.kernelClients];
}

export interface Booted {
  readonly kernel: Kernel;
  readonly devices: readonly BootedDevice[];
  readonly processes: ReadonlyMap<string, Process>;
  readonly kernelClients: readonly BootedKernelClient[];
}

export function machineShape(profile: Profile): MachineShape {
  return {
    memoryBytes: profile.system.memoryBytes,
    maxPasids: profile.system.maxPasids,
    maxDomains: profile.devices.length * 2 + profile.processes.length * 2 + 8,
    iommus: profile.iommus.map((m) => ({ iotlbEntries: m.iotlbEntries, iotlbWays: m.iotlbWays })),
    devices: profile.devices.map((d) => ({
      iommu: profile.iommus.findIndex((m) => m.id === d.iommu),
      maxPasids: profile.system.maxPasids,
      ats: d.ats,
      devtlbEntries: d.devtlbEntries,
      devtlbWays: d.devtlbWays,
      invRingCapacity: INV_RING_CAPACITY,
      prqRingCapacity: PRQ_RING_CAPACITY,
      iotlbEntries: profile.iommus.find((m) => m.id === d.iommu)!.iotlbEntries,
      kbufRingCapacities: kernelClientsOf(d).map((c) => c.workload.queueDepth + 1),
      submitters: 1 + d.submitters.length,
    })),
  };
}

/** How the run keeps time (run.ts decides; the devices are told). */
export interface BootTiming {
  readonly modelled: boolean;
  readonly durationNs: number | undefined;
  readonly intervalNs: number;
  /** Loads before a parked device sleeps (kernel/sequencer.ts spinLooksFor). */
  readonly spinLooks: number;
  /** The largest horizon step (kernel/sequencer.ts quantumFor). */
  readonly quantumNs: number;
}

export function boot(profile: Profile, seed: number, timing: BootTiming = { modelled: false, durationNs: undefined, intervalNs: 1e9, spinLooks: 0, quantumNs: 0 }): Booted {
  const shape = machineShape(profile);
  const kernel = new Kernel({
    shape,
    iommuTypes: profile.iommus.map((m) => m.type),
    devices: profile.devices.map((d, i) => ({ id: d.id, iommu: shape.devices[i]!.iommu, ats: d.ats })),
    seed,
    vms: profile.vms,
    groups: groupsOf(profile),
  });

  const processes = new Map<string, Process>();
  const regions = new Map<string, { start: number; sizeBytes: number }>();
  const { domains } = kernel;
  const vmIndex = (name: string): number => profile.vms.findIndex((v) => v.name === name);
  for (const p of profile.processes) {
    // A guest process is created by its VM's guest kernel, in guest memory.
    const vm = p.vm === undefined ? undefined : kernel.vms[vmIndex(p.vm)]!;
    const mm = vm ? vm.mm : kernel.mm;
    const proc = mm.createProcess(p.name);
    processes.set(p.name, proc);
    for (const r of p.regions) {
      const vma = mm.mmap(proc, r.name, r.sizeBytes, r.writable, r.stealFrom === undefined ? r.populate : 0);
      regions.set(`${p.name}/${r.name}`, { start: vma.start, sizeBytes: vma.sizeBytes });
      if (r.stealFrom !== undefined) {
        // The guest kernel maps the region onto the host frame numbers behind the other VM's RAM.
        const target = kernel.vms[vmIndex(r.stealFrom)]!;
        const first = vma.start / PAGE_SIZE;
        for (let i = 0; i < r.sizeBytes / PAGE_SIZE; i++) {
          const victim = target.backing[1 + (i % (target.guestFrames - 1))]!;
          if (victim !== 0) mm.mapFrame(proc, first + i, victim);
        }
      }
    }
  }

  let blocked: Domain | undefined;
  const kernelClients: BootedKernelClient[] = [];
  const placed = profile.devices.map((d, i) => {
    const maxTransfer = Math.max(...d.workload.transferSizes.map((t) => t.sizeBytes));
    const fallbackBytes = Math.max(2 * 1024 * 1024, roundUpPage(4 * maxTransfer));
    switch (d.attach.type) {
      case 'sva': {
        const proc = processes.get(d.attach.process)!;
        // Not bound at the start: the device has no submitter until a lifecycle bind.
        if (d.attach.bound) domains.bindSva(i, proc);
        const key = `${d.attach.process}/${d.workload.region}`;
        return { pasid: proc.pasid, key, region: regions.get(key)!, submitting: d.attach.bound };
      }
      case 'dma': {
        const domain = domains.allocDomain(DomainType.dma);
        domains.mapBuffer(domain, IOVA_BASE, d.attach.sizeBytes, true);
        domains.attach(i, 0, domain);
        return { pasid: 0, key: `dev:${d.id}`, region: { start: IOVA_BASE, sizeBytes: d.attach.sizeBytes } };
      }
      case 'identity': {
        const domain = domains.allocDomain(DomainType.identity);
        const pa = domains.allocPhysBuffer(domain, d.attach.sizeBytes);
        domains.attach(i, 0, domain);
        return { pasid: 0, key: `dev:${d.id}`, region: { start: pa, sizeBytes: d.attach.sizeBytes } };
      }
      case 'blocked': {
        blocked ??= domains.allocDomain(DomainType.blocked);
        domains.attach(i, 0, blocked);
        return { pasid: 0, key: `dev:${d.id}`, region: { start: IOVA_BASE, sizeBytes: fallbackBytes } };
      }
      case 'none':
        return { pasid: 0, key: `dev:${d.id}`, region: { start: IOVA_BASE, sizeBytes: fallbackBytes } };
      case 'kernel': {
        // The buffers come from the client (below); the region only keeps the engine's address plan whole.
        return { pasid: 0, key: `dev:${d.id}`, region: { start: IOVA_BASE, sizeBytes: fallbackBytes } };
      }
    }
  });

  // Kernel clients: each a PASID (idxd v6.6+: iommu_alloc_global_pasid, then
  // iommu_attach_device_pasid of the device's own DMA domain, which its RID also uses — the RID
  // takes the first client's domain; several clients each get a domain of their own).
  profile.devices.forEach((d, i) => {
    kernelClientsOf(d).forEach((c, ring) => {
      const pasid = kernel.pasids.alloc();
      const type = c.mode === 'identity' ? DomainType.identity : c.mode === 'kva' ? DomainType.kva : DomainType.dma;
      const domain = domains.allocDomain(type);
      if (c.mode !== 'kva' && !domains.domainOf(i, 0)) domains.attach(i, 0, domain);
      domains.attach(i, pasid, domain);
      kernelClients.push({ id: c.id, device: i, ring, pasid, domain, mode: c.mode, singleQueue: c.singleQueue, workload: c.workload });
    });
  });

  // Each device's submitter: the PASID its descriptors carry, + 1; 0 while none (layout/device.ts).
  // A device of one kernel client (attach type kernel) carries that client's.
  const dedicatedPasid = (i: number): number | undefined =>
    profile.devices[i]!.attach.type === 'kernel' ? kernelClients.find((k) => k.device === i && k.ring === 0)!.pasid : undefined;
  placed.forEach((p, i) => Atomics.store(kernel.views.devices[i]!.submitter, 0, 'submitting' in p && !p.submitting ? 0 : (dedicatedPasid(i) ?? p.pasid) + 1));

  // A shared WQ's further submitters: each process bound to the device (its PASID), on its region.
  const submitters = profile.devices.map((d, i) =>
    d.submitters.map((s) => {
      const proc = processes.get(s.process)!;
      domains.bindSva(i, proc);
      const key = `${s.process}/${s.workload.region}`;
      return { process: s.process, pasid: proc.pasid, key, region: regions.get(key)!, workload: s.workload };
    }),
  );

  // Devices (and shared-WQ submitters) sharing a region split its destination half into stripes.
  const sharers = new Map<string, string[]>();
  const share = (key: string, who: string): void => {
    sharers.set(key, [...(sharers.get(key) ?? []), who]);
  };
  placed.forEach((p, i) => share(p.key, `${i}`));
  submitters.forEach((list, i) => list.forEach((s, j) => share(s.key, `${i}/${j}`)));
  // The stripe of `who` in `region` (shared under `key`); its address plan must hold the largest
  // transfer: bad input (named by `at`), not a crash.
  const stripeOf = (region: { start: number; sizeBytes: number }, key: string, who: string, sizes: readonly number[], at: string) => {
    const group = sharers.get(key)!;
    const spec = { start: region.start, sizeBytes: region.sizeBytes, stripeIndex: group.indexOf(who), stripeCount: group.length };
    const plan = planRegion(spec, sizes);
    if (!plan.ok) throw new BadInputError(`${at}: ${plan.problem}`);
    return spec;
  };

  const devices = profile.devices.map((d, i): BootedDevice => {
    const p = placed[i]!;
    const region = stripeOf(p.region, p.key, `${i}`, d.workload.transferSizes.map((t) => t.sizeBytes), `devices[${i}].workload`);
    return {
      id: d.id,
      iommu: shape.devices[i]!.iommu,
      pasid: dedicatedPasid(i) ?? p.pasid,
      attach: d.attach.type,
      spec: {
        index: i,
        id: d.id,
        iommu: shape.devices[i]!.iommu,
        pasid: dedicatedPasid(i) ?? p.pasid,
        region,
        workload: d.workload,
        seed,
        integritySampleEvery: profile.system.integritySampleEvery,
        checker: profile.checker,
        costs: Object.fromEntries(DEVICE_COST_NAMES.map((c) => [c, profile.platform.costs[c]])) as unknown as DeviceCosts,
        pri: d.pri,
        blockOnFault: d.blockOnFault,
        kernelClient: d.attach.type === 'kernel' && d.kernelClients.length === 0,
        kernelClientPasids: kernelClients.filter((k) => k.device === i).map((k) => k.pasid),
        sharedWithOwnWorkload: d.kernelClients.length > 0 && d.attach.type === 'sva',
        prqEntries: profile.iommus[shape.devices[i]!.iommu]!.prqEntries,
        iaa: d.type === 'iaa',
        engines: d.engines,
        wq: { shared: d.wqMode === 'shared', entries: d.wqSize },
        submitters: submitters[i]!.map((s, j) => ({
          process: s.process,
          pasid: s.pasid,
          region: stripeOf(s.region, s.key, `${i}/${j}`, s.workload.transferSizes.map((t) => t.sizeBytes), `devices[${i}].submitters[${j}].workload`),
          workload: s.workload,
        })),
        modelled: timing.modelled,
        durationNs: timing.durationNs,
        intervalNs: timing.intervalNs,
        spinLooks: timing.spinLooks,
        quantumNs: timing.quantumNs,
      },
    };
  });
  writeWorkloadData(profile, seed, kernel, processes, regions);
  return { kernel, devices, processes, kernelClients };
}

/**
 * Fill the source half of every region a workload asks `data` of (run/data.ts), once per
 * region: raw data, or deflate streams for a workload that decompresses. Two workloads asking
 * one region for different contents are bad input.
 */
function writeWorkloadData(profile: Profile, seed: number, kernel: Kernel, processes: ReadonlyMap<string, Process>, regions: ReadonlyMap<string, { start: number; sizeBytes: number }>): void {
  const written = new Map<string, { what: string; by: string }>();
  profile.devices.forEach((d, i) => {
    const users = [
      ...(d.attach.type === 'sva' ? [{ process: d.attach.process, w: d.workload, at: `devices[${i}].workload` }] : []),
      ...d.submitters.map((s, j) => ({ process: s.process, w: s.workload, at: `devices[${i}].submitters[${j}].workload` })),
    ];
    for (const { process, w, at } of users) {
      if (w.data === undefined || w.region === undefined) continue;
      const key = `${process}/${w.region}`;
      const streams = w.ops.decompress > 0;
      const what = `${w.data}${streams ? ' as deflate streams' : ''}`;
      const before = written.get(key);
      if (before) {
        if (before.what !== what) throw new BadInputError(`${at}.data: ${what} on region "${w.region}" of process "${process}", which ${before.by} fills with ${before.what}; expected one content per region`);
        continue;
      }
      written.set(key, { what, by: at });
      const proc = processes.get(process)!;
      const region = regions.get(key)!;
      const half = Math.floor(region.sizeBytes / 2 / PAGE_SIZE) * PAGE_SIZE;
      const bytes = sourceContents(w.data, half, seed, proc.id * 4099 + [...key].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) | 0, 7), streams);
      if (!kernel.mmOf(proc).writeVirtual(proc.rootPfn, region.start, bytes)) {
        throw new Error(`bug: the source half of ${key} is not fully present`);
      }
    }
  });
}

/** Per device: the devices of its IOMMU group (`devices[].group`), itself included, in profile order. */
export function groupsOf(profile: Profile): number[][] {
  return profile.devices.map((d, i) =>
    d.group === undefined ? [i] : profile.devices.flatMap((o, j) => (o.group === d.group ? [j] : [])),
  );
}

function roundUpPage(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}
