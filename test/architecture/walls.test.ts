// The walls between the floors (.dependency-cruiser.cjs) hold on the project as it is, and the
// rules are not a rubber stamp: on a scratch copy of the tree, a kernel file that imports device
// code, a layout file that imports the profile loader and an import cycle are each reported.
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** Cruise `src` and `workers` under `cwd` with the project's rules; the violations found. */
async function violations(cwd: string): Promise<Violation[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [DEPCRUISE, '--config', '.dependency-cruiser.cjs', '--output-type', 'json', 'src', 'workers'],
    { cwd, maxBuffer: 64 * 1024 * 1024 },
  ).catch((e: { stdout?: string; stderr?: string }) => {
    // depcruise exits non-zero when it finds violations; its JSON is still on stdout.
    if (e.stdout) return { stdout: e.stdout };
    throw new Error(`depcruise failed: ${e.stderr ?? String(e)}`);
  });
  const result = JSON.parse(stdout) as { summary: { violations: Violation[]; totalCruised: number } };
  expect(result.summary.totalCruised).toBeGreaterThan(50);
  return result.summary.violations;
}

const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

describe('the walls', () => {
  it('hold: no import runs up a floor, across the kernel/device wall, or in a circle', async () => {
    const found = await violations(ROOT);
    expect(found.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  });

  it('catch a kernel file importing device code, an upward import and a cycle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmaload-walls-'));
    scratch.push(dir);
    for (const entry of ['src', 'workers', 'tsconfig.json', '.dependency-cruiser.cjs']) {
      cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    appendFileSync(join(dir, 'src/kernel/kernel.ts'), "\nimport '../device/workload.js';\n");
    appendFileSync(join(dir, 'src/layout/constants.ts'), "\nimport '../profile/load.js';\n");
    appendFileSync(join(dir, 'src/kernel/frames.ts'), "\nimport './churn.js';\n");
    const rules = new Set((await violations(dir)).map((v) => v.rule.name));
    expect(rules).toContain('kernel-not-device');
    expect(rules).toContain('no-upward-from-layout');
    expect(rules).toContain('no-circular');
  });
});
