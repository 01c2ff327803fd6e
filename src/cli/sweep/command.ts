/**
 * `dmaload sweep <profile> --param KEY=V1,V2 … --out DIR [--queue redis://…]`: its options,
 * parsed and typed; the handler (./handler.ts) is loaded only when the command runs.
 */

import { availableParallelism } from 'node:os';
import { parseOverride, OverrideError } from '../../profile/overrides.js';
import type { SweepParam } from '../../report/sweep.js';
import { commandModule, fileOption, quietOption, setOption, single, UsageError } from '../options.js';
import { DEFAULT_QUEUE_NAME, parseQueueName, parseRedisUrl } from '../queue/redis.js';

/** `key=v1,v2` → the key (a `--set` path) and its values, in order, distinct. */
export function parseParam(raw: string): SweepParam {
  const eq = raw.indexOf('=');
  const key = eq > 0 ? raw.slice(0, eq).trim() : '';
  const values = eq > 0 ? raw.slice(eq + 1).split(',').map((v) => v.trim()) : [];
  if (key === '' || values.length === 0 || values.some((v) => v === '') || new Set(values).size !== values.length) {
    throw new UsageError(`--param ${raw}: expected KEY=V1,V2,… with distinct values, e.g. devices[0].engines=1,2,4`);
  }
  try {
    for (const v of values) parseOverride(`${key}=${v}`);
  } catch (e) {
    if (e instanceof OverrideError) throw new UsageError(e.message.replace('--set', '--param'));
    throw e;
  }
  return { key, values };
}

function positiveInt(option: string, max: number): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`--${option}: expected an integer from 1 to ${max}, got "${raw}"`);
    return n;
  };
}

export const command = commandModule(
  'sweep <profile>',
  'run a profile over a grid of parameter values (each point a run of its own, locally or on dmaload workers through a Redis queue) and tabulate chosen metrics against them',
  (y) =>
    y
      .positional('profile', { type: 'string', demandOption: true, describe: 'YAML profile file' })
      .option('param', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'a swept profile key and its values, KEY=V1,V2,… (KEY as --set names it); repeatable: the grid is every combination',
        coerce: (raw: unknown) => (Array.isArray(raw) ? raw : [raw]).map((r) => parseParam(String(r))),
      })
      .option('set', setOption())
      .option('repeat', { type: 'string', default: '1', describe: 'runs per combination, with seeds seed, seed+1, …', coerce: single('repeat', positiveInt('repeat', 1000)) })
      .option('jobs', { type: 'string', describe: `points run at once (default: the machine's cores, ${availableParallelism()} here)`, coerce: single('jobs', positiveInt('jobs', 256)) })
      .option('out', { ...fileOption('out', 'the sweep directory: DIR/sweep.json and each point\'s result in DIR/points/'), demandOption: true })
      .option('resume', { type: 'boolean', default: false, describe: 'keep the points DIR already holds a result for, run the rest' })
      .option('queue', {
        type: 'string',
        describe: 'run the points on `dmaload worker`s through a BullMQ queue on this Redis, redis://host:port[/db]',
        coerce: single('queue', (raw) => parseRedisUrl('queue', raw)),
      })
      .option('queue-name', { type: 'string', describe: `the queue's name, as the workers' --queue-name (with --queue; default ${DEFAULT_QUEUE_NAME})`, coerce: single('queue-name', parseQueueName) })
      .option('quiet', quietOption('no progress and no table (errors only)')),
  async (a) => {
    if (a.queue && a.jobs !== undefined) throw new UsageError('--jobs: not with --queue (each worker\'s --concurrency says how many points it runs at once)');
    if (a.queueName !== undefined && !a.queue) throw new UsageError('--queue-name: only with --queue redis://host:port');
    const { sweepCommand } = await import('./handler.js');
    await sweepCommand({
      profile: a.profile,
      params: a.param,
      set: a.set ?? [],
      repeat: a.repeat,
      jobs: a.jobs ?? availableParallelism(),
      out: a.out,
      resume: a.resume,
      quiet: a.quiet,
      ...(a.queue ? { queue: a.queue } : {}),
      ...(a.queueName !== undefined ? { queueName: a.queueName } : {}),
    });
  },
);
