/**
 * One sweep point as a process of this CLI: `dmaload run <profile> --set … --seed S --json FILE
 * --quiet`, with the same Node flags as this process. The local sweep (local.ts) and the queue's
 * worker (worker/handler.ts) both run points this way, so a point gives the same result wherever
 * it runs. An abort signal stops the process (SIGINT: it writes what it gathered, marked
 * interrupted; or SIGKILL when asked).
 *
 * Leaves out: reading or checking the result file (the callers do), a time limit (a point's run
 * has its own duration).
 */

import { spawn } from 'node:child_process';

export interface PointProcess {
  readonly profile: string;
  /** `--set` texts, applied in order. */
  readonly overrides: readonly string[];
  readonly seed: number;
  /** Where the run writes its JSON result. */
  readonly json: string;
  /** The process's working directory (default: this one's). */
  readonly cwd?: string;
}

export interface PointExit {
  /** The exit status; null when a signal ended it. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The first line it wrote to standard error (a failed run's message), or ''. */
  readonly firstErrorLine: string;
  /** Wall time from spawn to exit (s). */
  readonly wallS: number;
}

/** Run the point; `stop` aborted sends `stopSignal` to the process. Never rejects. */
export function runPointProcess(p: PointProcess, stop: AbortSignal, stopSignal: NodeJS.Signals = 'SIGINT'): Promise<PointExit> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const sets = p.overrides.flatMap((s) => ['--set', s]);
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'run', p.profile, ...sets, '--seed', String(p.seed), '--json', p.json, '--quiet'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(p.cwd !== undefined ? { cwd: p.cwd } : {}),
    });
    const onStop = (): void => {
      child.kill(stopSignal);
    };
    if (stop.aborted) onStop();
    else stop.addEventListener('abort', onStop, { once: true });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const end = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void => {
      stop.removeEventListener('abort', onStop);
      resolve({
        code,
        signal,
        firstErrorLine: spawnError ? `could not start the run: ${spawnError.message}` : (stderr.trim().split('\n')[0] ?? ''),
        wallS: Number(process.hrtime.bigint() - started) / 1e9,
      });
    };
    let ended = false;
    child.on('error', (e) => {
      if (!ended) {
        ended = true;
        end(null, null, e);
      }
    });
    child.on('close', (code, signal) => {
      if (!ended) {
        ended = true;
        end(code, signal);
      }
    });
  });
}
