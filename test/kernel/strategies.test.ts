// The strategies plan exactly the submissions their Linux code makes, for a domain attached
// on two IOMMUs in interleaved order (a0, b0, a1, b1; b1 without ATS), and the registry holds
// every strategy a profile can name.
import { describe, expect, it } from 'vitest';
import { encodeRange } from '../../src/kernel/range.js';
import type { QiDescriptor } from '../../src/kernel/qi.js';
import { vtdPerDevice as perDevice } from '../../src/kernel/strategies/vtd-per-device.js';
import { STRATEGY_REGISTRY } from '../../src/kernel/strategies/registry.js';
import { vtdCacheTagsBatched, vtdCacheTagsGrouped as sharedDomain, vtdCacheTagsUnbatched } from '../../src/kernel/strategies/vtd-cache-tags.js';
import { vtdSvaDomain } from '../../src/kernel/strategies/vtd-sva-domain.js';
import { STRATEGIES, type InvalidationConfig } from '../../src/profile/types.js';

const target = {
  attachments: [
    { device: 0, pasid: 5, iommu: 0, did: 3, ats: true },
    { device: 2, pasid: 5, iommu: 1, did: 7, ats: true },
    { device: 1, pasid: 5, iommu: 0, did: 3, ats: true },
    { device: 3, pasid: 5, iommu: 1, did: 7, ats: false },
  ],
};
const config: InvalidationConfig = { strategy: 'vtd-cache-tags-grouped', batchSize: 16, rangeEncoding: 'vtd', arch: 'x86', maxAddressMask: 18 };
const range = encodeRange(16, 18, 'vtd', 18);

/** A submission as a short string: unit, then each descriptor (I = IOTLB did, D = device TLB device). */
function show(s: { iommu: number; descriptors: readonly QiDescriptor[] }): string {
  return `${s.iommu}:${s.descriptors.map((d) => (d.kind === 'iotlb' ? `I${d.did}` : d.kind === 'devtlb' ? `D${d.device}` : d.kind)).join(',')}`;
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
    expect(plan.slice(0, 4).map((s) => s.descriptors[0]!).map((d) => [d.kind, 'startVpn' in d && d.startVpn, 'endVpn' in d && d.endVpn])).toEqual([
      ['iotlb', 0, 2],
      ['devtlb', 0, 2],
      ['iotlb', 2, 4],
      ['devtlb', 2, 4],
    ]);
    // An aligned range is one chunk; the full range one whole-PASID flush per device.
    expect(perDevice.plan(four, encodeRange(4, 8, 'vtd', 18), config)).toHaveLength(8);
    expect(perDevice.plan(four, encodeRange(0, 2 ** 36, 'vtd', 18), config)).toHaveLength(8);
  });

  it('cache tags, grouped (v6.14+): a new unit\'s first tag goes to the list\'s front, later tags after their unit\'s last; batched per unit', () => {
    // Tags: a0 → [I3, D0]; b0 → [I7, D2, I3, D0]; a1 (I3 held) → [I7, D2, I3, D0, D1]; b1 (no ATS, I7 held).
    expect(sharedDomain.plan(target, range, config).map(show)).toEqual(['1:I7,D2', '0:I3,D0,D1']);
    expect(sharedDomain.plan(target, range, { ...config, batchSize: 2 }).map(show)).toEqual(['1:I7,D2', '0:I3,D0', '0:D1']);
  });

  it('cache tags, batched (v6.12–v6.13): tags in attach order, the batch submitted at every change of unit', () => {
    // Tags in attach order: I3, D0 (a0) | I7, D2 (b0) | D1 (a1) | — (b1: I7 held, no ATS).
    expect(vtdCacheTagsBatched.plan(target, range, config).map(show)).toEqual(['0:I3,D0', '1:I7,D2', '0:D1']);
    // The same descriptors as grouped, in more submissions — derived from the tag order.
    const count = (plan: ReturnType<typeof sharedDomain.plan>) => plan.flatMap((x) => x.descriptors).length;
    expect(count(vtdCacheTagsBatched.plan(target, range, config))).toBe(count(sharedDomain.plan(target, range, config)));
  });

  it('cache tags, unbatched (v6.10–v6.11): one descriptor per submission, in attach order', () => {
    expect(vtdCacheTagsUnbatched.plan(target, range, config).map(show)).toEqual(['0:I3', '0:D0', '1:I7', '1:D2', '0:D1']);
  });

  it('shared SVA domain before cache tags (unmerged RFC): per chunk one IOTLB submission per unit, one device-TLB submission per ATS device', () => {
    expect(vtdSvaDomain.plan(target, range, config).map(show)).toEqual(['0:I3', '1:I7', '0:D0', '1:D2', '0:D1']);
    // A misaligned 2-page range: two chunks, each flushed so.
    expect(vtdSvaDomain.plan(target, encodeRange(1, 3, 'vtd', 18), config).map(show)).toEqual(['0:I3', '1:I7', '0:D0', '1:D2', '0:D1', '0:I3', '1:I7', '0:D0', '1:D2', '0:D1']);
  });

  it('encode the range into every descriptor: page-selective, or the whole PASID for the full range', () => {
    const [iotlb] = vtdCacheTagsBatched.plan(target, range, config)[0]!.descriptors;
    expect(iotlb).toEqual({ kind: 'iotlb', scope: 'pasid-range', did: 3, pasid: 5, startVpn: 16, endVpn: 18, drain: true });
    const all = encodeRange(0, 2 ** 36, 'vtd', 18);
    expect(perDevice.plan(target, all, config)[0]!.descriptors[0]).toMatchObject({ scope: 'pasid', did: 3, pasid: 5 });
  });

  it('the registry names every strategy a profile may choose, each under its own name', () => {
    expect(Object.keys(STRATEGY_REGISTRY).sort()).toEqual([...STRATEGIES].sort());
    for (const [name, s] of Object.entries(STRATEGY_REGISTRY)) expect(s.name).toBe(name);
  });
});
