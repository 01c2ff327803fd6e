/**
 * Scale report (`npm run bench:scale [-- --json FILE] [-- --counts 16,64,256,1024]`): logical
 * devices (issue 16). For each device count, `dmaload run` on quickstart's first device copied N
 * times (`--set devices.count=N`, 4 KiB transfers) in modelled time on the default workers (the
 * machine's cores), as a user runs it: a short run (`--duration` of 0.2 ms of virtual time,
 * ten barriers: the figure is start-up, run and stop together) and a longer one (2 ms). Per run:
 * wall seconds from the command's start to its exit, the peak resident memory of the process
 * and its threads (VmHWM of /proc/PID/status, read every 20 ms — the peak so far, so the last
 * read before the exit is the run's), descriptors, and whether every submitted descriptor ended
 * with a status. Targets: 1,024 devices start in under 10 s and stay under 2 GiB.
 *
 * Leaves out: host timing (a thread per device by design).
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

interface Row {
  devices: number;
  durationS: number;
  wallS: number;
  /** The run itself (release to drain: the result's timing.wallElapsedNs); the rest is boot, start, result and exit. */
  runWallS: number;
  peakRssMiB: number;
  descriptors: number;
  allAccounted: boolean;
  threads: number;
}

function peakKiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function runOnce(devices: number, durationS: number, dir: string): Promise<Row> {
  const out = join(dir, `n${devices}-${durationS}.json`);
  const args = [
    'dist/src/cli/main.js', 'run', 'profiles/quickstart.yaml',
    '--set', 'devices[0].workload.transferSizeBytes=4096', '--set', `devices.count=${devices}`,
    '--duration', String(durationS), '--json', out, '--quiet',
  ];
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--max-semi-space-size=1', '--heap-growing-percent=5', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  let peak = 0;
  const poll = setInterval(() => (peak = Math.max(peak, peakKiB(child.pid!))), 20);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(poll);
  if (code !== 0) throw new Error(`${devices} devices: exit ${code}: ${stderr.trim()}`);
  const r = JSON.parse(readFileSync(out, 'utf8')) as { timing: { wallElapsedNs: number }; totals: { ops: number }; devices: { submitted: number; statuses: Record<string, number> }[] };
  return {
    devices,
    durationS,
    wallS,
    runWallS: r.timing.wallElapsedNs / 1e9,
    peakRssMiB: peak / 1024,
    descriptors: r.totals.ops,
    allAccounted: r.devices.every((d) => Object.values(d.statuses).reduce((a, b) => a + b, 0) === d.submitted),
    threads: Math.min(devices, availableParallelism()),
  };
}

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const counts = (flag('--counts') ?? '16,64,256,1024').split(',').map(Number);
const dir = mkdtempSync(join(tmpdir(), 'dmaload-scale-'));
const rows: Row[] = [];
try {
  for (const durationS of [0.0002, 0.002]) {
    for (const n of counts) {
      const row = await runOnce(n, durationS, dir);
      rows.push(row);
      process.stdout.write(
        `${String(n).padStart(5)} devices, ${(durationS * 1e3).toFixed(1)} ms virtual, ${row.threads} threads: ${row.wallS.toFixed(2)} s wall (the run ${row.runWallS.toFixed(2)} s, boot, start, result and exit ${(row.wallS - row.runWallS).toFixed(2)} s), ` +
          `peak ${row.peakRssMiB.toFixed(0)} MiB, ${row.descriptors} descriptors, every one with a status: ${row.allAccounted}\n`,
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const big = rows.find((r) => r.devices === 1024 && r.durationS === 0.0002);
if (big) {
  const startS = big.wallS - big.runWallS;
  process.stdout.write(`target: 1,024 devices start in < 10 s: boot, start, result and exit together ${startS.toFixed(2)} s — ${startS < 10 ? 'met' : 'MISSED'}\n`);
  process.stdout.write(`target: peak resident memory < 2 GiB: ${big.peakRssMiB.toFixed(0)} MiB — ${big.peakRssMiB < 2048 ? 'met' : 'MISSED'}\n`);
}
const json = flag('--json');
if (json) writeFileSync(json, `${JSON.stringify({ rows }, null, 2)}\n`);
