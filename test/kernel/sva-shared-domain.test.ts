// Two devices bound to one process share one SVA domain; bonds are refcounted per
// (device, process); unbinding one device leaves the other working; an incompatible IOMMU
// gets its own SVA domain on the same process.
import { describe, expect, it } from 'vitest';
import { DomainType } from '../../src/layout/domains.js';
import { Status } from '../../src/layout/status.js';
import { Op } from '../../src/layout/ops.js';
import { C } from '../../src/device/engine.js';
import { bootYaml, desc, engineFor, pumping, svaYaml } from '../helpers/machine.js';

describe('SVA bind', () => {
  it('shares one domain between two devices, refcounts bonds, and unbind of one keeps the other working', async () => {
    const b = bootYaml(svaYaml({ devices: 2 }));
    const k = b.kernel;
    const app = b.processes.get('app')!;
    const bond0 = app.bonds.get(0)!;
    const bond1 = app.bonds.get(1)!;
    expect(bond0.domain).toBe(bond1.domain);
    expect(app.svaDomains).toHaveLength(1);
    const domain = bond0.domain;
    expect(domain.type).toBe(DomainType.sva);
    expect(domain.users).toBe(2);
    expect(k.views.domains.rootPfn[domain.index]).toBe(app.rootPfn);
    // Same IOMMU: one did shared by both attachments.
    expect(domain.dids.get(0)).toEqual({ did: expect.any(Number), users: 2 });

    // A second bind of the same (device, process) takes a reference, not a new attachment.
    expect(k.domains.bindSva(0, app)).toBe(bond0);
    expect(bond0.users).toBe(2);
    expect(domain.users).toBe(2);

    const e0 = engineFor(b, 0);
    const e1 = engineFor(b, 1);
    const va = app.vmas[0]!.start;
    e0.begin();
    e1.begin();
    expect(e0.execute(desc(Op.memmove, va, va + 0x80000, 8192))).toBe(Status.success);
    expect(e1.execute(desc(Op.memmove, va, va + 0x90000, 8192))).toBe(Status.success);

    // Drop one of device 0's two references: still attached.
    await pumping([e0, e1], k.domains.unbindSva(bond0));
    expect(bond0.users).toBe(1);
    expect(e0.execute(desc(Op.fill, 0, va + 0x80000, 4096))).toBe(Status.success);

    // Last reference: device 0 detached (its device TLB was flushed through its ring), device 1 unaffected.
    const acksBefore = Atomics.load(k.views.devices[0]!.invAck, 0);
    await pumping([e0, e1], k.domains.unbindSva(bond0));
    expect(Atomics.load(k.views.devices[0]!.invAck, 0)).toBe(acksBefore + 1);
    expect(app.bonds.has(0)).toBe(false);
    expect(domain.users).toBe(1);
    expect(k.views.devices[0]!.pasidDomain[app.pasid]).toBe(0);
    expect(e0.execute(desc(Op.fill, 0, va + 0x80000, 4096))).toBe(Status.noAttachment);
    expect(e0.completion[C.bytesCompleted]).toBe(0);
    expect(e1.execute(desc(Op.memmove, va, va + 0x90000, 65536))).toBe(Status.success);
    expect(app.pasid).toBe(1);

    // Last device gone: the domain is freed, the PASID stays with the process.
    await pumping([e0, e1], k.domains.unbindSva(bond1));
    expect(app.svaDomains).toHaveLength(0);
    expect(k.views.domains.type[domain.index]).toBe(DomainType.free);
    expect(k.pasids.isAllocated(app.pasid)).toBe(true);
  });

  it('a device behind an incompatible IOMMU gets a second SVA domain with the same PASID', () => {
    const yaml = `
durationS: 1
system: { memoryBytes: 32MiB }
iommus:
  - { id: vt, type: vtd }
  - { id: arm, type: smmuv3 }
  - { id: vt2, type: vtd }
processes:
  - name: app
    regions: [{ name: buf, sizeBytes: 1MiB }]
devices:
  - { id: a, iommu: vt, attach: { type: sva, process: app }, workload: { region: buf } }
  - { id: b, iommu: arm, attach: { type: sva, process: app }, workload: { region: buf } }
  - { id: c, iommu: vt2, attach: { type: sva, process: app }, workload: { region: buf } }
`;
    const b = bootYaml(yaml);
    const app = b.processes.get('app')!;
    expect(app.svaDomains).toHaveLength(2);
    const [da, db, dc] = [0, 1, 2].map((i) => app.bonds.get(i)!.domain);
    expect(da).toBe(dc);
    expect(da).not.toBe(db);
    // One domain on two VT-d units: a domain id on each.
    expect([...da!.dids.keys()].sort()).toEqual([0, 2]);
    expect(b.devices.map((d) => d.pasid)).toEqual([1, 1, 1]);
  });
});

describe('SVA domains across IOMMU units', () => {
  const fourDevices = (type: string) => `
durationS: 1
system: { memoryBytes: 64MiB }
iommus: [{ id: u0, type: ${type} }, { id: u1, type: ${type} }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 1MiB }] }]
devices:
${[0, 1, 2, 3].map((i) => `  - { id: d${i}, iommu: u${i < 2 ? 0 : 1}, attach: { type: sva, process: app }, workload: { region: buf } }`).join('\n')}
`;

  it('VT-d: one SVA domain spans both units', () => {
    const app = bootYaml(fourDevices('vtd')).processes.get('app')!;
    expect(app.svaDomains).toHaveLength(1);
    expect([...app.svaDomains[0]!.dids.keys()].sort()).toEqual([0, 1]);
  });

  it('SMMUv3: one SVA domain per SMMU instance, never shared across instances, on one PASID', () => {
    const app = bootYaml(fourDevices('smmuv3')).processes.get('app')!;
    expect(app.svaDomains).toHaveLength(2);
    expect(app.svaDomains.map((d) => d.users)).toEqual([2, 2]);
    expect(app.svaDomains.map((d) => [...d.dids.keys()])).toEqual([[0], [1]]);
    expect(app.bonds.get(0)!.domain).toBe(app.bonds.get(1)!.domain);
    expect(app.bonds.get(0)!.domain).not.toBe(app.bonds.get(2)!.domain);
  });
});
