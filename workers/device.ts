/**
 * Device worker (piscina task): one long-running task per worker thread, running the devices of
 * its group (protocol.ts DeviceGroupTask). It attaches to the machine's shared buffers, waits at
 * the start barrier, runs each device's DeviceEngine until stopped or out of descriptors, and
 * returns their counters and histograms once.
 *
 * One device (host time always; modelled time with a thread per device): the engine runs on the
 * thread, its parks wait on the kernel's release (device/vtime.ts), and between 20 ms slices of
 * host time it yields to the event loop (one promise per slice, none per descriptor).
 *
 * Several devices (modelled time, logical devices): their parks are cooperative. Each round the
 * worker runs every device in virtual-time order (lowest clock first) until it parks; once all
 * have, it completes the barrier or rings the kernel (layout/barrier.ts) — once for the group —
 * and sleeps on the release word; then each device takes the release in and the next round
 * begins. Nothing a device does between two releases is seen by another before the next
 * barrier (layout/clock.ts), so the order within a round never shows in a result: a run gives
 * the same figures whatever the number of threads.
 */

import { completeOrRing, deviceIommus } from '../src/layout/barrier.js';
import { Counter, DeviceState, type DeviceViews } from '../src/layout/device.js';
import { attachMachine, type MachineViews } from '../src/layout/machine.js';
import type { DeviceGroupTask, DeviceTaskResult } from '../src/layout/protocol.js';
import { DeviceEngine } from '../src/device/engine.js';
import { PARK_TIMEOUT_MS } from '../src/device/vtime.js';
import { encodeHistogram, type Histogram, initHistogramWasm, newWasmHistogram } from '../src/metrics/histogram.js';
import { OP_NAMES } from '../src/layout/ops.js';
import { type IntervalReport, type KernelApi, portEndpoint, type Remote, wrap } from '../src/rpc/endpoint.js';

const SLICE_MS = 20;
const BARRIER_POLL_MS = 50;

type DeviceOfGroup = DeviceGroupTask['devices'][number];

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Await a control-plane answer while the device goes on applying device-TLB invalidations (the
 * hardware acknowledges them whatever its software waits for): a touch waits while a change
 * holds the process's mm lock, and that change may be waiting for this device's acknowledgement.
 * Sleeps on the doorbell, which the kernel rings for every posted invalidation.
 */
async function whilePollingInvalidations<T>(answer: Promise<T>, engine: DeviceEngine, doorbell: Int32Array): Promise<T> {
  let settled = false;
  const done = answer.finally(() => (settled = true));
  for (;;) {
    const rung = Atomics.load(doorbell, 0);
    engine.pollInvalidations();
    if (settled) return done;
    const w = Atomics.waitAsync(doorbell, 0, rung, 5);
    await Promise.race([done, w.async ? w.value : undefined]);
  }
}

/**
 * A device's interval reports: each closes the interval that began where the previous one ended,
 * with the ops, bytes and latencies of the descriptors completed in it. Times are milliseconds on
 * the run's clock (virtual in modelled time, performance.now in host time), sent as
 * `originMs` + time.
 */
class IntervalReporter {
  /** Reports sent so far. */
  sent = 0;
  private ops = 0;
  private bytes = 0;

  constructor(
    private readonly device: number,
    private readonly counters: Float64Array,
    private readonly histogram: Histogram,
    /** Where the current interval began, ms. */
    public startMs: number,
    private readonly originMs: number,
    private readonly kernel: Remote<KernelApi> | undefined,
  ) {}

  report(endMs: number): Promise<void> | undefined {
    const ops = this.counters[Counter.opsCompleted]!;
    const bytes = this.counters[Counter.bytes]!;
    const r: IntervalReport = {
      device: this.device,
      index: this.sent++,
      startMs: this.originMs + this.startMs,
      endMs: this.originMs + endMs,
      ops: ops - this.ops,
      bytes: bytes - this.bytes,
      histogram: encodeHistogram(this.histogram),
    };
    this.histogram.reset();
    this.startMs = endMs;
    this.ops = ops;
    this.bytes = bytes;
    return this.kernel?.interval(r);
  }
}

/**
 * One device on this thread: its engine, its latency histograms (made when first recorded into,
 * so a device keeps only those its descriptors use) and its interval reports.
 */
class DeviceRunner {
  readonly engine: DeviceEngine;
  readonly dev: DeviceViews;
  readonly reporter: IntervalReporter | undefined;
  private readonly histograms: (Histogram | undefined)[] = OP_NAMES.map(() => undefined);
  private faulted: Histogram | undefined;
  private clean: Histogram | undefined;
  private uncorrected: Histogram | undefined;
  private readonly interval = newWasmHistogram();
  /** Modelled time: intervals are virtual-time slices the engine closes (closeInterval). */
  closeInterval: ((endNs: number) => void) | undefined;

