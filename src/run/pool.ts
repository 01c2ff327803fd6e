/**
 * The device pool: piscina worker threads, each running one long task (workers/device.ts) for
 * the whole run — one device per thread, or (modelled time, logical devices) a group of
 * consecutive devices per thread when there are more devices than `threads`. Starts the tasks
 * with a control-plane channel each (comlink over a MessageChannel, rpc/endpoint.ts), waits for
 * every device at the start barrier, releases them together, stops them with the shared stop
 * flag, and drains them.
 *
 * Failure handling: a worker that throws or dies rejects its task; the pool then raises every
 * device's stop flag so the others finish. The thread's `running` word names the device it was
 * running, which is blamed; the other devices of its group are reported crashed with it. A device that does not stop within the grace period
 * after the stop flag is hard-killed through the abort signal. Never a hang: every wait here is
 * bounded.
 *
 * piscina settings: minThreads = maxThreads = threads, idleTimeout Infinity, one task per
 * worker, an `error` listener on the pool, and a fixed young generation per worker.
 */

import { setMaxListeners } from 'node:events';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { DeviceState, type DeviceViews } from '../layout/device.js';
import { OP_NAMES } from '../layout/ops.js';
import type { DeviceGroupTask, DeviceTask, DeviceTaskResult } from '../layout/protocol.js';
import { expose, type KernelApi, portEndpoint } from '../rpc/endpoint.js';
import { RunFailedError } from './errors.js';

/** How long to wait for devices to reach the start barrier. */
const STARTUP_TIMEOUT_MS = 30_000;
/** After a stop (or a crash), how long the remaining devices get to drain before a hard kill. */
export const DRAIN_GRACE_MS = 5_000;
/**
 * A device's young generation, fixed small. Its hot path allocates nothing (only the
 * once-per-interval report does), so a small new space costs no throughput, and it keeps each
 * worker's heap one size: by default V8 grows new space during start-up and shrinks it again at
 * an unpredictable moment (its memory reducer), a swing of ~8 MiB of resident memory per device.
 */
const DEVICE_YOUNG_GENERATION_MB = 3;

/** The worker entry: the compiled .js next to compiled code, the .ts source under tsx. */
function workerEntry(): { filename: string; execArgv: string[] } {
  const self = import.meta.url;
  const ts = self.endsWith('.ts');
  const url = new URL(`../../workers/device.${ts ? 'ts' : 'js'}`, self);
  return { filename: fileURLToPath(url), execArgv: ts ? ['--import', 'tsx'] : [] };
}

/** Race `p` against a timeout without leaving the timer behind; true if `p` won. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** How a device's task ended. */
export type DeviceOutcome =
  | { readonly status: 'completed' }
  | { readonly status: 'crashed'; readonly cause: string }
  | { readonly status: 'did-not-stop'; readonly cause: string };

export class DevicePool {
  /** Every task settled (resolved or failed). */
  readonly allSettled: Promise<void>;
  /** Per device: its result once its task resolved. */
  readonly results: (DeviceTaskResult | undefined)[];
  private readonly failures: { device: string; error: unknown }[] = [];
  private poolError: Error | undefined;
  private readonly pool: Piscina;
  private readonly ports: MessagePort[] = [];
  private readonly abort = new AbortController();
  /** The hard kill was used: tasks rejected since did not crash, they were killed. */
  private killed = false;
  private readonly outcomes: (DeviceOutcome | undefined)[];

  /** The worker threads started (one per device, or fewer: logical devices). */
  readonly threads: number;

  /**
   * Start the tasks. `tasks[i]` is device i's task without its control-plane port; `api` answers
   * every device's control-plane calls. `threads`: at most this many worker threads (modelled
   * time only; host time keeps one per device).
   */
  constructor(
    private readonly ids: readonly string[],
    private readonly views: readonly DeviceViews[],
    tasks: readonly Omit<DeviceTask, 'kernelPort'>[],
    api: KernelApi,
    threads: number = tasks.length,
  ) {
    const n = tasks.length;
    const modelled = tasks[0]?.modelled ?? false;
    const t = modelled ? Math.max(1, Math.min(threads, n)) : n;
    this.threads = t;
    const { filename, execArgv } = workerEntry();
    this.pool = new Piscina({
      filename,
      execArgv,
      minThreads: t,
      maxThreads: t,
      idleTimeout: Infinity,
      concurrentTasksPerWorker: 1,
      maxQueue: 0,
      resourceLimits: { maxYoungGenerationSizeMb: DEVICE_YOUNG_GENERATION_MB },
    });
    this.pool.on('error', (e: Error) => {
      this.poolError ??= e;
      this.stopAll();
    });
    // Every device's task listens on the one hard-kill signal: more than Node's default 10
    // listeners is expected, not a leak.
    setMaxListeners(t + 1, this.abort.signal);
    this.results = new Array<DeviceTaskResult | undefined>(n).fill(undefined);
    this.outcomes = new Array<DeviceOutcome | undefined>(n).fill(undefined);
    const settled = Array.from({ length: t }, (_, g) => {
      // Thread g runs devices [first, end): consecutive, as even as the division allows.
      const first = Math.floor((g * n) / t);
      const end = Math.floor(((g + 1) * n) / t);
      const members = tasks.slice(first, end);
      const channel = new MessageChannel();
      expose(api, portEndpoint(channel.port1));
      this.ports.push(channel.port1);
      const running = new SharedArrayBuffer(4);
      new Int32Array(running)[0] = first;
      const task: DeviceGroupTask = {
        shape: members[0]!.shape,
        buffers: members[0]!.buffers,
        devices: members.map(({ shape: _s, buffers: _b, ...spec }) => spec),
        kernelPort: channel.port2,
        running,
      };
      return this.pool.run(task, { signal: this.abort.signal, transferList: [channel.port2] }).then(
        (rs: DeviceTaskResult[]) => {
          for (const r of rs) {
            this.results[r.index] = r;
            this.outcomes[r.index] = { status: 'completed' };
          }
        },
        (error: unknown) => {
          if (this.killed) {
            for (let i = first; i < end; i++) this.outcomes[i] = { status: 'did-not-stop', cause: `did not stop within ${DRAIN_GRACE_MS / 1000} s of the stop flag; hard-killed` };
            return;
          }
          const blamed = Atomics.load(new Int32Array(running), 0);
          const culprit = blamed >= first && blamed < end ? blamed : first;
          const cause = error instanceof Error ? error.message : String(error);
          this.failures.push({ device: ids[culprit]!, error });
          for (let i = first; i < end; i++) {
            this.outcomes[i] = i === culprit ? { status: 'crashed', cause } : { status: 'crashed', cause: `its worker thread stopped when device ${ids[culprit]} crashed` };
          }
          this.stopAll();
        },
      );
    });
    this.allSettled = Promise.all(settled).then(() => undefined);
  }

