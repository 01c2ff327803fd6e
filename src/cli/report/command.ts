/**
 * `dmaload report <input>`: its options; the handler (./handler.ts) is loaded only when the
 * command runs.
 */

import { commandModule, fileOption, quietOption } from '../options.js';

export const command = commandModule(
  'report <input>',
  'render a run result or compare JSON as a self-contained HTML report',
  (y) =>
    y
      .positional('input', { type: 'string', demandOption: true, describe: 'result JSON (run --json or compare --json)' })
      .option('out', fileOption('out', 'HTML file to write (default: the input with .html)'))
      .option('quiet', quietOption()),
  async (a) => {
    const { reportCommand } = await import('./handler.js');
    await reportCommand({ input: a.input, out: a.out, quiet: a.quiet });
  },
);
