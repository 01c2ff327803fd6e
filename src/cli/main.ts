#!/usr/bin/env node
/**
 * dmaload command line. This module only parses arguments, lazily imports the command that
 * runs, and turns errors into one clear message and an exit status (cli/exit.ts). Nothing
 * behind it prints errors or exits.
 */

import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode } from './exit.js';

class UsageError extends Error {}

let verbose = false;

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
          .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' }),
      async (a) => {
        const seed = a.seed === undefined ? undefined : Number(a.seed);
        if (seed !== undefined && (a.seed!.trim() === '' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)) {
          throw new UsageError(`--seed: expected an integer from 0 to 4294967295, got "${a.seed}"`);
        }
        const duration = a.duration === undefined ? undefined : Number(a.duration);
        if (duration !== undefined && (a.duration!.trim() === '' || !(duration > 0 && duration <= 86400))) {
          throw new UsageError(`--duration: expected seconds in (0, 86400], got "${a.duration}"`);
        }
        const { runCommand } = await import('./commands/run.js');
        await runCommand({
          profile: a.profile,
          seed,
          duration,
          json: a.json,
          hgrm: a.hgrm,
          quiet: a.quiet,
        });
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
    .demandCommand(1, 'name a command: run or validate')
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
  const { BadInputError, RunFailedError } = await import('../run/errors.js');
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
