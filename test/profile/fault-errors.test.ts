/**
 * Bad values of the I/O page fault keys: one problem each, at the exact path, with the
 * expectation and the offending value.
 */
import { describe, expect, it } from 'vitest';

import { parseProfile } from '../../src/profile/load.js';
import { MINIMAL, problemsOf } from './helpers.js';

const problems = (text: string) => problemsOf(() => parseProfile(text, 'p.yaml'));
/** MINIMAL with one extra key on its IOMMU, its device, or its device's workload. */
const WITH = {
  iommu: (key: string) => MINIMAL.replace('  - id: iommu0', `  - id: iommu0\n    ${key}`),
  device: (key: string) => MINIMAL.replace('    iommu: iommu0', `    iommu: iommu0\n    ${key}`),
  workload: (key: string) => MINIMAL.replace('workload: { region: buf }', `workload: { region: buf, ${key} }`),
} as const;

describe('bad values of the I/O page fault keys', () => {
  it.each([
    ['iommu', 'prqEntries: 0', 'iommus[0].prqEntries', 'expected an integer from 1 to 65536, got 0'],
    ['iommu', 'prqEntries: 65537', 'iommus[0].prqEntries', 'expected an integer from 1 to 65536, got 65537'],
    ['iommu', 'prqEntries: 2.5', 'iommus[0].prqEntries', 'expected an integer from 1 to 65536, got 2.5'],
    ['iommu', 'prqEntries: lots', 'iommus[0].prqEntries', 'expected an integer from 1 to 65536, got "lots"'],
    ['device', 'pri: 1', 'devices[0].pri', 'expected true or false, got 1'],
    ['device', 'pri: yes', 'devices[0].pri', 'expected true or false, got "yes"'],
    ['device', 'blockOnFault: "false"', 'devices[0].blockOnFault', 'expected true or false, got "false"'],
    ['workload', 'outsideVmaFraction: -0.1', 'devices[0].workload.outsideVmaFraction', 'expected a number from 0 to 1, got -0.1'],
    ['workload', 'outsideVmaFraction: 1.5', 'devices[0].workload.outsideVmaFraction', 'expected a number from 0 to 1, got 1.5'],
    ['workload', 'outsideVmaFraction: half', 'devices[0].workload.outsideVmaFraction', 'expected a number from 0 to 1, got "half"'],
  ] as const)('%s %s → %s', (where, key, path, message) => {
    expect(problems(WITH[where](key))).toEqual([{ path, message }]);
  });

  it('suggests the intended key for a misspelt one', () => {
    expect(problems(WITH.iommu('prqentries: 512'))).toEqual([
      { path: 'iommus[0].prqentries', message: 'unknown key "prqentries"; did you mean "prqEntries"?' },
    ]);
    expect(problems(WITH.device('blockOnFaults: false'))).toEqual([
      { path: 'devices[0].blockOnFaults', message: 'unknown key "blockOnFaults"; did you mean "blockOnFault"?' },
    ]);
  });
});
