// One CSV row writer, one rounding, for the CSV a run streams and the one `export` writes:
// tS to 6 decimals, rates to 3, trailing zeros dropped, integers as recorded, empty = n/a.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { newMergeHistogram } from '../../src/metrics/histogram.js';
import { CSV_HEADER, csvRow, formatCsv } from '../../src/report/csv.js';
import { IntervalStreams } from '../../src/report/streams.js';

const dir = mkdtempSync(join(tmpdir(), 'dmaload-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CSV rows', () => {
  it('round tS to 6 decimals and rates to 3, dropping trailing zeros', () => {
    const row = { tS: 1.000_000_4, device: 'dsa0', ops: 3, opsPerSec: 9.000_01, bytesPerSec: 36_864.000_4, p50Ns: 1200, p99Ns: 2400, maxNs: 2411 };
    expect(csvRow(row)).toBe('1,dsa0,3,9,36864,1200,2400,2411');
    expect(csvRow({ ...row, tS: 2.250_000_7, opsPerSec: 1234.567_89, bytesPerSec: null })).toBe('2.250001,dsa0,3,1234.568,,1200,2400,2411');
  });

  it('quote a device id with a comma or a quote, and start with the header', () => {
    const row = { tS: 1, device: 'a,"b"', ops: 0, opsPerSec: null, bytesPerSec: null, p50Ns: 0, p99Ns: 0, maxNs: 0 };
    expect(formatCsv([row])).toBe(`${CSV_HEADER}\n1,"a,""b""",0,,,0,0,0\n`);
  });

  it('are what a run streams to --csv', () => {
    const file = join(dir, 'run.csv');
    const streams = new IntervalStreams({ csv: file });
    streams.start(Date.now());
    const histogram = newMergeHistogram();
    for (const v of [1000, 2000, 3000]) histogram.recordValue(v);
    streams.interval({ device: 'dsa0', startS: 0, endS: 0.333_333_33, ops: 3, bytes: 3 * 4096, histogram });
    streams.finish();
    const rows = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(rows[0]).toBe(CSV_HEADER);
    // 3 ops in 0.33333333 s = 9.00000009/s → "9"; bytes 36864.00037/s → "36864".
    expect(rows[1]).toBe(
      csvRow({ tS: 0.333_333_33, device: 'dsa0', ops: 3, opsPerSec: 3 / 0.333_333_33, bytesPerSec: (3 * 4096) / 0.333_333_33, p50Ns: histogram.getValueAtPercentile(50), p99Ns: histogram.getValueAtPercentile(99), maxNs: histogram.maxValue }),
    );
    expect(rows[1]).toMatch(/^0\.333333,dsa0,3,9,36864,2\d{3},3\d{3},3\d{3}$/);
  });
});
