// Devices stop promptly on the shared stop flag, and every submitted descriptor completes
// with a status (none lost in the drain), even with more devices than cores.
import { describe, expect, it } from 'vitest';
import { runProfile } from '../../src/run/run.js';
import { profileFrom, svaYaml } from '../helpers/machine.js';

describe('stop flag', () => {
  it('a 0.5 s run of 4 devices on 2 cores stops promptly and accounts for every descriptor', async () => {
    const p = profileFrom(svaYaml({ devices: 4, regionBytes: 8 * 1024 * 1024 }).replace('durationS: 1', 'durationS: 0.5').replaceAll('descriptors: 100, ', 'queueDepth: 32, '));
    const t0 = Date.now();
    const { result } = await runProfile(p);
    const wallMs = Date.now() - t0;
    expect(result.elapsedNs / 1e9).toBeGreaterThanOrEqual(0.5);
    expect(result.elapsedNs / 1e9).toBeLessThan(1.5);
    expect(wallMs).toBeLessThan(10_000);
    for (const d of result.devices) {
      expect(d.ops).toBeGreaterThan(0);
      const completed = Object.values(d.statuses).reduce((s, n) => s + n, 0);
      expect(completed).toBe(d.submitted);
      expect(d.ops).toBe(d.submitted);
    }
  });
});
