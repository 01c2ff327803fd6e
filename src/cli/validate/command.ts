/**
 * `dmaload validate <profile>`: its argument; the handler (./handler.ts) is loaded only when the
 * command runs.
 */

import type { Argv, CommandModule } from 'yargs';

function builder(y: Argv) {
  return y.positional('profile', { type: 'string', demandOption: true, describe: 'YAML profile file' });
}

export type ValidateOptions = ReturnType<typeof builder> extends Argv<infer T> ? T : never;

export const command: CommandModule<object, ValidateOptions> = {
  command: 'validate <profile>',
  describe: 'check a profile without running it',
  builder,
  handler: async (a) => {
    const { validateCommand } = await import('./handler.js');
    validateCommand({ profile: a.profile });
  },
};
