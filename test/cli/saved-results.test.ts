// Saved results are first-class (issue 12): `compare a.json b.json` compares two saved runs of
// one profile with the same table and ratios as a live compare — computed from the saved figures
// — and warns when they differ in seed, profile or host; a result and a profile together, or one
// result alone, is explained in one line; `report a.json b.json` renders them together;
// `export --format md` writes a markdown table.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, TEST_TIMEOUT_MS } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'dmaload-saved-'));
const a = join(dir, 'a.json');
const b = join(dir, 'b.json');
const Q = ['run', 'profiles/quickstart.yaml', '--duration', '0.005', '--quiet'];

interface Saved {
  totals: { opsPerSec: number; latencyNs: { p50: number } };
}
const read = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as Saved;

beforeAll(async () => {
  expect((await runCli([...Q, '--json', a])).status).toBe(0);
  expect((await runCli([...Q, '--seed', '5', '--json', b])).status).toBe(0);
}, TEST_TIMEOUT_MS);

describe('saved results', () => {
  it('compare a.json b.json prints the ratios of the saved figures and warns that the seeds differ', async () => {
    const out = join(dir, 'ab.json');
    const r = await runCli(['compare', a, b, '--json', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/│ metric +│ +a │ +b │ b \/ a │/);
    expect(r.stderr).toMatch(/^warning: the seed differs from a's in b: 42 vs 5$/m);
    const c = JSON.parse(readFileSync(out, 'utf8')) as { strategies: string[]; metrics: { key: string; values: number[]; ratios: (number | null)[] }[] };
    expect(c.strategies).toEqual(['a', 'b']);
    const rate = c.metrics.find((m) => m.key === 'opsPerSec')!;
    expect(rate.values).toEqual([read(a).totals.opsPerSec, read(b).totals.opsPerSec]);
    expect(rate.ratios[1]).toBeCloseTo(read(b).totals.opsPerSec / read(a).totals.opsPerSec, 12);
  }, TEST_TIMEOUT_MS);

  it('a result with a profile, or a result alone, is explained in one line (exit 2)', async () => {
    const mixed = await runCli(['compare', a, 'profiles/quickstart.yaml']);
    expect(mixed.status).toBe(2);
    expect(mixed.stderr.trim()).toBe(
      `dmaload: ${a} is a saved run result and profiles/quickstart.yaml a profile; compare takes one profile (to run each strategy) or two or more saved results (to compare them)`,
    );
    const alone = await runCli(['compare', a]);
    expect(alone.status).toBe(2);
    expect(alone.stderr.trim().split('\n')).toHaveLength(1);
    expect(alone.stderr).toMatch(/is a saved run result, not a profile/);
  }, TEST_TIMEOUT_MS);

  it('report a.json b.json renders them together; export --format md writes a markdown table', async () => {
    const html = join(dir, 'ab.html');
    const r = await runCli(['report', a, b, '--out', html]);
    expect(r.status).toBe(0);
    expect(existsSync(html)).toBe(true);
    expect(readFileSync(html, 'utf8')).toMatch(/b \/ a|"baseline":"a"/);
    const md = await runCli(['export', a, '--format', 'md']);
    expect(md.status).toBe(0);
    const lines = md.stdout.trim().split('\n');
    expect(lines).toContain('| device | descriptors | p50 | p90 | p99 | p99.9 | max | mean |');
    expect(lines.filter((l) => /^\| (dsa0|dsa1|\*\*total\*\*) \|/.test(l))).toHaveLength(3);
  }, TEST_TIMEOUT_MS);

  it('a result of another format version is refused by name', async () => {
    const v2 = join(dir, 'v2.json');
    writeFileSync(v2, JSON.stringify({ ...JSON.parse(readFileSync(a, 'utf8')), formatVersion: 2 }));
    const r = await runCli(['compare', a, v2]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/formatVersion: expected 1 \(the only result format so far\), got 2/);
  }, TEST_TIMEOUT_MS);
});
