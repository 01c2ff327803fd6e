// The IOVA allocator against Linux's drivers/iova.c: size-aligned top-down allocation from the
// cached node, and the magazine caches' hits, misses, depot pushes and trimming, counted exactly.
import { describe, expect, it } from 'vitest';
import { IOVA_DEPOT_DELAY_NS, IOVA_MAG_SIZE, IovaAllocator, IovaRangeAllocator, MAX_GLOBAL_MAGS } from '../../src/kernel/iova.js';

describe('IOVA range allocator (alloc_iova, size-aligned, top-down)', () => {
  it('allocates below the limit, aligned to the size, continuing below the last allocation', () => {
    const t = new IovaRangeAllocator(1, 0xffff);
    expect(t.alloc(1)).toBe(0xffff);
    expect(t.alloc(4)).toBe(0xfff8); // (0xffff − 4) aligned down to 4
    expect(t.alloc(1)).toBe(0xfff7);
    expect(t.alloc(8)).toBe(0xffe8); // (0xfff7 − 8) aligned down to 8
    expect(t.allocatedRanges).toBe(4);
    expect(t.sizeOf(0xfff8)).toBe(4);
  });

  it('a free at or above the cached node moves the search start up, so the gap is reused', () => {
    const t = new IovaRangeAllocator(1, 0xffff);
    const a = t.alloc(1);
    const b = t.alloc(1);
    expect([a, b]).toEqual([0xffff, 0xfffe]);
    t.free(b); // the cached node (b) moves to the next range (a)
    expect(t.alloc(1)).toBe(0xfffe);
  });

  it('retries from the limit when the space below the cached node is exhausted, then fails', () => {
    const t = new IovaRangeAllocator(1, 8);
    const got = Array.from({ length: 8 }, () => t.alloc(1));
    expect(got).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    t.free(8); // above the cached node: the search restarts below 8's successor (the anchor)
    t.free(5);
    expect(t.alloc(1)).toBe(8);
    expect(t.alloc(1)).toBe(5);
    expect(t.alloc(1)).toBe(0);
    expect(() => t.free(42)).toThrow(/not allocated/);
  });
});

describe('IOVA caches (alloc_iova_fast / free_iova_fast)', () => {
  it('rounds cacheable sizes up to a power of two; a freed range is the next hit on its CPU only', () => {
    expect([1, 3, 5, 31, 32, 33].map(IovaAllocator.roundedPages)).toEqual([1, 4, 8, 32, 32, 33]);
    const a = new IovaAllocator(1, 2 ** 36 - 1, 2);
    const p = a.alloc(3, 0);
    expect(a.stats).toMatchObject({ hits: 0, misses: 1 });
    a.free(p, 3, 0);
    expect(a.alloc(3, 1)).not.toBe(p); // CPU 1's magazines are empty: a miss
    expect(a.alloc(4, 0)).toBe(p); // same order (4 pages) on CPU 0: a hit
    expect(a.stats).toMatchObject({ hits: 1, misses: 2, cachedFrees: 1 });
    // 33 pages are not cached: straight back into the range allocator.
    const big = a.alloc(33, 0);
    a.free(big, 33, 0);
    expect(a.stats).toMatchObject({ misses: 3, directFrees: 1 });
  });

  it(`two magazines of ${IOVA_MAG_SIZE} per CPU, then the depot: counts exact`, () => {
    const a = new IovaAllocator(1, 2 ** 36 - 1, 1);
    const n = 2 * IOVA_MAG_SIZE + 1 + IOVA_MAG_SIZE; // both full, one push, then a third magazine full
    const pfns = Array.from({ length: n }, () => a.alloc(1, 0));
    expect(a.stats.misses).toBe(n);
    for (const p of pfns.slice(0, 2 * IOVA_MAG_SIZE)) a.free(p, 1, 0);
    expect(a.stats.depotPushes).toBe(0);
    a.free(pfns[2 * IOVA_MAG_SIZE]!, 1, 0);
    expect(a.stats.depotPushes).toBe(1);
    for (const p of pfns.slice(2 * IOVA_MAG_SIZE + 1)) a.free(p, 1, 0);
    expect(a.cachedRanges).toBe(n);
    // Every one of them comes back as a hit, most recent first.
    const again = Array.from({ length: n }, () => a.alloc(1, 0));
    expect(a.stats.hits).toBe(n);
    expect(new Set(again)).toEqual(new Set(pfns));
    expect(again[0]).toBe(pfns.at(-1));
  });

  it(`v6.0–v6.6: a full depot (${MAX_GLOBAL_MAGS} magazines) sends the next full magazine back to the range allocator`, () => {
    const a = new IovaAllocator(1, 2 ** 36 - 1, 1, 'v6.0-v6.6');
    const n = 2 * IOVA_MAG_SIZE + MAX_GLOBAL_MAGS * IOVA_MAG_SIZE + 1; // the 33rd full magazine finds the depot full
    const pfns = Array.from({ length: n }, () => a.alloc(1, 0));
    for (const p of pfns) a.free(p, 1, 0);
    expect(a.stats.depotPushes).toBe(MAX_GLOBAL_MAGS);
    expect(a.stats.magazinesFreed).toBe(1);
    expect(a.tree.allocatedRanges).toBe(n - IOVA_MAG_SIZE);
  });

  it('v6.7+: an unbounded depot, trimmed every 100 ms to one magazine per CPU', () => {
    const a = new IovaAllocator(1, 2 ** 36 - 1, 1, 'v6.7+');
    const n = 2 * IOVA_MAG_SIZE + 3 * IOVA_MAG_SIZE;
    const pfns = Array.from({ length: n }, () => a.alloc(1, 0));
    pfns.forEach((p, i) => a.free(p, 1, 0, i)); // one free per ns
    expect(a.stats.depotPushes).toBe(3);
    const firstPushNs = 2 * IOVA_MAG_SIZE;
    expect(a.depotWorkDueNs).toBe(firstPushNs + IOVA_DEPOT_DELAY_NS);
    a.runDepotWork(firstPushNs + IOVA_DEPOT_DELAY_NS - 1);
    expect(a.stats.magazinesFreed).toBe(0);
    a.runDepotWork(firstPushNs + IOVA_DEPOT_DELAY_NS);
    expect(a.stats.magazinesFreed).toBe(1);
    expect(a.depotWorkDueNs).toBe(firstPushNs + 2 * IOVA_DEPOT_DELAY_NS);
    a.runDepotWork(firstPushNs + 2 * IOVA_DEPOT_DELAY_NS);
    a.runDepotWork(firstPushNs + 3 * IOVA_DEPOT_DELAY_NS);
    expect(a.stats.magazinesFreed).toBe(2); // 3 → 1 magazine: one per CPU stays
    expect(a.depotWorkDueNs).toBeUndefined();
    expect(a.tree.allocatedRanges).toBe(n - 2 * IOVA_MAG_SIZE);
  });

  it('an exhausted space flushes every cache back and retries once', () => {
    const a = new IovaAllocator(1, 4, 2);
    const p = [a.alloc(1, 0), a.alloc(1, 0), a.alloc(1, 1), a.alloc(1, 1)];
    expect(p).toEqual([4, 3, 2, 1]);
    a.free(p[0]!, 1, 1); // cached on CPU 1
    expect(a.alloc(1, 0)).toBe(4); // CPU 0 misses, the tree is full, the flush frees 4
    expect(a.stats).toMatchObject({ misses: 5, failures: 0 });
    expect(a.alloc(1, 0)).toBe(0);
    expect(a.stats.failures).toBe(1);
  });
});
