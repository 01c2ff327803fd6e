// export input: detected by content, not name; every bad input (missing, empty, not JSON, not a
// result, a malformed hlog line or histogram, data the format needs absent) is one BadInputError
// naming the file (and line); the input is never overwritten; default outputs follow its name.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { exportCommand } from '../../../src/cli/export/handler.js';
import { defaultExportOut, loadExportInput, parseHlog } from '../../../src/report/export.js';
import { b64, exportJson, expectBadInput, hist, runResult, save, tmp, VALUES, writeHlog } from './helpers.js';

describe('export input detection and errors', () => {
  it('detects by content, not by extension', async () => {
    const d = tmp();
    const hlogNamedJson = await exportJson(save(d, 'really-an-hlog.json', writeHlog(VALUES)));
    expect(hlogNamedJson.source).toBe('hlog');
    const resultNamedTxt = await exportJson(save(d, 'result.txt', JSON.stringify(runResult(VALUES))));
    expect(resultNamedTxt.source).toBe('result');
    expect(loadExportInput(save(d, 'plain', writeHlog(VALUES))).kind).toBe('hlog');
  });

  it('reads an hlog without any header', () => {
    const h = hist([1000, 2000, 3000], 'dsa0');
    const text = `Tag=dsa0,0.000,1.000,3.000,${b64(h)}\n0.000,1.000,3.000,${b64(h)}\n`;
    const log = parseHlog(text, 'bare.hlog');
    expect(log.intervals.map((iv) => [iv.tag, iv.histogram.totalCount])).toEqual([
      ['dsa0', 3],
      ['untagged', 3],
    ]);
  });

  it.each<[string, string, RegExp]>([
    ['a text file', 'hello\nworld\n', /notes\.txt: neither a JSON run result nor an HdrHistogram interval log; expected a run result/],
    ['an empty file', '', /notes\.txt: empty file; expected a run result/],
    ['broken JSON', '{"totals": ', /notes\.txt: not valid JSON \(.*\); expected a run result/],
    ['JSON that is not a result', '{"profile": "x"}', /notes\.txt: JSON, but not a dmaload run result/],
    ['an hlog with no intervals', '#[Histogram log format version 1.3]\n', /notes\.txt: an HdrHistogram interval log with no interval histograms/],
    ['a malformed hlog line', '#[Histogram log format version 1.3]\nTag=dsa0,zero,1,2,HISTF\n', /notes\.txt:2: expected an interval line/],
  ])('rejects %s, naming the file', async (_what, content, message) => {
    const d = tmp();
    await expectBadInput(exportCommand({ input: save(d, 'notes.txt', content), format: 'json', out: join(d, 'o.json'), quiet: true }), message);
  });

  it('rejects a missing file', async () => {
    const d = tmp();
    await expectBadInput(
      exportCommand({ input: join(d, 'nope.json'), format: 'hgrm', out: undefined, quiet: true }),
      /nope\.json: no such file; expected a run result/,
    );
    expect(existsSync(join(d, 'nope-hgrm'))).toBe(false);
  });

  it('rejects malformed base64 in a run result', async () => {
    const d = tmp();
    const R = runResult(VALUES);
    const good = R.histograms.devices['dsa0']!;
    const cases: [string, RegExp][] = [
      ['not base64!', /bad\.json: histograms\.devices\.dsa0: malformed histogram: not base64/],
      [good.slice(0, 24), /bad\.json: histograms\.devices\.dsa0: malformed histogram \(.*\); expected HdrHistogram compressed base64/],
      ['AAAA', /malformed histogram \(Encoding not supported.*\)/],
    ];
    for (const [bad, message] of cases) {
      R.histograms.devices['dsa0'] = bad;
      const input = save(d, 'bad.json', JSON.stringify(R));
      await expectBadInput(exportCommand({ input, format: 'hgrm', out: join(d, 'h'), quiet: true }), message);
    }
  });

  it('rejects malformed base64 in an hlog, naming the line', async () => {
    const d = tmp();
    const lines = writeHlog(VALUES).split('\n');
    const k = lines.findIndex((l) => l.startsWith('Tag=iax.1,'));
    lines[k] = lines[k]!.slice(0, -8);
    const input = save(d, 'bad.hlog', lines.join('\n'));
    await expectBadInput(exportCommand({ input, format: 'json', out: join(d, 'o.json'), quiet: true }), new RegExp(`bad\\.hlog:${k + 1}: malformed histogram`));
  });

  it('rejects a result without the data the format needs', async () => {
    const d = tmp();
    const R = runResult(VALUES) as unknown as Record<string, unknown>;
    delete R['histograms'];
    delete R['intervals'];
    const input = save(d, 'old.json', JSON.stringify(R));
    await expectBadInput(exportCommand({ input, format: 'json', out: join(d, 'o.json'), quiet: true }), /old\.json: this run result has no histograms/);
    await expectBadInput(exportCommand({ input, format: 'csv', out: join(d, 'o.csv'), quiet: true }), /old\.json: this run result has no intervals/);
  });

  it('refuses to overwrite its input', async () => {
    const d = tmp();
    const input = save(d, 'run.json', JSON.stringify(runResult(VALUES)));
    await expectBadInput(exportCommand({ input, format: 'json', out: input, quiet: true }), /is the input file/);
  });

  it('derives default outputs from the input name', () => {
    expect(defaultExportOut('out/run.json', 'hgrm')).toBe('out/run-hgrm');
    expect(defaultExportOut('out/run.hlog', 'csv')).toBe('out/run.csv');
    expect(defaultExportOut('out.d/run', 'csv')).toBe('out.d/run.csv');
    expect(defaultExportOut('run.json', 'json')).toBeUndefined();
  });
});
