/** The invalidation strategies a profile or the command line can name (profile/types.ts STRATEGIES). */

import { canonicalStrategy, type Strategy } from '../../profile/types.js';
import type { InvalidationStrategy } from './strategy.js';
import { vtdCacheTagsBatched, vtdCacheTagsGrouped, vtdCacheTagsUnbatched } from './vtd-cache-tags.js';
import { vtdPerDevice } from './vtd-per-device.js';
import { vtdSvaDomain } from './vtd-sva-domain.js';
import { smmuv3RilStrategy, smmuv3Strategy } from './smmuv3.js';

export const STRATEGY_REGISTRY: Readonly<Record<Strategy, InvalidationStrategy>> = {
  'vtd-per-device': vtdPerDevice,
  'vtd-sva-domain': vtdSvaDomain,
  'vtd-cache-tags-unbatched': vtdCacheTagsUnbatched,
  'vtd-cache-tags-batched': vtdCacheTagsBatched,
  'vtd-cache-tags-grouped': vtdCacheTagsGrouped,
  smmuv3: smmuv3Strategy,
  'smmuv3-ril': smmuv3RilStrategy,
};

/** The strategy a canonical name or an alias names. */
export function strategyNamed(name: string): InvalidationStrategy {
  const canonical = canonicalStrategy(name);
  if (!canonical) throw new Error(`bug: unknown strategy "${name}"`);
  return STRATEGY_REGISTRY[canonical];
}
