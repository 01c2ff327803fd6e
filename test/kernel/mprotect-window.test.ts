// While an mprotect holds a range read-only (between dropping write and restoring it after the
// flush), a write fault into it is refused — the software's touch answers read-only and a page
// request is answered INVALID — instead of "present, retry" while the PTE stays read-only: the
// loop that once wedged a partial-completion device under mprotect churn (issue 11). Reads, and
// writes outside the range, are served as before; after the window, writes are served again.
import { describe, expect, it } from 'vitest';
import { PageResponse, PrqRecord, RespRecord } from '../../src/layout/device.js';
import { bootYaml, svaYaml } from '../helpers/machine.js';

describe('an mprotect window', () => {
  it('refuses writes into the range while it lasts, and only there', () => {
    const b = bootYaml(svaYaml({ populate: 1 }));
    const k = b.kernel;
    const app = b.processes.get('app')!;
    const base = app.vmas[0]!.start;
    const first = base / 4096;
    const range = { startVpn: first + 4, endVpn: first + 8 };
    app.writeProtected.push(range);
    expect(k.faults.touch(0, app.pasid, (first + 5) * 4096, true)).toBe('read-only');
    expect(k.faults.touch(0, app.pasid, (first + 5) * 4096, false)).toBe('ok');
    expect(k.faults.touch(0, app.pasid, (first + 8) * 4096, true)).toBe('ok');
    // A page request for a write into the range: INVALID.
    const dev = k.views.devices[0]!;
    const s = dev.prqRing.reserve();
    dev.prqRing.slots[s + PrqRecord.group] = 1;
    dev.prqRing.slots[s + PrqRecord.pasid] = app.pasid;
    dev.prqRing.slots[s + PrqRecord.vpn] = first + 6;
    dev.prqRing.slots[s + PrqRecord.write] = 1;
    dev.prqRing.slots[s + PrqRecord.last] = 1;
    dev.prqRing.slots[s + PrqRecord.time] = 0;
    dev.prqRing.publish();
    k.faults.drainDevice(0);
    const at = dev.respRing.peek();
    expect(dev.respRing.slots[at + RespRecord.code]).toBe(PageResponse.invalid);
    dev.respRing.consume();
    // The window ends: writes are served again.
    app.writeProtected.splice(0, 1);
    expect(k.faults.touch(0, app.pasid, (first + 5) * 4096, true)).toBe('ok');
  });
});
