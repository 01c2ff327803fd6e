// Property-based tests (issue 12) with fast-check, a fixed seed: generated profiles — valid ones
// from the shipped profiles, and mutated ones (keys dropped or added, values replaced by anything,
// extremes, wrong types, the text itself cut and spliced) — always load or fail with a
// ProfileError (the CLI's exit 2) whose every problem is one line; never another exception (the
// CLI's exit 1, an internal error) and never more than a few seconds. Generated argument lists
// likewise parse or fail with one UsageError line. A sample of both also runs through the
// compiled CLI: exit 0 or 2, never a stack trace.
// FUZZ_RUNS sets the number of cases (default 1,000 per property); the closing note of issue 12
// reports a 10,000-case run.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

import { UsageError } from '../../src/cli/options.js';
import { commandLine } from '../../src/cli/parser.js';
import { profileAsInput } from '../../src/profile/effective.js';
import { formatProfileError, loadProfile, parseProfile, ProfileError } from '../../src/profile/load.js';
import { looksLikeStackTrace, runCli, TEST_TIMEOUT_MS } from '../cli/helpers.js';

const ROOT = join(import.meta.dirname, '../..');
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 1000);
const SEED = 20261201;
/** A hang is a bug: no profile may take longer than this to load or be refused. */
const BOUND_MS = 5000;

const bases = readdirSync(join(ROOT, 'profiles'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => profileAsInput(loadProfile(join(ROOT, 'profiles', f))));

type Json = unknown;

/** The paths of every value in `v` (keys and list indices). */
function pathsOf(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...at, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) pathsOf(x, [...at, k], out);
  return out;
}

function setAt(v: Json, path: (string | number)[], value: Json | typeof DELETE): Json {
  if (path.length === 0) return value === DELETE ? null : value;
  const [head, ...rest] = path;
  const copy: Json = Array.isArray(v) ? [...v] : { ...(v as object) };
  const c = copy as Record<string | number, Json>;
  if (rest.length === 0 && value === DELETE) {
    if (Array.isArray(copy)) copy.splice(head as number, 1);
    else delete c[head!];
  } else {
    c[head!] = setAt(c[head!], rest, value);
  }
  return copy;
}
const DELETE = Symbol('delete');

const extreme = fc.constantFrom<Json>(-1, 0, 1, 0.5, 1e300, -1e300, 2 ** 53, 4097, '', ' ', 'x', '4 KiB', '1e999', true, null, [], {}, [[[]]], 'all', 'a'.repeat(300));

/** One mutation of a valid profile: a value replaced (by anything, or an extreme), a key dropped, an unknown key added. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), extreme) }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('add' as const), pick: fc.nat(), key: fc.string({ maxLength: 8 }), value: fc.jsonValue({ maxDepth: 2 }) }),
);

function mutate(base: Json, ms: readonly fc.Arbitrary<never>[] | { kind: string; pick: number; value?: Json; key?: string }[]): Json {
  let v = base;
  for (const m of ms as { kind: string; pick: number; value?: Json; key?: string }[]) {
    const paths = pathsOf(v);
    const path = paths[m.pick % paths.length]!;
    if (m.kind === 'replace') v = setAt(v, path, m.value);
    else if (m.kind === 'delete' && path.length > 0) v = setAt(v, path, DELETE);
    else if (m.kind === 'add') v = setAt(v, [...path.slice(0, -1), m.key ?? 'k'], m.value);
  }
  return v;
}

/** A text cut: a slice removed, or another slice of the same text (or arbitrary characters) spliced in. */
const textEdit = fc.record({ at: fc.nat(), len: fc.nat({ max: 40 }), insert: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(':', '- ', '{', '[', '&a', '*a', '<<: *a', '\t', '\n  ', '\u0000')) });

