/**
 * The modelled hot path's allocation, measured on the compiled code that ships (`node
 * dist/bench/hot-path-alloc.js`; test/device/hot-path-no-allocation-modelled.test.ts runs it):
 * one device alone behind its IOMMU, on this thread, completing its own barriers (no kernel event
 * pending: `kernelWakeNs` = +∞, layout/barrier.ts). V8's sampling heap profiler runs throughout;
 * the device's park hook marks the end of a warm-up and stops the profiler two million
 * descriptors later (the inspector's callbacks run synchronously on this thread). Prints one JSON
 * line: the bytes sampled after the mark per descriptor, and the largest allocation sites.
 * `--nested`: the device is assigned to a VM, so every walk is a nested one; `--queued`: four
 * engines and a shared WQ; `--iaa`: an IAA's compress, verify, decompress and CRC64 (bench/machine.ts).
 */

import { Session } from 'node:inspector';
import { DeviceEngine } from '../src/device/engine.js';
import { Counter } from '../src/layout/device.js';
import { OP_NAMES } from '../src/layout/ops.js';
import { initHistogramWasm, newWasmHistogram } from '../src/metrics/histogram.js';
import { parseProfile } from '../src/profile/load.js';
import { boot } from '../src/run/boot.js';
import { hotPathYaml } from './machine.js';

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

/**
 * The same machine as the host-timing test, in modelled time and long enough never to end by
 * itself; `--nested`: its process in a VM and the device assigned to it (2-D walks).
 */
const VARIANT = (['nested', 'queued', 'iaa'] as const).find((v) => process.argv.includes(`--${v}`)) ?? 'plain';
const YAML = hotPathYaml('durationS: 1000', VARIANT);

// An IAA descriptor compresses kilobytes (tens of µs of host time each): fewer of them.
const WARM = VARIANT === 'iaa' ? 20_000 : 500_000;
const DESCRIPTORS = VARIANT === 'iaa' ? 100_000 : 2_000_000;

async function main(): Promise<void> {
  await initHistogramWasm();
  const hists = OP_NAMES.map(() => newWasmHistogram());
  // A 1 ms quantum (the uncoupled one): about one barrier per 2,000 descriptors here.
  const b = boot(parseProfile(YAML, 'hot-path.yaml'), 1, { modelled: true, durationNs: 1e12, intervalNs: 1e12, spinLooks: 0, quantumNs: 1_000_000 });
  const views = b.kernel.views;
  views.clock.kernelWakeNs[0] = Infinity;
  const e = new DeviceEngine(b.devices[0]!.spec, { machine: views, sink: { record: (op, ns) => hists[op]!.recordValue(ns) } });
  const session = new Session();
  session.connect();
  session.post('HeapProfiler.startSampling', { samplingInterval: 128, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  let phase: 'warm' | 'sampling' | 'done' = 'warm';
  let startedAt = 0;
  let sampled = 0;
  let afterOrdinal = Infinity;
  let profile: SamplingProfile | undefined;
  let barriers = 0;
  e.vt.onPark = () => {
    barriers++;
    if (phase === 'warm' && e.completedCount >= WARM) {
      session.post('HeapProfiler.getSamplingProfile', (err, r) => {
        if (!err) afterOrdinal = (r.profile as unknown as SamplingProfile).samples.reduce((m, x) => Math.max(m, x.ordinal), 0);
      });
      startedAt = e.completedCount;
      phase = 'sampling';
    } else if (phase === 'sampling' && e.completedCount >= startedAt + DESCRIPTORS) {
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
  if (!profile || afterOrdinal === Infinity) throw new Error('the profiler did not answer');
  // After the mark, and not the measurement's own work (the inspector answering the mark).
  const where = new Map<number, string>();
  const tool = new Set<number>();
  const name = (x: ProfileNode) => `${x.callFrame.functionName || '(anonymous)'} ${x.callFrame.url.split('/').pop()}:${x.callFrame.lineNumber + 1}`;
  const visit = (x: ProfileNode, caller: string, inTool: boolean) => {
    const here = inTool || x.callFrame.url.startsWith('node:inspector');
    if (here) tool.add(x.id);
    where.set(x.id, `${name(x)} <- ${caller}`);
    for (const c of x.children) visit(c, name(x), here);
  };
  visit(profile.head, '(root)', false);
  const measured = profile.samples.filter((x) => x.ordinal > afterOrdinal && !tool.has(x.nodeId));
  const bySite = new Map<string, number>();
  for (const x of measured) bySite.set(where.get(x.nodeId)!, (bySite.get(where.get(x.nodeId)!) ?? 0) + x.size);
  const c = views.devices[0]!.counters;
  process.stdout.write(
    `${JSON.stringify({
      bytesPerDescriptor: measured.reduce((s, x) => s + x.size, 0) / sampled,
      sampled,
      recorded,
      barriers,
      virtualNs: e.vt.nowNs,
      devtlbMisses: c[Counter.devtlbMisses],
      walks: c[Counter.walks],
      nestedWalks: c[Counter.nestedWalks],
      submitRetries: c[Counter.submitRetries],
      compressedBytes: c[Counter.compressIn + 2],
      sites: [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 8),
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`hot-path allocation measurement failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
