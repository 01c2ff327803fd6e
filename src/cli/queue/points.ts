/**
 * What a sweep's coordinator (`dmaload sweep --queue`, sweep/queue.ts) and its workers
 * (`dmaload worker`, worker/handler.ts) agree on, declared once for both sides: a job's data (one point: the profile's text, its overrides, its seed), a job's
 * return value (the point's result, gzipped, and which worker ran it), and the BullMQ settings
 * that decide how fast a dead worker's point is taken up again.
 *
 * BullMQ does the queueing, the locking and the retries; nothing here is a protocol of its own.
 * Leaves out: job priorities, rate limits, and results larger than Redis takes in one value
 * (512 MiB; a point's result is tens of KiB, gzipped to a third).
 */

import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';

/** BullMQ's job name for a point (one kind of job on the queue). */
export const POINT_JOB_NAME = 'point';

/**
 * A worker holds a lock on each point it runs for this long and renews it at half that
 * (BullMQ's lockDuration, ms). A worker that dies stops renewing; its point counts as stalled
 * once the lock has expired.
 */
export const LOCK_DURATION_MS = 5_000;

/** How often each worker looks for stalled points and puts them back on the queue (BullMQ's stalledInterval, ms). */
export const STALLED_INTERVAL_MS = 5_000;

/**
 * How many times a point may stall (its worker died or lost its lock) and still be put back on
 * the queue; one more and it fails with BullMQ's "job stalled more than allowable limit".
 */
export const MAX_STALLED_COUNT = 2;

/** How long finished jobs stay in Redis (s): a later `--resume` takes completed points from there. */
export const KEEP_FINISHED_JOBS_S = 7 * 24 * 3600;

/** A point, as a job's data. */
export const pointJobSchema = z.object({
  /** Short hash of the sweep (profile text, overrides, grid, repetitions, output directory). */
  sweep: z.string(),
  /** The point's id in its sweep (`p3-r1`). */
  point: z.string(),
  /** The profile file's name (its basename; a profile without `name` is named after it). */
  profileName: z.string().regex(/^[^/\\]+$/),
  /** The profile's YAML text: workers need not have the file. */
  profileText: z.string(),
  /** `--set` texts in the order the run applies them (the sweep's `--set`, then the point's parameters). */
  overrides: z.array(z.string()),
  seed: z.number().int().min(0).max(0xffffffff),
  /** The coordinator's dmaload version (a worker of another version says so). */
  version: z.string(),
});
export type PointJob = z.infer<typeof pointJobSchema>;

/** Which worker ran a point. */
export const ranBySchema = z.object({
  workerId: z.string(),
  hostname: z.string(),
  pid: z.number().int(),
  version: z.string(),
});
export type RanBy = z.infer<typeof ranBySchema>;

/** A job's return value: the point's JSON result, gzipped and base64-encoded, and who ran it. */
export const pointReturnSchema = z.object({
  resultGzipBase64: z.string(),
  ranBy: ranBySchema,
  /** The `dmaload run` process's wall time on the worker (s). */
  runS: z.number(),
});
export type PointReturn = z.infer<typeof pointReturnSchema>;

/** The result file's text → what a job returns. */
export function packResult(resultText: string, ranBy: RanBy, runS: number): PointReturn {
  return { resultGzipBase64: gzipSync(resultText).toString('base64'), ranBy, runS };
}

/** A job's return value → the result's JSON text; throws on a value that is not one. */
export function unpackResult(value: unknown): { text: string; ranBy: RanBy; runS: number } {
  const r = pointReturnSchema.parse(value);
  return { text: gunzipSync(Buffer.from(r.resultGzipBase64, 'base64')).toString('utf8'), ranBy: r.ranBy, runS: r.runS };
}
