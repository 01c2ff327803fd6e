// The strategies plan exactly the submissions their Linux code makes, for a domain attached
// on two IOMMUs in interleaved order (a0, b0, a1, b1; b1 without ATS), and the registry holds
// every strategy a profile can name.
import { describe, expect, it } from 'vitest';
import { encodeRange } from '../../src/kernel/range.js';
import type { QiDescriptor } from '../../src/kernel/qi.js';
import { perDevice } from '../../src/kernel/strategies/per-device.js';
import { STRATEGY_REGISTRY } from '../../src/kernel/strategies/registry.js';
import { sharedDomain } from '../../src/kernel/strategies/shared-domain.js';
import { STRATEGIES, type InvalidationConfig } from '../../src/profile/types.js';

const target = {
  attachments: [
    { device: 0, pasid: 5, iommu: 0, did: 3, ats: true },
    { device: 2, pasid: 5, iommu: 1, did: 7, ats: true },
    { device: 1, pasid: 5, iommu: 0, did: 3, ats: true },
    { device: 3, pasid: 5, iommu: 1, did: 7, ats: false },
  ],
};
const config: InvalidationConfig = { strategy: 'shared-domain', batchSize: 16, rangeEncoding: 'vtd', maxAddressMask: 18 };
const range = encodeRange(16, 18, 'vtd', 18);

/** A submission as a short string: unit, then each descriptor (I = IOTLB did, D = device TLB device). */
function show(s: { iommu: number; descriptors: readonly QiDescriptor[] }): string {
  return `${s.iommu}:${s.descriptors.map((d) => (d.kind === 'iotlb' ? `I${d.did}` : `D${d.device}`)).join(',')}`;
}

describe('invalidation strategies', () => {
  it('per-device: an IOTLB submission per attachment and a device-TLB submission per ATS attachment, in attach order', () => {
    expect(perDevice.plan(target, range, config).map(show)).toEqual(['0:I3', '0:D0', '1:I7', '1:D2', '0:I3', '0:D1', '1:I7']);
  });

  it('per-device: a misaligned range is split into two naturally aligned chunks per device, each its own pair of submissions', () => {
    // Two pages from page 1: chunk size 2, from page 0 to page 4: [0, 2) and [2, 4).
    const four = {
      attachments: [0, 1, 2, 3].map((d) => ({ device: d, pasid: 5, iommu: 0, did: 3, ats: true })),
    };
    const plan = perDevice.plan(four, encodeRange(1, 3, 'vtd', 18), config);
    expect(plan).toHaveLength(16);
    const descriptors = plan.flatMap((s) => s.descriptors);
    expect(descriptors.filter((d) => d.kind === 'iotlb')).toHaveLength(8);
    expect(descriptors.filter((d) => d.kind === 'devtlb')).toHaveLength(8);
    expect(plan.slice(0, 4).map((s) => [s.descriptors[0]!.kind, s.descriptors[0]!.startVpn, s.descriptors[0]!.endVpn])).toEqual([
      ['iotlb', 0, 2],
      ['devtlb', 0, 2],
      ['iotlb', 2, 4],
      ['devtlb', 2, 4],
    ]);
    // An aligned range is one chunk; the full range one whole-PASID flush per device.
    expect(perDevice.plan(four, encodeRange(4, 8, 'vtd', 18), config)).toHaveLength(8);
    expect(perDevice.plan(four, encodeRange(0, 2 ** 36, 'vtd', 18), config)).toHaveLength(8);
  });

  it('shared-domain: one IOTLB descriptor per (IOMMU, did, PASID) and a device-TLB one per ATS device, grouped per IOMMU, batched', () => {
    expect(sharedDomain.plan(target, range, config).map(show)).toEqual(['0:I3,D0,D1', '1:I7,D2']);
    expect(sharedDomain.plan(target, range, { ...config, batchSize: 2 }).map(show)).toEqual(['0:I3,D0', '0:D1', '1:I7,D2']);
  });

  it('encode the range into every descriptor: page-selective, or the whole PASID for the full range', () => {
    const [iotlb] = sharedDomain.plan(target, range, config)[0]!.descriptors;
    expect(iotlb).toEqual({ kind: 'iotlb', scope: 'pasid-range', did: 3, pasid: 5, startVpn: 16, endVpn: 18, drain: true });
    const all = encodeRange(0, 2 ** 36, 'vtd', 18);
    expect(perDevice.plan(target, all, config)[0]!.descriptors[0]).toMatchObject({ scope: 'pasid', did: 3, pasid: 5 });
  });

  it('the registry names every strategy a profile may choose, each under its own name', () => {
    expect(Object.keys(STRATEGY_REGISTRY).sort()).toEqual([...STRATEGIES].sort());
    for (const [name, s] of Object.entries(STRATEGY_REGISTRY)) expect(s.name).toBe(name);
  });
});
