/**
 * `dmaload run <profile>`: its options, parsed and typed; the handler (./handler.ts) is loaded
 * only when the command runs.
 */

import { commandModule, durationOption, parseWorkers, fileOption, parseIntervalS, quietOption, seedOption, setOption, single, timingOption } from '../options.js';

export const command = commandModule(
  'run <profile>',
  'run a load profile and print the summary',
  (y) =>
    y
      .positional('profile', { type: 'string', demandOption: true, describe: 'YAML profile file' })
      .option('set', setOption())
      .option('timing', timingOption("modelled: figures on the model's virtual clock; host: on this machine's wall clock (overrides the profile)"))
      .option('seed', seedOption('seed for every random choice, 0..4294967295 (overrides the profile)'))
      .option('workers', {
        type: 'string',
        describe: "modelled time: at most N worker threads run the devices, each several in virtual-time order (default: the machine's cores; overrides the profile)",
        coerce: single('workers', parseWorkers),
      })
      .option('duration', durationOption('run length in seconds (overrides the profile)'))
      .option('json', fileOption('json', 'write the JSON result to FILE'))
      .option('hgrm', fileOption('hgrm', 'write .hgrm percentile files (per device + all) into DIR'))
      .option('html', fileOption('html', 'write a self-contained HTML report to FILE'))
      .option('hlog', fileOption('hlog', 'stream an HdrHistogram interval log (a tagged histogram per device per interval) to FILE'))
      .option('csv', fileOption('csv', 'stream per-interval throughput and percentiles as CSV to FILE'))
      .option('interval', {
        type: 'string',
        describe: 'reporting interval in seconds for --hlog and --csv: virtual in modelled time (default: a tenth of the duration), wall in host timing (default 1, at least 0.05)',
        coerce: single('interval', parseIntervalS),
      })
      .option('fail-if', {
        type: 'string',
        array: true,
        describe: "threshold that fails the run (exit 3), e.g. 'p99<50us', 'opsPerSec>1e6', 'dsa0.p999<=2ms'; repeatable",
      })
      .option('quiet', quietOption('no progress and no summary (errors and threshold results only)')),
  async (a) => {
    const { runCommand } = await import('./handler.js');
    await runCommand({
      profile: a.profile,
      set: a.set,
      timing: a.timing,
      seed: a.seed,
      workers: a.workers,
      duration: a.duration,
      json: a.json,
      hgrm: a.hgrm,
      html: a.html,
      hlog: a.hlog,
      csv: a.csv,
      interval: a.interval,
      failIf: (a.failIf ?? []).map(String),
      quiet: a.quiet,
    });
  },
);
