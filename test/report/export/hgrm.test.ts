// export --format hgrm: a file per device (or hlog tag) and all.hgrm, counts equal to the
// result's ops or the sum of the intervals, the same distribution as one histogram of every value.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { exportCommand } from '../../../src/cli/export/handler.js';
import { canon, DEVICES, expectBadInput, runResult, save, tmp, totalCount, VALUES, writeHlog } from './helpers.js';

describe('export --format hgrm', () => {
  it('writes one file per device and all.hgrm whose total counts are the result ops', async () => {
    const d = tmp();
    const R = runResult(VALUES);
    const input = save(d, 'run.json', JSON.stringify(R));
    await exportCommand({ input, format: 'hgrm', out: undefined, quiet: true });
    const out = join(d, 'run-hgrm');
    expect(readdirSync(out).sort()).toEqual(['all.hgrm', 'dsa0.hgrm', 'iax.1.hgrm']);
    for (const dev of R.devices) expect(totalCount(readFileSync(join(out, `${dev.id}.hgrm`), 'utf8'))).toBe(dev.ops);
    expect(totalCount(readFileSync(join(out, 'all.hgrm'), 'utf8'))).toBe(R.totals.ops);
  });

  it('merges all intervals of a tag of an hlog', async () => {
    const d = tmp();
    const input = save(d, 'run.hlog', writeHlog(VALUES));
    const out = join(d, 'out');
    await exportCommand({ input, format: 'hgrm', out, quiet: true });
    for (const tag of DEVICES) {
      const text = readFileSync(join(out, `${tag}.hgrm`), 'utf8');
      expect(totalCount(text)).toBe(VALUES[tag]!.flat().length);
      // The same distribution as one histogram of all the values.
      // (All but the "#[Buckets" line, which shows the merge histogram's larger range.)
      const layout = (t: string) => t.replace(/#\[Buckets.*\n/, '');
      expect(layout(text)).toBe(layout(canon(VALUES[tag]!.flat()).outputPercentileDistribution(5, 1)));
    }
    expect(totalCount(readFileSync(join(out, 'all.hgrm'), 'utf8'))).toBe(DEVICES.flatMap((t) => VALUES[t]!.flat()).length);
  });

  it('accepts an idle device with no histogram, but not a busy one', async () => {
    const d = tmp();
    const R = runResult(VALUES);
    R.devices.push({ ...R.devices[0]!, id: 'idle', ops: 0 });
    const out = join(d, 'h');
    await exportCommand({ input: save(d, 'run.json', JSON.stringify(R)), format: 'hgrm', out, quiet: true });
    expect(totalCount(readFileSync(join(out, 'idle.hgrm'), 'utf8'))).toBe(0);
    delete R.histograms.devices['dsa0'];
    await expectBadInput(
      exportCommand({ input: save(d, 'run.json', JSON.stringify(R)), format: 'hgrm', out, quiet: true }),
      /run\.json: histograms\.devices has no histogram for device "dsa0"/,
    );
  });
});
