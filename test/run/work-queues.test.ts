// Work queues and engines (issue 15; device/engine.ts stepQueued, device/wq.ts):
//   - engines run descriptors concurrently: with a constant service time S, one engine completes
//     one descriptor per S and four engines (queue depth ≥ 4) four — the closed loop's throughput
//     is 4× within the model's arithmetic;
//   - a shared WQ of 8 entries with 4 submitters of queue depth 4 answers ENQCMD with retry
//     (submitRetries > 0), every descriptor of every submitter completes with a status, and each
//     submitter's descriptors carry its own PASID: each process's memory, and only it, is written.
import { describe, expect, it } from 'vitest';
import { FrameOwner } from '../../src/layout/physmem.js';
import { runProfile } from '../../src/run/run.js';
import { profileFrom } from '../helpers/machine.js';
import { watchWrites } from '../helpers/memory-diff.js';

// No translation cost: a descriptor's service is descriptorNs + 4096 B ÷ 30 GB/s + completionNs.
const SERVICE_NS = 200 + 4096 / 30 + 100;

const enginesYaml = (engines: number) => `
seed: 1
durationS: 0.002
system: { memoryBytes: 64MiB, integritySampleEvery: 0 }
iommus: [{ id: mmu }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 2MiB }] }]
platform: { preset: native, atsTranslationNs: 0, iotlbMissWalkNs: 0 }
devices:
  - { id: d0, iommu: mmu, engines: ${engines}, attach: { type: sva, process: app }, workload: { region: buf, queueDepth: 8, transferSizeBytes: 4096, ops: { memmove: 1 } } }
`;

describe('engines', () => {
  it('four engines move 4× the descriptors of one on 4 KiB memmove, each at the service time the costs say', async () => {
    const one = (await runProfile(profileFrom(enginesYaml(1)))).result.devices[0]!;
    const four = (await runProfile(profileFrom(enginesYaml(4)))).result.devices[0]!;
    // One engine: back to back, one descriptor per service time.
    expect(one.opsPerSec * (SERVICE_NS / 1e9)).toBeCloseTo(1, 2);
    expect(four.opsPerSec / one.opsPerSec).toBeGreaterThan(3.97);
    expect(four.opsPerSec / one.opsPerSec).toBeLessThan(4.03);
    // A descriptor still takes its service time: the latency does not shrink, the queue does.
    expect(four.latencyNs.p50).toBeGreaterThan(SERVICE_NS);
    for (const d of [one, four]) {
      expect(d.statuses['success']).toBe(d.submitted);
      expect(d.submitRetries).toBe(0);
    }
  });
});

const SHARED = `
seed: 2
system: { memoryBytes: 128MiB, integritySampleEvery: 4 }
iommus: [{ id: mmu }]
processes:
  - { name: p0, regions: [{ name: buf, sizeBytes: 1MiB }] }
  - { name: p1, regions: [{ name: buf, sizeBytes: 1MiB }] }
  - { name: p2, regions: [{ name: buf, sizeBytes: 1MiB }] }
  - { name: p3, regions: [{ name: buf, sizeBytes: 1MiB }] }
devices:
  - id: dsa0
    iommu: mmu
    wqMode: shared
    wqSize: 8
    attach: { type: sva, process: p0 }
    workload: { region: buf, queueDepth: 4, descriptors: 400, ops: { memmove: 1, fill: 1 } }
    submitters:
      - { process: p1, workload: { region: buf, queueDepth: 4, descriptors: 300, ops: { memmove: 1 } } }
      - { process: p2, workload: { region: buf, queueDepth: 4, descriptors: 200, ops: { fill: 1, crc32c: 1 } } }
      - { process: p3, workload: { region: buf, queueDepth: 4, descriptors: 100, ops: { memmove: 1, batch: 1 } } }
`;

