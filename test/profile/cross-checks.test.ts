/** Checks that relate values to each other, beyond what the schema sees in one value. */
import { describe, expect, it } from 'vitest';

import { parseProfile } from '../../src/profile/load.js';
import { MINIMAL, problemsOf } from './helpers.js';

const problems = (text: string) => problemsOf(() => parseProfile(text, 'p.yaml'));

/** MINIMAL with its device's workload replaced. */
const withWorkload = (workload: string) => MINIMAL.replace('workload: { region: buf }', `workload: ${workload}`);

describe('cross-reference checks', () => {
  it('rejects duplicate IOMMU and device ids, process names and region names', () => {
    const text = `
durationS: 1
iommus: [{ id: iommu0 }, { id: iommu0 }]
processes:
  - { name: app, regions: [{ name: buf, sizeBytes: 1MiB }, { name: buf, sizeBytes: 1MiB }] }
  - { name: app, regions: [{ name: buf, sizeBytes: 1MiB }] }
devices:
  - { id: dsa0, iommu: iommu0 }
  - { id: dsa0, iommu: iommu0 }
`;
    expect(problems(text)).toEqual([
      { path: 'iommus[1].id', message: '"iommu0" is already the id of iommus[0]; expected a unique IOMMU id' },
      {
        path: 'processes[0].regions[1].name',
        message: '"buf" is already the name of processes[0].regions[0]; expected a unique region name within the process',
      },
      { path: 'processes[1].name', message: '"app" is already the name of processes[0]; expected a unique process name' },
      { path: 'devices[1].id', message: '"dsa0" is already the id of devices[0]; expected a unique device id' },
    ]);
  });

  it('requires TLB ways to divide the entries and not exceed them', () => {
    const text = MINIMAL.replace('  - id: iommu0', '  - id: iommu0\n    iotlbEntries: 64\n    iotlbWays: 48').replace(
      '    iommu: iommu0',
      '    iommu: iommu0\n    devtlbEntries: 32\n    devtlbWays: 64',
    );
    expect(problems(text)).toEqual([
      { path: 'iommus[0].iotlbWays', message: '48 does not divide iotlbEntries (64); expected a divisor of 64, e.g. 32 or 64' },
      { path: 'devices[0].devtlbWays', message: '64 is larger than devtlbEntries (32); expected at most 32' },
    ]);
  });

  it('requires workload.region for an sva attach, naming a region of the bound process', () => {
    expect(problems(withWorkload('{}'))).toEqual([
      {
        path: 'devices[0].workload.region',
        message: 'missing; an sva-attached device works on a region of process "app"; expected one of: buf',
      },
    ]);
    expect(problems(withWorkload('{ region: nope }'))).toEqual([
      { path: 'devices[0].workload.region', message: '"nope" names no region of process "app"; expected one of: buf' },
    ]);
  });

  it('rejects workload.region on a device that is not sva-attached', () => {
    const text = MINIMAL.replace('attach: { type: sva, process: app }', 'attach: { type: dma, sizeBytes: 1MiB }');
    expect(problems(text)).toEqual([
      {
        path: 'devices[0].workload.region',
        message: '"buf" is set but attach.type is dma; expected no workload.region (it names a process region, so it needs an sva attach)',
      },
    ]);
  });

  it('limits every transfer size to half of the region, saying why', () => {
    const [problem, ...rest] = problems(withWorkload('{ region: buf, transferSizeBytes: 768KiB }'));
    expect(rest).toEqual([]);
    expect(problem?.path).toBe('devices[0].workload.transferSizeBytes');
    expect(problem?.message).toBe(
      '768 KiB is larger than half of region "buf" of process "app" (1 MiB); expected at most 512 KiB, ' +
        'because memmove and compare use a source slot in one half and its mirror slot in the other half',
    );
  });

  it('points at the offending entry of a weighted transfer-size list', () => {
    const workload = '{ region: buf, transferSizeBytes: [{ sizeBytes: 4096, weight: 1 }, { sizeBytes: 1MiB, weight: 1 }] }';
    expect(problems(withWorkload(workload)).map((p) => p.path)).toEqual([
      'devices[0].workload.transferSizeBytes[1].sizeBytes',
    ]);
  });

  it('limits transfer sizes to half of a dma or identity window', () => {
    const text = `
durationS: 1
iommus: [{ id: iommu0 }]
devices:
  - { id: d0, iommu: iommu0, attach: { type: dma, sizeBytes: 4096 } }
  - { id: d1, iommu: iommu0, attach: { type: identity, sizeBytes: 64KiB }, workload: { transferSizeBytes: 64KiB } }
`;
    expect(problems(text)).toEqual([
      {
        path: 'devices[0].workload.transferSizeBytes',
        message: expect.stringMatching(
          /^4 KiB \(the default\) is larger than half of the dma window \(attach\.sizeBytes: 4 KiB\); expected at most 2 KiB, because memmove/,
        ) as unknown,
      },
      {
        path: 'devices[1].workload.transferSizeBytes',
        message: expect.stringContaining('64 KiB is larger than half of the identity window') as unknown,
      },
    ]);
  });

  it('needs durationS unless every device has a descriptor count', () => {
    const noDuration = MINIMAL.replace('durationS: 1\n', '');
    expect(problems(noDuration)).toEqual([
      {
        path: 'durationS',
        message: 'missing; a run needs durationS or every device needs workload.descriptors (without it: dsa0)',
      },
    ]);
    expect(() =>
      parseProfile(noDuration.replace('workload: { region: buf }', 'workload: { region: buf, descriptors: 10 }'), 'p.yaml'),
    ).not.toThrow();
  });

  it('checks the memory estimate against system.memoryBytes, naming the size needed', () => {
    // 8 MiB region + 1 MiB window + 2 × 1 MiB page tables = 11 MiB > 10 MiB.
    const text = `
durationS: 1
system: { memoryBytes: 10MiB }
iommus: [{ id: iommu0 }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 8MiB }] }]
devices:
  - { id: d0, iommu: iommu0, attach: { type: sva, process: app }, workload: { region: buf } }
  - { id: d1, iommu: iommu0, attach: { type: dma, sizeBytes: 1MiB } }
`;
    expect(problems(text)).toEqual([
      {
        path: 'system.memoryBytes',
        message:
          '10 MiB is too small: this profile needs about 11 MiB (regions 8 MiB + dma/identity windows 1 MiB + ' +
          'page tables 1 MiB × 2, one per process, per dma/identity/kernel domain and per VM); expected at least 11 MiB',
      },
    ]);
  });

  it('says when the memory that is too small is the default', () => {
    const text = MINIMAL.replace('sizeBytes: 1MiB', 'sizeBytes: 512MiB');
    const [problem] = problems(text);
    expect(problem?.path).toBe('system.memoryBytes');
    expect(problem?.message).toMatch(/^256 MiB \(the default\) is too small: this profile needs about 513 MiB/);
  });

  it('needs a PASID for every SVA-bound process, and only for those', () => {
    const text = (bound: number) => `
durationS: 1
system: { maxPasids: 4 }
iommus: [{ id: iommu0 }]
processes:
${['a', 'b', 'c', 'd'].map((n) => `  - { name: ${n}, regions: [{ name: r, sizeBytes: 64KiB }] }`).join('\n')}
devices:
${['a', 'b', 'c', 'd'].slice(0, bound).map((n, i) => `  - { id: d${i}, iommu: iommu0, attach: { type: sva, process: ${n} }, workload: { region: r } }`).join('\n')}
`;
    // Four processes, three bound: three PASIDs of the three allocatable (Linux allocates at first bind).
    expect(parseProfile(text(3), 'p.yaml').system.maxPasids).toBe(4);
    expect(problems(text(4))).toEqual([
      {
        path: 'system.maxPasids',
        message: '4 leaves 3 PASIDs (0 is reserved) for 4 SVA-bound processes; expected at least 5',
      },
    ]);
  });

  it('still checks references when other parts fail the schema, without blaming the broken parts', () => {
    // iommu0 is invalid (bad type) but still defined, so dsa0's reference to it is fine;
    // dsa1's reference to iommu7 is not.
    const text = `
durationS: 1
iommus: [{ id: iommu0, iotlbEntries: 0 }]
devices:
  - { id: dsa0, iommu: iommu0 }
  - { id: dsa1, iommu: iommu7 }
`;
    expect(problems(text)).toEqual([
      { path: 'iommus[0].iotlbEntries', message: 'expected an integer from 1 to 65536, got 0' },
      { path: 'devices[1].iommu', message: '"iommu7" names no IOMMU; expected one of: iommu0' },
    ]);
  });
});
