// `compare --kernel-modes` (issue 13) on the shipped page-clearing profile: one run per mode,
// strict slower than lazy, lazy no faster than identity, kva refused on an untrusted device
// before any run.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, TEST_TIMEOUT_MS } from './helpers.js';

interface Compared {
  strategies: string[];
  metrics: { key: string; values: number[] }[];
}

const dir = mkdtempSync(join(tmpdir(), 'dmaload-kmodes-'));

describe('compare --kernel-modes', () => {
  it('runs the shipped page-clearing profile under the four modes: strict < lazy ≤ identity in throughput, with exact client counts', async () => {
    const out = join(dir, 'modes.json');
    const r = await runCli(['compare', 'profiles/kernel-page-clearing.yaml', '--kernel-modes', 'dma-strict,dma-lazy,identity,kva', '--duration', '0.01', '--json', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const c = JSON.parse(readFileSync(out, 'utf8')) as Compared;
    expect(c.strategies).toEqual(['dma-strict', 'dma-lazy', 'identity', 'kva']);
    const m = (key: string) => c.metrics.find((x) => x.key === key)!.values;
    const [strict, lazy, identity, kva] = m('opsPerSec');
    expect(strict!).toBeLessThan(lazy!);
    expect(lazy!).toBeLessThanOrEqual(identity!);
    expect(kva).toBe(identity);
    // Strict: one submission per buffer; identity and kva: no map, no invalidation.
    const buffers = m('kernelClients.buffers');
    expect(m('kernelClients.submissions')[0]).toBe(buffers[0]);
    expect(m('kernelClients.maps').slice(2)).toEqual([0, 0]);
    expect(m('kernelClients.submissions').slice(2)).toEqual([0, 0]);
    expect(m('violations')).toEqual([0, 0, 0, 0]);
  }, TEST_TIMEOUT_MS);

  it('--modes on the shipped shared profile (a process and a kernel client on one device): lazy and identity leave the process more of the device than strict', async () => {
    const out = join(dir, 'shared.json');
    const r = await runCli(['compare', 'profiles/kernel-shared.yaml', '--modes', 'dma-strict,dma-lazy,identity', '--duration', '0.005', '--json', out, '--quiet']);
    expect(r.status).toBe(0);
    const c = JSON.parse(readFileSync(out, 'utf8')) as Compared;
    const bytes = c.metrics.find((x) => x.key === 'bytesPerSec')!.values;
    expect(bytes[0]!).toBeLessThan(bytes[1]!);
    expect(bytes[1]!).toBeLessThanOrEqual(bytes[2]!);
    expect(c.metrics.find((x) => x.key === 'violations')!.values).toEqual([0, 0, 0]);
  }, TEST_TIMEOUT_MS);

  it('kva on an untrusted device: one line naming the device, exit 2, before any run', async () => {
    const p = join(dir, 'untrusted.yaml');
    writeFileSync(p, readFileSync('profiles/kernel-page-clearing.yaml', 'utf8').replace('trusted: true ', 'trusted: false'));
    const r = await runCli(['compare', p, '--kernel-modes', 'dma-lazy,kva']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/kva on device "dsa0", which is not trusted/);
    expect(r.stderr).not.toMatch(/running/);
  }, TEST_TIMEOUT_MS);
});
