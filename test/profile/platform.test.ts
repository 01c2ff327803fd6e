/** `platform`: a preset name, or a mapping of a preset and per-figure overrides. */
import { describe, expect, it } from 'vitest';

import { COST_NAMES, PLATFORM_PRESETS, PRESET_COSTS } from '../../src/platform/presets.js';
import { parseProfile } from '../../src/profile/load.js';
import { MINIMAL, problemsOf } from './helpers.js';

// Host timing: the zero preset is valid only there (modelled time needs a cost per descriptor).
const platformOf = (yaml: string) => parseProfile(`${MINIMAL}timing: host\nplatform: ${yaml}\n`, 'p.yaml').platform;

describe('platform', () => {
  it.each(PLATFORM_PRESETS)('takes the preset name %s as a string, with that preset\'s costs', (preset) => {
    expect(platformOf(preset)).toEqual({ preset, costs: PRESET_COSTS[preset] });
  });

  it('takes a mapping with a preset and overrides only the figures it gives', () => {
    expect(platformOf('{ preset: guest, trapNs: 5000, iotlbMissWalkNs: 0 }')).toEqual({
      preset: 'guest',
      costs: { ...PRESET_COSTS.guest, trapNs: 5000, iotlbMissWalkNs: 0 },
    });
  });

  it('defaults the preset of a mapping to native', () => {
    expect(platformOf('{ submissionWaitNs: 2500.5 }')).toEqual({
      preset: 'native',
      costs: { ...PRESET_COSTS.native, submissionWaitNs: 2500.5 },
    });
    expect(platformOf('{}')).toEqual({ preset: 'native', costs: PRESET_COSTS.native });
  });

  it('accepts an override for every cost name', () => {
    const overrides = COST_NAMES.map((c, i) => `${c}: ${i + 1}`).join(', ');
    const costs = platformOf(`{ preset: zero, ${overrides} }`).costs;
    expect(COST_NAMES.map((c) => costs[c])).toEqual(COST_NAMES.map((_, i) => i + 1));
  });

  it('does not change PRESET_COSTS when overriding', () => {
    const before = structuredClone(PRESET_COSTS);
    platformOf('{ preset: native, trapNs: 7 }');
    expect(PRESET_COSTS).toEqual(before);
  });

  it('reports an unknown cost name as an unknown key listing the known ones', () => {
    expect(problemsOf(() => parseProfile(`${MINIMAL}platform: { preset: native, walkNs: 1 }\n`, 'p.yaml'))).toEqual([
      {
        path: 'platform.walkNs',
        message: `unknown key "walkNs"; expected one of: preset, ${COST_NAMES.join(', ')}`,
      },
    ]);
  });

  it('rejects a platform whose descriptors cost nothing under modelled time (the default), naming the preset', () => {
    const expected = [
      {
        path: 'platform',
        message:
          "submitNs + descriptorNs + completionNs is 0 (preset zero); modelled time needs a cost per descriptor, or a device's virtual " +
          'clock never moves; expected timing: host, or a positive descriptorNs',
      },
    ];
    expect(problemsOf(() => parseProfile(`${MINIMAL}platform: zero\n`, 'p.yaml'))).toEqual(expected);
    expect(problemsOf(() => parseProfile(`${MINIMAL}timing: modelled\nplatform: zero\n`, 'p.yaml'))).toEqual(expected);
    // One positive cost is enough.
    expect(parseProfile(`${MINIMAL}platform: { preset: zero, descriptorNs: 1 }\n`, 'p.yaml').timing).toBe('modelled');
  });
});

