/**
 * `dmaload validate <profile>`: its argument; the handler (./handler.ts) is loaded only when the
 * command runs.
 */

import { commandModule, setOption } from '../options.js';

export const command = commandModule(
  'validate <profile>',
  'check a profile without running it',
  (y) =>
    y
      .positional('profile', { type: 'string', demandOption: true, describe: 'YAML profile file' })
      .option('print', { type: 'boolean', default: false, describe: 'write the effective profile (every default filled in) as YAML' })
      .option('set', setOption()),
  async (a) => {
    const { validateCommand } = await import('./handler.js');
    await validateCommand({ profile: a.profile, print: a.print, set: a.set });
  },
);
