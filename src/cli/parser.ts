/**
 * The command line, composed: each command's module (`<command>/command.ts`: its options, typed,
 * and a handler that lazily imports `<command>/handler.ts`), the global --verbose, and yargs set
 * to reject unknown options and to throw instead of printing — main.ts turns every error into
 * one message and an exit status.
 */

import yargs, { type Argv, type CommandModule } from 'yargs';
import { command as compare } from './compare/command.js';
import { command as exportCommand } from './export/command.js';
import { UsageError } from './options.js';
import { command as report } from './report/command.js';
import { command as run } from './run/command.js';
import { command as sweep } from './sweep/command.js';
import { command as validate } from './validate/command.js';
import { command as worker } from './worker/command.js';

/** Receives a command's parsed arguments instead of its handler (tests of the command line). */
export type Capture = (command: string, args: Record<string, unknown>) => void;

/** The parser for `argv`; with `capture`, handlers are not loaded and `capture` gets the arguments. */
export function commandLine(argv: readonly string[], capture?: Capture): Argv {
  const use = <T>(m: CommandModule<object, T>): CommandModule<object, T> =>
    capture ? { ...m, handler: (a) => capture(String(m.command).split(' ')[0]!, a as Record<string, unknown>) } : m;
  return yargs([...argv])
    .scriptName('dmaload')
    .usage("$0 <command> [options]\n\nA multi-worker DMA load generator modelling the Linux IOMMU's shared virtual addressing.")
    .command(use(run))
    .command(use(compare))
    .command(use(sweep))
    .command(use(report))
    .command(use(exportCommand))
    .command(use(validate))
    .command(use(worker))
    .option('verbose', { type: 'boolean', default: false, describe: 'print stack traces of errors' })
    .demandCommand(1, 'name a command: run, compare, sweep, worker, report, export or validate')
    .strict()
    .fail((msg, err) => {
      // yargs wraps what an option's coerce threw (a UsageError) in its own YError.
      if (err && err.name !== 'YError') throw err;
      throw new UsageError(err?.message ?? msg);
    })
    .help()
    .version()
    .wrap(Math.min(110, process.stdout.columns || 100));
}
