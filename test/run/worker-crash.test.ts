// A device worker that throws or dies ends the run promptly with an error naming the device,
// in either timing.
import { describe, expect, it } from 'vitest';
import { RunFailedError } from '../../src/run/errors.js';
import { DRAIN_GRACE_MS } from '../../src/run/pool.js';
import { runProfile } from '../../src/run/run.js';
import { profileFrom, svaYaml } from '../helpers/machine.js';

const p = () => profileFrom(svaYaml({ devices: 2 }).replace('durationS: 1', 'durationS: 60').replaceAll('descriptors: 100, ', ''));

describe('worker crash', () => {
  const cases = (['modelled', 'host'] as const).flatMap((timing) => (['throw', 'exit'] as const).map((crashMode) => ({ timing, crashMode })));
  for (const { timing, crashMode } of cases) {
    it(`${timing}: a device that ${crashMode === 'throw' ? 'throws' : 'exits'} fails the run naming it, without waiting out the duration`, async () => {
      const t0 = Date.now();
      const run = runProfile(p(), { timing, testHooks: { 1: { crashAfterDescriptors: 200, crashMode } } });
      await expect(run).rejects.toBeInstanceOf(RunFailedError);
      await expect(run).rejects.toThrow(/device dev1 crashed/);
      // Modelled: the surviving device was mid-descriptor at its barrier; it must finish that
      // descriptor and leave at the stop flag, not wait out the drain grace (it once did).
      expect(Date.now() - t0).toBeLessThan(timing === 'modelled' ? DRAIN_GRACE_MS : 20_000);
    });
  }
});
