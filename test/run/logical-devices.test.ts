// Logical devices (issue 16): in modelled time a worker thread runs several devices in
// virtual-time order, their parks cooperative (device/vtime.ts, workers/device.ts). Every kind
// of device — plain, churned with device-TLB flushes, PRI faults, partial completions and
// touches, kernel clients (a device of its own, and sharing one with a process), shared work
// queues with engines, IAA ops, lifecycle binds, guests — gives exactly the same figures on one
// thread as on a thread per device. A
// device that crashes in a group is blamed by name, its group-mates are reported with it, and the
// other threads' devices complete.
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../src/profile/load.js';
import { parseOverride } from '../../src/profile/overrides.js';
import { RunFailedError } from '../../src/run/errors.js';
import type { RunOutcome } from '../../src/run/result.js';
import { runProfile } from '../../src/run/run.js';
import { profileFrom, svaYaml } from '../helpers/machine.js';

/** What a run's figures are: counts, statuses, latencies and histograms of every device, invalidation, checker, guests, clients. */
function figures(o: RunOutcome): unknown {
  const r = o.result;
  return {
    totals: { ops: r.totals.ops, bytes: r.totals.bytes },
    devices: r.devices.map((d) => ({ id: d.id, ops: d.ops, submitted: d.submitted, statuses: d.statuses, latencyNs: d.latencyNs })),
    invalidation: r.invalidation,
    checker: r.checker,
    histograms: r.histograms,
    guests: r.guests,
    kernelClients: r.kernelClients,
  };
}

/**
 * Profiles of every kind of device, each with two devices or more (a profile of one device runs
 * on one thread either way: it is given a copy of its device, `devices.count=2`).
 */
const CASES: readonly { readonly file: string; readonly sets?: readonly string[]; readonly durationS?: number }[] = [
  { file: 'profiles/quickstart.yaml' },
  { file: 'profiles/inval-4dev-1iommu.yaml' },
  { file: 'profiles/faults-demand.yaml', sets: ['devices.count=2'] },
  { file: 'profiles/faults-partial.yaml', sets: ['devices.count=2'] },
  { file: 'profiles/kernel-page-clearing.yaml', sets: ['devices.count=2'] },
  { file: 'test/fixtures/modelled/kernel-clients.yaml' },
  { file: 'profiles/dsa-shared-wq.yaml', sets: ['devices.count=2'] },
  { file: 'profiles/iaa-swap.yaml', sets: ['devices.count=2'] },
  // Long enough for lifecycle.yaml's events (its last at 8 ms).
  { file: 'profiles/lifecycle.yaml', durationS: 0.01 },
  { file: 'profiles/guest-sva-4dsa.yaml' },
];

describe('logical devices', () => {
  for (const c of CASES) {
    it(`${c.file}${c.sets ? ` ${c.sets.join(' ')}` : ''}: one thread running every device gives the figures of a thread per device`, async () => {
      const profile = loadProfile(c.file, [...(c.sets ?? []), `durationS=${c.durationS ?? 0.004}`].map((t) => parseOverride(t)));
      const n = profile.devices.length;
      expect(n).toBeGreaterThanOrEqual(2);
      const apart = await runProfile(profile, { workers: n });
      const together = await runProfile(profile, { workers: 1 });
      for (const d of apart.result.devices) expect(d.ops).toBeGreaterThan(0);
      expect(figures(together)).toEqual(figures(apart));
    }, 60_000);
  }

  it('accounts for every descriptor of 64 devices on 2 threads', async () => {
    const profile = loadProfile('profiles/quickstart.yaml', [
      parseOverride('devices.count=64'),
      parseOverride('devices[0].workload.transferSizeBytes=4096'),
      parseOverride('durationS=0.001'),
    ]);
    const o = await runProfile(profile, { workers: 2 });
    const r = o.result;
    expect(r.devices).toHaveLength(64);
    for (const d of r.devices) {
      expect(d.ops).toBeGreaterThan(0);
      expect(Object.values(d.statuses).reduce((a, b) => a + b, 0)).toBe(d.submitted);
      expect(d.outcome).toEqual({ status: 'completed', cause: null });
    }
    expect(r.totals.ops).toBe(r.devices.reduce((a, d) => a + d.ops, 0));
    expect(r.checker.violations).toBe(0);
  }, 60_000);

  for (const engines of [1, 2]) {
    // Two engines take the queued step (engine.ts stepQueued): a stop must not abandon its descriptor in flight either.
    it(`${engines} engine(s): blames the device that crashed in a group, reports its group-mate with it, and the other thread completes`, async () => {
      const yaml = svaYaml({ devices: 4 }).replace('durationS: 1', 'durationS: 60').replaceAll('descriptors: 100, ', '');
      const p = profileFrom(engines === 1 ? yaml : yaml.replaceAll('    ats: true\n', `    ats: true\n    engines: ${engines}\n`));
      const run = runProfile(p, { workers: 2, testHooks: { 1: { crashAfterDescriptors: 200, crashMode: 'throw' } } });
      const e = (await run.catch((x: unknown) => x)) as RunFailedError;
      expect(e).toBeInstanceOf(RunFailedError);
      expect(e.message).toMatch(/^device dev1 crashed: injected crash after \d+ descriptors/);
      const r = (e.outcome as RunOutcome).result;
      const [dev0, dev1, dev2, dev3] = r.devices;
      expect(dev1!.outcome!.status).toBe('crashed');
      expect(dev0!.outcome).toEqual({ status: 'crashed', cause: 'its worker thread stopped when device dev1 crashed' });
      for (const d of [dev2!, dev3!]) {
        expect(d.outcome).toEqual({ status: 'completed', cause: null });
        expect(Object.values(d.statuses).reduce((a, b) => a + b, 0)).toBe(d.submitted);
      }
      expect(dev1!.submitted).toBeGreaterThanOrEqual(200);
    }, 60_000);
  }
});
