// One unit convention everywhere: binary names (KiB…, and the bare K… of profile sizes) are
// powers of 1024, SI names (kB/KB…) and rates powers of 1000; each reader accepts its own set
// of names, but a name means the same in every reader.
import { describe, expect, it } from 'vitest';

import {
  BINARY_SIZE_UNITS,
  parseSizeBytes,
  PREFIXED_SIZE_UNITS,
  SIZE_UNITS_BYTES,
  sizeUnitBytes,
  timeUnitNs,
} from '../../src/common/units.js';

describe('unit convention', () => {
  it('binary names are powers of 1024, the bare K, M, G, T included', () => {
    expect(['K', 'M', 'G', 'T'].map((u) => SIZE_UNITS_BYTES[u])).toEqual([1024, 1024 ** 2, 1024 ** 3, 1024 ** 4]);
    expect(['KiB', 'MiB', 'GiB', 'TiB'].map((u) => SIZE_UNITS_BYTES[u])).toEqual([1024, 1024 ** 2, 1024 ** 3, 1024 ** 4]);
    expect(parseSizeBytes('4K')).toBe(parseSizeBytes('4KiB'));
  });

  it('SI names are powers of 1000, KB the same as kB', () => {
    expect(['kB', 'KB', 'MB', 'GB', 'TB'].map((u) => SIZE_UNITS_BYTES[u])).toEqual([1e3, 1e3, 1e6, 1e9, 1e12]);
  });

  it('every reader resolves a name it accepts through the one table', () => {
    for (const u of [...BINARY_SIZE_UNITS, ...PREFIXED_SIZE_UNITS]) {
      expect(sizeUnitBytes(u, [...BINARY_SIZE_UNITS, ...PREFIXED_SIZE_UNITS])).toBe(SIZE_UNITS_BYTES[u]);
    }
    // Profiles take no SI name; thresholds take no bare K (a prefix must say which it is).
    expect(sizeUnitBytes('KB', BINARY_SIZE_UNITS)).toBeUndefined();
    expect(sizeUnitBytes('K', PREFIXED_SIZE_UNITS)).toBeUndefined();
  });

  it('times are powers of 1000 of a nanosecond, µ spelt three ways', () => {
    expect(['ns', 'us', 'µs', 'μs', 'ms', 's'].map(timeUnitNs)).toEqual([1, 1e3, 1e3, 1e3, 1e6, 1e9]);
    expect(timeUnitNs('toString')).toBeUndefined();
    expect(timeUnitNs('xs')).toBeUndefined();
  });
});
