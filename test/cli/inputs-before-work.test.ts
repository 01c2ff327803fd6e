/**
 * Inputs are checked before any work (issue 12): every reproduction of a bad output path, a
 * repeated option, a threshold naming no device or without a unit, an absurd cost, and a
 * profile too large, too deep or binary exits 2 with one line on stderr, no stack trace — and
 * does it before the run: each asks for 1,000 s of modelled time, which would take far longer
 * than the CLI timeout, and no output file appears.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { looksLikeStackTrace, runCli, TEST_TIMEOUT_MS } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'dmaload-pre-'));
const existing = join(dir, 'existing.txt');
writeFileSync(existing, 'x');
const RUN = ['run', 'profiles/quickstart.yaml', '--duration', '1000', '--quiet'];

const cases: [string, string[], RegExp][] = [
  ['--json /dev/full', ['--json', '/dev/full'], /^dmaload: --json \/dev\/full: is not a regular file/],
  ['--json <a directory>', ['--json', dir], /: is a directory; expected a file name$/],
  ['--html /dev/full', ['--html', '/dev/full'], /^dmaload: --html \/dev\/full: is not a regular file/],
  ['--hgrm <an existing file>', ['--hgrm', existing], /exists and is not a directory/],
  ['--json a --json b', ['--json', join(dir, 'a.json'), '--json', join(dir, 'b.json')], /^dmaload: --json: given 2 times .*; expected one value$/],
  ['--json under /proc', ['--json', '/proc/x/y.json'], /cannot write under \/proc/],
  ['--json and --html on one file', ['--json', join(dir, 'o'), '--html', join(dir, 'o')], /is also written by --json/],
  ['--hgrm clobbering --json', ['--json', join(dir, 'h', 'all.hgrm'), '--hgrm', join(dir, 'h')], /all\.hgrm is also written by --json/],
  ['a 300-byte file name', ['--json', join(dir, `${'n'.repeat(300)}.json`)], /is longer than 255 bytes/],
  ['--json with no value', ['--json'], /^dmaload: Not enough arguments following: json$/],
  ['--seed 1 --seed 2', ['--seed', '1', '--seed', '2'], /^dmaload: --seed: given 2 times \("1", "2"\); expected one value$/],
  ['--fail-if on no such device', ['--fail-if', 'nosuch.p99<1ms'], /^dmaload: --fail-if "nosuch\.p99<1ms": no device "nosuch" in this run; its devices are dsa0, dsa1$/],
  ['--fail-if p99<50 (no unit)', ['--fail-if', 'p99<50'], /"50" has no unit; a latency needs one of ns, us, ms or s/],
];

describe('inputs checked before any work: exit 2, one line, no output written', () => {
  it.each(cases)('%s', async (_, extra, message) => {
    const r = await runCli([...RUN, ...extra]);
    expect(r.status).toBe(2);
    expect(looksLikeStackTrace(r.stderr)).toBe(false);
    expect(r.stderr.split('\n')[0]).toMatch(message);
    expect(existsSync(join(dir, 'a.json')) || existsSync(join(dir, 'o')) || existsSync(join(dir, 'h'))).toBe(false);
  }, TEST_TIMEOUT_MS);

  it('p99.9 is the p999 column', async () => {
    const r = await runCli(['run', 'profiles/quickstart.yaml', '--duration', '0.001', '--quiet', '--fail-if', 'p99.9<1s']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^PASS p99\.9<1s: total p999 = /m);
  }, TEST_TIMEOUT_MS);

  it('--json - writes the JSON alone on standard output, the summary on standard error', async () => {
    const r = await runCli(['run', 'profiles/quickstart.yaml', '--duration', '0.001', '--json', '-']);
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { formatVersion: number }).formatVersion).toBe(1);
    expect(r.stderr).toMatch(/dmaload run "quickstart"/);
  }, TEST_TIMEOUT_MS);
});

describe('profiles past the limits: exit 2, one line', () => {
  const write = (name: string, text: string | Buffer) => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  const profiles: [string, string, RegExp][] = [
    ['40,000 keys', write('keys.yaml', `iommus: [{id: m}]\nx:\n${Array.from({ length: 40_000 }, (_, i) => `  k${i}: 1`).join('\n')}\n`), /40003 lines is more than a profile may have/],
    ['40,000 keys on one line', write('flow.yaml', `x: {${Array.from({ length: 40_000 }, (_, i) => `k${i}: 1`).join(', ')}}\n`), /40001 ":" \(mapping entries\)/],
    ['5,000 nested brackets', write('deep.yaml', `a: ${'['.repeat(5000)}${']'.repeat(5000)}\n`), /brackets nested 5000 deep; expected at most 32 levels/],
    ['1,300 nested block levels', write('block.yaml', `x:\n${Array.from({ length: 1300 }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')}\n`), /a line indented \d+ columns; expected at most 256/],
    ['binary data', write('bin.yaml', Buffer.from([0x69, 0x3a, 0x20, 0x00, 0xff, 0xfe, 0x01])), /not a text file \(binary data at character \d+\)/],
    ['a cost of 1e300 ns', write('cost.yaml', 'durationS: 1\nplatform: { preset: native, trapNs: 1e300 }\niommus: [{id: m}]\ndevices: [{ id: d, iommu: m }]\n'), /platform\.trapNs: expected a number from 0 to 1000000000, got 1e\+300/],
    ['a 300-character device id', write('id.yaml', `durationS: 1\niommus: [{id: m}]\ndevices: [{ id: ${'a'.repeat(300)}, iommu: m }]\n`), /devices\[0\]\.id: expected an id: .* at most 64 characters/],
  ];
  it.each(profiles)('%s', async (_, file, message) => {
    const r = await runCli(['validate', file]);
    expect(r.status).toBe(2);
    expect(looksLikeStackTrace(r.stderr)).toBe(false);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  }, TEST_TIMEOUT_MS);
});
