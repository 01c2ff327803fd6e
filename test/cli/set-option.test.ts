// `--set key=value` on the command line (run, compare, validate): the run uses the overridden
// profile and records it; a malformed or inapplicable override is one line and exit 2 before any run.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, TEST_TIMEOUT_MS } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'dmaload-set-'));

describe('--set', () => {
  it('runs the quickstart with overridden keys, and its provenance carries them', async () => {
    const out = join(dir, 'r.json');
    const r = await runCli(['run', 'profiles/quickstart.yaml', '--set', 'durationS=0.01', '--set', 'devices[0].engines=2', '--json', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const result = JSON.parse(readFileSync(out, 'utf8')) as { durationS: number; devices: { engines: number }[]; provenance: { profile: { devices: { engines: number }[] } } };
    expect(result.durationS).toBe(0.01);
    expect(result.devices[0]!.engines).toBe(2);
    expect(result.provenance.profile.devices[0]!.engines).toBe(2);
  }, TEST_TIMEOUT_MS);

  it('validate --print shows the effective profile with the override', async () => {
    const r = await runCli(['validate', 'profiles/quickstart.yaml', '--set', 'invalidation.strategy=vtd-per-device', '--print']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/strategy: vtd-per-device/);
  }, TEST_TIMEOUT_MS);

  it.each([
    [['run', 'profiles/quickstart.yaml', '--set', 'devices[9].engines=2'], /^dmaload: profiles\/quickstart\.yaml: --set devices\[9\]\.engines=2: devices has 2 entries; expected an index below 2\n$/],
    [['run', 'profiles/quickstart.yaml', '--set', 'devices[0].engines=99'], /devices\[0\]\.engines: expected an integer from 1 to 16, got 99/],
    [['compare', 'profiles/inval-2x2.yaml', '--set', 'nonsense'], /--set nonsense: expected key=value/],
  ])('refuses %j with exit 2 before any run', async (args, message) => {
    const r = await runCli(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/running|at .*\.js/);
  }, TEST_TIMEOUT_MS);
});
