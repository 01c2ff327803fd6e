// Profiles that do not repeat themselves (issue 12): YAML merge keys over a definition under an
// `x-` key (ignored as part of the profile) give each device the shared fields, its own override.
import { describe, expect, it } from 'vitest';
import { parseProfile } from '../../src/profile/load.js';

const YAML = `
durationS: 0.001
iommus: [{ id: mmu }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 1MiB }] }]
x-device: &dev { iommu: mmu, attach: { type: sva, process: app }, workload: { region: buf, queueDepth: 4 } }
devices:
  - { <<: *dev, id: d0 }
  - { <<: *dev, id: d1, pri: true }
  - <<: *dev
    id: d2
    workload: { region: buf, queueDepth: 8 }
`;

describe('merge keys', () => {
  it('devices share a definition, each with its own overrides', () => {
    const p = parseProfile(YAML, 'merge.yaml');
    expect(p.devices.map((d) => [d.id, d.iommu, d.pri, d.workload.queueDepth])).toEqual([
      ['d0', 'mmu', false, 4],
      ['d1', 'mmu', true, 4],
      ['d2', 'mmu', false, 8],
    ]);
  });

  it('an unknown top-level key that is not an x- definition is still an error', () => {
    expect(() => parseProfile(YAML.replace('x-device', 'device'), 'merge.yaml')).toThrow(/unknown key "device"/);
  });
});
