/**
 * Units: the one place that knows what a unit name means, how sizes and latencies are read from
 * text, and how numbers are written for people — the terminal summary, progress, threshold
 * lines, profile messages, the HTML report and its browser-side plots (bundled from here).
 *
 * Convention (also in the README, "Units"):
 *   - Binary sizes are powers of 1024: KiB, MiB, GiB, TiB, and the bare K, M, G, T of profile
 *     sizes (as fio reads them: "4K" is 4096 bytes).
 *   - SI sizes and every rate are powers of 1000: kB (also written KB), MB, GB, TB; GB/s, MB/s,
 *     kB/s; the k, M, G, T of a count per second ("6.60 kops/s").
 *   - Times are powers of 1000: ns, us (or µs, μs), ms, s.
 *   - Results carry base units (ns, bytes, per second) in names that say so; these functions
 *     only read and write text.
 * Which names a reader accepts is its caller's choice (BINARY_SIZE_UNITS for profiles, where
 * every size is binary; PREFIXED_SIZE_UNITS for thresholds, where a prefix must say which),
 * but a name means the same everywhere.
 *
 * Leaves out: number grammar of its callers (thresholds read "1e6" and "2GB/s" themselves),
 * CSV number rounding (report/csv.ts), percentile axis ticks (report/html/axes.ts).
 * Imports nothing: it runs in Node and, bundled, in the browser.
 */

/** What a value that is not there (or not finite) reads as. */
export const NO_VALUE = '–';

// ---------------------------------------------------------------------------------------------
// Unit tables

/** Nanoseconds per time unit. */
export const TIME_UNITS_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5 micro sign
  'μs': 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
};

/** Bytes per size unit: binary names are powers of 1024, SI names powers of 1000. */
export const SIZE_UNITS_BYTES: Readonly<Record<string, number>> = {
  B: 1,
  kB: 1e3,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};

/** Sizes where every unit is binary (profiles): IEC names and the bare K, M, G, T. */
export const BINARY_SIZE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'K', 'M', 'G', 'T'] as const;

