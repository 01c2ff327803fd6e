// The formatters read as the terminal, threshold lines and HTML report have always printed
// them (three significant digits, SI prefixes), and their compact forms as the report's plot
// axes and legends print them (trailing zeros dropped, 0 as "0", nothing as "–").
import { describe, expect, it } from 'vitest';

import {
  formatBytesPerSec,
  formatBytesPerSecCompact,
  formatClockS,
  formatCount,
  formatCountCompact,
  formatExact,
  formatGBps,
  formatNs,
  formatNsCompact,
  formatPercent,
  formatRate,
  formatRateCompact,
  formatRatio,
  formatSecondsCompact,
  formatSi,
} from '../../src/common/units.js';

describe('table formatters', () => {
  it.each([
    [840.4, '840 ns'],
    [999.6, '1000 ns'],
    [1_000, '1.00 µs'],
    [84_100, '84.1 µs'],
    [1_500_000, '1.50 ms'],
    [2e9, '2.00 s'],
    [Number.NaN, '–'],
  ])('formatNs(%d) = %j', (v, text) => expect(formatNs(v)).toBe(text));

  it.each([
    [0, '0.00'],
    [840, '840'],
    [6_600, '6.60 k'],
    [1_700_000, '1.70 M'],
    [2.5e9, '2.50 G'],
    [3e12, '3.00e+3 G'],
  ])('formatRate(%d) = %j', (v, text) => expect(formatRate(v)).toBe(text));

  it.each([
    [512, '512 '],
    [0.25, '0.25 '],
    [1_700_000, '1.70 M'],
    [3e12, '3.00 T'],
    [-2_000, '-2.00 k'],
  ])('formatSi(%d) = %j', (v, text) => expect(formatSi(v)).toBe(text));

  it.each([
    [512.4, '512 B/s'],
    [27e6, '27.0 MB/s'],
    [6.8e9, '6.80 GB/s'],
  ])('formatBytesPerSec(%d) = %j', (v, text) => expect(formatBytesPerSec(v)).toBe(text));

  it('counts, GB/s, percentages, ratios, clocks and exact values', () => {
    expect(formatCount(33_000.4)).toBe('33,000');
    expect(formatCount(Number.POSITIVE_INFINITY)).toBe('–');
    expect(formatGBps(3.2e9)).toBe('3.20');
    expect(formatPercent(0.8)).toBe('80.0%');
    expect(formatRatio(0.25)).toBe('0.25×');
    expect(formatClockS(2)).toBe('2.0s');
    expect(formatExact(50_040)).toBe('50,040');
    expect(formatExact(1234.56789)).toBe('1,234.568');
  });
});

describe('compact formatters (plot axes and legends)', () => {
  it.each([
    [0, '0'],
    [12.5, '12.5 ns'],
    [1_500, '1.5 µs'],
    [84_100, '84.1 µs'],
    [2e9, '2 s'],
    [null, '–'],
    [Number.NaN, '–'],
  ])('formatNsCompact(%s) = %j', (v, text) => expect(formatNsCompact(v)).toBe(text));

  it.each([
    [0, '0'],
    [840, '840 /s'],
    [3_300, '3.3 k/s'],
    [1.7e6, '1.7 M/s'],
    [undefined, '–'],
  ])('formatRateCompact(%s) = %j', (v, text) => expect(formatRateCompact(v)).toBe(text));

  it.each([
    [0, '0'],
    [840, '840'],
    [2.5, '2.5'],
    [3_300, '3.3 k'],
    [1.7e6, '1.7 M'],
    [-3_300, '-3.3 k'],
    [null, '–'],
  ])('formatCountCompact(%s) = %j', (v, text) => expect(formatCountCompact(v)).toBe(text));

  it.each([
    [0, '0'],
    [512, '512 B/s'],
    [13e6, '13 MB/s'],
    [6.8e9, '6.8 GB/s'],
    [Number.POSITIVE_INFINITY, '–'],
  ])('formatBytesPerSecCompact(%s) = %j', (v, text) => expect(formatBytesPerSecCompact(v)).toBe(text));

  it('seconds to four significant digits', () => {
    expect(formatSecondsCompact(1.25)).toBe('1.25 s');
    expect(formatSecondsCompact(2.000_04)).toBe('2 s');
    expect(formatSecondsCompact(null)).toBe('–');
  });
});
