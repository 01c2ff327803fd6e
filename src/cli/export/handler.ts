/**
 * `dmaload export <input> --format hgrm|csv|json [--out PATH]`: latency data from a run result
 * (`dmaload run --json`) or an HdrHistogram interval log (.hlog) — see report/export.ts.
 *
 * Default outputs: hgrm → the directory `<input without extension>-hgrm/`; csv →
 * `<input without extension>.csv`; json → standard output. `--out -` writes csv or json to
 * standard output. `quiet` silences the "wrote …" lines, never the data itself.
 */

import { resolve } from 'node:path';
import { formatCsv } from '../../report/csv.js';
import { defaultExportOut, exportSummary, formatMarkdown, loadExportInput, writeHgrmExport } from '../../report/export.js';
import type { ExportFormat } from '../../report/export-formats.js';
import { BadInputError } from '../../run/errors.js';
import { writeOutput } from '../output.js';
import { checkOutputs } from '../preflight.js';

/** Data to `out`, or to standard output when there is no file (`-`, or json by default). */
function emit(out: string | undefined, text: string, quiet: boolean, what = ''): void {
  if (out === undefined || out === '-') process.stdout.write(text);
  else writeOutput(out, text, quiet, what);
}

export interface ExportArgs {
  readonly input: string;
  readonly format: ExportFormat;
  readonly out: string | undefined;
  readonly quiet: boolean;
}

export async function exportCommand(args: ExportArgs): Promise<void> {
  const out = args.out ?? defaultExportOut(args.input, args.format);
  if (out !== undefined && out !== '-' && resolve(out) === resolve(args.input)) {
    throw new BadInputError(`--out ${out}: is the input file; choose another output path`);
  }
  if (args.format === 'hgrm' && out === '-') {
    throw new BadInputError('--out -: --format hgrm writes a directory of files, not to standard output');
  }
  if (out !== undefined) checkOutputs([{ option: 'out', path: out, kind: args.format === 'hgrm' ? 'dir' : 'file', stdoutAllowed: true }]);
  const input = loadExportInput(args.input);
  switch (args.format) {
    case 'hgrm': {
      const dir = out ?? defaultExportOut(args.input, 'hgrm')!;
      const files = writeHgrmExport(input, dir);
      if (!args.quiet) process.stdout.write(`wrote ${files.length} .hgrm file(s) to ${dir}\n`);
      return;
    }
    case 'csv': {
      const rows = input.csvRows();
      emit(out, formatCsv(rows), args.quiet, ` (${rows.length} row(s))`);
      return;
    }
    case 'json':
      emit(out, `${JSON.stringify(exportSummary(input), null, 2)}\n`, args.quiet);
      return;
    case 'md':
      emit(out, formatMarkdown(input), args.quiet);
      return;
  }
}
