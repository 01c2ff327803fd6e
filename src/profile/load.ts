/**
 * Load a YAML profile, validate it once, and hand back a typed `Profile`.
 *
 * Validation runs in three layers and reports every problem it finds, not just the first:
 *   1. YAML syntax (`yaml`'s parseDocument): problems at path '' with line and column;
 *      nothing else is checked when the text is not YAML.
 *   2. The zod schema (schema.ts): types, ranges, unknown keys, defaults.
 *   3. Cross-reference checks (cross-checks.ts), on whatever parsed.
 * Problems are worded and listed in document order by problems.ts; this module reads the file,
 * runs the layers and assembles the Profile. `ProfileError`, `formatProfileError` and
 * `formatPath` are re-exported from here for the CLI, tests and benchmarks.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';

import { LineCounter, parseDocument, type YAMLError } from 'yaml';

import { readFailure } from '../common/read-failure.js';
import { crossCheck } from './cross-checks.js';
import { type Found, inDocumentOrder, isRecord, issueProblems, offsetOf, ProfileError, toProblem } from './problems.js';
import { applyOverrides, type Override } from './overrides.js';
import { profileSchema } from './schema.js';
import { type Profile, strategyIommuType, strategyProblem } from './types.js';

export { formatPath, formatProfileError, ProfileError, type ProfileProblem } from './problems.js';

/**
 * Read and parse a profile file, with `overrides` (`--set`, overrides.ts) applied to its data
 * before validation. Every failure, including an unreadable file, is a ProfileError; a
 * malformed override is an OverrideError.
 */
export function loadProfile(file: string, overrides: readonly Override[] = []): Profile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ProfileError(file, [{ path: '', message: `cannot read profile: ${readFailure(e)}` }]);
  }
  return parseProfile(text, file, overrides);
}

/**
 * Limits on a profile's text, checked before parsing: a profile is tens of lines, and the YAML
 * parser's duplicate-key check is quadratic in a mapping's size (40,000 keys: 5 s) and its
 * composer recursive (thousands of nested brackets overflow the stack).
 */
export const PROFILE_LIMITS = { bytes: 1024 * 1024, lines: 20_000, keys: 20_000, depth: 32, indent: 256 } as const;

/** The first limit `text` breaks, as a message; undefined when within every limit. */
export function profileTextProblem(text: string): string | undefined {
  const L = PROFILE_LIMITS;
  const nul = text.indexOf('\u0000');
  const bad = nul >= 0 ? nul : text.indexOf('\ufffd');
  if (bad >= 0) return `not a text file (binary data at character ${bad + 1}); expected a YAML profile`;
  const bytes = Buffer.byteLength(text);
  if (bytes > L.bytes) return `${bytes} bytes is larger than a profile may be; expected at most ${L.bytes} bytes (1 MiB)`;
  let lines = 1;
  let keys = 0;
  let depth = 0;
  let deepest = 0;
  let indent = 0;
  let widest = 0;
  let lineStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (lineStart && (c === 32 || c === 9)) {
      widest = Math.max(widest, ++indent);
      continue;
    }
    lineStart = c === 10;
    indent = 0;
    if (c === 10) lines++;
    else if (c === 58) keys++; // ':' — an upper bound on mapping entries
    else if (c === 91 || c === 123) deepest = Math.max(deepest, ++depth); // '[', '{'
    else if (c === 93 || c === 125) depth--;
  }
  if (lines > L.lines) return `${lines} lines is more than a profile may have; expected at most ${L.lines}`;
  if (keys > L.keys) return `${keys} ":" (mapping entries) is more than a profile may have; expected at most ${L.keys}`;
  if (deepest > L.depth) return `brackets nested ${deepest} deep; expected at most ${L.depth} levels`;
  if (widest > L.indent) return `a line indented ${widest} columns; expected at most ${L.indent} (a profile nests a few levels)`;
  return undefined;
}

/** How deep `v` nests (a scalar: 0), without recursion. */
function nestingDepth(v: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    deepest = Math.max(deepest, d);
    if (d > PROFILE_LIMITS.depth) break;
    if (x !== null && typeof x === 'object') for (const y of Object.values(x)) stack.push([y, d + 1]);
  }
  return deepest;
}