/** Load `text` the way `dmaload validate` does: a profile, or a ProfileError of one-line problems. */
function loadsOrRefuses(text: string): void {
  const t0 = Date.now();
  try {
    parseProfile(text, 'fuzz.yaml');
  } catch (e) {
    if (!(e instanceof ProfileError)) throw new Error(`not a ProfileError (the CLI's exit 1): ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    const lines = formatProfileError(e).split('\n');
    expect(lines).toHaveLength(e.problems.length);
    for (const l of lines) expect(l).toMatch(/^fuzz\.yaml(:\d+:\d+)?: \S/);
  }
  expect(Date.now() - t0).toBeLessThan(BOUND_MS);
}

describe('generated profiles: load, or one line per problem', () => {
  it('valid profiles, mutated', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(mutation, { minLength: 0, maxLength: 4 }), fc.boolean(), (b, ms, asJson) => {
        const v = mutate(bases[b % bases.length]!, ms);
        loadsOrRefuses(asJson ? JSON.stringify(v) : stringify(v));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('profile text, cut and spliced', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(textEdit, { minLength: 1, maxLength: 3 }), (b, edits) => {
        let text = stringify(bases[b % bases.length]!);
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.insert + text.slice(at + e.len);
        }
        loadsOrRefuses(text);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

const COMMANDS = ['run', 'compare', 'report', 'export', 'validate'];
const OPTIONS = ['--timing', '--seed', '--duration', '--json', '--hgrm', '--html', '--hlog', '--csv', '--interval', '--fail-if', '--quiet', '--strategies', '--kernel-modes', '--out', '--format', '--print', '--verbose', '--bogus', '-x'];
const VALUES = ['modelled', 'host', 'fast', '0', '-1', '1e9', '0.5', 'NaN', '', '-', 'p99<1ms', 'p99.9<5', 'x.json', 'dir/', 'csv', 'md', 'xml', 'vtd-per-device,smmuv3', 'per-device', 'dma-strict,kva', 'identity,identity'];
const token = fc.oneof(fc.constantFrom(...OPTIONS), fc.constantFrom(...VALUES), fc.string({ maxLength: 6 }).filter((s) => !s.startsWith('--h') && !s.startsWith('--v')));

describe('generated argument lists: parsed, or one UsageError line', () => {
  it('any command with any options and values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...COMMANDS, 'frob'), fc.array(token, { maxLength: 8 }), async (cmd, rest) => {
        const argv = [cmd, 'p.yaml', ...rest];
        // As main.ts: a throw while parsing and a rejected parse are the same failure.
        let outcome: unknown;
        try {
          await commandLine(argv, () => {}).parseAsync();
        } catch (e) {
          outcome = e;
        }
        if (outcome !== undefined) {
          expect(outcome).toBeInstanceOf(UsageError);
          expect((outcome as Error).message).not.toMatch(/\n.*\n/);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('a sample through the compiled CLI: exit 0 or 2, never a stack trace', () => {
  it('mutated profiles validated, and argument lists run against them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmaload-fuzz-'));
    const samples = fc.sample(fc.tuple(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.array(token, { maxLength: 4 })), { seed: SEED, numRuns: 12 });
    for (const [i, [b, ms, rest]] of samples.entries()) {
      const file = join(dir, `p${i}.yaml`);
      writeFileSync(file, stringify(mutate(bases[b % bases.length]!, ms)));
      // No output files (the CLI runs in the repository) and no thresholds (a failed one is exit 3, by design).
      const kept = rest.filter((t) => !['--timing', '--duration', '--interval', '--json', '--hgrm', '--html', '--hlog', '--csv', '--out', '--fail-if'].includes(t));
      for (const argv of [['validate', file], ['run', file, '--duration', '0.001', '--quiet', ...kept]]) {
        const r = await runCli(argv);
        expect([0, 2], `${argv.join(' ')}\n${r.stderr}`).toContain(r.status);
        expect(looksLikeStackTrace(r.stderr)).toBe(false);
      }
    }
  }, 4 * TEST_TIMEOUT_MS);
});
