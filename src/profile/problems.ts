/**
 * What is wrong with a profile, told to a person: the problem type and error, zod issues
 * rewritten as "<expectation>, got <value>" (or "missing; <expectation>"), unknown keys with a
 * "did you mean", paths written like `devices[1].workload.queueDepth`, and problems sorted into
 * the order they appear in the YAML text.
 *
 * Leaves out: what is checked (schema.ts: each value on its own; cross-checks.ts: values
 * against each other) and reading the file (load.ts). `issueProblems` and `formatPath` also
 * explain zod issues on a run or compare result (report/result-input.ts).
 */

import { isNode, type Document } from 'yaml';
import type { z } from 'zod';

/**
 * Prefix of the message a schema gives an unknown-key issue, followed by the known keys
 * (comma-separated); `issueProblems` reads the list back for "did you mean".
 */
export const KNOWN_KEYS_PREFIX = 'expected one of: ';

/** One thing wrong with a profile. `path` is like `devices[1].workload.queueDepth`, or '' for the whole document. */
export interface ProfileProblem {
  path: string;
  message: string;
}

export class ProfileError extends Error {
  override name = 'ProfileError';

  constructor(
    readonly file: string,
    readonly problems: ProfileProblem[],
    /** Per problem, where in the file it is (`line:column`, 1-based), when the text says. */
    readonly positions: readonly (string | undefined)[] = [],
  ) {
    super(problemLines(file, problems, positions).join('\n'));
  }
}

/**
 * One line per problem: `<file>:<line>:<column>: <path>: <message>` — the position of the value,
 * or of its nearest enclosing one when it is missing — `<file>: <path>: <message>` when the text
 * has no position for it, `<file>: <message>` for the whole document.
 */
export function formatProfileError(e: ProfileError): string {
  return problemLines(e.file, e.problems, e.positions).join('\n');
}

function problemLines(file: string, problems: readonly ProfileProblem[], positions: readonly (string | undefined)[]): string[] {
  return problems.map((p, i) => {
    if (p.path === '') return `${file}: ${p.message}`;
    const at = positions[i];
    return `${file}${at ? `:${at}` : ''}: ${p.path}: ${p.message}`;
  });
}

// ---------------------------------------------------------------------------------------------
// Problems while collecting: a path as segments (so they can be sorted by position) and a message.

export type Seg = string | number;
export interface Found {
  at: Seg[];
  message: string;
}

export function toProblem(f: Found): ProfileProblem {
  return { path: formatPath(f.at), message: f.message };
}

/** `['devices', 1, 'workload', 'queueDepth']` → `devices[1].workload.queueDepth`. */
export function formatPath(at: readonly Seg[]): string {
  let s = '';
  for (const seg of at) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(seg)) s += s === '' ? seg : `.${seg}`;
    else s += `[${JSON.stringify(seg)}]`;
  }
  return s;
}

/** Stable-sort problems by where their path (or its nearest existing ancestor) starts in the text. */
/** Where the value at `at` starts in the text: its node's offset, or its nearest enclosing node's; -1 if none. */
export function offsetOf(doc: Document, at: readonly Seg[]): number {
  for (let n = at.length; n > 0; n--) {
    const node = doc.getIn(at.slice(0, n), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return -1; // whole document, or a key whose ancestors are all missing
}

export function inDocumentOrder(doc: Document, found: Found[]): Found[] {
  const offset = (at: Seg[]): number => offsetOf(doc, at);
  return found
    .map((f, i) => ({ f, i, pos: offset(f.at) }))
    .sort((a, b) => a.pos - b.pos || a.i - b.i)
    .map(({ f }) => f);
}

/** The offending value, JSON-ish and short. */
export function show(v: unknown): string {
  let s: string;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') s = String(v);
  else if (v === undefined) s = 'nothing';
  else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = String(v);
    }
  }
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

export function withValue(expectation: string, value: unknown): string {
  return value === undefined ? `missing; ${expectation}` : `${expectation}, got ${show(value)}`;
}

// ---------------------------------------------------------------------------------------------
// zod issues → problems

/** The "expected …" part of an issue: ours from schema.ts, or a generic one for any we missed. */
function expectation(issue: z.core.$ZodIssue): string {
  if (issue.message.startsWith('expected')) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'too_small':
      return `expected at least ${issue.minimum}`;
    case 'too_big':
      return `expected at most ${issue.maximum}`;
    case 'not_multiple_of':
      return `expected a multiple of ${issue.divisor}`;
    case 'invalid_value':
      return `expected one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return `expected a string matching ${issue.pattern ?? issue.format}`;
    default:
      return issue.message;
  }
}

/** The problems one zod issue stands for, their paths under `base`. */
export function issueProblems(issue: z.core.$ZodIssue, base: Seg[] = []): Found[] {
  const at: Seg[] = [...base, ...issue.path.map((seg) => (typeof seg === 'number' ? seg : String(seg)))];
  switch (issue.code) {
    case 'unrecognized_keys': {
      // One problem per key, with the key in the path.
      const known = issue.message.startsWith(KNOWN_KEYS_PREFIX)
        ? issue.message.slice(KNOWN_KEYS_PREFIX.length).split(', ')
        : [];
      return issue.keys.map((key) => {
        const guess = closest(key, known);
        let hint = '';
        if (guess !== undefined) hint = `; did you mean "${guess}"?`;
        else if (known.length > 0) hint = `; expected one of: ${known.join(', ')}`;
        return { at: [...at, key], message: `unknown key ${JSON.stringify(key)}${hint}` };
      });
    }
    case 'invalid_union': {
      if (issue.discriminator !== undefined) {
        // A discriminated union whose tag matched nothing; zod already put the tag in the path.
        const tag = isRecord(issue.input) ? issue.input[issue.discriminator] : undefined;
        return [{ at, message: withValue(expectation(issue), tag) }];
      }
      // A plain union (a size or a list): if exactly one branch got past "wrong kind of value",
      // that branch is what the user meant, so report its own, more precise problems.
      const meant = issue.errors.filter(
        (branch) => !(branch.length === 1 && branch[0]?.code === 'invalid_type' && branch[0].path.length === 0),
      );
      if (meant.length === 1 && meant[0] !== undefined) return meant[0].flatMap((i) => issueProblems(i, at));
      return [{ at, message: withValue(expectation(issue), issue.input) }];
    }
    case 'custom':
      if (issue.params?.['complete'] === true) return [{ at, message: issue.message }];
      return [{ at, message: withValue(expectation(issue), issue.input) }];
    case 'invalid_type':
      return [{ at, message: withValue(expectation(issue), issue.input) }];
    default:
      // too_small, too_big, not_multiple_of, invalid_value, invalid_format, ...: a value was there.
      return [{ at, message: `${expectation(issue)}, got ${show(issue.input)}` }];
  }
}

/** The known key closest to a misspelt one (same letters ignoring case, or edit distance ≤ 2). */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, substitution));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** A plain mapping (not a list, not null). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
