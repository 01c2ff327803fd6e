// `dmaload report`: writes <input>.html (or --out) for a run, a compare and a sweep result, and
// rejects a missing, unparsable or foreign file, or a broken sweep.json, with one BadInputError
// naming it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultHtmlPath, loadReportInput, reportCommand } from '../../src/cli/report/handler.js';
import { BadInputError } from '../../src/run/errors.js';
import { makeCompareResult, makeRunResult, makeSweepResult } from '../report/fixtures.js';

describe('reportCommand', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmaload-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes <input>.html for a run result and a compare result', async () => {
    const run = join(dir, 'run.json');
    writeFileSync(run, JSON.stringify(makeRunResult()));
    await reportCommand({ inputs: [run], out: undefined, quiet: true });
    expect(readFileSync(join(dir, 'run.html'), 'utf8')).toContain('dmaload run report');

    const cmp = join(dir, 'cmp.json');
    writeFileSync(cmp, JSON.stringify(makeCompareResult()));
    const out = join(dir, 'sub', 'c.html');
    await reportCommand({ inputs: [cmp], out, quiet: true });
    expect(readFileSync(out, 'utf8')).toContain('dmaload compare report');
  });

  it('writes DIR/sweep.html for DIR/sweep.json, and names each problem of a broken one', async () => {
    const sweep = join(dir, 'sweep.json');
    writeFileSync(sweep, JSON.stringify(makeSweepResult()));
    await reportCommand({ inputs: [sweep], out: undefined, quiet: true });
    expect(readFileSync(join(dir, 'sweep.html'), 'utf8')).toContain('<h1>dmaload sweep report: sweep &lt;fixture&gt;</h1>');
    const s = JSON.parse(JSON.stringify(makeSweepResult())) as { repeat: number; points: { status: string }[]; table: { metrics: Record<string, unknown> }[] };
    delete s.table[1]!.metrics['ops'];
    s.points[2]!.status = 'lost';
    s.repeat = -1;
    const broken = join(dir, 'broken-sweep.json');
    writeFileSync(broken, JSON.stringify(s));
    expect(() => loadReportInput(broken)).toThrow(
      new BadInputError(
        [
          `${broken}: repeat: expected an integer of at least 0, got -1`,
          `${broken}: points[2].status: expected one of: done, failed, not run, got "lost"`,
          `${broken}: table[1].metrics.ops: missing; expected an object`,
        ].join('\n'),
      ),
    );
    // several inputs render together only as run results
    await expect(reportCommand({ inputs: [sweep, sweep], out: join(dir, 'x.html'), quiet: true })).rejects.toThrow(`${sweep}: a sweep result; several inputs render together only as run results`);
  });

  it('defaults the output path', () => {
    expect(defaultHtmlPath('a/r.json')).toBe('a/r.html');
    expect(defaultHtmlPath('a/r.JSON')).toBe('a/r.html');
    expect(defaultHtmlPath('a/result')).toBe('a/result.html');
  });

  it('rejects missing, unparsable and foreign input with BadInputError naming the file', async () => {
    const missing = join(dir, 'nope.json');
    await expect(reportCommand({ inputs: [missing], out: undefined, quiet: true })).rejects.toThrow(BadInputError);
    await expect(reportCommand({ inputs: [missing], out: undefined, quiet: true })).rejects.toThrow(/nope\.json.*no such file/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ not json');
    expect(() => loadReportInput(bad)).toThrow(/bad\.json: not valid JSON/);
    const foreign = join(dir, 'foreign.json');
    writeFileSync(foreign, JSON.stringify({ hello: 1 }));
    expect(() => loadReportInput(foreign)).toThrow(BadInputError);
    expect(() => loadReportInput(foreign)).toThrow(/foreign\.json.*missing profile/);
    const brokenCompare = join(dir, 'bc.json');
    writeFileSync(brokenCompare, JSON.stringify({ strategies: ['a'], runs: {}, metrics: [] }));
    expect(() => loadReportInput(brokenCompare)).toThrow(/bc\.json: compare result has no run for strategy "a"/);
  });
});