  /** A device failed, or the pool did. */
  get failed(): boolean {
    return this.failures.length > 0 || this.poolError !== undefined;
  }

  /** Wait until every device is at the start barrier (or one failed). */
  async awaitReady(): Promise<void> {
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    while (this.views.some((v) => Atomics.load(v.state, 0) < DeviceState.ready)) {
      if (this.failed) return;
      if (Date.now() > deadline) throw new RunFailedError(`devices did not start within ${STARTUP_TIMEOUT_MS / 1000} s`);
      // A device notifies its state word when it reaches the barrier.
      // (It may have got there since the check above: then look again.)
      const waiting = this.views.find((v) => Atomics.load(v.state, 0) < DeviceState.ready);
      if (!waiting) continue;
      const r = Atomics.waitAsync(waiting.state, 0, Atomics.load(waiting.state, 0), 50);
      if (r.async) await r.value;
    }
  }

  /** Release every device from the start barrier. */
  release(): void {
    for (const v of this.views) {
      Atomics.store(v.go, 0, 1);
      Atomics.notify(v.go, 0);
    }
  }

  /** Raise every device's stop flag (and wake whatever it sleeps on). */
  stopAll(): void {
    for (const v of this.views) {
      Atomics.store(v.stop, 0, 1);
      Atomics.notify(v.stop, 0);
      Atomics.notify(v.go, 0);
      Atomics.notify(v.doorbell, 0);
    }
  }

  /**
   * After the stop flag: wait for every task to settle; hard-kill what is still running after
   * the grace period. A device that had to be killed without having failed is a failed run.
   */
  async drain(): Promise<void> {
    if (await settlesWithin(this.allSettled, DRAIN_GRACE_MS)) return;
    this.killed = true;
    this.abort.abort();
    await settlesWithin(this.allSettled, 1000);
    this.ids.forEach((_, i) => {
      this.outcomes[i] ??= { status: 'did-not-stop', cause: `did not stop within ${DRAIN_GRACE_MS / 1000} s of the stop flag; hard-killed` };
    });
  }

  /**
   * Device `i`'s result: the one its task returned, or — a device that crashed or was killed —
   * what its shared counters say (layout/device.ts: written by the device, readable after its
   * thread is gone); its latencies, kept in the thread, are lost.
   */
  resultOf(i: number, elapsedNs: number): DeviceTaskResult {
    const r = this.results[i];
    if (r) return r;
    return {
      index: i,
      elapsedNs,
      counters: Array.from(this.views[i]!.counters),
      opCounts: OP_NAMES.map(() => 0),
      opBytes: OP_NAMES.map(() => 0),
      histograms: OP_NAMES.map(() => ''),
      faultedHistogram: '',
      cleanHistogram: '',
      uncorrectedHistogram: '',
      firstIntegrityFailure: undefined,
      firstViolation: undefined,
    };
  }

  /** How device `i`'s task ended (after `drain`). */
  outcome(i: number): DeviceOutcome {
    return this.outcomes[i] ?? { status: 'did-not-stop', cause: 'did not report' };
  }

  /**
   * The run's failure, if a device or the pool failed: the first crash (its cause), else the
   * devices that did not stop.
   */
  failure(): RunFailedError | undefined {
    const f = this.failures[0];
    if (f) return new RunFailedError(`device ${f.device} crashed: ${f.error instanceof Error ? f.error.message : String(f.error)}`);
    if (this.poolError) return new RunFailedError(`worker pool failed: ${this.poolError.message}`);
    const stuck = this.ids.filter((_, i) => this.outcomes[i]?.status === 'did-not-stop');
    if (stuck.length > 0) return new RunFailedError(`device(s) ${stuck.join(', ')} did not stop within ${DRAIN_GRACE_MS / 1000} s of the stop flag`);
    return undefined;
  }

  /** Stop everything and release the workers and channels. */
  async destroy(): Promise<void> {
    this.stopAll();
    for (const p of this.ports) p.close();
    await this.pool.destroy().catch(() => {});
  }
}
