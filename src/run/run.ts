/**
 * A run: boot the machine, start one device worker per device (pool.ts), release them together
 * at the start barrier, run the CPU-side churn and its invalidations on this (the kernel's)
 * thread meanwhile, stop the devices with the shared stop flag when the duration is up (or when
 * every device has submitted its descriptor count), and build the result from what they return.
 *
 * While it runs it reports through the caller's callbacks only — intervals to an IntervalSink,
 * progress snapshots to `onProgress` — and never prints or writes files itself.
 *
 * Failure: a device that crashes stops the others and fails the run naming it; a device that
 * does not stop is hard-killed and fails the run; churn or test-hook errors fail it too. Every
 * wait is bounded: never a hang.
 */

import { availableParallelism } from 'node:os';
import type { DeviceTask, DeviceTestHooks } from '../layout/protocol.js';
import { Churn } from '../kernel/churn.js';
import { KernelContext } from '../kernel/context.js';
import { KernelClient, opWeightsOf, submissionStyleFor } from '../kernel/kernel-client.js';
import { Lifecycle, type ScheduledEvent } from '../kernel/lifecycle.js';
import type { TeardownPlanner } from '../kernel/teardown.js';
import { KernelError } from '../kernel/errors.js';
import { MmNotifier } from '../kernel/notifier.js';
import type { Vm } from '../kernel/vm.js';
import { flushStage2, newStage2FlushStats } from '../kernel/vm-flush.js';
import { strategyNamed } from '../kernel/strategies/registry.js';
import type { InvalidationStrategy } from '../kernel/strategies/strategy.js';
import type { Profile, Strategy, Timing } from '../profile/types.js';
import { quantumFor, Sequencer, spinLooksFor } from '../kernel/sequencer.js';
import { modelledClockProblem } from '../profile/cross-checks.js';
import type { Process } from '../kernel/objects.js';
import type { KernelApi } from '../rpc/endpoint.js';
import { boot, type Booted } from './boot.js';
import { BadInputError, RunFailedError } from './errors.js';
import { IntervalCollector, type IntervalSink } from './intervals.js';
import { DevicePool } from './pool.js';
import { ProgressSampler, type ProgressSnapshot } from './progress.js';
import { provenanceOf } from './provenance.js';
import { buildResult, type RunOutcome } from './result.js';

export interface RunOptions {
  /** Overrides the profile's timing (modelled / host). */
  readonly timing?: Timing;
  /** Overrides the profile's seed. */
  readonly seed?: number;
  /** Overrides the profile's `workers`: at most this many device threads (modelled time). */
  readonly workers?: number;
  /** A line the user should read (not an error), once the run is about to start its devices. */
  readonly onNotice?: (line: string) => void;
  /** Overrides the profile's duration, seconds. */
  readonly durationS?: number;
  /**
   * Overrides the profile's invalidation strategy: a registered name, or a strategy object
   * (tests inject deliberately broken ones to show the checker catches them).
   */
  readonly strategy?: Strategy | InvalidationStrategy;
  /**
   * Aborted (a signal, the user's Ctrl-C): the run stops early — modelled time at the next
   * barrier, host timing at once — its devices finish the descriptor in flight, and the result
   * is built from what was gathered, marked `interrupted`.
   */
  readonly interrupt?: AbortSignal;
  /** The command line that started the run (its provenance); absent for a run started from code. */
  readonly commandLine?: readonly string[];
  /** Test-only: replaces the unbind teardown's submissions (tests break it to show the checker catches it). */
  readonly teardownPlan?: TeardownPlanner;
  /** Test-only fault injection, by device index. */
  readonly testHooks?: Readonly<Record<number, DeviceTestHooks>>;
  /** Test only: stage-2 flushes leave the device TLBs out (a broken stage-2 flush the checker must catch). */
  brokenStage2NoDevtlb?: boolean;
  /** Test only: lazy kernel clients free IOVAs and pages before their flush (a broken flush queue the checker must catch). */
  readonly brokenLazyEarlyFree?: boolean;
  /** Called once after boot, before devices start (tests use it to inspect the machine). */
  readonly onBoot?: (booted: Booted) => void | Promise<void>;
  /**
   * Started once devices are released (tests use it to unbind/rebind under load). The run does
   * not stop its devices before it settles; an exception fails the run. Host timing only.
   */
  readonly whileRunning?: (booted: Booted) => Promise<void>;
  /**
   * Reporting interval, seconds (interval histograms, the interval sink): virtual seconds in
   * modelled time, wall seconds in host timing. Default: defaultIntervalS.
   */
  readonly intervalS?: number;
  /** Receives every device's interval as it arrives (the CLI streams them to --hlog / --csv). */
  readonly intervalSink?: IntervalSink;
  /** Called about once per interval while devices run (the CLI draws live progress). */
  readonly onProgress?: (snapshot: ProgressSnapshot) => void;
  /** Called after devices finish, before the result is built. */
  readonly onFinish?: (booted: Booted) => void | Promise<void>;
}

