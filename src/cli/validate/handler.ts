/**
 * `dmaload validate <profile> [--print]`: check a profile without running it; `--print` writes
 * the effective profile — every default filled in, as a run would use it — as YAML.
 */

import { profileAsYaml } from '../../profile/effective.js';
import type { Override } from '../../profile/overrides.js';
import { loadWithOverrides } from '../options.js';

export interface ValidateArgs {
  readonly profile: string;
  readonly print: boolean;
  /** `--set` overrides of profile keys (profile/overrides.ts). */
  readonly set?: readonly Override[] | undefined;
}

export async function validateCommand(args: ValidateArgs): Promise<void> {
  const p = await loadWithOverrides(args.profile, args.set);
  if (args.print) {
    process.stdout.write(`# ${args.profile}: the effective profile (defaults filled in)\n${profileAsYaml(p)}`);
    return;
  }
  const devices = p.devices.length;
  process.stdout.write(
    `${args.profile}: ok — profile "${p.name}", ${p.iommus.length} IOMMU(s), ${p.processes.length} process(es), ` +
      `${devices} device(s), ${p.durationS !== undefined ? `${p.durationS} s` : 'descriptor-count'} run, timing ${p.timing}\n`,
  );
}
