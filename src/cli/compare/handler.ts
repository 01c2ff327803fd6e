/**
 * `dmaload compare <profile> --strategies a,b`: run one profile under each strategy with the
 * same seed and churn schedule, print the side-by-side table, and write the comparison's JSON
 * and HTML report when asked. A profile without churn is bad input (nothing to invalidate).
 * `--kernel-modes a,b`: the same for kernel clients, the profile run once per mode.
 * `--guest bare-metal,trapped,direct`: a profile with VMs run on bare metal (its processes and
 * devices moved to the host) and with every VM's guest invalidations trapped or direct.
 */

import type { Override } from '../../profile/overrides.js';
import { loadWithOverrides } from '../options.js';
import { defaultCompared, type GuestVariant, type KernelDmaMode, type Profile, type Strategy, strategyProblem, type Timing } from '../../profile/types.js';
import { kernelClientProblems } from '../../profile/cross-checks.js';
import { readFileSync } from 'node:fs';
import { compareRuns, formatCompare, savedLabels, savedRunsWarnings } from '../../report/compare.js';
import { isCompareResult, parseReportInput } from '../report/handler.js';
import { renderCompareReport } from '../../report/html/compare.js';
import { clientBundlePath } from '../../report/html/page.js';
import { BadInputError } from '../../run/errors.js';
import type { RunResult, StoredRunResult } from '../../run/result.js';
import { runProfile } from '../../run/run.js';
import { writeOutput } from '../output.js';
import { Interruption } from '../interrupt.js';
import { checkOutputs, type PlannedOutput } from '../preflight.js';

export interface CompareArgs {
  /** One profile, or two or more saved run results. */
  readonly inputs: readonly string[];
  /** `--set` overrides of profile keys (profile/overrides.ts). */
  readonly set?: readonly Override[] | undefined;
  /** Absent: the default pair for the profile's IOMMUs (profile/types.ts defaultCompared). */
  readonly strategies: readonly Strategy[] | undefined;
  /** Compare kernel client modes instead of strategies (every attach type kernel set to each). */
  readonly kernelModes?: readonly KernelDmaMode[] | undefined;
  /** Compare a profile with VMs on bare metal and by guest invalidation path. */
  readonly guest?: readonly GuestVariant[] | undefined;
  readonly timing: Timing | undefined;
  readonly seed: number | undefined;
  readonly duration: number | undefined;
  readonly json: string | undefined;
  readonly html: string | undefined;
  readonly quiet: boolean;
}

