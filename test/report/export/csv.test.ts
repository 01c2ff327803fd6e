// export --format csv: a row per device per interval point of a result, or per interval of an
// hlog (bytes left empty, tS the interval end, absolute hlog times made relative).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { exportCommand } from '../../../src/cli/export/handler.js';
import { summarise } from '../../../src/metrics/histogram.js';
import { CSV_HEADER } from '../../../src/report/csv.js';
import { parseHlog } from '../../../src/report/export.js';
import { canon, DEVICES, hist, runResult, save, tmp, VALUES, writeHlog } from './helpers.js';

describe('export --format csv', () => {
  it('from a run result: one row per device per interval point', async () => {
    const d = tmp();
    const input = save(d, 'run.json', JSON.stringify(runResult(VALUES)));
    await exportCommand({ input, format: 'csv', out: undefined, quiet: true });
    const lines = readFileSync(join(d, 'run.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(CSV_HEADER);
    expect(lines).toHaveLength(1 + 3 * DEVICES.length);
    const s = summarise(hist(VALUES['dsa0']![1]!));
    const n = VALUES['dsa0']![1]!.length;
    expect(lines[3]).toBe(`2,dsa0,${n},${n},${n * 4096},${s.p50},${s.p99},${s.max}`);
  });

  it('from an hlog: ops from each interval histogram, bytes left empty, tS the interval end', async () => {
    const d = tmp();
    const input = save(d, 'run.hlog', writeHlog(VALUES));
    const out = join(d, 'x', 'intervals.csv');
    await exportCommand({ input, format: 'csv', out, quiet: true });
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(CSV_HEADER);
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows).toHaveLength(6);
    expect(rows.map((r) => [r[0], r[1]])).toEqual([
      ['1', 'dsa0'],
      ['1', 'iax.1'],
      ['2', 'dsa0'],
      ['2', 'iax.1'],
      ['3', 'dsa0'],
      ['3', 'iax.1'],
    ]);
    const vs = VALUES['iax.1']![1]!;
    const s = summarise(canon(vs));
    expect(rows[3]).toEqual(['2', 'iax.1', String(vs.length), String(vs.length), '', String(s.p50), String(s.p99), String(s.max)]);
  });

  it('makes absolute hlog timestamps relative to StartTime', () => {
    const log = parseHlog(writeHlog(VALUES, { absolute: true }), 'abs.hlog');
    expect(log.intervals.map((iv) => iv.tS)).toEqual([1, 1, 2, 2, 3, 3]);
  });
});
