#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * dmaload command line. This module only parses arguments, lazily imports the command that
 * runs, and turns errors into one clear message and an exit status (cli/exit.ts). Nothing
 * behind it prints errors or exits.
 *
 * The kernel thread runs with a fixed 1 MiB semi-space (the shebang flag; the npm scripts pass
 * the same). It allocates 1–2 MiB/s, so scavenges stay rare and cheap, and its heap keeps one
 * size: by default V8 doubles new space each time as many bytes as it holds have survived,
 * which over a long run adds several MiB of resident memory in steps (measured on the
 * `bench:long` profile: +9.5% over 5 minutes without the flag, 3.7–4.8% spread with it).
 * Device workers get the same through piscina's resourceLimits (run/run.ts).
 */

import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode } from './exit.js';

class UsageError extends Error {}

let verbose = false;

function parseSeed(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const seed = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new UsageError(`--seed: expected an integer from 0 to 4294967295, got "${raw}"`);
  }
  return seed;
}

function parseDuration(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const duration = Number(raw);
  if (raw.trim() === '' || !(duration > 0 && duration <= 86400)) {
    throw new UsageError(`--duration: expected seconds in (0, 86400], got "${raw}"`);
  }
  return duration;
}

async function main(argv: string[]): Promise<void> {
  verbose = argv.includes('--verbose');
  await yargs(argv)
    .scriptName('dmaload')
    .usage('$0 <command> [options]\n\nA multi-worker DMA load generator modelling the Linux IOMMU\'s shared virtual addressing.')
    .command(
      'run <profile>',
      'run a load profile and print the summary',
      (y) =>
        y
          .positional('profile', { type: 'string', demandOption: true, describe: 'YAML profile file' })
          .option('seed', { type: 'string', describe: 'seed for every random choice, 0..4294967295 (overrides the profile)' })
          .option('duration', { type: 'string', describe: 'run length in seconds (overrides the profile)' })
          .option('json', { type: 'string', describe: 'write the JSON result to FILE' })
          .option('hgrm', { type: 'string', describe: 'write .hgrm percentile files (per device + all) into DIR' })
          .option('html', { type: 'string', describe: 'write a self-contained HTML report to FILE' })
          .option('hlog', { type: 'string', describe: 'stream an HdrHistogram interval log (a tagged histogram per device per interval) to FILE' })
          .option('csv', { type: 'string', describe: 'stream per-interval throughput and percentiles as CSV to FILE' })
          .option('interval', { type: 'string', describe: 'reporting interval in seconds for progress, --hlog and --csv (default 1)' })
          .option('fail-if', {
            type: 'string',
            array: true,
            describe: "threshold that fails the run (exit 3), e.g. 'p99<50us', 'opsPerSec>1e6', 'dsa0.p999<=2ms'; repeatable",
          })
          .option('quiet', { type: 'boolean', default: false, describe: 'no progress and no summary (errors and threshold results only)' }),
      async (a) => {
        const seed = parseSeed(a.seed);
        const duration = parseDuration(a.duration);
        const interval = a.interval === undefined ? undefined : Number(a.interval);
        if (interval !== undefined && (a.interval!.trim() === '' || !(interval >= 0.05 && interval <= 3600))) {
          throw new UsageError(`--interval: expected seconds in [0.05, 3600], got "${a.interval}"`);
        }
        const { runCommand } = await import('./commands/run.js');
        await runCommand({
          profile: a.profile,
          seed,
          duration,
          json: a.json,
          hgrm: a.hgrm,
          html: a.html,
          hlog: a.hlog,
          csv: a.csv,
          interval,
          failIf: (a['fail-if'] ?? []).map(String),
          quiet: a.quiet,
        });
      },
    )
    .command(
      'compare <profile>',
      'run a profile under each invalidation strategy (same seed and churn schedule) and compare',
      (y) =>
        y
          .positional('profile', { type: 'string', demandOption: true, describe: 'YAML profile file (with churn)' })
          .option('strategies', {
            type: 'string',
            default: 'per-device,shared-domain',
            describe: 'comma-separated strategies; the first is the baseline of the ratios',
          })
          .option('seed', { type: 'string', describe: 'seed (overrides the profile)' })
          .option('duration', { type: 'string', describe: 'run length of each run in seconds (overrides the profile)' })
          .option('json', { type: 'string', describe: 'write the comparison (and each run\'s result) to FILE' })
          .option('html', { type: 'string', describe: 'write a self-contained side-by-side HTML report to FILE' })
          .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' }),
      async (a) => {
        const strategies = a.strategies.split(',').map((s) => s.trim()).filter((s) => s !== '');
        const known = ['per-device', 'shared-domain'];
        const bad = strategies.find((s) => !known.includes(s));
        if (bad !== undefined || strategies.length < 2 || new Set(strategies).size !== strategies.length) {
          throw new UsageError(
            `--strategies: expected two or more distinct of ${known.join(', ')}, comma-separated, got "${a.strategies}"`,
          );
        }
        const { compareCommand } = await import('./commands/compare.js');
        await compareCommand({
          profile: a.profile,
          strategies: strategies as ('per-device' | 'shared-domain')[],
          seed: parseSeed(a.seed),
          duration: parseDuration(a.duration),
          json: a.json,
          html: a.html,
          quiet: a.quiet,
        });
      },
    )
    .command(
      'report <input>',
      'render a run result or compare JSON as a self-contained HTML report',
      (y) =>
        y
          .positional('input', { type: 'string', demandOption: true, describe: 'result JSON (run --json or compare --json)' })
          .option('out', { type: 'string', describe: 'HTML file to write (default: the input with .html)' })
          .option('quiet', { type: 'boolean', default: false }),
      async (a) => {
        const { reportCommand } = await import('./commands/report.js');
        await reportCommand({ input: a.input, out: a.out, quiet: a.quiet });
      },
    )
    .command(
      'export <input>',
      'convert a run result JSON or an .hlog interval log to .hgrm files, CSV or JSON',
      (y) =>
        y
          .positional('input', { type: 'string', demandOption: true, describe: 'result JSON or .hlog file' })
          .option('format', { choices: ['hgrm', 'csv', 'json'] as const, demandOption: true, describe: 'output format' })
          .option('out', { type: 'string', describe: 'output file (csv, json) or directory (hgrm)' })
          .option('quiet', { type: 'boolean', default: false }),
      async (a) => {
        const { exportCommand } = await import('./commands/export.js');
        await exportCommand({ input: a.input, format: a.format, out: a.out, quiet: a.quiet });
      },
    )
    .command(
      'validate <profile>',
      'check a profile without running it',
      (y) => y.positional('profile', { type: 'string', demandOption: true, describe: 'YAML profile file' }),
      async (a) => {
        const { validateCommand } = await import('./commands/validate.js');
        validateCommand({ profile: a.profile });
      },
    )
    .option('verbose', { type: 'boolean', default: false, describe: 'print stack traces of errors' })
    .demandCommand(1, 'name a command: run, compare, report, export or validate')
    .strict()
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    })
    .help()
    .version()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .parseAsync();
}

