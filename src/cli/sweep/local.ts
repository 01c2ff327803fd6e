/**
 * The local runner of a sweep: each point a `dmaload run` process on this machine
 * (point-process.ts), `--jobs` at once, writing its result straight to DIR/points/<id>.json. A
 * signal stops launching points and sends SIGINT to the running ones, which write what they
 * gathered (marked interrupted: such a point counts as stopped, not done).
 *
 * Leaves out: other machines (queue.ts).
 */

import { join } from 'node:path';
import type { SweepPoint } from '../../report/sweep.js';
import { runPointProcess } from './point-process.js';
import { overridesOf, type PointOutcome, type PointRunner, readResult, type SweepPlan } from './runner.js';

export function localRunner(plan: SweepPlan, jobs: number): PointRunner {
  return {
    how: `${jobs} at a time`,
    async run(points, ended, stop) {
      const runOne = async (p: SweepPoint): Promise<void> => {
        const file = join(plan.out, p.file);
        const exit = await runPointProcess({ profile: plan.profile, overrides: overridesOf(plan, p), seed: p.seed, json: file }, stop);
        const result = exit.code === 0 ? readResult(file) : undefined;
        let outcome: PointOutcome;
        if (result) outcome = { status: 'done', result, wallS: exit.wallS };
        else if (stop.aborted) outcome = { status: 'stopped', wallS: exit.wallS };
        else outcome = { status: 'failed', error: exit.firstErrorLine || `exit status ${exit.code ?? exit.signal}`, wallS: exit.wallS };
        ended(p, outcome);
      };
      let next = 0;
      const inFlight = new Set<Promise<void>>();
      while (next < points.length || inFlight.size > 0) {
        while (inFlight.size < jobs && next < points.length && !stop.aborted) {
          const t = runOne(points[next++]!).finally(() => inFlight.delete(t));
          inFlight.add(t);
        }
        if (inFlight.size === 0) break;
        await Promise.race(inFlight);
      }
    },
    async close() {},
  };
}
