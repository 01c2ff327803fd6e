/**
 * `dmaload sweep`: expand the grid of `--param` values (every combination, `--repeat` runs each
 * with seeds seed, seed + 1, …), check every combination's profile before any run, and hand the
 * points to a runner (runner.ts): local processes of this CLI, `--jobs` at once (local.ts), or
 * a BullMQ queue on Redis that `dmaload worker`s on any machine take points from (`--queue`,
 * queue.ts). Either way there is a line of progress per point, each point's result is a file of
 * its own in DIR/points/, and DIR/sweep.json holds the points and the table (report/sweep.ts).
 * `--resume` keeps the points DIR already holds a valid result for. A signal stops starting
 * points and writes the sweep of the points done; a failed point is listed with its error, and
 * the sweep then exits 1 after writing everything else. DIR/sweep.html, next to sweep.json, is
 * its page (report/html/sweep.ts).
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { formatProfileError, ProfileError } from '../../profile/load.js';
import type { Override } from '../../profile/overrides.js';
import { parseOverride } from '../../profile/overrides.js';
import { renderSweepReport } from '../../report/html/sweep.js';
import { combinations, formatSweep, SWEEP_FORMAT_VERSION, type SweepParam, type SweepPointOutcome, type SweepResult, sweepTable } from '../../report/sweep.js';
import { BadInputError, RunFailedError } from '../../run/errors.js';
import type { StoredRunResult } from '../../run/result.js';
import { Interruption } from '../interrupt.js';
import { loadWithOverrides } from '../options.js';
import { checkOutputs } from '../preflight.js';
import type { RedisAddress } from '../queue/redis.js';
import type { RanBy } from '../queue/points.js';
import { localRunner } from './local.js';
import { type PointRunner, readResult, type SweepPlan } from './runner.js';

export interface SweepArgs {
  readonly profile: string;
  readonly params: readonly SweepParam[];
  readonly set: readonly Override[];
  readonly repeat: number;
  readonly jobs: number;
  readonly out: string;
  readonly resume: boolean;
  readonly quiet: boolean;
  /** Run the points through a job queue on this Redis instead of locally. */
  readonly queue?: RedisAddress;
  /** The queue's name (with `queue`). */
  readonly queueName?: string;
}

/** A point of sweep.json as the sweep fills it in: how it ended, and (queue) which worker ran it. */
type ListedPoint = { -readonly [K in keyof SweepPointOutcome]: SweepPointOutcome[K] } & { ranBy?: RanBy };

function describe(params: Readonly<Record<string, string>>): string {
  return Object.entries(params).map(([k, v]) => `${k}=${v}`).join(' ');
}

export async function sweepCommand(args: SweepArgs): Promise<void> {
  checkOutputs([{ option: 'out', path: args.out, kind: 'dir', files: ['sweep.json', 'sweep.html'] }]);
  const combos = combinations(args.params);
  // Every combination's profile is checked before any run; its seed (a swept `seed` too) starts its repetitions.
  const seeds: number[] = [];
  let name = '';
  for (const c of combos) {
    try {
      const p = await loadWithOverrides(args.profile, [...args.set, ...Object.entries(c).map(([k, v]) => parseOverride(`${k}=${v}`))]);
      seeds.push(p.seed);
      name = p.name;
    } catch (e) {
      if (e instanceof ProfileError) throw new BadInputError(`point ${describe(c)}: ${formatProfileError(e)}`);
      throw e;
    }
  }
  const info = (line: string): void => {
    if (!args.quiet) process.stderr.write(`${line}\n`);
  };
  const plan: SweepPlan = { profile: args.profile, out: args.out, set: args.set, resume: args.resume, info };
  const pointsDir = join(args.out, 'points');
  const points: ListedPoint[] = [];
  combos.forEach((c, i) => {
    for (let r = 0; r < args.repeat; r++) {
      const id = `p${i}-r${r}`;
      points.push({ id, params: c, repeat: r, seed: seeds[i]! + r, file: relative(args.out, join(pointsDir, `${id}.json`)), status: 'not run' });
    }
  });
  // The queue's Redis is reached (or refused: exit 2) before anything is written.
  let runner: PointRunner;
  if (args.queue) {
    const { queueRunner } = await import('./queue.js');
    runner = await queueRunner(plan, args.params, args.repeat, args.queue, args.queueName);
  } else {
    runner = localRunner(plan, args.jobs);
  }
  const interruption = new Interruption();
  try {
    mkdirSync(pointsDir, { recursive: true });
    const results = new Map<string, StoredRunResult>();
    if (args.resume) {
      for (const p of points) {
        const r = readResult(join(args.out, p.file));
        if (r && !r.interrupted) {
          results.set(p.id, r);
          p.status = 'done';
        }
      }
    }
    const todo = points.filter((p) => p.status !== 'done');
    info(`sweep: ${points.length} point(s), ${points.length - todo.length} already done, running ${todo.length}, ${runner.how}`);

    const byId = new Map(points.map((p) => [p.id, p]));
    let done = points.length - todo.length;
    await runner.run(
      todo,
      (sp, o) => {
        const p = byId.get(sp.id)!;
        if (o.status === 'done') {
          results.set(p.id, o.result);
          p.status = 'done';
          if (o.ranBy) p.ranBy = o.ranBy;
        } else if (o.status === 'failed') {
          p.status = 'failed';
          p.error = o.error;
        }
        done++;
        const how = o.status === 'done' ? 'done' : o.status === 'failed' ? `FAILED (${o.error})` : 'stopped';
        info(`[${done}/${points.length}] ${p.id} ${describe(p.params)} seed ${p.seed}: ${how} in ${o.wallS.toFixed(1)} s${o.note ? ` ${o.note}` : ''}`);
      },
      interruption.signal,
    );
    await runner.close();

    const result: SweepResult & { points: typeof points } = {
      formatVersion: SWEEP_FORMAT_VERSION,
      profile: name,
      params: args.params,
      repeat: args.repeat,
      points,
      table: sweepTable(points.filter((p) => p.status === 'done'), results),
    };
    writeFileSync(join(args.out, 'sweep.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(args.out, 'sweep.html'), renderSweepReport(result));
    if (!args.quiet) process.stdout.write(`${formatSweep(result)}\nwrote ${join(args.out, 'sweep.json')} and ${join(args.out, 'sweep.html')}\n`);
  } catch (e) {
    interruption.dispose();
    await runner.close();
    throw e;
  }
  interruption.finish();
  const failed = points.filter((p) => p.status === 'failed');
  if (failed.length > 0) throw new RunFailedError(`${failed.length} point(s) failed, first ${failed[0]!.id} (${describe(failed[0]!.params)}): ${failed[0]!.error}`);
}
