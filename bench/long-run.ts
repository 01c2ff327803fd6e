/**
 * Bounded memory over a long run (`npm run bench:long [-- --seconds 600] [-- --settle 180] [-- --interval S] [-- --json FILE]`).
 *
 * Runs the real command a user runs — `dmaload run` as its own process, started the way its
 * `dmaload` bin starts it (the node flags of its shebang line) — on a 3-device profile with every
 * per-interval stream on (`--hlog`, `--csv`), churn and continuing page faults, and samples that
 * process's resident set (Linux: /proc/PID/status VmRSS) every 5 s. The run is flat when every
 * sample after the warm-up lies within 5% of every other (max/min − 1 ≤ 5%).
 *
 * The warm-up (default 180 s) is what a long run needs to reach its steady state, measured
 * (README, Benchmarks): the result's interval series fills its 120 points (2 minutes at the
 * default 1 s interval), and the allocator's arenas, which the per-interval histogram decoding
 * churns, stop growing after about 150 s.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name: string): string | undefined => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const seconds = Number(arg('--seconds') ?? 600);
const jsonPath = arg('--json');
/** The run's reporting interval, s (default: the CLI's, 1 s in host timing). */
const intervalS = arg('--interval');
const SETTLE_S = Number(arg('--settle') ?? 180);
const SAMPLE_S = 5;
const LIMIT = 0.05;

// dist/bench/long-run.js → dist/src/cli/main.js
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');

const PROFILE = `
seed: 1
durationS: ${seconds}
timing: host     # a soak on the wall clock: memory over real minutes
system: { memoryBytes: 256MiB }
iommus: [{ id: mmu, iotlbEntries: 64 }]
processes:
  - { name: app, regions: [{ name: buf, sizeBytes: 32MiB }, { name: lazy, sizeBytes: 8MiB, populate: 0 }] }
# Churn on the demand-paged region: unmapped ranges fault back in, so page requests continue
# for the whole run (not only while the region first fills).
churn: { process: app, region: lazy, ops: { munmap: 2, mprotect: 1, migrate: 1 }, ratePerSec: 50, rangeBytes: 16KiB }
devices:
  - { id: dsa0, iommu: mmu, attach: { type: sva, process: app }, workload: { region: buf, queueDepth: 8, transferSizeBytes: [{ sizeBytes: 4096, weight: 3 }, { sizeBytes: 65536, weight: 1 }], ops: { memmove: 2, fill: 1, crc32c: 1, batch: 1 } } }
  - { id: dsa1, iommu: mmu, attach: { type: sva, process: app }, workload: { region: buf, ops: { memmove: 1, compare: 1 }, rateOpsPerSec: 5000, arrival: poisson } }
  - { id: dsa2, iommu: mmu, pri: true, attach: { type: sva, process: app }, workload: { region: lazy, queueDepth: 4, pattern: uniform, ops: { crc32c: 1 } } }
`;

/** The node flags on the bin's shebang line (`#!/usr/bin/env -S node FLAGS`). */
function shebangFlags(file: string): string[] {
  const first = readFileSync(file, 'utf8').split('\n', 1)[0]!;
  const m = /^#!\S*env(?: -S)? node(.*)$/.exec(first);
  if (!m) throw new Error(`${file}: unexpected shebang line ${JSON.stringify(first)}`);
  return m[1]!.trim().split(/\s+/).filter(Boolean);
}

function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined; // the process has exited
  }
}

interface Sample {
  tS: number;
  rssMiB: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dmaload-long-'));
  try {
    const profile = join(dir, 'long-run.yaml');
    writeFileSync(profile, PROFILE);
    const flags = shebangFlags(CLI);
    const args = [...flags, CLI, 'run', profile, '--quiet', '--hlog', join(dir, 'run.hlog'), '--csv', join(dir, 'run.csv'), '--json', join(dir, 'result.json'), ...(intervalS ? ['--interval', intervalS] : [])];
    process.stderr.write(`node ${args.join(' ')}\n`);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    const exited = new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
    const samples: Sample[] = [];
    const t0 = Date.now();
    let done = false;
    void exited.then(() => (done = true));
    for (let t = SAMPLE_S; t < seconds && !done; t += SAMPLE_S) {
      await Promise.race([exited, new Promise((r) => setTimeout(r, t0 + t * 1000 - Date.now()))]);
      const rss = done ? undefined : rssMiB(child.pid!);
      if (rss === undefined) break;
      samples.push({ tS: t, rssMiB: rss });
      process.stderr.write(`  ${t}s: RSS ${rss.toFixed(1)} MiB\n`);
    }
    const code = await exited;
    if (code !== 0) throw new Error(`dmaload run exited with status ${code}`);

    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as {
      totals: { ops: number };
      invalidation?: { events: number };
      faults: { pageRequests: number };
      intervals: { intervalS: number; points: unknown[] };
    };
    const after = samples.filter((s) => s.tS >= SETTLE_S);
    if (after.length < 2) throw new Error(`too few samples after ${SETTLE_S} s: run for longer (--seconds)`);
    const lo = Math.min(...after.map((s) => s.rssMiB));
    const hi = Math.max(...after.map((s) => s.rssMiB));
    const first = after[0]!.rssMiB;
    const last = after.at(-1)!.rssMiB;
    const spread = hi / lo - 1;
    const flat = spread <= LIMIT;
    const hlogBytes = statSync(join(dir, 'run.hlog')).size;
    process.stdout.write(
      `long run: ${seconds} s, ${result.totals.ops.toLocaleString('en-US')} descriptors, ` +
        `${result.invalidation?.events ?? 0} churn events, ${result.faults.pageRequests} page requests, hlog ${(hlogBytes / 1024).toFixed(0)} KiB\n` +
        `resident set of the dmaload process after ${SETTLE_S} s: first ${first.toFixed(1)} MiB, last ${last.toFixed(1)} MiB, ` +
        `min ${lo.toFixed(1)}, max ${hi.toFixed(1)} (spread ${(spread * 100).toFixed(1)}%): ` +
        `${flat ? `flat (within ${LIMIT * 100}%)` : `NOT flat (over ${LIMIT * 100}%)`}\n` +
        `interval series: ${result.intervals.points.length} points of ${result.intervals.intervalS} s\n`,
    );
    if (jsonPath) {
      writeFileSync(
        jsonPath,
        `${JSON.stringify(
          {
            seconds,
            nodeFlags: flags,
            descriptors: result.totals.ops,
            churnEvents: result.invalidation?.events ?? 0,
            pageRequests: result.faults.pageRequests,
            hlogBytes,
            points: result.intervals.points.length,
            settleS: SETTLE_S,
            first,
            last,
            min: lo,
            max: hi,
            spread,
            flat,
            samples,
          },
          null,
          2,
        )}\n`,
      );
    }
    if (!flat) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`long run failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
