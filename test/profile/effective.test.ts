// The effective profile (validate --print, a result's provenance) loads back to the same
// profile: every default filled in, in the keys a profile file uses.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { profileAsInput, profileAsYaml } from '../../src/profile/effective.js';
import { loadProfile, parseProfile } from '../../src/profile/load.js';
import { runProfile } from '../../src/run/run.js';

const ROOT = join(import.meta.dirname, '../..');
const files = [
  ...readdirSync(join(ROOT, 'profiles')).map((f) => join(ROOT, 'profiles', f)),
  ...readdirSync(join(ROOT, 'test/fixtures/modelled')).map((f) => join(ROOT, 'test/fixtures/modelled', f)),
].filter((f) => f.endsWith('.yaml'));

describe('the effective profile', () => {
  it.each(files)('%s: printed, it loads back to the same profile', (file) => {
    const p = loadProfile(file);
    const text = profileAsYaml(p);
    expect(parseProfile(text, 'printed.yaml')).toEqual(p);
    // Every default is written out: the printed text names every key the profile has.
    expect(Object.keys(parse(text) as object).sort()).toEqual(Object.keys(profileAsInput(p)).sort());
  });

  it("a result's provenance carries it, with the tool's version, the host and the start time", async () => {
    const p = loadProfile(join(ROOT, 'profiles/quickstart.yaml'));
    const { result } = await runProfile(p, { durationS: 0.001, commandLine: ['run', 'profiles/quickstart.yaml'] });
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(result.provenance.tool).toEqual({ name: 'dmaload', version: pkg.version });
    expect(result.provenance.commandLine).toEqual(['run', 'profiles/quickstart.yaml']);
    expect(result.provenance.host.node).toBe(process.version);
    expect(result.provenance.host.cores).toBeGreaterThan(0);
    expect(new Date(result.provenance.startedAt).toISOString()).toBe(result.provenance.startedAt);
    expect(parseProfile(JSON.stringify(result.provenance.profile), 'from-result.json')).toEqual(p);
  });
});