  constructor(
    readonly task: DeviceOfGroup,
    machine: MachineViews,
    private readonly kernel: Remote<KernelApi> | undefined,
    cooperative: boolean,
  ) {
    this.dev = machine.devices[task.index]!;
    // The task is the engine's spec, as is.
    this.engine = new DeviceEngine(
      task,
      {
        machine,
        sink: {
          closeInterval: (endNs) => this.closeInterval?.(endNs),
          record: (op, ns, wasFaulted, uncorrectedNs) => {
            (this.histograms[op] ??= newWasmHistogram()).recordValue(ns);
            this.interval.recordValue(ns);
            if (wasFaulted) (this.faulted ??= newWasmHistogram()).recordValue(ns);
            else (this.clean ??= newWasmHistogram()).recordValue(ns);
            if (uncorrectedNs >= 0) (this.uncorrected ??= newWasmHistogram()).recordValue(uncorrectedNs);
          },
        },
      },
      cooperative,
    );
    if (task.modelled) {
      // Virtual time: intervals end at multiples of intervalNs; reports are not awaited (the
      // engine runs on, inside the kernel's protocol, until the stop flag)...
      this.reporter = new IntervalReporter(task.index, this.dev.counters, this.interval, 0, 0, kernel);
      const reporter = this.reporter;
      this.closeInterval = (endNs) => void reporter.report(endNs / 1e6);
      const crashAt = task.testHooks?.crashAfterDescriptors;
      if (crashAt !== undefined) this.engine.vt.onPark = () => this.crashIfDue();
    }
  }

  /** Report ready at the start barrier. */
  ready(): void {
    Atomics.store(this.dev.state, 0, DeviceState.ready);
    Atomics.notify(this.dev.state, 0);
  }

  /** The test hooks' injected crash, once the device has completed enough descriptors. */
  crashIfDue(): void {
    const crashAt = this.task.testHooks?.crashAfterDescriptors;
    if (crashAt === undefined || this.engine.completedCount < crashAt) return;
    if (this.task.testHooks?.crashMode === 'exit') process.exit(70);
    throw new Error(`injected crash after ${this.engine.completedCount} descriptors`);
  }

  /** Modelled time, after the run: the last interval's report (awaited, so every report is in before the result). */
  async endModelled(): Promise<DeviceTaskResult> {
    const engine = this.engine;
    engine.end();
    const reporter = this.reporter!;
    const endMs = Math.max(engine.lastCompletionNs / 1e6, reporter.startMs);
    if (endMs > reporter.startMs || reporter.sent === 0) await reporter.report(endMs);
    return this.result(Math.round(engine.lastCompletionNs));
  }

  /** Host time: run on this thread until stopped or out of descriptors. */
  async runHost(): Promise<DeviceTaskResult> {
    const engine = this.engine;
    const task = this.task;
    const dev = this.dev;
    const startMs = performance.now();
    // Interval reporting (control plane, once per interval), in absolute milliseconds.
    const reporter = new IntervalReporter(task.index, dev.counters, this.interval, startMs, performance.timeOrigin, this.kernel);
    for (;;) {
      const finished = engine.runUntil(performance.now() + SLICE_MS);
      const sliceEndMs = performance.now();
      if (sliceEndMs - reporter.startMs >= task.intervalMs) await reporter.report(sliceEndMs);
      this.crashIfDue();
      // Test hook: a wedged device, deaf to its stop flag until the pool kills its thread.
      const wedgeAt = task.testHooks?.wedgeAfterDescriptors;
      if (wedgeAt !== undefined && engine.completedCount >= wedgeAt) for (;;);
      if (engine.awaitingTouch) {
        // Partial completion: touch the page through the kernel's CPU-fault path, then resubmit.
        if (!this.kernel) throw new Error('partial completion without a kernel port');
        const t = engine.touchRequest;
        const answer = await whilePollingInvalidations(this.kernel.touch(task.index, task.pasid, t.address, t.write), engine, dev.doorbell);
        engine.touched(answer === 'ok');
        // Between a touch and the resubmission, too: invalidations are applied, never starved.
        engine.pollInvalidations();
        continue;
      }
      if (finished) break;
      await yieldToEventLoop();
      engine.pollInvalidations();
    }
    const endMs = performance.now();
    const elapsedNs = Math.round((endMs - startMs) * 1e6);
    engine.end();
    await reporter.report(endMs);
    return this.result(elapsedNs);
  }

