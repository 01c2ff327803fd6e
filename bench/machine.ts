/**
 * Shared set-up for the benchmarks: a booted machine and an in-thread device engine, with the
 * platform cost model set to zero so only the program's own work is timed.
 */

import { C, DeviceEngine } from '../src/device/engine.js';
import { D, descriptorOf } from '../src/device/descriptor.js';
import { Op } from '../src/layout/ops.js';
import { parseProfile } from '../src/profile/load.js';
import { boot, type Booted } from '../src/run/boot.js';

export { C, D, Op };

export interface BenchMachine {
  readonly booted: Booted;
  readonly engine: DeviceEngine;
  /** First byte of the device's region (virtual). */
  readonly base: number;
  readonly rootPfn: number;
  readonly pasid: number;
}

export interface MachineOptions {
  readonly ats?: boolean;
  readonly devtlbEntries?: number;
  readonly iotlbEntries?: number;
  readonly regionBytes?: number;
  readonly checker?: boolean;
}

export function benchMachine(o: MachineOptions = {}): BenchMachine {
  const yaml = `
durationS: 1
timing: host
platform: zero
checker: ${o.checker ?? true}
system: { memoryBytes: 512MiB, integritySampleEvery: 0 }
iommus: [{ id: mmu, iotlbEntries: ${o.iotlbEntries ?? 64} }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: ${o.regionBytes ?? 64 * 1024 * 1024} }] }]
devices:
  - { id: d0, iommu: mmu, ats: ${o.ats ?? true}, devtlbEntries: ${o.devtlbEntries ?? 64}, attach: { type: sva, process: app }, workload: { region: buf, transferSizeBytes: 65536 } }
`;
  const booted = boot(parseProfile(yaml, 'bench.yaml'), 1);
  const spec = booted.devices[0]!.spec;
  const engine = new DeviceEngine(spec, { machine: booted.kernel.views, sink: { record: () => {} } });
  engine.begin();
  const proc = booted.processes.get('app')!;
  return { booted, engine, base: spec.region.start, rootPfn: proc.rootPfn, pasid: spec.pasid };
}

/** A descriptor built by hand (src/device/descriptor.ts). */
export const descriptor = descriptorOf;

/** Format ns per operation with a unit. */
export function ns(v: number): string {
  if (v < 1000) return `${v.toFixed(1)} ns`;
  if (v < 1e6) return `${(v / 1000).toFixed(2)} µs`;
  return `${(v / 1e6).toFixed(2)} ms`;
}

/** The hot-path machine's variants: its device plain, assigned to a VM, on four engines and a shared WQ, or an IAA. */
export type HotPathVariant = 'plain' | 'nested' | 'queued' | 'iaa';

/**
 * The hot-path allocation measurements' machine (test/device/hot-path-no-allocation.test.ts in host timing, bench/hot-path-alloc.ts in modelled time):
 * one device mixing every op and three sizes over a zipf-distributed 4 MiB region, so device-TLB
 * hits, IOTLB hits, walks and multi-page runs all occur. `head` gives the run's timing lines.
 * `nested`: the process in a VM, the device assigned to it; `queued`: four engines and a shared
 * WQ of 4 entries (ENQCMD retries); `iaa`: an IAA compressing (both modes' descriptors: compress,
 * compress-verify), decompressing and taking CRC64s of text-like data on two regions.
 */
export function hotPathYaml(head: string, variant: HotPathVariant = 'plain'): string {
  const nested = variant === 'nested';
  if (variant === 'iaa') {
    return `
${head}
system: { memoryBytes: 64MiB, integritySampleEvery: 0 }
iommus: [{ id: mmu, iotlbEntries: 64 }]
processes:
  - { name: app, regions: [{ name: buf, sizeBytes: 4MiB }] }
  - { name: z, regions: [{ name: buf, sizeBytes: 4MiB }] }
devices:
  - id: d0
    type: iaa
    iommu: mmu
    devtlbEntries: 32
    engines: 2
    wqMode: shared
    wqSize: 8
    attach: { type: sva, process: app }
    workload: { region: buf, queueDepth: 8, pattern: zipf, transferSizeBytes: [{ sizeBytes: 4096, weight: 3 }, { sizeBytes: 16KiB, weight: 1 }], data: text, ops: { compress: 2, compressVerify: 1, crc64: 1 } }
    submitters:
      - { process: z, workload: { region: buf, queueDepth: 8, transferSizeBytes: 4096, data: text, ops: { decompress: 1 } } }
`;
  }
  return `
${head}
system: { memoryBytes: 64MiB, integritySampleEvery: 0 }
iommus: [{ id: mmu, iotlbEntries: 64 }]
${nested ? 'vms: [{ name: vm0, memoryBytes: 16MiB }]' : ''}
processes:
  - { name: app, ${nested ? 'vm: vm0, ' : ''}regions: [{ name: buf, sizeBytes: 4MiB }] }
devices:
  - id: d0
    iommu: mmu${nested ? '\n    vm: vm0' : ''}${variant === 'queued' ? '\n    engines: 4\n    wqMode: shared\n    wqSize: 4' : ''}
    devtlbEntries: 32
    attach: { type: sva, process: app }
    workload:
      region: buf
      queueDepth: 8
      pattern: zipf
      transferSizeBytes: [{ sizeBytes: 64, weight: 4 }, { sizeBytes: 256, weight: 1 }, { sizeBytes: 5000, weight: 1 }]
      ops: { memmove: 2, fill: 1, compare: 1, comparePattern: 1, crc32c: 1, batch: 1, dualcast: 1 }
      batchSize: 4
`;
}
