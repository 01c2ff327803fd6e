/**
 * Deliberately broken invalidation strategies, for tests only: each leaves out one step the
 * safety protocol needs, so the use-after-free checker has something to catch. Injected through
 * the run API (`runProfile(profile, { strategy })`); product code knows nothing of them.
 */

import { vtdCacheTagsGrouped as sharedDomain } from '../../src/kernel/strategies/vtd-cache-tags.js';
import type { InvalidationStrategy } from '../../src/kernel/strategies/strategy.js';

/** shared-domain without its device-TLB descriptors: stale device-TLB entries survive. */
export const skipDevtlb: InvalidationStrategy = {
  name: 'broken-skip-devtlb',
  reproduces: 'nothing: a test of the checker',
  plan: (target, range, config) =>
    sharedDomain
      .plan(target, range, config)
      .map((s) => ({ ...s, descriptors: s.descriptors.filter((d) => d.kind !== 'devtlb') }))
      .filter((s) => s.descriptors.length > 0),
};

/** shared-domain whose IOTLB descriptors do not drain in-flight DMA before the wait completes. */
export const skipDrain: InvalidationStrategy = {
  name: 'broken-skip-drain',
  reproduces: 'nothing: a test of the checker',
  plan: (target, range, config) =>
    sharedDomain
      .plan(target, range, config)
      .map((s) => ({ ...s, descriptors: s.descriptors.map((d) => (d.kind === 'iotlb' ? { ...d, drain: false } : d)) })),
};