/** Print one clear message for `e` and choose the exit status. */
async function report(e: unknown): Promise<number> {
  const { ProfileError, formatProfileError } = await import('../profile/load.js');
  const { BadInputError, RunFailedError, ThresholdsFailedError } = await import('../run/errors.js');
  const { KernelError } = await import('../kernel/errors.js');
  let code: number;
  let message: string;
  if (e instanceof ProfileError) {
    code = ExitCode.badInput;
    message = formatProfileError(e);
  } else if (e instanceof UsageError) {
    code = ExitCode.badInput;
    message = `dmaload: ${e.message}\n(see dmaload --help)`;
  } else if (e instanceof BadInputError || e instanceof KernelError) {
    code = ExitCode.badInput;
    message = `dmaload: ${e.message}`;
  } else if (e instanceof ThresholdsFailedError) {
    code = ExitCode.thresholdFailed;
    message = `dmaload: ${e.message}`;
  } else if (e instanceof RunFailedError) {
    code = ExitCode.runFailed;
    message = `dmaload: run failed: ${e.message}`;
  } else {
    code = ExitCode.runFailed;
    const detail = e instanceof Error ? e.message : String(e);
    message = `dmaload: internal error: ${detail}${verbose ? '' : '\n(pass --verbose for the stack trace)'}`;
  }
  process.stderr.write(`${message}\n`);
  if (verbose && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return code;
}

main(hideBin(process.argv)).then(
  () => {
    process.exitCode = ExitCode.ok;
  },
  async (e: unknown) => {
    process.exitCode = await report(e);
  },
);
