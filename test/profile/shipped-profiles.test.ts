/** Every profile shipped in profiles/ loads without problems; the invalidation and fault ones say what they promise. */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { PRESET_COSTS } from '../../src/platform/presets.js';
import { loadProfile } from '../../src/profile/load.js';
import { shippedProfile } from './helpers.js';

const PROFILES_DIR = fileURLToPath(new URL('../../profiles/', import.meta.url));
const shipped = readdirSync(PROFILES_DIR)
  .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
  .sort();

describe('shipped profiles', () => {
  it('ships the invalidation profiles', () => {
    expect(shipped).toEqual(
      expect.arrayContaining([
        'inval-2x2-guest.yaml',
        'inval-2x2.yaml',
        'inval-4dev-1iommu-guest.yaml',
        'inval-4dev-1iommu.yaml',
        'quickstart.yaml',
      ]) as unknown,
    );
  });

  it('ships the I/O page fault profiles', () => {
    expect(shipped).toEqual(
      expect.arrayContaining([
        'faults-demand.yaml',
        'faults-partial.yaml',
        'faults-prefaulted.yaml',
        'faults-storm.yaml',
      ]) as unknown,
    );
  });

  it.each(shipped)('%s loads without problems, in modelled time, with a run of at most 0.5 s of it', (file) => {
    const profile = loadProfile(shippedProfile(file));
    expect(profile.timing).toBe('modelled');
    if (profile.durationS !== undefined) expect(profile.durationS).toBeLessThanOrEqual(0.5);
  });

  describe.each([
    ['inval-4dev-1iommu.yaml', 'native', { dsa0: 'iommu0', dsa1: 'iommu0', dsa2: 'iommu0', dsa3: 'iommu0' }],
    ['inval-2x2.yaml', 'native', { dsa0: 'iommu0', dsa1: 'iommu0', dsa2: 'iommu1', dsa3: 'iommu1' }],
    ['inval-4dev-1iommu-guest.yaml', 'guest', { dsa0: 'iommu0', dsa1: 'iommu0', dsa2: 'iommu0', dsa3: 'iommu0' }],
    ['inval-2x2-guest.yaml', 'guest', { dsa0: 'iommu0', dsa1: 'iommu0', dsa2: 'iommu1', dsa3: 'iommu1' }],
  ] as const)('%s', (file, preset, placement) => {
    const profile = loadProfile(shippedProfile(file));

    it('is seeded and runs 50 ms of modelled time', () => {
      expect(profile).toMatchObject({ seed: 42, durationS: 0.05, timing: 'modelled', checker: true });
    });

    it('has vtd IOMMUs with 64 IOTLB entries, one per distinct device placement', () => {
      const ids = [...new Set(Object.values(placement))];
      expect(profile.iommus).toEqual(
        ids.map((id) => ({ id, type: 'vtd', iotlbEntries: 64, iotlbWays: 64, prqEntries: 2048 })),
      );
    });

    it('has one process app with a 16 MiB region buf', () => {
      expect(profile.processes).toEqual([
        { name: 'app', regions: [{ name: 'buf', sizeBytes: 16 * 1024 ** 2, populate: 1, writable: true }] },
      ]);
    });

    it('has four ATS DSA devices SVA-bound to app, placed as described', () => {
      expect(Object.fromEntries(profile.devices.map((d) => [d.id, d.iommu]))).toEqual(placement);
      for (const d of profile.devices) {
        expect(d).toMatchObject({
          type: 'dsa',
          ats: true,
          devtlbEntries: 32,
          attach: { type: 'sva', process: 'app' },
        });
        expect(d.workload).toEqual({
          region: 'buf',
          queueDepth: 8,
          transferSizes: [{ sizeBytes: 4096, weight: 1 }],
          pattern: 'uniform',
          zipfTheta: 0.99,
          ops: { memmove: 2, fill: 1, compare: 0, comparePattern: 0, crc32c: 1, batch: 0, dualcast: 0, compress: 0, decompress: 0, compressVerify: 0, crc64: 0 },
          batchSize: 8,
          descriptors: undefined,
          outsideVmaFraction: 0,
          rateOpsPerSec: undefined,
          arrival: 'uniform',
          data: undefined,
          deflateMode: 'dynamic',
          crc64: { name: 'ecma-182', polyHi: 0x42f0e1eb, polyLo: 0xa9ea3693, reflected: false, invert: false },
        });
      }
    });

    it('churns app/buf: exactly 150 changes (munmap 2, mprotect 1, migrate 1) at 3000/s (50 ms) over aligned 16 KiB ranges', () => {
      expect(profile.churn).toEqual({
        process: 'app',
        region: 'buf',
        ops: { munmap: 2, mprotect: 1, migrate: 1 },
        ratePerSec: 3000,
        count: 150,
        rangeBytes: 16 * 1024,
        aligned: true,
        startS: 0,
        stage: 1,
      });
    });

    it(`invalidates with vtd-cache-tags-grouped on the ${preset} platform`, () => {
      expect(profile.invalidation).toEqual({
        strategy: 'vtd-cache-tags-grouped',
        batchSize: 16,
        rangeEncoding: 'vtd',
        arch: 'x86',
        maxAddressMask: 18,
      });
      expect(profile.platform).toEqual({ preset, costs: PRESET_COSTS[preset] });
    });
  });

  describe.each([
    ['faults-prefaulted.yaml', { devices: ['dsa0'], sizeMiB: 64, populate: 1, blockOnFault: true, pattern: 'uniform' }],
    ['faults-demand.yaml', { devices: ['dsa0'], sizeMiB: 64, populate: 0, blockOnFault: true, pattern: 'uniform' }],
    ['faults-partial.yaml', { devices: ['dsa0'], sizeMiB: 64, populate: 0, blockOnFault: false, pattern: 'uniform' }],
    [
      'faults-storm.yaml',
      { devices: ['dsa0', 'dsa1', 'dsa2', 'dsa3'], sizeMiB: 16, populate: 0, blockOnFault: true, pattern: 'sequential' },
    ],
  ] as const)('%s', (file, expected) => {
    const profile = loadProfile(shippedProfile(file));

    it('is seeded, runs 100 ms of modelled time on the native platform, with the checker on and no churn', () => {
      expect(profile).toMatchObject({ seed: 42, durationS: 0.1, timing: 'modelled', checker: true, churn: undefined });
      expect(profile.platform).toEqual({ preset: 'native', costs: PRESET_COSTS.native });
    });

    it('has one vtd IOMMU with 64 IOTLB entries and the default page-request queue', () => {
      expect(profile.iommus).toEqual([
        { id: 'iommu0', type: 'vtd', iotlbEntries: 64, iotlbWays: 64, prqEntries: 2048 },
      ]);
    });

    it(`has one process app with a ${expected.sizeMiB} MiB region buf, populate ${expected.populate}`, () => {
      expect(profile.processes).toEqual([
        {
          name: 'app',
          regions: [{ name: 'buf', sizeBytes: expected.sizeMiB * 1024 ** 2, populate: expected.populate, writable: true }],
        },
      ]);
    });

    it(`has ATS DSA devices with PRI (blockOnFault: ${expected.blockOnFault}) SVA-bound to app`, () => {
      expect(profile.devices.map((d) => d.id)).toEqual(expected.devices);
      for (const d of profile.devices) {
        expect(d).toMatchObject({
          type: 'dsa',
          iommu: 'iommu0',
          ats: true,
          devtlbEntries: 32,
          pri: true,
          blockOnFault: expected.blockOnFault,
          attach: { type: 'sva', process: 'app' },
        });
        expect(d.workload).toEqual({
          region: 'buf',
          queueDepth: 8,
          transferSizes: [{ sizeBytes: 4096, weight: 1 }],
          pattern: expected.pattern,
          zipfTheta: 0.99,
          ops: { memmove: 2, fill: 1, compare: 0, comparePattern: 0, crc32c: 1, batch: 0, dualcast: 0, compress: 0, decompress: 0, compressVerify: 0, crc64: 0 },
          batchSize: 8,
          descriptors: undefined,
          outsideVmaFraction: 0,
          rateOpsPerSec: undefined,
          arrival: 'uniform',
          data: undefined,
          deflateMode: 'dynamic',
          crc64: { name: 'ecma-182', polyHi: 0x42f0e1eb, polyLo: 0xa9ea3693, reflected: false, invert: false },
        });
      }
    });
  });
});

