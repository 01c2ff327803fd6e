// Profile sizes: binary units only (K = KiB = 1024), whole bytes; formatBytes writes IEC units that parse back.
import { describe, expect, it } from 'vitest';

import { formatBytes, parseSizeBytes } from '../../src/common/units.js';

describe('parseSizeBytes', () => {
  it.each([
    [4096, 4096],
    [0, 0],
    ['4096', 4096],
    ['64B', 64],
    ['4KiB', 4096],
    ['16MiB', 16 * 1024 ** 2],
    ['16 MiB', 16 * 1024 ** 2],
    ['1GiB', 1024 ** 3],
    ['2TiB', 2 * 1024 ** 4],
    ['4K', 4096],
    ['16M', 16 * 1024 ** 2],
    ['1G', 1024 ** 3],
    ['1.5MiB', 1.5 * 1024 ** 2],
    [' 8KiB ', 8192],
  ])('parses %j as %d bytes', (input, bytes) => {
    expect(parseSizeBytes(input)).toBe(bytes);
  });

  it.each([
    ['negative number', -1],
    ['fractional number', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['unsafe integer', 2 ** 60],
    ['lowercase suffix', '4kib'],
    ['SI suffix', '4KB'],
    ['lowercase short suffix', '4k'],
    ['two spaces', '4  KiB'],
    ['unknown suffix', '4PiB'],
    ['fractional bytes', '1.3B'],
    ['negative string', '-4KiB'],
    ['empty string', ''],
    ['words', 'lots'],
    ['boolean', true],
    ['null', null],
    ['undefined', undefined],
    ['object', { sizeBytes: 4096 }],
  ])('rejects a %s', (_what, input) => {
    expect(parseSizeBytes(input)).toBeUndefined();
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1023, '1023 B'],
    [4096, '4 KiB'],
    [16 * 1024 ** 2, '16 MiB'],
    [1.5 * 1024 ** 3, '1.5 GiB'],
    [1024 ** 4, '1 TiB'],
    [1025, '1 KiB'],
    [1024 + 100, '1.1 KiB'],
    [4 * 1024 ** 2 + 4096, '4 MiB'],
    [Math.round(1.333 * 1024 ** 2), '1.33 MiB'],
    [1024 ** 2 - 1, '1 MiB'],
  ])('formats %d as %j', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });

  it('round-trips whole and one-decimal values through parseSizeBytes', () => {
    for (const n of [64, 4096, 65536, 1.5 * 1024 ** 2, 16 * 1024 ** 3]) {
      expect(parseSizeBytes(formatBytes(n))).toBe(n);
    }
  });
});
