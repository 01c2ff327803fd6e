/**
 * `dmaload run <profile>`: load the profile, check the thresholds and that an HTML report can
 * be written (before the run, so a mistake costs nothing), run it with live progress and the
 * interval streams (--hlog, --csv) wired to the run's callbacks, print the summary, write the
 * JSON result, .hgrm files and HTML report asked for, then evaluate the thresholds (their
 * lines print even with --quiet).
 */

import type { Override } from '../../profile/overrides.js';
import { loadWithOverrides } from '../options.js';
import type { Timing } from '../../profile/types.js';
import { HGRM_TOTAL_FILE, hgrmFileNames, runHgrmSeries, writeHgrmFiles } from '../../report/hgrm.js';
import { clientBundlePath } from '../../report/html/page.js';
import { renderRunReport } from '../../report/html/run.js';
import { Progress, progressMode } from '../../report/progress.js';
import { IntervalStreams } from '../../report/streams.js';
import { formatSummary } from '../../report/summary.js';
import { allPassed, checkThresholdDevices, evaluateThresholds, formatThresholdReport, parseThreshold } from '../../report/thresholds.js';
import { RunFailedError, ThresholdsFailedError } from '../../run/errors.js';
import type { RunOutcome } from '../../run/result.js';
import { runProfile, type RunOptions } from '../../run/run.js';
import { writeOutput } from '../output.js';
import { Interruption } from '../interrupt.js';
import { checkOutputs, type PlannedOutput } from '../preflight.js';

export interface RunArgs {
  readonly profile: string;
  /** `--set` overrides of profile keys (profile/overrides.ts). */
  readonly set?: readonly Override[] | undefined;
  readonly timing: Timing | undefined;
  readonly seed: number | undefined;
  readonly workers?: number | undefined;
  readonly duration: number | undefined;
  readonly json: string | undefined;
  readonly hgrm: string | undefined;
  readonly html: string | undefined;
  readonly hlog: string | undefined;
  readonly csv: string | undefined;
  readonly interval: number | undefined;
  readonly failIf: readonly string[];
  readonly quiet: boolean;
  /** Test-only (never from the command line): fault injection by device index. */
  readonly testHooks?: RunOptions['testHooks'];
}

/** The files `run` was asked to write, for the preflight check. */
export function plannedRunOutputs(args: RunArgs, deviceIds: readonly string[]): PlannedOutput[] {
  const out: PlannedOutput[] = [];
  if (args.json) out.push({ option: 'json', path: args.json, kind: 'file', stdoutAllowed: true });
  if (args.html) out.push({ option: 'html', path: args.html, kind: 'file' });
  if (args.hlog) out.push({ option: 'hlog', path: args.hlog, kind: 'file' });
  if (args.csv) out.push({ option: 'csv', path: args.csv, kind: 'file' });
  if (args.hgrm) out.push({ option: 'hgrm', path: args.hgrm, kind: 'dir', files: [...hgrmFileNames(deviceIds), HGRM_TOTAL_FILE] });
  return out;
}

export async function runCommand(args: RunArgs): Promise<void> {
  const profile = await loadWithOverrides(args.profile, args.set);
  // Thresholds, output paths, and that an HTML report can be written, are checked before the
  // run, so a typo or an unwritable path costs nothing.
  const deviceIds = profile.devices.map((d) => d.id);
  const thresholds = args.failIf.map((t) => parseThreshold(t));
  checkThresholdDevices(thresholds, deviceIds);
  checkOutputs(plannedRunOutputs(args, deviceIds));
  if (args.html) clientBundlePath();
  // With the JSON on standard output, everything else goes to standard error.
  const info = args.json === '-' ? process.stderr : process.stdout;
  const progress = new Progress(progressMode(args.quiet, process.stderr.isTTY === true));
  const interruption = new Interruption();
  let outcome;
  let failed: RunFailedError | undefined;
  try {
    outcome = await runProfile(profile, {
      interrupt: interruption.signal,
      commandLine: process.argv.slice(2),
      ...(args.timing !== undefined ? { timing: args.timing } : {}),
      ...(args.seed !== undefined ? { seed: args.seed } : {}),
      ...(args.workers !== undefined ? { workers: args.workers } : {}),
      onNotice: (line) => {
        if (!args.quiet) process.stderr.write(`dmaload: ${line}\n`);
      },
      ...(args.duration !== undefined ? { durationS: args.duration } : {}),
      ...(args.interval !== undefined ? { intervalS: args.interval } : {}),
      ...(args.hlog || args.csv ? { intervalSink: new IntervalStreams({ hlog: args.hlog, csv: args.csv }) } : {}),
      onProgress: (snapshot) => progress.update(snapshot),
      ...(args.testHooks ? { testHooks: args.testHooks } : {}),
    });
  } catch (e) {
    // A failed run that got far enough keeps its result: written below, then the failure.
    if (e instanceof RunFailedError && e.outcome) {
      outcome = e.outcome as RunOutcome;
      failed = e;
    } else {
      interruption.dispose();
      throw e;
    }
  } finally {
    progress.done();
  }
  if (!args.quiet) info.write(`${formatSummary(outcome.result)}\n`);
  if (!args.quiet && args.hlog) info.write(`wrote ${args.hlog}\n`);
  if (!args.quiet && args.csv) info.write(`wrote ${args.csv}\n`);
  if (args.json) writeOutput(args.json, `${JSON.stringify(outcome.result, null, 2)}\n`, args.quiet, '', info);
  if (args.hgrm) {
    const files = writeHgrmFiles(args.hgrm, runHgrmSeries(outcome), outcome.histograms.total);
    if (!args.quiet) info.write(`wrote ${files.length} .hgrm file(s) to ${args.hgrm}\n`);
  }
  if (args.html) writeOutput(args.html, renderRunReport(outcome.result), args.quiet, '', info);
  // Failed or interrupted: exit 1, 130 or 143 now, the outputs written; such a run passes no gate.
  if (failed) {
    interruption.dispose();
    throw failed;
  }
  interruption.finish();
  if (thresholds.length > 0) {
    const results = evaluateThresholds(outcome.result, thresholds);
    // Threshold results are printed even with --quiet: they are the point of --fail-if.
    info.write(`${formatThresholdReport(results)}\n`);
    if (!allPassed(results)) {
      const failed = results.filter((r) => !r.passed).map((r) => r.threshold);
      throw new ThresholdsFailedError(`${failed.length} threshold(s) failed: ${failed.join(', ')}`);
    }
  }
}
