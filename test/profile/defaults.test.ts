import { describe, expect, it } from 'vitest';

import { PRESET_COSTS } from '../../src/platform/presets.js';
import { loadProfile, parseProfile } from '../../src/profile/load.js';
import type { Profile } from '../../src/profile/types.js';
import { MINIMAL, shippedProfile } from './helpers.js';

describe('profile defaults', () => {
  it('fills every documented default into a minimal profile', () => {
    const profile = parseProfile(MINIMAL, '/some/dir/minimal.yaml');
    expect(profile).toEqual({
      name: 'minimal',
      seed: 1,
      durationS: 1,
      system: { memoryBytes: 256 * 1024 ** 2, maxPasids: 65536, integritySampleEvery: 256 },
      iommus: [{ id: 'iommu0', type: 'vtd', iotlbEntries: 64, iotlbWays: 64, prqEntries: 2048 }],
      processes: [{ name: 'app', regions: [{ name: 'buf', sizeBytes: 1024 ** 2, populate: 1, writable: true, stealFrom: undefined }], vm: undefined }],
      devices: [
        {
          id: 'dsa0',
          type: 'dsa',
          iommu: 'iommu0',
          ats: true,
          devtlbEntries: 64,
          devtlbWays: 64,
          wqSize: 128,
          wqMode: 'dedicated',
          engines: 1,
          submitters: [],
          pri: false,
          blockOnFault: true,
          trusted: false,
          coherent: true,
          attach: { type: 'sva', process: 'app', bound: true },
          workload: {
            region: 'buf',
            queueDepth: 16,
            transferSizes: [{ sizeBytes: 4096, weight: 1 }],
            pattern: 'uniform',
            zipfTheta: 0.99,
            ops: { memmove: 1, fill: 0, compare: 0, comparePattern: 0, crc32c: 0, batch: 0, dualcast: 0, compress: 0, decompress: 0, compressVerify: 0, crc64: 0 },
            batchSize: 8,
            descriptors: undefined,
            outsideVmaFraction: 0,
            rateOpsPerSec: undefined,
            arrival: 'uniform',
            data: undefined,
            deflateMode: 'dynamic',
            crc64: { name: 'ecma-182', polyHi: 0x42f0e1eb, polyLo: 0xa9ea3693, reflected: false, invert: false },
          },
          kernelClients: [],
          vm: undefined,
          group: undefined,
        },
      ],
      churn: undefined,
      vms: [],
      lifecycle: [],
      invalidation: { strategy: 'vtd-cache-tags-grouped', batchSize: 16, rangeEncoding: 'vtd', arch: 'x86', maxAddressMask: 18 },
      platform: { preset: 'native', costs: PRESET_COSTS.native },
      checker: true,
      timing: 'modelled',
      workers: undefined,
    } satisfies Profile);
  });

  it('defaults TLB ways to the entry count (fully associative)', () => {
    const text = MINIMAL.replace('  - id: iommu0', '  - id: iommu0\n    iotlbEntries: 32').replace(
      '    iommu: iommu0',
      '    iommu: iommu0\n    devtlbEntries: 16',
    );
    const profile = parseProfile(text, 'p.yaml');
    expect(profile.iommus[0]).toMatchObject({ iotlbEntries: 32, iotlbWays: 32 });
    expect(profile.devices[0]).toMatchObject({ devtlbEntries: 16, devtlbWays: 16 });
  });

  it('defaults attach to none and processes to an empty list', () => {
    const profile = parseProfile('durationS: 1\niommus: [{ id: iommu0 }]\ndevices: [{ id: dsa0, iommu: iommu0 }]\n', 'p.yaml');
    expect(profile.processes).toEqual([]);
    expect(profile.devices[0]?.attach).toEqual({ type: 'none' });
    expect(profile.devices[0]?.workload.region).toBeUndefined();
  });

  it('maps a single transferSizeBytes to one transfer size of weight 1', () => {
    const text = MINIMAL.replace('workload: { region: buf }', 'workload: { region: buf, transferSizeBytes: 64KiB }');
    expect(parseProfile(text, 'p.yaml').devices[0]?.workload.transferSizes).toEqual([{ sizeBytes: 65536, weight: 1 }]);
  });

  it('takes an explicit name over the file name', () => {
    expect(parseProfile(`name: custom\n${MINIMAL}`, 'p.yaml').name).toBe('custom');
  });
});

describe('shipped profiles', () => {
  it('loads quickstart.yaml with its weighted transfer sizes and op mix', () => {
    const profile = loadProfile(shippedProfile('quickstart.yaml'));
    expect(profile).toMatchObject({ name: 'quickstart', seed: 42, durationS: 0.5, timing: 'modelled' });
    expect(profile.iommus).toEqual([{ id: 'iommu0', type: 'vtd', iotlbEntries: 64, iotlbWays: 64, prqEntries: 2048 }]);
    expect(profile.processes).toEqual([
      { name: 'app', regions: [{ name: 'buf', sizeBytes: 32 * 1024 ** 2, populate: 1, writable: true, stealFrom: undefined }], vm: undefined },
    ]);
    expect(profile.devices.map((d) => d.id)).toEqual(['dsa0', 'dsa1']);
    for (const device of profile.devices) {
      expect(device).toMatchObject({
        type: 'dsa',
        iommu: 'iommu0',
        ats: true,
        devtlbEntries: 32,
        devtlbWays: 32,
        wqSize: 128,
        wqMode: 'dedicated',
        attach: { type: 'sva', process: 'app' },
      });
      expect(device.workload).toEqual({
        region: 'buf',
        queueDepth: 16,
        transferSizes: [
          { sizeBytes: 4096, weight: 3 },
          { sizeBytes: 65536, weight: 1 },
        ],
        pattern: 'uniform',
        zipfTheta: 0.99,
        ops: { memmove: 4, fill: 1, compare: 1, comparePattern: 1, crc32c: 1, batch: 1, dualcast: 0, compress: 0, decompress: 0, compressVerify: 0, crc64: 0 },
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

  it('loads iotlb-reach.yaml: no ATS, fully associative 64-entry IOTLB, a descriptor count instead of a duration', () => {
    const profile = loadProfile(shippedProfile('iotlb-reach.yaml'));
    expect(profile.durationS).toBeUndefined();
    expect(profile.iommus).toEqual([{ id: 'iommu0', type: 'vtd', iotlbEntries: 64, iotlbWays: 64, prqEntries: 2048 }]);
    expect(profile.processes[0]?.regions[0]?.sizeBytes).toBe(2 * 1024 ** 2);
    expect(profile.devices).toHaveLength(1);
    expect(profile.devices[0]).toMatchObject({ ats: false, attach: { type: 'sva', process: 'app' } });
    expect(profile.devices[0]?.workload).toMatchObject({
      region: 'buf',
      pattern: 'uniform',
      transferSizes: [{ sizeBytes: 4096, weight: 1 }],
      ops: { memmove: 0, fill: 1, compare: 0, comparePattern: 0, crc32c: 0, batch: 0, dualcast: 0, compress: 0, decompress: 0, compressVerify: 0, crc64: 0 },
      descriptors: 50000,
    });
  });
});
