// The command line as parsed, captured before any handler runs (cli/parser.ts): options arrive
// typed (numbers, lists), --strategies is one comma-separated string checked name by name
// against STRATEGIES, --format is one of the export formats, and bad values are one UsageError
// naming the option and the value.
import { describe, expect, it } from 'vitest';

import { UsageError } from '../../src/cli/options.js';
import { commandLine } from '../../src/cli/parser.js';
import { STRATEGIES } from '../../src/profile/types.js';

async function parsed(argv: string[]): Promise<{ command: string; args: Record<string, unknown> }> {
  let got: { command: string; args: Record<string, unknown> } | undefined;
  await commandLine(argv, (command, args) => {
    got = { command, args };
  }).parseAsync();
  if (!got) throw new Error(`no command ran for ${argv.join(' ')}`);
  return got;
}

async function usageError(argv: string[]): Promise<string> {
  const e = await parsed(argv).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UsageError);
  return (e as Error).message;
}

describe('the command line', () => {
  it('run: seed, duration and interval as numbers, thresholds as a list', async () => {
    const { command, args } = await parsed(['run', 'p.yaml', '--seed', '7', '--duration', '1.5', '--interval', '0.25', '--fail-if', 'p99<1ms', '--fail-if', 'errors<=0', '--quiet']);
    expect(command).toBe('run');
    expect(args).toMatchObject({ profile: 'p.yaml', seed: 7, duration: 1.5, interval: 0.25, failIf: ['p99<1ms', 'errors<=0'], quiet: true });
    const bare = (await parsed(['run', 'p.yaml'])).args;
    expect([bare['seed'], bare['duration'], bare['interval'], bare['quiet']]).toEqual([undefined, undefined, undefined, false]);
  });

  it('compare: --strategies becomes a list of known strategies (aliases read as their eras); absent, the profile\'s IOMMUs choose', async () => {
    expect((await parsed(['compare', 'p.yaml'])).args['strategies']).toBeUndefined();
    expect((await parsed(['compare', 'p.yaml', '--strategies', 'shared-domain, per-device'])).args['strategies']).toEqual(['vtd-cache-tags-grouped', 'vtd-per-device']);
    expect((await parsed(['compare', 'p.yaml', '--strategies', STRATEGIES.join(',')])).args['strategies']).toEqual([...STRATEGIES]);
  });

  it.each([['per-device,bogus'], ['shared-domain'], ['per-device,per-device'], ['per-device,vtd-per-device']])('compare --strategies %s: one message naming the option', async (s) => {
    expect(await usageError(['compare', 'p.yaml', '--strategies', s])).toBe(
      `--strategies: expected two or more distinct of ${STRATEGIES.join(', ')} (aliases: per-device = vtd-per-device, shared-domain = vtd-cache-tags-grouped), comma-separated, got "${s}"`,
    );
  });

  it('export: --format is one of the export formats', async () => {
    expect((await parsed(['export', 'r.json', '--format', 'csv'])).args).toMatchObject({ input: 'r.json', format: 'csv', quiet: false });
    expect(await usageError(['export', 'r.json', '--format', 'xml'])).toMatch(/format/);
  });

  it.each([
    [['run', 'p.yaml', '--seed', '-1'], '--seed: expected an integer from 0 to 4294967295, got "-1"'],
    [['run', 'p.yaml', '--duration', '0'], '--duration: expected seconds in (0, 86400], got "0"'],
    [['run', 'p.yaml', '--interval', '0.0001'], '--interval: expected seconds in [0.001, 3600], got "0.0001"'],
    [['compare', 'p.yaml', '--seed', 'x'], '--seed: expected an integer from 0 to 4294967295, got "x"'],
  ])('%j: %s', async (argv, message) => {
    expect(await usageError(argv)).toBe(message);
  });

  it('report, validate, and unknown options or commands', async () => {
    expect(await parsed(['report', 'r.json', '--out', 'r.html'])).toMatchObject({ command: 'report', args: { inputs: ['r.json'], out: 'r.html' } });
    expect(await parsed(['report', 'a.json', 'b.json'])).toMatchObject({ command: 'report', args: { inputs: ['a.json', 'b.json'] } });
    expect(await parsed(['compare', 'a.json', 'b.json'])).toMatchObject({ command: 'compare', args: { inputs: ['a.json', 'b.json'] } });
    expect(await parsed(['validate', 'p.yaml'])).toMatchObject({ command: 'validate', args: { profile: 'p.yaml' } });
    expect(await usageError(['validate', 'p.yaml', '--bogus'])).toMatch(/bogus/);
    expect(await usageError(['frobnicate'])).toMatch(/frobnicate/);
  });
});
