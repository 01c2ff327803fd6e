#!/usr/bin/env -S node --max-semi-space-size=1 --heap-growing-percent=5
/**
 * dmaload command line: the entry point. It parses the arguments (parser.ts composes the
 * commands, one folder each; a command's handler is imported only when it runs) and is the one
 * place that turns errors into one clear message and an exit status (exit.ts). Nothing behind
 * it prints errors or exits.
 *
 * The kernel thread runs with a fixed 1 MiB semi-space (the shebang flag; the npm scripts pass
 * the same). It allocates 1–2 MiB/s, so scavenges stay rare and cheap, and its heap keeps one
 * size: by default V8 doubles new space each time as many bytes as it holds have survived,
 * which over a long run adds several MiB of resident memory in steps (measured on the
 * `bench:long` profile: +9.5% over 5 minutes without the flag, 3.7–4.8% spread with it).
 * Device workers get the same through piscina's resourceLimits (run/pool.ts).
 *
 * `--heap-growing-percent=5`: with churn, the kernel's control plane promotes ~100 KiB/s of
 * short-lived objects (async notifier calls that outlive two scavenges), and V8's default growth
 * lets the old generation reach about twice its live size (17 → 35 MiB on `bench:long`) before
 * a full GC: a saw-tooth of ~10% of the process's resident set. Growing by 5% (V8 keeps a
 * minimum step of a few MiB) collects at ~22 MiB instead, a full GC of the ~17 MiB heap about
 * once a minute.
 */

import { hideBin } from 'yargs/helpers';
import { ExitCode } from './exit.js';
import { UsageError } from './options.js';
import { commandLine } from './parser.js';

let verbose = false;

async function main(argv: string[]): Promise<void> {
  verbose = argv.includes('--verbose');
  await commandLine(argv).parseAsync();
}

/** Print one clear message for `e` and choose the exit status. */
async function report(e: unknown): Promise<number> {
  const { ProfileError, formatProfileError } = await import('../profile/load.js');
  const { BadInputError, InterruptedError, RunFailedError, ThresholdsFailedError } = await import('../run/errors.js');
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
  } else if (e instanceof InterruptedError) {
    code = e.exitCode;
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
