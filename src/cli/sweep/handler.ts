/**
 * `dmaload sweep`: expand the grid of `--param` values (every combination, `--repeat` runs each
 * with seeds seed, seed + 1, …), check every combination's profile before any run, and run the
 * points as separate processes of this CLI (`run … --set … --seed … --json`), `--jobs` at once,
 * with a line of progress per point. Each point's result is a file of its own in DIR/points/;
 * DIR/sweep.json holds the points and the table (report/sweep.ts). `--resume` keeps the points
 * DIR already holds a valid result for. A signal stops launching points, lets the running ones
 * write what they gathered, and writes the sweep of the points done; a failed point is listed
 * with its error, and the sweep then exits 1 after writing everything else.
 *
 * Leaves out (issue 16, not done yet): points on other machines (a job queue), the HTML report's
 * plots, a device-count parameter (logical devices).
 */

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { formatProfileError, ProfileError } from '../../profile/load.js';
import type { Override } from '../../profile/overrides.js';
import { parseOverride } from '../../profile/overrides.js';
import { renderSweepReport } from '../../report/html/sweep.js';
import { formatSweep, SWEEP_FORMAT_VERSION, type SweepParam, type SweepPoint, type SweepResult, sweepTable } from '../../report/sweep.js';
import { BadInputError, RunFailedError } from '../../run/errors.js';
import type { StoredRunResult } from '../../run/result.js';
import { storedRunResultSchema } from '../../run/result-schema.js';
import { Interruption } from '../interrupt.js';
import { loadWithOverrides } from '../options.js';
import { checkOutputs } from '../preflight.js';

export interface SweepArgs {
  readonly profile: string;
  readonly params: readonly SweepParam[];
  readonly set: readonly Override[];
  readonly repeat: number;
  readonly jobs: number;
  readonly out: string;
  readonly resume: boolean;
  readonly quiet: boolean;
}

/** Every combination of the parameters' values, in order (the last parameter varies fastest). */
export function combinations(params: readonly SweepParam[]): Record<string, string>[] {
  let out: Record<string, string>[] = [{}];
  for (const p of params) out = out.flatMap((c) => p.values.map((v) => ({ ...c, [p.key]: v })));
  return out;
}

function describe(params: Readonly<Record<string, string>>): string {
  return Object.entries(params).map(([k, v]) => `${k}=${v}`).join(' ');
}

export async function sweepCommand(args: SweepArgs): Promise<void> {
  checkOutputs([{ option: 'out', path: args.out, kind: 'dir', files: ['sweep.json'] }]);
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
  const pointsDir = join(args.out, 'points');
  mkdirSync(pointsDir, { recursive: true });
  const points: (SweepPoint & { status: 'done' | 'failed' | 'not run'; error?: string })[] = [];
  combos.forEach((c, i) => {
    for (let r = 0; r < args.repeat; r++) {
      const id = `p${i}-r${r}`;
      points.push({ id, params: c, repeat: r, seed: seeds[i]! + r, file: relative(args.out, join(pointsDir, `${id}.json`)), status: 'not run' });
    }
  });
  const results = new Map<string, StoredRunResult>();
  const read = (file: string): StoredRunResult | undefined => {
    try {
      const parsed = storedRunResultSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  };
  if (args.resume) {
    for (const p of points) {
      const r = existsSync(join(args.out, p.file)) ? read(join(args.out, p.file)) : undefined;
      if (r && !r.interrupted) {
        results.set(p.id, r);
        p.status = 'done';
      }
    }
  }
  const todo = points.filter((p) => p.status !== 'done');
  const info = (line: string): void => {
    if (!args.quiet) process.stderr.write(`${line}\n`);
  };
  info(`sweep: ${points.length} point(s), ${points.length - todo.length} already done, running ${todo.length}, ${args.jobs} at a time`);

  const interruption = new Interruption();
  const running = new Set<ReturnType<typeof spawn>>();
  interruption.signal.addEventListener('abort', () => {
    for (const child of running) child.kill('SIGINT');
  });
  let done = points.length - todo.length;
  const runPoint = (p: (typeof points)[number]): Promise<void> =>
    new Promise((resolve) => {
      const started = process.hrtime.bigint();
      const sets = [...args.set.map((o) => o.text), ...Object.entries(p.params).map(([k, v]) => `${k}=${v}`)].flatMap((s) => ['--set', s]);
      const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'run', args.profile, ...sets, '--seed', String(p.seed), '--json', join(args.out, p.file), '--quiet'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      running.add(child);
      let stderr = '';
      child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
      child.on('close', (code) => {
        running.delete(child);
        const r = code === 0 ? read(join(args.out, p.file)) : undefined;
        if (r) {
          results.set(p.id, r);
          p.status = 'done';
        } else if (!interruption.signal.aborted) {
          p.status = 'failed';
          p.error = stderr.trim().split('\n')[0] || `exit status ${code}`;
        }
        done++;
        const s = Number(process.hrtime.bigint() - started) / 1e9;
        info(`[${done}/${points.length}] ${p.id} ${describe(p.params)} seed ${p.seed}: ${p.status === 'done' ? 'done' : p.status === 'failed' ? `FAILED (${p.error})` : 'stopped'} in ${s.toFixed(1)} s`);
        resolve();
      });
    });
  let next = 0;
  const inFlight = new Set<Promise<void>>();
  while (next < todo.length || inFlight.size > 0) {
    while (inFlight.size < args.jobs && next < todo.length && !interruption.signal.aborted) {
      const t = runPoint(todo[next++]!).finally(() => inFlight.delete(t));
      inFlight.add(t);
    }
    if (inFlight.size === 0) break;
    await Promise.race(inFlight);
  }

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
  interruption.finish();
  const failed = points.filter((p) => p.status === 'failed');
  if (failed.length > 0) throw new RunFailedError(`${failed.length} point(s) failed, first ${failed[0]!.id} (${describe(failed[0]!.params)}): ${failed[0]!.error}`);
}
