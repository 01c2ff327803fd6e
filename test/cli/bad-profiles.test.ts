/**
 * Bad input through the compiled CLI: every bad profile, a missing file and bad command-line
 * arguments exit with status 2 (cli/exit.ts: badInput), print one clear line per problem on
 * stderr and never a stack trace. Fixtures and their exact paths/messages are listed in
 * test/fixtures/profiles/README.md.
 */
import { describe, expect, it } from 'vitest';

import { linesOf, looksLikeStackTrace, runCli, TEST_TIMEOUT_MS } from './helpers.js';

const BAD_INPUT = 2;
const dir = 'test/fixtures/profiles';

/** Each fixture with the exact stderr lines expected (one per problem, document order). */
const FIXTURES: { name: string; lines: (string | RegExp)[] }[] = [
  {
    name: 'bad-yaml-syntax.yaml',
    // Path '' (the whole document): `<file>: <message>`; the rest is the yaml package's text.
    lines: [/^test\/fixtures\/profiles\/bad-yaml-syntax\.yaml: YAML syntax error at line 5, column 11: \S/],
  },
  {
    name: 'bad-unknown-key.yaml',
    lines: [
      `${dir}/bad-unknown-key.yaml:13:12: devices[0].bogus: unknown key "bogus"; expected one of: ` +
        'id, type, iommu, ats, devtlbEntries, devtlbWays, wqSize, wqMode, engines, submitters, pri, blockOnFault, trusted, coherent, attach, workload, kernelClients, vm, group',
    ],
  },
  {
    name: 'bad-wrong-type.yaml',
    lines: [`${dir}/bad-wrong-type.yaml:5:19: iommus[0].iotlbEntries: expected an integer from 1 to 65536, got "lots"`],
  },
  {
    name: 'bad-out-of-range.yaml',
    lines: [`${dir}/bad-out-of-range.yaml:13:13: devices[0].wqSize: expected an integer from 1 to 1024, got 4096`],
  },
  {
    name: 'bad-unknown-iommu.yaml',
    lines: [`${dir}/bad-unknown-iommu.yaml:13:12: devices[0].iommu: "iommu9" names no IOMMU; expected one of: iommu0, iommu1`],
  },
  {
    name: 'bad-unknown-process.yaml',
    lines: [`${dir}/bad-unknown-process.yaml:13:35: devices[0].attach.process: "db" names no process; expected one of: app`],
  },
  {
    name: 'bad-queue-depth.yaml',
    lines: [
      `${dir}/bad-queue-depth.yaml:19:42: devices[1].workload.queueDepth: ` +
        "256 is larger than the device's wqSize (128) of a dedicated WQ; expected at most 128, or wqMode: shared (a full shared WQ answers retry)",
    ],
  },
  {
    name: 'bad-multiple.yaml',
    lines: [
      `${dir}/bad-multiple.yaml:5:11: iommus[0].type: expected one of: vtd, smmuv3, got "amd"`,
      `${dir}/bad-multiple.yaml:13:12: devices[0].iommu: "iommu9" names no IOMMU; expected one of: iommu0`,
    ],
  },
];

describe('dmaload with a bad profile', { timeout: TEST_TIMEOUT_MS }, () => {
  for (const { name, lines } of FIXTURES) {
    for (const command of ['validate', 'run'] as const) {
      it(`${command} ${name}: exit 2, one line per problem naming the path, no stack trace`, async () => {
        const r = await runCli([command, `${dir}/${name}`]);
        expect(r.status).toBe(BAD_INPUT);
        expect(r.stdout).toBe('');
        expect(looksLikeStackTrace(r.stderr)).toBe(false);
        const got = linesOf(r.stderr);
        expect(got).toHaveLength(lines.length);
        lines.forEach((want, i) => {
          if (typeof want === 'string') expect(got[i]).toBe(want);
          else expect(got[i]).toMatch(want);
        });
      });
    }
  }

  for (const command of ['validate', 'run'] as const) {
    it(`${command} of a missing file: exit 2, one line naming the file and "no such file"`, async () => {
      const file = `${dir}/does-not-exist.yaml`;
      const r = await runCli([command, file]);
      expect(r.status).toBe(BAD_INPUT);
      expect(r.stdout).toBe('');
      expect(looksLikeStackTrace(r.stderr)).toBe(false);
      const got = linesOf(r.stderr);
      expect(got).toHaveLength(1);
      expect(got[0]).toContain(file);
      expect(got[0]).toContain('no such file');
    });
  }
});

describe('dmaload with bad command-line arguments', { timeout: TEST_TIMEOUT_MS }, () => {
  const quickstart = 'profiles/quickstart.yaml';
  /** args, and a string the single `dmaload: ...` message must mention. */
  const CASES: { args: string[]; mentions: string[] }[] = [
    { args: ['frobnicate'], mentions: ['frobnicate'] },
    { args: [], mentions: ['run', 'validate'] },
    { args: ['run', quickstart, '--bogus'], mentions: ['bogus'] },
    { args: ['validate', quickstart, '--bogus'], mentions: ['bogus'] },
    { args: ['run', quickstart, '--seed', '-1'], mentions: ['--seed', '-1'] },
    { args: ['run', quickstart, '--duration', '0'], mentions: ['--duration', '0'] },
    { args: ['run', quickstart, '--timing', 'fast'], mentions: ['timing', 'fast', 'modelled', 'host'] },
    { args: ['compare', 'profiles/inval-2x2.yaml', '--timing', 'wall'], mentions: ['timing', 'wall'] },
    // The override is checked like the profile key: modelled time on a platform whose descriptors cost nothing.
    { args: ['run', 'test/fixtures/counts/inval.yaml', '--timing', 'modelled'], mentions: ['platform', 'preset zero', 'timing: host'] },
  ];

  for (const { args, mentions } of CASES) {
    it(`dmaload ${args.join(' ') || '(no arguments)'}: exit 2, one clear message, no stack trace`, async () => {
      const r = await runCli(args);
      expect(r.status).toBe(BAD_INPUT);
      // Nothing ran and no help text was dumped on stdout.
      expect(r.stdout).toBe('');
      expect(looksLikeStackTrace(r.stderr)).toBe(false);
      // Exactly one error message, prefixed with the program name, naming what was wrong.
      const messages = linesOf(r.stderr).filter((l) => l.startsWith('dmaload: '));
      expect(messages).toHaveLength(1);
      for (const m of mentions) expect(messages[0]).toContain(m);
      // At most a short pointer to --help besides the message (no usage dump).
      expect(linesOf(r.stderr).length).toBeLessThanOrEqual(2);
    });
  }
});
