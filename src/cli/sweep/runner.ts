/**
 * How a sweep's points get run, as the handler (handler.ts) sees it: a PointRunner takes the
 * points still to do and reports each one's outcome as it ends — done with its result, failed
 * with its error, or stopped by a signal. Two runners: local processes (local.ts, `--jobs` at
 * once) and a BullMQ queue served by `dmaload worker`s (queue.ts, `--queue`). Everything else
 * (the grid, the checks, `--resume`, progress lines, sweep.json) is the handler's, shared.
 *
 * Leaves out: choosing a runner (the handler does, from the options).
 */

import { readFileSync } from 'node:fs';
import type { Override } from '../../profile/overrides.js';
import type { SweepPoint } from '../../report/sweep.js';
import type { StoredRunResult } from '../../run/result.js';
import { validRunResult } from '../../report/result-input.js';
import { BadInputError } from '../../run/errors.js';
import type { RanBy } from '../queue/points.js';

/** What every runner is told about the sweep. */
export interface SweepPlan {
  /** The profile file, as given. */
  readonly profile: string;
  /** The sweep's directory (DIR: DIR/points/<id>.json, DIR/sweep.json). */
  readonly out: string;
  /** `--set`, applied to every point before its parameters. */
  readonly set: readonly Override[];
  readonly resume: boolean;
  /** A progress line (nothing under `--quiet`). */
  readonly info: (line: string) => void;
}

/** How one point ended. */
export type PointOutcome =
  | { readonly status: 'done'; readonly result: StoredRunResult; readonly wallS: number; readonly ranBy?: RanBy; readonly note?: string }
  | { readonly status: 'failed'; readonly error: string; readonly wallS: number; readonly note?: string }
  | { readonly status: 'stopped'; readonly wallS: number; readonly note?: string };

export interface PointRunner {
  /** The end of the sweep's first progress line: "2 at a time", "on queue … at redis://…". */
  readonly how: string;
  /**
   * Run `points`, calling `ended` once per point as it ends (in any order). Resolves when every
   * point has ended, or, once `stop` is aborted, when the points it started are accounted for.
   */
  run(points: readonly SweepPoint[], ended: (p: SweepPoint, o: PointOutcome) => void, stop: AbortSignal): Promise<void>;
  /** Release what the runner holds (connections); safe to call more than once. */
  close(): Promise<void>;
}

/** A point's overrides, in the order its run applies them: the sweep's `--set`, then its parameters. */
export function overridesOf(plan: SweepPlan, p: SweepPoint): string[] {
  return [...plan.set.map((o) => o.text), ...Object.entries(p.params).map(([k, v]) => `${k}=${v}`)];
}

/** A result's JSON text → the result, if it is a valid stored run result; else why not (its first problem). */
export function parseResult(text: string): { ok: true; result: StoredRunResult } | { ok: false; why: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, why: `not JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  try {
    return { ok: true, result: validRunResult(raw, 'the result') };
  } catch (e) {
    if (e instanceof BadInputError) return { ok: false, why: `not a run result (${e.message.split('\n')[0]})` };
    throw e;
  }
}

/** A result file → the result, or undefined if it is missing or not a valid result. */
export function readResult(file: string): StoredRunResult | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const r = parseResult(text);
  return r.ok ? r.result : undefined;
}
