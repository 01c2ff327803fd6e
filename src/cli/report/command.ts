/**
 * `dmaload report <input>`: its options; the handler (./handler.ts) is loaded only when the
 * command runs.
 */

import { commandModule, fileOption, quietOption } from '../options.js';

export const command = commandModule(
  'report <inputs..>',
  'render a run, compare or sweep JSON as a self-contained HTML report; several run results render together, compared',
  (y) =>
    y
      .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'result JSON (run --json, compare --json, or a sweep DIR/sweep.json), or two or more run results' })
      .option('out', fileOption('out', 'HTML file to write (default: the input with .html; for several, their names joined with -vs-)'))
      .option('quiet', quietOption()),
  async (a) => {
    const { reportCommand } = await import('./handler.js');
    await reportCommand({ inputs: (a.inputs ?? []).map(String), out: a.out, quiet: a.quiet });
  },
);
