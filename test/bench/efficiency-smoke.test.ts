// The efficiency report runs (quick mode, a subset) and its JSON carries every ratio with its
// two raw measurements and a met/missed mark. Speed is not asserted here: targets are goals
// the report marks, not timed tests.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('efficiency report', () => {
  it('writes a JSON target per measurement with both raw figures and the ratio', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmaload-eff-'));
    try {
      const out = join(dir, 'eff.json');
      const stdout = execFileSync('node', ['dist/bench/efficiency.js', '--quick', '--only', 'data,translation', '--json', out], {
        encoding: 'utf8',
        timeout: 120_000,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(stdout).toMatch(/targets met/);
      const r = JSON.parse(readFileSync(out, 'utf8'));
      expect(r.targets).toHaveLength(3);
      for (const t of r.targets) {
        expect(t.program.value).toBeGreaterThan(0);
        expect(t.baseline.value).toBeGreaterThan(0);
        expect(typeof t.program.unit).toBe('string');
        expect(t.ratio).toBeCloseTo(t.program.value / t.baseline.value, 6);
        expect(typeof t.met).toBe('boolean');
        const met = t.comparator === '>=' ? t.ratio >= t.threshold : t.comparator === '<=' ? t.ratio <= t.threshold : Math.abs(t.ratio - 1) <= t.threshold;
        expect(t.met).toBe(met);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
