/**
 * `dmaload worker --queue redis://host:port[/db] [--queue-name N] [--concurrency C]`: its
 * options, parsed and typed; the handler (./handler.ts, which loads BullMQ) is loaded only when
 * the command runs.
 */

import { commandModule, quietOption, single, UsageError } from '../options.js';
import { DEFAULT_QUEUE_NAME, parseQueueName, parseRedisUrl } from '../queue/redis.js';

function parseConcurrency(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--concurrency: expected an integer from 1 to 64, got "${raw}"`);
  return n;
}

export const command = commandModule(
  'worker',
  "take sweep points from a BullMQ queue on Redis (put there by `dmaload sweep --queue`), run each as `dmaload run`, and return its result; runs until SIGINT or SIGTERM",
  (y) =>
    y
      .option('queue', {
        type: 'string',
        demandOption: true,
        describe: 'the Redis of the queue, redis://host:port[/db]',
        coerce: single('queue', (raw) => parseRedisUrl('queue', raw)),
      })
      .option('queue-name', { type: 'string', default: DEFAULT_QUEUE_NAME, describe: "the queue's name, as the sweep's --queue-name", coerce: single('queue-name', parseQueueName) })
      .option('concurrency', { type: 'string', default: '1', describe: 'points run at once by this worker (each a process; a point uses about one core per device)', coerce: single('concurrency', parseConcurrency) })
      .option('quiet', quietOption('no line per point (errors only)')),
  async (a) => {
    const { workerCommand } = await import('./handler.js');
    await workerCommand({ queue: a.queue, queueName: a.queueName, concurrency: a.concurrency, quiet: a.quiet });
  },
);
