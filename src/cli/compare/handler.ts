/**
 * `dmaload compare <profile> --strategies a,b`: run one profile under each strategy with the
 * same seed and churn schedule, print the side-by-side table, and write the comparison's JSON
 * and HTML report when asked. A profile without churn is bad input (nothing to invalidate).
 */

import { loadProfile } from '../../profile/load.js';
import { defaultCompared, type Strategy, strategyProblem, type Timing } from '../../profile/types.js';
import { compareRuns, formatCompare } from '../../report/compare.js';
import { renderCompareReport } from '../../report/html/compare.js';
import { clientBundlePath } from '../../report/html/page.js';
import { BadInputError } from '../../run/errors.js';
import type { RunResult } from '../../run/result.js';
import { runProfile } from '../../run/run.js';
import { writeOutput } from '../output.js';
import { Interruption } from '../interrupt.js';
import { checkOutputs } from '../preflight.js';

export interface CompareArgs {
  readonly profile: string;
  /** Absent: the default pair for the profile's IOMMUs (profile/types.ts defaultCompared). */
  readonly strategies: readonly Strategy[] | undefined;
  readonly timing: Timing | undefined;
  readonly seed: number | undefined;
  readonly duration: number | undefined;
  readonly json: string | undefined;
  readonly html: string | undefined;
  readonly quiet: boolean;
}

export async function compareCommand(args: CompareArgs): Promise<void> {
  const profile = loadProfile(args.profile);
  if (!profile.churn) {
    throw new BadInputError(`${args.profile}: compare needs a profile with churn (CPU-side changes to invalidate); this one has none`);
  }
  const strategies = args.strategies ?? defaultCompared(profile.iommus);
  for (const s of strategies) {
    const problem = strategyProblem(s, profile.iommus);
    if (problem) throw new BadInputError(`--strategies: ${problem}`);
  }
  // Output paths and an unbuilt report script fail now, not after every run.
  checkOutputs([
    ...(args.json ? [{ option: 'json', path: args.json, kind: 'file', stdoutAllowed: true } as const] : []),
    ...(args.html ? [{ option: 'html', path: args.html, kind: 'file' } as const] : []),
  ]);
  if (args.html) clientBundlePath();
  const info = args.json === '-' ? process.stderr : process.stdout;
  const runs: RunResult[] = [];
  // Interrupted: the strategies run so far (the one cut short marked) are compared and written.
  const interruption = new Interruption();
  try {
    for (const strategy of strategies) {
      if (interruption.signal.aborted) break;
      if (!args.quiet) process.stderr.write(`running ${strategy}…\n`);
      const outcome = await runProfile(profile, {
        strategy,
        interrupt: interruption.signal,
        ...(args.timing !== undefined ? { timing: args.timing } : {}),
        ...(args.seed !== undefined ? { seed: args.seed } : {}),
        ...(args.duration !== undefined ? { durationS: args.duration } : {}),
      });
      runs.push(outcome.result);
    }
  } catch (e) {
    interruption.dispose();
    throw e;
  }
  if (runs.length === 0) interruption.finish(); // a signal before the first run: nothing to write
  const result = compareRuns(strategies.slice(0, runs.length), runs);
  if (!args.quiet) info.write(`${formatCompare(result)}\n`);
  if (args.json) writeOutput(args.json, `${JSON.stringify(result, null, 2)}\n`, args.quiet, '', info);
  if (args.html) writeOutput(args.html, renderCompareReport(result), args.quiet, '', info);
  interruption.finish();
}
