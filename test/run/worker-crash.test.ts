// A device worker that throws or dies ends the run promptly with an error naming the device.
import { describe, expect, it } from 'vitest';
import { RunFailedError } from '../../src/run/errors.js';
import { runProfile } from '../../src/run/run.js';
import { profileFrom, svaYaml } from '../helpers/machine.js';

const p = () => profileFrom(svaYaml({ devices: 2 }).replace('durationS: 1', 'durationS: 60').replaceAll('descriptors: 100, ', ''));

describe('worker crash', () => {
  for (const crashMode of ['throw', 'exit'] as const) {
    it(`a device that ${crashMode === 'throw' ? 'throws' : 'exits'} fails the run naming it, without waiting out the duration`, async () => {
      const t0 = Date.now();
      const run = runProfile(p(), { testHooks: { 1: { crashAfterDescriptors: 200, crashMode } } });
      await expect(run).rejects.toBeInstanceOf(RunFailedError);
      await expect(run).rejects.toThrow(/device dev1 crashed/);
      expect(Date.now() - t0).toBeLessThan(20_000);
    });
  }
});
