/**
 * `dmaload export <input> --format hgrm|csv|json [--out PATH]`: latency data from a run result
 * (`dmaload run --json`) or an HdrHistogram interval log (.hlog) — see report/export.ts.
 *
 * Default outputs: hgrm → the directory `<input without extension>-hgrm/`; csv →
 * `<input without extension>.csv`; json → standard output. `--out -` writes csv or json to
 * standard output. `quiet` silences the "wrote …" lines, never the data itself.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { formatCsv } from '../../report/csv.js';
import { defaultExportOut, type ExportFormat, exportSummary, loadExportInput, writeHgrmExport } from '../../report/export.js';
import { BadInputError } from '../../run/errors.js';

export interface ExportArgs {
  readonly input: string;
  readonly format: ExportFormat;
  readonly out: string | undefined;
  readonly quiet: boolean;
}

function writeOut(out: string | undefined, text: string, what: string, quiet: boolean): void {
  if (out === undefined || out === '-') {
    process.stdout.write(text);
    return;
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  if (!quiet) process.stdout.write(`wrote ${out}${what}\n`);
}

export async function exportCommand(args: ExportArgs): Promise<void> {
  const out = args.out ?? defaultExportOut(args.input, args.format);
  if (out !== undefined && out !== '-' && resolve(out) === resolve(args.input)) {
    throw new BadInputError(`--out ${out}: is the input file; choose another output path`);
  }
  if (args.format === 'hgrm' && out === '-') {
    throw new BadInputError('--out -: --format hgrm writes a directory of files, not to standard output');
  }
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
      writeOut(out, formatCsv(rows), ` (${rows.length} row(s))`, args.quiet);
      return;
    }
    case 'json':
      writeOut(out, `${JSON.stringify(exportSummary(input), null, 2)}\n`, '', args.quiet);
      return;
  }
}
