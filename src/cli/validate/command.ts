/**
 * `dmaload validate <profile>`: its argument; the handler (./handler.ts) is loaded only when the
 * command runs.
 */

import { commandModule } from '../options.js';

export const command = commandModule(
  'validate <profile>',
  'check a profile without running it',
  (y) => y.positional('profile', { type: 'string', demandOption: true, describe: 'YAML profile file' }),
  async (a) => {
    const { validateCommand } = await import('./handler.js');
    validateCommand({ profile: a.profile });
  },
);
