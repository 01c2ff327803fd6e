/** `dmaload compare <profile> --strategies a,b`: one profile, same seed and churn schedule, each strategy. */

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StrategyName } from '../../kernel/invalidation.js';
import { loadProfile } from '../../profile/load.js';
import { compareRuns, formatCompare } from '../../report/compare.js';
import { renderCompareReport } from '../../report/html/compare.js';
import { BadInputError } from '../../run/errors.js';
import type { RunResult } from '../../run/result.js';
import { runProfile } from '../../run/run.js';

export interface CompareArgs {
  readonly profile: string;
  readonly strategies: readonly StrategyName[];
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
  const runs: RunResult[] = [];
  for (const strategy of args.strategies) {
    if (!args.quiet) process.stderr.write(`running ${strategy}…\n`);
    const outcome = await runProfile(profile, {
      strategy,
      ...(args.seed !== undefined ? { seed: args.seed } : {}),
      ...(args.duration !== undefined ? { durationS: args.duration } : {}),
    });
    runs.push(outcome.result);
  }
  const result = compareRuns(args.strategies, runs);
  if (!args.quiet) process.stdout.write(`${formatCompare(result)}\n`);
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(args.json, `${JSON.stringify(result, null, 2)}\n`);
    if (!args.quiet) process.stdout.write(`wrote ${args.json}\n`);
  }
  if (args.html) {
    mkdirSync(dirname(args.html), { recursive: true });
    writeFileSync(args.html, renderCompareReport(result));
    if (!args.quiet) process.stdout.write(`wrote ${args.html}\n`);
  }
}
