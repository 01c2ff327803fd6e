/** Test helpers: profiles from inline YAML, booted machines, in-thread device engines. */

import { expect } from 'vitest';
import { DEVICE_COST_NAMES, type DeviceCosts } from '../../src/layout/protocol.js';
import { descriptorOf } from '../../src/device/descriptor.js';
import { DeviceEngine, type LatencySink } from '../../src/device/engine.js';
import { parseProfile } from '../../src/profile/load.js';
import type { Profile } from '../../src/profile/types.js';
import { boot, type Booted } from '../../src/run/boot.js';

export function profileFrom(yaml: string): Profile {
  return parseProfile(yaml, 'inline-test.yaml');
}

export function bootYaml(yaml: string, seed = 1): Booted {
  const p = profileFrom(yaml);
  return boot(p, seed);
}

export const nullSink: LatencySink = { record: () => {} };

/** A device engine running on the calling thread (no worker), for deterministic tests. */
/** No injected hardware delay: in-thread engines test function, not timing. */
const NO_COSTS = Object.fromEntries(DEVICE_COST_NAMES.map((c) => [c, 0])) as unknown as DeviceCosts;

export function engineFor(b: Booted, index: number, sink: LatencySink = nullSink): DeviceEngine {
  return new DeviceEngine({ ...b.devices[index]!.spec, costs: NO_COSTS }, { machine: b.kernel.views, sink });
}

/** A descriptor built by hand (src/device/descriptor.ts). */
export const desc = descriptorOf;

/** One IOMMU, one process `app` with region `buf`, and `devices` SVA-bound DSA devices. */
export function svaYaml(opts: {
  devices?: number;
  regionBytes?: number;
  ats?: boolean;
  iotlbEntries?: number;
  devtlbEntries?: number;
  populate?: number;
  writable?: boolean;
  extra?: string;
} = {}): string {
  const n = opts.devices ?? 1;
  const devs = Array.from({ length: n }, (_, i) => `
  - id: dev${i}
    iommu: iommu0
    ats: ${opts.ats ?? true}
    devtlbEntries: ${opts.devtlbEntries ?? 16}
    attach: { type: sva, process: app }
    workload: { region: buf, descriptors: 100, transferSizeBytes: 4096, ops: { memmove: 1 } }`).join('');
  return `
durationS: 1
system: { memoryBytes: 64MiB, integritySampleEvery: 0 }
iommus:
  - { id: iommu0, iotlbEntries: ${opts.iotlbEntries ?? 64} }
processes:
  - name: app
    regions:
      - { name: buf, sizeBytes: ${opts.regionBytes ?? 1048576}, populate: ${opts.populate ?? 1}, writable: ${opts.writable ?? true} }
${opts.extra ?? ''}
devices:${devs}
`;
}

/**
 * Await a kernel operation that needs acknowledgements from an in-thread device: keep the
 * device polling its invalidation ring (as its worker loop would) until the operation settles.
 */
export async function pumping<T>(engines: readonly DeviceEngine[], op: Promise<T>): Promise<T> {
  let done = false;
  const settled = op.finally(() => {
    done = true;
  });
  while (!done) {
    for (const e of engines) e.pollInvalidations();
    await new Promise((r) => setTimeout(r, 1));
  }
  return settled;
}

/**
 * Wait until `condition()` holds (checked every few milliseconds on the event loop), or fail
 * naming `what` after `timeoutMs`. For tests that must let a running system reach a state —
 * never a fixed sleep.
 */
export async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * The CPU's view of process `name`'s memory in a booted machine: reads and writes through its
 * page table (each asserting every page is present), and its first region's start.
 */
export function processMemory(b: Booted, name = 'app') {
  const proc = b.processes.get(name)!;
  const mm = b.kernel.mmOf(proc);
  const read = (va: number, n: number): Uint8Array => {
    const out = new Uint8Array(n);
    expect(mm.readVirtual(proc.rootPfn, va, out)).toBe(true);
    return out;
  };
  const write = (va: number, data: Uint8Array): void => {
    expect(mm.writeVirtual(proc.rootPfn, va, data)).toBe(true);
  };
  return { proc, read, write, base: proc.vmas[0]!.start };
}
