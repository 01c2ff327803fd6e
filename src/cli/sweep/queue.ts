/**
 * The queue runner of a sweep (`dmaload sweep --queue redis://…`): the coordinator's side of
 * points run by `dmaload worker`s on any machine. Each point still to do becomes one BullMQ job
 * on the queue (`dmaload-sweep`, or `--queue-name`), with the job id `<sweep>-<point>` — the
 * sweep a short hash of the profile's text, the overrides, the grid, the repetitions and the
 * output directory — so a point is on the queue at most once, and two sweeps sharing a queue
 * never take each other's results. A job's data is the point itself: the profile's YAML text
 * (workers need not have the file), its overrides and its seed (points.ts).
 *
 * Waiting: QueueEvents (Redis's event stream of the queue) says when a job completed, failed
 * or stalled; every RECONCILE_INTERVAL_MS the coordinator also asks for the state of the jobs
 * still pending, so an event missed across a reconnect costs at most that long. A completed
 * job's return value is the point's result (gzipped) and the worker that ran it; the result is
 * validated (storedRunResultSchema) and written to DIR/points/<id>.json as the worker's run
 * wrote it. A failed job is a failed point with the job's reason.
 *
 * Jobs left on the queue by an earlier run of the same sweep: running or waiting ones are waited
 * for, not added again; failed ones are removed and added again; completed ones give their
 * result under `--resume` and are run again without it. A signal removes this sweep's jobs no
 * worker has taken yet; the ones running finish on their workers and stay on the queue for a
 * later `--resume`.
 *
 * Leaves out: stopping when no worker ever comes (the coordinator waits, saying every
 * IDLE_WARNING_MS that nothing moves and how many workers are connected; Ctrl-C stops it),
 * cleaning the queue of finished jobs (BullMQ drops them after KEEP_FINISHED_JOBS_S).
 */

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, basename, resolve } from 'node:path';
import { type Job, Queue, QueueEvents } from 'bullmq';
import type { SweepParam, SweepPoint } from '../../report/sweep.js';
import { BadInputError } from '../../run/errors.js';
import { dmaloadVersion } from '../../run/provenance.js';
import { KEEP_FINISHED_JOBS_S, type PointJob, type PointReturn, POINT_JOB_NAME, unpackResult } from '../queue/points.js';
import { connectionOptions, CONNECT_TIMEOUT_MS, DEFAULT_QUEUE_NAME, probeRedis, type RedisAddress, within } from '../queue/redis.js';
import { overridesOf, type PointOutcome, type PointRunner, parseResult, type SweepPlan } from './runner.js';

/** How often the coordinator asks the queue for the state of the points still pending (ms). */
export const RECONCILE_INTERVAL_MS = 5_000;

/** After this long without a point starting or ending, the coordinator says so (ms), and again each time as long. */
export const IDLE_WARNING_MS = 60_000;

/** How long closing the queue's connections, or removing waiting jobs after a signal, may take (ms). */
const CLOSE_TIMEOUT_MS = 5_000;

/** The sweep's key: the same sweep (profile text, overrides, grid, repetitions, directory) gives the same key. */
export function sweepKey(profileText: string, plan: SweepPlan, params: readonly SweepParam[], repeat: number): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ profileText, set: plan.set.map((o) => o.text), params, repeat, out: resolve(plan.out) }));
  return h.digest('hex').slice(0, 12);
}

/**
 * Reach the queue's Redis (a refusal or no answer within a few seconds is bad input: exit 2,
 * before any work) and return the runner.
 */