describe('a shared work queue', () => {
  it('answers retry when its 8 entries are taken by 4 submitters of depth 4; every descriptor completes; each PASID reaches only its process', async () => {
    const changedBy = new Map<number, number>();
    let changedElsewhere = 0;
    const { result } = await runProfile(
      profileFrom(SHARED),
      watchWrites((owner) => {
        if (owner >>> 24 === FrameOwner.processData) changedBy.set(owner & 0xffffff, (changedBy.get(owner & 0xffffff) ?? 0) + 1);
        else changedElsewhere++;
      }),
    );
    const d = result.devices[0]!;
    expect(d.submitRetries).toBeGreaterThan(0);
    expect(d.submitters).toEqual([
      expect.objectContaining({ process: 'p0', pasid: 1, ops: 400, failed: 0 }),
      expect.objectContaining({ process: 'p1', pasid: 2, ops: 300, failed: 0 }),
      expect.objectContaining({ process: 'p2', pasid: 3, ops: 200, failed: 0 }),
      expect.objectContaining({ process: 'p3', pasid: 4, ops: 100, failed: 0 }),
    ]);
    expect(d.submitters!.reduce((n, s) => n + s.submitRetries, 0)).toBe(d.submitRetries);
    expect(d.submitters!.every((s) => s.submitRetries > 0)).toBe(true);
    expect(d.ops).toBe(1000);
    expect(d.statuses['success']).toBe(d.submitted);
    // Every process's memory was written (by its own submitter: the regions share one virtual
    // address, so a wrong PASID would write another process's frames), and nothing else.
    expect([...changedBy.keys()].sort()).toEqual([0, 1, 2, 3]);
    expect(changedElsewhere).toBe(0);
    expect(result.integrity.failed).toBe(0);
    expect(result.integrity.checked).toBeGreaterThan(0);
    expect(result.checker.violations).toBe(0);
  });

  it('one submitter deeper than a shared queue retries too; a dedicated queue never does', async () => {
    const one = (depth: number, mode: string) => `
seed: 3
system: { memoryBytes: 64MiB, integritySampleEvery: 0 }
iommus: [{ id: mmu }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 1MiB }] }]
devices:
  - { id: d0, iommu: mmu, wqMode: ${mode}, wqSize: 8, attach: { type: sva, process: app }, workload: { region: buf, queueDepth: ${depth}, descriptors: 200 } }
`;
    const deep = (await runProfile(profileFrom(one(16, 'shared')))).result.devices[0]!;
    expect(deep.submitRetries).toBeGreaterThan(0);
    expect(deep.ops).toBe(200);
    const dedicated = (await runProfile(profileFrom(one(8, 'dedicated')))).result.devices[0]!;
    expect(dedicated.submitRetries).toBe(0);
    expect(dedicated.submitters).toEqual([]);
  });
});

// A process and kernel clients on one shared WQ (deliverable 3: processes bound through SVA and
// kernel clients share a device, each with its own PASID): they take turns on the engine in
// order of arrival, each descriptor admitted by the queue; every buffer and descriptor ends with
// a status, and each submitter reaches only its own memory.
const WITH_CLIENTS = `
seed: 4
durationS: 0.004
system: { memoryBytes: 128MiB, integritySampleEvery: 8 }
iommus: [{ id: mmu }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 2MiB }] }]
devices:
  - id: dsa0
    iommu: mmu
    wqMode: shared
    wqSize: 4
    attach: { type: sva, process: app }
    workload: { region: buf, queueDepth: 4, ops: { memmove: 1, fill: 1 } }
    kernelClients:
      - { id: clear, mode: dma-strict, workload: { queueDepth: 4, ops: { fill: 1 } } }
      - { id: copy, mode: dma-lazy, workload: { queueDepth: 4, ops: { memmove: 1 } } }
`;

describe('a shared work queue with kernel clients', () => {
  it('admits the process and two kernel clients through one queue: retries, every buffer completed, each reaches its own memory', async () => {
    let foreign = 0;
    const { result } = await runProfile(
      profileFrom(WITH_CLIENTS),
      watchWrites((owner) => {
        const kind = owner >>> 24;
        // The process's pages, the clients' buffers (domain data), frames freed since, and the
        // page tables the kernel itself writes as clients map and unmap their buffers.
        if (kind !== FrameOwner.processData && kind !== FrameOwner.domainData && kind !== FrameOwner.free && kind !== FrameOwner.pageTable) foreign++;
      }),
    );
    const d = result.devices[0]!;
    expect(d.submitRetries).toBeGreaterThan(0);
    expect(d.submitters![0]).toMatchObject({ process: 'app', failed: 0 });
    expect(d.submitters![0]!.ops).toBeGreaterThan(0);
    expect(d.submitters![0]!.submitRetries).toBeGreaterThan(0);
    expect(d.submitters![0]!.submitRetries).toBeLessThan(d.submitRetries);
    for (const k of result.kernelClients) {
      expect(k.completed).toBe(k.buffers);
      expect(k.failed).toBe(0);
    }
    expect(d.statuses['success']).toBe(d.submitted);
    expect(foreign).toBe(0);
    expect(result.checker.violations).toBe(0);
    expect(result.integrity.failed).toBe(0);
  });
});
