// `dmaload report`: writes <input>.html (or --out) for a run and a compare result, and rejects
// a missing, unparsable or foreign file with one BadInputError naming it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultHtmlPath, loadReportInput, reportCommand } from '../../src/cli/report/handler.js';
import { BadInputError } from '../../src/run/errors.js';
import { makeCompareResult, makeRunResult } from '../report/fixtures.js';

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