/** Parse and validate profile text; `file` names it in problems and provides the default `name`. */
export function parseProfile(text: string, file: string, overrides: readonly Override[] = []): Profile {
  const tooBig = profileTextProblem(text);
  if (tooBig) throw new ProfileError(file, [{ path: '', message: tooBig }]);
  const lineCounter = new LineCounter();
  let doc;
  try {
    // YAML 1.1 merge keys (`<<: *device`) let a profile define a device once and vary it.
    doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  } catch (e) {
    // The limits above keep the parser's recursion shallow; anything it still throws is the text's.
    throw new ProfileError(file, [{ path: '', message: `YAML error: ${e instanceof Error ? e.message : String(e)}` }]);
  }
  if (doc.errors.length > 0) {
    throw new ProfileError(
      file,
      doc.errors.map((e) => ({ path: '', message: yamlErrorMessage(e, lineCounter) })),
    );
  }

  let data: unknown;
  try {
    data = doc.toJS();
  } catch (e) {
    // e.g. too many alias expansions
    throw new ProfileError(file, [{ path: '', message: `YAML error: ${e instanceof Error ? e.message : String(e)}` }]);
  }
  // Top-level keys starting with "x-" are the profile's own definitions (anchors for merge keys,
  // `x-device: &dev {...}` then `- { <<: *dev, id: d1 }`): not part of the profile.
  if (isRecord(data)) data = Object.fromEntries(Object.entries(data).filter(([k]) => !k.startsWith('x-')));
  data = applyOverrides(data, overrides);
  if (nestingDepth(data) > PROFILE_LIMITS.depth) {
    throw new ProfileError(file, [{ path: '', message: `nested more than ${PROFILE_LIMITS.depth} levels deep; a profile nests a few levels` }]);
  }
  if (data === null || data === undefined) {
    throw new ProfileError(file, [
      { path: '', message: 'the profile is empty; expected a mapping with iommus, processes and devices' },
    ]);
  }

  const result = profileSchema.safeParse(data, { reportInput: true });
  const found: Found[] = result.success ? [] : result.error.issues.flatMap((issue) => issueProblems(issue));
  if (isRecord(data)) found.push(...crossCheck(data));
  if (found.length > 0 || !result.success) {
    // (An issue always yields a problem; the fallback only guards against a silent failure.)
    const ordered = inDocumentOrder(doc, found);
    const problems = found.length > 0 ? ordered.map(toProblem) : [{ path: '', message: 'invalid profile' }];
    const positions = ordered.map((f) => {
      const offset = offsetOf(doc, f.at);
      if (offset < 0) return undefined;
      const { line, col } = lineCounter.linePos(offset);
      return `${line}:${col}`;
    });
    throw new ProfileError(file, problems, positions);
  }

  const out = result.data;
  // Defaults that follow the IOMMUs: SMMUv3-only machines flush with smmuv3, called as arm64 calls.
  const rawInv = isRecord(data) && isRecord(data['invalidation']) ? data['invalidation'] : {};
  const smmuOnly = out.iommus.every((u) => u.type === 'smmuv3');
  const invalidation = {
    ...out.invalidation,
    ...(rawInv['strategy'] === undefined && smmuOnly ? { strategy: 'smmuv3' as const } : {}),
  };
  if (rawInv['arch'] === undefined && strategyIommuType(invalidation.strategy) === 'smmuv3') invalidation.arch = 'arm64';
  const mismatch = out.churn ? strategyProblem(invalidation.strategy, out.iommus) : undefined;
  if (mismatch) throw new ProfileError(file, [{ path: 'invalidation.strategy', message: mismatch }]);
  const profile = {
    name: out.name ?? defaultName(file),
    seed: out.seed,
    durationS: out.durationS,
    system: out.system,
    iommus: out.iommus,
    processes: out.processes,
    vms: out.vms,
    devices: out.devices,
    churn: out.churn,
    lifecycle: out.lifecycle,
    invalidation,
    platform: out.platform,
    checker: out.checker,
    timing: out.timing,
    workers: out.workers,
  } satisfies Profile;
  return profile;
}

function defaultName(file: string): string {
  return basename(file, extname(file)) || 'profile';
}

function yamlErrorMessage(e: YAMLError, lines: LineCounter): string {
  const { line, col } = lines.linePos(e.pos[0]);
  return `YAML syntax error at line ${line}, column ${col}: ${e.message}`;
}
