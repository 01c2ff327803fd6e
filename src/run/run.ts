/**
 * A run: boot the machine, start one piscina worker per device, release them together at a
 * start barrier, stop them with the shared stop flag when the duration is up (or when every
 * device has submitted its descriptor count), and collect one result per device.
 *
 * Failure handling: a worker that throws or dies rejects its task; the run then raises every
 * device's stop flag, waits a short grace period for the others, hard-kills what is left via
 * the abort signal, destroys the pool and reports which device failed. Never a hang.
 */

import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { expose, type KernelApi, portEndpoint } from '../rpc/endpoint.js';
import { Piscina } from 'piscina';
import { DeviceState } from '../layout/device.js';
import type { DeviceTask, DeviceTaskResult, DeviceTestHooks } from '../layout/protocol.js';
import type { Profile } from '../profile/types.js';
import { Churn } from '../kernel/churn.js';
import { KernelError } from '../kernel/errors.js';
import { MmNotifier } from '../kernel/notifier.js';
import { strategyNamed } from '../kernel/strategies/registry.js';
import type { InvalidationStrategy } from '../kernel/strategies/strategy.js';
import type { Strategy } from '../profile/types.js';
import { boot, type Booted } from './boot.js';
import { BadInputError, RunFailedError } from './errors.js';
import { buildResult, type RunOutcome } from './result.js';
import { IntervalCollector, type IntervalSink } from './intervals.js';
import type { ProgressSnapshot } from './progress.js';
import { Counter } from '../layout/device.js';

export interface RunOptions {
  /** Overrides the profile's seed. */
  readonly seed?: number;
  /** Overrides the profile's duration, seconds. */
  readonly durationS?: number;
  /**
   * Overrides the profile's invalidation strategy: a registered name, or a strategy object
   * (tests inject deliberately broken ones to show the checker catches them).
   */
  readonly strategy?: Strategy | InvalidationStrategy;
  /** Test-only fault injection, by device index. */
  readonly testHooks?: Readonly<Record<number, DeviceTestHooks>>;
  /** Called once after boot, before devices start (tests use it to inspect the machine). */
  readonly onBoot?: (booted: Booted) => void | Promise<void>;
  /**
   * Started once devices are released (tests use it to unbind/rebind under load). The run does
   * not stop its devices before it settles; an exception fails the run.
   */
  readonly whileRunning?: (booted: Booted) => Promise<void>;
  /** Reporting interval, seconds (interval histograms, progress, the interval sink). Default 1. */
  readonly intervalS?: number;
  /** Receives every device's interval as it arrives (the CLI streams them to --hlog / --csv). */
  readonly intervalSink?: IntervalSink;
  /** Called about once per interval while devices run (the CLI draws live progress). */
  readonly onProgress?: (snapshot: ProgressSnapshot) => void;
  /** Called after devices finish, before the result is built. */
  readonly onFinish?: (booted: Booted) => void | Promise<void>;
}

/** How long to wait for devices to reach the start barrier. */
const STARTUP_TIMEOUT_MS = 30_000;
/** After a stop (or a crash), how long the remaining devices get to drain before a hard kill. */
const DRAIN_GRACE_MS = 5_000;
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

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
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

