/**
 * Device worker (piscina task): one long-running task per device. It attaches to the
 * machine's shared buffers, waits at the start barrier, runs its DeviceEngine until stopped or
 * out of descriptors, and returns its counters and histograms once. Between 20 ms slices it
 * yields to the event loop (one promise per slice, none per descriptor).
 */

import { Counter, DeviceState } from '../src/layout/device.js';
import { attachMachine } from '../src/layout/machine.js';
import type { DeviceTask, DeviceTaskResult } from '../src/layout/protocol.js';
import { DeviceEngine } from '../src/device/engine.js';
import { encodeHistogram, type Histogram, initHistogramWasm, newWasmHistogram } from '../src/metrics/histogram.js';
import { OP_NAMES } from '../src/layout/ops.js';
import { type IntervalReport, type KernelApi, portEndpoint, type Remote, wrap } from '../src/rpc/endpoint.js';

const SLICE_MS = 20;
const BARRIER_POLL_MS = 50;

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

export default async function runDevice(task: DeviceTask): Promise<DeviceTaskResult> {
  await initHistogramWasm();
  const machine = attachMachine(task.shape, task.buffers);
  const dev = machine.devices[task.index]!;
  const histograms = OP_NAMES.map(() => newWasmHistogram());
  const faulted = newWasmHistogram();
  const clean = newWasmHistogram();
  const uncorrected = newWasmHistogram();
  const interval = newWasmHistogram();
  const kernel: Remote<KernelApi> | undefined = task.kernelPort ? wrap<KernelApi>(portEndpoint(task.kernelPort)) : undefined;
  try {
    // Modelled time: intervals are virtual-time slices the engine closes (closeInterval).
    let closeInterval: ((endNs: number) => void) | undefined;
    // The task is the engine's spec, as is.
    const engine = new DeviceEngine(task, {
      machine,
      sink: {
        closeInterval: (endNs) => closeInterval?.(endNs),
        record: (op, ns, wasFaulted, uncorrectedNs) => {
          histograms[op]!.recordValue(ns);
          interval.recordValue(ns);
          (wasFaulted ? faulted : clean).recordValue(ns);
          if (uncorrectedNs >= 0) uncorrected.recordValue(uncorrectedNs);
        },
      },
    });

    // Start barrier: report ready, wait for the kernel's go (or a stop before it).
    Atomics.store(dev.state, 0, DeviceState.ready);
    Atomics.notify(dev.state, 0);
    while (Atomics.load(dev.go, 0) === 0 && Atomics.load(dev.stop, 0) === 0) {
      const r = Atomics.waitAsync(dev.go, 0, 0, BARRIER_POLL_MS);
      if (r.async) await r.value;
    }

    engine.begin();
    /** The test hooks' injected crash, once the device has completed enough descriptors. */
    const crashAt = task.testHooks?.crashAfterDescriptors;
    const crashIfDue = (): void => {
      if (crashAt === undefined || engine.completedCount < crashAt) return;
      if (task.testHooks?.crashMode === 'exit') process.exit(70);
      throw new Error(`injected crash after ${engine.completedCount} descriptors`);
    };
    if (task.modelled) {
      // Virtual time: intervals end at multiples of intervalNs; reports are not awaited (the
      // engine runs on, inside the kernel's protocol, until the stop flag).
      const reporter = new IntervalReporter(task.index, dev.counters, interval, 0, 0, kernel);
      // Not awaited while the engine runs (the kernel hears them in order on one port)...
      closeInterval = (endNs) => void reporter.report(endNs / 1e6);
      if (crashAt !== undefined) engine.vt.onPark = crashIfDue;
      engine.runModelled();
      engine.end();
      const endMs = Math.max(engine.lastCompletionNs / 1e6, reporter.startMs);
      // ...the last one is, so every report is in before the result.
      if (endMs > reporter.startMs || reporter.sent === 0) await reporter.report(endMs);
      return result(Math.round(engine.lastCompletionNs), engine);
    }
    const startMs = performance.now();
    // Interval reporting (control plane, once per interval), in absolute milliseconds.
    const reporter = new IntervalReporter(task.index, dev.counters, interval, startMs, performance.timeOrigin, kernel);
    for (;;) {
      const finished = engine.runUntil(performance.now() + SLICE_MS);
      const sliceEndMs = performance.now();
      if (sliceEndMs - reporter.startMs >= task.intervalMs) await reporter.report(sliceEndMs);
      crashIfDue();
      // Test hook: a wedged device, deaf to its stop flag until the pool kills its thread.
      const wedgeAt = task.testHooks?.wedgeAfterDescriptors;
      if (wedgeAt !== undefined && engine.completedCount >= wedgeAt) for (;;);
      if (engine.awaitingTouch) {
        // Partial completion: touch the page through the kernel's CPU-fault path, then resubmit.
        if (!kernel) throw new Error('partial completion without a kernel port');
        const t = engine.touchRequest;
        const answer = await whilePollingInvalidations(kernel.touch(task.index, task.pasid, t.address, t.write), engine, dev.doorbell);
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
    return result(elapsedNs, engine);
  } finally {
    Atomics.store(dev.state, 0, DeviceState.done);
    for (const h of histograms) h.destroy();
    faulted.destroy();
    clean.destroy();
    uncorrected.destroy();
    interval.destroy();
    task.kernelPort?.close();
  }

  function result(elapsedNs: number, engine: DeviceEngine): DeviceTaskResult {
    return {
      index: task.index,
      elapsedNs,
      counters: Array.from(dev.counters),
      opCounts: Array.from(engine.opCounts),
      opBytes: Array.from(engine.opBytes),
      histograms: histograms.map(encodeHistogram),
      faultedHistogram: encodeHistogram(faulted),
      cleanHistogram: encodeHistogram(clean),
      uncorrectedHistogram: encodeHistogram(uncorrected),
      firstIntegrityFailure: engine.firstIntegrityFailure,
      firstViolation: engine.firstViolation,
    };
  }
}
