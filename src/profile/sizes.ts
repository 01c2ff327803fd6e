/**
 * Byte sizes as written in profiles, and as shown back to users.
 *
 * Accepted forms (all IEC, powers of 1024):
 *   - a non-negative integer number:          4096
 *   - the same as a string:                   "4096"
 *   - a number with a suffix, case-sensitive:  "64B", "4KiB", "16 MiB", "1GiB", "2TiB"
 *   - short suffixes, also IEC:                "4K", "16M", "1G", "1T"
 * One optional space may separate the number from its suffix. A fractional number is accepted
 * only when the result is a whole number of bytes ("1.5MiB" is fine, "1.3B" is not), so
 * everything `formatBytes` prints with one decimal parses back.
 */

const UNIT_BYTES: Readonly<Record<string, number>> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};

const SIZE_RE = /^(\d+(?:\.\d+)?) ?(B|KiB|MiB|GiB|TiB|K|M|G|T)?$/;

/**
 * Parse a size in bytes; `undefined` when `v` is not a size (wrong type or syntax, negative,
 * a fraction of a byte, beyond Number.MAX_SAFE_INTEGER).
 */
export function parseSizeBytes(v: unknown): number | undefined {
  if (typeof v === 'number') {
    return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  }
  if (typeof v !== 'string') return undefined;
  const m = SIZE_RE.exec(v.trim());
  if (!m) return undefined;
  const [, digits = '', unit = 'B'] = m;
  const bytes = Number(digits) * (UNIT_BYTES[unit] ?? Number.NaN);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

const FORMAT_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** Human-readable size: "512 B", "4 KiB", "16 MiB", "1.5 GiB" (at most 2 decimals, trailing zeros dropped). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return `${n} B`;
  if (n < 0) return `-${formatBytes(-n)}`;
  let unit = 0;
  while (unit < FORMAT_UNITS.length - 1 && n >= 1024 ** (unit + 1)) unit++;
  let value = Math.round((n / 1024 ** unit) * 100) / 100;
  // Rounding can carry into the next unit (1048575 B is 1023.999 KiB → "1 MiB", not "1024 KiB").
  if (value >= 1024 && unit < FORMAT_UNITS.length - 1) {
    unit++;
    value = Math.round((n / 1024 ** unit) * 100) / 100;
  }
  return `${value} ${FORMAT_UNITS[unit]}`;
}