/** Sizes whose prefix says which it is (thresholds): SI and IEC names, no bare K, M, G, T. */
export const PREFIXED_SIZE_UNITS = ['B', 'kB', 'KB', 'MB', 'GB', 'TB', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** Nanoseconds per `unit`, or undefined for a name that is not a time unit. */
export function timeUnitNs(unit: string): number | undefined {
  return Object.hasOwn(TIME_UNITS_NS, unit) ? TIME_UNITS_NS[unit] : undefined;
}

/** Bytes per `unit` when it is one of `accepted`, else undefined. */
export function sizeUnitBytes(unit: string, accepted: readonly string[]): number | undefined {
  return accepted.includes(unit) ? SIZE_UNITS_BYTES[unit] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Sizes

const BINARY_SIZE_RE = new RegExp(`^(\\d+(?:\\.\\d+)?) ?(${BINARY_SIZE_UNITS.join('|')})?$`);

/**
 * A size in bytes as written in a profile; undefined when `v` is not one.
 *
 * Accepted: a non-negative safe integer (4096); the same as a string ("4096"); a number with a
 * binary unit, case-sensitive, one optional space between ("64B", "4KiB", "16 MiB", "4K", "1G").
 * A fraction is accepted only when the result is a whole number of bytes ("1.5MiB", not
 * "1.3B"), so everything `formatBytes` prints parses back. SI units ("4KB") are not sizes here.
 */
export function parseSizeBytes(v: unknown): number | undefined {
  if (typeof v === 'number') {
    return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  }
  if (typeof v !== 'string') return undefined;
  const m = BINARY_SIZE_RE.exec(v.trim());
  if (!m) return undefined;
  const [, digits = '', unit = 'B'] = m;
  const bytes = Number(digits) * (SIZE_UNITS_BYTES[unit] ?? Number.NaN);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

const IEC_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** A size with an IEC unit: "512 B", "4 KiB", "1.5 GiB" (at most 2 decimals, trailing zeros dropped). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return `${n} B`;
  if (n < 0) return `-${formatBytes(-n)}`;
  let unit = 0;
  while (unit < IEC_UNITS.length - 1 && n >= 1024 ** (unit + 1)) unit++;
  let value = Math.round((n / 1024 ** unit) * 100) / 100;
  // Rounding can carry into the next unit (1048575 B is 1023.999 KiB → "1 MiB", not "1024 KiB").
  if (value >= 1024 && unit < IEC_UNITS.length - 1) {
    unit++;
    value = Math.round((n / 1024 ** unit) * 100) / 100;
  }
  return `${value} ${IEC_UNITS[unit]}`;
}

// ---------------------------------------------------------------------------------------------
// Scaled numbers: three significant digits in the largest unit the value reaches.

type Steps = readonly (readonly [factor: number, suffix: string])[];

const NS_STEPS: Steps = [
  [1e9, 's'],
  [1e6, 'ms'],
  [1e3, 'µs'],
];
const SI_STEPS_TO_G: Steps = [
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];
const SI_STEPS_TO_T: Steps = [[1e12, 'T'], ...SI_STEPS_TO_G];

/** `v` in the first step whose factor `magnitude` reaches, as `<3 significant digits> <suffix>`; undefined below them all. */
function scaled(v: number, magnitude: number, steps: Steps, trim: boolean): string | undefined {
  for (const [factor, suffix] of steps) {
    if (magnitude >= factor) return `${threeDigits(v / factor, trim)} ${suffix}`;
  }
  return undefined;
}

/** Three significant digits; `trim` drops trailing zeros ("1.5" rather than "1.50"). */
function threeDigits(x: number, trim: boolean): string {
  return trim ? String(Number(x.toPrecision(3))) : x.toPrecision(3);
}

const absent = (v: number | null | undefined): v is null | undefined => v === null || v === undefined || !Number.isFinite(v);

/** A latency for tables: "840 ns", "84.1 µs", "1.50 ms", "2.00 s". */
export function formatNs(ns: number): string {
  if (absent(ns)) return NO_VALUE;
  if (ns < 1_000) return `${Math.round(ns)} ns`;
  return scaled(ns, ns, NS_STEPS, false)!;
}

/** A count per second with an SI prefix and no unit, for "<rate>ops/s": "6.60 k", "1.70 M", "840". */
export function formatRate(perSec: number): string {
  if (absent(perSec)) return NO_VALUE;
  return scaled(perSec, perSec, SI_STEPS_TO_G, false) ?? perSec.toPrecision(3);
}

/** A value with an SI prefix up to T and a trailing space, for "<value><unit>": "1.70 M", "512 ". */
export function formatSi(v: number): string {
  if (absent(v)) return NO_VALUE;
  return scaled(v, Math.abs(v), SI_STEPS_TO_T, false) ?? `${threeDigits(v, true)} `;
}

/** Bytes per second in GB/s (10^9), two decimals, no unit: "3.20". */
export function formatGBps(bytesPerSec: number): string {
  if (absent(bytesPerSec)) return NO_VALUE;
  return (bytesPerSec / 1e9).toFixed(2);
}

/** Bytes per second with its SI unit: "27.0 MB/s", "6.80 GB/s", "512 B/s". */
export function formatBytesPerSec(bytesPerSec: number): string {
  if (absent(bytesPerSec)) return NO_VALUE;
  const s = scaled(bytesPerSec, bytesPerSec, SI_STEPS_TO_G, false);
  return s !== undefined ? `${s}B/s` : `${Math.round(bytesPerSec)} B/s`;
}

/** A whole count with thousands separators: "33,000". */
export function formatCount(n: number): string {
  if (absent(n)) return NO_VALUE;
  return Math.round(n).toLocaleString('en-US');
}

/** A number as exactly as it is, thousands separated, at most 3 decimals: "50,040", "1,234.5". */
export function formatExact(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/** A fraction as a percentage with one decimal: 0.8 → "80.0%". */
export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** A ratio to a baseline: "0.25×". */
export function formatRatio(ratio: number): string {
  return `${ratio.toFixed(2)}×`;
}

/** A clock reading in seconds with one decimal: "2.0s". */
export function formatClockS(s: number): string {
  return `${s.toFixed(1)}s`;
}

// ---------------------------------------------------------------------------------------------
// Compact forms, for plot axes and legends: trailing zeros dropped, 0 as "0", no value as "–".

/** "0", "840 ns", "1.5 µs", "84.1 µs". */
export function formatNsCompact(ns: number | null | undefined): string {
  if (absent(ns)) return NO_VALUE;
  if (ns === 0) return '0';
  if (ns < 1e3) return `${threeDigits(ns, true)} ns`;
  return scaled(ns, ns, NS_STEPS, true)!;
}

/** A count per second: "0", "840 /s", "3.3 k/s", "1.7 M/s". */
export function formatRateCompact(perSec: number | null | undefined): string {
  if (absent(perSec)) return NO_VALUE;
  const s = scaled(perSec, perSec, SI_STEPS_TO_G, true);
  if (s !== undefined) return `${s}/s`;
  if (perSec === 0) return '0';
  return `${threeDigits(perSec, true)} /s`;
}

/** A count (or a mean of counts): "0", "840", "2.5", "3.3 k", "1.7 M". */
export function formatCountCompact(n: number | null | undefined): string {
  if (absent(n)) return NO_VALUE;
  if (n === 0) return '0';
  return scaled(n, Math.abs(n), SI_STEPS_TO_G, true) ?? threeDigits(n, true);
}

/** Bytes per second: "0", "512 B/s", "13 MB/s", "6.8 GB/s". */
export function formatBytesPerSecCompact(bytesPerSec: number | null | undefined): string {
  if (absent(bytesPerSec)) return NO_VALUE;
  if (bytesPerSec === 0) return '0';
  const s = scaled(bytesPerSec, bytesPerSec, SI_STEPS_TO_G, true);
  return s !== undefined ? `${s}B/s` : `${threeDigits(bytesPerSec, true)} B/s`;
}

/** Seconds to four significant digits: "1.25 s". */
export function formatSecondsCompact(s: number | null | undefined): string {
  if (s === null || s === undefined) return NO_VALUE;
  return `${Number(s.toPrecision(4))} s`;
}
