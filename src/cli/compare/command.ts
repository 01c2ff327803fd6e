/**
 * `dmaload compare <profile>`: its options, parsed and typed — `--strategies` is one
 * comma-separated string, read into a list whose every name must be one of STRATEGIES
 * (profile/types.ts), two or more and distinct; the handler (./handler.ts) is loaded only when
 * the command runs.
 */

import { STRATEGIES, type Strategy } from '../../profile/types.js';
import { commandModule, durationOption, fileOption, quietOption, seedOption, timingOption, UsageError } from '../options.js';

/** `a,b` → [a, b], each a known strategy, at least two, no repeats. */
export function parseStrategies(raw: string): Strategy[] {
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const known = (s: string): s is Strategy => (STRATEGIES as readonly string[]).includes(s);
  if (!names.every(known) || names.length < 2 || new Set(names).size !== names.length) {
    throw new UsageError(`--strategies: expected two or more distinct of ${STRATEGIES.join(', ')}, comma-separated, got "${raw}"`);
  }
  return names;
}

export const command = commandModule(
  'compare <profile>',
  'run a profile under each invalidation strategy (same seed and churn schedule) and compare',
  (y) =>
    y
      .positional('profile', { type: 'string', demandOption: true, describe: 'YAML profile file (with churn)' })
      .option('strategies', {
        type: 'string',
        // Shown in --help; each name of the list is checked by parseStrategies.
        choices: STRATEGIES,
        default: STRATEGIES.join(','),
        coerce: parseStrategies,
        describe: 'comma-separated strategies; the first is the baseline of the ratios',
      })
      .option('timing', timingOption("modelled: figures on the model's virtual clock; host: on this machine's wall clock (overrides the profile)"))
      .option('seed', seedOption('seed (overrides the profile)'))
      .option('duration', durationOption('run length of each run in seconds (overrides the profile)'))
      .option('json', fileOption("write the comparison (and each run's result) to FILE"))
      .option('html', fileOption('write a self-contained side-by-side HTML report to FILE'))
      .option('quiet', quietOption('print nothing but errors')),
  async (a) => {
    const { compareCommand } = await import('./handler.js');
    await compareCommand({
      profile: a.profile,
      strategies: a.strategies,
      timing: a.timing,
      seed: a.seed,
      duration: a.duration,
      json: a.json,
      html: a.html,
      quiet: a.quiet,
    });
  },
);
