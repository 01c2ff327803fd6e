/** Defaults of the churn, invalidation, platform and checker keys when a profile leaves them out. */
import { describe, expect, it } from 'vitest';

import { PRESET_COSTS } from '../../src/platform/presets.js';
import { parseProfile } from '../../src/profile/load.js';
import { MINIMAL } from './helpers.js';

describe('defaults of churn, invalidation, platform, checker', () => {
  it('fills them in when the keys are absent', () => {
    const profile = parseProfile(MINIMAL, 'p.yaml');
    expect(profile.churn).toBeUndefined();
    expect(profile.invalidation).toEqual({
      strategy: 'vtd-cache-tags-grouped',
      batchSize: 16,
      rangeEncoding: 'vtd',
      arch: 'x86',
      maxAddressMask: 18,
    });
    expect(profile.platform).toEqual({ preset: 'native', costs: PRESET_COSTS.native });
    expect(profile.checker).toBe(true);
  });

  it('fills the rest of an invalidation mapping that sets one key', () => {
    const profile = parseProfile(`${MINIMAL}invalidation: { strategy: per-device }\n`, 'p.yaml');
    expect(profile.invalidation).toEqual({
      strategy: 'vtd-per-device',
      batchSize: 16,
      rangeEncoding: 'vtd',
      arch: 'x86',
      maxAddressMask: 18,
    });
  });

  it('fills the defaults of a churn that gives only process, region and a rate', () => {
    const profile = parseProfile(`${MINIMAL}churn: { process: app, region: buf, ratePerSec: 100 }\n`, 'p.yaml');
    expect(profile.churn).toEqual({
      process: 'app',
      region: 'buf',
      ops: { munmap: 1, mprotect: 0, migrate: 0 },
      ratePerSec: 100,
      count: undefined,
      rangeBytes: 4096,
      aligned: true,
      startS: 0,
      stage: 1,
    });
  });

  it('gives churn ops left out of a mapping the weight 0', () => {
    const text = `${MINIMAL}churn: { process: app, region: buf, count: 10, ops: { migrate: 3 } }\n`;
    expect(parseProfile(text, 'p.yaml').churn?.ops).toEqual({ munmap: 0, mprotect: 0, migrate: 3 });
  });

  it('takes checker: false', () => {
    expect(parseProfile(`${MINIMAL}checker: false\n`, 'p.yaml').checker).toBe(false);
  });

  it('does not share the default cost object with PRESET_COSTS', () => {
    const profile = parseProfile(MINIMAL, 'p.yaml');
    expect(profile.platform.costs).not.toBe(PRESET_COSTS.native);
  });
});
