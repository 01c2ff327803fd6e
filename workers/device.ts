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
import { encodeHistogram, initHistogramWasm, newWasmHistogram } from '../src/metrics/histogram.js';
import { OP_NAMES } from '../src/layout/ops.js';
import { type IntervalReport, type KernelApi, portEndpoint, type Remote, wrap } from '../src/rpc/endpoint.js';

const SLICE_MS = 20;
const BARRIER_POLL_MS = 50;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
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
    if (task.modelled) {
      // Virtual time: intervals end at multiples of intervalNs; reports are not awaited (the
      // engine runs on, inside the kernel's protocol, until the stop flag).
      let index = 0;
      let startNs = 0;
      let ops = 0;
      let bytes = 0;
      const report = (endNs: number): Promise<void> | undefined => {
        const o = dev.counters[Counter.opsCompleted]!;
        const b = dev.counters[Counter.bytes]!;
        const r: IntervalReport = {
          device: task.index,
          index: index++,
          startMs: startNs / 1e6,
          endMs: endNs / 1e6,
          ops: o - ops,
          bytes: b - bytes,
          histogram: encodeHistogram(interval),
        };
        interval.reset();
        startNs = endNs;
        ops = o;
        bytes = b;
        return kernel?.interval(r);
      };
      // Not awaited while the engine runs (the kernel hears them in order on one port)...
      closeInterval = (endNs) => void report(endNs);
      const crashAt = task.testHooks?.crashAfterDescriptors;
      if (crashAt !== undefined) {
        engine.vt.onPark = () => {
          if (engine.completedCount < crashAt) return;
          if (task.testHooks?.crashMode === 'exit') process.exit(70);
          throw new Error(`injected crash after ${engine.completedCount} descriptors`);
        };
      }
      engine.runModelled();
      engine.end();
      const endNs = Math.max(engine.lastCompletionNs, startNs);
      // ...the last one is, so every report is in before the result.
      if (endNs > startNs || index === 0) await report(endNs);
      return result(Math.round(engine.lastCompletionNs), engine);
    }
    const startMs = performance.now();
    const crashAfter = task.testHooks?.crashAfterDescriptors;
    // Interval reporting (control plane, once per interval).
    let intervalIndex = 0;
    let intervalStartMs = startMs;
    let intervalOps = 0;
    let intervalBytes = 0;
    const reportInterval = async (endMs: number): Promise<void> => {
      const ops = dev.counters[Counter.opsCompleted]!;
      const bytes = dev.counters[Counter.bytes]!;
      const report: IntervalReport = {
        device: task.index,
        index: intervalIndex++,
        startMs: performance.timeOrigin + intervalStartMs,
        endMs: performance.timeOrigin + endMs,
        ops: ops - intervalOps,
        bytes: bytes - intervalBytes,
        histogram: encodeHistogram(interval),
      };
      interval.reset();
      intervalStartMs = endMs;
      intervalOps = ops;
      intervalBytes = bytes;
      if (kernel) await kernel.interval(report);
    };
    for (;;) {
      const finished = engine.runUntil(performance.now() + SLICE_MS);
      const sliceEndMs = performance.now();
      if (sliceEndMs - intervalStartMs >= task.intervalMs) await reportInterval(sliceEndMs);
      if (crashAfter !== undefined && engine.completedCount >= crashAfter) {
        if (task.testHooks?.crashMode === 'exit') process.exit(70);
        throw new Error(`injected crash after ${engine.completedCount} descriptors`);
      }
      if (engine.awaitingTouch) {
        // Partial completion: touch the page through the kernel's CPU-fault path, then resubmit.
        if (!kernel) throw new Error('partial completion without a kernel port');
        const t = engine.touchRequest;
        const answer = await kernel.touch(task.index, task.pasid, t.address, t.write);
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
    await reportInterval(endMs);
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
