/**
 * `dmaload report <result.json> [--out FILE]`: read a run, compare or sweep JSON, tell which it
 * is by its shape, validate it with its schema (report/result-input.ts) and write the
 * self-contained HTML report (default: the input's name with .html, so DIR/sweep.json gives
 * DIR/sweep.html).
 */

import { readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { compareRuns, savedLabels, savedRunsWarnings } from '../../report/compare.js';
import { readFailure } from '../../common/read-failure.js';
import type { CompareResult } from '../../report/compare.js';
import { renderCompareReport } from '../../report/html/compare.js';
import { renderRunReport } from '../../report/html/run.js';
import { renderSweepReport } from '../../report/html/sweep.js';
import { missingRunResultKeys, validCompareResult, validRunResult, validSweepResult } from '../../report/result-input.js';
import type { SweepResult } from '../../report/sweep.js';
import { BadInputError } from '../../run/errors.js';
import type { StoredRunResult } from '../../run/result.js';
import { writeOutput } from '../output.js';
import { checkOutputs } from '../preflight.js';


export interface ReportArgs {
  readonly inputs: readonly string[];
  readonly out: string | undefined;
  readonly quiet: boolean;
}

export type ReportInput = { kind: 'run'; result: StoredRunResult } | { kind: 'compare'; result: CompareResult } | { kind: 'sweep'; result: SweepResult };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A compare JSON has `strategies` and `runs`. */
export function isCompareResult(v: unknown): boolean {
  return isObject(v) && 'strategies' in v && 'runs' in v;
}

/** A sweep JSON (`dmaload sweep`'s DIR/sweep.json) has `params`, `points` and `table`. */
export function isSweepResult(v: unknown): boolean {
  return isObject(v) && 'params' in v && 'points' in v && 'table' in v;
}

/** Classify parsed JSON and validate it with its schema (`file` only names it in errors). */
export function parseReportInput(file: string, v: unknown): ReportInput {
  if (isCompareResult(v)) return { kind: 'compare', result: validCompareResult(v, file) };
  if (isSweepResult(v)) return { kind: 'sweep', result: validSweepResult(v, file) };
  if (!isObject(v)) throw new BadInputError(`${file}: not a dmaload run result (expected a JSON object)`);
  const missing = missingRunResultKeys(v);
  if (missing.length > 0) {
    throw new BadInputError(`${file}: not a dmaload run, compare or sweep result (missing ${missing.join(', ')})`);
  }
  return { kind: 'run', result: validRunResult(v, file) };
}

/** Read and classify a run, compare or sweep JSON file; BadInputError naming the file on any problem. */
export function loadReportInput(file: string): ReportInput {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BadInputError(`${file}: cannot read (${readFailure(e)})`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new BadInputError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return parseReportInput(file, v);
}

/** Render a run, compare or sweep result. */
export function renderReport(input: ReportInput): string {
  switch (input.kind) {
    case 'compare':
      return renderCompareReport(input.result);
    case 'sweep':
      return renderSweepReport(input.result);
    case 'run':
      return renderRunReport(input.result);
  }
}

/** `r.json` → `r.html`; a name without `.json` gets `.html` appended. */
export function defaultHtmlPath(input: string): string {
  return extname(input).toLowerCase() === '.json' ? `${input.slice(0, -5)}.html` : `${input}.html`;
}

export async function reportCommand(args: ReportArgs): Promise<void> {
  const files = args.inputs;
  const stem = (f: string) => basename(f).replace(/\.json$/i, '');
  const out = args.out ?? (files.length === 1 ? defaultHtmlPath(files[0]!) : join(dirname(files[0]!), `${files.map(stem).join('-vs-')}.html`));
  checkOutputs([{ option: 'out', path: out, kind: 'file', stdoutAllowed: true }]);
  if (files.length === 1) {
    writeOutput(out, renderReport(loadReportInput(files[0]!)), args.quiet);
    return;
  }
  // Several run results: rendered together as a comparison, labelled by file name.
  const runs = files.map((f) => {
    const input = loadReportInput(f);
    if (input.kind !== 'run') throw new BadInputError(`${f}: a ${input.kind} result; several inputs render together only as run results`);
    return input.result;
  });
  const labels = savedLabels(files);
  for (const w of savedRunsWarnings(labels, runs)) process.stderr.write(`warning: ${w}\n`);
  writeOutput(out, renderCompareReport(compareRuns(labels, runs)), args.quiet);
}