describe('guest-sva-4dsa.yaml', () => {
  const profile = loadProfile(shippedProfile('guest-sva-4dsa.yaml'));

  it('has a VM with per-PASID binds and trapped invalidation, and one guest process app in it', () => {
    expect(profile.vms).toEqual([{ name: 'vm0', memoryBytes: 64 * 1024 ** 2, populate: 1, pasidTable: 'per-pasid', invalidation: 'trapped' }]);
    expect(profile.processes.map((p) => [p.name, p.vm])).toEqual([['app', 'vm0']]);
  });

  it('assigns four ATS DSA devices to the VM, SVA-bound to app, behind one IOMMU', () => {
    expect(profile.devices.map((d) => [d.id, d.vm, d.iommu, d.ats, d.attach.type === 'sva' ? d.attach.process : d.attach.type])).toEqual(
      ['dsa0', 'dsa1', 'dsa2', 'dsa3'].map((id) => [id, 'vm0', 'iommu0', true, 'app']),
    );
  });

  it('has the guest kernel churn app/buf (stage 1): the same 150 changes in every variant compared', () => {
    expect(profile.churn).toMatchObject({ process: 'app', region: 'buf', stage: 1, count: 150, ratePerSec: 3000, rangeBytes: 16 * 1024 });
    expect(profile.platform.preset).toBe('native');
  });
});

describe('dsa-shared-wq.yaml', () => {
  const profile = loadProfile(shippedProfile('dsa-shared-wq.yaml'));
  it('has two processes sharing a DSA through a shared WQ of 16 entries with 4 engines, more deeply than it holds', () => {
    const [d] = profile.devices;
    expect(profile.devices).toHaveLength(1);
    expect(d).toMatchObject({ type: 'dsa', wqMode: 'shared', wqSize: 16, engines: 4, attach: { type: 'sva', process: 'db' } });
    expect(d!.submitters.map((s) => s.process)).toEqual(['backup']);
    expect(d!.workload.queueDepth + d!.submitters[0]!.workload.queueDepth).toBeGreaterThan(d!.wqSize);
  });
});

describe('iaa-swap.yaml', () => {
  const profile = loadProfile(shippedProfile('iaa-swap.yaml'));
  it('has an IAA compressing text-like pages for a swap-like process and decompressing for another, on a shared WQ', () => {
    const [d] = profile.devices;
    expect(d).toMatchObject({ type: 'iaa', wqMode: 'shared', engines: 8, attach: { type: 'sva', process: 'swapd' } });
    expect(d!.workload).toMatchObject({ data: 'text', deflateMode: 'dynamic', crc64: { name: 'nvme' } });
    expect(d!.workload.ops).toMatchObject({ compress: 3, compressVerify: 1, crc64: 1, decompress: 0 });
    expect(d!.submitters).toEqual([expect.objectContaining({ process: 'faultin', workload: expect.objectContaining({ data: 'text', ops: expect.objectContaining({ decompress: 1 }) }) })]);
  });
});
