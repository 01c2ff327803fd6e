// The sampled integrity check is not a rubber stamp: corrupt the result of an op after it
// executed and the check reports a failure with the op and address.
import { describe, expect, it } from 'vitest';
import { Counter } from '../../src/layout/device.js';
import { Status } from '../../src/layout/status.js';
import { Op } from '../../src/layout/ops.js';
import { C } from '../../src/device/engine.js';
import { bootYaml, desc, engineFor, svaYaml } from '../helpers/machine.js';

describe('integrity sampling', () => {
  it('passes correct results and flags corrupted ones, for every op', () => {
    const b = bootYaml(svaYaml({ regionBytes: 2 * 1024 * 1024 }));
    const app = b.processes.get('app')!;
    const base = app.vmas[0]!.start;
    const e = engineFor(b, 0);
    e.begin();
    const counters = b.kernel.views.devices[0]!.counters;
    const corruptByte = (va: number): void => {
      const x = new Uint8Array(1);
      b.kernel.mm.readVirtual(app.rootPfn, va, x);
      x[0] = x[0]! ^ 0xff;
      b.kernel.mm.writeVirtual(app.rootPfn, va, x);
    };
    const cases: { setup?: () => unknown; d: Float64Array; corrupt: () => void }[] = [
      { d: desc(Op.memmove, base, base + 0x100000, 8192), corrupt: () => corruptByte(base + 0x100000 + 5000) },
      { d: desc(Op.fill, 0, base + 0x110000, 4096), corrupt: () => corruptByte(base + 0x110000 + 17) },
      { d: desc(Op.crc32c, base + 0x1000, 0, 6000), corrupt: () => corruptByte(base + 0x1000 + 3) },
      // compare of equal ranges (result -1); corrupting one side makes the reported result wrong.
      {
        setup: () => e.execute(desc(Op.memmove, base + 0x2000, base + 0x130000, 8192)),
        d: desc(Op.compare, base + 0x2000, base + 0x130000, 8192),
        corrupt: () => corruptByte(base + 0x130000 + 1),
      },
      { d: desc(Op.comparePattern, 0, base + 0x110000, 4096), corrupt: () => corruptByte(base + 0x110000 + 2) },
    ];
    for (const c of cases) {
      c.setup?.();
      expect(e.execute(c.d)).toBe(Status.success);
      if (c.d[0] === Op.compare) expect(e.completion[C.result]).toBe(-1);
      const failedBefore = counters[Counter.integrityFailed]!;
      e.verify(c.d);
      expect(counters[Counter.integrityFailed]).toBe(failedBefore);
      c.corrupt();
      e.verify(c.d);
      expect(counters[Counter.integrityFailed], `case ${cases.indexOf(c)}`).toBe(failedBefore + 1);
    }
    expect(counters[Counter.integrityChecked]).toBe(10);
    expect(e.firstIntegrityFailure).toMatchObject({ op: 'memmove', address: base + 0x100000 });
  });
});
