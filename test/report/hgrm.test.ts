// One .hgrm writer for `run --hgrm` and `export --format hgrm`: a file per series with a safe
// name, "all.hgrm" for the total, and no series (a device named "all" included) overwriting another.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { newMergeHistogram } from '../../src/metrics/histogram.js';
import { hgrmFileNames, writeHgrmFiles } from '../../src/report/hgrm.js';

const dir = mkdtempSync(join(tmpdir(), 'dmaload-hgrm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function histogramOf(n: number) {
  const h = newMergeHistogram();
  for (let i = 1; i <= n; i++) h.recordValue(i * 1000);
  return h;
}

const totalCount = (file: string): number => Number(/Total count\s*=\s*(\d+)/.exec(readFileSync(file, 'utf8'))![1]);

describe('.hgrm files', () => {
  it('names files safely: "all" belongs to the total, odd tags are sanitised', () => {
    expect(hgrmFileNames(['dsa0', 'all', 'a b', 'a_b', '../x'])).toEqual(['dsa0.hgrm', 'all-2.hgrm', 'a_b.hgrm', 'a_b-2.hgrm', '_.._x.hgrm']);
  });

  it('writes one file per series and all.hgrm for the total, none overwriting another', () => {
    const out = join(dir, 'run');
    const written = writeHgrmFiles(out, [{ id: 'dsa0', histogram: histogramOf(3) }, { id: 'all', histogram: histogramOf(5) }], histogramOf(8));
    expect(readdirSync(out).sort()).toEqual(['all-2.hgrm', 'all.hgrm', 'dsa0.hgrm']);
    expect(written.map((f) => totalCount(f))).toEqual([3, 5, 8]);
    expect(totalCount(join(out, 'all.hgrm'))).toBe(8);
  });
});
