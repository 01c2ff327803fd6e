// The per-descriptor path allocates nothing in modelled time either (the default): virtual
// clocks, costs by outcome, window boundaries and the device-completed barriers included.
// One device alone behind its IOMMU runs on this thread: with no kernel event pending
// (`kernelWakeNs` = +∞) it completes every barrier itself (layout/barrier.ts), so no kernel
// thread is needed. V8's sampling heap profiler runs throughout; the device's park hook marks
// the end of a warm-up and stops it two million descriptors later (the inspector's callbacks
// run synchronously on this thread). The samples after the mark must come to well under one
// byte per descriptor.
import { Session } from 'node:inspector';
import { describe, expect, it } from 'vitest';
import { DeviceEngine } from '../../src/device/engine.js';
import { Counter } from '../../src/layout/device.js';
import { OP_NAMES } from '../../src/layout/ops.js';
import { initHistogramWasm, newWasmHistogram } from '../../src/metrics/histogram.js';
import { boot } from '../../src/run/boot.js';
import { hotPathYaml } from '../helpers/hot-path.js';
import { profileFrom } from '../helpers/machine.js';

// A run long enough never to end by itself: the test stops it.
const YAML = hotPathYaml('durationS: 1000');

interface ProfileNode {
  id: number;
  selfSize: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children: ProfileNode[];
}

interface SamplingProfile {
  head: ProfileNode;
  samples: { size: number; nodeId: number; ordinal: number }[];
}

/** Nodes at or under a frame of `node:inspector`: the profiler's own allocations. */
function inspectorNodes(head: ProfileNode): Set<number> {
  const out = new Set<number>();
  const visit = (x: ProfileNode, inside: boolean) => {
    const here = inside || x.callFrame.url.startsWith('node:inspector');
    if (here) out.add(x.id);
    for (const c of x.children) visit(c, here);
  };
  visit(head, false);
  return out;
}

/** The largest allocation sites among `samples`, with their callers. */
function topSites(head: ProfileNode, samples: SamplingProfile['samples'], n: number): string[] {
  const where = new Map<number, string>();
  const name = (x: ProfileNode) => `${x.callFrame.functionName || '(anonymous)'} ${x.callFrame.url.split('/').pop()}:${x.callFrame.lineNumber + 1}:${x.callFrame.columnNumber + 1}`;
  const visit = (x: ProfileNode, caller: string) => {
    where.set(x.id, `${name(x)} <- ${caller}`);
    for (const c of x.children) visit(c, name(x));
  };
  visit(head, '(root)');
  const bytes = new Map<string, number>();
  for (const x of samples) bytes.set(where.get(x.nodeId)!, (bytes.get(where.get(x.nodeId)!) ?? 0) + x.size);
  return [...bytes].sort((a, b) => b[1] - a[1]).slice(0, n).map(([w, b]) => `  ${b} bytes at ${w}`);
}

describe('hot path, modelled time', () => {
  it('allocates less than one byte per descriptor over two million descriptors', async () => {
    await initHistogramWasm();
    const hists = OP_NAMES.map(() => newWasmHistogram());
    // A 1 ms quantum (the uncoupled one): about one barrier per 2,000 descriptors here.
    const b = boot(profileFrom(YAML), 1, { modelled: true, durationNs: 1e12, intervalNs: 1e12, spinLooks: 0, quantumNs: 1_000_000 });
    const views = b.kernel.views;
    views.clock.kernelWakeNs[0] = Infinity;
    const e = new DeviceEngine(b.devices[0]!.spec, { machine: views, sink: { record: (op, ns) => hists[op]!.recordValue(ns) } });
    const session = new Session();
    session.connect();
    const warm = 500_000;
    const descriptors = 2_000_000;
    // The profiler runs from the start: started mid-run, it invalidates the optimised code with
    // inline allocation, and the code compiled again varies with timing (it has been seen boxing
    // where the code compiled first does not). Only samples taken after the warm-up count.
    session.post('HeapProfiler.startSampling', { samplingInterval: 128, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    let phase: 'warm' | 'sampling' | 'done' = 'warm';
    let startedAt = 0;
    let sampled = 0;
    let afterOrdinal = Infinity;
    let profile: SamplingProfile | undefined;
    let barriers = 0;
    const lastOrdinal = (p: SamplingProfile): number => p.samples.reduce((m, x) => Math.max(m, x.ordinal), 0);
    e.vt.onPark = () => {
      barriers++;
      if (phase === 'warm' && e.completedCount >= warm) {
        session.post('HeapProfiler.getSamplingProfile', (err, r) => {
          if (!err) afterOrdinal = lastOrdinal(r.profile as unknown as SamplingProfile);
        });
        startedAt = e.completedCount;
        phase = 'sampling';
      } else if (phase === 'sampling' && e.completedCount >= startedAt + descriptors) {
        session.post('HeapProfiler.stopSampling', (err, r) => {
          if (!err) profile = r.profile as unknown as SamplingProfile;
        });
        sampled = e.completedCount - startedAt;
        phase = 'done';
        Atomics.store(views.devices[0]!.stop, 0, 1);
      }
    };
    e.begin();
    e.runModelled();
    session.disconnect();
    const recorded = hists.reduce((s, h) => s + h.totalCount, 0);
    for (const h of hists) h.destroy();
    expect(phase).toBe('done');
    expect(profile).toBeDefined();
    // The work was real: every op ran on virtual clocks, translations missed and walked, the
    // device completed its own barriers.
    const c = views.devices[0]!.counters;
    expect(recorded).toBeGreaterThanOrEqual(sampled);
    expect(sampled).toBeGreaterThanOrEqual(descriptors);
    expect(c[Counter.devtlbMisses]).toBeGreaterThan(0);
    expect(c[Counter.walks]).toBeGreaterThan(0);
    expect(barriers).toBeGreaterThan(100);
    expect(e.vt.nowNs).toBeGreaterThan(100e6);
    expect(afterOrdinal).toBeLessThan(Infinity);
    // After the mark, and not the measurement's own work (the inspector answering the mark).
    const tool = inspectorNodes(profile!.head);
    const measured = profile!.samples.filter((x) => x.ordinal > afterOrdinal && !tool.has(x.nodeId));
    const bytesPerDescriptor = measured.reduce((sum, x) => sum + x.size, 0) / sampled;
    console.log(`modelled hot path: ${bytesPerDescriptor.toFixed(3)} bytes allocated per descriptor (sampled), ${barriers} barriers`);
    // On failure, say where: the largest allocation sites with their callers.
    if (bytesPerDescriptor >= 1) for (const line of topSites(profile!.head, measured, 8)) console.log(line);
    expect(bytesPerDescriptor).toBeLessThan(1);
  });
});
