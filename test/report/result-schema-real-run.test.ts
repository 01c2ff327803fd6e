// A real run's result — open and closed loop, PRI faults, churn — passes the strict result
// schema, before and after a JSON round trip, so what `run --json` writes is what `report` and
// `export` accept.
import { describe, expect, it } from 'vitest';

import { runResultSchema } from '../../src/run/result-schema.js';
import { runProfile } from '../../src/run/run.js';
import { profileFrom } from '../helpers/machine.js';

const YAML = `
seed: 3
durationS: 0.02
platform: native
system: { memoryBytes: 64MiB }
iommus: [{ id: mmu }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 4MiB, populate: 0.5 }] }]
devices:
  - { id: d0, iommu: mmu, pri: true, attach: { type: sva, process: app }, workload: { region: buf, ops: { memmove: 1 } } }
  - id: d1
    iommu: mmu
    pri: true
    blockOnFault: false
    attach: { type: sva, process: app }
    workload: { region: buf, rateOpsPerSec: 200000, arrival: poisson, ops: { crc32c: 1, fill: 1 } }
churn: { process: app, region: buf, ratePerSec: 2500 }
`;

describe('a real run result', () => {
  it('passes the strict schema, also as JSON', async () => {
    const { result } = await runProfile(profileFrom(YAML));
    // The run exercised the nullable and optional-looking parts of the schema.
    expect(result.invalidation).not.toBeNull();
    expect(result.devices[1]!.loop).toBe('open');
    expect(result.faults.pageRequests).toBeGreaterThan(0);
    const direct = runResultSchema.safeParse(result);
    expect(direct.error?.issues ?? []).toEqual([]);
    const json = runResultSchema.safeParse(JSON.parse(JSON.stringify(result)));
    expect(json.error?.issues ?? []).toEqual([]);
  });
});
