// `compare --guest` (issue 14) on the shipped guest profile: bare metal, trapped and direct over
// the same churn schedule — equal guest-side counts, the trapped path's VM exits and host replays,
// none direct; and the refusals before any run (no VM; two axes at once; host timing).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, TEST_TIMEOUT_MS } from './helpers.js';

interface Compared {
  strategies: string[];
  metrics: { key: string; values: number[] }[];
  runs: Record<string, { guests: { vms: unknown[] } }>;
}

const dir = mkdtempSync(join(tmpdir(), 'dmaload-guest-'));

describe('compare --guest', () => {
  it('runs the shipped guest profile on bare metal, trapped and direct: equal counts, the exits only trapped, 24 references never beaten', async () => {
    const out = join(dir, 'guest.json');
    const r = await runCli(['compare', 'profiles/guest-sva-4dsa.yaml', '--guest', 'bare-metal,trapped,direct', '--json', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const c = JSON.parse(readFileSync(out, 'utf8')) as Compared;
    expect(c.strategies).toEqual(['bare-metal', 'trapped', 'direct']);
    const m = (key: string) => c.metrics.find((x) => x.key === key)!.values;
    for (const key of ['events', 'submissions', 'descriptors.total']) expect(new Set(m(key)).size).toBe(1);
    const subs = m('submissions')[0]!;
    expect(m('guests.traps')).toEqual([0, subs, 0]);
    expect(m('guests.hostSubmissions')).toEqual([0, subs, 0]);
    expect(m('guests.trapNs')).toEqual([0, subs * 20_000, 0]);
    const [bare, trapped, direct] = m('invalidationTotalNs');
    expect(trapped!).toBeGreaterThan(direct!);
    expect(direct!).toBeGreaterThanOrEqual(bare!);
    // Bare metal walks in one dimension; the VM's walks in two (between 4 and 24 references).
    const refs = m('walkRefsPerWalk');
    expect(refs[0]).toBe(4);
    for (const x of refs.slice(1)) {
      expect(x).toBeGreaterThan(4);
      expect(x).toBeLessThanOrEqual(24);
    }
    expect(m('violations')).toEqual([0, 0, 0]);
    expect(m('isolationBreaches')).toEqual([0, 0, 0]);
    expect(c.runs['bare-metal']!.guests.vms).toEqual([]);
  }, TEST_TIMEOUT_MS);

  it.each([
    [['compare', 'profiles/quickstart.yaml', '--guest', 'trapped,direct'], /--guest needs a profile with vms; this one has none/],
    [['compare', 'profiles/guest-sva-4dsa.yaml', '--guest', 'trapped,direct', '--strategies', 'vtd-per-device,vtd-cache-tags-grouped'], /--strategies and --guest: compare one axis at a time/],
    [['run', 'profiles/guest-sva-4dsa.yaml', '--timing', 'host'], /timing: host cannot run VMs \(vm0: nested translation and its traps are modelled costs\); expected timing: modelled/],
  ])('refuses %j with one line and exit 2, before any run', async (args, message) => {
    const r = await runCli(args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/running/);
  }, TEST_TIMEOUT_MS);

  it('refuses an unknown variant as a usage error (exit 2, the help hint)', async () => {
    const r = await runCli(['compare', 'profiles/guest-sva-4dsa.yaml', '--guest', 'trapped,sideways']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dmaload: --guest: expected two or more distinct of bare-metal, trapped, direct, comma-separated, got "trapped,sideways"\n\(see dmaload --help\)/);
  }, TEST_TIMEOUT_MS);
});
