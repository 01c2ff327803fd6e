// A device worker that throws or dies ends the run promptly with an error naming the device,
// in either timing — and the failure is data: the error carries the result of what was gathered,
// the crashed device's figures from its shared counters and its cause, the other device's whole.
import { describe, expect, it } from 'vitest';
import { RunFailedError } from '../../src/run/errors.js';
import { ACK_TIMEOUT_MS } from '../../src/kernel/qi.js';
import { DRAIN_GRACE_MS } from '../../src/run/pool.js';
import type { RunOutcome } from '../../src/run/result.js';
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
      const e = (await run.catch((x: unknown) => x)) as RunFailedError;
      const r = (e.outcome as RunOutcome).result;
      expect(r.failure).toMatch(/^device dev1 crashed: /);
      const [dev0, dev1] = r.devices;
      expect(dev0!.outcome).toEqual({ status: 'completed', cause: null });
      expect(dev0!.ops).toBeGreaterThan(0);
      expect(Object.values(dev0!.statuses).reduce((a, b) => a + b, 0)).toBe(dev0!.submitted);
      expect(dev1!.outcome!.status).toBe('crashed');
      expect(dev1!.outcome!.cause).toBe(e.message.replace(/^device dev1 crashed: /, ''));
      // Its counters survive its thread: it had completed the 200 descriptors before the crash.
      expect(dev1!.submitted).toBeGreaterThanOrEqual(200);
    });
  }

  it('host: a crash during churn ends the run promptly, keeping the churn figures', async () => {
    const churny = profileFrom(
      svaYaml({ devices: 2 })
        .replace('durationS: 1', 'durationS: 60')
        .replaceAll('descriptors: 100, ', '')
        .concat('churn: { process: app, region: buf, ratePerSec: 2000, rangeBytes: 8KiB }\n'),
    );
    const t0 = Date.now();
    const run = runProfile(churny, { timing: 'host', testHooks: { 1: { crashAfterDescriptors: 2000, crashMode: 'exit' } } });
    const e = (await run.catch((x: unknown) => x)) as RunFailedError;
    expect(e).toBeInstanceOf(RunFailedError);
    expect(e.message).toMatch(/^device dev1 crashed/);
    expect(Date.now() - t0).toBeLessThan(ACK_TIMEOUT_MS);
    expect((e.outcome as RunOutcome).result.invalidation!.changes).toBeGreaterThan(0);
  });

  it('host: a device that never stops is hard-killed after the grace and reported as did-not-stop, not as a crash', async () => {
    const run = runProfile(profileFrom(svaYaml({ devices: 2 }).replaceAll('descriptors: 100, ', '')), {
      timing: 'host',
      durationS: 0.3,
      testHooks: { 1: { wedgeAfterDescriptors: 50 } },
    });
    const e = (await run.catch((x: unknown) => x)) as RunFailedError;
    expect(e).toBeInstanceOf(RunFailedError);
    expect(e.message).toBe(`device(s) dev1 did not stop within ${DRAIN_GRACE_MS / 1000} s of the stop flag`);
    const r = (e.outcome as RunOutcome).result;
    expect(r.devices[0]!.outcome).toEqual({ status: 'completed', cause: null });
    expect(r.devices[1]!.outcome!.status).toBe('did-not-stop');
    expect(r.devices[1]!.submitted).toBeGreaterThanOrEqual(50);
  });
});