export async function runProfile(profile: Profile, options: RunOptions = {}): Promise<RunOutcome> {
  const seed = options.seed ?? profile.seed;
  const durationS = options.durationS ?? profile.durationS;
  const booted = boot(profile, seed);
  const { kernel } = booted;
  await options.onBoot?.(booted);

  // CPU-side churn and the invalidations it causes, driven from this (the kernel's) thread.
  const chosen = options.strategy ?? profile.invalidation.strategy;
  const strategy = typeof chosen === 'string' ? strategyNamed(chosen) : chosen;
  const notifier = new MmNotifier({
    domains: kernel.domains,
    qi: kernel.qi,
    strategy,
    config: profile.invalidation,
    costs: profile.platform.costs,
    iommuCount: kernel.shape.iommus.length,
  });
  let churn: Churn | undefined;
  if (profile.churn) {
    const c = profile.churn;
    const proc = booted.processes.get(c.process)!;
    const vma = proc.vmas.find((v) => v.name === c.region)!;
    try {
      const region = profile.processes.find((p) => p.name === c.process)!.regions.find((r) => r.name === c.region)!;
      churn = new Churn(kernel, notifier, c, proc, vma, seed, durationS, region.populate >= 1);
    } catch (e) {
      if (e instanceof KernelError) throw new BadInputError(e.message);
      throw e;
    }
  }

  const n = booted.devices.length;
  const { filename, execArgv } = workerEntry();
  const pool = new Piscina({
    filename,
    execArgv,
    minThreads: n,
    maxThreads: n,
    idleTimeout: Infinity,
    concurrentTasksPerWorker: 1,
    maxQueue: 0,
    resourceLimits: { maxYoungGenerationSizeMb: DEVICE_YOUNG_GENERATION_MB },
  });
  let poolError: Error | undefined;
  pool.on('error', (e: Error) => {
    poolError ??= e;
    stopAll();
  });

  const views = kernel.views.devices;
  const stopAll = (): void => {
    for (const v of views) {
      Atomics.store(v.stop, 0, 1);
      Atomics.notify(v.stop, 0);
      Atomics.notify(v.go, 0);
      Atomics.notify(v.doorbell, 0);
    }
  };

  // Control plane: one comlink channel per device to the kernel's slow paths.
  const intervalS = options.intervalS ?? 1;
  let collector: IntervalCollector | undefined;
  const kernelApi: KernelApi = {
    touch: (device, pasid, address, write) => kernel.faults.touch(device, pasid, address, write),
    interval: (report) => collector?.onInterval(report),
  };
  const kernelPorts: MessagePort[] = [];
  const abort = new AbortController();
  const failures: { device: string; error: unknown }[] = [];
  const results: (DeviceTaskResult | undefined)[] = new Array(n).fill(undefined);
  const settled = booted.devices.map((d, i) => {
    const channel = new MessageChannel();
    expose(kernelApi, portEndpoint(channel.port1));
    kernelPorts.push(channel.port1);
    const task: DeviceTask = {
      ...d.spec,
      shape: kernel.shape,
      buffers: kernel.buffers,
      intervalMs: intervalS * 1000,
      kernelPort: channel.port2,
      ...(options.testHooks?.[i] ? { testHooks: options.testHooks[i] } : {}),
    };
    return pool.run(task, { signal: abort.signal, transferList: [channel.port2] }).then(
      (r: DeviceTaskResult) => {
        results[i] = r;
      },
      (error: unknown) => {
        failures.push({ device: d.id, error });
        stopAll();
      },
    );
  });
  const allSettled = Promise.all(settled);

  try {
    // Start barrier.
    const startupDeadline = Date.now() + STARTUP_TIMEOUT_MS;
    while (views.some((v) => Atomics.load(v.state, 0) < DeviceState.ready)) {
      if (failures.length > 0 || poolError) break;
      if (Date.now() > startupDeadline) {
        throw new RunFailedError(`devices did not start within ${STARTUP_TIMEOUT_MS / 1000} s`);
      }
      await sleep(2);
    }
    kernel.faults.start();
    collector = new IntervalCollector(
      booted.devices.map((d) => d.id),
      intervalS,
      performance.timeOrigin + performance.now(),
      options.intervalSink,
    );
    const onProgress = options.onProgress;
    const startNs = process.hrtime.bigint();
    for (const v of views) {
      Atomics.store(v.go, 0, 1);
      Atomics.notify(v.go, 0);
    }
    // Rates from the devices' shared counters between ticks (no waiting for interval reports).
    const lastOps = new Float64Array(n);
    const lastBytes = new Float64Array(n);
    let lastTickNs = startNs;
    const progressTimer = setInterval(() => {
      if (!onProgress) return;
      const c = collector!;
      const nowNs = process.hrtime.bigint();
      const dtS = Math.max(Number(nowNs - lastTickNs) / 1e9, 1e-9);
      lastTickNs = nowNs;
      onProgress({
        elapsedS: Number(nowNs - startNs) / 1e9,
        totalS: durationS,
        invalidations: notifier.stats.events,
        devices: booted.devices.map((d, i) => {
          const counters = views[i]!.counters;
          const h = c.cumulative[i]!;
          const ops = counters[Counter.opsCompleted]!;
          const bytes = counters[Counter.bytes]!;
          const opsPerSec = (ops - lastOps[i]!) / dtS;
          const bytesPerSec = (bytes - lastBytes[i]!) / dtS;
          lastOps[i] = ops;
          lastBytes[i] = bytes;
          return {
            id: d.id,
            ops,
            bytes,
            opsPerSec,
            bytesPerSec,
            p99SoFarNs: h.totalCount > 0 ? h.getValueAtPercentile(99) : 0,
            faults: counters[Counter.pageRequests]! + counters[Counter.partialCompletions]!,
          };
        }),
      });
    }, intervalS * 1000);
    let churnStop = false;
    let churnError: unknown;
    const churnDone = churn
      ? churn.run(() => churnStop || failures.length > 0).catch((e: unknown) => {
          churnError = e;
          stopAll();
        })
      : Promise.resolve();

    // Run until the duration is up, every device is done, or something failed.
    let timer: NodeJS.Timeout | undefined;
    const durationUp = durationS === undefined ? new Promise<void>(() => {}) : new Promise<void>((r) => {
      timer = setTimeout(r, durationS * 1000);
    });
    let hookError: unknown;
    const hookDone = options.whileRunning
      ? options.whileRunning(booted).catch((e: unknown) => {
          hookError = e;
        })
      : Promise.resolve();
    await Promise.race([allSettled, durationUp]);
    if (timer) clearTimeout(timer);
    await hookDone;
    if (hookError) throw hookError;
    // A counted churn always completes (its events are exact and repeatable); a rate-only churn
    // stops with the duration. Either way the change in progress finishes — its invalidation
    // needs the devices — before the devices stop.
    if (profile.churn?.count === undefined) churnStop = true;
    await churnDone;
    stopAll();

    // Drain: every submitted descriptor completes; then hard-kill anything still running.
    const drained = await settlesWithin(allSettled, DRAIN_GRACE_MS);
    if (!drained) {
      abort.abort();
      await settlesWithin(allSettled, 1000);
      const stuck = booted.devices.filter((_, i) => results[i] === undefined && !failures.some((f) => f.device === booted.devices[i]!.id));
      if (failures.length === 0) {
        throw new RunFailedError(`device(s) ${stuck.map((d) => d.id).join(', ')} did not stop within ${DRAIN_GRACE_MS / 1000} s of the stop flag`);
      }
    }
    const elapsedNs = Number(process.hrtime.bigint() - startNs);
    clearInterval(progressTimer);
    await kernel.faults.stop();
    const intervals = collector.finish();
    collector = undefined;

    if (failures.length > 0) {
      const f = failures[0]!;
      const msg = f.error instanceof Error ? f.error.message : String(f.error);
      throw new RunFailedError(`device ${f.device} crashed: ${msg}`);
    }
    if (poolError) throw new RunFailedError(`worker pool failed: ${poolError.message}`);
    if (churnError) {
      const msg = churnError instanceof Error ? churnError.message : String(churnError);
      throw new RunFailedError(`kernel churn failed: ${msg}`);
    }
    await options.onFinish?.(booted);
    return buildResult({
      profile,
      seed,
      durationS,
      booted,
      results: results as DeviceTaskResult[],
      elapsedNs,
      strategy: strategy.name,
      invalidation: churn ? { stats: notifier.stats, churn: churn.stats } : undefined,
      intervals,
    });
  } finally {
    stopAll();
    options.intervalSink?.finish();
    await kernel.faults.stop().catch(() => {});
    for (const p of kernelPorts) p.close();
    await pool.destroy().catch(() => {});
  }
}
