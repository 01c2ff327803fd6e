// Every DSA op, executed through translation on real bytes, equals a plain reference
// computation over the same virtual ranges (read back through the CPU's view of the page table).
import { describe, expect, it } from 'vitest';
import CRC32C from 'crc-32/crc32c';
import { Op } from '../../src/layout/ops.js';
import { C } from '../../src/device/engine.js';
import { Status } from '../../src/layout/status.js';
import { bootYaml, desc, engineFor, processMemory, svaYaml } from '../helpers/machine.js';

const SIZES = [1, 7, 64, 100, 4096, 4097, 5000, 65536, 65536 + 123];
const OFFSETS = [0, 1, 3, 4092, 8];

function setup() {
  const b = bootYaml(svaYaml({ regionBytes: 4 * 1024 * 1024 }));
  const e = engineFor(b, 0);
  e.begin();
  const { proc: app, read, write, base } = processMemory(b);
  return { b, e, app, read, write, base };
}

function patternBytes(lo: number, hi: number): number[] {
  return [0, 1, 2, 3, 4, 5, 6, 7].map((j) => (j < 4 ? lo >>> (8 * j) : hi >>> (8 * (j - 4))) & 0xff);
}

describe('DSA ops against reference computations', () => {
  it('memmove copies exactly, across page boundaries, and touches nothing else', () => {
    const { e, read, base } = setup();
    for (const size of SIZES) {
      for (const off of OFFSETS) {
        const src = base + off;
        const dst = base + 0x200000 + ((off * 7) % 4096);
        const before = read(dst - 16, size + 32);
        const source = read(src, size);
        expect(e.execute(desc(Op.memmove, src, dst, size))).toBe(Status.success);
        expect(e.completion[C.bytesCompleted]).toBe(size);
        const after = read(dst - 16, size + 32);
        expect(Buffer.from(after.subarray(16, 16 + size)).equals(Buffer.from(source))).toBe(true);
        expect(Buffer.from(after.subarray(0, 16)).equals(Buffer.from(before.subarray(0, 16)))).toBe(true);
        expect(Buffer.from(after.subarray(16 + size)).equals(Buffer.from(before.subarray(16 + size)))).toBe(true);
      }
    }
  });

  it('fill writes the 8-byte pattern from the descriptor start, and nothing else', () => {
    const { e, read, base } = setup();
    const pat = patternBytes(e.workload.patternLo, e.workload.patternHi);
    for (const size of SIZES) {
      for (const off of OFFSETS) {
        const dst = base + 0x300000 + off;
        const before = read(dst - 8, size + 16);
        expect(e.execute(desc(Op.fill, 0, dst, size))).toBe(Status.success);
        const after = read(dst - 8, size + 16);
        for (let i = 0; i < size; i++) if (after[8 + i] !== pat[i % 8]) throw new Error(`size ${size} off ${off}: byte ${i}`);
        expect(Array.from(after.subarray(0, 8))).toEqual(Array.from(before.subarray(0, 8)));
        expect(Array.from(after.subarray(8 + size))).toEqual(Array.from(before.subarray(8 + size)));
      }
    }
  });

  it('compare reports the first differing offset (or -1) like a byte loop', () => {
    const { e, read, write, base } = setup();
    for (const size of SIZES) {
      for (const off of OFFSETS) {
        const a = base + off;
        const bb = base + 0x100000 + off;
        write(bb, read(a, size));
        expect(e.execute(desc(Op.compare, a, bb, size))).toBe(Status.success);
        expect(e.completion[C.result]).toBe(-1);
        const at = Math.floor((size * 5) / 7);
        const flipped = read(bb + at, 1);
        flipped[0] = flipped[0]! ^ 0x10;
        write(bb + at, flipped);
        expect(e.execute(desc(Op.compare, a, bb, size))).toBe(Status.success);
        expect(e.completion[C.result]).toBe(at);
      }
    }
  });

  it('compare-pattern matches after fill and reports the first deviation', () => {
    const { e, read, write, base } = setup();
    for (const size of SIZES) {
      for (const off of OFFSETS) {
        const a = base + 0x280000 + off;
        e.execute(desc(Op.fill, 0, a, size));
        expect(e.execute(desc(Op.comparePattern, 0, a, size))).toBe(Status.success);
        expect(e.completion[C.result]).toBe(-1);
        const at = size - 1 - Math.floor(size / 3);
        const x = read(a + at, 1);
        x[0] = x[0]! ^ 1;
        write(a + at, x);
        expect(e.execute(desc(Op.comparePattern, 0, a, size))).toBe(Status.success);
        expect(e.completion[C.result]).toBe(at);
      }
    }
  });

  it('crc32c equals an independent CRC32C implementation (crc-32 package)', () => {
    const { e, read, base } = setup();
    for (const size of SIZES) {
      for (const off of OFFSETS) {
        const src = base + 0x10000 + off;
        expect(e.execute(desc(Op.crc32c, src, 0, size))).toBe(Status.success);
        expect(e.completion[C.result]).toBe(CRC32C.buf(read(src, size)) >>> 0);
      }
    }
  });

  it('a batch executes its sub-descriptors and sums their bytes', () => {
    const yaml = svaYaml({ regionBytes: 4 * 1024 * 1024 }).replace('ops: { memmove: 1 }', 'ops: { batch: 1, fill: 1 }, batchSize: 5');
    const b = bootYaml(yaml);
    const e = engineFor(b, 0);
    e.begin();
    expect(e.execute(desc(Op.batch, 0, 0, 0))).toBe(Status.success);
    expect(e.completion[C.bytesCompleted]).toBe(5 * 4096);
  });
});
