/**
 * `dmaload worker`: a BullMQ Worker on the sweep queue (`dmaload sweep --queue`, sweep/queue.ts).
 * For each point it takes, it writes the profile's text to a temporary directory (under the
 * file's own name, so the profile's default name and messages read as on the coordinator),
 * runs the point as a `dmaload run` process exactly as a local sweep does (sweep/point-process.ts),
 * and returns the result gzipped with who ran it (worker id, host, pid, dmaload version;
 * queue/points.ts). A run that exits non-zero fails the job with its first line of error; a job
 * that is not a dmaload point fails without retry.
 *
 * BullMQ holds a lock on each running point, renewed every LOCK_DURATION_MS / 2; every worker
 * checks every STALLED_INTERVAL_MS for points whose lock expired (their worker died: SIGKILL, a
 * lost machine) and puts them back on the queue, up to MAX_STALLED_COUNT times. SIGINT or
 * SIGTERM closes the worker: it takes no more points, kills the runs it has going and puts
 * their points back on the queue at once (not counted as stalls), then exits 130 or 143; a
 * second signal exits at once.
 *
 * Leaves out: a time limit per point (a run has its own duration), choosing points by machine
 * (any worker takes any point), and load beyond `--concurrency` (a run uses about a core per
 * device; size the concurrency to the machine).
 */

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { BadInputError, InterruptedError } from '../../run/errors.js';
import { dmaloadVersion } from '../../run/provenance.js';
import { SIGNAL_EXIT } from '../interrupt.js';
import { LOCK_DURATION_MS, MAX_STALLED_COUNT, packResult, type PointJob, type PointReturn, pointJobSchema, type RanBy, STALLED_INTERVAL_MS } from '../queue/points.js';
import { connectionOptions, probeRedis, type RedisAddress, within } from '../queue/redis.js';
import { runPointProcess } from '../sweep/point-process.js';

export interface WorkerArgs {
  readonly queue: RedisAddress;
  readonly queueName: string;
  /** Points run at once. */
  readonly concurrency: number;
  readonly quiet: boolean;
}

/** How long closing may wait for the killed runs' points to go back on the queue and the connections to close (ms). */
const CLOSE_TIMEOUT_MS = 10_000;

export async function workerCommand(args: WorkerArgs): Promise<void> {
  try {
    await probeRedis(args.queue);
  } catch (e) {
    throw new BadInputError(`--queue ${args.queue.display}: cannot reach Redis: ${e instanceof Error ? e.message : String(e)}`);
  }
  const host = hostname();
  const ranBy: RanBy = { workerId: `${host}-${process.pid}-${randomBytes(3).toString('hex')}`, hostname: host, pid: process.pid, version: dmaloadVersion() };
  const log = (line: string): void => {
    process.stderr.write(`worker ${ranBy.workerId}: ${line}\n`);
  };
  const info = (line: string): void => {
    if (!args.quiet) log(line);
  };
  /** Set at the first signal: the runs going are killed and their points go back on the queue. */
  const shutdown = new AbortController();

  const processor = async (job: Job<PointJob, PointReturn, string>, token?: string): Promise<PointReturn> => {
    const parsed = pointJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`job ${job.id} is not a dmaload sweep point (${parsed.error.issues[0]?.message ?? 'invalid data'})`);
    const p = parsed.data;
    info(`taking ${p.point} (sweep ${p.sweep}, seed ${p.seed})`);
    if (p.version !== ranBy.version) info(`${p.point}: the sweep runs dmaload ${p.version}, this worker ${ranBy.version}`);
    const dir = mkdtempSync(join(tmpdir(), 'dmaload-worker-'));
    try {
      writeFileSync(join(dir, p.profileName), p.profileText);
      const exit = await runPointProcess({ profile: p.profileName, overrides: p.overrides, seed: p.seed, json: 'result.json', cwd: dir }, shutdown.signal, 'SIGKILL');
      if (shutdown.signal.aborted) {
        // Back on the queue for another worker, at once and not as a stall.
        if (token !== undefined) await job.moveToWait(token);
        info(`${p.point}: stopped, back on the queue`);
        throw new WaitingError();
      }
      if (exit.code !== 0) {
        const error = exit.firstErrorLine || `the run ended with ${exit.code === null ? `signal ${exit.signal}` : `exit status ${exit.code}`}`;
        info(`${p.point}: FAILED in ${exit.wallS.toFixed(1)} s: ${error}`);
        throw new Error(error);
      }
      const text = readFileSync(join(dir, 'result.json'), 'utf8');
      info(`${p.point}: done in ${exit.wallS.toFixed(1)} s`);
      return packResult(text, ranBy, exit.wallS);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  const worker = new Worker<PointJob, PointReturn, string>(args.queueName, processor, {
    connection: connectionOptions(args.queue),
    autorun: false,
    name: ranBy.workerId,
    concurrency: args.concurrency,
    lockDuration: LOCK_DURATION_MS,
    stalledInterval: STALLED_INTERVAL_MS,
    maxStalledCount: MAX_STALLED_COUNT,
  });
  let lastError = '';
  worker.on('error', (e) => {
    // ioredis reconnects by itself; say so once per distinct error, not once per attempt.
    if (e.message !== lastError) log(`Redis ${args.queue.display}: ${e.message} (reconnecting)`);
    lastError = e.message;
  });

  const caught = await new Promise<'SIGINT' | 'SIGTERM' | Error>((resolve) => {
    const onSignal = (s: 'SIGINT' | 'SIGTERM'): void => {
      if (shutdown.signal.aborted) {
        log(`${s} again: exiting at once`);
        process.exit(SIGNAL_EXIT[s]);
      }
      resolve(s);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    worker.run().catch((e: unknown) => resolve(e instanceof Error ? e : new Error(String(e))));
    void worker.waitUntilReady().then(
      () => info(`waiting for points on queue "${args.queueName}" at ${args.queue.display} (concurrency ${args.concurrency}; a dead worker's point is retried after ${LOCK_DURATION_MS / 1000}–${(LOCK_DURATION_MS + 2 * STALLED_INTERVAL_MS) / 1000} s)`),
      () => {},
    );
  });
  if (caught instanceof Error) throw caught;
  log(`${caught}: taking no more points; the running ones go back on the queue (send it again to exit at once)`);
  shutdown.abort(caught);
  const closedInTime = await within(worker.close().then(() => true), CLOSE_TIMEOUT_MS, false);
  if (!closedInTime) {
    // Its connections may still be open: leave now rather than hang.
    log(`the queue did not answer within ${CLOSE_TIMEOUT_MS / 1000} s: the points this worker was running go back on the queue when their locks expire`);
    process.exit(SIGNAL_EXIT[caught]);
  }
  throw new InterruptedError(caught, SIGNAL_EXIT[caught], `worker ${ranBy.workerId} stopped by ${caught}`);
}