export async function queueRunner(
  plan: SweepPlan,
  params: readonly SweepParam[],
  repeat: number,
  address: RedisAddress,
  queueName: string = DEFAULT_QUEUE_NAME,
): Promise<PointRunner> {
  try {
    await probeRedis(address);
  } catch (e) {
    throw new BadInputError(`--queue ${address.display}: cannot reach Redis: ${e instanceof Error ? e.message : String(e)}`);
  }
  const profileText = readFileSync(plan.profile, 'utf8');
  const key = sweepKey(profileText, plan, params, repeat);
  const connection = connectionOptions(address);
  const queue = new Queue<PointJob, PointReturn, string>(queueName, { connection });
  const events = new QueueEvents(queueName, { connection });
  let lastRedisError = '';
  const onRedisError = (e: Error): void => {
    // ioredis reconnects by itself; say so once per distinct error, not once per attempt.
    if (e.message !== lastRedisError) plan.info(`sweep: Redis ${address.display}: ${e.message} (reconnecting)`);
    lastRedisError = e.message;
  };
  queue.on('error', onRedisError);
  events.on('error', onRedisError);
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= within(
      Promise.allSettled([events.close(), queue.close()]).then(() => undefined),
      CLOSE_TIMEOUT_MS,
      undefined,
    ));
  const ready = await within(
    Promise.all([queue.waitUntilReady(), events.waitUntilReady()]).then(() => true),
    2 * CONNECT_TIMEOUT_MS,
    false,
  );
  if (!ready) {
    await close();
    throw new BadInputError(`--queue ${address.display}: cannot reach Redis: the queue's connections did not open within ${(2 * CONNECT_TIMEOUT_MS) / 1000} s`);
  }
  const jobIdOf = (p: SweepPoint): string => `${key}-${p.id}`;

  return {
    how: `on queue "${queueName}" at ${address.display} (sweep ${key})`,
    close,
    async run(points, ended, stop) {
      const pending = new Map<string, SweepPoint>();
      let lastMoveMs = Date.now();
      let finish: () => void = () => {};
      const allEnded = new Promise<void>((r) => (finish = r));
      // While points are being put on the queue, pending may empty and fill again.
      let adding = true;
      const end = (jobId: string, o: PointOutcome): void => {
        const p = pending.get(jobId);
        if (!p) return;
        pending.delete(jobId);
        lastMoveMs = Date.now();
        ended(p, o);
        if (pending.size === 0 && !adding) finish();
      };
      /** A completed job's return value → the point done (its result written), or failed if the value is not a result. */
      const completed = (jobId: string, value: unknown, note = ''): void => {
        const p = pending.get(jobId);
        if (!p) return;
        let unpacked: ReturnType<typeof unpackResult>;
        try {
          unpacked = unpackResult(value);
        } catch {
          end(jobId, { status: 'failed', error: 'the job returned no result (not a dmaload worker?)', wallS: 0 });
          return;
        }
        const r = parseResult(unpacked.text);
        if (!r.ok) {
          end(jobId, { status: 'failed', error: `worker ${unpacked.ranBy.workerId} returned ${r.why}`, wallS: unpacked.runS });
          return;
        }
        writeFileSync(join(plan.out, p.file), unpacked.text);
        end(jobId, { status: 'done', result: r.result, wallS: unpacked.runS, ranBy: unpacked.ranBy, note: `on ${unpacked.ranBy.workerId}${note}` });
      };
      const failed = (job: Job | undefined, jobId: string, reason: string): void => {
        const wallS = job?.finishedOn && job.processedOn ? (job.finishedOn - job.processedOn) / 1000 : 0;
        end(jobId, { status: 'failed', error: reason, wallS, ...(job?.processedBy ? { note: `on ${job.processedBy}` } : {}) });
      };

      // Listen before adding, so no completion is missed.
      const onCompleted = ({ jobId, returnvalue }: { jobId: string; returnvalue: unknown }): void => completed(jobId, returnvalue);
      const onFailed = ({ jobId, failedReason }: { jobId: string; failedReason: string }): void => {
        if (!pending.has(jobId)) return;
        void queue.getJob(jobId).then(
          (job) => failed(job, jobId, failedReason),
          () => failed(undefined, jobId, failedReason),
        );
      };
      const onActive = ({ jobId }: { jobId: string }): void => {
        if (pending.has(jobId)) lastMoveMs = Date.now();
      };
      const onStalled = ({ jobId }: { jobId: string }): void => {
        const p = pending.get(jobId);
        if (p) plan.info(`sweep: ${p.id}: its worker stopped renewing its lock (it died or hung); back on the queue for another worker`);
      };
      events.on('completed', onCompleted);
      events.on('failed', onFailed);
      events.on('active', onActive);
      events.on('stalled', onStalled);

      const toAdd: SweepPoint[] = [];
      for (const p of points) {
        const jobId = jobIdOf(p);
        pending.set(jobId, p);
        const job = await queue.getJob(jobId);
        const state = job ? await job.getState() : 'unknown';
        if (job && state === 'completed' && plan.resume) {
          completed(jobId, job.returnvalue, ' (finished on the queue earlier)');
          continue;
        }
        if (job && (state === 'completed' || state === 'failed')) await job.remove();
        else if (job && state !== 'unknown') {
          plan.info(`sweep: ${p.id} is already on the queue (${state}, from an earlier run of this sweep): waiting for it`);
          continue;
        }
        toAdd.push(p);
      }
      await queue.addBulk(
        toAdd.map((p) => ({
          name: POINT_JOB_NAME,
          data: { sweep: key, point: p.id, profileName: basename(plan.profile), profileText, overrides: overridesOf(plan, p), seed: p.seed, version: dmaloadVersion() },
          opts: { jobId: jobIdOf(p), attempts: 1, removeOnComplete: { age: KEEP_FINISHED_JOBS_S }, removeOnFail: { age: KEEP_FINISHED_JOBS_S } },
        })),
      );
      adding = false;
      if (pending.size === 0) return cleanUp();
      const workers = await within(queue.getWorkersCount().catch(() => -1), CLOSE_TIMEOUT_MS, -1);
      if (workers === 0) plan.info(`sweep: no worker is connected to queue "${queueName}" yet; start some with: dmaload worker --queue ${address.display}${queueName === DEFAULT_QUEUE_NAME ? '' : ` --queue-name ${queueName}`}`);

      let reconciling = false;
      const reconcile = async (): Promise<void> => {
        if (reconciling) return;
        reconciling = true;
        try {
          for (const jobId of [...pending.keys()]) {
            const job = await queue.getJob(jobId);
            if (!job) {
              failed(undefined, jobId, 'the job vanished from the queue (removed by someone else?)');
              continue;
            }
            const state = await job.getState();
            if (state === 'completed') completed(jobId, job.returnvalue);
            else if (state === 'failed') failed(job, jobId, job.failedReason);
          }
          if (pending.size > 0 && Date.now() - lastMoveMs >= IDLE_WARNING_MS) {
            lastMoveMs = Date.now();
            const counts = await queue.getJobCounts('waiting', 'active');
            const n = await queue.getWorkersCount().catch(() => -1);
            plan.info(
              `sweep: no point has started or ended for ${IDLE_WARNING_MS / 1000} s: ${pending.size} pending (queue: ${counts['waiting'] ?? 0} waiting, ${counts['active'] ?? 0} running), ${n < 0 ? 'workers unknown' : `${n} worker(s) connected`}; still waiting (Ctrl-C stops and writes what is done)`,
            );
          }
        } catch {
          // Redis is away: the error listener says so; try again at the next tick.
        } finally {
          reconciling = false;
        }
      };
      const ticker = setInterval(() => void reconcile(), RECONCILE_INTERVAL_MS);
      const onStop = (): void => finish();
      stop.addEventListener('abort', onStop, { once: true });
      if (stop.aborted) finish();
      await allEnded;
      clearInterval(ticker);
      stop.removeEventListener('abort', onStop);
      if (stop.aborted && pending.size > 0) await within(withdraw(), CLOSE_TIMEOUT_MS, undefined);
      // Whatever could not be withdrawn in time is stopped too.
      for (const jobId of [...pending.keys()]) end(jobId, { status: 'stopped', wallS: 0, note: '(the queue did not answer)' });
      return cleanUp();

      /** After a signal: take this sweep's jobs no worker has taken off the queue; running ones go on. */
      async function withdraw(): Promise<void> {
        for (const jobId of [...pending.keys()]) {
          const job = await queue.getJob(jobId);
          const state = job ? await job.getState() : 'unknown';
          if (state === 'completed') {
            completed(jobId, job!.returnvalue);
            continue;
          }
          if (job && state !== 'active' && state !== 'failed') {
            try {
              await job.remove();
              end(jobId, { status: 'stopped', wallS: 0, note: '(taken off the queue)' });
              continue;
            } catch {
              // taken by a worker meanwhile (locked): running
            }
          }
          end(jobId, { status: 'stopped', wallS: 0, note: state === 'failed' ? '(failed on the queue)' : '(still running on a worker: --resume takes its result from the queue)' });
        }
      }

      function cleanUp(): void {
        events.off('completed', onCompleted);
        events.off('failed', onFailed);
        events.off('active', onActive);
        events.off('stalled', onStalled);
      }
    },
  };
}
