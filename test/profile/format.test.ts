import { describe, expect, it } from 'vitest';

import { formatProfileError, ProfileError } from '../../src/profile/load.js';

describe('formatProfileError', () => {
  it('prints one line per problem, as <file>: <path>: <message>, omitting an empty path', () => {
    const e = new ProfileError('p.yaml', [
      { path: '', message: 'YAML syntax error at line 1, column 1: oops' },
      { path: 'devices[0].iommu', message: '"x" names no IOMMU; expected one of: iommu0' },
    ]);
    expect(formatProfileError(e)).toBe(
      'p.yaml: YAML syntax error at line 1, column 1: oops\n' +
        'p.yaml: devices[0].iommu: "x" names no IOMMU; expected one of: iommu0',
    );
  });

  it('is an Error whose message is the formatted problems', () => {
    const e = new ProfileError('p.yaml', [{ path: 'seed', message: 'expected an integer' }]);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ProfileError');
    expect(e.message).toBe('p.yaml: seed: expected an integer');
  });
});
