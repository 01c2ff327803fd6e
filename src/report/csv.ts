/**
 * The interval CSV, written in one place: its header and its row writer serve both the CSV a
 * run streams (`run --csv`, report/streams.ts) and `dmaload export --format csv`
 * (report/export.ts), so the two files read the same.
 *
 * Columns: tS,device,ops,opsPerSec,bytesPerSec,p50Ns,p99Ns,maxNs — one row per device per
 * interval. Rounding, one rule for every row: tS (the interval's end, seconds since the start)
 * to 6 decimals (1 µs), opsPerSec and bytesPerSec to 3 decimals, trailing zeros dropped ("2",
 * "1234.5"); ops and the latencies (ns) as recorded, whole numbers. An empty field is a figure
 * that is not available (an hlog carries no bytes; an interval of no length has no rate).
 * A device id with a comma, quote or line break is quoted (RFC 4180).
 */

export const CSV_HEADER = 'tS,device,ops,opsPerSec,bytesPerSec,p50Ns,p99Ns,maxNs';

export interface CsvRow {
  /** Interval end, seconds since the start. */
  tS: number;
  device: string;
  ops: number;
  /** null = not available (an interval of zero length). */
  opsPerSec: number | null;
  /** null = not available (an hlog has no bytes). */
  bytesPerSec: number | null;
  p50Ns: number;
  p99Ns: number;
  maxNs: number;
}

const TIME_DECIMALS = 6;
const RATE_DECIMALS = 3;

function field(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function rounded(n: number | null, decimals: number): string {
  return n === null ? '' : String(Number(n.toFixed(decimals)));
}

/** One CSV line, without its line break. */
export function csvRow(r: CsvRow): string {
  return [
    rounded(r.tS, TIME_DECIMALS),
    field(r.device),
    String(r.ops),
    rounded(r.opsPerSec, RATE_DECIMALS),
    rounded(r.bytesPerSec, RATE_DECIMALS),
    String(r.p50Ns),
    String(r.p99Ns),
    String(r.maxNs),
  ].join(',');
}

/** A whole CSV: the header, then one line per row, each ending in a line break. */
export function formatCsv(rows: readonly CsvRow[]): string {
  return `${[CSV_HEADER, ...rows.map(csvRow)].join('\n')}\n`;
}
