/** `dmaload validate <profile>`: check a profile without running it. */

import { loadProfile } from '../../profile/load.js';

export interface ValidateArgs {
  readonly profile: string;
}

export function validateCommand(args: ValidateArgs): void {
  const p = loadProfile(args.profile);
  const devices = p.devices.length;
  process.stdout.write(
    `${args.profile}: ok — profile "${p.name}", ${p.iommus.length} IOMMU(s), ${p.processes.length} process(es), ` +
      `${devices} device(s), ${p.durationS !== undefined ? `${p.durationS} s` : 'descriptor-count'} run, timing ${p.timing}\n`,
  );
}
