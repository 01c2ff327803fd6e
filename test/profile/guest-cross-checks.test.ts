/** Guests and IOMMU groups checked before any work (profile/cross-checks.ts checkGuests): one problem each, at its path. */
import { describe, expect, it } from 'vitest';

import { parseProfile } from '../../src/profile/load.js';
import { problemsOf } from './helpers.js';

const problems = (text: string) => problemsOf(() => parseProfile(text, 'p.yaml'));

/** A valid guest profile; `edit` rewrites parts of it. */
const GUEST = `
durationS: 1
iommus: [{ id: iommu0 }, { id: iommu1 }]
vms: [{ name: vm0, memoryBytes: 16MiB }, { name: vm1, memoryBytes: 16MiB }]
processes:
  - { name: gapp, vm: vm0, regions: [{ name: buf, sizeBytes: 1MiB }] }
  - { name: happ, regions: [{ name: buf, sizeBytes: 1MiB }] }
devices:
  - { id: dsa0, iommu: iommu0, vm: vm0, attach: { type: sva, process: gapp }, workload: { region: buf } }
  - { id: dsa1, iommu: iommu0, attach: { type: sva, process: happ }, workload: { region: buf } }
`;

const edit = (from: string, to: string): string => {
  if (!GUEST.includes(from)) throw new Error(`test bug: ${from}`);
  return GUEST.replace(from, to);
};

describe('guest cross-checks', () => {
  it('accepts the valid guest profile', () => {
    expect(() => parseProfile(GUEST, 'p.yaml')).not.toThrow();
  });

  it.each([
    ['a guest process of an unknown VM', edit('vm: vm0, regions', 'vm: vm9, regions'), 'processes[0].vm', '"vm9" names no VM; expected one of: vm0, vm1'],
    [
      'a host device bound to a guest process',
      edit('{ id: dsa0, iommu: iommu0, vm: vm0,', '{ id: dsa0, iommu: iommu0,'),
      'devices[0].vm',
      'missing; device dsa0 is bound to process "gapp" of vm vm0; expected vm: vm0 (a device reaches a guest\'s memory only when assigned to its VM)',
    ],
    [
      'a device of one VM bound to a process of another',
      edit('{ id: dsa0, iommu: iommu0, vm: vm0,', '{ id: dsa0, iommu: iommu0, vm: vm1,'),
      'devices[0].attach.process',
      'process "gapp" runs in vm vm0, device dsa0 is assigned to vm vm1; expected a process of vm vm1',
    ],
    [
      "a VM's device with a dma attach",
      edit('vm: vm0, attach: { type: sva, process: gapp }, workload: { region: buf }', 'vm: vm0, attach: { type: dma, sizeBytes: 1MiB }'),
      'devices[0].attach.type',
      '"dma" on device dsa0, assigned to vm vm0; expected sva (a process of vm0) or none — a guest\'s other attaches are not modelled',
    ],
    [
      'guest memory too small for its processes',
      edit('sizeBytes: 1MiB }] }\n  - { name: happ', 'sizeBytes: 16MiB }] }\n  - { name: happ'),
      'vms[0].memoryBytes',
      '16 MiB is too small for its processes: they need about 17 MiB (regions + page tables 1 MiB per process); expected at least 17 MiB',
    ],
    ['stealFrom on a host process', edit('{ name: happ, regions: [{ name: buf, sizeBytes: 1MiB }] }', '{ name: happ, regions: [{ name: buf, sizeBytes: 1MiB, stealFrom: vm1 }] }'), 'processes[1].regions[0].stealFrom', 'region "buf" of host process "happ"; expected stealFrom only on a guest process\'s region (processes[1].vm)'],
    ['stealFrom its own VM', edit('{ name: gapp, vm: vm0, regions: [{ name: buf, sizeBytes: 1MiB }] }', '{ name: gapp, vm: vm0, regions: [{ name: buf, sizeBytes: 1MiB, stealFrom: vm0 }] }'), 'processes[0].regions[0].stealFrom', '"vm0" is the process\'s own VM; expected another VM'],
    ['host timing', `${GUEST}timing: host\n`, 'vms', 'a guest needs timing: modelled (nested translation and its traps are modelled costs); expected timing: modelled'],
    ['the guest platform preset', `${GUEST}platform: guest\n`, 'platform', 'preset guest stands for a whole system inside a VM without nesting; with vms, expected preset native (each VM says its own invalidation path)'],
    [
      'a stage-2 churn on a host process',
      `${GUEST}churn: { process: happ, region: buf, stage: 2, ratePerSec: 100 }\n`,
      'churn.stage',
      '2 on host process "happ"; expected stage 2 only on a guest process (its VM\'s memory is what the host changes)',
    ],
    [
      'a churn on a stolen region',
      `${edit('{ name: gapp, vm: vm0, regions: [{ name: buf, sizeBytes: 1MiB }] }', '{ name: gapp, vm: vm0, regions: [{ name: buf, sizeBytes: 1MiB }, { name: loot, sizeBytes: 64KiB, stealFrom: vm1 }] }')}churn: { process: gapp, region: loot, ratePerSec: 100 }\n`,
      'churn.region',
      '"loot" maps another VM\'s memory (stealFrom); expected a region of the process\'s own memory',
    ],
    ['a stage-2 mprotect', `${GUEST}churn: { process: gapp, region: buf, stage: 2, ops: { mprotect: 1 }, ratePerSec: 100 }\n`, 'churn.ops.mprotect', 'a stage-2 churn makes munmap and migrate changes; expected mprotect: 0'],
  ])('rejects %s', (_what, text, path, message) => {
    expect(problems(text)).toEqual([{ path, message }]);
  });
});

describe('IOMMU group cross-checks', () => {
  const HOST = `
durationS: 1
iommus: [{ id: iommu0 }, { id: iommu1 }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 1MiB }] }]
devices:
  - { id: dsa0, iommu: iommu0, group: g, attach: { type: sva, process: app }, workload: { region: buf } }
  - { id: dsa1, iommu: IOMMU, group: g, attach: ATTACH, workload: { WORKLOAD } }
`;
  const groupOf = (iommu: string, attach: string, workload = 'region: buf'): string => HOST.replace('IOMMU', iommu).replace('ATTACH', attach).replace('WORKLOAD', workload);

  it('accepts two sva devices (or an sva and an unattached one) in one group', () => {
    expect(() => parseProfile(groupOf('iommu0', '{ type: sva, process: app }'), 'p.yaml')).not.toThrow();
    expect(() => parseProfile(groupOf('iommu0', '{ type: none }', ''), 'p.yaml')).not.toThrow();
  });

  it('rejects a group across IOMMUs', () => {
    expect(problems(groupOf('iommu1', '{ type: sva, process: app }'))).toEqual([
      { path: 'devices[1].group', message: '"g" has device dsa0 behind iommu iommu0 and dsa1 behind iommu1; expected one IOMMU per group' },
    ]);
  });

  it('rejects a dma attach of one device of a multi-device group, as Linux does', () => {
    expect(problems(groupOf('iommu0', '{ type: dma, sizeBytes: 1MiB }', ''))).toEqual([
      {
        path: 'devices[1].attach.type',
        message: '"dma" on device dsa1 of multi-device group "g"; Linux refuses to attach one device of a multi-device group (iommu_attach_device: -EINVAL); expected sva or none',
      },
    ]);
  });
});
