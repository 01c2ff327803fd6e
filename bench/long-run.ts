/**
 * Bounded memory over a long run (`npm run bench:long [-- --seconds 300] [-- --json FILE]`):
 * runs a 3-device profile with every per-interval output on (an HdrHistogram interval log and a
 * CSV streamed to files, the in-memory interval series), churn and page faults, samples the
 * process's resident set every 5 s, and reports whether it grows after the first 30 s: no
 * sample may exceed the 30 s figure by more than 5%. It also reports the full spread — RSS
 * typically falls as V8 shrinks its heaps after warm-up, which is not growth.
 */

import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProfile } from '../src/profile/load.js';
import { runProfile } from '../src/run/run.js';

const arg = (name: string): string | undefined => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const seconds = Number(arg('--seconds') ?? 300);
const jsonPath = arg('--json');
const SETTLE_S = 30;
const SAMPLE_S = 5;

const PROFILE = `
seed: 1
durationS: ${seconds}
system: { memoryBytes: 256MiB }
iommus: [{ id: mmu, iotlbEntries: 64 }]
processes:
  - { name: app, regions: [{ name: buf, sizeBytes: 32MiB }, { name: lazy, sizeBytes: 8MiB, populate: 0 }] }
churn: { process: app, region: lazy, ops: { munmap: 2, mprotect: 1, migrate: 1 }, ratePerSec: 50, rangeBytes: 16KiB }
devices:
  - { id: dsa0, iommu: mmu, attach: { type: sva, process: app }, workload: { region: buf, queueDepth: 8, transferSizeBytes: [{ sizeBytes: 4096, weight: 3 }, { sizeBytes: 65536, weight: 1 }], ops: { memmove: 2, fill: 1, crc32c: 1, batch: 1 } } }
  - { id: dsa1, iommu: mmu, attach: { type: sva, process: app }, workload: { region: buf, ops: { memmove: 1, compare: 1 }, rateOpsPerSec: 5000, arrival: poisson } }
  - { id: dsa2, iommu: mmu, pri: true, attach: { type: sva, process: app }, workload: { region: lazy, queueDepth: 4, pattern: uniform, ops: { crc32c: 1 } } }
`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dmaload-long-'));
  const samples: { tS: number; rssMiB: number; heapUsedMiB: number; externalMiB: number }[] = [];
  try {
    const { result } = await runProfile(parseProfile(PROFILE, 'long-run.yaml'), {
      hlog: join(dir, 'run.hlog'),
      csv: join(dir, 'run.csv'),
      whileRunning: async () => {
        for (let t = SAMPLE_S; t < seconds; t += SAMPLE_S) {
          await new Promise((r) => setTimeout(r, SAMPLE_S * 1000));
          const m = process.memoryUsage();
          samples.push({ tS: t, rssMiB: m.rss / 1048576, heapUsedMiB: m.heapUsed / 1048576, externalMiB: m.external / 1048576 });
          process.stderr.write(
            `  ${t}s: RSS ${(m.rss / 1048576).toFixed(1)} MiB, heap used ${(m.heapUsed / 1048576).toFixed(1)} MiB, external ${(m.external / 1048576).toFixed(1)} MiB\n`,
          );
        }
      },
    });
    const after = samples.filter((s) => s.tS >= SETTLE_S);
    const lo = Math.min(...after.map((s) => s.rssMiB));
    const hi = Math.max(...after.map((s) => s.rssMiB));
    const first = after[0]!.rssMiB;
    const last = after.at(-1)!.rssMiB;
    const spread = hi / lo - 1;
    const growth = hi / first - 1;
    const flat = growth <= 0.05;
    const hlogBytes = statSync(join(dir, 'run.hlog')).size;
    process.stdout.write(
      `long run: ${seconds} s, ${result.totals.ops.toLocaleString('en-US')} descriptors, ` +
        `${result.invalidation?.events ?? 0} churn events, ${result.faults.pageRequests} page requests, hlog ${(hlogBytes / 1024).toFixed(0)} KiB\n` +
        `RSS after ${SETTLE_S} s: first ${first.toFixed(1)} MiB, last ${last.toFixed(1)} MiB, min ${lo.toFixed(1)}, max ${hi.toFixed(1)} ` +
        `(spread ${(spread * 100).toFixed(1)}%, growth over the ${SETTLE_S} s figure ${(growth * 100).toFixed(1)}%): ` +
        `${flat ? 'no growth (within 5%)' : 'GROWS'}\n` +
        `interval series: ${result.intervals.points.length} points of ${result.intervals.intervalS} s\n`,
    );
    if (jsonPath) {
      writeFileSync(jsonPath, `${JSON.stringify({ seconds, samples, first, last, min: lo, max: hi, spread, growth, flat, hlogBytes, points: result.intervals.points.length }, null, 2)}\n`);
    }
    if (!flat) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`long run failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