/** A kernel task's promise, watched: `settled` once it has ended, `error` if it threw. */
function settled(task: Promise<void> | undefined): { settled: boolean; error: unknown; done: Promise<void> } {
  const t = { settled: task === undefined, error: undefined as unknown, done: Promise.resolve() };
  if (task) {
    t.done = task.then(
      () => {
        t.settled = true;
      },
      (e: unknown) => {
        t.error = e ?? new Error('unknown failure');
        t.settled = true;
      },
    );
  }
  return t;
}

/** Host timing reports no interval shorter than this (wall seconds): each costs a message per device. */
export const MIN_HOST_INTERVAL_S = 0.05;
/** Live progress is drawn once per wall second in modelled time. */
const PROGRESS_PERIOD_MS = 1000;

/**
 * The reporting interval when none is given: 1 s of wall clock in host timing; in modelled time
 * a tenth of the virtual duration (ten points however short the run), or 10 ms of virtual time
 * for a run bounded by descriptor counts.
 */
export function defaultIntervalS(modelled: boolean, durationS: number | undefined): number {
  if (!modelled) return 1;
  return durationS === undefined ? 0.01 : durationS / 10;
}

export async function runProfile(profile: Profile, options: RunOptions = {}): Promise<RunOutcome> {
  const provenance = provenanceOf(profile, options.commandLine, new Date());
  const seed = options.seed ?? profile.seed;
  const durationS = options.durationS ?? profile.durationS;
  const modelled = (options.timing ?? profile.timing) === 'modelled';
  // The profile's own timing was checked when it loaded; an override is checked here, before boot.
  if (modelled && options.whileRunning) throw new Error('bug: whileRunning acts on the wall clock; it needs host timing');
  const clockProblem = modelled ? modelledClockProblem(profile.platform) : undefined;
  if (clockProblem) throw new BadInputError(`platform: ${clockProblem}`);
  const unboundAtStart = profile.devices.some((d) => d.attach.type === 'sva' && !d.attach.bound);
  if (!modelled && (profile.lifecycle.length > 0 || unboundAtStart)) {
    throw new BadInputError(
      `timing: host cannot run ${profile.lifecycle.length > 0 ? 'the lifecycle schedule' : 'a device with attach.bound: false'} ` +
        '(its events happen at virtual times); expected timing: modelled',
    );
  }
  const kernelClientDevices = profile.devices.filter((d) => d.attach.type === 'kernel');
  if (!modelled && kernelClientDevices.length > 0) {
    throw new BadInputError(`timing: host cannot run kernel clients (devices ${kernelClientDevices.map((d) => d.id).join(', ')}); expected timing: modelled`);
  }
  if (!modelled && profile.vms.length > 0) {
    throw new BadInputError(`timing: host cannot run VMs (${profile.vms.map((v) => v.name).join(', ')}: nested translation and its traps are modelled costs); expected timing: modelled`);
  }
  if (durationS === undefined && (profile.lifecycle.length > 0 || unboundAtStart)) {
    throw new BadInputError('durationS: missing; a run with a lifecycle schedule or a device with attach.bound: false needs durationS');
  }
  const intervalS = options.intervalS ?? defaultIntervalS(modelled, durationS);
  if (!modelled && intervalS < MIN_HOST_INTERVAL_S) {
    throw new BadInputError(`interval: ${intervalS} s is below ${MIN_HOST_INTERVAL_S} s, the shortest wall-clock interval host timing reports`);
  }
  const durationNs = durationS === undefined ? undefined : durationS * 1e9;
  // Modelled time: the quantum is a function of the profile; every device that has a core looks
  // before it sleeps at a barrier (the kernel sleeps through the barriers devices complete).
  const spinLooks = modelled ? spinLooksFor(profile.devices.length, availableParallelism()) : 0;
  const quantumNs = quantumFor(
    profile.devices.map((d) => profile.iommus.findIndex((m) => m.id === d.iommu)),
    profile.devices.map((d) => d.pri),
  );
  const booted = boot(profile, seed, { modelled, durationNs, intervalNs: intervalS * 1e9, spinLooks, quantumNs });
  const { kernel } = booted;
  await options.onBoot?.(booted);

  // CPU-side churn and the invalidations it causes, driven from this (the kernel's) thread.
  const chosen = options.strategy ?? profile.invalidation.strategy;
  const strategy = typeof chosen === 'string' ? strategyNamed(chosen) : chosen;
  // Modelled time: the kernel sequences virtual time (kernel/sequencer.ts); its churn context
  // has its own clock, which the notifier's submissions advance.
  let pool: DevicePool | undefined;
  const seq = modelled
    ? new Sequencer<Process>({
        views: kernel.views,
        faults: kernel.faults,
        costs: profile.platform.costs,
        prqEntries: profile.iommus.map((m) => m.prqEntries),
        deviceIommu: kernel.shape.devices.map((d) => d.iommu),
        failed: () => pool?.failed ?? false,
        quantumNs,
        spinLooks,
      })
    : undefined;
  const kernelClock = { nowNs: 0 };
  // A guest process's churn is its guest kernel's: its notifier's submissions trap (or not) as
  // its VM's invalidation path says (kernel/vm.ts).
  const churnVm = profile.churn ? kernel.vmOf(booted.processes.get(profile.churn.process)!) : undefined;
  const guestChurn = churnVm !== undefined && profile.churn?.stage === 1;
  const costs = profile.platform.costs;
  const notifier = new MmNotifier({
    ...(seq ? { modelled: { clock: kernelClock, ack: (d: number, s: number, a: number) => seq.ack(d, s, a) } } : {}),
    domains: kernel.domains,
    qi: kernel.qi,
    strategy,
    config: profile.invalidation,
    costs: guestChurn ? { ...costs, trapNs: churnVm.trapNsPerSubmission(costs) } : costs,
    iommuCount: kernel.shape.iommus.length,
  });
  // A stage-2 churn's flushes (modelled time), from the kernel context's clock.
  const stage2Stats = newStage2FlushStats();
  const stage2Flush =
    seq && profile.churn?.stage === 2
      ? async (vm: Vm): Promise<void> => {
          const env = {
            views: kernel.views,
            domains: kernel.domains,
            qi: kernel.qi,
            costs,
            style: submissionStyleFor(strategy.name),
            ack: (d: number, s: number, a: number) => seq.ack(d, s, a),
            ...(options.brokenStage2NoDevtlb ? { brokenNoDevtlb: true } : {}),
          };
          kernelClock.nowNs = await flushStage2(env, vm, stage2Stats, kernelClock.nowNs);
        }
      : undefined;
  const context = new KernelContext();
  const lifecycle =
    seq && profile.lifecycle.length > 0
      ? new Lifecycle({
          kernel,
          events: profile.lifecycle.map((e): ScheduledEvent => {
            const atNs = e.atS * 1e9;
            if (e.kind === 'exit') return { atNs, kind: 'exit', process: booted.processes.get(e.process)! };
            const device = profile.devices.findIndex((d) => d.id === e.device);
            const attach = profile.devices[device]!.attach;
            if (attach.type !== 'sva') throw new Error('bug: a lifecycle event on a device without an sva attach');
            return { atNs, kind: e.kind, device, process: booted.processes.get(attach.process)! };
          }),
          iommuTypes: profile.iommus.map((m) => m.type),
          pri: profile.devices.map((d) => d.pri),
          submitters: profile.devices.map((d) => (d.attach.type === 'sva' ? booted.processes.get(d.attach.process) : undefined)),
          costs: profile.platform.costs,
          ...(options.teardownPlan ? { plan: options.teardownPlan } : {}),
          context,
          clock: kernelClock,
          ack: (d, s, a) => seq.ack(d, s, a),
        })
      : undefined;
  // Kernel clients (modelled time): each a kernel CPU of its own, taking its device's
  // completions at every barrier.
  const kernelClients = seq
    ? booted.kernelClients.map((k) => {
        const d = profile.devices[k.device]!;
        const client = new KernelClient(
          {
            device: k.device,
            deviceId: d.id,
            ring: k.ring,
            mode: k.mode,
            singleQueue: k.singleQueue,
            coherent: d.coherent,
            opWeights: opWeightsOf(k.workload.ops),
            sizes: k.workload.transferSizes,
            queueDepth: k.workload.queueDepth,
            count: k.workload.descriptors,
            ratePerSec: k.workload.rateOpsPerSec,
            arrival: k.workload.arrival,
            cpu: 0,
            cpus: k.workload.rateOpsPerSec === undefined ? 1 : 2,
            pasid: k.pasid,
            domain: k.domain,
            ...(options.brokenLazyEarlyFree ? { brokenEarlyFree: true } : {}),
          },
          {
            device: kernel.views.devices[k.device]!,
            mem: kernel.views.mem,
            frames: kernel.frames,
            domains: kernel.domains,
            qi: kernel.qi,
            costs: profile.platform.costs,
            seed,
            memoryBytes: profile.system.memoryBytes,
            maxAddressMask: profile.invalidation.maxAddressMask,
            submissionStyle: submissionStyleFor(strategy.name),
            at: (t) => seq.at(t),
            ack: (dev, sq, a) => seq.ack(dev, sq, a),
          },
        );
        seq.onBarrier(() => client.collect());
        return { id: k.id, device: d.id, mode: k.mode, client };
      })
    : [];
  let churn: Churn | undefined;
  if (profile.churn) {
    const c = profile.churn;
    const proc = booted.processes.get(c.process)!;
    const vma = proc.vmas.find((v) => v.name === c.region)!;
    try {
      const region = profile.processes.find((p) => p.name === c.process)!.regions.find((r) => r.name === c.region)!;
      churn = new Churn(kernel, notifier, c, proc, vma, seed, durationS, region.populate >= 1, stage2Flush);
    } catch (e) {
      if (e instanceof KernelError) throw new BadInputError(e.message);
      throw e;
    }
  }

  // The devices, each with a control-plane channel to the kernel's slow paths.
  const ids = booted.devices.map((d) => d.id);
  const views = kernel.views.devices;
  let collector: IntervalCollector | undefined;
  const api: KernelApi = {
    touch: (device, pasid, address, write) => kernel.faults.touchWhenUnlocked(device, pasid, address, write),
    interval: (report) => collector?.onInterval(report),
  };
  const tasks = booted.devices.map(
    (d, i): Omit<DeviceTask, 'kernelPort'> => ({
      ...d.spec,
      shape: kernel.shape,
      buffers: kernel.buffers,
      intervalMs: intervalS * 1000,
      ...(options.testHooks?.[i] ? { testHooks: options.testHooks[i] } : {}),
    }),
  );
  const cores = availableParallelism();
  if (!modelled && tasks.length > cores) {
    // Host timing keeps a thread per device: its figures are the host's.
    options.onNotice?.(
      `host timing runs each of the ${tasks.length} devices on a thread of its own, more than the ${cores} cores: ` +
        'they share them, and the figures include the host\'s scheduling (modelled time runs them on at most `workers` threads)',
    );
  }
  pool = new DevicePool(ids, views, tasks, api, options.workers ?? profile.workers ?? cores);
  const devicePool = pool;
  kernel.qi.giveUp = () => devicePool.failed;

  /** Modelled time: the sequencer drives virtual time until every device and the churn are done. */
  const runModelled = async (sequencer: Sequencer<Process>): Promise<RunOutcome> => {
    collector = new IntervalCollector(ids, intervalS, 0, options.intervalSink);
    const wallStartNs = process.hrtime.bigint();
    devicePool.release();
    const onProgress = options.onProgress;
    if (onProgress) {
      const sampler = new ProgressSampler(ids, views, collector.cumulative, durationS, wallStartNs);
      // Progress is drawn once per wall second; its rates are per virtual second.
      progressTimer = setInterval(() => onProgress(sampler.sample(notifier.stats.events, Math.min(sequencer.horizonNs, durationNs ?? Infinity))), PROGRESS_PERIOD_MS);
    }
    // The kernel's tasks in virtual time; the sequencer runs until both have settled.
    const churnTask = settled(churn?.runModelled(sequencer, kernelClock, durationNs, context));
    const lifecycleTask = settled(lifecycle?.runModelled(sequencer));
    const clientTasks = kernelClients.map((k) => ({ what: k.id === k.device ? `kernel client on ${k.device}` : `kernel client ${k.id} on ${k.device}`, task: settled(k.client.run(durationNs)) }));
    let seqError: unknown;
    const stopEarly = () => sequencer.requestStop();
    options.interrupt?.addEventListener('abort', stopEarly);
    if (options.interrupt?.aborted) stopEarly();
    await sequencer
      .run(() => churnTask.settled && lifecycleTask.settled && clientTasks.every((c) => c.task.settled))
      .catch((e: unknown) => {
        seqError = e;
        devicePool.stopAll();
      })
      .finally(() => options.interrupt?.removeEventListener('abort', stopEarly));
    // Interrupted: the kernel's tasks stay where they were (a change waiting for its
    // acknowledgements frees nothing), so they are not awaited.
    // So did a failed device's (the barrier gave up).
    const interrupted = sequencer.stoppedEarly;
    if (!interrupted && seqError === undefined) {
      await churnTask.done;
      await lifecycleTask.done;
      for (const c of clientTasks) await c.task.done;
    }
    await devicePool.drain();
    const wallElapsedNs = Number(process.hrtime.bigint() - wallStartNs);
    clearInterval(progressTimer);
    const intervals = collector.finish();
    collector = undefined;
    const failure = devicePool.failure();
    if (seqError && !failure) throw new RunFailedError(`kernel sequencer failed: ${seqError instanceof Error ? seqError.message : String(seqError)}`);
    for (const [task, what] of [[churnTask, 'churn'], [lifecycleTask, 'lifecycle schedule'], ...clientTasks.map((c) => [c.task, c.what] as const)] as const) {
      if (task.error !== undefined && !failure) throw new RunFailedError(`kernel ${what} failed: ${task.error instanceof Error ? task.error.message : String(task.error)}`);
    }
    if (!failure) await options.onFinish?.(booted);
    const reached = Math.min(durationNs ?? Infinity, sequencer.horizonNs);
    const results = ids.map((_, i) => devicePool.resultOf(i, reached));
    const endNs = durationNs ?? Math.max(0, ...results.map((r) => r.elapsedNs));
    // Interrupted or failed: the run lasted until the barrier where it stopped.
    const virtualNs = interrupted || failure ? Math.min(endNs, sequencer.horizonNs) : endNs;
    const outcome = buildResult({
      profile,
      seed,
      durationS,
      booted,
      results,
      elapsedNs: Math.round(virtualNs),
      modelled: true,
      wallElapsedNs,
      strategy: strategy.name,
      invalidation: churn ? { stats: notifier.stats, churn: churn.stats } : undefined,
      guests: { guestChurn, stage2: stage2Stats },
      lifecycle: lifecycle?.stats,
      kernelClients: kernelClients.map((k) => ({ id: k.id, device: k.device, mode: k.mode, stats: k.client.stats })),
      interrupted,
      provenance,
      outcomes: ids.map((_, i) => devicePool.outcome(i)),
      failure: failure?.message,
      intervals,
    });
    // Failure is data: the result of what was gathered travels with the error.
    if (failure) throw new RunFailedError(failure.message, outcome);
    return outcome;
  };
  let progressTimer: NodeJS.Timeout | undefined;
  let durationTimer: NodeJS.Timeout | undefined;

  try {
    await pool.awaitReady();
    if (seq) return await runModelled(seq);
    kernel.faults.start();
    collector = new IntervalCollector(ids, intervalS, performance.timeOrigin + performance.now(), options.intervalSink);
    const startNs = process.hrtime.bigint();
    pool.release();
    const onProgress = options.onProgress;
    if (onProgress) {
      const sampler = new ProgressSampler(ids, views, collector.cumulative, durationS, startNs);
      progressTimer = setInterval(() => onProgress(sampler.sample(notifier.stats.events)), intervalS * 1000);
    }
    let churnStop = false;
    let churnError: unknown;
    const churnDone = churn
      ? churn.run(() => churnStop || pool.failed).catch((e: unknown) => {
          churnError = e;
          pool.stopAll();
        })
      : Promise.resolve();

    // Run until the duration is up, every device is done, or something failed.
    const durationUp =
      durationS === undefined
        ? new Promise<void>(() => {})
        : new Promise<void>((r) => {
            durationTimer = setTimeout(r, durationS * 1000);
          });
    let hookError: unknown;
    const hookDone = options.whileRunning
      ? options.whileRunning(booted).catch((e: unknown) => {
          hookError = e;
        })
      : Promise.resolve();
    const signal = options.interrupt;
    const interruptedNow = new Promise<void>((r) => {
      if (signal?.aborted) r();
      signal?.addEventListener('abort', () => r(), { once: true });
    });
    await Promise.race([pool.allSettled, durationUp, interruptedNow]);
    const interrupted = signal?.aborted === true;
    await hookDone;
    if (hookError) throw hookError;
    // A counted churn always completes (its events are exact and repeatable) unless the run is
    // interrupted; a rate-only churn stops with the duration. Either way the change in progress
    // finishes — its invalidation needs the devices — before the devices stop.
    if (profile.churn?.count === undefined || interrupted) churnStop = true;
    await churnDone;
    pool.stopAll();

    // Drain: every submitted descriptor completes; anything still running is hard-killed.
    await pool.drain();
    const elapsedNs = Number(process.hrtime.bigint() - startNs);
    clearInterval(progressTimer);
    await kernel.faults.stop();
    const intervals = collector.finish();
    collector = undefined;

    const failure = pool.failure();
    if (churnError && !failure) {
      const msg = churnError instanceof Error ? churnError.message : String(churnError);
      throw new RunFailedError(`kernel churn failed: ${msg}`);
    }
    if (!failure) await options.onFinish?.(booted);
    const outcome = buildResult({
      profile,
      seed,
      durationS,
      booted,
      results: ids.map((_, i) => pool.resultOf(i, elapsedNs)),
      elapsedNs,
      modelled: false,
      wallElapsedNs: elapsedNs,
      strategy: strategy.name,
      invalidation: churn ? { stats: notifier.stats, churn: churn.stats } : undefined,
      interrupted,
      provenance,
      outcomes: ids.map((_, i) => pool.outcome(i)),
      failure: failure?.message,
      intervals,
    });
    if (failure) throw new RunFailedError(failure.message, outcome);
    return outcome;
  } finally {
    clearInterval(progressTimer);
    clearTimeout(durationTimer);
    if (seq) for (const v of views) Atomics.store(v.stop, 0, 1);
    pool.stopAll();
    options.intervalSink?.finish();
    await kernel.faults.stop().catch(() => {});
    await pool.destroy();
  }
}
