/**
 * `dmaload report <input>`: its options; the handler (./handler.ts) is loaded only when the
 * command runs.
 */

import type { Argv, CommandModule } from 'yargs';
import { fileOption, quietOption } from '../options.js';

function builder(y: Argv) {
  return y
    .positional('input', { type: 'string', demandOption: true, describe: 'result JSON (run --json or compare --json)' })
    .option('out', fileOption('HTML file to write (default: the input with .html)'))
    .option('quiet', quietOption());
}

export type ReportOptions = ReturnType<typeof builder> extends Argv<infer T> ? T : never;

export const command: CommandModule<object, ReportOptions> = {
  command: 'report <input>',
  describe: 'render a run result or compare JSON as a self-contained HTML report',
  builder,
  handler: async (a) => {
    const { reportCommand } = await import('./handler.js');
    await reportCommand({ input: a.input, out: a.out, quiet: a.quiet });
  },
};
