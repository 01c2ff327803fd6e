/**
 * `dmaload export <input> --format hgrm|csv|json`: its options (the formats offered as
 * choices); the handler (./handler.ts) is loaded only when the command runs.
 */

import { EXPORT_FORMATS } from '../../report/export-formats.js';
import { commandModule, fileOption, quietOption } from '../options.js';

export const command = commandModule(
  'export <input>',
  'convert a run result JSON or an .hlog interval log to .hgrm files, CSV or JSON',
  (y) =>
    y
      .positional('input', { type: 'string', demandOption: true, describe: 'result JSON or .hlog file' })
      .option('format', { choices: EXPORT_FORMATS, demandOption: true, describe: 'output format' })
      .option('out', fileOption('out', 'output file (csv, json) or directory (hgrm)'))
      .option('quiet', quietOption()),
  async (a) => {
    const { exportCommand } = await import('./handler.js');
    await exportCommand({ input: a.input, format: a.format, out: a.out, quiet: a.quiet });
  },
);
