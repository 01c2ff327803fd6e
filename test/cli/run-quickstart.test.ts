/**
 * The shipped quickstart profile through the compiled CLI: `validate` accepts it, and its
 * `run` (0.5 s of modelled time) exits 0, prints the summary table, writes a consistent JSON result (src/run/result.ts)
 * and .hgrm files whose totals agree with the JSON.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RunResult } from '../../src/run/result.js';
import { type CliResult, runCli, TEST_TIMEOUT_MS } from './helpers.js';

const PROFILE = 'profiles/quickstart.yaml';

interface Hgrm {
  header: string;
  rows: { value: number; percentile: number; totalCount: number }[];
  max: number;
  totalCount: number;
}

/** Parse an HdrHistogram percentile-distribution (.hgrm) file; throws on an unexpected shape. */
function parseHgrm(text: string): Hgrm {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const header = lines[0] ?? '';
  const rows = lines
    .filter((l) => /^\d/.test(l))
    .map((l) => {
      const [value, percentile, totalCount] = l.split(/\s+/).map(Number);
      return { value: value!, percentile: percentile!, totalCount: totalCount! };
    });
  const footer = /^#\[Max\s*=\s*([\d.]+),\s*Total count\s*=\s*(\d+)\]$/m.exec(lines.join('\n'));
  if (!footer) throw new Error(`no "#[Max = ..., Total count = ...]" footer in:\n${text}`);
  return { header, rows, max: Number(footer[1]), totalCount: Number(footer[2]) };
}

/** Assert an .hgrm file is well formed and its count and max match `ops` and `maxNs`. */
function expectHgrm(file: string, ops: number, maxNs: number): void {
  const h = parseHgrm(fs.readFileSync(file, 'utf8'));
  expect(h.header).toMatch(/\bValue\b.*\bPercentile\b/);
  expect(h.rows.length).toBeGreaterThan(1);
  for (const row of h.rows) {
    expect(Number.isFinite(row.value) && Number.isFinite(row.percentile) && Number.isFinite(row.totalCount)).toBe(true);
  }
  for (let i = 1; i < h.rows.length; i++) {
    expect(h.rows[i]!.percentile).toBeGreaterThanOrEqual(h.rows[i - 1]!.percentile);
    expect(h.rows[i]!.value).toBeGreaterThanOrEqual(h.rows[i - 1]!.value);
    expect(h.rows[i]!.totalCount).toBeGreaterThanOrEqual(h.rows[i - 1]!.totalCount);
  }
  const last = h.rows.at(-1)!;
  expect(last.percentile).toBe(1);
  expect(last.totalCount).toBe(ops);
  expect(h.totalCount).toBe(ops);
  expect(h.max).toBe(maxNs);
}

