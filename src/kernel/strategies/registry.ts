/** The invalidation strategies a profile or the command line can name. */

import type { Strategy } from '../../profile/types.js';
import { perDevice } from './per-device.js';
import { sharedDomain } from './shared-domain.js';
import type { InvalidationStrategy } from './strategy.js';

export const STRATEGY_REGISTRY: Readonly<Record<Strategy, InvalidationStrategy>> = {
  'per-device': perDevice,
  'shared-domain': sharedDomain,
};

export function strategyNamed(name: Strategy): InvalidationStrategy {
  return STRATEGY_REGISTRY[name];
}
