// --fail-if: a passing threshold exits 0, a failing one exits 3 naming it, a malformed one
// exits 2; --hlog / --html / --csv outputs are written and `dmaload export` / `report` convert
// them afterwards (export's JSON total equals the run's descriptor count).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'dmaload-cli6-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const Q = ['run', 'profiles/quickstart.yaml', '--duration', '0.1', '--quiet'];

describe('thresholds', () => {
  it('passing: exit 0 and a PASS line', async () => {
    const r = await runCli([...Q, '--fail-if', 'p99<1000s', '--fail-if', 'errors<=0']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^PASS p99<1000s: total p99 = /m);
    expect(r.stdout).toMatch(/^PASS errors<=0: /m);
  });

  it('failing: exit 3, a FAIL line naming the threshold and the measured value', async () => {
    const r = await runCli([...Q, '--fail-if', 'dsa0.opsPerSec>1e12']);
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/^FAIL dsa0\.opsPerSec>1e12: dsa0 opsPerSec = /m);
    expect(r.stderr).toMatch(/1 threshold\(s\) failed: dsa0\.opsPerSec>1e12/);
  });

  it('malformed or naming an unknown device: exit 2 before anything runs', async () => {
    const bad = await runCli([...Q, '--fail-if', 'p99<50xs']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown unit "xs"/);
    const dev = await runCli([...Q, '--fail-if', 'nosuch.p99<1s']);
    expect(dev.status).toBe(2);
    expect(dev.stderr).toMatch(/nosuch/);
  });
});

describe('run outputs and conversions', () => {
  it('writes hlog, csv, html and json; export and report convert them', async () => {
    const [json, hlog, csv, html] = ['r.json', 'r.hlog', 'r.csv', 'r.html'].map((f) => join(dir, f)) as [string, string, string, string];
    const r = await runCli(['run', 'profiles/quickstart.yaml', '--duration', '0.2', '--quiet', '--interval', '0.05', '--json', json, '--hlog', hlog, '--csv', csv, '--html', html]);
    expect(r.status).toBe(0);
    for (const f of [json, hlog, csv, html]) expect(existsSync(f)).toBe(true);
    const result = JSON.parse(readFileSync(json, 'utf8'));
    const fromHlog = join(dir, 'from-hlog.json');
    expect((await runCli(['export', hlog, '--format', 'json', '--out', fromHlog, '--quiet'])).status).toBe(0);
    expect(JSON.parse(readFileSync(fromHlog, 'utf8')).total.count).toBe(result.totals.ops);
    const hgrmDir = join(dir, 'hgrm');
    expect((await runCli(['export', json, '--format', 'hgrm', '--out', hgrmDir, '--quiet'])).status).toBe(0);
    expect(readFileSync(join(hgrmDir, 'all.hgrm'), 'utf8')).toMatch(new RegExp(`Total count\\s*=\\s*${result.totals.ops}\\b`));
    const html2 = join(dir, 'again.html');
    expect((await runCli(['report', json, '--out', html2, '--quiet'])).status).toBe(0);
    expect(readFileSync(html2, 'utf8')).toMatch(/<html/i);
    const missing = await runCli(['export', join(dir, 'nope.hlog'), '--format', 'csv']);
    expect(missing.status).toBe(2);
  });
});