describe('dmaload run profiles/quickstart.yaml', { timeout: TEST_TIMEOUT_MS }, () => {
  let tmp: string;
  let run: CliResult;
  let result: RunResult;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dmaload-cli-'));
    run = await runCli(['run', PROFILE, '--json', path.join(tmp, 'r.json'), '--hgrm', path.join(tmp, 'out')]);
    if (run.status === 0) result = JSON.parse(fs.readFileSync(path.join(tmp, 'r.json'), 'utf8')) as RunResult;
  }, TEST_TIMEOUT_MS);

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('exits 0 with no errors and prints the summary table with both devices', () => {
    // Not a terminal: stderr carries only plain progress blocks (one per wall second), no
    // errors; each head line gives virtual time reached of the total, wall time and slowdown.
    for (const line of run.stderr.split('\n').filter((l) => l !== '')) {
      expect(line).toMatch(/^(\[virtual [\d.]+ [µm]?s \/ 500 ms {2}wall \d+\.\ds {2}slowdown [\d.]+×\]|  \S+ )/);
    }
    expect(run.stdout).toMatch(/^timing modelled: figures are virtual time \(500 ms\), simulated in wall [\d.]+ m?s, slowdown [\d.]+×$/m);
    expect(run.stderr).not.toMatch(/error|Error|^\s+at /m);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^│ dsa0 /m);
    expect(run.stdout).toMatch(/^│ dsa1 /m);
    expect(run.stdout).toContain('quickstart');
  });

  it('writes a JSON result with the profile name, the profile seed and the virtual elapsed time', () => {
    expect(result.profile).toBe('quickstart');
    expect(result.seed).toBe(42);
    expect(result.elapsedNs).toBe(0.5e9);
    expect(result.timing.mode).toBe('modelled');
    expect(result.timing.virtualElapsedNs).toBe(0.5e9);
    expect(result.timing.slowdown).toBeCloseTo(result.timing.wallElapsedNs / 0.5e9, 6);
  });

  it('reports positive totals and ordered, positive latency percentiles', () => {
    const t = result.totals;
    expect(t.ops).toBeGreaterThan(0);
    expect(t.bytes).toBeGreaterThan(0);
    expect(t.opsPerSec).toBeGreaterThan(0);
    expect(t.bytesPerSec).toBeGreaterThan(0);
    const l = t.latencyNs;
    expect(l.p50).toBeGreaterThan(0);
    expect(l.p50).toBeLessThanOrEqual(l.p90);
    expect(l.p90).toBeLessThanOrEqual(l.p99);
    expect(l.p99).toBeLessThanOrEqual(l.p999);
    expect(l.p999).toBeLessThanOrEqual(l.max);
    expect(t.statuses.success).toBeGreaterThan(0);
  });

  it('reports work, ops by kind, and TLB activity on every device', () => {
    expect(result.devices.map((d) => d.id)).toEqual(['dsa0', 'dsa1']);
    for (const d of result.devices) {
      expect(d.ops, d.id).toBeGreaterThan(0);
      expect(Object.keys(d.byOp).length, d.id).toBeGreaterThan(0);
      expect(d.statuses.success, d.id).toBeGreaterThan(0);
      expect(d.devtlb.hits + d.devtlb.misses, d.id).toBeGreaterThan(0);
    }
    expect(result.devices.reduce((s, d) => s + d.ops, 0)).toBe(result.totals.ops);
  });

  it('reports IOTLB lookups and page walks on the IOMMU', () => {
    const m = result.iommus[0]!;
    expect(m.id).toBe('iommu0');
    expect(m.iotlb.hits + m.iotlb.misses).toBeGreaterThan(0);
    expect(m.walks).toBeGreaterThan(0);
  });

  it('accounts every submitted descriptor with exactly one completion status', () => {
    const sum = (s: Record<string, number>): number => Object.values(s).reduce((a, b) => a + b, 0);
    for (const d of result.devices) {
      expect(d.submitted, d.id).toBeGreaterThan(0);
      expect(sum(d.statuses), d.id).toBe(d.submitted);
    }
    expect(sum(result.totals.statuses)).toBe(result.totals.submitted);
  });

  it('writes dsa0.hgrm, dsa1.hgrm and all.hgrm whose counts and max match the JSON', () => {
    const out = path.join(tmp, 'out');
    expect(fs.readdirSync(out).sort()).toEqual(['all.hgrm', 'dsa0.hgrm', 'dsa1.hgrm']);
    for (const d of result.devices) expectHgrm(path.join(out, `${d.id}.hgrm`), d.ops, d.latencyNs.max);
    expectHgrm(path.join(out, 'all.hgrm'), result.totals.ops, result.totals.latencyNs.max);
  });
});

describe('dmaload with the quickstart profile', { timeout: TEST_TIMEOUT_MS }, () => {
  it('validate exits 0 and prints "ok"', async () => {
    const r = await runCli(['validate', PROFILE]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/\bok\b/);
    expect(r.stdout).toMatch(/0\.5 s run, timing modelled$/m);
  });

  it('run --seed 7 records seed 7 in the JSON result', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dmaload-cli-'));
    try {
      const json = path.join(tmp, 'r.json');
      const r = await runCli(['run', PROFILE, '--duration', '0.05', '--seed', '7', '--quiet', '--json', json]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect((JSON.parse(fs.readFileSync(json, 'utf8')) as RunResult).seed).toBe(7);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('run --timing host reads the figures on the wall clock and says so', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dmaload-cli-'));
    try {
      const json = path.join(tmp, 'r.json');
      const r = await runCli(['run', PROFILE, '--timing', 'host', '--duration', '0.3', '--json', json]);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^timing host: figures are wall-clock time on this machine/m);
      const res = JSON.parse(fs.readFileSync(json, 'utf8')) as RunResult;
      expect(res.timing.mode).toBe('host');
      expect(res.timing.virtualElapsedNs).toBeNull();
      expect(res.elapsedNs).toBeGreaterThanOrEqual(0.3e9);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
