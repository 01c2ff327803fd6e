// `dmaload sweep` (issue 16, local points): the grid of --param values × --repeat, each point a
// run of its own (a process of the CLI), --jobs at once; one table row per combination with the
// spread over repetitions; the same counts as the points run one by one; the same table twice;
// --resume runs only what is missing; sweep.html is written next to sweep.json, the page
// `dmaload report DIR/sweep.json` renders; a combination whose profile is bad stops the sweep
// before any run.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, TEST_TIMEOUT_MS } from './helpers.js';

interface Sweep {
  points: { id: string; params: Record<string, string>; seed: number; file: string; status: string }[];
  table: { params: Record<string, string>; repetitions: number; metrics: Record<string, { mean: number; min: number; max: number }>; latencyNs: { p50: number } }[];
}

const dir = mkdtempSync(join(tmpdir(), 'dmaload-sweep-'));
const ARGS = ['sweep', 'profiles/quickstart.yaml', '--param', 'devices[0].workload.queueDepth=4,16', '--param', 'devices[1].engines=1,2', '--repeat', '2', '--jobs', '2', '--set', 'durationS=0.004'];
const read = (out: string): Sweep => JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as Sweep;

describe('dmaload sweep', () => {
  it('runs every point of a 2 × 2 grid twice, tabulates each combination, and agrees with the points run one by one', async () => {
    const out = join(dir, 'a');
    const r = await runCli([...ARGS, '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const s = read(out);
    expect(s.points).toHaveLength(8);
    expect(s.points.every((p) => p.status === 'done')).toBe(true);
    expect(s.table.map((row) => row.params)).toEqual([
      { 'devices[0].workload.queueDepth': '4', 'devices[1].engines': '1' },
      { 'devices[0].workload.queueDepth': '4', 'devices[1].engines': '2' },
      { 'devices[0].workload.queueDepth': '16', 'devices[1].engines': '1' },
      { 'devices[0].workload.queueDepth': '16', 'devices[1].engines': '2' },
    ]);
    // A point's run, redone by hand with the same overrides and seed, gives the same counts.
    const p = s.points[5]!;
    const direct = join(dir, 'direct.json');
    const sets = Object.entries(p.params).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
    const d = await runCli(['run', 'profiles/quickstart.yaml', '--set', 'durationS=0.004', ...sets, '--seed', String(p.seed), '--json', direct, '--quiet']);
    expect(d.status).toBe(0);
    const mine = JSON.parse(readFileSync(join(out, p.file), 'utf8')) as { totals: { ops: number; bytes: number } };
    const theirs = JSON.parse(readFileSync(direct, 'utf8')) as { totals: { ops: number; bytes: number } };
    expect(mine.totals).toMatchObject({ ops: theirs.totals.ops, bytes: theirs.totals.bytes });
    // A row's spread is over its two repetitions (seeds 42 and 43).
    const row = s.table[3]!;
    const reps = s.points.filter((x) => JSON.stringify(x.params) === JSON.stringify(row.params)).map((x) => JSON.parse(readFileSync(join(out, x.file), 'utf8')) as { totals: { ops: number } });
    expect(row.repetitions).toBe(2);
    expect(row.metrics['ops']).toEqual({ mean: (reps[0]!.totals.ops + reps[1]!.totals.ops) / 2, min: Math.min(...reps.map((x) => x.totals.ops)), max: Math.max(...reps.map((x) => x.totals.ops)) });
  }, 4 * TEST_TIMEOUT_MS);

  it('gives the same table twice (modelled time), and --resume runs only the points missing', async () => {
    const out = join(dir, 'b');
    expect((await runCli([...ARGS, '--out', out, '--quiet'])).status).toBe(0);
    expect(read(out).table).toEqual(read(join(dir, 'a')).table);
    rmSync(join(out, 'points', 'p1-r1.json'));
    const again = await runCli([...ARGS, '--out', out, '--resume']);
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/8 point\(s\), 7 already done, running 1/);
    expect(again.stderr.match(/^\[\d+\/8\]/gm)).toHaveLength(1);
    expect(read(out).table).toEqual(read(join(dir, 'a')).table);
  }, 4 * TEST_TIMEOUT_MS);

  it('writes sweep.html next to sweep.json, the same page as `dmaload report DIR/sweep.json`', async () => {
    const out = join(dir, 'a');
    const page = readFileSync(join(out, 'sweep.html'), 'utf8');
    expect(page).toContain('<h1>dmaload sweep report: quickstart</h1>');
    const again = join(dir, 'again.html');
    const r = await runCli(['report', join(out, 'sweep.json'), '--out', again, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(again, 'utf8')).toBe(page);
  }, TEST_TIMEOUT_MS);

  it('refuses a grid with a bad combination before any run: exit 2, naming the point', async () => {
    const out = join(dir, 'bad');
    const r = await runCli(['sweep', 'profiles/quickstart.yaml', '--param', 'devices[0].engines=1,99', '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/point devices\[0\]\.engines=99: .*devices\[0\]\.engines: expected an integer from 1 to 16, got 99/s);
    expect(existsSync(join(out, 'points')) ? readdirSync(join(out, 'points')) : []).toEqual([]);
  }, TEST_TIMEOUT_MS);

  it('refuses a DIR whose sweep.html cannot be written before any run: exit 2, naming it', async () => {
    const out = join(dir, 'html-dir');
    mkdirSync(join(out, 'sweep.html'), { recursive: true });
    const r = await runCli([...ARGS, '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/sweep\.html/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(out, 'points'))).toBe(false);
  }, TEST_TIMEOUT_MS);
});
