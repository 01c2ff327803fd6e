// Modelled time (issue 10, design.md §6): the same profile and seed give the same result JSON,
// apart from its wall-clock fields, on every run and at any core count — counts, statuses and
// every histogram bucket. Five profiles: the quickstart (two devices sharing one IOTLB), a churn
// profile with four ATS devices behind one IOMMU in a guest, a demand-paging profile (PRI), and
// sixteen devices behind two IOMMUs with churn and PRI (more device threads than cores), and the
// lifecycle schedule (unbind, rebind, exit, PASID reuse) interleaved with churn on the same process,
// and two kernel clients (strict, lazy) beside an SVA device with churn behind one IOMMU, and the
// guests: a VM's grouped PRI devices with the guest kernel's churn, and stage-2 churn.
// Each is run twice in this process and once through the CLI pinned to one core (`taskset -c 0`).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../src/profile/load.js';
import { runProfile } from '../../src/run/run.js';

const DIR = join(import.meta.dirname, '../fixtures/modelled');
const ROOT = join(import.meta.dirname, '../..');

/** The result without its wall-clock fields and the invocation's provenance (the effective profile stays). */
function modelOnly(result: unknown): unknown {
  const r = JSON.parse(JSON.stringify(result)) as { timing: Record<string, unknown>; provenance: Record<string, unknown> };
  delete r.timing['wallElapsedNs'];
  delete r.timing['simulatedBytesPerWallSec'];
  delete r.timing['slowdown'];
  delete r.provenance['startedAt'];
  delete r.provenance['commandLine'];
  return r;
}

const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

describe('modelled time is deterministic', () => {
  for (const name of ['quickstart', 'inval-4dev-1iommu-guest', 'faults-demand', 'sixteen-devices', 'lifecycle-churn', 'kernel-clients', 'guests', 'guests-stage2']) {
    it(`${name}: two runs and a one-core run give the same result`, async () => {
      const file = join(DIR, `${name}.yaml`);
      const profile = loadProfile(file);
      expect(profile.timing).toBe('modelled');
      const a = (await runProfile(profile)).result;
      const b = (await runProfile(profile)).result;
      expect(a.timing.mode).toBe('modelled');
      expect(a.totals.ops).toBeGreaterThan(0);
      expect(modelOnly(b)).toEqual(modelOnly(a));
      if (hasTaskset) {
        const out = join(mkdtempSync(join(tmpdir(), 'dmaload-det-')), 'c.json');
        execFileSync('taskset', ['-c', '0', process.execPath, '--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'run', file, '--json', out, '--quiet'], {
          cwd: ROOT,
          stdio: 'pipe',
        });
        expect(modelOnly(JSON.parse(readFileSync(out, 'utf8')))).toEqual(modelOnly(a));
      }
    }, 120_000);
  }

  it('an invalidation costs microseconds, by the cost arithmetic, not the host scheduler', async () => {
    const profile = loadProfile(join(DIR, 'inval-4dev-1iommu-guest.yaml'));
    const r = (await runProfile(profile)).result;
    const c = profile.platform.costs;
    // shared-domain: one submission of 1 IOTLB + 4 device-TLB descriptors; the last request
    // reaches its device after the trap and the five descriptors; the device acknowledges at its
    // next page boundary (≤ one page step later) plus its processing; then the wait descriptor.
    const floor = c.trapNs + c.iotlbDescriptorNs + 4 * c.devtlbDescriptorNs + c.devtlbInvalidationNs + c.submissionWaitNs;
    const inv = r.invalidation!;
    // 150 changes of 4 pages; x86 calls the notifier once per munmap, twice per mprotect (write
    // dropped, then restored) and once per migrated page.
    const by = inv.eventsByOp as Record<'munmap' | 'mprotect' | 'migrate', number>;
    expect(by.munmap + by.mprotect / 2 + by.migrate / 4).toBe(150);
    expect(inv.events).toBe(by.munmap + by.mprotect + by.migrate);
    expect(inv.submissions).toBe(inv.events);
    expect(inv.latencyNs.p50).toBeGreaterThanOrEqual(floor * 0.999);
    expect(inv.latencyNs.max).toBeLessThan(floor + 5_000);
  }, 120_000);
});
