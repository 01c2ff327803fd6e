// Devices stop at the end of the run and every submitted descriptor completes with a status
// (none lost in the drain), even with more devices than cores. Host timing: the kernel raises
// the shared stop flag when the wall-clock duration is up, and devices stop promptly. Modelled
// time: no descriptor arrives at or after the virtual duration, and the run spans exactly it.
import { describe, expect, it } from 'vitest';
import { runProfile } from '../../src/run/run.js';
import { profileFrom, svaYaml } from '../helpers/machine.js';

const fourDevices = (durationS: number) =>
  profileFrom(svaYaml({ devices: 4, regionBytes: 8 * 1024 * 1024 }).replace('durationS: 1', `durationS: ${durationS}`).replaceAll('descriptors: 100, ', 'queueDepth: 32, '));

function everyDescriptorAccounted(result: Awaited<ReturnType<typeof runProfile>>['result']): void {
  for (const d of result.devices) {
    expect(d.ops).toBeGreaterThan(0);
    const completed = Object.values(d.statuses).reduce((s, n) => s + n, 0);
    expect(completed).toBe(d.submitted);
    expect(d.ops).toBe(d.submitted);
  }
}

describe('stop', () => {
  it('host timing: a 0.5 s run of 4 devices on 2 cores stops promptly on the stop flag and accounts for every descriptor', async () => {
    const t0 = Date.now();
    const { result } = await runProfile(fourDevices(0.5), { timing: 'host' });
    const wallMs = Date.now() - t0;
    expect(result.elapsedNs / 1e9).toBeGreaterThanOrEqual(0.5);
    expect(result.elapsedNs / 1e9).toBeLessThan(1.5);
    expect(wallMs).toBeLessThan(10_000);
    everyDescriptorAccounted(result);
  });

  it('modelled time: a 20 ms run of 4 devices spans exactly 20 ms and accounts for every descriptor', async () => {
    const { result } = await runProfile(fourDevices(0.02));
    expect(result.timing.mode).toBe('modelled');
    expect(result.elapsedNs).toBe(20e6);
    everyDescriptorAccounted(result);
    // The last descriptors, submitted before 20 ms, complete after it: a device's own span ends
    // at its last completion, within one latency of 20 ms.
    for (const d of result.devices) {
      expect(d.elapsedNs).toBeGreaterThanOrEqual(20e6);
      expect(d.elapsedNs).toBeLessThanOrEqual(20e6 + d.latencyNs.max * 1.001);
    }
  });
});
