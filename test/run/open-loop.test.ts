// Open loop: at a rate the device cannot sustain, latency measured from the intended start
// (coordinated-omission corrected) grows interval after interval, while latency measured from
// the actual submission (uncorrected) stays flat; at a sustainable rate the device keeps pace.
import { describe, expect, it } from 'vitest';
import { runProfile } from '../../src/run/run.js';
import { profileFrom } from '../helpers/machine.js';

const YAML = `
seed: 3
durationS: 3
platform: zero
system: { memoryBytes: 128MiB }
iommus: [{ id: m0 }, { id: m1 }]
processes: [{ name: a, regions: [{ name: buf, sizeBytes: 16MiB }] }, { name: b, regions: [{ name: buf, sizeBytes: 16MiB }] }]
devices:
  - { id: easy, iommu: m0, attach: { type: sva, process: a }, workload: { region: buf, transferSizeBytes: 4096, ops: { memmove: 1 }, rateOpsPerSec: 2000, arrival: poisson } }
  - { id: overload, iommu: m1, attach: { type: sva, process: b }, workload: { region: buf, transferSizeBytes: 65536, ops: { crc32c: 1 }, rateOpsPerSec: 50000 } }
`;

describe('open loop', () => {
  it('corrected latency grows under overload while uncorrected stays flat; a sustainable rate is met', async () => {
    const { result } = await runProfile(profileFrom(YAML));
    const [easy, over] = result.devices;
    expect(easy!.loop).toBe('open');
    expect(easy!.targetOpsPerSec).toBe(2000);
    expect(easy!.arrival).toBe('poisson');
    expect(easy!.opsPerSec).toBeGreaterThan(1700);
    expect(easy!.opsPerSec).toBeLessThan(2300);

    // Overloaded: it completes far fewer than asked for…
    expect(over!.opsPerSec).toBeLessThan(25000);
    // …its corrected latency is seconds (the backlog) and far above its service time…
    expect(over!.latencyNs.p50).toBeGreaterThan(100 * over!.latencyNsUncorrected!.p50);
    // …and grows from interval to interval, while the uncorrected service time does not.
    // (The final interval can be a short tail in which a busy machine completed nothing.)
    const p99 = result.intervals.points.filter((p) => p.devices[1]!.ops > 0).map((p) => p.devices[1]!.p99);
    expect(p99.length).toBeGreaterThanOrEqual(3);
    expect(p99[p99.length - 1]!).toBeGreaterThan(2 * p99[0]!);
    // Uncorrected latency stays at service-time scale (a busy 2-core machine can stretch its
    // tail to ~10 ms); corrected latency is at backlog scale, seconds.
    expect(over!.latencyNsUncorrected!.p99).toBeLessThan(over!.latencyNs.p50 / 10);
    // Histograms in the result are exact and complete.
    expect(result.histograms.uncorrected.overload).not.toBe('');
  });
});
