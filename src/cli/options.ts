/**
 * What the commands share on the command line: the usage error, typed option builders that
 * parse a value once, as yargs reads it (`coerce`), so a handler receives numbers, not text,
 * and `commandModule`, which types a command's handler from its builder. A value that does not
 * parse is a UsageError naming the option, the value and what was expected (main.ts prints it
 * with a pointer to --help; exit 2).
 */

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { type Override, OverrideError, parseOverride } from '../profile/overrides.js';
import { TIMINGS, type Timing } from '../profile/types.js';

/** Bad command-line arguments. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Seed: an integer in [0, 2^32 − 1]. */
export function parseSeed(raw: string): number {
  const seed = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new UsageError(`--seed: expected an integer from 0 to 4294967295, got "${raw}"`);
  }
  return seed;
}

/** Run length: seconds in (0, 86400]. */
/** `--workers`: an integer from 1 to 1024. */
export function parseWorkers(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(n) || n < 1 || n > 1024) throw new UsageError(`--workers: expected an integer from 1 to 1024, got "${raw}"`);
  return n;
}

export function parseDurationS(raw: string): number {
  const duration = Number(raw);
  if (raw.trim() === '' || !(duration > 0 && duration <= 86400)) {
    throw new UsageError(`--duration: expected seconds in (0, 86400], got "${raw}"`);
  }
  return duration;
}

/**
 * Reporting interval: seconds in [0.001, 3600] — virtual seconds in modelled time; host timing
 * refuses less than 0.05 s of wall clock when the run starts (run.ts).
 */
export function parseIntervalS(raw: string): number {
  const interval = Number(raw);
  if (raw.trim() === '' || !(interval >= 0.001 && interval <= 3600)) {
    throw new UsageError(`--interval: expected seconds in [0.001, 3600], got "${raw}"`);
  }
  return interval;
}

/**
 * `parse` for an option that takes one value: given twice, yargs hands over a list — a usage
 * error naming the option, not a crash (and not "the last one wins", which hides a typo).
 */
export function single<T>(option: string, parse: (raw: string) => T): (raw: unknown) => T {
  return (raw) => {
    if (Array.isArray(raw)) throw new UsageError(`--${option}: given ${raw.length} times (${raw.map((r) => `"${String(r)}"`).join(', ')}); expected one value`);
    return parse(String(raw));
  };
}

/** A file name (an output's, or `-` for standard output where the option allows it): not empty. */
export function parseFileName(option: string): (raw: string) => string {
  return (raw) => {
    if (raw.trim() === '') throw new UsageError(`--${option}: expected a file name, got none`);
    return raw;
  };
}

export const seedOption = (describe: string) => ({ type: 'string', describe, coerce: single('seed', parseSeed) }) as const;
export const durationOption = (describe: string) => ({ type: 'string', describe, coerce: single('duration', parseDurationS) }) as const;
export const quietOption = (describe?: string) => ({ type: 'boolean', default: false, ...(describe ? { describe } : {}) }) as const;
/** `--timing`: one of TIMINGS. */
export function parseTiming(raw: string): Timing {
  const known = (t: string): t is Timing => (TIMINGS as readonly string[]).includes(t);
  if (!known(raw)) throw new UsageError(`--timing: expected ${TIMINGS.join(' or ')}, got "${raw}"`);
  return raw;
}

/** `--timing modelled|host`: overrides the profile's `timing`. */
export const timingOption = (describe: string) => ({ type: 'string', describe: `${describe} [${TIMINGS.join(', ')}]`, coerce: single('timing', parseTiming) }) as const;
/** `--<option> FILE`: one non-empty file name. */
export const fileOption = (option: string, describe: string) => ({ type: 'string', nargs: 1, describe, coerce: single(option, parseFileName(option)) }) as const;

/**
 * A command for yargs: `run` gets the options `builder` declares, typed. Each command's `run`
 * imports its handler module when the command runs, so parsing loads no command's logic.
 */
export function commandModule<T>(
  command: string,
  describe: string,
  builder: (y: Argv) => Argv<T>,
  run: (args: ArgumentsCamelCase<T>) => Promise<void>,
): CommandModule<object, T> {
  return { command, describe, builder, handler: run };
}

/**
 * `--set key=value`, repeatable: single overrides of the profile's keys (profile/overrides.ts),
 * applied in order before validation. A malformed one is a usage error.
 */
export function setOption() {
  return {
    type: 'string' as const,
    array: true as const,
    describe: 'override a profile key before validation, e.g. devices[0].engines=4 or invalidation.strategy=vtd-per-device; repeatable',
    coerce: (raw: unknown): Override[] => {
      const list = (Array.isArray(raw) ? raw : [raw]).map(String);
      return list.map((text) => {
        try {
          return parseOverride(text);
        } catch (e) {
          if (e instanceof OverrideError) throw new UsageError(e.message);
          throw e;
        }
      });
    },
  };
}

/** Load a profile with `--set` overrides; one that does not apply is bad input (exit 2). */
export async function loadWithOverrides(file: string, overrides: readonly Override[] | undefined): Promise<import('../profile/types.js').Profile> {
  const { loadProfile } = await import('../profile/load.js');
  const { BadInputError } = await import('../run/errors.js');
  try {
    return loadProfile(file, overrides ?? []);
  } catch (e) {
    if (e instanceof OverrideError) throw new BadInputError(`${file}: ${e.message}`);
    throw e;
  }
}
