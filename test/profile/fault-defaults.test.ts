/** Defaults of the I/O page fault keys (PRI, PRQ, outside-VMA sources) and explicit values passing through. */
import { describe, expect, it } from 'vitest';

import { parseProfile } from '../../src/profile/load.js';
import { MINIMAL } from './helpers.js';

describe('defaults of the I/O page fault keys', () => {
  it('fills them in when the keys are absent', () => {
    const profile = parseProfile(MINIMAL, 'p.yaml');
    expect(profile.iommus[0]?.prqEntries).toBe(2048);
    expect(profile.devices[0]).toMatchObject({ pri: false, blockOnFault: true });
    expect(profile.devices[0]?.workload.outsideVmaFraction).toBe(0);
  });

  it('gives a device that only sets pri: true block-on-fault', () => {
    const text = MINIMAL.replace('    iommu: iommu0', '    iommu: iommu0\n    pri: true');
    expect(parseProfile(text, 'p.yaml').devices[0]).toMatchObject({ pri: true, blockOnFault: true });
  });

  it('takes explicit values at the ends of their ranges', () => {
    const text = MINIMAL.replace('  - id: iommu0', '  - id: iommu0\n    prqEntries: 65536')
      .replace('    iommu: iommu0', '    iommu: iommu0\n    pri: true\n    blockOnFault: false')
      .replace('workload: { region: buf }', 'workload: { region: buf, outsideVmaFraction: 1 }');
    const profile = parseProfile(text, 'p.yaml');
    expect(profile.iommus[0]?.prqEntries).toBe(65536);
    expect(profile.devices[0]).toMatchObject({ pri: true, blockOnFault: false });
    expect(profile.devices[0]?.workload.outsideVmaFraction).toBe(1);

    const low = MINIMAL.replace('  - id: iommu0', '  - id: iommu0\n    prqEntries: 1')
      .replace('    iommu: iommu0', '    iommu: iommu0\n    pri: true')
      .replace('workload: { region: buf }', 'workload: { region: buf, outsideVmaFraction: 0.25 }');
    const lowProfile = parseProfile(low, 'p.yaml');
    expect(lowProfile.iommus[0]?.prqEntries).toBe(1);
    expect(lowProfile.devices[0]?.workload.outsideVmaFraction).toBe(0.25);
  });
});