  result(elapsedNs: number): DeviceTaskResult {
    const engine = this.engine;
    return {
      index: this.task.index,
      elapsedNs,
      counters: Array.from(this.dev.counters),
      opCounts: Array.from(engine.opCounts),
      opBytes: Array.from(engine.opBytes),
      histograms: this.histograms.map((h) => (h ? encodeHistogram(h) : '')),
      faultedHistogram: this.faulted ? encodeHistogram(this.faulted) : '',
      cleanHistogram: this.clean ? encodeHistogram(this.clean) : '',
      uncorrectedHistogram: this.uncorrected ? encodeHistogram(this.uncorrected) : '',
      firstIntegrityFailure: engine.firstIntegrityFailure,
      firstViolation: engine.firstViolation,
    };
  }

  destroy(): void {
    Atomics.store(this.dev.state, 0, DeviceState.done);
    for (const h of this.histograms) h?.destroy();
    this.faulted?.destroy();
    this.clean?.destroy();
    this.uncorrected?.destroy();
    this.interval.destroy();
  }
}

/** Start barrier: wait for the kernel's go (or a stop before it) on `dev`. */
async function awaitGo(dev: DeviceViews): Promise<void> {
  while (Atomics.load(dev.go, 0) === 0 && Atomics.load(dev.stop, 0) === 0) {
    const r = Atomics.waitAsync(dev.go, 0, 0, BARRIER_POLL_MS);
    if (r.async) await r.value;
  }
}

/**
 * Logical devices: run the group's engines round by round (see the header) until every one has
 * ended (the stop flag). `running[0]` names the device on the CPU, for the pool's blame.
 */
function runCooperative(runners: readonly DeviceRunner[], machine: MachineViews, running: Int32Array): void {
  const clock = machine.clock;
  const first = runners[0]!;
  const spec = first.task;
  const deviceIommu = deviceIommus(machine);
  const live = [...runners];
  for (;;) {
    // Lowest clock first (the order never shows in a result; see the header).
    live.sort((a, b) => a.engine.vt.nowNs - b.engine.vt.nowNs);
    for (let i = 0; i < live.length; ) {
      const r = live[i]!;
      Atomics.store(running, 0, r.task.index);
      if (r.engine.runSlice()) live.splice(i, 1);
      else i++;
    }
    Atomics.store(running, 0, -1);
    if (live.length === 0) return;
    // Every device of the group has parked at release `seen`: complete the barrier or ring, once.
    const seen = live[0]!.engine.vt.release;
    completeOrRing(machine, seen, deviceIommu, spec.quantumNs);
    for (let i = 0; i < spec.spinLooks && Atomics.load(clock.release, 0) === seen; i++);
    let waitedMs = 0;
    const stop = live[0]!.dev.stop;
    while (Atomics.load(clock.release, 0) === seen && Atomics.load(stop, 0) === 0) {
      if (Atomics.wait(clock.release, 0, seen, 100) === 'timed-out') {
        waitedMs += 100;
        if (waitedMs > PARK_TIMEOUT_MS) throw new Error(`no release from the kernel within ${PARK_TIMEOUT_MS / 1000} s`);
      }
    }
    for (const r of live) r.engine.vt.takeRelease();
  }
}

export default async function runDevices(task: DeviceGroupTask): Promise<DeviceTaskResult[]> {
  await initHistogramWasm();
  const machine = attachMachine(task.shape, task.buffers);
  const running = new Int32Array(task.running);
  const kernel: Remote<KernelApi> | undefined = task.kernelPort ? wrap<KernelApi>(portEndpoint(task.kernelPort)) : undefined;
  const cooperative = task.devices.length > 1;
  const runners: DeviceRunner[] = [];
  try {
    for (const d of task.devices) {
      Atomics.store(running, 0, d.index);
      runners.push(new DeviceRunner(d, machine, kernel, cooperative));
    }
    // Start barrier: report ready, wait for the kernel's go (or a stop before it).
    for (const r of runners) r.ready();
    for (const r of runners) await awaitGo(r.dev);
    for (const r of runners) r.engine.begin();
    if (!cooperative) {
      const r = runners[0]!;
      Atomics.store(running, 0, r.task.index);
      if (!r.task.modelled) return [await r.runHost()];
      r.engine.runModelled();
      return [await r.endModelled()];
    }
    runCooperative(runners, machine, running);
    const results: DeviceTaskResult[] = [];
    for (const r of runners) results.push(await r.endModelled());
    return results;
  } finally {
    for (const r of runners) r.destroy();
    task.kernelPort?.close();
  }
}

