// Page groups: the kernel answers once per group, and an error is sticky for the rest of the
// group (later requests are not serviced). Requests are injected into a device's page-request
// ring directly and the kernel drains it on this thread.
import { describe, expect, it } from 'vitest';
import { PageResponse, PrqRecord, RespRecord } from '../../src/layout/device.js';
import { bootYaml, svaYaml } from '../helpers/machine.js';

function inject(ring: import('../../src/layout/ring.js').Ring, group: number, pasid: number, vpn: number, write: boolean, last: boolean): void {
  const s = ring.reserve();
  ring.slots[s + PrqRecord.group] = group;
  ring.slots[s + PrqRecord.pasid] = pasid;
  ring.slots[s + PrqRecord.vpn] = vpn;
  ring.slots[s + PrqRecord.write] = write ? 1 : 0;
  ring.slots[s + PrqRecord.last] = last ? 1 : 0;
  ring.slots[s + PrqRecord.time] = performance.timeOrigin + performance.now();
  ring.publish();
}

function responses(ring: import('../../src/layout/ring.js').Ring): { group: number; code: number }[] {
  const out: { group: number; code: number }[] = [];
  while (ring.available() > 0) {
    const at = ring.peek();
    out.push({ group: ring.slots[at + RespRecord.group]!, code: ring.slots[at + RespRecord.code]! });
    ring.consume();
  }
  return out;
}

describe('page groups', () => {
  it('answers once per group, SUCCESS populating every page', () => {
    const b = bootYaml(svaYaml({ populate: 0 }));
    const k = b.kernel;
    const app = b.processes.get('app')!;
    const first = app.vmas[0]!.start / 4096;
    const dev = k.views.devices[0]!;
    inject(dev.prqRing, 7, app.pasid, first, false, false);
    inject(dev.prqRing, 7, app.pasid, first + 1, true, false);
    inject(dev.prqRing, 7, app.pasid, first + 2, false, true);
    expect(k.faults.drainDevice(0)).toBe(3);
    expect(responses(dev.respRing)).toEqual([{ group: 7, code: PageResponse.success }]);
    for (let i = 0; i < 3; i++) expect(k.mm.resolve(app.rootPfn, first + i)).toBeGreaterThan(0);
  });

  it('an error is sticky: later requests of the group are not serviced and the group is INVALID', () => {
    const b = bootYaml(svaYaml({ populate: 0 }));
    const k = b.kernel;
    const app = b.processes.get('app')!;
    const first = app.vmas[0]!.start / 4096;
    const outside = first + 1024 + 16; // in the guard gap past the 1 MiB region
    const dev = k.views.devices[0]!;
    inject(dev.prqRing, 3, app.pasid, first, false, false); // serviced (before the error)
    inject(dev.prqRing, 3, app.pasid, outside, false, false); // INVALID: no VMA
    inject(dev.prqRing, 3, app.pasid, first + 5, false, true); // not serviced: sticky
    inject(dev.prqRing, 4, app.pasid, first + 6, false, true); // a new group: serviced
    k.faults.drainDevice(0);
    expect(responses(dev.respRing)).toEqual([
      { group: 3, code: PageResponse.invalid },
      { group: 4, code: PageResponse.success },
    ]);
    expect(k.mm.resolve(app.rootPfn, first)).toBeGreaterThan(0);
    expect(k.mm.resolve(app.rootPfn, first + 5)).toBe(0);
    expect(k.mm.resolve(app.rootPfn, first + 6)).toBeGreaterThan(0);
    expect(k.faults.stats.responses).toEqual({ success: 1, invalid: 1, failure: 0 });
  });

  it('a write to a read-only VMA and a PASID with no attachment are INVALID', () => {
    const b = bootYaml(svaYaml({ populate: 0, writable: false }));
    const k = b.kernel;
    const app = b.processes.get('app')!;
    const first = app.vmas[0]!.start / 4096;
    const dev = k.views.devices[0]!;
    inject(dev.prqRing, 1, app.pasid, first, true, true);
    inject(dev.prqRing, 2, app.pasid + 1, first, false, true);
    inject(dev.prqRing, 5, app.pasid, first, false, true);
    k.faults.drainDevice(0);
    expect(responses(dev.respRing)).toEqual([
      { group: 1, code: PageResponse.invalid },
      { group: 2, code: PageResponse.invalid },
      { group: 5, code: PageResponse.success },
    ]);
  });
});

describe('a demand fault with memory exhausted', () => {
  it('is answered INVALID (any VM_FAULT_ERROR is, in iommu_sva_handle_mm), never FAILURE', () => {
    const b = bootYaml(svaYaml({ populate: 0 }));
    const k = b.kernel;
    const app = b.processes.get('app')!;
    const first = app.vmas[0]!.start / 4096;
    // Take every free frame.
    for (;;) {
      try {
        k.frames.alloc(0, 'test');
      } catch {
        break;
      }
    }
    const dev = k.views.devices[0]!;
    inject(dev.prqRing, 9, app.pasid, first, true, true);
    k.faults.drainDevice(0);
    expect(responses(dev.respRing)).toEqual([{ group: 9, code: PageResponse.invalid }]);
    expect(k.mm.resolve(app.rootPfn, first)).toBe(0);
    expect(k.faults.stats.responses).toMatchObject({ invalid: 1, failure: 0 });
  });
});
