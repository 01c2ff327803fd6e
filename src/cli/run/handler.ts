/**
 * `dmaload run <profile>`: load the profile, check the thresholds and that an HTML report can
 * be written (before the run, so a mistake costs nothing), run it with live progress and the
 * interval streams (--hlog, --csv) wired to the run's callbacks, print the summary, write the
 * JSON result, .hgrm files and HTML report asked for, then evaluate the thresholds (their
 * lines print even with --quiet).
 */

import { loadProfile } from '../../profile/load.js';
import type { Timing } from '../../profile/types.js';
import { runHgrmSeries, writeHgrmFiles } from '../../report/hgrm.js';
import { clientBundlePath } from '../../report/html/page.js';
import { renderRunReport } from '../../report/html/run.js';
import { Progress, progressMode } from '../../report/progress.js';
import { IntervalStreams } from '../../report/streams.js';
import { formatSummary } from '../../report/summary.js';
import { allPassed, evaluateThresholds, formatThresholdReport, parseThreshold } from '../../report/thresholds.js';
import { ThresholdsFailedError } from '../../run/errors.js';
import { runProfile } from '../../run/run.js';
import { writeOutput } from '../output.js';

export interface RunArgs {
  readonly profile: string;
  readonly timing: Timing | undefined;
  readonly seed: number | undefined;
  readonly duration: number | undefined;
  readonly json: string | undefined;
  readonly hgrm: string | undefined;
  readonly html: string | undefined;
  readonly hlog: string | undefined;
  readonly csv: string | undefined;
  readonly interval: number | undefined;
  readonly failIf: readonly string[];
  readonly quiet: boolean;
}

export async function runCommand(args: RunArgs): Promise<void> {
  const profile = loadProfile(args.profile);
  // Thresholds, and that an HTML report can be written, are checked before the run, so a typo
  // or an unbuilt report script costs nothing.
  const thresholds = args.failIf.map((t) => parseThreshold(t));
  if (args.html) clientBundlePath();
  const progress = new Progress(progressMode(args.quiet, process.stderr.isTTY === true));
  let outcome;
  try {
    outcome = await runProfile(profile, {
      ...(args.timing !== undefined ? { timing: args.timing } : {}),
      ...(args.seed !== undefined ? { seed: args.seed } : {}),
      ...(args.duration !== undefined ? { durationS: args.duration } : {}),
      ...(args.interval !== undefined ? { intervalS: args.interval } : {}),
      ...(args.hlog || args.csv ? { intervalSink: new IntervalStreams({ hlog: args.hlog, csv: args.csv }) } : {}),
      onProgress: (snapshot) => progress.update(snapshot),
    });
  } finally {
    progress.done();
  }
  if (!args.quiet) process.stdout.write(`${formatSummary(outcome.result)}\n`);
  if (!args.quiet && args.hlog) process.stdout.write(`wrote ${args.hlog}\n`);
  if (!args.quiet && args.csv) process.stdout.write(`wrote ${args.csv}\n`);
  if (args.json) writeOutput(args.json, `${JSON.stringify(outcome.result, null, 2)}\n`, args.quiet);
  if (args.hgrm) {
    const files = writeHgrmFiles(args.hgrm, runHgrmSeries(outcome), outcome.histograms.total);
    if (!args.quiet) process.stdout.write(`wrote ${files.length} .hgrm file(s) to ${args.hgrm}\n`);
  }
  if (args.html) writeOutput(args.html, renderRunReport(outcome.result), args.quiet);
  if (thresholds.length > 0) {
    const results = evaluateThresholds(outcome.result, thresholds);
    // Threshold results are printed even with --quiet: they are the point of --fail-if.
    process.stdout.write(`${formatThresholdReport(results)}\n`);
    if (!allPassed(results)) {
      const failed = results.filter((r) => !r.passed).map((r) => r.threshold);
      throw new ThresholdsFailedError(`${failed.length} threshold(s) failed: ${failed.join(', ')}`);
    }
  }
}
