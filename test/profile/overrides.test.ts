// `--set key=value` (profile/overrides.ts): a dotted path and a YAML value, applied to the
// profile's data before validation, so the profile's own checks judge the result.
import { describe, expect, it } from 'vitest';
import { ProfileError, parseProfile } from '../../src/profile/load.js';
import { OverrideError, parseOverride } from '../../src/profile/overrides.js';
import { MINIMAL } from './helpers.js';

const with_ = (...sets: string[]) => parseProfile(MINIMAL, 'p.yaml', sets.map(parseOverride));

describe('--set overrides', () => {
  it('sets nested keys, list entries and whole mappings, with YAML values', () => {
    const p = with_('devices[0].engines=4', 'devices.0.workload.queueDepth=32', 'invalidation.strategy=vtd-per-device', 'platform={preset: guest, trapNs: 5000}', 'durationS=0.25', 'devices[0].ats=false');
    expect(p.devices[0]).toMatchObject({ engines: 4, ats: false, workload: { queueDepth: 32 } });
    expect(p.invalidation.strategy).toBe('vtd-per-device');
    expect(p.platform.preset).toBe('guest');
    expect(p.platform.costs.trapNs).toBe(5000);
    expect(p.durationS).toBe(0.25);
  });

  it('applies in order; a later one wins', () => {
    expect(with_('devices[0].engines=2', 'devices[0].engines=3').devices[0]!.engines).toBe(3);
  });

  it('leaves judging to the profile checks: a bad value is a profile problem at its path', () => {
    try {
      with_('devices[0].engines=99');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ProfileError);
      expect((e as ProfileError).problems).toEqual([{ path: 'devices[0].engines', message: 'expected an integer from 1 to 16, got 99' }]);
    }
  });

  it.each([
    ['engines', 'expected key=value, e.g. devices[0].engines=4'],
    ['=4', 'expected key=value, e.g. devices[0].engines=4'],
    ['devices[x].engines=4', '"devices[x]" is not a key; expected keys and list indices like devices[0].workload.queueDepth'],
  ])('refuses the malformed %s', (text, message) => {
    expect(() => parseOverride(text)).toThrow(new OverrideError(`--set ${text}: ${message}`));
  });

  it.each([
    ['devices[3].engines=4', 'devices has 1 entry; expected an index below 1'],
    ['durationS.x=4', 'durationS is not a mapping'],
    ['iommus.id=4', 'iommus is not a mapping'],
  ])('refuses %s, which does not apply to the profile', (text, message) => {
    expect(() => with_(text)).toThrow(new OverrideError(`--set ${text}: ${message}`));
  });
});

describe('--set devices.count', () => {
  it('makes the device list N copies of its first device, the others named <id>-k', () => {
    const p = with_('devices.count=3', 'devices[2].engines=2');
    expect(p.devices.map((d) => d.id)).toEqual(['dsa0', 'dsa0-1', 'dsa0-2']);
    expect(p.devices.map((d) => d.engines)).toEqual([1, 1, 2]);
    expect(p.devices.every((d) => d.attach.type === 'sva' && d.attach.process === 'app')).toBe(true);
  });

  it.each(['0', '2.5', 'many', '2000'])('refuses devices.count=%s', (n) => {
    expect(() => with_(`devices.count=${n}`)).toThrow(new OverrideError(`--set devices.count=${n}: expected a device count, an integer from 1 to 1024`));
  });
});
