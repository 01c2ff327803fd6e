/**
 * Hot-path microbenchmarks (`npm run bench`): translation at each level, ring publish/consume,
 * histogram recording, and one descriptor of each DSA op at 64 B, 4 KiB and 64 KiB.
 * Work under a microsecond is batched (BATCH operations per sample) so timer resolution does
 * not dominate; every figure is reported per single operation, with its unit.
 */

import { Bench } from 'tinybench';
import { Ring, planRing } from '../src/layout/ring.js';
import { LayoutPlan } from '../src/layout/plan.js';
import { walk } from '../src/layout/pagetable.js';
import { initHistogramWasm, newMergeHistogram, newWasmHistogram } from '../src/metrics/histogram.js';
import { OP_NAMES } from '../src/profile/types.js';
import { benchMachine, descriptor, ns, Op } from './machine.js';

const BATCH = 1000;

interface Row {
  name: string;
  perOpNs: number;
  perOpP50Ns: number;
  opsPerSec: number;
  bytesPerSec: number | null;
  samples: number;
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : undefined;
  await initHistogramWasm();
  const bench = new Bench({ time: 400, warmupTime: 100 });
  const perTask = new Map<string, { batch: number; bytes: number }>();
  const add = (name: string, batch: number, bytes: number, fn: () => void): void => {
    perTask.set(name, { batch, bytes });
    bench.add(name, fn);
  };
  const sink = new Int32Array(1);

  // --- translation ------------------------------------------------------------------------
  {
    const m = benchMachine({ ats: true, devtlbEntries: 64 });
    const tr = m.engine.translator;
    const first = m.base / 4096;
    for (let i = 0; i < 32; i++) tr.translate(m.pasid, first + i, false);
    add('translate: device-TLB hit', BATCH, 0, () => {
      let x = 0;
      for (let i = 0; i < BATCH; i++) { tr.translate(m.pasid, first + (i & 31), false); x ^= tr.pfn; }
      sink[0] = x;
    });
  }
  {
    const m = benchMachine({ ats: false, iotlbEntries: 64 });
    const tr = m.engine.translator;
    const first = m.base / 4096;
    for (let i = 0; i < 32; i++) tr.translate(m.pasid, first + i, false);
    add('translate: IOTLB hit (no ATS)', BATCH, 0, () => {
      let x = 0;
      for (let i = 0; i < BATCH; i++) { tr.translate(m.pasid, first + (i & 31), false); x ^= tr.pfn; }
      sink[0] = x;
    });
  }
  {
    const m = benchMachine({ ats: false, iotlbEntries: 1 });
    const tr = m.engine.translator;
    const first = m.base / 4096;
    add('translate: IOTLB miss + 4-level walk + fill', BATCH, 0, () => {
      let x = 0;
      for (let i = 0; i < BATCH; i++) { tr.translate(m.pasid, first + ((i * 7919) & 16383), false); x ^= tr.pfn; }
      sink[0] = x;
    });
    const words = m.booted.kernel.views.mem.words;
    const out = { pfn: 0, walkRefs: 0, writable: false };
    add('page walk alone (4 PTE loads)', BATCH, 0, () => {
      let x = 0;
      for (let i = 0; i < BATCH; i++) { walk(words, m.rootPfn, first + ((i * 7919) & 16383), false, out); x ^= out.pfn; }
      sink[0] = x;
    });
  }

  // --- rings and histograms -----------------------------------------------------------------
  {
    const p = new LayoutPlan();
    const plan = planRing(p, 64, 4);
    const ring = new Ring(new SharedArrayBuffer(p.sizeBytes), plan);
    add('ring: publish + consume one 4-word record', BATCH, 0, () => {
      for (let i = 0; i < BATCH; i++) {
        const s = ring.reserve();
        ring.slots[s] = i;
        ring.publish();
        const at = ring.peek();
        sink[0] = ring.slots[at]!;
        ring.consume();
      }
    });
  }
  {
    const wasm = newWasmHistogram();
    const js = newMergeHistogram();
    add('histogram: record (wasm)', BATCH, 0, () => {
      for (let i = 0; i < BATCH; i++) wasm.recordValue(1000 + ((i * 7919) & 0xffff));
    });
    add('histogram: record (JS, for comparison)', BATCH, 0, () => {
      for (let i = 0; i < BATCH; i++) js.recordValue(1000 + ((i * 7919) & 0xffff));
    });
  }

  // --- one descriptor of each op ----------------------------------------------------------------
  {
    const m = benchMachine({ ats: true, devtlbEntries: 64 });
    const src = m.base;
    let slot = 0;
    for (const size of [64, 4096, 65536]) {
      const reps = size === 64 ? 200 : size === 4096 ? 20 : 2;
      for (const [name, op] of [
        ['memmove', Op.memmove],
        ['fill', Op.fill],
        ['compare', Op.compare],
        ['comparePattern', Op.comparePattern],
        ['crc32c', Op.crc32c],
      ] as const) {
        // Each benchmark has its own destination, prepared right before it runs, so that
        // compare sees equal ranges and compare-pattern a matching pattern (full length).
        const dst = m.base + 32 * 1024 * 1024 + slot++ * 256 * 1024;
        const d = descriptor(op, src, dst, size);
        const prepare = (): void => {
          if (op === Op.compare) m.engine.execute(descriptor(Op.memmove, src, dst, size));
          if (op === Op.comparePattern) m.engine.execute(descriptor(Op.fill, 0, dst, size));
          m.engine.execute(d);
        };
        perTask.set(`op ${name} ${size >= 1024 ? `${size / 1024} KiB` : `${size} B`}`, { batch: reps, bytes: size });
        bench.add(
          `op ${name} ${size >= 1024 ? `${size / 1024} KiB` : `${size} B`}`,
          () => {
            for (let i = 0; i < reps; i++) m.engine.execute(d);
          },
          { beforeAll: prepare },
        );
      }
    }
  }

  await bench.run();

  const rows: Row[] = bench.tasks.map((t) => {
    const r = t.result;
    if (r.state !== 'completed') throw new Error(`benchmark ${t.name} ${r.state}`);
    const { batch, bytes } = perTask.get(t.name)!;
    const perOpNs = (r.latency.mean * 1e6) / batch;
    return {
      name: t.name,
      perOpNs,
      perOpP50Ns: (r.latency.p50 * 1e6) / batch,
      opsPerSec: 1e9 / perOpNs,
      bytesPerSec: bytes > 0 ? (bytes * 1e9) / perOpNs : null,
      samples: r.latency.samplesCount,
    };
  });
  const width = Math.max(...rows.map((r) => r.name.length));
  process.stdout.write(`dmaload microbenchmarks (${OP_NAMES.length - 1} ops; per single operation; platform cost model zero)\n`);
  process.stdout.write(`${'benchmark'.padEnd(width)}  ${'mean'.padStart(10)}  ${'p50'.padStart(10)}  ${'ops/s'.padStart(12)}  ${'GB/s'.padStart(7)}\n`);
  for (const r of rows) {
    process.stdout.write(
      `${r.name.padEnd(width)}  ${ns(r.perOpNs).padStart(10)}  ${ns(r.perOpP50Ns).padStart(10)}  ` +
        `${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(12)}  ${(r.bytesPerSec === null ? '' : (r.bytesPerSec / 1e9).toFixed(2)).padStart(7)}\n`,
    );
  }
  if (json) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(json, `${JSON.stringify({ node: process.version, rows }, null, 2)}\n`);
    process.stdout.write(`wrote ${json}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
