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
import { type Found, inDocumentOrder, isRecord, issueProblems, ProfileError, toProblem } from './problems.js';
import { profileSchema } from './schema.js';
import { type Profile, strategyIommuType, strategyProblem } from './types.js';

export { formatPath, formatProfileError, ProfileError, type ProfileProblem } from './problems.js';

/** Read and parse a profile file. Every failure, including an unreadable file, is a ProfileError. */
export function loadProfile(file: string): Profile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ProfileError(file, [{ path: '', message: `cannot read profile: ${readFailure(e)}` }]);
  }
  return parseProfile(text, file);
}

/** Parse and validate profile text; `file` names it in problems and provides the default `name`. */
export function parseProfile(text: string, file: string): Profile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
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
    const problems =
      found.length > 0 ? inDocumentOrder(doc, found).map(toProblem) : [{ path: '', message: 'invalid profile' }];
    throw new ProfileError(file, problems);
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
    devices: out.devices,
    churn: out.churn,
    lifecycle: out.lifecycle,
    invalidation,
    platform: out.platform,
    checker: out.checker,
    timing: out.timing,
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