export async function compareCommand(args: CompareArgs): Promise<void> {
  const kinds = args.inputs.map((file) => ({ file, saved: savedInput(file) }));
  const results = kinds.filter((k) => k.saved !== undefined);
  if (results.length > 0) {
    if (results.length < kinds.length || kinds.length < 2) {
      const profile = kinds.find((k) => k.saved === undefined);
      throw new BadInputError(
        profile
          ? `${results[0]!.file} is a saved run result and ${profile.file} a profile; compare takes one profile (to run each strategy) or two or more saved results (to compare them)`
          : `${results[0]!.file} is a saved run result, not a profile; compare takes one profile (to run each strategy) or two or more saved results (to compare them)`,
      );
    }
    return compareSaved(args, results.map((k) => ({ file: k.file, result: k.saved! })));
  }
  if (kinds.length !== 1) throw new BadInputError(`${args.inputs.join(', ')}: compare runs one profile at a time; expected one profile, or two or more saved results`);
  const profileFile = kinds[0]!.file;
  const profile = await loadWithOverrides(profileFile, args.set);
  let variants: { label: string; profile: Profile; strategy?: Strategy }[];
  if ([args.kernelModes, args.strategies, args.guest].filter((x) => x !== undefined).length > 1) {
    throw new BadInputError(`${[args.strategies && '--strategies', args.kernelModes && '--kernel-modes', args.guest && '--guest'].filter(Boolean).join(' and ')}: compare one axis at a time`);
  }
  if (args.guest) {
    variants = args.guest.map((g) => ({ label: g, profile: withGuestVariant(profile, profileFile, g) }));
  } else if (args.kernelModes) {
    variants = args.kernelModes.map((mode) => ({ label: mode, profile: withKernelMode(profile, profileFile, mode) }));
  } else {
    if (!profile.churn) {
      throw new BadInputError(
        `${profileFile}: compare needs a profile with churn (CPU-side changes to invalidate), or --kernel-modes with a kernel client; this one has neither`,
      );
    }
    const strategies = args.strategies ?? defaultCompared(profile.iommus);
    for (const s of strategies) {
      const problem = strategyProblem(s, profile.iommus);
      if (problem) throw new BadInputError(`--strategies: ${problem}`);
    }
    variants = strategies.map((strategy) => ({ label: strategy, profile, strategy }));
  }
  // Output paths and an unbuilt report script fail now, not after every run.
  checkOutputs(compareOutputs(args));
  if (args.html) clientBundlePath();
  const info = args.json === '-' ? process.stderr : process.stdout;
  const runs: RunResult[] = [];
  // Interrupted: the strategies run so far (the one cut short marked) are compared and written.
  const interruption = new Interruption();
  try {
    for (const v of variants) {
      if (interruption.signal.aborted) break;
      if (!args.quiet) process.stderr.write(`running ${v.label}…\n`);
      const outcome = await runProfile(v.profile, {
        ...(v.strategy ? { strategy: v.strategy } : {}),
        interrupt: interruption.signal,
        commandLine: process.argv.slice(2),
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
  const result = compareRuns(variants.slice(0, runs.length).map((v) => v.label), runs);
  if (!args.quiet) info.write(`${formatCompare(result)}\n`);
  if (args.json) writeOutput(args.json, `${JSON.stringify(result, null, 2)}\n`, args.quiet, '', info);
  if (args.html) writeOutput(args.html, renderCompareReport(result), args.quiet, '', info);
  interruption.finish();
}

/** A saved run result, or undefined when the file is not JSON (a profile, then). */
function savedInput(file: string): StoredRunResult | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined; // the profile loader reports an unreadable file
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isCompareResult(v) && (typeof v !== 'object' || v === null || !('formatVersion' in v || 'totals' in v))) return undefined;
  // Classified and validated as `dmaload report` reads a result.
  const input = parseReportInput(file, v);
  if (input.kind !== 'run') throw new BadInputError(`${file} is a ${input.kind} result; compare takes the run results themselves (each run's --json)`);
  return input.result;
}

/** Compare saved run results: the same table and ratios as a live compare, warnings first. */
async function compareSaved(args: CompareArgs, saved: { file: string; result: StoredRunResult }[]): Promise<void> {
  const running = [args.set && args.set.length > 0 && '--set', args.strategies && '--strategies', args.kernelModes && '--kernel-modes', args.guest && '--guest', args.timing && '--timing', args.seed !== undefined && '--seed', args.duration !== undefined && '--duration'].filter(Boolean);
  if (running.length > 0) throw new BadInputError(`${running.join(', ')}: only for running a profile; saved results are compared as they ran`);
  const labels = savedLabels(saved.map((s) => s.file));
  checkOutputs(compareOutputs(args));
  if (args.html) clientBundlePath();
  const info = args.json === '-' ? process.stderr : process.stdout;
  const runs = saved.map((s) => s.result);
  for (const w of savedRunsWarnings(labels, runs)) process.stderr.write(`warning: ${w}\n`);
  const result = compareRuns(labels, runs);
  if (!args.quiet) info.write(`${formatCompare(result)}\n`);
  if (args.json) writeOutput(args.json, `${JSON.stringify(result, null, 2)}\n`, args.quiet, '', info);
  if (args.html) writeOutput(args.html, renderCompareReport(result), args.quiet, '', info);
}

/**
 * The profile with every kernel client set to `mode` — checked as the profile checks would
 * (kva only on a trusted device, identity and kva buffers of one page), before any run.
 */
function withKernelMode(profile: Profile, file: string, mode: KernelDmaMode): Profile {
  if (!profile.devices.some((d) => d.attach.type === 'kernel' || d.kernelClients.length > 0)) {
    throw new BadInputError(`${file}: --kernel-modes needs a kernel client (attach type kernel, or devices[].kernelClients); this profile has none`);
  }
  const devices = profile.devices.map((d) => ({
    ...d,
    attach: d.attach.type === 'kernel' ? { ...d.attach, mode, singleQueue: mode === 'dma-lazy' && d.attach.singleQueue } : d.attach,
    kernelClients: d.kernelClients.map((c) => ({ ...c, mode, singleQueue: mode === 'dma-lazy' && c.singleQueue })),
  }));
  // The profile's own checks of its kernel clients, with the mode set.
  const problem = devices.flatMap((d, i) => kernelClientProblems(d, i))[0];
  if (problem) throw new BadInputError(`--kernel-modes ${mode}: ${file}: ${problem}`);
  return { ...profile, devices };
}

/**
 * The profile as `variant` runs it: `trapped` / `direct` set every VM's invalidation path;
 * `bare-metal` runs the same processes and devices on the host (no VMs: one-dimensional walks,
 * the host's own notifier, page requests answered by the host). Refused before any run when the
 * profile has no VM, or when its bare-metal form has no meaning (a stage-2 churn, a region
 * mapped onto another VM's memory).
 */
function withGuestVariant(profile: Profile, file: string, variant: GuestVariant): Profile {
  if (profile.vms.length === 0) throw new BadInputError(`${file}: --guest needs a profile with vms; this one has none`);
  if (variant !== 'bare-metal') return { ...profile, vms: profile.vms.map((v) => ({ ...v, invalidation: variant })) };
  if (profile.churn?.stage === 2) throw new BadInputError(`--guest bare-metal: ${file}: its churn changes stage 2 (guest memory), which bare metal does not have`);
  const stolen = profile.processes.find((p) => p.regions.some((r) => r.stealFrom !== undefined));
  if (stolen) throw new BadInputError(`--guest bare-metal: ${file}: process "${stolen.name}" maps another VM's memory (stealFrom), which bare metal does not have`);
  return {
    ...profile,
    vms: [],
    processes: profile.processes.map((p) => ({ ...p, vm: undefined })),
    devices: profile.devices.map((d) => ({ ...d, vm: undefined })),
  };
}

/** The files `compare` was asked to write, for the preflight check. */
function compareOutputs(args: CompareArgs): PlannedOutput[] {
  return [
    ...(args.json ? [{ option: 'json', path: args.json, kind: 'file', stdoutAllowed: true } as const] : []),
    ...(args.html ? [{ option: 'html', path: args.html, kind: 'file' } as const] : []),
  ];
}
