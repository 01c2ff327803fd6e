/**
 * Run, compare and sweep results read back from JSON (`dmaload report`, `dmaload export`): told
 * apart by their shape, then validated with the one schema each (run/result-schema.ts,
 * report/compare.ts, report/sweep.ts). A result that fails is one BadInputError with a line per problem,
 * `<file>: <JSON path>: <what was expected>, got <value>`, whole-document problems first, at
 * most MAX_PROBLEMS lines. Problems are worded by profile/problems.ts, as a profile's are.
 * Leaves out: reading the file and parsing the JSON text (each command words those itself).
 */

import type { z } from 'zod';
import { formatPath, isRecord, issueProblems } from '../profile/problems.js';
import { BadInputError } from '../run/errors.js';
import type { StoredRunResult } from '../run/result.js';
import { storedRunResultSchema } from '../run/result-schema.js';
import { type CompareResult, compareResultSchema } from './compare.js';
import { type SweepResult, sweepResultSchema } from './sweep.js';

/** At most this many problem lines; the rest are counted. */
export const MAX_PROBLEMS = 12;

/** Top-level fields that mark JSON as a run result. */
const RUN_RESULT_KEYS = ['profile', 'seed', 'elapsedNs', 'totals', 'devices', 'iommus'] as const;

/**
 * `value` as `schema` describes it.
 * @throws BadInputError naming `file`, each problem's JSON path and what was expected.
 */
export function validated<S extends z.ZodType>(schema: S, value: unknown, file: string): z.output<S> {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data;
  const found = parsed.error.issues
    .flatMap((issue) => issueProblems(issue))
    .map((p, i) => ({ ...p, i }))
    .sort((a, b) => Math.min(a.at.length, 1) - Math.min(b.at.length, 1) || a.i - b.i);
  const lines = found.slice(0, MAX_PROBLEMS).map((p) => (p.at.length === 0 ? `${file}: ${p.message}` : `${file}: ${formatPath(p.at)}: ${p.message}`));
  if (found.length > MAX_PROBLEMS) lines.push(`${file}: … and ${found.length - MAX_PROBLEMS} more problem(s)`);
  throw new BadInputError(lines.join('\n'));
}

/** Top-level run-result fields `v` lacks (all of them when it is not an object). */
export function missingRunResultKeys(v: unknown): string[] {
  return RUN_RESULT_KEYS.filter((k) => !isRecord(v) || !(k in v));
}

/** A run result (this dmaload's or an older one's). @throws BadInputError naming `file`. */
export function validRunResult(v: unknown, file: string): StoredRunResult {
  return validated(storedRunResultSchema, v, file);
}

/** A compare result, each of its runs a run result. @throws BadInputError naming `file`. */
export function validCompareResult(v: unknown, file: string): CompareResult {
  return validated(compareResultSchema, v, file);
}

/** A sweep result (DIR/sweep.json). @throws BadInputError naming `file`. */
export function validSweepResult(v: unknown, file: string): SweepResult {
  return validated(sweepResultSchema, v, file);
}
