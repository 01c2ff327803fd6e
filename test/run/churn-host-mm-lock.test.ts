// Host time: a page request into an mm that a churn change holds locked waits until the change
// ends, as Linux's fault waits on mmap_lock and on a migration entry. Serviced in between, a
// fault populated a page that the migration then replaced with its copy: the fault's frame was
// leaked (owned by the process, mapped nowhere) — about 7 frames a second on the long-run bench.
import { describe, expect, it } from 'vitest';
import { runProfile } from '../../src/run/run.js';
import { profileFrom } from '../helpers/machine.js';

/** Host time, 3 s of churn on a demand-paged region, with `devices` working on it. */
const profile = (devices: string): string => `
seed: 7
durationS: 3
timing: host             # the race is between two host-time kernel tasks: the churn and the fault service
system: { memoryBytes: 64MiB }
iommus: [{ id: mmu, iotlbEntries: 64 }]
processes: [{ name: app, regions: [{ name: lazy, sizeBytes: 256KiB, populate: 0 }] }]
churn: { process: app, region: lazy, ops: { munmap: 1, migrate: 3 }, ratePerSec: 200, rangeBytes: 16KiB }
devices:
${devices}`;

const PRI = `
  - { id: pri0, iommu: mmu, pri: true, attach: { type: sva, process: app }, workload: { region: lazy, queueDepth: 4, pattern: uniform, ops: { crc32c: 1 } } }
  - { id: pri1, iommu: mmu, pri: true, attach: { type: sva, process: app }, workload: { region: lazy, queueDepth: 4, pattern: uniform, ops: { memmove: 1 } } }`;
// Partial completion: a fault completes the descriptor partially, its software touches the page
// (the CPU fault path, which waits for the mm lock too) while the device keeps acknowledging
// invalidations. Alone on the region, so every fault it takes is a touch (beside PRI devices
// that populate the same pages first, how many touches it gets depends on the host's scheduling).
const TOUCH = `
  - { id: touch0, iommu: mmu, pri: true, blockOnFault: false, attach: { type: sva, process: app }, workload: { region: lazy, queueDepth: 4, pattern: uniform, ops: { fill: 1 } } }`;

describe('host-time churn holds the mm lock against page requests', () => {
  it('no frame is leaked by a page request racing a migration, and every descriptor ends with a status', async () => {
    const { result } = await runProfile(profileFrom(profile(PRI)));
    expect(result.invalidation!.events).toBeGreaterThan(50);
    expect(result.faults.pagesPopulated).toBeGreaterThan(50);
    expect(result.memory.framesLeaked).toBe(0);
    expect(result.checker.violations).toBe(0);
    for (const d of result.devices) expect(Object.values(d.statuses).reduce((a, b) => a + b, 0)).toBe(d.submitted);
  }, 60_000);

  it('no frame is leaked by a software touch racing a migration, and the device keeps acknowledging while it waits', async () => {
    const { result } = await runProfile(profileFrom(profile(TOUCH)));
    expect(result.invalidation!.events).toBeGreaterThan(50);
    expect(result.devices[0]!.faults.touches.ok).toBeGreaterThan(50);
    expect(result.memory.framesLeaked).toBe(0);
    expect(result.checker.violations).toBe(0);
    for (const d of result.devices) expect(Object.values(d.statuses).reduce((a, b) => a + b, 0)).toBe(d.submitted);
  }, 60_000);
});
