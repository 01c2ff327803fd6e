/**
 * Interruption (issue 12): a real `dmaload run` process, asked for 1,000 s, gets SIGINT (or
 * SIGTERM) once its progress lines show work. It stops its devices, writes the summary and the
 * JSON marked interrupted — valid against the strict result schema, every submitted descriptor
 * with a status, at least as many ops as the progress last showed — and exits 130 (143). A
 * second signal aborts at once and writes nothing. The signal is sent when the progress line
 * arrives on stderr, never after a sleep.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { runResultSchema } from '../../src/run/result-schema.js';
import { CLI, repoRoot, TEST_TIMEOUT_MS } from './helpers.js';

interface Interrupted {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Per device, the ops the last progress line showed before the signal. */
  shownOps: Map<string, number>;
}

/**
 * Run the CLI; once every one of `devices` has shown a progress line (or, with `devices` 0, once
 * stderr matches `ready`), send `signals` one by one.
 */
function runAndSignal(args: string[], signals: NodeJS.Signals[], devices: number, ready = /$^/): Promise<Interrupted> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    const shownOps = new Map<string, number>();
    const seen = new Map<string, number>();
    let sent = 0;
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (sent > 0) return;
      for (const m of stderr.matchAll(/^\s+(\S+)\s+.*ops ([\d,]+)\s*$/gm)) {
        shownOps.set(m[1]!, Number(m[2]!.replaceAll(',', '')));
        seen.set(m[1]!, (seen.get(m[1]!) ?? 0) + 1);
      }
      // The signals go back to back: a second one of the same kind could merge with the first
      // while both are pending, so a test of a second signal sends a different one.
      if (devices > 0 ? seen.size === devices : ready.test(stderr)) {
        for (const s of signals) child.kill(s);
        sent = signals.length;
      }
    });
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(killer);
      resolve({ status, stdout, stderr, shownOps: new Map(shownOps) });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'dmaload-int-'));

describe('a signal stops the run and keeps what it gathered', () => {
  it.each<[string, NodeJS.Signals, number, string[]]>([
    ['SIGINT, modelled time', 'SIGINT', 130, []],
    ['SIGTERM, host timing', 'SIGTERM', 143, ['--timing', 'host']],
  ])('%s', async (_, signal, exit, extra) => {
    const json = join(dir, `${signal}.json`);
    const r = await runAndSignal(['run', 'profiles/quickstart.yaml', '--duration', '1000', '--json', json, ...extra], [signal], 2);
    expect(r.status).toBe(exit);
    expect(r.stderr).toMatch(new RegExp(`^dmaload: interrupted by ${signal}; the summary and outputs hold what was gathered until then$`, 'm'));
    expect(r.stdout).toMatch(/^INTERRUPTED after /m);
    const result = runResultSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
    expect(result.interrupted).toBe(true);
    expect(result.elapsedNs).toBeLessThan(1000e9);
    for (const d of result.devices) {
      expect(Object.values(d.statuses).reduce((a, b) => a + b, 0)).toBe(d.submitted);
      expect(d.ops).toBeGreaterThanOrEqual(r.shownOps.get(d.id)!);
    }
  }, TEST_TIMEOUT_MS);

  it('a second signal aborts at once and writes nothing', async () => {
    const json = join(dir, 'twice.json');
    // Sent right behind the first (waiting for the first to be taken left a race: a host-timing
    // run can stop and write its outputs before a late second signal arrives).
    const r = await runAndSignal(['run', 'profiles/quickstart.yaml', '--duration', '1000', '--timing', 'host', '--json', json], ['SIGINT', 'SIGTERM'], 2);
    expect(r.status).toBe(143);
    expect(r.stderr).toMatch(/SIGINT: stopping the devices/);
    expect(r.stderr).toMatch(/SIGTERM again: aborting at once, nothing more is written/);
    expect(existsSync(json)).toBe(false);
  }, TEST_TIMEOUT_MS);

  it('compare keeps the strategy cut short, marked, and runs no other', async () => {
    const json = join(dir, 'compare.json');
    // compare draws no progress: the signal goes when the first strategy starts.
    const r = await runAndSignal(['compare', 'profiles/inval-4dev-1iommu-guest.yaml', '--duration', '1000', '--json', json], ['SIGINT'], 0, /running vtd-per-device/);
    expect(r.status).toBe(130);
    const c = JSON.parse(readFileSync(json, 'utf8')) as { strategies: string[]; runs: Record<string, { interrupted: boolean }> };
    expect(c.strategies).toEqual(['vtd-per-device']);
    expect(c.runs['vtd-per-device']!.interrupted).toBe(true);
    expect(r.stdout).toMatch(/INTERRUPTED: vtd-per-device stopped early by a signal/);
  }, TEST_TIMEOUT_MS);
});
