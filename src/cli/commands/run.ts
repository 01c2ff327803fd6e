/** `dmaload run <profile>`: run a profile, print the summary, optionally write JSON / .hgrm. */

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadProfile } from '../../profile/load.js';
import { writeHgrmFiles } from '../../report/hgrm.js';
import { formatSummary } from '../../report/summary.js';
import { runProfile } from '../../run/run.js';

export interface RunArgs {
  readonly profile: string;
  readonly seed: number | undefined;
  readonly duration: number | undefined;
  readonly json: string | undefined;
  readonly hgrm: string | undefined;
  readonly quiet: boolean;
}

export async function runCommand(args: RunArgs): Promise<void> {
  const profile = loadProfile(args.profile);
  const outcome = await runProfile(profile, {
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
    ...(args.duration !== undefined ? { durationS: args.duration } : {}),
  });
  if (!args.quiet) process.stdout.write(`${formatSummary(outcome.result)}\n`);
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(args.json, `${JSON.stringify(outcome.result, null, 2)}\n`);
    if (!args.quiet) process.stdout.write(`wrote ${args.json}\n`);
  }
  if (args.hgrm) {
    const files = writeHgrmFiles(outcome, args.hgrm);
    if (!args.quiet) process.stdout.write(`wrote ${files.length} .hgrm file(s) to ${args.hgrm}\n`);
  }
}
