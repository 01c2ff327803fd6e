// Open loop in modelled time, by the cost arithmetic. Translation costs are set to 0, so a
// descriptor costs submitNs 100 + descriptorNs 200 + bytes ÷ 30 GB/s + completionNs 100 (the
// native preset), and every latency is known in advance:
// - easy: 4 KiB memmove every 5 µs (uniform), service 536.53 ns: never queued, so every
//   latency — corrected and uncorrected — is the service time, and exactly 1000 descriptors
//   arrive in 5 ms.
// - overload: 64 KiB crc32c at 800k/s (every 1250 ns), a cycle of 100 + 2484.53 ns per
//   descriptor: backlogged from the start. Descriptor n is submitted when n−1 completes, at
//   n × 2584.53 ns, so n ≤ 1934 are submitted in 5 ms; its latency from the intended arrival
//   (n × 1250) is 2584.53 + n × 1334.53 ns — growing without bound (coordinated omission
//   corrected) — while from its submission it is 2584.53 ns, flat.
import { describe, expect, it } from 'vitest';
import { runProfile } from '../../src/run/run.js';
import { profileFrom } from '../helpers/machine.js';

const YAML = `
seed: 3
durationS: 0.005
platform: { preset: native, atsTranslationNs: 0, iotlbMissWalkNs: 0 }
system: { memoryBytes: 128MiB }
iommus: [{ id: m0 }, { id: m1 }]
processes: [{ name: a, regions: [{ name: buf, sizeBytes: 16MiB }] }, { name: b, regions: [{ name: buf, sizeBytes: 16MiB }] }]
devices:
  - { id: easy, iommu: m0, attach: { type: sva, process: a }, workload: { region: buf, transferSizeBytes: 4096, ops: { memmove: 1 }, rateOpsPerSec: 200000 } }
  - { id: overload, iommu: m1, attach: { type: sva, process: b }, workload: { region: buf, transferSizeBytes: 65536, ops: { crc32c: 1 }, rateOpsPerSec: 800000 } }
`;

/** HdrHistogram keeps 3 significant digits: a recorded value is within 0.1% of the true one. */
const close = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(expected * 0.001 + 1);

describe('open loop (modelled time)', () => {
  it('a sustainable rate is met with latency = service time; an overload grows corrected latency linearly, uncorrected flat', async () => {
    const { result } = await runProfile(profileFrom(YAML));
    const [easy, over] = result.devices;
    expect(easy!.loop).toBe('open');
    expect(easy!.targetOpsPerSec).toBe(200000);
    expect(easy!.arrival).toBe('uniform');
    const serviceEasyNs = 100 + 200 + 4096 / 30 + 100;
    expect(easy!.ops).toBe(1000);
    close(easy!.latencyNs.p50, serviceEasyNs);
    close(easy!.latencyNs.max, serviceEasyNs);
    close(easy!.latencyNsUncorrected!.max, serviceEasyNs);

    const cycleNs = 100 + 200 + 65536 / 30 + 100;
    const periodNs = 1e9 / 800000;
    const n = Math.ceil(5e6 / cycleNs); // submitted: n × cycle < 5 ms
    expect(over!.ops).toBe(n);
    expect(n).toBe(1935);
    const corrected = (i: number) => cycleNs + i * (cycleNs - periodNs);
    close(over!.latencyNs.max, corrected(n - 1));
    close(over!.latencyNs.p50, corrected(Math.ceil(0.5 * n) - 1));
    close(over!.latencyNs.p90, corrected(Math.ceil(0.9 * n) - 1));
    close(over!.latencyNs.mean, corrected((n - 1) / 2));
    close(over!.latencyNsUncorrected!.p50, cycleNs);
    close(over!.latencyNsUncorrected!.max, cycleNs);
    // Per interval (0.5 ms of virtual time each), the corrected p99 rises every interval; the
    // last descriptor, submitted before 5 ms and completed at 5.0011 ms, joins the 10th interval
    // (a tail that short is not an interval of its own: run/intervals.ts).
    const p99 = result.intervals.points.map((p) => p.devices[1]!.p99);
    expect(p99.length).toBe(10);
    expect(result.intervals.points.at(-1)!.tS).toBeGreaterThan(0.005);
    for (let i = 1; i < p99.length; i++) expect(p99[i]!).toBeGreaterThan(p99[i - 1]!);
    expect(result.histograms.uncorrected.overload).not.toBe('');
  });
});
